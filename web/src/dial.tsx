// Click-to-call (発信): a number box with the queue the call is made for
// (which chooses the caller ID the customer sees), and placeCall, which My
// callbacks uses for its call buttons. The call itself then appears on the
// desk like an inbound one (Call with outbound set): calling, ringing,
// connected, wrap-up. A call that never connects is explained here.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Contact, TsunaguEvent } from './api';
import type { Strings } from './i18n';

export interface CallInput {
  number?: string;
  queue_id?: string;
  callback_id?: string;
}

// placeCall asks the server to call: the agent's softphone first, then the
// customer over the trunk. The contact comes back dialling.
export const placeCall = (body: CallInput) => api<Contact>('POST', '/calls', body);

// Dial is the desk's number box. busy disables it while a call is on the
// desk; last is the newest event, to explain a call that did not connect.
export function Dial({ t, busy, last }: { t: Strings; busy: boolean; last?: TsunaguEvent }) {
  const d = t.dial;
  const [number, setNumber] = useState('');
  const [queue, setQueue] = useState('');
  const [queues, setQueues] = useState<{ id: string; name: string }[]>([]);
  const [placed, setPlaced] = useState('');
  const [error, setError] = useState('');
  const [result, setResult] = useState('');
  useEffect(() => {
    api<{ items: { id: string; name: string }[] }>('GET', '/queues').then((r) => setQueues(r.items), () => undefined);
  }, []);
  useEffect(() => {
    if (!last || !placed || last.contact_id !== placed) return;
    if (last.type === 'contact:connected') setResult('');
    if (last.type === 'contact:ended') {
      const reason = (last.payload as { reason?: string }).reason;
      if (reason) setResult(d.reasons[reason] ?? d.failed);
      setPlaced('');
    }
  }, [last]);
  const call = async (e: Event) => {
    e.preventDefault();
    setError('');
    setResult('');
    try {
      const c = await placeCall(queue ? { number, queue_id: queue } : { number });
      setPlaced(c.id);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <section class="card dial" aria-label={d.title} data-testid="dial">
      <h2>{d.title}</h2>
      <form onSubmit={call}>
        <label>
          {d.number}
          <input
            type="tel"
            inputMode="tel"
            autocomplete="off"
            placeholder={d.placeholder}
            value={number}
            onInput={(e) => setNumber(e.currentTarget.value)}
            data-testid="dial-number"
            required
          />
        </label>
        {queues.length > 0 && (
          <label>
            {d.queue}
            <select value={queue} onChange={(e) => setQueue(e.currentTarget.value)}>
              <option value="">{d.anyQueue}</option>
              {queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" class="ok" disabled={busy || !number.trim()} data-testid="dial-call">
          {d.call}
        </button>
      </form>
      {result && (
        <p class="warn" role="status" data-testid="dial-result">
          {result}
        </p>
      )}
      {error && (
        <p class="error" role="alert" data-testid="dial-error">
          {error}
        </p>
      )}
      <p class="muted small">{d.note}</p>
    </section>
  );
}

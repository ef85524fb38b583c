// Callbacks as tasks (折り返し): scheduled in one click from a long hold or
// promised in the wrap-up; "My callbacks" lists the operator's own and the
// ones anyone may take, soonest due first, due ones highlighted. Each has
// a call button (dial.tsx): the call is placed from the agent's softphone,
// and the callback is marked done when the customer answered.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { placeCall } from './dial';
import type { Strings } from './i18n';

export interface Callback {
  id: string;
  contact_id?: string;
  customer_id?: string;
  number: string;
  due_at: string;
  owner_id?: string;
  note?: string;
  status: 'open' | 'done';
}

// localInput formats a time for <input type="datetime-local"> in local time.
export function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// inAnHour is the default callback time.
export const inAnHour = () => localInput(new Date(Date.now() + 3600_000));

// national shows a Japanese E.164 number the way operators dial it:
// +819012345678 -> 090-1234-5678 (mobile and IP phones 3-4-4, Tokyo and
// Osaka 2-4-4); anything else as stored.
export function national(e164: string): string {
  if (!e164.startsWith('+81')) return e164;
  const n = '0' + e164.slice(3);
  if (/^0[5789]0\d{8}$/.test(n)) return `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`;
  if (/^0[36]\d{8}$/.test(n)) return `${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6)}`;
  return n;
}

const hhmm = (iso: string) => new Date(iso).toLocaleString([], { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });

// ScheduleCallback is the hold nudge's one click: the caller's number (the
// server takes it from the contact), owner me, at the time shown (+1 h,
// editable).
export function ScheduleCallback({ t, contactId }: { t: Strings; contactId: string }) {
  const [when, setWhen] = useState(inAnHour());
  const [made, setMade] = useState<Callback | null>(null);
  const [error, setError] = useState('');
  const d = t.opdesk;
  if (made)
    return (
      <p class="ok-note" role="status" data-testid="callback-scheduled">
        {d.scheduled} ({hhmm(made.due_at)})
      </p>
    );
  const schedule = async () => {
    setError('');
    try {
      setMade(await api<Callback>('POST', '/callbacks', { contact_id: contactId, due_at: new Date(when).toISOString(), owner: 'me' }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <div class="schedule">
      <input type="datetime-local" aria-label={d.when} value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
      <button type="button" class="ok" onClick={schedule}>
        {d.scheduleCallback}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

// MyCallbacks is the desk's to-do list; tick changes when a callback event
// arrives on the stream.
export function MyCallbacks({ t, tick, busy = false }: { t: Strings; tick: number; busy?: boolean }) {
  const [items, setItems] = useState<Callback[]>([]);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  const d = t.opdesk;
  const load = () => api<{ items: Callback[] }>('GET', '/callbacks?owner=mine&status=open').then((r) => setItems(r.items), () => undefined);
  useEffect(() => {
    load();
  }, [tick]);
  useEffect(() => {
    const i = setInterval(() => setNow(Date.now()), 30_000); // "due" moves with the clock
    return () => clearInterval(i);
  }, []);
  const done = async (id: string) => {
    setError('');
    try {
      await api('POST', `/callbacks/${id}/done`);
      setItems(items.filter((c) => c.id !== id));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const call = async (id: string) => {
    setError('');
    try {
      await placeCall({ callback_id: id });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <section class="card callbacks" aria-label={d.myCallbacks} data-testid="callbacks">
      <h2>{d.myCallbacks}</h2>
      {items.length === 0 ? (
        <p class="muted">{d.noCallbacks}</p>
      ) : (
        <>
          <ul>
            {items.map((c) => {
              const due = new Date(c.due_at).getTime() <= now;
              return (
                <li key={c.id} class={due ? 'due' : ''} data-testid="callback" data-due={due}>
                  <time dateTime={c.due_at}>{hhmm(c.due_at)}</time>
                  {due && <strong class="badge">{new Date(c.due_at).getTime() < now - 15 * 60_000 ? d.overdue : d.dueNow}</strong>}
                  <span class="number">{national(c.number)}</span>
                  {!c.owner_id && <span class="muted">{d.anyone}</span>}
                  {c.note && <span class="note">{c.note}</span>}
                  <button
                    type="button"
                    class="ok"
                    disabled={busy}
                    onClick={() => call(c.id)}
                    aria-label={`${t.dial.callback}: ${national(c.number)}`}
                    data-testid="callback-call"
                  >
                    {t.dial.callback}
                  </button>
                  <button type="button" onClick={() => done(c.id)} aria-label={`${d.done}: ${national(c.number)}`}>
                    {d.done}
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, followEvents } from './api';
import type { Contact, Customer, Named, TsunaguEvent } from './api';
import { AskLeader } from './escalation';
import type { Strings } from './i18n';

// byNewest orders past contacts by when they happened, newest first.
export const byNewest = (cs: Contact[]) => [...cs].sort((a, b) => b.arrived_at.localeCompare(a.arrived_at));

// Call is one contact on the operator's desk: ringing with the screen pop,
// then connected with a timer, then the wrap-up form (後処理).
export function Call({ t, contactId, onDone, onMute }: { t: Strings; contactId: string; onDone: () => void; onMute: (m: boolean) => void }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [history, setHistory] = useState<Contact[]>([]);
  const [phase, setPhase] = useState<'ringing' | 'connected' | 'wrapup'>('ringing');
  const [since, setSince] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  const [muted, setMuted] = useState(false);
  const [heldSince, setHeldSince] = useState<number | null>(null);
  const [holdNudge, setHoldNudge] = useState(60);
  const [refs, setRefs] = useState<{ reasons: Named[]; dispositions: Named[] }>({ reasons: [], dispositions: [] });
  const [form, setForm] = useState({ reason_id: '', disposition_id: '', notes: '', thank_you: false });
  const [error, setError] = useState('');
  const [escEvents, setEscEvents] = useState<TsunaguEvent[]>([]);
  useEffect(() => {
    api<Contact>('GET', '/contacts/' + contactId).then(async (c) => {
      setContact(c);
      if (c.customer_id) {
        setCustomer(await api<Customer>('GET', '/customers/' + c.customer_id));
        setHistory(byNewest((await api<{ items: Contact[] }>('GET', '/contacts?limit=5&customer_id=' + c.customer_id)).items.filter((h) => h.id !== c.id)));
      }
    });
    Promise.all([api<{ items: Named[] }>('GET', '/reasons'), api<{ items: Named[] }>('GET', '/dispositions')]).then(([r, d]) =>
      setRefs({ reasons: r.items, dispositions: d.items }),
    );
    // The queue says how long a hold may run before a callback should be offered.
    api<{ items: { id: string; hold_callback_seconds: number }[] }>('GET', '/queues').then((r) =>
      api<Contact>('GET', '/contacts/' + contactId).then((c) => {
        const q = r.items.find((x) => x.id === c.queue_id);
        if (q && q.hold_callback_seconds > 0) setHoldNudge(q.hold_callback_seconds);
      }),
    );
    const tick = setInterval(() => setNow(Date.now()), 1000);
    // The caller hangs up, or the offer goes elsewhere: follow the contact.
    const stop = followEvents(
      (e) => {
        if (e.contact_id !== contactId) return;
        if (e.type === 'contact:ended') setPhase('wrapup');
        if (e.type.startsWith('escalation:')) setEscEvents((prev) => [...prev, e]);
        if (e.type === 'contact:abandoned' || (e.type === 'contact:queued' && e.payload.requeued)) onDone();
      },
      () => undefined,
    );
    return () => {
      clearInterval(tick);
      stop();
    };
  }, [contactId]);
  const act = async (f: () => Promise<unknown>) => {
    setError('');
    try {
      await f();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const answer = () =>
    act(async () => {
      await api('POST', `/contacts/${contactId}/answer`);
      setPhase('connected');
      setSince(Date.now());
    });
  const decline = () => act(async () => (await api('POST', `/contacts/${contactId}/decline`), onDone()));
  const hangup = () => act(async () => (await api('POST', `/contacts/${contactId}/hangup`), setHeldSince(null), setPhase('wrapup')));
  const hold = () => act(async () => (await api('POST', `/contacts/${contactId}/hold`), setHeldSince(Date.now())));
  const resume = () => act(async () => (await api('POST', `/contacts/${contactId}/resume`), setHeldSince(null)));
  const heldSecs = heldSince === null ? 0 : Math.max(0, Math.round((now - heldSince) / 1000));
  const wrap = (e: Event) => {
    e.preventDefault();
    act(async () => (await api('POST', `/contacts/${contactId}/wrapup`, form), onDone()));
  };
  const secs = Math.max(0, Math.round((now - since) / 1000));
  return (
    <section class={'card call phase-' + phase} aria-label={t.call[phase]} data-testid="call" data-phase={phase}>
      <h2>
        {t.call[phase]} {phase === 'connected' && <span class="timer">{Math.floor(secs / 60)}:{String(secs % 60).padStart(2, '0')}</span>}
      </h2>
      <div class="caller">
        <div class="name" data-testid="caller">
          {customer ? customer.name : contact ? (contact.customer_id ? '…' : t.unknownCaller) : '…'}
        </div>
        <div class="muted">
          {customer?.kana} {contact?.number} {contact?.queue_id && `· ${contact.queue_id}`}
        </div>
      </div>
      {history.length > 0 && (
        <ul class="history">
          {history.map((h) => (
            <li key={h.id}>
              <time>{new Date(h.arrived_at).toLocaleDateString()}</time> {h.notes} {h.thank_you && <span class="thanks">{t.thanks}</span>}
            </li>
          ))}
        </ul>
      )}
      {phase === 'ringing' && (
        <div class="buttons">
          <button class="ok big" onClick={answer} autofocus>
            {t.answer}
          </button>
          <button onClick={decline}>{t.decline}</button>
        </div>
      )}
      {phase === 'connected' && heldSince !== null && (
        <p class={heldSecs >= holdNudge ? 'hold long' : 'hold'} role="status" data-testid="hold">
          {t.onHold} {Math.floor(heldSecs / 60)}:{String(heldSecs % 60).padStart(2, '0')}
          {heldSecs >= holdNudge && <strong> — {t.offerCallback}</strong>}
        </p>
      )}
      {phase === 'connected' && (
        <div class="buttons">
          {heldSince === null ? <button onClick={hold}>{t.hold}</button> : <button class="ok" onClick={resume}>{t.resume}</button>}
          <button onClick={() => (onMute(!muted), setMuted(!muted))} aria-pressed={muted}>
            {muted ? t.unmute : t.mute}
          </button>
          <button class="danger" onClick={hangup}>
            {t.hangup}
          </button>
        </div>
      )}
      {phase === 'connected' && <AskLeader t={t} contactId={contactId} events={escEvents} />}
      {phase === 'wrapup' && (
        <form class="wrapup" onSubmit={wrap}>
          <label>
            {t.reason}
            <select name="reason_id" value={form.reason_id} onChange={(e) => setForm({ ...form, reason_id: e.currentTarget.value })}>
              <option value="">—</option>
              {refs.reasons.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t.disposition}
            <select name="disposition_id" required value={form.disposition_id} onChange={(e) => setForm({ ...form, disposition_id: e.currentTarget.value })}>
              <option value="">—</option>
              {refs.dispositions.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label class="wide">
            {t.notes}
            <textarea name="notes" rows={3} value={form.notes} onInput={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
          </label>
          <label class="check">
            <input type="checkbox" name="thank_you" checked={form.thank_you} onChange={(e) => setForm({ ...form, thank_you: e.currentTarget.checked })} />
            {t.saidThanks}
          </label>
          <button type="submit">{t.wrapDone}</button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

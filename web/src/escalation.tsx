// Escalation (エスカレ): the operator asks the leader for an exception while
// the caller waits; the leader answers from the inbox in one click and the
// answer reaches the operator's call panel through the event stream.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Escalation, EscalationView, TsunaguEvent, Urgency } from './api';
import type { Strings } from './i18n';

const clock = (secs: number) => `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;

// AskLeader sits in the connected call: a button opens a short form; once
// sent, the panel says "waiting for approval" until the leader's answer
// arrives among the call's events.
export function AskLeader({ t, contactId, events }: { t: Strings; contactId: string; events: TsunaguEvent[] }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<{ reason: string; urgency: Urgency; note: string }>({ reason: '', urgency: 'normal', note: '' });
  const [esc, setEsc] = useState<Escalation | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // The answer is whichever decision event names this escalation; it may
  // even arrive before the POST's own response.
  const answer = esc && events.find((e) => e.subject === esc.id && (e.type === 'escalation:approved' || e.type === 'escalation:declined'));
  const status = answer ? (answer.type === 'escalation:approved' ? 'approved' : 'declined') : esc ? 'pending' : null;
  const send = async (e: Event) => {
    e.preventDefault();
    setError('');
    setBusy(true);
    try {
      setEsc(await api<Escalation>('POST', '/escalations', { contact_id: contactId, ...form }));
      setOpen(false);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const again = () => {
    setEsc(null);
    setForm({ reason: '', urgency: 'normal', note: '' });
    setOpen(true);
  };
  return (
    <div class="escalate" data-testid="ask-leader">
      {!open && !esc && (
        <button onClick={() => setOpen(true)}>
          {t.askLeader}
        </button>
      )}
      {open && (
        <form class="esc-form" onSubmit={send} aria-label={t.askLeader}>
          <label class="wide">
            {t.escReason}
            <input name="esc_reason" required maxLength={200} placeholder={t.escReasonPlaceholder} value={form.reason}
              onInput={(e) => setForm({ ...form, reason: e.currentTarget.value })} autofocus />
          </label>
          <label>
            {t.urgency}
            <select name="esc_urgency" value={form.urgency} onChange={(e) => setForm({ ...form, urgency: e.currentTarget.value as Urgency })}>
              {(['low', 'normal', 'high'] as const).map((u) => (
                <option key={u} value={u}>
                  {t.urgencies[u]}
                </option>
              ))}
            </select>
          </label>
          <label class="wide">
            {t.escNote}
            <textarea name="esc_note" rows={2} maxLength={2000} value={form.note} onInput={(e) => setForm({ ...form, note: e.currentTarget.value })} />
          </label>
          <div class="buttons wide">
            <button type="submit" disabled={busy}>
              {t.escSend}
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              {t.cancel}
            </button>
          </div>
        </form>
      )}
      {esc && status && (
        <div class={'esc-status ' + status} role="status" aria-live="polite" data-testid="escalation" data-status={status}>
          <strong>{status === 'pending' ? t.escPending : status === 'approved' ? t.escApproved : t.escDeclined}</strong>
          <span class="muted"> — {esc.reason}</span>
          {answer && typeof answer.payload.note === 'string' && answer.payload.note && (
            <div class="esc-answer">
              {t.escFrom}: 「{answer.payload.note as string}」
            </div>
          )}
          {status !== 'pending' && (
            <button class="link" onClick={again}>
              {t.escAskAgain}
            </button>
          )}
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

// EscalationInbox is the leader's list of open questions, oldest first,
// refreshed whenever an escalation event arrives (tick), with the exceptions
// granted listed below it: who asked, who approved, when and why.
export function EscalationInbox({ t, tick }: { t: Strings; tick: number }) {
  const [pending, setPending] = useState<EscalationView[]>([]);
  const [granted, setGranted] = useState<EscalationView[]>([]);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ items: EscalationView[] }>('GET', '/escalations?status=pending').then((r) => setPending(r.items));
    api<{ items: EscalationView[] }>('GET', '/escalations?status=approved').then((r) => setGranted(r.items.slice(-10).reverse()));
  }, [tick]);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const decide = async (id: string, verb: 'approve' | 'decline') => {
    setError('');
    try {
      await api('POST', `/escalations/${encodeURIComponent(id)}/${verb}`, { note: notes[id] || '' });
      setPending((ps) => ps.filter((p) => p.id !== id));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <section class="card inbox" aria-label={t.inbox} data-testid="escalation-inbox">
      <h2>
        {t.inbox} {pending.length > 0 && <span class="count">{pending.length}</span>}
      </h2>
      {pending.length === 0 && <p class="muted">{t.inboxEmpty}</p>}
      <ul class="esc-list">
        {pending.map((p) => {
          const waited = Math.max(0, Math.round((now - Date.parse(p.created_at)) / 1000));
          return (
            <li key={p.id} class={'esc-item urgency-' + p.urgency} data-testid="escalation-item" data-id={p.id} aria-label={`${p.agent_name}: ${p.reason}`}>
              <div class="esc-head">
                <span class={'badge ' + p.urgency}>{t.urgencies[p.urgency]}</span>
                <strong class="esc-reason">{p.reason}</strong>
                <span class="timer" title={t.waitingFor}>
                  {t.waitingFor} {clock(waited)}
                </span>
              </div>
              <div class="muted small">
                {t.customerLabel}: {p.customer_name || '—'} · {t.agentLabel}: {p.agent_name}
                {p.contact_state && p.contact_state !== 'connected' && p.contact_state !== 'offered' && ` · ${t.callEnded}`}
              </div>
              {p.note && <div class="esc-note">{p.note}</div>}
              <div class="esc-decide">
                <label>
                  <span class="sr">{t.decisionNote}</span>
                  <input name="decision_note" placeholder={t.decisionNote} value={notes[p.id] || ''} onInput={(e) => setNotes({ ...notes, [p.id]: e.currentTarget.value })} />
                </label>
                <button class="ok" onClick={() => decide(p.id, 'approve')}>
                  {t.approve}
                </button>
                <button class="danger" onClick={() => decide(p.id, 'decline')}>
                  {t.declineEsc}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h3>{t.granted}</h3>
      {granted.length === 0 && <p class="muted small">{t.grantedEmpty}</p>}
      <ul class="granted small" data-testid="granted">
        {granted.map((g) => (
          <li key={g.id}>
            <time>{g.decided_at && new Date(g.decided_at).toLocaleString()}</time> {g.reason} — {g.agent_name} → {g.decided_by_name}
            {g.decision_note && <span class="muted"> 「{g.decision_note}」</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

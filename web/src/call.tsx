import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, followEvents } from './api';
import type { Contact, Customer, TsunaguEvent } from './api';
import { national, ScheduleCallback } from './callbacks';
import { AskLeader } from './escalation';
import { Transfer } from './transfer';
import type { Strings } from './i18n';
import { keyAttrs, useShortcuts } from './keys';
import { Keypad } from './keypad';
import { RecordingPause } from './monitor';
import { UnknownCaller } from './unknown';
import { Verify } from './verify';
import type { Outcome } from './verify';
import { WrapUp } from './wrapup';

// byNewest orders past contacts by when they happened, newest first.
export const byNewest = (cs: Contact[]) => [...cs].sort((a, b) => b.arrived_at.localeCompare(a.arrived_at));

// QueueInfo is what the call needs to know about its queue.
interface QueueInfo {
  id: string;
  name: string;
  hold_callback_seconds: number;
  acw_seconds: number;
  verification: string[] | null;
  verification_required: boolean;
}

// Call is one contact on the operator's desk: ringing with the screen pop,
// then connected with a timer, the identity check and hold, then the
// wrap-up form (後処理). Alt shortcuts drive it from the keyboard (keys.ts).
// An outbound call (dial.tsx) starts at "calling" instead of ringing: the
// agent hears the ringback and may stop calling; it follows the contact's
// events from since (its contact:dialing), so a fast answer is not missed.
export function Call({
  t,
  contactId,
  onDone,
  onMute,
  outbound,
  since: fromSeq = 0,
}: {
  t: Strings;
  contactId: string;
  onDone: () => void;
  onMute: (m: boolean) => void;
  outbound?: boolean;
  since?: number;
}) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [revealed, setRevealed] = useState(false);
  const [history, setHistory] = useState<Contact[]>([]);
  const [queue, setQueue] = useState<QueueInfo | null>(null);
  const [phase, setPhase] = useState<'ringing' | 'connected' | 'wrapup' | 'dialing'>(outbound ? 'dialing' : 'ringing');
  const [customerRinging, setCustomerRinging] = useState(false);
  const dialing = useRef(!!outbound);
  const [since, setSince] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  const [muted, setMuted] = useState(false);
  const [heldSince, setHeldSince] = useState<number | null>(null);
  const [verified, setVerified] = useState<Outcome | undefined>(undefined);
  const [error, setError] = useState('');
  const [escEvents, setEscEvents] = useState<TsunaguEvent[]>([]);
  const [callback, setCallback] = useState(false); // a waiting caller asked to be called back (docs/telephony.md)
  const [keypad, setKeypad] = useState(false); // the DTMF keypad (keypad.tsx)
  const [outsideRinging, setOutsideRinging] = useState(false); // an outside number rings for a transfer (transfer.tsx): no hold
  const keypadButton = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);
  const loadCustomer = async (id: string, self: string) => {
    setCustomer(await api<Customer>('GET', '/customers/' + id));
    setRevealed(false);
    setHistory(byNewest((await api<{ items: Contact[] }>('GET', '/contacts?limit=5&customer_id=' + id)).items.filter((h) => h.id !== self)));
  };
  useEffect(() => {
    Promise.all([api<Contact & { events?: TsunaguEvent[] }>('GET', '/contacts/' + contactId), api<{ items: QueueInfo[] }>('GET', '/queues')]).then(async ([c, qs]) => {
      setContact(c);
      setCallback(!!c.events?.some((e) => e.type === 'contact:callback_requested'));
      // The queue says the checklist, how long a hold may run before a
      // callback should be offered, and the after-call-work time.
      setQueue(qs.items.find((q) => q.id === c.queue_id) ?? null);
      if (c.customer_id) await loadCustomer(c.customer_id, c.id);
    });
    const tick = setInterval(() => setNow(Date.now()), 1000);
    // The caller hangs up, or the offer goes elsewhere: follow the contact.
    const stop = followEvents(
      (e) => {
        if (e.contact_id !== contactId) return;
        if (e.type === 'contact:ringing') setCustomerRinging(true);
        if (e.type === 'contact:connected' && dialing.current) {
          dialing.current = false;
          setPhase('connected');
          setSince(Date.now());
        }
        // An outbound call that never connected has nothing to wrap up:
        // the number box says why (dial.tsx).
        if (e.type === 'contact:ended' && dialing.current) onDone();
        else if (e.type === 'contact:ended') setPhase('wrapup');
        if (e.type.startsWith('escalation:')) setEscEvents((prev) => [...prev, e]);
        if (e.type === 'contact:abandoned' || (e.type === 'contact:queued' && e.payload.requeued)) onDone();
      },
      () => undefined,
      outbound ? fromSeq : 0,
    );
    return () => {
      clearInterval(tick);
      stop();
    };
  }, [contactId]);
  // Focus follows the call: the first thing to do in each phase.
  useEffect(() => {
    if (phase === 'connected') panel.current?.querySelector<HTMLElement>('[data-testid=verify] input, .buttons button')?.focus();
  }, [phase]);
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
  const mute = () => (onMute(!muted), setMuted(!muted));
  const reveal = () =>
    act(async () => {
      setCustomer(await api<Customer>('POST', `/customers/${customer!.id}/reveal`));
      setRevealed(true);
    });
  useShortcuts(
    phase === 'ringing'
      ? { answer, decline }
      : phase === 'connected'
        ? { ...(outsideRinging ? {} : { hold: heldSince === null ? hold : resume }), mute, hangup, keypad: () => setKeypad((k) => !k) }
        : {},
  );
  const heldSecs = heldSince === null ? 0 : Math.max(0, Math.round((now - heldSince) / 1000));
  const holdNudge = queue && queue.hold_callback_seconds > 0 ? queue.hold_callback_seconds : 60;
  const secs = Math.max(0, Math.round((now - since) / 1000));
  const items = queue?.verification ?? [];
  const d = t.opdesk;
  // caller_flag: the number itself was flagged, even with no customer linked (floor-praise.md).
  const abusiveBefore = history.some((h) => h.abusive) || !!contact?.caller_flag;
  return (
    <section
      ref={panel}
      class={'card call phase-' + phase}
      aria-label={phase === 'dialing' ? t.dial.calling : t.call[phase]}
      data-testid="call"
      data-phase={phase}
      data-contact={contactId}
    >
      <h2>
        {phase === 'dialing' ? t.dial.calling : t.call[phase]} {phase === 'connected' && <span class="timer">{Math.floor(secs / 60)}:{String(secs % 60).padStart(2, '0')}</span>}
        {queue && <span class="queue muted"> · {queue.name}</span>}
        {callback && (
          <span class="badge callback" data-testid="callback">
            {t.queueCallback.label} {contact?.number}
          </span>
        )}
      </h2>
      {callback && phase === 'ringing' && <p class="muted small">{t.queueCallback.hint}</p>}
      <div class="caller">
        <div class="name" data-testid="caller">
          {customer ? customer.name : contact ? (contact.customer_id ? '…' : t.unknownCaller) : '…'}
          {customer && !revealed && (
            <button type="button" class="link" onClick={reveal} aria-label={`${d.reveal}: ${customer.name}`}>
              {d.reveal}
            </button>
          )}
          {revealed && <span class="muted small"> {d.revealed}</span>}
        </div>
        <div class="muted">
          {customer?.kana} {revealed && customer ? customer.phones.map((p) => national(p.number)).join(', ') : contact?.number}
        </div>
      </div>
      {abusiveBefore && (
        <p class="warn" role="alert">
          {d.abusiveBefore}
        </p>
      )}
      {contact && !contact.customer_id && !customer && (
        <UnknownCaller t={t} contactId={contactId} onLinked={(id) => act(() => loadCustomer(id, contactId))} />
      )}
      {history.length > 0 && (
        <ul class="history" aria-label={t.history}>
          {history.map((h) => (
            <li key={h.id}>
              <time>{new Date(h.arrived_at).toLocaleDateString()}</time> {h.notes} {h.thank_you && <span class="thanks">{t.thanks}</span>}
              {h.abusive && <span class="flag"> {d.abusive}</span>}
            </li>
          ))}
        </ul>
      )}
      {phase === 'ringing' && (
        <div class="buttons">
          <button class="ok big" onClick={answer} autofocus {...keyAttrs(t.answer, 'answer')}>
            {t.answer}
          </button>
          <button onClick={decline} {...keyAttrs(t.decline, 'decline')}>
            {t.decline}
          </button>
        </div>
      )}
      {phase === 'dialing' && (
        <div class="buttons">
          <span role="status" data-testid="dialing">
            {customerRinging ? t.dial.ringing : t.dial.calling}
          </span>
          <button class="danger" onClick={() => act(() => api('POST', `/contacts/${contactId}/hangup`))} {...keyAttrs(t.dial.cancel, 'hangup')}>
            {t.dial.cancel}
          </button>
        </div>
      )}
      {phase !== 'ringing' && phase !== 'dialing' && items.length > 0 && (
        <Verify t={t} contactId={contactId} items={items} required={!!queue?.verification_required} outcome={verified} onRecorded={setVerified} />
      )}
      {phase === 'connected' && heldSince !== null && (
        <div class={heldSecs >= holdNudge ? 'hold long' : 'hold'} role="status" data-testid="hold">
          {t.onHold} {Math.floor(heldSecs / 60)}:{String(heldSecs % 60).padStart(2, '0')}
          {heldSecs >= holdNudge && (
            <>
              <strong> — {t.offerCallback}</strong>
              <ScheduleCallback t={t} contactId={contactId} />
            </>
          )}
        </div>
      )}
      {phase === 'connected' && (
        <div class="buttons">
          {heldSince === null ? (
            <button onClick={hold} disabled={outsideRinging} {...keyAttrs(t.hold, 'hold')}>
              {t.hold}
            </button>
          ) : (
            <button class="ok" onClick={resume} {...keyAttrs(t.resume, 'hold')}>
              {t.resume}
            </button>
          )}
          <button onClick={mute} aria-pressed={muted} {...keyAttrs(muted ? t.unmute : t.mute, 'mute')}>
            {muted ? t.unmute : t.mute}
          </button>
          <button ref={keypadButton} onClick={() => setKeypad(!keypad)} aria-expanded={keypad} aria-controls="keypad" {...keyAttrs(t.keypad.open, 'keypad')}>
            {t.keypad.open}
          </button>
          <button class="danger" onClick={hangup} {...keyAttrs(t.hangup, 'hangup')}>
            {t.hangup}
          </button>
          <RecordingPause t={t} contactId={contactId} />
        </div>
      )}
      {phase === 'connected' && keypad && (
        <Keypad t={t} contactId={contactId} held={heldSince !== null} onClose={() => (setKeypad(false), keypadButton.current?.focus())} />
      )}
      {phase === 'connected' && <AskLeader t={t} contactId={contactId} events={escEvents} />}
      <Transfer t={t} contactId={contactId} phase={phase === 'dialing' ? 'ringing' : phase} onTransferred={() => setPhase('wrapup')} onLeave={onDone}
        onOutside={setOutsideRinging} />
      {phase === 'wrapup' && <WrapUp t={t} contactId={contactId} queueId={queue?.id} acwSeconds={queue?.acw_seconds ?? 0} onDone={onDone} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

// Callbacks as tasks (折り返し): scheduled in one click from a long hold or
// promised in the wrap-up; "My callbacks" lists the operator's own and the
// ones anyone may take, soonest due first, due ones highlighted. Each has
// a call button (dial.tsx): the call is placed from the agent's softphone,
// and the callback is marked done when the customer answered. A voicemail
// (留守番電話: the caller left a message for a queue the operator serves)
// shows its length and a play button.
import { useEffect, useRef, useState } from 'preact/hooks';
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
  queue_id?: string;
  voicemail_seconds?: number; // a message: the contact's recording
  created_at: string;
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
    const i = setInterval(() => {
      setNow(Date.now()); // "due" moves with the clock
      load(); // a queue's new voicemail comes with no event for the agent
    }, 30_000);
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
                  {!!c.voicemail_seconds && c.contact_id && <VoicemailPlayer t={t} contactId={c.contact_id} seconds={c.voicemail_seconds} />}
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

// VoicemailPlayer plays a caller's message. The audio is fetched once on
// the first click (each download is an audited read) and played from
// memory, so seeking does not read it again.
export function VoicemailPlayer({ t, contactId, seconds }: { t: Strings; contactId: string; seconds: number }) {
  const [src, setSrc] = useState('');
  const [error, setError] = useState('');
  const d = t.opdesk;
  const url = useRef('');
  useEffect(
    () => () => {
      if (url.current) URL.revokeObjectURL(url.current); // on leaving the page only
    },
    [],
  );
  const play = async () => {
    setError('');
    const res = await fetch(`/api/v1/contacts/${contactId}/recording`, { credentials: 'same-origin' });
    if (!res.ok) {
      const p = await res.json().catch(() => ({ detail: res.statusText }));
      setError(p.detail || res.statusText);
      return;
    }
    url.current = URL.createObjectURL(await res.blob());
    setSrc(url.current);
  };
  return (
    <span class="voicemail" data-testid="voicemail">
      <strong class="badge">
        {d.voicemail} {Math.round(seconds)}
        {d.seconds}
      </strong>
      {src ? (
        <audio controls autoPlay src={src} data-testid="voicemail-audio" />
      ) : (
        <button type="button" onClick={play} data-testid="voicemail-play">
          {d.playVoicemail}
        </button>
      )}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

// Voicemails is the supervisors' view of the messages waiting for a
// callback, every queue's, soonest due first; tick changes with callback
// events (a supervisor's stream has them all).
export function Voicemails({ t, tick }: { t: Strings; tick: number }) {
  const [items, setItems] = useState<Callback[]>([]);
  const d = t.opdesk;
  useEffect(() => {
    api<{ items: Callback[] }>('GET', '/callbacks?owner=all&status=open').then(
      (r) => setItems(r.items.filter((c) => !!c.voicemail_seconds)),
      () => undefined,
    );
  }, [tick]);
  if (items.length === 0) return null;
  return (
    <section class="card callbacks" aria-label={d.voicemails} data-testid="voicemails">
      <h2>{d.voicemails}</h2>
      <ul>
        {items.map((c) => (
          <li key={c.id} data-testid="voicemail-item">
            <time dateTime={c.created_at}>{hhmm(c.created_at)}</time>
            <span class="number">{national(c.number)}</span>
            {c.contact_id && <VoicemailPlayer t={t} contactId={c.contact_id} seconds={c.voicemail_seconds || 0} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

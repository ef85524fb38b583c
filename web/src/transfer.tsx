// Transfer (転送): in a connected call, a button opens a small picker —
// queues, colleagues (available ones first), the leader, an outside number
// (外線番号) — and the operator transfers at once (blind) or consults first
// (warm) and then completes or cancels. The consulted colleague's desk rings
// with the same call card; this component also closes that card when the
// consultation is called off.
//
// An outside number is blind only (the server refuses a consultation with
// one) and is not over when the request returns: the number rings while the
// caller hears the hold music (docs/telephony.md, "Transfer to an outside
// number"). contact:transferred means it answered (the operator's part is
// over: wrap-up); contact:transfer_failed "returned" means the caller is
// back with this operator, which the panel says plainly, with why.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, followEvents } from './api';
import type { Me } from './api';
import type { Strings } from './i18n';

interface Targets {
  queues: { id: string; name: string; name_en?: string }[];
  agents: { id: string; name: string; kana?: string; state: string }[];
  leader_available: boolean;
}

type To = { queue_id: string } | { agent_id: string } | { leader: true } | { number: string };

// NumberError is a refused transfer to a number, told in the desk's
// language by the problem's code, with the server's detail (which says, for
// example, which countries the trunk allows).
interface NumberError {
  text: string;
  detail: string;
}

// numberError turns a transfer-to-number failure into what the field shows.
function numberError(tt: Strings['transfer'], err: unknown): NumberError {
  if (!(err instanceof ApiError)) return { text: String(err), detail: '' };
  const text = tt.numberErrors[err.problem.code];
  return text ? { text, detail: err.problem.detail ?? '' } : { text: err.message, detail: '' };
}

// Transfer takes the call's phase; it shows its button only while connected
// but follows the call's transfer events in every phase. onTransferred: this
// operator's part is over (wrap-up); onLeave: the consultation this desk was
// asked into ended without the call (close the card).
// onOutside: an outside number is ringing (true) or no longer (false), for
// the call's other buttons (hold is refused meanwhile).
export function Transfer({ t, contactId, phase, onTransferred, onLeave, onOutside }: {
  t: Strings; contactId: string; phase: string; onTransferred: () => void; onLeave: () => void; onOutside?: (ringing: boolean) => void;
}) {
  const tt = t.transfer;
  const [me, setMe] = useState('');
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<'blind' | 'consult'>('blind');
  const [targets, setTargets] = useState<Targets | null>(null);
  const [consult, setConsult] = useState<{ name: string; joined: boolean } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [number, setNumber] = useState('');
  const [numErr, setNumErr] = useState<NumberError | null>(null);
  // outside: the number being rung, set before the request so that an
  // outcome arriving before its reply is not overwritten; sent once the
  // server took it.
  const [outside, setOutside] = useState<{ number: string; sent: boolean } | null>(null);
  const dialled = useRef('');
  // returned: the number did not answer and the caller is back (why).
  const [returned, setReturned] = useState<{ number: string; reason?: string; status?: number } | null>(null);
  useEffect(() => onOutside?.(!!outside), [!!outside]);
  useEffect(() => {
    let mine = '';
    api<Me>('GET', '/me').then((m) => {
      mine = m.agent?.id ?? '';
      setMe(mine);
    });
    return followEvents(
      (e) => {
        if (e.contact_id !== contactId || !mine) return;
        const p = e.payload as {
          kind?: string; outcome?: string; from_agent?: string; to_agent?: string; reason?: string; sip_status?: number; number_masked?: string;
        };
        if (e.type === 'contact:consult_joined' && p.from_agent === mine) setConsult((c) => c && { ...c, joined: true });
        // Completed by a supervisor, or by this desk in another tab: this part is over.
        if ((e.type === 'contact:transferred' || (e.type === 'contact:consult_ended' && p.outcome === 'completed')) && p.from_agent === mine) {
          setConsult(null);
          setOutside(null);
          onTransferred();
        }
        // The outside number did not answer. "returned": the caller talks
        // with this operator again; "requeued" (their phone had gone) is
        // followed by contact:transferred to the queue, handled above.
        if (e.type === 'contact:transfer_failed' && p.from_agent === mine) {
          setOutside(null);
          if (p.outcome === 'returned') setReturned({ number: dialled.current || p.number_masked || '', reason: p.reason, status: p.sip_status });
        }
        if (e.type === 'contact:ended') setOutside(null);
        if (e.type === 'contact:consult_ended' && p.outcome !== 'completed' && p.to_agent === mine) onLeave();
      },
      () => undefined,
    );
  }, [contactId]);
  const act = async (f: () => Promise<void>) => {
    setError('');
    setBusy(true);
    try {
      await f();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const show = () =>
    act(async () => {
      setReturned(null);
      setNumErr(null);
      setTargets(await api<Targets>('GET', '/transfer/targets'));
      setOpen(true);
    });
  const go = (to: To, name: string) =>
    act(async () => {
      if (mode === 'blind') {
        await api('POST', `/contacts/${contactId}/transfer`, { to });
        setOpen(false);
        onTransferred();
        return;
      }
      const r = await api<{ agent_id: string }>('POST', `/contacts/${contactId}/consult`, { to });
      setOpen(false);
      setConsult({ name: targets?.agents.find((a) => a.id === r.agent_id)?.name || name, joined: false });
    });
  // toNumber transfers blind to the number typed; the outcome comes as an
  // event (above), and the refusals show next to the field.
  const toNumber = async (ev: Event) => {
    ev.preventDefault();
    const n = number.trim();
    if (mode !== 'blind' || !n || busy) return;
    setError('');
    setNumErr(null);
    setReturned(null);
    setBusy(true);
    dialled.current = n;
    setOutside({ number: n, sent: false });
    try {
      await api('POST', `/contacts/${contactId}/transfer`, { to: { number: n } });
      setOutside((o) => o && { ...o, sent: true });
      setOpen(false);
      setNumber('');
    } catch (err) {
      setOutside(null);
      setNumErr(numberError(tt, err));
    } finally {
      setBusy(false);
    }
  };
  const complete = () =>
    act(async () => {
      await api('POST', `/contacts/${contactId}/consult/complete`);
      setConsult(null);
      onTransferred();
    });
  const cancel = () =>
    act(async () => {
      await api('POST', `/contacts/${contactId}/consult/cancel`);
      setConsult(null);
    });
  if (phase !== 'connected' || !me) return null;
  const why = (r: { reason?: string; status?: number }) => {
    const text = (r.reason && t.dial.reasons[r.reason]) || t.dial.failed;
    return r.status ? `${text} · SIP ${r.status}` : text;
  };
  const stateName = (s: string) => (tt.states as Record<string, string>)[s] || s;
  return (
    <div class="transfer" data-testid="transfer">
      {!open && !consult && !outside && (
        <button onClick={show} disabled={busy} aria-haspopup="dialog">
          {tt.open}
        </button>
      )}
      {open && targets && (
        <div class="transfer-picker" role="dialog" aria-label={tt.title}>
          <div class="mode" role="radiogroup" aria-label={tt.title}>
            {(['blind', 'consult'] as const).map((m) => (
              <label key={m}>
                <input type="radio" name="transfer_mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
                {tt[m]}
              </label>
            ))}
          </div>
          <h3>{tt.queues}</h3>
          <div class="targets">
            {targets.queues.map((q) => (
              <button key={q.id} data-target={'queue-' + q.id} disabled={busy} onClick={() => go({ queue_id: q.id }, q.name)}>
                {q.name}
              </button>
            ))}
          </div>
          <h3>{tt.agents}</h3>
          <div class="targets">
            {targets.agents.length === 0 && <span class="muted">{tt.none}</span>}
            {targets.agents.map((a) => (
              <button key={a.id} data-target={'agent-' + a.id} disabled={busy || (mode === 'consult' && a.state !== 'available')}
                onClick={() => go({ agent_id: a.id }, a.name)}>
                {a.name} <span class="muted">{stateName(a.state)}</span>
              </button>
            ))}
          </div>
          <h3>{tt.leader}</h3>
          <div class="targets">
            <button data-target="leader" disabled={busy || !targets.leader_available} onClick={() => go({ leader: true }, tt.leader)}>
              {targets.leader_available ? tt.leader : tt.noLeader}
            </button>
          </div>
          <h3 id={`xfer-number-h-${contactId}`}>{tt.number}</h3>
          <form class="transfer-number" onSubmit={toNumber} aria-labelledby={`xfer-number-h-${contactId}`} data-testid="transfer-number">
            <input
              type="tel"
              inputMode="tel"
              autocomplete="off"
              aria-label={tt.numberLabel}
              placeholder={tt.numberPlaceholder}
              value={number}
              onInput={(e) => (setNumber(e.currentTarget.value), setNumErr(null))}
              disabled={mode !== 'blind'}
              aria-invalid={numErr ? true : undefined}
              aria-describedby={`xfer-number-note-${contactId}${numErr ? ` xfer-number-err-${contactId}` : ''}`}
              data-testid="transfer-number-input"
            />
            <button type="submit" disabled={busy || mode !== 'blind' || !number.trim()} data-testid="transfer-number-go">
              {tt.numberGo}
            </button>
          </form>
          {numErr && (
            <p class="error field-error" role="alert" id={`xfer-number-err-${contactId}`} data-testid="transfer-number-error">
              {numErr.text}
              {numErr.detail && numErr.detail !== numErr.text && <span class="muted small detail"> ({numErr.detail})</span>}
            </p>
          )}
          <p class={mode === 'blind' ? 'muted small' : 'warn small'} id={`xfer-number-note-${contactId}`}>
            {mode === 'blind' ? tt.numberNote : tt.blindOnly}
          </p>
          <button class="link" onClick={() => setOpen(false)}>
            {tt.cancel}
          </button>
        </div>
      )}
      {outside?.sent && (
        <div class="consulting outside" role="status" data-testid="transfer-outside" data-state="ringing">
          <p>{tt.numberRinging.replace('{n}', outside.number)}</p>
          <p class="muted small">{tt.numberHangup}</p>
        </div>
      )}
      {returned && (
        <div class="warn returned" role="alert" data-testid="transfer-returned" data-reason={returned.reason}>
          <span>{tt.numberReturned.replace('{n}', returned.number).replace('{r}', why(returned))}</span>{' '}
          <button class="link" onClick={() => setReturned(null)}>
            {tt.dismiss}
          </button>
        </div>
      )}
      {consult && (
        <div class="consulting" role="status" data-testid="consulting" data-joined={consult.joined ? 'yes' : 'no'}>
          <p>{(consult.joined ? tt.talking : tt.ringing).replace('{n}', consult.name)}</p>
          <div class="buttons">
            <button class="ok" onClick={complete} disabled={busy || !consult.joined}>
              {tt.complete}
            </button>
            <button onClick={cancel} disabled={busy}>
              {tt.cancelConsult}
            </button>
          </div>
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

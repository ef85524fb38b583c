// Transfer (転送): in a connected call, a button opens a small picker —
// queues, colleagues (available ones first), the leader — and the operator
// transfers at once (blind) or consults first (warm) and then completes or
// cancels. The consulted colleague's desk rings with the same call card; this
// component also closes that card when the consultation is called off.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, followEvents } from './api';
import type { Me } from './api';
import type { Strings } from './i18n';

interface Targets {
  queues: { id: string; name: string; name_en?: string }[];
  agents: { id: string; name: string; kana?: string; state: string }[];
  leader_available: boolean;
}

type To = { queue_id: string } | { agent_id: string } | { leader: true };

// Transfer takes the call's phase; it shows its button only while connected
// but follows the call's transfer events in every phase. onTransferred: this
// operator's part is over (wrap-up); onLeave: the consultation this desk was
// asked into ended without the call (close the card).
export function Transfer({ t, contactId, phase, onTransferred, onLeave }: {
  t: Strings; contactId: string; phase: string; onTransferred: () => void; onLeave: () => void;
}) {
  const tt = t.transfer;
  const [me, setMe] = useState('');
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<'blind' | 'consult'>('blind');
  const [targets, setTargets] = useState<Targets | null>(null);
  const [consult, setConsult] = useState<{ name: string; joined: boolean } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let mine = '';
    api<Me>('GET', '/me').then((m) => {
      mine = m.agent?.id ?? '';
      setMe(mine);
    });
    return followEvents(
      (e) => {
        if (e.contact_id !== contactId || !mine) return;
        const p = e.payload as { kind?: string; outcome?: string; from_agent?: string; to_agent?: string };
        if (e.type === 'contact:consult_joined' && p.from_agent === mine) setConsult((c) => c && { ...c, joined: true });
        // Completed by a supervisor, or by this desk in another tab: this part is over.
        if ((e.type === 'contact:transferred' || (e.type === 'contact:consult_ended' && p.outcome === 'completed')) && p.from_agent === mine) {
          setConsult(null);
          onTransferred();
        }
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
  const stateName = (s: string) => (tt.states as Record<string, string>)[s] || s;
  return (
    <div class="transfer" data-testid="transfer">
      {!open && !consult && (
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
          <button class="link" onClick={() => setOpen(false)}>
            {tt.cancel}
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

// The supervisor console (リーダー / SV): alerts first, then the queues and
// the operators with their live state, each figure from the server's fold of
// the event log (useFloor), updated within a second; the escalation inbox;
// changing an operator's state or logging them out.
import type { ComponentType } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { EscalationInbox } from './escalation';
import { alertText, clock, pct, secsOrDash, slClass, useFloor } from './floor';
import type { FloorAgent } from './floor';
import type { Strings } from './i18n';

declare global {
  interface ImportMeta {
    glob<T>(pattern: string, options: { eager: true }): Record<string, T>;
  }
}

// The live-call controls (monitor, whisper, barge) come from monitor.tsx
// when that module is built; the console places them beside each operator
// on a call. A glob, so the console builds with or without it.
const monitor = import.meta.glob<{ LiveCallControls?: ComponentType<{ t: Strings; contactId: string }> }>('./monitor.tsx', { eager: true });
const LiveCallControls = Object.values(monitor)[0]?.LiveCallControls;

// stateName names an agent state and its not-ready reason.
export const stateName = (t: Strings, state: string, reason?: string) => {
  const m: Record<string, string> = {
    available: t.available, not_ready: t.notReady, offline: t.offline, on_contact: t.onContact, reserved: t.reserved, after_call_work: t.acw,
  };
  const r: Record<string, string> = {
    break: t.break, lunch: t.lunch, training: t.training, meeting: t.meeting, recovery: t.recovery, missed: t.missed, other: t.other, protected: t.today.protectedReason,
  };
  return (m[state] || state) + (reason && state === 'not_ready' ? `(${r[reason] || reason})` : '');
};

// choices are what a leader may set an operator to; offline is "log out".
const choices: { state: string; reason?: string }[] = [
  { state: 'available' }, { state: 'not_ready', reason: 'break' }, { state: 'not_ready', reason: 'meeting' },
  { state: 'not_ready', reason: 'training' }, { state: 'not_ready', reason: 'recovery' },
];

export function Console({ t, tick, seq }: { t: Strings; tick: number; seq: number }) {
  const { snap, secondsSince } = useFloor(seq);
  const [error, setError] = useState('');
  const [showAll, setShowAll] = useState(false);
  const f = t.floor;
  const setState = async (a: FloorAgent, state: string, reason?: string) => {
    setError('');
    try {
      await api('PUT', `/agents/${encodeURIComponent(a.id)}/state`, reason ? { state, reason } : { state });
    } catch (err) {
      setError(`${a.name}: ${err instanceof ApiError ? err.message : String(err)}`);
    }
  };
  // Working operators first, in the server's order; then those who logged
  // out within the hour; the rest of the roster behind a toggle, so the
  // table shows the floor, not the staff list.
  const recent = (a: FloorAgent) => a.state !== 'offline' || (a.since !== undefined && secondsSince(a.since) < 3600);
  const all = snap?.agents || [];
  const hidden = all.filter((a) => !recent(a)).length;
  const agents = [...all.filter((a) => a.state !== 'offline'), ...all.filter((a) => a.state === 'offline' && (showAll || recent(a)))];
  return (
    <>
      <section class="card console-alerts" aria-label={f.alerts} data-testid="console-alerts">
        <h2>
          {f.alerts} {snap && snap.alerts.length > 0 && <span class="count">{snap.alerts.length}</span>}
          <a class="open-floor" href="#/floor" target="_blank" rel="noopener">
            {f.open} ↗
          </a>
        </h2>
        {snap && snap.alerts.length === 0 && <p class="muted">{f.noAlerts}</p>}
        <ul class="alerts">
          {snap?.alerts.map((a) => {
            const x = alertText(t, a, snap, secondsSince);
            return (
              <li key={a.id} class={'alert ' + a.severity} data-kind={a.kind} data-testid="alert">
                <b>{x.who}</b> {x.what}
              </li>
            );
          })}
        </ul>
      </section>
      <section class="card console-queues" aria-label={f.queue} data-testid="console-queues" data-seq={snap?.seq}>
        <h2>
          {f.queue} <span class="muted small">{snap && `${f.today} ${snap.day}`}</span>
        </h2>
        <table class="grid">
          <thead>
            <tr>
              <th>{f.queue}</th>
              <th class="num">{f.waiting}</th>
              <th class="num">{f.longest}</th>
              <th class="num">
                {f.sl} <small>({f.target})</small>
              </th>
              <th class="num">{f.offered}</th>
              <th class="num">{f.answered}</th>
              <th class="num">{f.abandoned}</th>
              <th class="num">{f.asa}</th>
              <th class="num">{f.expected}</th>
              <th class="num">{f.staffed}</th>
            </tr>
          </thead>
          <tbody>
            {snap?.queues.map((q) => (
              <tr key={q.id} data-testid={`console-queue-${q.id}`}>
                <th>{q.name}</th>
                <td class={'num big' + (q.waiting ? ' hot' : '')} data-testid="waiting">
                  {q.waiting}
                </td>
                <td class="num">{q.waiting ? clock(secondsSince(q.oldest_waiting_since)) : '—'}</td>
                <td class={'num ' + slClass(q)} data-testid="sl">
                  {pct(q.service_level)} <small class="muted">({q.sl_percent}%/{q.sl_seconds}s)</small>
                </td>
                <td class="num" data-testid="offered">
                  {q.offered}
                </td>
                <td class="num" data-testid="answered">
                  {q.answered}
                </td>
                <td class="num" data-testid="abandoned">
                  {q.abandoned} <small class="muted">{pct(q.abandon_rate)}</small>
                </td>
                <td class="num">{secsOrDash(q.asa_seconds)}</td>
                <td class="num">{secsOrDash(q.expected_wait_seconds)}</td>
                <td class="num">
                  {q.available} / {q.staffed}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card console-agents" aria-label={f.agents} data-testid="console-agents">
        <h2>
          {f.agents}
          {hidden > 0 && (
            <button class="link toggle-offline" onClick={() => setShowAll(!showAll)}>
              {(showAll ? f.hideOffline : f.showOffline).replace('{n}', String(hidden))}
            </button>
          )}
        </h2>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <table class="grid">
          <thead>
            <tr>
              <th>{f.name}</th>
              <th>{f.state}</th>
              <th class="num">{f.inState}</th>
              <th>{f.contact}</th>
              <th class="num">{f.handled}</th>
              <th class="num">{f.talk}</th>
              <th class="num">{f.holds}</th>
              <th class="num">{f.missed}</th>
              <th>{f.actions}</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.id} class={'agent-row s-' + a.state} data-testid="agent-row" data-agent={a.id} data-state={a.state}>
                <th>{a.name}</th>
                <td>
                  <span class={'dot s-' + a.state} /> {stateName(t, a.state, a.reason)}
                </td>
                <td class="num">{a.since && a.state !== 'offline' ? clock(secondsSince(a.since)) : ''}</td>
                <td>
                  {a.contact && (
                    <span class={'phase ' + a.contact.phase}>
                      {f.phase[a.contact.phase]} {clock(secondsSince(a.contact.phase === 'held' ? a.contact.held_at : a.contact.since))}
                    </span>
                  )}
                  {a.contact && LiveCallControls && (a.contact.phase === 'talking' || a.contact.phase === 'held') && (
                    <div class="live-call"><LiveCallControls t={t} contactId={a.contact.id} /></div>
                  )}
                </td>
                <td class="num">{a.handled}</td>
                <td class="num">{clock(a.talk_seconds)}</td>
                <td class="num">{a.holds}</td>
                <td class={'num' + (a.missed_streak >= 2 ? ' bad' : '')}>{a.missed}</td>
                <td class="row-actions">
                  {a.state !== 'offline' && (
                    <div>
                      <select
                        aria-label={`${f.setState}: ${a.name}`}
                        value=""
                        onChange={(e) => {
                          const c = choices[Number(e.currentTarget.value)];
                          e.currentTarget.value = '';
                          if (c) setState(a, c.state, c.reason);
                        }}
                      >
                        <option value="">{f.setState}…</option>
                        {choices.map((c, i) => (
                          <option key={i} value={i}>
                            {stateName(t, c.state, c.reason)}
                          </option>
                        ))}
                      </select>
                      <button class="link" onClick={() => setState(a, 'offline')} aria-label={`${f.logout}: ${a.name}`}>
                        {f.logout}
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <EscalationInbox t={t} tick={tick} />
    </>
  );
}

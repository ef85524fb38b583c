import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import type { TsunaguEvent } from './api';
import type { Strings } from './i18n';

// The day's counts in the desk's status bar, with progress toward the
// agent's targets (GET /me/today). It reloads when one of the agent's own
// contacts is answered or wrapped, on praise, and when a leader changes
// their target or protection; otherwise every five minutes, so a new day
// (midnight in the center's time zone) starts at zero without a reload.

export interface Counts {
  inbound: number;
  outbound: number;
  conversions: number;
  thank_yous: number;
  hard_calls: number;
}

export interface Day {
  day: string;
  counts: Counts;
  targets: Partial<Record<'inbound' | 'outbound' | 'conversions' | 'thank_yous', number>>;
  protected?: { until: string; reason: 'recovery' | 'supervisor' };
}

const metrics = ['inbound', 'outbound', 'conversions', 'thank_yous'] as const;

// reloadOn are the event types (about this agent) that change the figures.
const reloadOn = ['contact:connected', 'contact:wrapped', 'praise:achieved', 'target:set', 'agent:protected'];

export function Today({ t, agentId, last }: { t: Strings; agentId: string; last?: TsunaguEvent }) {
  const [day, setDay] = useState<Day | null>(null);
  const load = () => api<Day>('GET', '/me/today').then(setDay, () => {});
  useEffect(() => {
    load();
    const timer = setInterval(load, 5 * 60 * 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (last && last.agent_id === agentId && reloadOn.includes(last.type)) load();
  }, [last?.seq]);
  if (!day) return null;
  const s = t.today;
  return (
    <div class="today" aria-label={s.title} data-testid="today">
      {metrics.map((m) => {
        const n = day.counts[m];
        const goal = day.targets[m];
        const pct = goal ? Math.min(100, Math.round((n / goal) * 100)) : 0;
        return (
          <div class={'count' + (goal && n >= goal ? ' reached' : '')} key={m} data-testid={`today-${m}`} data-count={n}>
            <div class="label">{s.metric[m]}</div>
            <div class="figure">
              {n}
              {goal ? <small> / {goal}</small> : null}
            </div>
            {goal ? (
              <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={goal} aria-valuenow={Math.min(n, goal)} aria-label={`${s.metric[m]} ${s.target}`}>
                <span style={{ width: pct + '%' }} />
              </div>
            ) : null}
          </div>
        );
      })}
      {day.counts.hard_calls > 0 && (
        <div class="count hard" data-testid="today-hard" title={s.hardHint}>
          <div class="label">{s.hard}</div>
          <div class="figure">{day.counts.hard_calls}</div>
        </div>
      )}
      {day.protected && new Date(day.protected.until) > new Date() && (
        <p class="protected" role="status" data-testid="protected">
          {(day.protected.reason === 'recovery' ? s.recoveryUntil : s.protectedUntil).replace(
            '{t}',
            new Date(day.protected.until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
          )}
        </p>
      )}
    </div>
  );
}

interface FloorDay {
  day: string;
  agents: (Day & { agent_id: string; name: string })[];
  teams: (Day & { team_id: string; name: string })[];
}

// reloadBoardOn are the event types that change the leaders' board.
const reloadBoardOn = ['contact:connected', 'contact:wrapped', 'target:set', 'agent:protected', 'praise:achieved'];

// TodayBoard is the leaders' view of the day (GET /today): every operator's
// counts against their targets, hard calls, who is kept from calls, each
// team's totals; and a form to set a daily target. Operators with nothing
// yet today are listed after the others, so the busy floor reads first.
export function TodayBoard({ t, last }: { t: Strings; last?: TsunaguEvent }) {
  const s = t.today;
  const [floor, setFloor] = useState<FloorDay | null>(null);
  const [form, setForm] = useState({ scope: 'everyone', scope_id: '', metric: 'conversions', daily: 10 });
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const load = () => api<FloorDay>('GET', '/today').then(setFloor, () => {});
  useEffect(() => {
    load();
    const timer = setInterval(load, 60 * 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (last && reloadBoardOn.includes(last.type)) load();
  }, [last?.seq]);
  const setTarget = async (e: Event) => {
    e.preventDefault();
    setMsg(null);
    try {
      await api('PUT', '/targets', { ...form, scope_id: form.scope === 'everyone' ? '' : form.scope_id });
      setMsg({ ok: true, text: s.targetSaved });
      load();
    } catch (err) {
      setMsg({ ok: false, text: err instanceof Error ? err.message : String(err) });
    }
  };
  if (!floor) return null;
  const busy = (d: Day) => metrics.reduce((n, m) => n + d.counts[m], 0) + d.counts.hard_calls;
  const agents = [...floor.agents].sort((a, b) => Number(busy(b) > 0) - Number(busy(a) > 0));
  const cell = (d: Day, m: (typeof metrics)[number]) => {
    const goal = d.targets[m];
    return (
      <td class={goal && d.counts[m] >= goal ? 'reached' : ''}>
        {d.counts[m]}
        {goal ? <small> / {goal}</small> : null}
      </td>
    );
  };
  return (
    <section class="card board" aria-label={s.board} data-testid="today-board">
      <h2>
        {s.board} <small class="muted">{floor.day}</small>
      </h2>
      <table>
        <thead>
          <tr>
            <th>{s.agent}</th>
            {metrics.map((m) => (
              <th key={m}>{s.metric[m]}</th>
            ))}
            <th>{s.hard}</th>
          </tr>
        </thead>
        <tbody>
          {floor.teams.map((d) => (
            <tr key={'team-' + d.team_id} class="team">
              <th>{d.name}</th>
              {metrics.map((m) => cell(d, m))}
              <td>{d.counts.hard_calls || ''}</td>
            </tr>
          ))}
          {agents.map((d) => (
            <tr key={d.agent_id} data-testid={`board-${d.agent_id}`}>
              <th>
                {d.name}
                {d.protected && new Date(d.protected.until) > new Date() && <span class="paused"> {s.protectedReason}</span>}
              </th>
              {metrics.map((m) => cell(d, m))}
              <td class={d.counts.hard_calls ? 'hard' : ''}>{d.counts.hard_calls || ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="target-form" onSubmit={setTarget}>
        <span>{s.setTarget}</span>
        <select aria-label={s.scope} value={form.scope} onChange={(e) => setForm({ ...form, scope: e.currentTarget.value })}>
          <option value="everyone">{s.everyone}</option>
          <option value="agent">{s.agent}</option>
          <option value="team">{s.team}</option>
        </select>
        {form.scope === 'agent' && (
          <select aria-label={s.agent} value={form.scope_id} onChange={(e) => setForm({ ...form, scope_id: e.currentTarget.value })}>
            <option value="" />
            {floor.agents.map((a) => (
              <option key={a.agent_id} value={a.agent_id}>
                {a.name}
              </option>
            ))}
          </select>
        )}
        {form.scope === 'team' && (
          <select aria-label={s.team} value={form.scope_id} onChange={(e) => setForm({ ...form, scope_id: e.currentTarget.value })}>
            <option value="" />
            {floor.teams.map((d) => (
              <option key={d.team_id} value={d.team_id}>
                {d.name}
              </option>
            ))}
          </select>
        )}
        <select aria-label={s.metricLabel} value={form.metric} onChange={(e) => setForm({ ...form, metric: e.currentTarget.value })}>
          {metrics.map((m) => (
            <option key={m} value={m}>
              {s.metric[m]}
            </option>
          ))}
        </select>
        <input
          type="number"
          min={0}
          max={10000}
          aria-label={s.daily}
          value={form.daily}
          onInput={(e) => setForm({ ...form, daily: Number(e.currentTarget.value) })}
        />
        <button type="submit">{s.save}</button>
        {msg && <span class={msg.ok ? 'note' : 'error'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</span>}
      </form>
      <p class="muted small">{s.targetHint}</p>
    </section>
  );
}

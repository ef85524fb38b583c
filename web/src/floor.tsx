// The floor's live figures (GET /api/v1/floor, folded from the event log on
// the server) and the floor display: a big screen on the wall, large
// Japanese type, queue tiles, praise banners, the incident of the moment, no
// controls. Open it at /#/floor with a leader's login.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, followEvents } from './api';
import type { Strings } from './i18n';

export interface FloorQueue {
  id: string;
  name: string;
  name_en?: string;
  sl_percent: number;
  sl_seconds: number;
  waiting: number;
  ringing: number;
  longest_wait_seconds: number;
  oldest_waiting_since?: string;
  offered: number;
  answered: number;
  abandoned: number;
  overflowed: number;
  transferred_in: number;
  answered_in_sl: number;
  service_level: number | null;
  abandon_rate: number | null;
  asa_seconds: number | null;
  aht_seconds: number | null;
  expected_wait_seconds: number | null;
  staffed: number;
  available: number;
}

export interface FloorAgent {
  id: string;
  name: string;
  team_id?: string;
  state: string;
  reason?: string;
  since?: string;
  state_seconds: number;
  contact?: { id: string; phase: 'ringing' | 'talking' | 'held' | 'wrapup'; since: string; seconds: number; held_at?: string };
  handled: number;
  talk_seconds: number;
  holds: number;
  hold_seconds: number;
  missed: number;
  declined: number;
  missed_streak: number;
  flagged: number;
  thank_yous: number;
}

export interface FloorAlert {
  id: string;
  kind: 'sl_breach' | 'long_wait' | 'long_acw' | 'long_hold' | 'missed_streak' | 'abusive_call';
  severity: 'warning' | 'critical';
  queue_id?: string;
  agent_id?: string;
  contact_id?: string;
  since: string;
  seconds: number;
  value?: number;
  detail?: string;
}

export interface Praise {
  seq: number;
  kind: 'achieved' | 'kudos';
  agent_name: string;
  message: string;
  message_en?: string;
  at: string;
}

export interface FloorSnapshot {
  seq: number;
  at: string;
  day: string;
  queues: FloorQueue[];
  agents: FloorAgent[];
  alerts: FloorAlert[];
  praise: Praise[];
}

// Floor is a snapshot plus the offset between the server's clock and this
// browser's, so clocks run between snapshots on the server's time.
export interface Floor {
  snap: FloorSnapshot | null;
  live: boolean;
  // secondsSince gives the seconds from a server timestamp to now.
  secondsSince: (iso?: string) => number;
}

// useFloor keeps the snapshot fresh: at once after any event (asking for a
// snapshot that includes it, ?after=seq), and once a second so alerts that
// come with time alone (a caller waiting past the threshold) show within a
// second. One request at a time; a newer wish waits for it. With seq given
// the caller already follows the event stream (the desk); without, the hook
// follows it itself (the floor display).
export function useFloor(seq?: number): Floor {
  const [snap, setSnap] = useState<FloorSnapshot | null>(null);
  const [live, setLive] = useState(false);
  const [, tick] = useState(0);
  const offset = useRef(0);
  const want = useRef(0);
  const busy = useRef(false);
  const load = async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      // At most three rounds: a board that cannot reach the seq (it
      // answers at its 2 s limit) is asked again on the next tick.
      for (let round = 0; round < 3; round++) {
        const after = want.current;
        const s = await api<FloorSnapshot>('GET', `/floor${after ? `?after=${after}` : ''}`);
        offset.current = Date.parse(s.at) - Date.now();
        setSnap(s);
        if (want.current <= s.seq) break;
      }
    } catch {
      // The next tick retries.
    } finally {
      busy.current = false;
    }
  };
  const ask = (n: number) => {
    want.current = Math.max(want.current, n);
    load();
  };
  useEffect(() => {
    load();
    const timer = setInterval(() => {
      tick((n) => n + 1);
      load();
    }, 1000);
    const stop = seq === undefined ? followEvents((e) => e.seq && ask(e.seq), setLive) : undefined;
    return () => {
      clearInterval(timer);
      stop?.();
    };
  }, []);
  useEffect(() => {
    if (seq) ask(seq);
  }, [seq]);
  const secondsSince = (iso?: string) => (iso ? Math.max(0, Math.floor((Date.now() + offset.current - Date.parse(iso)) / 1000)) : 0);
  return { snap, live: seq === undefined ? live : true, secondsSince };
}

// clock renders seconds as m:ss, or h:mm:ss past an hour.
export const clock = (secs: number) => {
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = String(secs % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
};

export const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`);

export const secsOrDash = (v: number | null | undefined) => (v === null || v === undefined ? '—' : clock(Math.round(v)));

// slClass colours a service level against its target.
export const slClass = (q: FloorQueue) =>
  q.service_level === null ? '' : q.service_level * 100 >= q.sl_percent ? 'good' : q.service_level * 100 >= q.sl_percent - 10 ? 'warn' : 'bad';

// alertText says what an alert is about, in the screen's language.
export function alertText(t: Strings, a: FloorAlert, snap: FloorSnapshot, secondsSince: (iso?: string) => number): { who: string; what: string } {
  const f = t.floor;
  const queue = snap.queues.find((q) => q.id === a.queue_id);
  const agent = snap.agents.find((x) => x.id === a.agent_id);
  const fill = (s: string, v: string, target = '') => s.replace('{v}', v).replace('{t}', target);
  const running = clock(secondsSince(a.since));
  switch (a.kind) {
    case 'sl_breach':
      return { who: queue?.name || a.queue_id || '', what: fill(f.slBreach, pct(a.value), queue ? `${queue.sl_percent}%` : '') };
    case 'long_wait':
      return { who: queue?.name || a.queue_id || '', what: fill(f.longWait, running) };
    case 'long_acw':
      return { who: agent?.name || '', what: fill(f.longAcw, running) };
    case 'long_hold':
      return { who: agent?.name || '', what: fill(f.longHold, running) };
    case 'missed_streak':
      return { who: agent?.name || '', what: fill(f.missedStreak, String(a.value ?? '')) };
    default:
      return { who: agent?.name || '', what: fill(f.abusive, f.severity[a.detail || ''] || a.detail || '—') };
  }
}

// FloorDisplay is the wall screen: no buttons, nothing to click.
export function FloorDisplay({ t }: { t: Strings }) {
  const { snap, live, secondsSince } = useFloor();
  const [now, setNow] = useState(new Date());
  useEffect(() => {
    document.body.classList.add('wall');
    const id = setInterval(() => setNow(new Date()), 1000);
    return () => {
      clearInterval(id);
      document.body.classList.remove('wall');
    };
  }, []);
  if (!snap) return <main class="wallboard" data-testid="floor-display" />;
  const f = t.floor;
  const count = (states: string[]) => snap.agents.filter((a) => states.includes(a.state)).length;
  const incident = snap.alerts.find((a) => a.severity === 'critical');
  const praise = snap.praise.slice(-3).reverse();
  return (
    <main class="wallboard" data-testid="floor-display" data-seq={snap.seq}>
      <header class="wall-head">
        <h1>
          つなぐ <span>{f.display}</span>
        </h1>
        <div class={live ? 'live on' : 'live'}>● {t.live}</div>
        <time class="wall-clock">{now.toLocaleTimeString('ja-JP', { hour: '2-digit', minute: '2-digit' })}</time>
      </header>
      <section class={incident ? 'incident on' : 'incident'} data-testid="incident" aria-live="assertive">
        {incident ? (
          (() => {
            const x = alertText(t, incident, snap, secondsSince);
            return (
              <>
                <strong>{f.incident}</strong> <span>{x.who}</span> <span>{x.what}</span>
              </>
            );
          })()
        ) : (
          <span>{f.allClear}</span>
        )}
      </section>
      {praise.length > 0 && (
        <section class="praise" data-testid="praise" aria-live="polite">
          {praise.map((p, i) => (
            <div key={p.seq} class={'praise-item ' + p.kind + (i === 0 ? ' newest' : '')}>
              <span class="praise-kind">{p.kind === 'kudos' ? f.kudos : f.praise}</span>
              <span class="praise-msg">{p.message || `${p.agent_name}`}</span>
            </div>
          ))}
        </section>
      )}
      <section class="wall-queues">
        {snap.queues.map((q) => (
          <div class={'wall-tile ' + (q.waiting > 0 && q.expected_wait_seconds === null ? 'alarm' : '')} key={q.id} data-testid={`wall-queue-${q.id}`}>
            <div class="wall-name">{q.name}</div>
            <div class="wall-main">
              <div>
                <div class="wall-label">{f.waiting}</div>
                <div class="wall-big" data-testid="wall-waiting">
                  {q.waiting}
                </div>
              </div>
              <div>
                <div class="wall-label">{f.longest}</div>
                <div class="wall-mid">{q.waiting ? clock(secondsSince(q.oldest_waiting_since)) : '—'}</div>
              </div>
            </div>
            <div class="wall-figs">
              <div>
                <span class="wall-label">{f.sl}</span>
                <b class={slClass(q)}>{pct(q.service_level)}</b>
                <small>
                  {f.target} {q.sl_percent}% / {q.sl_seconds}s
                </small>
              </div>
              <div>
                <span class="wall-label">{f.abandonRate}</span>
                <b>{pct(q.abandon_rate)}</b>
              </div>
              <div>
                <span class="wall-label">{f.asa}</span>
                <b>{secsOrDash(q.asa_seconds)}</b>
              </div>
              <div>
                <span class="wall-label">{f.expected}</span>
                <b>{secsOrDash(q.expected_wait_seconds)}</b>
              </div>
              <div>
                <span class="wall-label">
                  {f.answered} / {f.offered}
                </span>
                <b>
                  {q.answered} / {q.offered}
                </b>
              </div>
            </div>
          </div>
        ))}
      </section>
      <footer class="wall-agents">
        <span class="s-available">
          {f.agentsSummary.available} <b>{count(['available'])}</b>
        </span>
        <span class="s-busy">
          {f.agentsSummary.busy} <b>{count(['on_contact', 'reserved'])}</b>
        </span>
        <span class="s-acw">
          {f.agentsSummary.acw} <b>{count(['after_call_work'])}</b>
        </span>
        <span class="s-away">
          {f.agentsSummary.away} <b>{count(['not_ready'])}</b>
        </span>
      </footer>
    </main>
  );
}

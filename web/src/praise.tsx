import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { TsunaguEvent } from './api';
import type { Strings } from './i18n';
import { TodayBoard } from './today';

// Praise and care for operators: the note on an agent's desk when they are
// praised (praise:achieved, praise:kudos reach only that agent's stream),
// and the leaders' card to send kudos, keep calls away from someone for a
// while, and read today's praise.

export interface Praise {
  id: string;
  kind: 'achieved' | 'kudos';
  agent_id: string;
  agent_name: string;
  message: string;
  message_en?: string;
  from_name?: string;
  at: string;
}

interface PraisePayload {
  agent_name: string;
  message: string;
  message_en?: string;
  from_name?: string;
}

// praiseText picks the message in the UI's language (achievements come in
// both; a kudos is as the leader wrote it).
const praiseText = (t: Strings, p: PraisePayload) => (t.today.code === 'en' && p.message_en ? p.message_en : p.message);

// PraiseNote shows the latest praise for this agent until they close it.
export function PraiseNote({ t, agentId, last }: { t: Strings; agentId: string; last?: TsunaguEvent }) {
  const [note, setNote] = useState<{ kind: string; p: PraisePayload } | null>(null);
  useEffect(() => {
    if (last && last.agent_id === agentId && (last.type === 'praise:achieved' || last.type === 'praise:kudos')) {
      setNote({ kind: last.type, p: last.payload as unknown as PraisePayload });
    }
  }, [last?.seq]);
  if (!note) return null;
  const s = t.today;
  return (
    <section class="card praise-note" role="status" aria-live="polite" data-testid="praise-note">
      <div class="praise-title">{note.kind === 'praise:kudos' ? s.kudosFrom.replace('{n}', note.p.from_name || '') : s.achieved}</div>
      <div class="praise-message">{praiseText(t, note.p)}</div>
      <button class="link" onClick={() => setNote(null)}>
        {t.close}
      </button>
    </section>
  );
}

interface AgentRow {
  id: string;
  name: string;
  state: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const localDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

// CareConsole is the leaders' card: kudos, protection, today's praise.
export function CareConsole({ t, last }: { t: Strings; last?: TsunaguEvent }) {
  const s = t.today;
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [agent, setAgent] = useState('');
  const [message, setMessage] = useState('');
  const [minutes, setMinutes] = useState(15);
  const [history, setHistory] = useState<Praise[]>([]);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const loadHistory = () =>
    api<{ items: Praise[] }>('GET', `/praise?since=${localDate(new Date())}&limit=20`).then((r) => setHistory(r.items), () => {});
  useEffect(() => {
    api<{ items: AgentRow[] }>('GET', '/agents').then((r) => {
      setAgents(r.items);
      if (r.items.length) setAgent(r.items[0].id);
    }, () => {});
    loadHistory();
  }, []);
  useEffect(() => {
    if (last?.type.startsWith('praise:')) loadHistory();
  }, [last?.seq]);
  const run = async (f: () => Promise<unknown>, done: string) => {
    setError('');
    setStatus('');
    try {
      await f();
      setStatus(done);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const sendKudos = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await api('POST', '/kudos', { agent_id: agent, message });
      setMessage('');
    }, s.kudosSent);
  };
  const protect = (on: boolean) =>
    run(
      () => api('PUT', `/agents/${agent}/protect`, { until: on ? new Date(Date.now() + minutes * 60000).toISOString() : null }),
      on ? s.protectSet : s.protectCleared,
    );
  return (
    <>
      <TodayBoard t={t} last={last} />
      <section class="card care" aria-label={s.care} data-testid="care">
        <h2>{s.care}</h2>
        <label>
          {s.agent}
          <select value={agent} onChange={(e) => setAgent((e.target as HTMLSelectElement).value)} data-testid="care-agent">
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <form class="kudos" onSubmit={sendKudos}>
          <input
            value={message}
            maxLength={200}
            placeholder={s.kudosPlaceholder}
            aria-label={s.kudos}
            onInput={(e) => setMessage((e.target as HTMLInputElement).value)}
            data-testid="kudos-message"
          />
          <button type="submit" disabled={!agent || !message.trim()}>
            {s.kudos}
          </button>
        </form>
        <div class="protect">
          <span>{s.keepAway}</span>
          <select value={minutes} aria-label={s.keepAwayFor} onChange={(e) => setMinutes(Number((e.target as HTMLSelectElement).value))}>
            {[10, 15, 30, 60].map((m) => (
              <option key={m} value={m}>
                {s.minutes.replace('{n}', String(m))}
              </option>
            ))}
          </select>
          <button onClick={() => protect(true)} disabled={!agent} data-testid="protect">
            {s.protect}
          </button>
          <button class="link" onClick={() => protect(false)} disabled={!agent}>
            {s.unprotect}
          </button>
        </div>
        {status && <p class="note">{status}</p>}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <h3>{s.history}</h3>
        {history.length === 0 ? (
          <p class="muted">{s.noPraise}</p>
        ) : (
          <ol class="praise-history" data-testid="praise-history">
            {history.map((p) => (
              <li key={p.id}>
                <time>{new Date(p.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>{' '}
                <span class={'kind ' + p.kind}>{p.kind === 'kudos' ? s.kudosShort : s.achievedShort}</span> {praiseText(t, p)}
                {p.kind === 'kudos' && (
                  <span class="muted">
                    {' '}
                    — {p.agent_name}
                    {p.from_name ? ` (${p.from_name})` : ''}
                  </span>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

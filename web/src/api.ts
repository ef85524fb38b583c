// A small client for /api/v1: JSON in and out, the CSRF header on writes,
// problem+json errors turned into ApiError.

export interface Problem {
  code: string;
  detail?: string;
  field?: string;
  status: number;
}

export class ApiError extends Error {
  constructor(public problem: Problem) {
    super(problem.detail || problem.code);
  }
}

let csrf = '';

export function setCSRF(token: string) {
  csrf = token;
}

// upload sends a file as the raw request body (a WAV prompt, …).
export async function upload<T>(path: string, file: Blob, contentType: string): Promise<T> {
  const res = await fetch('/api/v1' + path, {
    method: 'POST',
    headers: { 'Content-Type': contentType, 'X-CSRF-Token': csrf },
    body: file,
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({ code: 'internal', status: res.status }));
  if (!res.ok) throw new ApiError(data as Problem);
  return data as T;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch('/api/v1' + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({ code: 'internal', status: res.status }));
  if (!res.ok) throw new ApiError(data as Problem);
  return data as T;
}

export interface User {
  id: string;
  username: string;
  display_name: string;
  kana?: string;
  role: 'agent' | 'supervisor' | 'admin';
}

export interface Agent {
  id: string;
  state: string;
  state_reason?: string;
  state_since: string;
}

export interface Me {
  user: User;
  agent?: Agent;
  csrf_token?: string;
}

export interface QueueStats {
  queue_id: string;
  name: string;
  waiting: number;
  longest_wait_seconds: number;
  answered_today: number;
  abandoned_today: number;
  service_level: number | null;
}

export interface Customer {
  id: string;
  name: string;
  kana?: string;
  phones: { number: string; label?: string }[];
}

export interface Named {
  id: string;
  name: string;
}

export interface Contact {
  id: string;
  number?: string;
  customer_id?: string;
  state?: string;
  arrived_at: string;
  queue_id?: string;
  reason_id?: string;
  disposition_id?: string;
  notes?: string;
  thank_you: boolean;
  verification?: 'verified' | 'refused' | 'failed';
  verified_items?: string[];
  abusive?: 'low' | 'medium' | 'high';
  caller_flag?: 'low' | 'medium' | 'high'; // this number was flagged abusive (docs/floor-praise.md)
  keep_recording?: boolean;
}

export interface SearchResult {
  id: string;
  title: string;
  snippet: string;
  score: number;
}

// Suggestion is an article offered for a call before anything is typed
// (GET /kb/suggest), with why it is offered.
export interface Suggestion extends SearchResult {
  why: 'solved-often' | 'reason' | 'menu' | 'queue' | 'incident';
}

export interface Article {
  id: string;
  title: string;
  body: string;
  category: string;
  version: number;
  solved_count: number;
}

export interface TsunaguEvent {
  seq: number;
  type: string;
  time: string;
  agent_id?: string;
  contact_id?: string;
  subject?: string;
  payload: Record<string, unknown>;
  items?: QueueStats[]; // queue:stats frames (seq 0): the desks' queue tiles, pushed
}

export type Urgency = 'low' | 'normal' | 'high';

// Escalation is an operator's question to the leader about a live call (エスカレ).
export interface Escalation {
  id: string;
  contact_id: string;
  agent_id: string;
  reason: string;
  urgency: Urgency;
  note: string;
  status: 'pending' | 'approved' | 'declined' | 'cancelled';
  decided_by?: string;
  decision_note?: string;
  created_at: string;
  decided_at?: string;
}

// EscalationView is an escalation as the leader's inbox shows it.
export interface EscalationView extends Escalation {
  agent_name: string;
  decided_by_name?: string;
  customer_name?: string;
  contact_state?: string;
  call_started_at?: string;
  queue_id?: string;
}

// followEvents delivers the event stream to onEvent. Every part of the page
// (the desk, the call, the transfer panel) shares one WebSocket, so each
// event crosses the network once per browser, not once per panel; it is
// opened by the first follower, closed after the last, and reconnects with
// ?since= the last sequence seen so that nothing is missed. since > 0 first
// replays the events after it (an outbound call's fast answer: the desk's
// socket saw them before the call's panel began to follow).
interface Follower {
  onEvent: (e: TsunaguEvent) => void;
  onLive: (live: boolean) => void;
  held: TsunaguEvent[] | null; // live events kept back while its replay loads
}
const followers = new Set<Follower>();
let stream: WebSocket | null = null;
let streamLast = 0;
let streamLive = false;
let streamRetry = 500;
let streamTimer: number | undefined;

function openStream() {
  streamTimer = undefined;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/api/v1/events${streamLast ? `?since=${streamLast}` : ''}`);
  stream = ws;
  ws.onopen = () => {
    streamRetry = 500;
    streamLive = true;
    followers.forEach((f) => f.onLive(true));
  };
  ws.onmessage = (m) => {
    const e = JSON.parse(m.data) as TsunaguEvent;
    if (e.seq) streamLast = e.seq; // queue tiles (seq 0) are not in the log
    followers.forEach((f) => (f.held ? f.held.push(e) : f.onEvent(e)));
  };
  ws.onclose = () => {
    if (stream !== ws) return; // closed on purpose after the last follower left
    stream = null;
    streamLive = false;
    followers.forEach((f) => f.onLive(false));
    if (followers.size > 0) streamTimer = window.setTimeout(openStream, (streamRetry = Math.min(streamRetry * 2, 10000)));
  };
}

export function followEvents(onEvent: (e: TsunaguEvent) => void, onLive: (live: boolean) => void, since = 0): () => void {
  const f: Follower = { onEvent, onLive, held: null };
  followers.add(f);
  if (!stream && streamTimer === undefined) {
    streamLast = 0; // a fresh page of the app starts at the present
    openStream();
  } else if (streamLive) {
    onLive(true);
  }
  if (since > 0) {
    f.held = [];
    const replay = async () => {
      let after = since;
      for (;;) {
        const page = await api<{ events: TsunaguEvent[]; last_seq: number }>('GET', `/events?since=${after}&limit=500`);
        for (const e of page.events) if (followers.has(f)) f.onEvent(e);
        if (page.events.length < 500 || page.last_seq <= after) return page.last_seq;
        after = page.last_seq;
      }
    };
    replay()
      .catch(() => since)
      .then((upTo) => {
        // Live events the page already had are dropped; the rest follow in order.
        const held = f.held ?? [];
        f.held = null;
        if (followers.has(f)) for (const e of held) if (!e.seq || e.seq > upTo) f.onEvent(e);
      });
  }
  return () => {
    followers.delete(f);
    if (followers.size > 0) return;
    window.clearTimeout(streamTimer);
    streamTimer = undefined;
    const ws = stream;
    stream = null;
    streamLive = false;
    ws?.close();
  };
}

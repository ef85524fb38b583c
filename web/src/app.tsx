import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, followEvents, setCSRF } from './api';
import { AskLeader, EscalationInbox } from './escalation';
import { Softphone } from './softphone';
import type { PhoneState } from './softphone';
import type { Article, Contact, Customer, Me, Named, QueueStats, SearchResult, TsunaguEvent } from './api';
import { initialLang, tr } from './i18n';
import type { Lang, Strings } from './i18n';

// App is the shell: the login form, then the desk for the signed-in user.
export function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const t = tr(lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    localStorage.setItem('tsunagu.lang', lang);
  }, [lang]);
  useEffect(() => {
    api<Me>('GET', '/me')
      .then((m) => {
        setCSRF(m.csrf_token || '');
        setMe(m);
      })
      .catch(() => setMe(null));
  }, []);
  const toggle = () => setLang(lang === 'ja' ? 'en' : 'ja');
  if (me === undefined) return null;
  return (
    <div class="shell">
      <header>
        <h1>
          Tsunagu <span lang="ja">つなぐ</span>
        </h1>
        <nav>
          {me && (
            <span class="who" data-testid="who">
              {me.user.display_name}
              <small>{t.role[me.user.role]}</small>
            </span>
          )}
          <button class="link" onClick={toggle} aria-label="Language">
            {t.lang}
          </button>
          {me && (
            <button class="link" onClick={() => api('POST', '/auth/logout').then(() => setMe(null))}>
              {t.logout}
            </button>
          )}
        </nav>
      </header>
      {me ? <Desk t={t} me={me} setMe={setMe} /> : <Login t={t} onLogin={setMe} />}
    </div>
  );
}

function Login({ t, onLogin }: { t: Strings; onLogin: (m: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const m = await api<Me>('POST', '/auth/login', { username, password });
      setCSRF(m.csrf_token || '');
      onLogin(m);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : t.loginFailed);
    }
  };
  return (
    <form class="login card" onSubmit={submit}>
      <h2>{t.login}</h2>
      <label>
        {t.username}
        <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} autofocus required />
      </label>
      <label>
        {t.password}
        <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">{t.login}</button>
    </form>
  );
}

const stateLabel = (t: Strings, state: string, reason?: string) => {
  const m: Record<string, string> = {
    available: t.available, not_ready: t.notReady, offline: t.offline, on_contact: t.onContact, reserved: t.reserved, after_call_work: t.acw,
  };
  const r: Record<string, string> = {
    break: t.break, lunch: t.lunch, training: t.training, meeting: t.meeting, recovery: t.recovery, missed: t.missed, other: t.other,
  };
  return (m[state] || state) + (reason ? `(${r[reason] || reason})` : '');
};

function Desk({ t, me, setMe }: { t: Strings; me: Me; setMe: (m: Me) => void }) {
  const [stats, setStats] = useState<QueueStats[]>([]);
  const [events, setEvents] = useState<TsunaguEvent[]>([]);
  const [live, setLive] = useState(false);
  const [phone, setPhone] = useState<PhoneState>('off');
  const [offer, setOffer] = useState<{ id: string; seq: number } | null>(null);
  const [stateError, setStateError] = useState('');
  const [escTick, setEscTick] = useState(0);
  const softphone = useRef<Softphone | null>(null);
  const refresh = () => api<{ items: QueueStats[] }>('GET', '/queues/stats').then((r) => setStats(r.items));
  const myAgent = me.agent?.id;
  useEffect(() => {
    refresh();
    if (myAgent) {
      softphone.current = new Softphone(setPhone);
      softphone.current.start();
    }
    const stop = followEvents(
      (e) => {
        setEvents((prev) => [e, ...prev].slice(0, 12));
        if (e.type.startsWith('contact:') || e.type === 'agent:state_changed') refresh();
        if (e.type.startsWith('escalation:')) setEscTick((n) => n + 1);
        if (e.type === 'contact:offered' && e.agent_id === myAgent && e.contact_id) setOffer({ id: e.contact_id, seq: e.seq });
        if (e.type === 'agent:state_changed' && e.agent_id === myAgent) {
          const p = e.payload as { to: string; reason?: string };
          setMe({ ...me, agent: { ...me.agent!, state: p.to, state_reason: p.reason, state_since: e.time } });
        }
      },
      setLive,
    );
    return () => {
      stop();
      softphone.current?.stop();
    };
  }, []);
  const setState = async (state: string, reason?: string) => {
    setStateError('');
    try {
      const agent = await api<Me['agent']>('PUT', '/me/state', reason ? { state, reason } : { state });
      setMe({ ...me, agent });
    } catch (err) {
      setStateError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main class="desk">
      {me.agent && (
        <section class="card status" aria-label={t.state}>
          <div>
            <div class="state" data-testid="state" data-state={me.agent.state}>
              {stateLabel(t, me.agent.state, me.agent.state_reason)}
            </div>
            <div class={'phone ' + phone} data-testid="phone" data-phone={phone}>
              {t.phone[phone]}
            </div>
            {stateError && (
              <p class="error" role="alert">
                {stateError}
              </p>
            )}
          </div>
          <div class="buttons">
            <button
              class="ok"
              onClick={() => setState('available')}
              disabled={['available', 'reserved', 'on_contact', 'after_call_work'].includes(me.agent.state)}
            >
              {t.available}
            </button>
            <button onClick={() => setState('not_ready', 'break')}>{t.break}</button>
            <button onClick={() => setState('not_ready', 'lunch')}>{t.lunch}</button>
            <button onClick={() => setState('offline')}>{t.offline}</button>
          </div>
        </section>
      )}
      {me.agent && offer && (
        <Call key={offer.seq} t={t} contactId={offer.id} onDone={() => setOffer(null)} onMute={(m) => softphone.current?.mute(m)} />
      )}
      {me.user.role !== 'agent' && <EscalationInbox t={t} tick={escTick} />}
      <section class="card queues" aria-label={t.queues}>
        <h2>
          {t.queues} <span class={live ? 'live on' : 'live'}>● {t.live}</span>
        </h2>
        <div class="tiles">
          {stats.map((q) => (
            <div class="tile" key={q.queue_id} data-testid={`queue-${q.queue_id}`}>
              <div class="name">{q.name}</div>
              <div class="big">{q.waiting}</div>
              <div class="small">
                {t.waiting} · {t.longest} {q.longest_wait_seconds}s · {t.sl} {q.service_level === null ? '—' : Math.round(q.service_level * 100) + '%'}
              </div>
            </div>
          ))}
        </div>
      </section>
      <Lookup t={t} />
      <Knowledge t={t} contactId={offer?.id} />
      <section class="card events" aria-label={t.events}>
        <h2>{t.events}</h2>
        <ol data-testid="events">
          {events.map((e) => (
            <li key={e.seq}>
              <time>{new Date(e.time).toLocaleTimeString()}</time> <code>{e.type}</code>
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}

// byNewest orders past contacts by when they happened, newest first.
const byNewest = (cs: Contact[]) => [...cs].sort((a, b) => b.arrived_at.localeCompare(a.arrived_at));

// Call is one contact on the operator's desk: ringing with the screen pop,
// then connected with a timer, then the wrap-up form (後処理).
function Call({ t, contactId, onDone, onMute }: { t: Strings; contactId: string; onDone: () => void; onMute: (m: boolean) => void }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [history, setHistory] = useState<Contact[]>([]);
  const [phase, setPhase] = useState<'ringing' | 'connected' | 'wrapup'>('ringing');
  const [since, setSince] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  const [muted, setMuted] = useState(false);
  const [heldSince, setHeldSince] = useState<number | null>(null);
  const [holdNudge, setHoldNudge] = useState(60);
  const [refs, setRefs] = useState<{ reasons: Named[]; dispositions: Named[] }>({ reasons: [], dispositions: [] });
  const [form, setForm] = useState({ reason_id: '', disposition_id: '', notes: '', thank_you: false });
  const [error, setError] = useState('');
  const [escEvents, setEscEvents] = useState<TsunaguEvent[]>([]);
  useEffect(() => {
    api<Contact>('GET', '/contacts/' + contactId).then(async (c) => {
      setContact(c);
      if (c.customer_id) {
        setCustomer(await api<Customer>('GET', '/customers/' + c.customer_id));
        setHistory(byNewest((await api<{ items: Contact[] }>('GET', '/contacts?limit=5&customer_id=' + c.customer_id)).items.filter((h) => h.id !== c.id)));
      }
    });
    Promise.all([api<{ items: Named[] }>('GET', '/reasons'), api<{ items: Named[] }>('GET', '/dispositions')]).then(([r, d]) =>
      setRefs({ reasons: r.items, dispositions: d.items }),
    );
    // The queue says how long a hold may run before a callback should be offered.
    api<{ items: { id: string; hold_callback_seconds: number }[] }>('GET', '/queues').then((r) =>
      api<Contact>('GET', '/contacts/' + contactId).then((c) => {
        const q = r.items.find((x) => x.id === c.queue_id);
        if (q && q.hold_callback_seconds > 0) setHoldNudge(q.hold_callback_seconds);
      }),
    );
    const tick = setInterval(() => setNow(Date.now()), 1000);
    // The caller hangs up, or the offer goes elsewhere: follow the contact.
    const stop = followEvents(
      (e) => {
        if (e.contact_id !== contactId) return;
        if (e.type === 'contact:ended') setPhase('wrapup');
        if (e.type.startsWith('escalation:')) setEscEvents((prev) => [...prev, e]);
        if (e.type === 'contact:abandoned' || (e.type === 'contact:queued' && e.payload.requeued)) onDone();
      },
      () => undefined,
    );
    return () => {
      clearInterval(tick);
      stop();
    };
  }, [contactId]);
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
  const heldSecs = heldSince === null ? 0 : Math.max(0, Math.round((now - heldSince) / 1000));
  const wrap = (e: Event) => {
    e.preventDefault();
    act(async () => (await api('POST', `/contacts/${contactId}/wrapup`, form), onDone()));
  };
  const secs = Math.max(0, Math.round((now - since) / 1000));
  return (
    <section class={'card call phase-' + phase} aria-label={t.call[phase]} data-testid="call" data-phase={phase}>
      <h2>
        {t.call[phase]} {phase === 'connected' && <span class="timer">{Math.floor(secs / 60)}:{String(secs % 60).padStart(2, '0')}</span>}
      </h2>
      <div class="caller">
        <div class="name" data-testid="caller">
          {customer ? customer.name : contact ? (contact.customer_id ? '…' : t.unknownCaller) : '…'}
        </div>
        <div class="muted">
          {customer?.kana} {contact?.number} {contact?.queue_id && `· ${contact.queue_id}`}
        </div>
      </div>
      {history.length > 0 && (
        <ul class="history">
          {history.map((h) => (
            <li key={h.id}>
              <time>{new Date(h.arrived_at).toLocaleDateString()}</time> {h.notes} {h.thank_you && <span class="thanks">{t.thanks}</span>}
            </li>
          ))}
        </ul>
      )}
      {phase === 'ringing' && (
        <div class="buttons">
          <button class="ok big" onClick={answer} autofocus>
            {t.answer}
          </button>
          <button onClick={decline}>{t.decline}</button>
        </div>
      )}
      {phase === 'connected' && heldSince !== null && (
        <p class={heldSecs >= holdNudge ? 'hold long' : 'hold'} role="status" data-testid="hold">
          {t.onHold} {Math.floor(heldSecs / 60)}:{String(heldSecs % 60).padStart(2, '0')}
          {heldSecs >= holdNudge && <strong> — {t.offerCallback}</strong>}
        </p>
      )}
      {phase === 'connected' && (
        <div class="buttons">
          {heldSince === null ? <button onClick={hold}>{t.hold}</button> : <button class="ok" onClick={resume}>{t.resume}</button>}
          <button onClick={() => (onMute(!muted), setMuted(!muted))} aria-pressed={muted}>
            {muted ? t.unmute : t.mute}
          </button>
          <button class="danger" onClick={hangup}>
            {t.hangup}
          </button>
        </div>
      )}
      {phase === 'connected' && <AskLeader t={t} contactId={contactId} events={escEvents} />}
      {phase === 'wrapup' && (
        <form class="wrapup" onSubmit={wrap}>
          <label>
            {t.reason}
            <select name="reason_id" value={form.reason_id} onChange={(e) => setForm({ ...form, reason_id: e.currentTarget.value })}>
              <option value="">—</option>
              {refs.reasons.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t.disposition}
            <select name="disposition_id" required value={form.disposition_id} onChange={(e) => setForm({ ...form, disposition_id: e.currentTarget.value })}>
              <option value="">—</option>
              {refs.dispositions.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label class="wide">
            {t.notes}
            <textarea name="notes" rows={3} value={form.notes} onInput={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
          </label>
          <label class="check">
            <input type="checkbox" name="thank_you" checked={form.thank_you} onChange={(e) => setForm({ ...form, thank_you: e.currentTarget.checked })} />
            {t.saidThanks}
          </label>
          <button type="submit">{t.wrapDone}</button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

// Lookup is the screen pop done by hand: the caller's number finds the
// customer (masked) and their past contacts.
function Lookup({ t }: { t: Strings }) {
  const [phone, setPhone] = useState('');
  const [found, setFound] = useState<Customer[] | null>(null);
  const [history, setHistory] = useState<Contact[]>([]);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const r = await api<{ items: Customer[] }>('GET', '/customers?phone=' + encodeURIComponent(phone));
      setFound(r.items);
      setHistory(r.items.length === 1 ? byNewest((await api<{ items: Contact[] }>('GET', '/contacts?limit=5&customer_id=' + r.items[0].id)).items) : []);
    } catch (err) {
      setFound(null);
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <section class="card lookup" aria-label={t.lookup}>
      <h2>{t.lookup}</h2>
      <form onSubmit={submit}>
        <input name="phone" inputMode="tel" placeholder={t.lookupPlaceholder} value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
        <button type="submit">{t.search}</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {found && found.length === 0 && <p class="muted">{t.noCustomer}</p>}
      {found?.map((c) => (
        <div class="customer" key={c.id} data-testid="customer">
          <div class="name">{c.name}</div>
          <div class="muted">
            {c.kana} · {c.phones.map((p) => p.number).join(', ')}
          </div>
        </div>
      ))}
      {history.length > 0 && (
        <>
          <h3>{t.history}</h3>
          <ul class="history">
            {history.map((h) => (
              <li key={h.id}>
                <time>{new Date(h.arrived_at).toLocaleDateString()}</time> {h.notes} {h.thank_you && <span class="thanks">{t.thanks}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

// Knowledge searches while the operator types (typeahead), for the answer
// while the caller waits on hold. "/" focuses the search box from anywhere;
// a result opens beside the list, where "solved with this" and "this article
// is wrong" are one click each.
function Knowledge({ t, contactId }: { t: Strings; contactId?: string }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [open, setOpen] = useState<Article | null>(null);
  const [note, setNote] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === '/' && !typing) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (!q.trim()) {
      setResults(null);
      return;
    }
    const id = setTimeout(() => {
      api<{ results: SearchResult[] }>('GET', `/kb/search?prefix=1&limit=5&q=${encodeURIComponent(q)}`)
        .then((r) => setResults(r.results))
        .catch(() => setResults([]));
    }, 120);
    return () => clearTimeout(id);
  }, [q]);
  const show = async (id: string) => {
    setNote('');
    setOpen(await api<Article>('GET', '/kb/articles/' + encodeURIComponent(id)));
  };
  const solved = async () => {
    if (!open) return;
    // On a call, the contact records which article answered it.
    const a = await api<Article>('POST', `/kb/articles/${encodeURIComponent(open.id)}/solved`, contactId ? { contact_id: contactId } : {});
    setOpen(a);
    setNote(t.solvedNoted);
  };
  const report = async () => {
    if (!open) return;
    const text = window.prompt(t.reportPrompt);
    if (!text) return;
    await api('POST', '/kb/feedback', { kind: 'wrong', article_id: open.id, note: text, query: q, ...(contactId ? { contact_id: contactId } : {}) });
    setNote(t.reportNoted);
  };
  return (
    <section class="card kb" aria-label={t.kb}>
      <h2>
        {t.kb} <kbd title={t.kbShortcut}>/</kbd>
      </h2>
      <input ref={input} name="q" type="search" placeholder={t.kbPlaceholder} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      {results && results.length === 0 && <p class="muted">{t.noResults}</p>}
      <ol class="results" data-testid="kb-results">
        {results?.map((r) => (
          <li key={r.id}>
            <button class="title link" onClick={() => show(r.id)}>
              {r.title}
            </button>
            {/* The server escapes the snippet and adds only <mark> around matches. */}
            <div class="snippet" dangerouslySetInnerHTML={{ __html: r.snippet }} />
          </li>
        ))}
      </ol>
      {open && (
        <article class="article" data-testid="article" aria-label={open.title}>
          <h3>{open.title}</h3>
          <div class="muted small">
            {open.category} · v{open.version} · {t.solvedCount} {open.solved_count}
          </div>
          {/* Markdown shown as text: nothing in an article can run in the desk. */}
          <div class="body">{open.body}</div>
          <div class="buttons">
            <button class="ok" onClick={solved}>
              {t.solvedWithThis}
            </button>
            <button onClick={report}>{t.reportWrong}</button>
            <button onClick={() => setOpen(null)}>{t.close}</button>
          </div>
          {note && (
            <p class="note" role="status">
              {note}
            </p>
          )}
        </article>
      )}
    </section>
  );
}

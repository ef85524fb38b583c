import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Article, Contact, Customer, SearchResult, Suggestion } from './api';
import { byNewest } from './call';
import type { Strings } from './i18n';

// Lookup is the screen pop done by hand: the caller's number finds the
// customer (masked) and their past contacts.
export function Lookup({ t }: { t: Strings }) {
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
// is wrong" are one click each. On a call, while the box is empty, the panel
// shows the articles suggested for the call (its menu choice, queue, reason
// and what solved such calls lately), each saying why.
export function Knowledge({ t, contactId }: { t: Strings; contactId?: string }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [open, setOpen] = useState<Article | null>(null);
  const [suggested, setSuggested] = useState<Suggestion[]>([]);
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
  useEffect(() => {
    setSuggested([]);
    if (!contactId) return;
    let live = true;
    api<{ results: Suggestion[] }>('GET', `/kb/suggest?limit=5&contact_id=${encodeURIComponent(contactId)}`)
      .then((r) => live && setSuggested(r.results))
      .catch(() => live && setSuggested([]));
    return () => {
      live = false;
    };
  }, [contactId]);
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
      {!q.trim() && suggested.length > 0 && (
        <>
          <h3>{t.kbSuggest.title}</h3>
          <ol class="results" data-testid="kb-suggestions">
            {suggested.map((r) => (
              <li key={r.id}>
                <button class="title link" onClick={() => show(r.id)}>
                  {r.title}
                </button>{' '}
                <span class="badge muted small">{t.kbSuggest.why[r.why] ?? r.why}</span>
                <div class="snippet" dangerouslySetInnerHTML={{ __html: r.snippet }} />
              </li>
            ))}
          </ol>
        </>
      )}
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

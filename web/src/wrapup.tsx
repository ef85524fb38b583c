// The wrap-up (後処理): reason and outcome (required; the server says which
// field is missing and the form points at it), notes with the tenant's
// templates, "thank you", feedback for the product team, a promised
// callback, the abusive-call flag, and the queue's after-call-work time
// counting down. The outcomes offered are the queue's own list (an admin
// chooses it per queue; none chosen offers every disposition); for the
// part of a call transferred away, the queue the operator had it in.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Named } from './api';
import { inAnHour } from './callbacks';
import type { Strings } from './i18n';
import { keyAttrs, useShortcuts } from './keys';

const categories = ['product', 'service', 'pricing', 'website', 'other'] as const;
const severities = ['low', 'medium', 'high'] as const;

export function WrapUp({
  t,
  contactId,
  queueId,
  acwSeconds,
  onDone,
}: {
  t: Strings;
  contactId: string;
  queueId?: string;
  acwSeconds: number;
  onDone: () => void;
}) {
  const d = t.opdesk;
  const [refs, setRefs] = useState<{ reasons: Named[]; dispositions: Named[]; templates: string[] }>({ reasons: [], dispositions: [], templates: [] });
  const [form, setForm] = useState({ reason_id: '', disposition_id: '', notes: '', thank_you: false, abusive: '' });
  const [feedback, setFeedback] = useState({ category: 'product', text: '' });
  const [promise, setPromise] = useState({ on: false, due: inAnHour(), owner: 'me', number: '' });
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const [started] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    Promise.all([
      api<{ items: Named[] }>('GET', '/reasons'),
      api<{ items: Named[] }>('GET', queueId ? `/queues/${encodeURIComponent(queueId)}/dispositions` : '/dispositions'),
      api<{ templates: string[] }>('GET', '/note-templates').catch(() => ({ templates: [] })),
    ]).then(([r, ds, nt]) => setRefs({ reasons: r.items, dispositions: ds.items, templates: nt.templates }));
    formRef.current?.querySelector<HTMLElement>('select')?.focus();
    const i = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(i);
  }, []);
  useShortcuts({ wrapup: () => formRef.current?.requestSubmit() });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = { ...form };
    if (!form.abusive) delete body.abusive;
    if (feedback.text.trim()) body.feedback = feedback;
    if (promise.on) body.callback = { due_at: new Date(promise.due).toISOString(), owner: promise.owner, number: promise.number };
    try {
      await api('POST', `/contacts/${contactId}/wrapup`, body);
      onDone();
    } catch (err) {
      const p = err instanceof ApiError ? err.problem : undefined;
      setError({ field: p?.field, message: (p?.field && d.fieldErrors[p.field]) || (err instanceof Error ? err.message : String(err)) });
      // Take the operator to the field at fault.
      const el = p?.field && formRef.current?.querySelector<HTMLElement>(`[name="${p.field}"]`);
      if (el) el.focus();
    }
  };
  const invalid = (f: string) => (error?.field === f ? { 'aria-invalid': true, 'aria-describedby': 'wrap-error' } : {});
  // An error about a field goes away once that field is changed.
  const fixed = (f: string) => error?.field === f && setError(null);
  const left = acwSeconds - Math.floor((now - started) / 1000);
  const mmss = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return (
    <form class="wrapup" onSubmit={submit} ref={formRef} noValidate>
      {acwSeconds > 0 && (
        <p class={left > 0 ? (left <= 15 ? 'acw low' : 'acw') : 'acw over'} data-testid="acw" role="timer" aria-live="off">
          {left > 0 ? `${d.acwLeft} ${mmss(left)}` : d.acwOver}
        </p>
      )}
      <label>
        {d.reasonReq}
        <select name="reason_id" aria-required="true" value={form.reason_id} onChange={(e) => (setForm({ ...form, reason_id: e.currentTarget.value }), fixed('reason_id'))} {...invalid('reason_id')}>
          <option value="">—</option>
          {refs.reasons.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {d.dispositionReq}
        <select
          name="disposition_id"
          aria-required="true"
          value={form.disposition_id}
          onChange={(e) => (setForm({ ...form, disposition_id: e.currentTarget.value }), fixed('disposition_id'))}
          {...invalid('disposition_id')}
        >
          <option value="">—</option>
          {refs.dispositions.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </select>
      </label>
      <label class="wide">
        {t.notes}
        <textarea name="notes" rows={3} value={form.notes} onInput={(e) => setForm({ ...form, notes: e.currentTarget.value })} {...invalid('notes')} />
      </label>
      {refs.templates.length > 0 && (
        <div class="wide templates" role="group" aria-label={d.templates}>
          <span class="muted">{d.templates}:</span>
          {refs.templates.map((tpl) => (
            <button type="button" class="chip" key={tpl} onClick={() => setForm({ ...form, notes: (form.notes ? form.notes.trimEnd() + '\n' : '') + tpl })}>
              {tpl}
            </button>
          ))}
        </div>
      )}
      <label class="check wide">
        <input type="checkbox" name="thank_you" checked={form.thank_you} onChange={(e) => setForm({ ...form, thank_you: e.currentTarget.checked })} />
        {t.saidThanks}
      </label>
      <fieldset class="wide sub">
        <legend>{d.feedback}</legend>
        <label>
          {d.feedbackCategory}
          <select name="feedback.category" value={feedback.category} onChange={(e) => setFeedback({ ...feedback, category: e.currentTarget.value })} {...invalid('feedback.category')}>
            {categories.map((c) => (
              <option key={c} value={c}>
                {d.categories[c]}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          {d.feedbackText}
          <input name="feedback.text" value={feedback.text} onInput={(e) => setFeedback({ ...feedback, text: e.currentTarget.value })} {...invalid('feedback.text')} />
        </label>
      </fieldset>
      <fieldset class="wide sub">
        <legend>
          <label class="check">
            <input type="checkbox" name="promised" checked={promise.on} onChange={(e) => setPromise({ ...promise, on: e.currentTarget.checked })} />
            {d.promised}
          </label>
        </legend>
        {promise.on && (
          <>
            <label>
              {d.when}
              <input type="datetime-local" name="callback.due_at" value={promise.due} onInput={(e) => setPromise({ ...promise, due: e.currentTarget.value })} {...invalid('callback.due_at')} />
            </label>
            <div role="radiogroup" aria-label={d.owner} class="owner">
              <span>{d.owner}</span>
              {(['me', 'anyone'] as const).map((o) => (
                <label class="check" key={o}>
                  <input type="radio" name="callback.owner" value={o} checked={promise.owner === o} onChange={() => setPromise({ ...promise, owner: o })} />
                  {o === 'me' ? d.ownerMe : d.ownerAnyone}
                </label>
              ))}
            </div>
            <label class="grow">
              {d.number}
              <input
                name="callback.number"
                inputMode="tel"
                placeholder={d.numberPlaceholder}
                value={promise.number}
                onInput={(e) => setPromise({ ...promise, number: e.currentTarget.value })}
                {...invalid('callback.number')}
              />
            </label>
          </>
        )}
      </fieldset>
      <label>
        {d.abusive}
        <select name="abusive" value={form.abusive} onChange={(e) => setForm({ ...form, abusive: e.currentTarget.value })} {...invalid('abusive')}>
          <option value="">{d.severity.none}</option>
          {severities.map((s) => (
            <option key={s} value={s}>
              {d.severity[s]}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p class="error wide" role="alert" id="wrap-error" data-field={error.field || ''}>
          {error.message}
        </p>
      )}
      <button type="submit" class="ok" {...keyAttrs(t.wrapDone, 'wrapup')}>
        {t.wrapDone}
      </button>
    </form>
  );
}

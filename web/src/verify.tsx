// The identity check (本人確認) while connected: the queue's checklist,
// then one of verified / refused / failed, recorded on the contact. Where
// the queue requires it the wrap-up is refused without it (the server
// enforces that; the desk says so beforehand).
import { useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Contact } from './api';
import type { Strings } from './i18n';

export type Outcome = 'verified' | 'refused' | 'failed';

export function Verify({ t, contactId, items, required, outcome, onRecorded }: {
  t: Strings; contactId: string; items: string[]; required: boolean; outcome?: Outcome; onRecorded: (o: Outcome) => void;
}) {
  const [checked, setChecked] = useState<string[]>([]);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(false);
  const d = t.opdesk;
  if (items.length === 0) return null;
  const record = async (o: Outcome) => {
    setError('');
    try {
      const c = await api<Contact>('POST', `/contacts/${contactId}/verification`, { outcome: o, checked });
      onRecorded(c.verification as Outcome);
      setEditing(false);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const all = items.every((i) => checked.includes(i));
  return (
    <fieldset class={'verify' + (outcome ? ' done ' + outcome : '')} data-testid="verify" data-outcome={outcome || ''}>
      <legend>
        {d.verify}
        {required && !outcome && <span class="req"> · {d.verifyRequired}</span>}
        {outcome && <strong class="outcome"> · {d[outcome]}</strong>}
        {outcome && !editing && (
          <button type="button" class="link small" onClick={() => setEditing(true)}>
            {d.change}
          </button>
        )}
      </legend>
      {outcome && !editing && checked.length > 0 && <p class="muted small checked">{checked.join('・')}</p>}
      {(!outcome || editing) && (
        <>
          <div class="items">
            {items.map((i) => (
              <label class="check" key={i}>
                <input
                  type="checkbox"
                  name="verify"
                  value={i}
                  checked={checked.includes(i)}
                  onChange={(e) => setChecked(e.currentTarget.checked ? [...checked, i] : checked.filter((x) => x !== i))}
                />
                {i}
              </label>
            ))}
          </div>
          <div class="buttons">
            <button type="button" class="ok" onClick={() => record('verified')} disabled={!all} title={all ? undefined : d.verifyAll}>
              {d.verified}
            </button>
            <button type="button" onClick={() => record('refused')}>{d.refused}</button>
            <button type="button" onClick={() => record('failed')}>{d.failed}</button>
          </div>
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Strings } from './i18n';

// PhoneChoice lets the operator choose where offers ring: this browser or
// their registered SIP desk phone (the desk controls the call the same way).
// Shown only to operators who have a SIP account.
export function PhoneChoice({ t }: { t: Strings }) {
  const [kind, setKind] = useState<'browser' | 'sip' | null>(null);
  const [hasSIP, setHasSIP] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ kind: 'browser' | 'sip'; username?: string }>('GET', '/me/phone')
      .then((p) => {
        setKind(p.kind);
        setHasSIP(!!p.username);
      })
      .catch(() => undefined);
  }, []);
  if (!hasSIP || !kind) return null;
  const choose = async (k: 'browser' | 'sip') => {
    setError('');
    try {
      const p = await api<{ kind: 'browser' | 'sip' }>('PUT', '/me/phone', { kind: k });
      setKind(p.kind);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <label class="phone-choice">
      {t.admin.ringsOn}{' '}
      <select value={kind} onChange={(e) => choose(e.currentTarget.value as 'browser' | 'sip')} data-testid="phone-choice">
        <option value="browser">{t.admin.browserPhone}</option>
        <option value="sip">{t.admin.deskPhone}</option>
      </select>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

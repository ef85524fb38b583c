// The unknown caller in two clicks: "register" opens a name field and
// "save" creates the customer with the caller's number; or find an
// existing customer by another of their numbers and "link". The server
// adds the caller's number, which the desk only sees masked.
import { useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Customer } from './api';
import type { Strings } from './i18n';

export function UnknownCaller({ t, contactId, onLinked }: { t: Strings; contactId: string; onLinked: (customerId: string) => void }) {
  const d = t.opdesk;
  const [mode, setMode] = useState<'' | 'new' | 'link'>('');
  const [name, setName] = useState('');
  const [kana, setKana] = useState('');
  const [phone, setPhone] = useState('');
  const [found, setFound] = useState<Customer[] | null>(null);
  const [error, setError] = useState('');
  const link = async (body: Record<string, string>) => {
    setError('');
    try {
      const c = await api<{ customer_id: string }>('POST', `/contacts/${contactId}/customer`, body);
      onLinked(c.customer_id);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const search = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      setFound((await api<{ items: Customer[] }>('GET', '/customers?phone=' + encodeURIComponent(phone))).items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <div class="unknown" data-testid="unknown-caller">
      <span class="muted">{d.unknownTitle}</span>
      <button type="button" onClick={() => setMode('new')} aria-expanded={mode === 'new'}>
        {d.newCustomer}
      </button>
      <button type="button" onClick={() => setMode('link')} aria-expanded={mode === 'link'}>
        {d.linkCustomer}
      </button>
      {mode === 'new' && (
        <form onSubmit={(e) => (e.preventDefault(), link({ name, kana }))}>
          <input aria-label={d.customerName} placeholder={d.customerName} value={name} onInput={(e) => setName(e.currentTarget.value)} autofocus />
          <input aria-label={d.customerKana} placeholder={d.customerKana} value={kana} onInput={(e) => setKana(e.currentTarget.value)} />
          <button type="submit" class="ok">
            {d.save}
          </button>
        </form>
      )}
      {mode === 'link' && (
        <form onSubmit={search}>
          <input aria-label={t.lookup} inputMode="tel" placeholder={t.lookupPlaceholder} value={phone} onInput={(e) => setPhone(e.currentTarget.value)} autofocus />
          <button type="submit">{t.search}</button>
          {found && found.length === 0 && <span class="muted">{t.noCustomer}</span>}
          {found?.map((c) => (
            <span key={c.id} class="found">
              {c.name}
              <button type="button" class="ok" onClick={() => link({ customer_id: c.id })}>
                {d.link}
              </button>
            </span>
          ))}
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

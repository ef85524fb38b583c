import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCSRF } from './api';
import type { Me } from './api';
import { Admin } from './admin';
import { Desk } from './desk';
import { FloorDisplay } from './floor';
import { initialLang, tr } from './i18n';
import type { Lang, Strings } from './i18n';

// App is the shell: the login form, then the desk for the signed-in user.
export function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  // #/floor is the wall display (leaders' login); anything else the desk.
  const [route, setRoute] = useState(location.hash);
  useEffect(() => {
    const on = () => setRoute(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
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
  if (me && route === '#/floor' && me.user.role !== 'agent') return <FloorDisplay t={t} />;
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
          {me?.user.role === 'admin' && (
            <a class="link" href={route === '#/admin' ? '#/' : '#/admin'} data-testid="admin-link">
              {route === '#/admin' ? t.admin.back : t.admin.title}
            </a>
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
      {me && route === '#/admin' && me.user.role === 'admin' ? (
        <Admin t={t} />
      ) : me ? (
        <Desk t={t} me={me} setMe={setMe} />
      ) : (
        <Login t={t} onLogin={setMe} />
      )}
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

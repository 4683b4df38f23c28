// The sign-in page.

import { html, useState } from '../lib.js';
import { t } from '../i18n.js';
import { LanguagePicker } from './topbar.js';

export function Login({ onLogin, onLanguage }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onLogin(username.trim(), password);
    } catch (e) {
      setBusy(false);
      setError(e && (e.status === 401 || e.status === 400 || e.status === 422) ? 'login.failed' : 'login.unavailable');
    }
  }

  return html`
    <main class="login">
      <form class="login-form" onSubmit=${submit}>
        <h1>${t('app.title')}</h1>
        <h2>${t('login.title')}</h2>
        <label>${t('login.username')}
          <input data-testid="login-username" name="username" autocomplete="username" required
            value=${username} onInput=${(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>${t('login.password')}
          <input data-testid="login-password" name="password" type="password" autocomplete="current-password" required
            value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />
        </label>
        ${error && html`<p class="error" role="alert" data-testid="login-error">${t(error)}</p>`}
        <button data-testid="login-submit" type="submit" class="primary" disabled=${busy}>${t('login.submit')}</button>
        <${LanguagePicker} onLanguage=${onLanguage} />
      </form>
    </main>`;
}

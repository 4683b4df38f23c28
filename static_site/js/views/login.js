// The sign-in page, step by step as Cognito asks (docs/operator-api.md, "Signing in"): the
// password; then, if Cognito wants it, a new password (a user ops created with a temporary
// one), the TOTP code, or the TOTP set-up; and the forgotten password (a code by e-mail).

import { html, useState } from '../lib.js';
import { t } from '../i18n.js';
import { LanguagePicker } from './topbar.js';
import { CodeField, ErrorLine, NewPasswordFields, PasswordPolicy, TotpSecret } from './sign_in_parts.js';

const STEP_OF = { NEW_PASSWORD_REQUIRED: 'new_password', SOFTWARE_TOKEN_MFA: 'totp', MFA_SETUP: 'mfa_setup' };

export function Login({ api, onSignedIn, onLanguage }) {
  const [step, setStep] = useState('password');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [code, setCode] = useState('');
  const [challenge, setChallenge] = useState(null);
  const [setup, setSetup] = useState(null);
  const [policy, setPolicy] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);

  function go(next, message = null) {
    setStep(next);
    setCode('');
    setNewPassword('');
    setRepeat('');
    setNotice(message);
  }

  async function proceed(result) {
    if (result.operator) {
      onSignedIn();
      return;
    }
    const next = result.challenge;
    setChallenge(next);
    if (next.password_policy) setPolicy(next.password_policy);
    if (next.challenge === 'MFA_SETUP') setSetup(await api.totpSetupWhileSigningIn(next));
    go(STEP_OF[next.challenge] || 'password');
  }

  // Runs one step; a spent or expired Cognito session sends the operator back to the password.
  function run(work) {
    return async (event) => {
      event.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await work();
      } catch (e) {
        setError(e || {});
        if (e && e.code === 'session_expired') go('password');
      } finally {
        setBusy(false);
      }
    };
  }

  const differ = newPassword !== repeat;
  const submitPassword = run(async () => {
    const result = await api.login(username.trim(), password);
    setPassword('');
    await proceed(result);
  });
  const submitNewPassword = run(async () => {
    if (differ) throw { code: 'passwords_differ' };
    await proceed(await api.answerChallenge(challenge, { new_password: newPassword }));
  });
  const submitCode = run(async () => {
    await proceed(await api.answerChallenge(challenge, { code }));
  });
  const submitSetupCode = run(async () => {
    await proceed(await api.answerChallenge({ ...challenge, session: setup.session }, { code }));
  });
  const sendResetCode = run(async () => {
    const sent = await api.forgotPassword(username.trim());
    setPolicy(sent.password_policy || null);
    go('reset', 'forgot.sent');
  });
  const submitReset = run(async () => {
    if (differ) throw { code: 'passwords_differ' };
    await api.resetPassword(username.trim(), code, newPassword);
    go('password', 'forgot.done');
  });

  const back = html`
    <button type="button" class="link" data-testid="back-to-sign-in" onClick=${() => { setError(null); go('password'); }}>
      ${t('signin.back')}</button>`;
  const errorLine = error && error.code === 'passwords_differ'
    ? html`<p class="error" role="alert" data-testid="login-error">${t('signin.passwords_differ')}</p>`
    : html`<${ErrorLine} error=${error} />`;
  const submit = (label) => html`
    <button data-testid="login-submit" type="submit" class="primary" disabled=${busy}>${label}</button>`;

  let body;
  let onSubmit;
  if (step === 'new_password' || step === 'reset') {
    onSubmit = step === 'reset' ? submitReset : submitNewPassword;
    body = html`
      <h2>${step === 'reset' ? t('forgot.title') : t('newpw.title')}</h2>
      ${step === 'new_password' && html`<p class="hint">${t('newpw.intro')}</p>`}
      ${step === 'reset' && html`<${CodeField} value=${code} onValue=${setCode} label=${t('forgot.code')}
        testid="reset-code" digits=${false} />`}
      <${NewPasswordFields} password=${newPassword} repeat=${repeat} onPassword=${setNewPassword} onRepeat=${setRepeat} />
      <${PasswordPolicy} policy=${policy} password=${newPassword} />
      ${errorLine}
      ${submit(step === 'reset' ? t('forgot.submit') : t('newpw.submit'))}
      ${back}`;
  } else if (step === 'totp') {
    onSubmit = submitCode;
    body = html`
      <h2>${t('totp.title')}</h2>
      <p class="hint">${t('totp.intro')}</p>
      <${CodeField} value=${code} onValue=${setCode} label=${t('totp.code')} />
      ${errorLine}
      ${submit(t('totp.submit'))}
      ${back}`;
  } else if (step === 'mfa_setup') {
    onSubmit = submitSetupCode;
    body = html`
      <h2>${t('totpsetup.title')}</h2>
      <${TotpSecret} setup=${setup} />
      <${CodeField} value=${code} onValue=${setCode} label=${t('totp.code')} />
      ${errorLine}
      ${submit(t('totp.submit'))}
      ${back}`;
  } else if (step === 'forgot') {
    onSubmit = sendResetCode;
    body = html`
      <h2>${t('forgot.title')}</h2>
      <p class="hint">${t('forgot.intro')}</p>
      <label>${t('login.username')}
        <input data-testid="login-username" name="username" autocomplete="username" required maxlength="128"
          value=${username} onInput=${(e) => setUsername(e.currentTarget.value)} />
      </label>
      ${errorLine}
      ${submit(t('forgot.send'))}
      ${back}`;
  } else {
    onSubmit = submitPassword;
    body = html`
      <h2>${t('login.title')}</h2>
      <label>${t('login.username')}
        <input data-testid="login-username" name="username" autocomplete="username" required
          value=${username} onInput=${(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label>${t('login.password')}
        <input data-testid="login-password" name="password" type="password" autocomplete="current-password" required
          value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />
      </label>
      ${errorLine}
      ${submit(t('login.submit'))}
      <button type="button" class="link" data-testid="forgot-password"
        onClick=${() => { setError(null); go('forgot'); }}>${t('login.forgot')}</button>`;
  }

  return html`
    <main class="login">
      <form class="login-form" data-step=${step} onSubmit=${onSubmit}>
        <h1>${t('app.title')}</h1>
        ${notice && html`<p class="notice" role="status" data-testid="login-notice">${t(notice)}</p>`}
        ${body}
        <${LanguagePicker} onLanguage=${onLanguage} />
      </form>
    </main>`;
}

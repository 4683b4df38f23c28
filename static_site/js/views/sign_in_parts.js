// Pieces of the sign-in steps (login.js, mfa_setup.js): the password policy, a new-password
// pair, a one-time-code field, the TOTP set-up, and what an error says.

import { html } from '../lib.js';
import { t } from '../i18n.js';
import { QrCode } from '../qr.js';

// Cognito's symbols: ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + - and space.
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

function rules(policy) {
  return [
    ['min_length', t('policy.min_length', { n: policy.min_length }), (p) => [...p].length >= policy.min_length, true],
    ['lowercase', t('policy.lowercase'), (p) => /[a-z]/.test(p), policy.require_lowercase],
    ['uppercase', t('policy.uppercase'), (p) => /[A-Z]/.test(p), policy.require_uppercase],
    ['digit', t('policy.digit'), (p) => /[0-9]/.test(p), policy.require_digits],
    ['symbol', t('policy.symbol'), (p) => SYMBOL.test(p), policy.require_symbols],
  ].filter(([, , , required]) => required);
}

export function PasswordPolicy({ policy, password }) {
  if (!policy) return null;
  return html`
    <div class="password-policy" data-testid="password-policy">
      <span>${t('policy.title')}</span>
      <ul>
        ${rules(policy).map(([name, text, holds]) => html`
          <li data-rule=${name} class=${holds(password) ? 'met' : ''}>${text}</li>`)}
      </ul>
    </div>`;
}

export function NewPasswordFields({ password, repeat, onPassword, onRepeat }) {
  return html`
    <label>${t('newpw.password')}
      <input data-testid="new-password" type="password" autocomplete="new-password" required maxlength="256"
        value=${password} onInput=${(e) => onPassword(e.currentTarget.value)} />
    </label>
    <label>${t('newpw.repeat')}
      <input data-testid="new-password-repeat" type="password" autocomplete="new-password" required maxlength="256"
        value=${repeat} onInput=${(e) => onRepeat(e.currentTarget.value)} />
    </label>`;
}

// A TOTP code is 6 digits; an e-mailed code is whatever Cognito sent. (No `pattern` at all for
// the latter: Preact renders a null pattern as "", which only an empty field matches.)
const TOTP_CODE = { inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6 };
const EMAILED_CODE = { inputmode: 'text', maxlength: 2048 };

export function CodeField({ value, onValue, label, testid = 'totp-code', digits = true }) {
  return html`
    <label>${label}
      <input key=${testid} data-testid=${testid} name="code" autocomplete="one-time-code" required
        ...${digits ? TOTP_CODE : EMAILED_CODE}
        value=${value} onInput=${(e) => onValue(e.currentTarget.value.trim())} />
    </label>`;
}

export function TotpSecret({ setup }) {
  return html`
    <p class="hint">${t('totpsetup.intro')}</p>
    <${QrCode} text=${setup.otpauth_uri} label=${t('totpsetup.qr')} />
    <p class="hint">${t('totpsetup.key')} <code class="totp-secret" data-testid="totp-secret">${setup.secret}</code></p>`;
}

// The message of a failed step: [i18n key, params].
export function errorMessage(error) {
  if (!error) return null;
  if (error.status === 429) return ['signin.throttled', { seconds: error.retryAfter || 60 }];
  if (error.code === 'invalid_code') return ['signin.invalid_code'];
  if (error.code === 'password_refused') return ['signin.password_refused'];
  if (error.code === 'session_expired') return ['signin.session_expired'];
  if (error.status === 401 || error.status === 400 || error.status === 422) return ['login.failed'];
  return ['login.unavailable'];
}

export function ErrorLine({ error }) {
  const message = errorMessage(error);
  if (!message) return null;
  return html`<p class="error" role="alert" data-testid="login-error" data-code=${error.code}>${t(...message)}</p>`;
}

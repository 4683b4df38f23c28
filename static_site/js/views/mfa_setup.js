// Turning on two-step sign-in (TOTP) while signed in: a new secret shown as a QR code, then
// its first code. Opened from the top bar.

import { html, useEffect, useState } from '../lib.js';
import { t } from '../i18n.js';
import { CodeField, ErrorLine, TotpSecret } from './sign_in_parts.js';

export function MfaSetup({ api, onClose }) {
  const [setup, setSetup] = useState(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  useEffect(() => {
    api.totpSetup().then(setSetup, setError);
  }, [api]);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.totpVerify(code);
      setDone(true);
    } catch (e) {
      setError(e || {});
    } finally {
      setBusy(false);
    }
  }

  return html`
    <div class="modal-backdrop">
      <form class="login-form modal" role="dialog" aria-modal="true" aria-labelledby="mfa-setup-title"
        data-testid="mfa-setup" onSubmit=${submit}>
        <h2 id="mfa-setup-title">${t('totpsetup.title')}</h2>
        ${done
          ? html`<p class="notice" role="status" data-testid="mfa-setup-done">${t('totpsetup.done')}</p>`
          : html`
            ${setup && html`<${TotpSecret} setup=${setup} />`}
            <${CodeField} value=${code} onValue=${setCode} label=${t('totp.code')} />
            <${ErrorLine} error=${error} />
            <button data-testid="mfa-setup-submit" type="submit" class="primary" disabled=${busy || !setup}>
              ${t('totp.submit')}</button>`}
        <button type="button" class="link" data-testid="mfa-setup-close" onClick=${onClose}>${t('mfa.close')}</button>
      </form>
    </div>`;
}

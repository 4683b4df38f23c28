// Pieces the admin screens share: the error line and the "shown once" secrets box.

import { html, useState } from '../../lib.js';
import { t } from '../../i18n.js';

// A failed call as one readable line; 422s name their fields.
export function reasonOf(error) {
  if (!error) return '';
  const fields = error.details && error.details.fields;
  if (fields && typeof fields === 'object') {
    return Object.entries(fields).map(([name, problem]) => `${name}: ${problem}`).join('; ');
  }
  return error.message || String(error);
}

export function ErrorLine({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert" data-testid="admin-error">${t('error.generic', { reason: reasonOf(error) })}</p>`;
}

async function copyText(value, input) {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch (_) {
    // No clipboard permission (or not a secure context): select it for Ctrl+C instead.
    if (input) input.select();
    return false;
  }
}

function SecretRow({ label, value, testid }) {
  const [copied, setCopied] = useState(null);
  let input = null;
  return html`
    <div class="secret-row">
      <label>${label}
        <input readonly value=${value} data-testid=${testid} ref=${(el) => { input = el; }}
          onFocus=${(e) => e.currentTarget.select()} />
      </label>
      <button type="button" data-testid=${`${testid}-copy`} onClick=${async () => setCopied(await copyText(value, input))}>
        ${t('admin.copy')}</button>
      ${copied === true && html`<span class="ok" role="status">${t('admin.copied')}</span>`}
      ${copied === false && html`<span class="muted" role="status">${t('admin.copy_manually')}</span>`}
    </div>`;
}

// Secrets the server shows exactly once (a new bot's key and webhook secret, a rotation's).
export function ShownOnce({ secrets, onDone }) {
  return html`
    <section class="shown-once" data-testid="shown-once" role="alertdialog" aria-labelledby="shown-once-title">
      <h3 id="shown-once-title">${t('admin.once.title')}</h3>
      <p class="warning">${t('admin.once.warning')}</p>
      ${secrets.map(([label, value, testid]) => html`<${SecretRow} key=${testid} label=${label} value=${value} testid=${testid} />`)}
      <button type="button" class="primary" data-testid="shown-once-done" onClick=${onDone}>${t('admin.once.done')}</button>
    </section>`;
}

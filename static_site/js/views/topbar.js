// The bar on top: who is signed in, their status (available / away), language, sound, connection, sign-out.

import { html, useState } from '../lib.js';
import { LANGUAGES, language, t } from '../i18n.js';
import { MfaSetup } from './mfa_setup.js';

export function LanguagePicker({ onLanguage }) {
  return html`
    <label class="language">
      <span class="visually-hidden">${t('language')}</span>
      <select aria-label=${t('language')} value=${language()} onChange=${(e) => onLanguage(e.currentTarget.value)}>
        ${LANGUAGES.map(([code, name]) => html`<option value=${code} selected=${code === language()}>${name}</option>`)}
      </select>
    </label>`;
}

// Away: not offered new dialogs by fair assignment; your own dialogs stay yours (docs/assignment.md).
function StatusPicker({ presence, onStatus }) {
  const status = presence ? presence.status : 'available';
  return html`
    <label class=${`presence-status is-${status}`}>
      <span class="visually-hidden">${t('presence.label')}</span>
      <select aria-label=${t('presence.label')} data-testid="presence-status" value=${status}
        onChange=${(e) => onStatus(e.currentTarget.value)}>
        ${['available', 'away'].map((value) => html`
          <option value=${value} selected=${value === status}>${t(`presence.set_${value}`)}</option>`)}
      </select>
    </label>`;
}

export function Topbar({ state, sounds, onLanguage, onSignOut, api, adminOpen, onAdmin, onStatus }) {
  const [mfaOpen, setMfaOpen] = useState(false);
  const soundLabel = sounds.blocked ? t('sound.blocked') : sounds.enabled ? t('sound.on') : t('sound.off');
  const soundOn = sounds.enabled && !sounds.blocked;
  return html`
    <header class="topbar">
      <span class="brand">${t('app.title')}</span>
      <span class=${`connection connection-${state.connection}`} data-testid="connection-status"
        data-status=${state.connection} role="status">${t(`connection.${state.connection}`)}</span>
      <span class="spacer"></span>
      ${onAdmin && html`<button type="button" data-testid="admin-open" aria-pressed=${adminOpen ? 'true' : 'false'}
        onClick=${() => onAdmin(!adminOpen)}>${adminOpen ? t('admin.close') : t('admin.open')}</button>`}
      <button type="button" data-testid="sound-enable" class=${`sound ${sounds.blocked ? 'attention' : ''}`}
        aria-pressed=${soundOn ? 'true' : 'false'} onClick=${() => sounds.toggle()}>
        <span aria-hidden="true" class=${soundOn ? 'note' : 'note muted'}>♪</span> ${soundLabel}
      </button>
      <${LanguagePicker} onLanguage=${onLanguage} />
      ${onStatus && html`<${StatusPicker} presence=${state.presence} onStatus=${onStatus} />`}
      <span class="operator-name">${state.operator ? state.operator.username : ''}</span>
      ${api && html`<button type="button" class="link" data-testid="mfa-setup-open" onClick=${() => setMfaOpen(true)}>
        ${t('mfa.open')}</button>`}
      <button type="button" class="link" onClick=${onSignOut}>${t('signout')}</button>
      ${mfaOpen && html`<${MfaSetup} api=${api} onClose=${() => setMfaOpen(false)} />`}
    </header>`;
}

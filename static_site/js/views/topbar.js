// The bar on top: who is signed in, their status (available / away), language, sound (and its
// one-click enable), connection, sign-out.

import { html, useState } from '../lib.js';
import { LANGUAGES, language, t } from '../i18n.js';
import { notificationPermission } from '../alerts.js';
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

// The one-click "enable sound" after sign-in (and after a reload): a test chime, and the
// browser's question about desktop notifications, both from this click (a user gesture). It
// goes away once a chime played here and notifications are answered (or unsupported).
function EnableAlerts({ sounds, alerts }) {
  const [, setAsked] = useState(0);
  const permission = notificationPermission();
  if (sounds.tested && permission !== 'default') return null;
  function enable() {
    sounds.enabled = true;
    sounds.test();
    if (alerts) alerts.requestPermission().then(() => setAsked((n) => n + 1));
  }
  return html`<button type="button" data-testid="alerts-enable" class="sound attention" onClick=${enable}>
    ${t('alerts.enable')}</button>`;
}

export function Topbar({ state, sounds, alerts, onLanguage, onSignOut, api, adminOpen, onAdmin, onStatus }) {
  const [mfaOpen, setMfaOpen] = useState(false);
  const soundLabel = sounds.refused ? t('sound.refused') : sounds.blocked ? t('sound.blocked')
    : sounds.enabled ? t('sound.on') : t('sound.off');
  const soundOn = sounds.enabled && !sounds.blocked && !sounds.refused;
  const attention = sounds.blocked || sounds.refused;
  return html`
    <header class="topbar">
      <span class="brand">${t('app.title')}</span>
      <span class=${`connection connection-${state.connection}`} data-testid="connection-status"
        data-status=${state.connection} role="status">${t(`connection.${state.connection}`)}</span>
      <span class="spacer"></span>
      ${onAdmin && html`<button type="button" data-testid="admin-open" aria-pressed=${adminOpen ? 'true' : 'false'}
        onClick=${() => onAdmin(!adminOpen)}>${adminOpen ? t('admin.close') : t('admin.open')}</button>`}
      <${EnableAlerts} sounds=${sounds} alerts=${alerts} />
      <button type="button" data-testid="sound-enable" class=${`sound ${attention ? 'attention' : ''}`}
        data-refused=${sounds.refused ? 'true' : 'false'}
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

// The information panel (R1, R2, R4): every main field of the lead; phone and e-mail are the
// lead's sys_phone / sys_email attributes; the cross in its corner hides it.

import { html } from '../lib.js';
import { formatDateTime, t } from '../i18n.js';

function Field({ id, label, children }) {
  return html`
    <div class="field">
      <dt>${label}</dt>
      <dd data-testid=${id}>${children}</dd>
    </div>`;
}

function orNone(value) {
  return value === null || value === undefined || value === '' ? t('info.none') : String(value);
}

export function attributeText(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

// Each operator in the dialog with their presence (online / away / offline), updated live. The
// dot carries it as its accessible name; the field's text stays the names, comma-separated.
function Participants({ operators, team }) {
  if (!operators.length) return t('info.none');
  return operators.map((username, index) => {
    const presence = (team && team[username] && team[username].presence) || 'offline';
    return html`${index ? ', ' : ''}<span class="participant" data-testid="participant" data-operator=${username}
      data-presence=${presence}><span class=${`presence-dot is-${presence}`} role="img"
      aria-label=${t(`presence.${presence}`)} title=${t(`presence.${presence}`)}></span>${username}</span>`;
  });
}

export function InfoPanel({ lead, bots, team, onClose }) {
  const attributes = lead.attributes || {};
  const operators = (lead.dialog && lead.dialog.operators) || [];
  const tags = lead.tags || [];
  const keys = Object.keys(attributes).sort();
  return html`
    <aside class="info-panel" data-testid="info-panel" aria-label=${t('info.title')}>
      <header class="info-header">
        <h3>${t('info.title')}</h3>
        <button type="button" class="close" data-testid="info-panel-close" aria-label=${t('info.close')}
          title=${t('info.close')} onClick=${onClose}>×</button>
      </header>
      <dl class="fields">
        <${Field} id="info-id" label=${t('info.id')}>${lead.id}<//>
        <${Field} id="info-bot" label=${t('info.bot')}>${bots[lead.bot] || lead.bot}<//>
        <${Field} id="info-channel" label=${t('info.channel')}>${orNone(lead.channel)}<//>
        <${Field} id="info-messenger" label=${t('info.messenger')}>${orNone(lead.messenger)}<//>
        <${Field} id="info-created" label=${t('info.created')}>
          <time datetime=${lead.created_at}>${formatDateTime(lead.created_at)}</time><//>
        <${Field} id="info-last-activity" label=${t('info.last_activity')}>
          <time datetime=${lead.last_activity_at}>${formatDateTime(lead.last_activity_at)}</time><//>
        <${Field} id="info-language" label=${t('info.language')}>${orNone(lead.language)}<//>
        <${Field} id="info-operators" label=${t('info.operators')}><${Participants} operators=${operators} team=${team} /><//>
        <${Field} id="info-status" label=${t('info.status')}>${orNone(lead.status)}<//>
        <${Field} id="info-phone" label=${t('info.phone')}>${orNone(attributeText(attributes.sys_phone))}<//>
        <${Field} id="info-email" label=${t('info.email')}>${orNone(attributeText(attributes.sys_email))}<//>
        <${Field} id="info-tags" label=${t('info.tags')}>
          ${tags.length ? html`<ul class="tags">${tags.map((tag) => html`<li class="tag">${tag}</li>`)}</ul>` : t('info.none')}<//>
        <${Field} id="info-variables" label=${t('info.variables')}>
          ${keys.length ? html`<dl class="variables">${keys.map((key) => html`
            <div class="variable"><dt>${key}</dt><dd>${attributeText(attributes[key])}</dd></div>`)}</dl>` : t('info.none')}<//>
      </dl>
    </aside>`;
}

// The lead page (R3): the lead's messages and a form to edit its name, status, tags, phone,
// e-mail and variables. Phone and e-mail are stored as sys_phone / sys_email by the server,
// so the variables list here leaves those two out.

import { html, useState } from '../lib.js';
import { t } from '../i18n.js';
import { Avatar } from './common.js';
import { attributeText } from './info.js';
import { MessageList } from './messages.js';

const OWN_FIELDS = new Set(['sys_phone', 'sys_email']);

function variablesText(attributes) {
  return Object.keys(attributes || {})
    .filter((key) => !OWN_FIELDS.has(key))
    .sort()
    .map((key) => `${key} = ${attributeText(attributes[key])}`)
    .join('\n');
}

// "key = value" lines into {key: value}; the first line that is not one is the error.
function parseVariables(text) {
  const values = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (!line) continue;
    const at = line.indexOf('=');
    const key = at > 0 ? line.slice(0, at).trim() : '';
    if (!key) return { error: i + 1 };
    values[key] = line.slice(at + 1).trim();
  }
  return { values };
}

function formFrom(lead) {
  const attributes = lead.attributes || {};
  return {
    name: lead.name || '',
    status: lead.status || '',
    phone: attributeText(attributes.sys_phone),
    email: attributeText(attributes.sys_email),
    tags: (lead.tags || []).join(', '),
    variables: variablesText(attributes),
  };
}

export function LeadPage({ dialog, bots, controller }) {
  const lead = dialog.lead;
  const [form, setForm] = useState(() => formFrom(lead));
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);

  const bind = (name) => ({
    value: form[name],
    onInput: (e) => setForm({ ...form, [name]: e.currentTarget.value }),
  });

  async function save(event) {
    event.preventDefault();
    const parsed = parseVariables(form.variables);
    if (parsed.error) {
      setMessage({ error: true, text: t('lead.bad_variables', { line: parsed.error }) });
      return;
    }
    const before = lead.attributes || {};
    const variables = {};
    for (const [key, value] of Object.entries(parsed.values)) {
      if (OWN_FIELDS.has(key)) continue;
      if (attributeText(before[key]) !== value || !(key in before)) variables[key] = value;
    }
    for (const key of Object.keys(before)) {
      if (!OWN_FIELDS.has(key) && !(key in parsed.values)) variables[key] = null;
    }
    const changes = {
      name: form.name.trim() || null,
      status: form.status.trim() || null,
      phone: form.phone.trim() || null,
      email: form.email.trim() || null,
      tags: form.tags.split(',').map((tag) => tag.trim()).filter(Boolean),
      variables,
    };
    setBusy(true);
    try {
      const saved = await controller.saveLead(changes);
      if (saved) setForm(formFrom(saved));
      setMessage({ error: false, text: t('lead.saved') });
    } catch (e) {
      const details = e && e.details && e.details.fields ? Object.entries(e.details.fields).map(([k, v]) => `${k}: ${v}`).join('; ') : '';
      setMessage({ error: true, text: t('error.generic', { reason: details || (e ? e.message : '') }) });
    } finally {
      setBusy(false);
    }
  }

  return html`
    <div class="lead-page" data-testid="lead-page">
      <header class="lead-page-header">
        <button type="button" class="link" onClick=${() => controller.showLeadPage(false)}>← ${t('lead.back')}</button>
        <${Avatar} name=${lead.name} url=${lead.avatar_url} seed=${lead.id} size="large" />
        <h2>${lead.name || lead.id}</h2>
      </header>
      <div class="lead-page-body">
        <form class="lead-form" onSubmit=${save}>
          <h3>${t('lead.title')}</h3>
          <label>${t('lead.name')}<input data-testid="lead-edit-name" ...${bind('name')} /></label>
          <label>${t('lead.status')}<input data-testid="lead-edit-status" ...${bind('status')} /></label>
          <label>${t('lead.phone')}<input data-testid="lead-edit-phone" type="tel" ...${bind('phone')} /></label>
          <label>${t('lead.email')}<input data-testid="lead-edit-email" type="email" ...${bind('email')} /></label>
          <label>${t('lead.tags')}<input data-testid="lead-edit-tags" ...${bind('tags')} /></label>
          <label>${t('lead.variables')}<textarea data-testid="lead-edit-variables" rows="6" ...${bind('variables')}></textarea></label>
          ${message && html`<p class=${message.error ? 'error' : 'ok'} role=${message.error ? 'alert' : 'status'}>${message.text}</p>`}
          <button type="submit" class="primary" data-testid="lead-save" disabled=${busy}>${t('lead.save')}</button>
        </form>
        <section class="lead-messages" aria-label=${t('lead.messages')}>
          <${MessageList} dialog=${dialog} bots=${bots} onLoadOlder=${() => controller.loadOlder()} />
        </section>
      </div>
    </div>`;
}

// Admin: the bots. A list, a "new bot" form (its API key and webhook secret shown once), and a
// bot's page (views/admin/bot.js).

import { html, useEffect, useState } from '../../lib.js';
import { t } from '../../i18n.js';
import { BotPage } from './bot.js';
import { ErrorLine, ShownOnce } from './common.js';

function NewBot({ admin, onCreated, onCancel }) {
  const [name, setName] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const fields = { name: name.trim() };
      if (webhookUrl.trim()) fields.webhook_url = webhookUrl.trim();
      onCreated(await admin.createBot(fields));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  return html`
    <form class="admin-form" data-testid="bot-new-form" onSubmit=${submit}>
      <h3>${t('admin.bots.new')}</h3>
      <label>${t('admin.bot.name')}
        <input data-testid="bot-new-name" required maxlength="100" value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
      </label>
      <label>${t('admin.bot.webhook_url')}
        <input data-testid="bot-new-webhook-url" type="url" placeholder="https://" value=${webhookUrl}
          onInput=${(e) => setWebhookUrl(e.currentTarget.value)} />
      </label>
      <${ErrorLine} error=${error} />
      <div class="admin-actions">
        <button type="submit" class="primary" data-testid="bot-new-submit" disabled=${busy}>${t('admin.bots.create')}</button>
        <button type="button" onClick=${onCancel}>${t('admin.cancel')}</button>
      </div>
    </form>`;
}

export function BotsScreen({ admin }) {
  const [bots, setBots] = useState(null);
  const [error, setError] = useState(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState(null);
  const [openId, setOpenId] = useState(null);

  async function load() {
    try {
      setBots((await admin.bots()).items);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    load();
  }, [admin]);

  // A bot's page starts from the bot as it is now (the delivery function may have disabled its
  // webhook since the list was read).
  async function openBot(botId) {
    try {
      const fresh = await admin.bot(botId);
      setBots((current) => current.map((bot) => (bot.id === botId ? fresh : bot)));
      setOpenId(botId);
    } catch (e) {
      setError(e);
    }
  }

  if (created) {
    return html`<${ShownOnce} secrets=${[
      [t('admin.secret.api_key'), created.api_key, 'secret-api-key'],
      [t('admin.secret.webhook_secret'), created.webhook_secret, 'secret-webhook-secret'],
    ]} onDone=${async () => { await load(); setCreated(null); openBot(created.bot.id); }} />`;
  }
  const open = openId && bots && bots.find((bot) => bot.id === openId);
  if (open) {
    return html`<${BotPage} admin=${admin} bot=${open} onBack=${() => { setOpenId(null); load(); }}
      onChanged=${(bot) => setBots(bots.map((b) => (b.id === bot.id ? bot : b)))} />`;
  }
  return html`
    <section class="admin-section" data-testid="admin-bots">
      <div class="admin-heading">
        <h2>${t('admin.bots')}</h2>
        ${!creating && html`<button type="button" class="primary" data-testid="bot-new" onClick=${() => setCreating(true)}>${t('admin.bots.new')}</button>`}
      </div>
      ${creating && html`<${NewBot} admin=${admin} onCancel=${() => setCreating(false)}
        onCreated=${(answer) => { setCreating(false); setCreated(answer); }} />`}
      <${ErrorLine} error=${error} />
      ${bots && !bots.length && html`<p class="empty">${t('admin.bots.empty')}</p>`}
      ${bots && bots.length > 0 && html`
        <table class="admin-table" data-testid="bot-list">
          <thead><tr><th>${t('admin.bot.name')}</th><th>${t('admin.bot.id')}</th><th>${t('admin.bot.enabled')}</th>
            <th>${t('admin.bot.webhook_url')}</th><th>${t('admin.bot.key')}</th></tr></thead>
          <tbody>
            ${bots.map((bot) => html`
              <tr key=${bot.id} data-testid="bot-row" data-bot-id=${bot.id}>
                <td><button type="button" class="link" onClick=${() => openBot(bot.id)}>${bot.name}</button></td>
                <td class="mono">${bot.id}</td>
                <td>${bot.enabled ? t('admin.yes') : t('admin.no')}</td>
                <td class="mono">${bot.webhook_url || t('info.none')}${bot.webhook_disabled_at ? ` (${t('admin.bot.webhook_off')})` : ''}</td>
                <td class="mono">${bot.api_key_hint}</td>
              </tr>`)}
          </tbody>
        </table>`}
    </section>`;
}

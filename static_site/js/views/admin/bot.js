// Admin: one bot's page. Its settings (name, webhook URL, enabled), its secrets (rotate the API
// key or the webhook secret; the new one is shown once), a test delivery to its webhook, and
// its three system scripts with a live preview.

import { html, useEffect, useState } from '../../lib.js';
import { formatDateTime, t } from '../../i18n.js';
import { ErrorLine, ShownOnce } from './common.js';

const SCRIPTS = ['operator_transfer', 'return', 'unanswered'];
const MAX_SCRIPT_MESSAGES = 10;
const PREVIEW_DELAY_MS = 300;

function Settings({ admin, bot, onChanged }) {
  const [name, setName] = useState(bot.name);
  const [webhookUrl, setWebhookUrl] = useState(bot.webhook_url || '');
  const [enabled, setEnabled] = useState(bot.enabled);
  const [withOperator, setWithOperator] = useState(Boolean(bot.allow_messages_with_operator));
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);

  async function save(event) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      // Only what changed: a new webhook URL also re-enables a webhook a 410 had disabled.
      const fields = {};
      if (name.trim() !== bot.name) fields.name = name.trim();
      if (webhookUrl.trim() !== (bot.webhook_url || '')) fields.webhook_url = webhookUrl.trim() || null;
      if (enabled !== bot.enabled) fields.enabled = enabled;
      if (withOperator !== Boolean(bot.allow_messages_with_operator)) fields.allow_messages_with_operator = withOperator;
      onChanged(await admin.editBot(bot.id, fields));
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  }

  return html`
    <form class="admin-form" data-testid="bot-settings" onSubmit=${save}>
      <h3>${t('admin.bot.settings')}</h3>
      <label>${t('admin.bot.name')}
        <input data-testid="bot-name" required maxlength="100" value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
      </label>
      <label>${t('admin.bot.webhook_url')}
        <input data-testid="bot-webhook-url" type="url" placeholder="https://" value=${webhookUrl}
          onInput=${(e) => setWebhookUrl(e.currentTarget.value)} />
      </label>
      ${bot.webhook_disabled_at && html`<p class="warning" data-testid="bot-webhook-disabled">
        ${t('admin.bot.webhook_disabled', { when: formatDateTime(bot.webhook_disabled_at), reason: bot.webhook_disabled_reason || '' })}</p>`}
      <label class="inline">
        <input type="checkbox" data-testid="bot-enabled" checked=${enabled} onChange=${(e) => setEnabled(e.currentTarget.checked)} />
        ${t('admin.bot.enabled')}
      </label>
      <label class="inline">
        <input type="checkbox" data-testid="bot-with-operator" checked=${withOperator}
          onChange=${(e) => setWithOperator(e.currentTarget.checked)} />
        ${t('admin.bot.with_operator')}
      </label>
      <${ErrorLine} error=${error} />
      ${saved && html`<p class="ok" role="status" data-testid="bot-saved">${t('lead.saved')}</p>`}
      <div class="admin-actions"><button type="submit" class="primary" data-testid="bot-save">${t('lead.save')}</button></div>
    </form>`;
}

function TestDelivery({ admin, bot }) {
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function send() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await admin.testDelivery(bot.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  let line = null;
  if (result) {
    const status = result.status === null ? result.error : `HTTP ${result.status}`;
    line = t(result.ok ? 'admin.test.ok' : 'admin.test.failed', { status, ms: result.latency_ms });
  }
  return html`
    <div class="admin-block">
      <button type="button" data-testid="bot-test-delivery" disabled=${busy || !bot.webhook_url} onClick=${send}>
        ${busy ? t('admin.test.sending') : t('admin.test.send')}</button>
      ${!bot.webhook_url && html` <span class="muted">${t('admin.test.no_url')}</span>`}
      ${result && html`<p class=${result.ok ? 'ok' : 'error'} role="status" data-testid="test-delivery-result"
        data-ok=${result.ok ? 'true' : 'false'}>${line}</p>`}
      ${result && result.answer && html`<pre class="answer">${result.answer}</pre>`}
      <${ErrorLine} error=${error} />
    </div>`;
}

function Secrets({ admin, bot, onChanged }) {
  const [asking, setAsking] = useState(null); // 'key' | 'secret'
  const [shown, setShown] = useState(null);
  const [error, setError] = useState(null);

  async function rotate(which) {
    setError(null);
    try {
      if (which === 'key') {
        const answer = await admin.rotateKey(bot.id);
        setShown([[t('admin.secret.api_key'), answer.api_key, 'secret-api-key']]);
        onChanged(answer.bot);
      } else {
        const answer = await admin.rotateWebhookSecret(bot.id);
        setShown([[t('admin.secret.webhook_secret'), answer.webhook_secret, 'secret-webhook-secret']]);
        onChanged(answer.bot);
      }
    } catch (e) {
      setError(e);
    }
    setAsking(null);
  }

  if (shown) return html`<${ShownOnce} secrets=${shown} onDone=${() => setShown(null)} />`;
  return html`
    <div class="admin-block" data-testid="bot-secrets">
      <h3>${t('admin.bot.secrets')}</h3>
      <p>${t('admin.bot.key')}: <span class="mono" data-testid="bot-key-hint">${bot.api_key_hint}</span></p>
      ${asking ? html`
        <div class="confirm" role="alertdialog">
          <p>${t(asking === 'key' ? 'admin.rotate.key_warning' : 'admin.rotate.secret_warning')}</p>
          <button type="button" class="primary" data-testid="rotate-confirm" onClick=${() => rotate(asking)}>${t('admin.rotate.confirm')}</button>
          <button type="button" onClick=${() => setAsking(null)}>${t('admin.cancel')}</button>
        </div>` : html`
        <div class="admin-actions">
          <button type="button" data-testid="bot-rotate-key" onClick=${() => setAsking('key')}>${t('admin.rotate.key')}</button>
          <button type="button" data-testid="bot-rotate-secret" onClick=${() => setAsking('secret')}>${t('admin.rotate.secret')}</button>
        </div>`}
      <${ErrorLine} error=${error} />
    </div>`;
}

// One script: its messages (at most 10), each a text area, and their preview as the lead
// would get them, rendered by the server with the same rules the bot's messages use.
function Script({ admin, name, texts, onTexts }) {
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(async () => {
      try {
        const answer = await admin.previewScript(texts.filter((text) => text.trim()));
        if (current) {
          setPreview(answer);
          setError(null);
        }
      } catch (e) {
        if (current) setError(e);
      }
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [admin, texts.join('\u0000')]);

  const change = (index, value) => onTexts(texts.map((text, i) => (i === index ? value : text)));
  return html`
    <div class="script" data-testid=${`script-${name}`}>
      <h4>${t(`admin.script.${name}`)}</h4>
      <p class="muted">${t(`admin.script.${name}.hint`)}</p>
      <div class="script-columns">
        <div class="script-texts">
          ${texts.map((text, index) => html`
            <div class="script-text" key=${index}>
              <textarea rows="2" data-testid=${`script-${name}-text`} aria-label=${t('admin.script.message', { n: index + 1 })}
                value=${text} onInput=${(e) => change(index, e.currentTarget.value)}></textarea>
              <button type="button" class="close" aria-label=${t('admin.script.remove')}
                onClick=${() => onTexts(texts.filter((_, i) => i !== index))}>×</button>
            </div>`)}
          ${texts.length < MAX_SCRIPT_MESSAGES && html`<button type="button" class="link" data-testid=${`script-${name}-add`}
            onClick=${() => onTexts([...texts, ''])}>${t('admin.script.add')}</button>`}
        </div>
        <div class="script-preview" data-testid=${`script-${name}-preview`} aria-live="polite">
          <div class="muted">${preview ? t('admin.script.preview_for', { name: preview.lead.name || '' }) : t('messages.loading')}</div>
          ${preview && preview.messages.map((text, index) => html`<div class="message from-bot" key=${index}
            data-testid="script-preview-message">${text}</div>`)}
          ${preview && !preview.messages.length && html`<div class="muted">${t('admin.script.nothing')}</div>`}
          <${ErrorLine} error=${error} />
        </div>
      </div>
    </div>`;
}

function Scripts({ admin, bot, onChanged }) {
  const [texts, setTexts] = useState(() => Object.fromEntries(SCRIPTS.map((name) => [name, [...(bot.scripts[name] || [])]])));
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);

  async function save() {
    setError(null);
    setSaved(false);
    try {
      const scripts = Object.fromEntries(SCRIPTS.map((name) => [name, texts[name].filter((text) => text.trim())]));
      onChanged(await admin.editBot(bot.id, { scripts }));
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  }

  return html`
    <section class="admin-block" data-testid="bot-scripts">
      <h3>${t('admin.bot.scripts')}</h3>
      <p class="muted">${t('admin.script.placeholders')}</p>
      ${SCRIPTS.map((name) => html`<${Script} key=${name} admin=${admin} name=${name} texts=${texts[name]}
        onTexts=${(next) => { setSaved(false); setTexts({ ...texts, [name]: next }); }} />`)}
      <${ErrorLine} error=${error} />
      ${saved && html`<p class="ok" role="status" data-testid="scripts-saved">${t('lead.saved')}</p>`}
      <button type="button" class="primary" data-testid="scripts-save" onClick=${save}>${t('admin.script.save')}</button>
    </section>`;
}

export function BotPage({ admin, bot, onBack, onChanged }) {
  return html`
    <section class="admin-section" data-testid="bot-page" data-bot-id=${bot.id}>
      <div class="admin-heading">
        <button type="button" class="link" data-testid="bot-back" onClick=${onBack}>← ${t('admin.bots')}</button>
        <h2>${bot.name}</h2>
        <span class="mono muted">${bot.id}</span>
      </div>
      <div class="admin-grid">
        <div>
          <${Settings} admin=${admin} bot=${bot} onChanged=${onChanged} />
          <${TestDelivery} admin=${admin} bot=${bot} />
          <${Secrets} admin=${admin} bot=${bot} onChanged=${onChanged} />
        </div>
        <${Scripts} admin=${admin} bot=${bot} onChanged=${onChanged} />
      </div>
    </section>`;
}

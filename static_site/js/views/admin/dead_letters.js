// Admin: webhook dead letters (docs/webhooks.md). A page of them, newest first, filtered by bot;
// one letter inspected (payload, attempts, last error); replay one, or all (of the bot chosen).

import { html, useEffect, useState } from '../../lib.js';
import { formatDateTime, t } from '../../i18n.js';
import { ErrorLine } from './common.js';

function Letter({ admin, letterId, onBack, onReplayed }) {
  const [letter, setLetter] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    admin.deadLetter(letterId).then(setLetter, setError);
  }, [admin, letterId]);

  async function replay() {
    setError(null);
    try {
      onReplayed(await admin.replay(letterId));
    } catch (e) {
      setError(e);
    }
  }

  return html`
    <section class="admin-block" data-testid="dead-letter" data-letter-id=${letterId}>
      <button type="button" class="link" data-testid="dead-letter-back" onClick=${onBack}>← ${t('admin.dead.list')}</button>
      <${ErrorLine} error=${error} />
      ${letter && html`
        <dl class="admin-facts">
          <dt>${t('admin.dead.event')}</dt><dd class="mono">${letter.id} · ${letter.type}</dd>
          <dt>${t('info.bot')}</dt><dd class="mono">${letter.bot_id}</dd>
          <dt>${t('admin.dead.lead')}</dt><dd class="mono">${letter.lead_id}</dd>
          <dt>${t('admin.dead.reason')}</dt><dd data-testid="dead-letter-reason">${letter.reason}</dd>
          <dt>${t('admin.dead.attempts')}</dt><dd data-testid="dead-letter-attempts">${letter.attempts}</dd>
          <dt>${t('admin.dead.last_error')}</dt>
          <dd data-testid="dead-letter-last-error">${letter.last_status !== null ? `HTTP ${letter.last_status}` : ''} ${letter.last_error || ''}</dd>
          <dt>${t('info.created')}</dt><dd>${formatDateTime(letter.created_at)}</dd>
          <dt>${t('admin.dead.dead_at')}</dt><dd>${formatDateTime(letter.dead_at)}</dd>
        </dl>
        <h4>${t('admin.dead.payload')}</h4>
        <pre class="payload" data-testid="dead-letter-payload">${JSON.stringify(letter.payload, null, 2)}</pre>
        <button type="button" class="primary" data-testid="dead-letter-replay" onClick=${replay}>${t('admin.dead.replay')}</button>`}
    </section>`;
}

export function DeadLettersScreen({ admin }) {
  const [bots, setBots] = useState([]);
  const [botId, setBotId] = useState('');
  const [page, setPage] = useState({ items: [], cursor: null, loading: true });
  const [open, setOpen] = useState(null);
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);

  async function load(more = false) {
    setError(null);
    try {
      const answer = await admin.deadLetters({ botId, cursor: more ? page.cursor : null });
      setPage({ items: more ? [...page.items, ...answer.items] : answer.items, cursor: answer.next_cursor, loading: false });
    } catch (e) {
      setError(e);
      setPage({ ...page, loading: false });
    }
  }
  useEffect(() => {
    admin.bots().then((answer) => setBots(answer.items), () => {});
  }, [admin]);
  useEffect(() => {
    load();
  }, [admin, botId]);

  function replayed(answer) {
    setNotice(t('admin.dead.replayed', { n: answer.replayed.length }));
    setOpen(null);
    load();
  }

  async function replayAll() {
    setError(null);
    try {
      replayed(await admin.replayAll(botId || null));
    } catch (e) {
      setError(e);
    }
  }

  const names = Object.fromEntries(bots.map((bot) => [bot.id, bot.name]));
  if (open) return html`<${Letter} admin=${admin} letterId=${open} onBack=${() => setOpen(null)} onReplayed=${replayed} />`;
  return html`
    <section class="admin-section" data-testid="admin-dead-letters">
      <div class="admin-heading">
        <h2>${t('admin.dead')}</h2>
        <label>${t('admin.dead.bot_filter')}
          <select data-testid="dead-letter-bot" value=${botId} onChange=${(e) => setBotId(e.currentTarget.value)}>
            <option value="">${t('admin.dead.every_bot')}</option>
            ${bots.map((bot) => html`<option value=${bot.id} selected=${bot.id === botId}>${bot.name}</option>`)}
          </select>
        </label>
        <button type="button" data-testid="dead-letter-refresh" onClick=${() => load()}>${t('admin.refresh')}</button>
        <button type="button" class="primary" data-testid="dead-letter-replay-all" disabled=${!page.items.length}
          onClick=${replayAll}>${botId ? t('admin.dead.replay_bot') : t('admin.dead.replay_all')}</button>
      </div>
      ${notice && html`<p class="ok" role="status" data-testid="dead-letter-notice">${notice}</p>`}
      <${ErrorLine} error=${error} />
      ${!page.loading && !page.items.length && html`<p class="empty" data-testid="dead-letters-empty">${t('admin.dead.empty')}</p>`}
      ${page.items.length > 0 && html`
        <table class="admin-table" data-testid="dead-letter-list">
          <thead><tr><th>${t('admin.dead.dead_at')}</th><th>${t('info.bot')}</th><th>${t('admin.dead.type')}</th>
            <th>${t('admin.dead.attempts')}</th><th>${t('admin.dead.last_error')}</th><th></th></tr></thead>
          <tbody>
            ${page.items.map((letter) => html`
              <tr key=${letter.id} data-testid="dead-letter-row" data-letter-id=${letter.id}>
                <td>${formatDateTime(letter.dead_at)}</td>
                <td>${names[letter.bot_id] || letter.bot_id}</td>
                <td class="mono">${letter.type}</td>
                <td>${letter.attempts}</td>
                <td>${letter.last_status !== null ? `HTTP ${letter.last_status}` : letter.last_error || letter.reason}</td>
                <td><button type="button" class="link" data-testid="dead-letter-open" onClick=${() => setOpen(letter.id)}>${t('admin.dead.inspect')}</button></td>
              </tr>`)}
          </tbody>
        </table>`}
      ${page.cursor && html`<button type="button" class="more" onClick=${() => load(true)}>${t('list.more')}</button>`}
    </section>`;
}

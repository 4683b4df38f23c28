// Admin: the operators (the Cognito pool's users) and who is online now. Managing them
// (create, disable, reset, add to admins) stays in the AWS console: a link goes there.

import { html, useEffect, useState } from '../../lib.js';
import { formatDateTime, t } from '../../i18n.js';
import { safeHttpUrl } from '../common.js';
import { ErrorLine } from './common.js';

export function OperatorsScreen({ admin }) {
  const [page, setPage] = useState({ items: [], cursor: null, consoleUrl: null, loading: true });
  const [error, setError] = useState(null);

  async function load(more = false) {
    setError(null);
    try {
      const answer = await admin.operators(more ? page.cursor : null);
      setPage({ items: more ? [...page.items, ...answer.items] : answer.items, cursor: answer.next_cursor,
        consoleUrl: safeHttpUrl(answer.console_url), loading: false });
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    load();
  }, [admin]);

  const online = page.items.filter((operator) => operator.online).length;
  return html`
    <section class="admin-section" data-testid="admin-operators">
      <div class="admin-heading">
        <h2>${t('admin.operators')}</h2>
        <span class="muted" data-testid="operators-online">${t('admin.operators.online_count', { n: online, total: page.items.length })}</span>
        <button type="button" data-testid="operators-refresh" onClick=${() => load()}>${t('admin.refresh')}</button>
        ${page.consoleUrl && html`<a data-testid="operators-console" href=${page.consoleUrl} target="_blank"
          rel="noopener noreferrer">${t('admin.operators.console')}</a>`}
      </div>
      <p class="muted">${t('admin.operators.hint')}</p>
      <${ErrorLine} error=${error} />
      <table class="admin-table" data-testid="operator-list">
        <thead><tr><th>${t('login.username')}</th><th>${t('lead.email')}</th><th>${t('admin.operators.presence')}</th>
          <th>${t('admin.operators.role')}</th><th>${t('admin.operators.account')}</th><th>${t('info.created')}</th></tr></thead>
        <tbody>
          ${page.items.map((operator) => html`
            <tr key=${operator.username} data-testid="operator-row" data-username=${operator.username}
              data-online=${operator.online ? 'true' : 'false'}>
              <td>${operator.username}</td>
              <td>${operator.email || t('info.none')}</td>
              <td><span class=${`presence ${operator.online ? 'presence-online' : ''}`}>${operator.online
                ? t('admin.operators.online', { n: operator.connections }) : t('admin.operators.offline')}</span></td>
              <td>${operator.admin ? t('admin.operators.admin') : t('admin.operators.operator')}</td>
              <td>${operator.enabled ? '' : `${t('admin.operators.disabled')} · `}${operator.status}</td>
              <td>${formatDateTime(operator.created_at)}</td>
            </tr>`)}
        </tbody>
      </table>
      ${page.cursor && html`<button type="button" class="more" onClick=${() => load(true)}>${t('list.more')}</button>`}
    </section>`;
}

// The dialog panel on the right: the lead header with the dialog's buttons (R5-R8), the
// messages (R9), Start conversation (R10) or the message box (R11), the information panel.

import { html } from '../lib.js';
import { t } from '../i18n.js';
import { waitMinutes, waitOf } from '../wait_clock.js';
import { Avatar } from './common.js';
import { Composer } from './composer.js';
import { InfoPanel } from './info.js';
import { LeadPage } from './lead.js';
import { MessageList } from './messages.js';

function stateText(dialog) {
  if (!dialog) return '';
  if (dialog.state === 'operator') return t('state.operator', { operators: (dialog.operators || []).join(', ') });
  return t(`state.${dialog.state}`);
}

function Notice({ notice, onClose }) {
  if (!notice) return null;
  return html`
    <div class="notice" role="alert">
      <span>${t(notice.key, { reason: notice.reason })}</span>
      <button type="button" class="close" aria-label="×" onClick=${onClose}>×</button>
    </div>`;
}

function Header({ dialog, me, state, controller }) {
  const lead = dialog.lead;
  const d = lead.dialog || { state: 'bot', operators: [] };
  const mine = (d.operators || []).includes(me);
  // The row's clock when the dialog is in the shown list (live frames keep rows fresh), else the lead's.
  const row = state.list.items.find((summary) => summary.lead_id === lead.id);
  const wait = waitOf(row ? row.wait_started_at : lead.wait_started_at, state.clock, state.now);
  return html`
    <header class="lead-header">
      <button type="button" class="avatar-button" data-testid="lead-avatar" aria-label=${t('lead.title')}
        onClick=${() => controller.showLeadPage(true)}>
        <${Avatar} name=${lead.name} url=${lead.avatar_url} seed=${lead.id} size="medium" />
      </button>
      <div class="lead-title">
        <button type="button" class="lead-name" data-testid="lead-name" onClick=${() => controller.showLeadPage(true)}>
          ${lead.name || lead.id}
        </button>
        <span class=${`dialog-state state-${d.state}`} data-testid="dialog-state" data-state=${d.state}>${stateText(d)}</span>
        ${wait && html`<span class=${wait.late ? 'wait-clock late-label' : 'wait-clock'} data-testid="header-wait-clock"
          data-late=${wait.late ? 'true' : 'false'}>${t('list.waiting_for', { n: waitMinutes(wait.seconds) })}${wait.late ? ` · ${t('list.late')}` : ''}</span>`}
      </div>
      <div class="actions">
        <button type="button" data-testid="btn-refresh" title=${t('btn.refresh')} aria-label=${t('btn.refresh')}
          onClick=${() => controller.reloadMessages()}><span aria-hidden="true">⟳</span><span class="label">${t('btn.refresh')}</span></button>
        ${(mine || d.state === 'bot') && html`
          <button type="button" data-testid="btn-leave" title=${t('btn.leave')} aria-label=${t('btn.leave')}
            onClick=${() => controller.leave()}><span aria-hidden="true">⇥</span><span class="label">${t('btn.leave')}</span></button>`}
        ${(d.state === 'waiting' || mine) && html`
          <button type="button" data-testid="btn-resolve" title=${t('btn.resolve')} aria-label=${t('btn.resolve')}
            onClick=${() => controller.resolve()}><span aria-hidden="true">✓</span><span class="label">${t('btn.resolve')}</span></button>`}
        ${!state.infoVisible && html`
          <button type="button" class="info-toggle" title=${t('btn.info')} aria-label=${t('btn.info')}
            onClick=${() => controller.showInfo(true)}><span aria-hidden="true" class="info-glyph">i</span></button>`}
        <button type="button" data-testid="btn-hide-panel" title=${t('btn.hide_panel')} aria-label=${t('btn.hide_panel')}
          onClick=${() => controller.hidePanel()}><span aria-hidden="true">✕</span><span class="label">${t('btn.hide_panel')}</span></button>
      </div>
    </header>`;
}

export function Panel({ state, controller }) {
  const dialog = state.dialog;
  if (!dialog) {
    return html`<section class="panel panel-empty"><p>${t('panel.empty')}</p></section>`;
  }
  const me = state.operator ? state.operator.username : '';
  const lead = dialog.lead;
  if (!lead) {
    return html`
      <section class="panel" data-testid="dialog-panel" data-lead-id=${dialog.id} aria-busy="true">
        <${Notice} notice=${state.notice} onClose=${() => controller.dismissNotice()} />
        <p class="list-note">${dialog.error ? t('messages.load_failed') : t('messages.loading')}</p>
        <button type="button" data-testid="btn-hide-panel" onClick=${() => controller.hidePanel()}>${t('btn.hide_panel')}</button>
      </section>`;
  }
  if (state.leadPage) {
    return html`
      <section class="panel" data-testid="dialog-panel" data-lead-id=${dialog.id}>
        <${LeadPage} key=${dialog.id} dialog=${dialog} bots=${state.bots} controller=${controller} />
      </section>`;
  }
  const d = lead.dialog || { state: 'bot', operators: [] };
  const joined = (d.operators || []).includes(me);
  return html`
    <section class="panel" data-testid="dialog-panel" data-lead-id=${dialog.id}>
      <div class="panel-main">
        <${Header} dialog=${dialog} me=${me} state=${state} controller=${controller} />
        <${Notice} notice=${state.notice} onClose=${() => controller.dismissNotice()} />
        <${MessageList} dialog=${dialog} bots=${state.bots} onLoadOlder=${() => controller.loadOlder()} />
        <footer class="panel-footer">
          ${joined
            ? html`<${Composer} key=${dialog.id} controller=${controller} />`
            : html`<button type="button" class="primary start" data-testid="btn-start-conversation"
                onClick=${() => controller.startConversation()}>${t('btn.start')}</button>`}
        </footer>
      </div>
      ${state.infoVisible && html`<${InfoPanel} lead=${lead} bots=${state.bots} team=${state.team} onClose=${() => controller.showInfo(false)} />`}
    </section>`;
}

// Tabs (Waiting, Mine, All) with live counts and the list of dialogs on the chosen tab.

import { html } from '../lib.js';
import { formatShortTime, t } from '../i18n.js';
import { TABS } from '../store.js';
import { waitMinutes, waitOf } from '../wait_clock.js';
import { Avatar } from './common.js';

function Tabs({ state, onSelect }) {
  return html`
    <nav class="tabs" role="tablist">
      ${TABS.map((tab) => html`
        <button type="button" role="tab" data-testid=${`tab-${tab}`} aria-selected=${state.tab === tab ? 'true' : 'false'}
          class=${state.tab === tab ? 'tab active' : 'tab'} onClick=${() => onSelect(tab)}>
          ${t(`tab.${tab}`)} <span class="count" data-testid="tab-count">${state.counts[tab] ?? 0}</span>
        </button>`)}
    </nav>`;
}

function preview(summary) {
  const last = summary.last_message;
  if (!last) return t('list.no_messages');
  const text = last.text || t('list.attachment');
  return `${last.from === 'lead' ? '' : `${t(`from.${last.from}`) || last.from}: `}${text}`;
}

function DialogItem({ summary, bots, active, late, wait, onOpen }) {
  const botName = bots[summary.bot_id] || summary.bot_id || '';
  const classes = ['dialog-item', active ? 'active' : '', late ? 'late' : ''].join(' ');
  return html`
    <li data-testid="dialog-item" data-lead-id=${summary.lead_id} class=${classes}>
      <button type="button" onClick=${() => onOpen(summary.lead_id)} aria-current=${active ? 'true' : 'false'}>
        <${Avatar} name=${summary.name} url=${summary.avatar_url} seed=${summary.lead_id} />
        <span class="item-body">
          <span class="item-top">
            <span class="item-name">${summary.name || summary.lead_id}</span>
            <time class="item-time" datetime=${summary.last_activity_at}>${formatShortTime(summary.last_activity_at)}</time>
          </span>
          <span class="item-meta">${botName}${summary.messenger ? ` · ${summary.messenger}` : ''}
            ${wait && html` <span class="wait-clock" data-testid="wait-clock">${t('list.waiting_for', { n: waitMinutes(wait.seconds) })}</span>`}
            ${late && html` <span class="late-label" data-testid="late-label">${t('list.late')}</span>`}</span>
          <span class="item-bottom">
            <span class="item-preview">${preview(summary)}</span>
            ${summary.unread > 0 && html`<span class="badge" data-testid="dialog-unread"
              title=${t('list.unread', { n: summary.unread })}>${summary.unread}</span>`}
          </span>
        </span>
      </button>
    </li>`;
}

export function Sidebar({ state, controller }) {
  const { list } = state;
  const openId = state.dialog ? state.dialog.id : null;
  return html`
    <aside class="sidebar">
      <${Tabs} state=${state} onSelect=${(tab) => controller.selectTab(tab)} />
      <ul class="dialog-list" data-testid="dialog-list" aria-busy=${list.loading ? 'true' : 'false'}>
        ${list.items.map((summary) => {
          // The mark comes from the row's waiting clock; a `dialog.waiting_too_long` frame marks it too
          // (an older server's rows carry no clock).
          const wait = waitOf(summary.wait_started_at, state.clock, state.now);
          const late = Boolean(wait && wait.late) || (summary.state === 'waiting' && state.late.has(summary.lead_id));
          return html`<${DialogItem} key=${summary.lead_id} summary=${summary} bots=${state.bots} wait=${wait}
            active=${summary.lead_id === openId} late=${late} onOpen=${(id) => controller.openDialog(id)} />`;
        })}
      </ul>
      ${!list.loading && !list.items.length && html`<p class="empty">${t('list.empty')}</p>`}
      ${list.nextCursor && html`<button type="button" class="more" onClick=${() => controller.loadList(true)}>${t('list.more')}</button>`}
    </aside>`;
}

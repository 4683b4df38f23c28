// The search box, the tabs (Waiting, Mine, All) with live counts, the All tab's filter, and the
// list of dialogs on the chosen tab (or the search's results while a search is typed).

import { html, useEffect, useState } from '../lib.js';
import { formatShortTime, t } from '../i18n.js';
import { TABS } from '../store.js';
import { waitMinutes, waitOf } from '../wait_clock.js';
import { Avatar } from './common.js';

const STATES = ['bot', 'waiting', 'operator'];
const SEARCH_DELAY_MS = 300;

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

function stateLabel(summary) {
  if (summary.state === 'operator') return t('state.operator', { operators: (summary.operators || []).join(', ') });
  return t(`state.${summary.state}`);
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
          <span class=${`item-state state-${summary.state}`} data-testid="item-state">${stateLabel(summary)}</span>
          <span class="item-bottom">
            <span class="item-preview">${preview(summary)}</span>
            ${summary.unread > 0 && html`<span class="badge" data-testid="dialog-unread"
              title=${t('list.unread', { n: summary.unread })}>${summary.unread}</span>`}
          </span>
        </span>
      </button>
    </li>`;
}

function AllFilter({ state, controller }) {
  const filter = state.allFilter;
  const bots = Object.entries(state.bots).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  return html`
    <div class="all-filter">
      <select data-testid="filter-state" aria-label=${t('filter.state')} value=${filter.state}
        onChange=${(e) => controller.setAllFilter({ state: e.target.value })}>
        <option value="">${t('filter.any_state')}</option>
        ${STATES.map((name) => html`<option value=${name}>${t(`filter.state.${name}`)}</option>`)}
      </select>
      <select data-testid="filter-bot" aria-label=${t('filter.bot')} value=${filter.bot}
        onChange=${(e) => controller.setAllFilter({ bot: e.target.value })}>
        <option value="">${t('filter.any_bot')}</option>
        ${bots.map(([id, name]) => html`<option value=${id}>${name || id}</option>`)}
      </select>
    </div>`;
}

// A live event may move a dialog out of the filtered state while it is listed: hide it.
function matchesFilter(summary, filter) {
  return (!filter.state || summary.state === filter.state) && (!filter.bot || summary.bot_id === filter.bot);
}

function useSearch(controller) {
  const [q, setQ] = useState('');
  const [result, setResult] = useState({ items: [], nextCursor: null, loading: false, error: null });
  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setResult({ items: [], nextCursor: null, loading: false, error: null });
      return undefined;
    }
    let current = true;
    setResult((r) => ({ ...r, loading: true }));
    const timer = setTimeout(async () => {
      try {
        const body = await controller.search(text);
        if (current) setResult({ items: body.items || [], nextCursor: body.next_cursor || null, loading: false, error: null });
      } catch (error) {
        if (current) setResult({ items: [], nextCursor: null, loading: false, error: error.message || String(error) });
      }
    }, SEARCH_DELAY_MS);
    return () => { current = false; clearTimeout(timer); };
  }, [q]);
  const more = async () => {
    const body = await controller.search(q.trim(), result.nextCursor);
    setResult((r) => ({ ...r, items: [...r.items, ...(body.items || [])], nextCursor: body.next_cursor || null }));
  };
  return { q, setQ, result, more };
}

function DialogList({ items, state, controller, loading, testid }) {
  const openId = state.dialog ? state.dialog.id : null;
  return html`
    <ul class="dialog-list" data-testid=${testid} aria-busy=${loading ? 'true' : 'false'}>
      ${items.map((summary) => {
        // The mark comes from the row's waiting clock; a `dialog.waiting_too_long` frame marks it too
        // (an older server's rows carry no clock).
        const wait = waitOf(summary.wait_started_at, state.clock, state.now);
        const late = Boolean(wait && wait.late) || (summary.state === 'waiting' && state.late.has(summary.lead_id));
        return html`<${DialogItem} key=${summary.lead_id} summary=${summary} bots=${state.bots} wait=${wait}
          active=${summary.lead_id === openId} late=${late} onOpen=${(id) => controller.openDialog(id)} />`;
      })}
    </ul>`;
}

export function Sidebar({ state, controller }) {
  const { list } = state;
  const search = useSearch(controller);
  const searching = Boolean(search.q.trim());
  const items = state.tab === 'all' ? list.items.filter((s) => matchesFilter(s, state.allFilter)) : list.items;
  return html`
    <aside class="sidebar">
      <div class="search-box">
        <input type="search" data-testid="search" value=${search.q} placeholder=${t('search.placeholder')}
          aria-label=${t('search.label')} maxlength="100" onInput=${(e) => search.setQ(e.target.value)} />
      </div>
      ${searching ? html`
        <${DialogList} items=${search.result.items} state=${state} controller=${controller}
          loading=${search.result.loading} testid="search-results" />
        ${search.result.error && html`<p class="empty" role="alert">${search.result.error}</p>`}
        ${!search.result.loading && !search.result.error && !search.result.items.length
          && html`<p class="empty">${t('search.none')}</p>`}
        ${search.result.nextCursor && html`<button type="button" class="more" onClick=${search.more}>${t('list.more')}</button>`}
      ` : html`
        <${Tabs} state=${state} onSelect=${(tab) => controller.selectTab(tab)} />
        ${state.tab === 'all' && html`<${AllFilter} state=${state} controller=${controller} />`}
        <${DialogList} items=${items} state=${state} controller=${controller} loading=${list.loading} testid="dialog-list" />
        ${!list.loading && !items.length && html`<p class="empty">${t('list.empty')}</p>`}
        ${list.nextCursor && html`<button type="button" class="more" onClick=${() => controller.loadList(true)}>${t('list.more')}</button>`}
      `}
    </aside>`;
}

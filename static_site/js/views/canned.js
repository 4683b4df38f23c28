// The canned-reply picker (docs/operator-ui.md, "Canned replies"): `/` in the composer opens
// it, what follows the `/` filters it (shortcuts that start with it first, then shortcuts that
// hold it, then texts that hold it), ↑ ↓ move, Enter inserts the reply rendered for this lead,
// Esc closes. The keys reach it through the composer's textarea, which keeps the focus.

import { html } from '../lib.js';
import { t } from '../i18n.js';

const SHOWN = 8;

// The `/word` just before the caret, at the start of the text or after a space: what the
// picker filters by ({ start, query }), or null when the caret is not in one.
export function slashQuery(text, caret) {
  const before = text.slice(0, caret);
  const match = /(^|\s)\/([^\s/]*)$/.exec(before);
  if (!match) return null;
  return { start: before.length - match[2].length - 1, query: match[2] };
}

// The replies for `query`, in the picker's order.
export function filterReplies(replies, query) {
  const q = (query || '').toLowerCase();
  const starts = [];
  const holds = [];
  const inText = [];
  for (const reply of replies) {
    const shortcut = reply.shortcut.toLowerCase();
    if (shortcut.startsWith(q)) starts.push(reply);
    else if (shortcut.includes(q)) holds.push(reply);
    else if ((reply.text || '').toLowerCase().includes(q)) inText.push(reply);
  }
  return [...starts, ...holds, ...inText].slice(0, SHOWN);
}

export function CannedPicker({ items, active, loading, failed, onChoose, onHover }) {
  return html`
    <div class="canned-picker" data-testid="canned-picker" role="listbox" aria-label=${t('canned.title')}>
      ${loading && html`<p class="canned-note">${t('canned.loading')}</p>`}
      ${failed && html`<p class="canned-note error">${t('canned.failed')}</p>`}
      ${!loading && !failed && items.length === 0 && html`<p class="canned-note">${t('canned.none')}</p>`}
      ${items.map((reply, index) => html`
        <div key=${`${reply.scope}:${reply.shortcut}`} role="option" aria-selected=${index === active ? 'true' : 'false'}
          class=${`canned-option ${index === active ? 'active' : ''}`} data-testid="canned-option"
          data-shortcut=${reply.shortcut}
          onMouseDown=${(e) => { e.preventDefault(); onChoose(reply); }} onMouseEnter=${() => onHover(index)}>
          <span class="canned-shortcut">/${reply.shortcut}</span>
          <span class="canned-scope">${t(`canned.scope.${reply.scope}`)}</span>
          <span class="canned-text">${reply.rendered !== undefined ? reply.rendered : reply.text}</span>
        </div>`)}
    </div>`;
}

// The lead's messages (R9, R12): the newest portion first, the previous portion when the
// operator scrolls to the top, keeping the message they were reading where it was.

import { html, useLayoutEffect, useRef } from '../lib.js';
import { formatDateTime, formatMessageTime, t } from '../i18n.js';
import { LinkedText, safeHttpUrl } from './common.js';

const LOAD_OLDER_WITHIN_PX = 120;
const STICK_TO_BOTTOM_PX = 80;

function Attachment({ attachment }) {
  const href = safeHttpUrl(attachment.url);
  const name = attachment.name || 'file';
  if (attachment.preview && href) {
    return html`
      <a class="attachment-preview" data-testid="attachment-preview" href=${href} target="_blank"
        rel="noopener noreferrer" title=${t('attachment.open', { name })}>
        <img src=${href} alt=${name} loading="lazy" />
      </a>`;
  }
  if (!href) return html`<span class="attachment-link" data-testid="attachment-link">${name}</span>`;
  return html`
    <a class="attachment-link" data-testid="attachment-link" href=${href} target="_blank" rel="noopener noreferrer"
      download=${name}>${name}</a>`;
}

function author(message, bots, lead) {
  if (message.from === 'operator' || message.from === 'note') return message.operator || t('from.operator');
  if (message.from === 'lead') return (lead && lead.name) || t('from.lead');
  if (message.from === 'bot') return (lead && bots[lead.bot]) || t('from.bot');
  return t('from.system');
}

function Message({ message, bots, lead }) {
  const from = ['lead', 'bot', 'operator', 'system', 'note'].includes(message.from) ? message.from : 'system';
  // A private note: for operators only (never sent to the lead), labelled and tinted apart.
  return html`
    <div class=${`message from-${from}`} data-testid="message" data-seq=${message.seq} data-from=${message.from}>
      ${from !== 'system' && html`<div class="message-author">
        ${from === 'note' && html`<span class="note-label" data-testid="note-label">${t('note.label')}</span>`}
        ${author(message, bots, lead)}</div>`}
      ${message.text && html`<div class="message-text"><${LinkedText} text=${message.text} /></div>`}
      ${(message.attachments || []).length > 0 && html`
        <div class="attachments">
          ${message.attachments.map((a) => html`<${Attachment} key=${a.upload_id} attachment=${a} />`)}
        </div>`}
      <div class="message-meta">
        <time datetime=${message.created_at} title=${formatDateTime(message.created_at)}>${formatMessageTime(message.created_at)}</time>
        ${message.delivery && html`<span class=${`delivery delivery-${message.delivery}`}>${t(`delivery.${message.delivery}`)}</span>`}
      </div>
    </div>`;
}

export function MessageList({ dialog, bots, onLoadOlder }) {
  const list = useRef(null);
  const seen = useRef({ version: -1, first: null, last: null, height: 0, top: 0, nearBottom: true });
  const messages = dialog.messages;
  const first = messages.length ? messages[0].seq : null;
  const last = messages.length ? messages[messages.length - 1].seq : null;

  // After every render: keep the reading position when older messages were put on top,
  // follow the conversation when the operator was at the bottom.
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const before = seen.current;
    if (before.version !== dialog.version) {
      element.scrollTop = element.scrollHeight;
    } else if (first !== before.first && last === before.last) {
      element.scrollTop = element.scrollHeight - before.height + before.top;
    } else if (last !== before.last && before.nearBottom) {
      element.scrollTop = element.scrollHeight;
    }
    seen.current = {
      version: dialog.version, first, last, height: element.scrollHeight, top: element.scrollTop,
      nearBottom: element.scrollHeight - element.scrollTop - element.clientHeight < STICK_TO_BOTTOM_PX,
    };
    // A short history that does not fill the panel cannot be scrolled: load on.
    if (dialog.hasOlder && !dialog.loadingOlder && element.scrollHeight <= element.clientHeight) onLoadOlder();
  });

  function onScroll() {
    const element = list.current;
    seen.current = {
      ...seen.current, height: element.scrollHeight, top: element.scrollTop,
      nearBottom: element.scrollHeight - element.scrollTop - element.clientHeight < STICK_TO_BOTTOM_PX,
    };
    if (element.scrollTop < LOAD_OLDER_WITHIN_PX && dialog.hasOlder) onLoadOlder();
  }

  return html`
    <div class="message-list" data-testid="message-list" ref=${list} onScroll=${onScroll}
      aria-busy=${dialog.loading || dialog.loadingOlder ? 'true' : 'false'}>
      ${!dialog.hasOlder && !dialog.loading && messages.length > 0 && html`<p class="list-note">${t('messages.beginning')}</p>`}
      ${messages.map((m) => html`<${Message} key=${m.seq} message=${m} bots=${bots} lead=${dialog.lead} />`)}
      ${dialog.loading && !messages.length && html`<p class="list-note">${t('messages.loading')}</p>`}
      ${dialog.error && html`<p class="list-note error">${t('messages.load_failed')}</p>`}
    </div>`;
}

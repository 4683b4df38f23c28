// Small pieces shared by the views. Everything from leads and bots is rendered as text
// nodes by Preact; URLs become links only when they are http(s).

import { html } from '../lib.js';

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;

export function safeHttpUrl(value) {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch (_) {
    return null;
  }
}

// Text with its http(s) links made clickable; every part stays a text node.
export function LinkedText({ text }) {
  if (!text) return null;
  const parts = [];
  let last = 0;
  for (const match of String(text).matchAll(URL_RE)) {
    const href = safeHttpUrl(match[0].replace(/[.,;:!?)]+$/, ''));
    if (!href) continue;
    const raw = match[0].replace(/[.,;:!?)]+$/, '');
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(html`<a href=${href} target="_blank" rel="noopener noreferrer">${raw}</a>`);
    last = match.index + raw.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function hash(text) {
  let h = 0;
  for (const ch of String(text || '')) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h;
}

export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0]).join('');
  return (letters || '?').toUpperCase();
}

export function Avatar({ name, url, seed, size = 'small' }) {
  const src = safeHttpUrl(url);
  if (src) return html`<img class=${`avatar avatar-${size}`} src=${src} alt="" referrerpolicy="no-referrer" />`;
  return html`<span class=${`avatar avatar-${size} avatar-color-${hash(seed || name) % 8}`} aria-hidden="true">${initials(name)}</span>`;
}

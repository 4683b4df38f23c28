// What an alert shows besides its sound (issue 19, docs/operator-ui.md "Alerts"): a desktop
// notification, the unseen count in the page title and a badge on the favicon. Which tab
// delivers an alert, and when, is decided in sounds.js under R13's rules; this module only
// shows things. The title and the favicon follow the store's `unseen` (alerts that came while
// the page was hidden; zero again once it is shown).

import { t } from './i18n.js';

const ICON_SIZE = 64;
const BADGE_COLOR = '#d93025';

export function notificationsSupported() {
  return typeof window.Notification === 'function';
}

export function notificationPermission() {
  return notificationsSupported() ? window.Notification.permission : 'unsupported';
}

export class Alerts {
  // openDialog(id): what a click on a notification does after focusing the window.
  constructor({ openDialog }) {
    this.openDialog = openDialog;
    this.shownCount = null;
    this.icon = document.querySelector('link[rel="icon"]');
    this.originalIcon = this.icon ? this.icon.getAttribute('href') : null;
    this.iconImage = null;
    this.blobUrl = null;
    this.drawing = 0;
  }

  // Only from a user gesture: browsers refuse (or quietly deny) a request made without one.
  requestPermission() {
    if (!notificationsSupported() || window.Notification.permission !== 'default') return Promise.resolve();
    try {
      const asked = window.Notification.requestPermission();
      return asked && typeof asked.then === 'function' ? asked : Promise.resolve();
    } catch (_) {
      return Promise.resolve();
    }
  }

  // A desktop notification; true if one was shown. `info`: { dialogId, name, unread, alert }.
  notify(kind, info) {
    if (notificationPermission() !== 'granted') return false;
    const title = kind === 'reminder' ? t('alert.reminder', { n: info.unread || 1 }) : t(`alert.${kind}`);
    const options = { body: info.name || '', tag: info.alert || `handover-${kind}`, lang: document.documentElement.lang };
    let notification;
    try {
      notification = new window.Notification(title, options);
    } catch (_) {
      // Chrome on Android allows notifications only from a service worker: none here.
      return false;
    }
    notification.onclick = () => {
      window.focus();
      if (info.dialogId) this.openDialog(info.dialogId);
      if (typeof notification.close === 'function') notification.close();
    };
    return true;
  }

  // The title and the favicon for `unseen` alerts; nothing is redrawn while the count stays.
  show(unseen) {
    const count = Math.max(0, Number(unseen) || 0);
    const base = t('app.title');
    document.title = count > 0 ? `(${count}) ${base}` : base;
    if (count === this.shownCount) return;
    this.shownCount = count;
    this.drawIcon(count);
  }

  // Signed out: the plain title and icon.
  stop() {
    this.shownCount = null;
    this.drawing += 1;
    document.title = t('app.title');
    this.restoreIcon();
  }

  restoreIcon() {
    if (this.icon && this.originalIcon) this.icon.setAttribute('href', this.originalIcon);
    if (this.icon) delete this.icon.dataset.badge;
    if (this.blobUrl) URL.revokeObjectURL(this.blobUrl);
    this.blobUrl = null;
  }

  // The favicon with a red badge, drawn on a canvas. A blob: URL, not data:, because the CSP's
  // img-src allows `blob:` (only this page's own script can mint one) and not `data:`.
  async drawIcon(count) {
    const drawing = ++this.drawing;
    if (!this.icon) return;
    if (count === 0) {
      this.restoreIcon();
      return;
    }
    const image = await this.loadIcon();
    if (drawing !== this.drawing) return;
    const canvas = document.createElement('canvas');
    canvas.width = ICON_SIZE;
    canvas.height = ICON_SIZE;
    const g = canvas.getContext('2d');
    if (!g) return;
    if (image) g.drawImage(image, 0, 0, ICON_SIZE, ICON_SIZE);
    const radius = ICON_SIZE * 0.3;
    const cx = ICON_SIZE - radius;
    const cy = radius;
    g.fillStyle = BADGE_COLOR;
    g.beginPath();
    g.arc(cx, cy, radius, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = '#fff';
    g.font = `bold ${Math.round(radius * 1.3)}px sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(count > 9 ? '9+' : String(count), cx, cy + 1);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob || drawing !== this.drawing) return;
    const previous = this.blobUrl;
    this.blobUrl = URL.createObjectURL(blob);
    this.icon.setAttribute('href', this.blobUrl);
    this.icon.dataset.badge = String(count);
    if (previous) URL.revokeObjectURL(previous);
  }

  loadIcon() {
    if (this.iconImage) return this.iconImage;
    this.iconImage = new Promise((resolve) => {
      if (!this.originalIcon) {
        resolve(null);
        return;
      }
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => resolve(null); // the badge alone still says it
      image.src = this.originalIcon;
    });
    return this.iconImage;
  }
}

// Sound notifications (R13, R14) and, with them, the desktop notification and the
// acknowledgement of each alert (issue 19; docs/operator-ui.md "Alerts"). The server sends
// events; this module decides whether an alert is delivered: only for the Waiting and Mine
// tabs, only while the page is hidden, and in ONE of the operator's open contact-center tabs.
//
// One tab per alert (BroadcastChannel claims, not Web Locks: a lock holder is chosen before
// anyone knows whether it can play, and a lock cannot be handed to "the next tab that can"):
// every tab that receives an alert posts a claim with its id, its visibility and whether it
// can play (sound on, not refused by the browser); after a short window each tab computes the
// same choice from the same claims. A visible tab: nobody plays (the operator is looking) and
// the first visible tab acknowledges it as seen. Otherwise the first tab that can play plays
// and shows the desktop notification; if none can, the first tab shows the notification
// alone. A tab whose play() the browser refuses hands the alert over to the next tab that can
// play (a `handover` message) and says it cannot play in its next claims; with no other tab
// left, it shows the notification as the fallback. The tab that delivered (played or showed)
// acknowledges the alert to the server, once.

const SOURCES = {
  'new-dialog': 'sounds/new-dialog.wav',
  'new-message': 'sounds/new-message.wav',
  reminder: 'sounds/reminder.wav',
};
const ENABLED_KEY = 'handover.sound';
const CLAIM_WINDOW_MS = 250;
const SOUND_TABS = new Set(['waiting', 'mine']);

export function isHidden() {
  return document.visibilityState === 'hidden';
}

function first(pages) {
  return [...pages].sort()[0];
}

export class Sounds {
  // onChange(): the toggle's state changed. deliver(kind, info, played) shows the desktop
  // notification (true if shown). ack(alertId) tells the server an alert was delivered.
  constructor(onChange, { deliver, ack } = {}) {
    this.onChange = onChange || (() => {});
    this.showNotification = deliver || (() => false);
    this.ack = ack || (() => {});
    this.tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    this.audio = {};
    for (const [name, src] of Object.entries(SOURCES)) {
      const element = document.createElement('audio');
      element.src = src;
      element.preload = 'auto';
      element.dataset.sound = name;
      this.audio[name] = element;
    }
    let saved = null;
    try {
      saved = localStorage.getItem(ENABLED_KEY);
    } catch (_) {
      saved = null;
    }
    this.enabled = saved !== 'off';
    // Browsers refuse to play before the page has had a user gesture. Signing in is one;
    // a reload with a stored session is not, so the toggle asks for a click then.
    this.blocked = !(navigator.userActivation ? navigator.userActivation.hasBeenActive : true);
    // A play() the browser refused (autoplay policy): "sound blocked — click to fix".
    this.refused = false;
    // A test chime played in this page (the one-click "enable sound" disappears then).
    this.tested = false;
    this.claims = new Map();
    this.channel = 'BroadcastChannel' in window ? new BroadcastChannel('handover.sounds') : null;
    if (this.channel) {
      this.channel.addEventListener('message', (event) => this.receive(event.data));
    }
  }

  get canPlay() {
    return this.enabled && !this.blocked && !this.refused;
  }

  // The toggle: turning sound on plays a test sound, which also proves the browser lets it.
  toggle() {
    const turnOn = !this.enabled || this.blocked || this.refused;
    this.enabled = turnOn;
    try {
      localStorage.setItem(ENABLED_KEY, turnOn ? 'on' : 'off');
    } catch (_) {
      // the choice lasts for this page only
    }
    this.blocked = false;
    if (turnOn) this.test();
    this.onChange();
  }

  // The test chime, from a click: it unblocks sound if the browser lets it play.
  test() {
    this.blocked = false;
    this.refused = false;
    return this.play('new-message').then((played) => {
      if (played) this.tested = true;
      this.onChange();
      return played;
    });
  }

  // Called with a user gesture in progress (the sign-in click): sound is allowed from now on.
  unlocked() {
    this.blocked = false;
    this.onChange();
  }

  // tab: the tab the event is about ('waiting' | 'mine' | 'all' | null for reminders).
  // info: { alert, dialogId, name, unread } for the notification and the acknowledgement.
  notify(kind, key, tab, info = {}) {
    if (!SOURCES[kind]) return;
    if (tab !== null && !SOUND_TABS.has(tab)) return;
    const claimKey = `${kind}:${key}`;
    const claim = { key: claimKey, page: this.tabId, visible: !isHidden(), canPlay: this.canPlay };
    this.addClaim(claim);
    if (this.channel) this.channel.postMessage(claim);
    const entry = this.claims.get(claimKey);
    entry.kind = kind;
    entry.info = info;
    if (entry.timer) return;
    entry.timer = setTimeout(() => this.decide(claimKey), CLAIM_WINDOW_MS);
  }

  receive(message) {
    if (!message || typeof message.key !== 'string' || typeof message.page !== 'string') return;
    if (message.handover) {
      this.handedOver(message);
      return;
    }
    this.addClaim(message);
  }

  addClaim(claim) {
    let entry = this.claims.get(claim.key);
    if (!entry) {
      entry = { pages: new Set(), players: new Set(), visiblePages: new Set(), failed: new Set(), timer: null,
        mine: false, decided: false };
      this.claims.set(claim.key, entry);
      // Forget the claim well after every tab has decided.
      setTimeout(() => this.claims.delete(claim.key), CLAIM_WINDOW_MS * 20);
    }
    entry.pages.add(claim.page);
    if (claim.visible) entry.visiblePages.add(claim.page);
    if (claim.canPlay) entry.players.add(claim.page);
    if (claim.page === this.tabId) entry.mine = true;
  }

  // The same choice in every tab, from the same claims.
  chosen(entry) {
    const players = [...entry.players].filter((page) => !entry.failed.has(page));
    if (players.length) return first(players);
    // Nobody can play: the first tab shows the notification (one that failed to play included).
    return first(entry.pages);
  }

  decide(claimKey) {
    const entry = this.claims.get(claimKey);
    if (!entry || !entry.mine) return;
    entry.decided = true;
    if (entry.visiblePages.size || !isHidden()) {
      // R13: nothing plays while the operator looks at the contact center; the alert is seen.
      if (!isHidden() && first(entry.visiblePages) === this.tabId) this.acknowledge(entry);
      return;
    }
    if (this.chosen(entry) === this.tabId) this.deliver(claimKey, entry);
  }

  async deliver(claimKey, entry) {
    let played = false;
    if (this.canPlay) {
      played = await this.play(entry.kind);
      if (!played) {
        // Refused: the next tab that can play takes this alert over, if there is one.
        entry.failed.add(this.tabId);
        if (this.channel) this.channel.postMessage({ key: claimKey, page: this.tabId, handover: true });
        if (this.chosen(entry) !== this.tabId) return;
      }
    }
    const shown = this.showNotification(entry.kind, entry.info || {}, played);
    if (played || shown) this.acknowledge(entry);
  }

  // Another tab could not play this alert: if the choice now falls on this tab, it delivers.
  handedOver(message) {
    const entry = this.claims.get(message.key);
    if (!entry) return;
    entry.failed.add(message.page);
    entry.players.delete(message.page);
    if (entry.decided && entry.mine && isHidden() && !entry.visiblePages.size && this.chosen(entry) === this.tabId) {
      this.deliver(message.key, entry);
    }
  }

  acknowledge(entry) {
    if (entry.acked || !entry.info || !entry.info.alert) return;
    entry.acked = true;
    this.ack(entry.info.alert);
  }

  // Resolves to whether the sound played. A refusal by the browser's autoplay policy marks
  // the sound as refused (the top bar says so and offers the fix).
  play(kind) {
    const element = this.audio[kind];
    element.currentTime = 0;
    let played;
    try {
      played = element.play();
    } catch (error) {
      played = Promise.reject(error);
    }
    if (!played || typeof played.then !== 'function') return Promise.resolve(true);
    return played.then(() => true, (error) => {
      if (error && error.name === 'NotAllowedError') {
        this.refused = true;
        this.onChange();
      }
      return false;
    });
  }
}

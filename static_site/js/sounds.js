// Sound notifications (R13, R14). The server sends events; this module decides whether a
// sound plays: only for the Waiting and Mine tabs, only while this page is hidden, only if
// the operator left sound on, and only in ONE of the operator's open contact-center tabs.
//
// One tab per sound: every tab that receives a sound-worthy event posts a claim for it on a
// BroadcastChannel with its id and visibility, waits a short moment, and plays only if no
// tab is visible (the operator is looking at the contact center already) and its own id is
// the smallest among the claims. Every tab receives the same websocket events, so every tab
// claims; exactly one plays.

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

export class Sounds {
  constructor(onChange) {
    this.onChange = onChange || (() => {});
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
    this.claims = new Map();
    this.channel = 'BroadcastChannel' in window ? new BroadcastChannel('handover.sounds') : null;
    if (this.channel) {
      this.channel.addEventListener('message', (event) => this.receiveClaim(event.data));
    }
  }

  // The toggle: turning sound on plays a test sound, which also proves the browser lets it.
  toggle() {
    const turnOn = !this.enabled || this.blocked;
    this.enabled = turnOn;
    try {
      localStorage.setItem(ENABLED_KEY, turnOn ? 'on' : 'off');
    } catch (_) {
      // the choice lasts for this page only
    }
    if (turnOn) this.play('new-message');
    this.blocked = false;
    this.onChange();
  }

  // Called with a user gesture in progress (the sign-in click): sound is allowed from now on.
  unlocked() {
    this.blocked = false;
    this.onChange();
  }

  // tab: the tab the event is about ('waiting' | 'mine' | 'all' | null for reminders).
  notify(kind, key, tab) {
    if (!SOURCES[kind]) return;
    if (tab !== null && !SOUND_TABS.has(tab)) return;
    const claimKey = `${kind}:${key}`;
    const claim = { key: claimKey, page: this.tabId, visible: !isHidden() };
    this.addClaim(claim);
    if (this.channel) this.channel.postMessage(claim);
    const entry = this.claims.get(claimKey);
    if (entry.timer) return;
    entry.timer = setTimeout(() => this.decide(kind, claimKey), CLAIM_WINDOW_MS);
  }

  receiveClaim(claim) {
    if (!claim || typeof claim.key !== 'string' || typeof claim.page !== 'string') return;
    this.addClaim(claim);
  }

  addClaim(claim) {
    let entry = this.claims.get(claim.key);
    if (!entry) {
      entry = { pages: new Set(), visible: false, timer: null, mine: false };
      this.claims.set(claim.key, entry);
      // Forget the claim well after every tab has decided.
      setTimeout(() => this.claims.delete(claim.key), CLAIM_WINDOW_MS * 20);
    }
    entry.pages.add(claim.page);
    if (claim.visible) entry.visible = true;
    if (claim.page === this.tabId) entry.mine = true;
  }

  decide(kind, claimKey) {
    const entry = this.claims.get(claimKey);
    if (!entry || !entry.mine || entry.visible || !isHidden()) return;
    const first = [...entry.pages].sort()[0];
    if (first !== this.tabId) return;
    if (this.enabled) this.play(kind);
  }

  play(kind) {
    const element = this.audio[kind];
    element.currentTime = 0;
    const played = element.play();
    if (played && typeof played.catch === 'function') {
      played.catch((error) => {
        if (error && error.name === 'NotAllowedError') {
          this.blocked = true;
          this.onChange();
        }
      });
    }
  }
}

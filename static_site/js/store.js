// The contact center's state and everything that changes it: REST calls, resync after a
// reconnect, the tab list, the dialog panel, sounds. Live websocket events go through the
// reducer in live_events.js; this store applies its state and performs its side effects.
// Views read `state` and call the methods; they hold no data of their own beyond form inputs.

import { enc } from './api.js';
import { Live } from './live.js';
import { advanceThrough, applyListChange, mergeMessages, reduceLiveEvent } from './live_events.js';
import { Alerts } from './alerts.js';
import { Sounds, isHidden } from './sounds.js';
import { TeamPresence } from './presence.js';
import { CLOCK_TICK_MS, skewOf } from './wait_clock.js';

export const TABS = ['waiting', 'mine', 'all'];
const OLDER_PAGE = 50;
const BACKFILL_PAGE = 100;
// A hole in seq that the server cannot fill yet is asked again this many times, this far apart
// (a message whose write is still being retried); then it is taken as a hole in seq.
const HOLE_RETRIES = 5;
const HOLE_RETRY_MS = 1000;
// Every this often, while the page is visible and the socket open, what a lost frame could have
// left stale is checked: the open dialog's messages after the last contiguous one, and the
// counts (the list is read again if the shown tab's count differs). Two small reads a minute.
const SWEEP_MS = 30000;
// A `counts` frame that moved the shown tab's count and no list frame within this: read the list.
const LIST_FRAME_GRACE_MS = 1500;

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Store {
  constructor(api) {
    this.api = api;
    this.listeners = new Set();
    this.state = {
      operator: api.operator,
      connection: 'connecting',
      counts: { waiting: 0, mine: 0, all: 0 },
      tab: 'waiting',
      list: { items: [], nextCursor: null, loading: true },
      // The All tab's filter (views/sidebar.js): '' is every state / every bot.
      allFilter: { state: '', bot: '' },
      bots: {},
      dialog: null,
      // On a phone the information panel would cover the messages: it opens on demand there.
      infoVisible: !window.matchMedia('(max-width: 720px)').matches,
      leadPage: false,
      notice: null,
      late: new Set(), // dialogs waiting too long (dialog.waiting_too_long)
      team: {}, // username -> { presence, status, open_dialogs } (presence.js)
      presence: null, // this operator's own
      unseen: 0, // alerts that came while the page was hidden: the title and the favicon badge
      // The waiting clocks' threshold and skew (wait_clock.js), from /api/me; `now` moves them.
      clock: null,
      now: Date.now(),
      mentions: [], // notes that @-mention me (dialog.mentioned), until opened or dismissed
    };
    this.presence = new TeamPresence(this);
    // A new state object, so that the views see the sound toggle change.
    this.alerts = new Alerts({ openDialog: (id) => this.openDialog(id) });
    this.sounds = new Sounds(() => this.set({}), {
      deliver: (kind, info) => this.alerts.notify(kind, info),
      ack: (alert) => this.live.send({ action: 'ack', alert }),
    });
    this.live = new Live(api, {
      onEvent: (event) => this.onEvent(event),
      onStatus: (status) => this.set({ connection: status }),
      onOpen: (reconnected) => this.onOpen(reconnected),
    });
    this.listRequest = 0;
    this.countsRequest = 0;
    this.leadRequest = 0;
    // Tab events that arrive while the tab's first page is being read: applied again on top
    // of the page, which may have been read before they happened.
    this.listEvents = null;
    this.readTimer = null;
    this.countsTimer = null;
    this.listTimer = null;
    this.sweepTimer = null;
    // List frames since the last `counts` frame (dialog.added / dialog.removed on the shown tab).
    this.listFrames = 0;
    this.backfilling = null;
    this.backfillAgain = false;
    this.holeRetries = 0;
    this.viewSeq = 0;
    this.onVisibility = () => this.visibilityChanged();
  }

  // --- plumbing -------------------------------------------------------------------------

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit() {
    for (const listener of this.listeners) listener(this.state);
  }

  set(patch) {
    this.state = { ...this.state, ...patch };
    this.emit();
  }

  setDialog(patch) {
    if (!this.state.dialog) return;
    this.set({ dialog: { ...this.state.dialog, ...patch } });
  }

  fail(error) {
    this.set({ notice: { key: error && error.status === 409 ? 'error.conflict' : 'error.generic', reason: error ? error.message : '' } });
  }

  dismissNotice() {
    this.set({ notice: null });
  }

  start() {
    this.alerts.show(this.state.unseen);
    this.unwatchAlerts = this.subscribe((state) => this.alerts.show(state.unseen));
    document.addEventListener('visibilitychange', this.onVisibility);
    this.live.start();
    this.loadBots();
    this.loadClock();
    this.loadCounts();
    this.loadList();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.clockTimer = setInterval(() => this.set({ now: Date.now() }), CLOCK_TICK_MS);
  }

  stop() {
    if (this.unwatchAlerts) this.unwatchAlerts();
    this.alerts.stop();
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearInterval(this.sweepTimer);
    clearInterval(this.clockTimer);
    this.live.stop();
  }

  // The safety net under the live frames: a frame lost on an open socket (a failed push) leaves
  // nothing stale for longer than this. Only while visible and online; a hidden page catches up
  // when it is shown again.
  async sweep() {
    if (isHidden() || this.state.connection !== 'online') return;
    const dialog = this.state.dialog;
    if (dialog && !dialog.loading) this.backfill(dialog.id);
    const tab = this.state.tab;
    const before = this.state.counts[tab];
    await this.loadCounts();
    if (this.state.tab === tab && this.state.counts[tab] !== before) this.loadList();
  }

  sendView() {
    const { dialog, tab } = this.state;
    // Numbered: the server may run two `view` frames out of order and keeps only the newest.
    this.viewSeq += 1;
    this.live.send({ action: 'view', dialog_id: dialog ? dialog.id : null, tab, view_seq: this.viewSeq });
  }

  onOpen(reconnected) {
    this.presence.opened();
    this.sendView();
    this.live.send({ action: 'visibility', visible: !isHidden() });
    // Events flow from now on; what changed before (since the first read, or during a drop)
    // is read again.
    if (reconnected) this.resync();
    else {
      this.loadCounts();
      this.loadList();
    }
  }

  // After a drop: everything that changed meanwhile, with no manual refresh (by seq for the
  // open dialog's messages, by re-reading the counts and the tab for the list).
  async resync() {
    this.loadCounts();
    this.loadList();
    const dialog = this.state.dialog;
    if (!dialog) return;
    await this.refreshLead(dialog.id);
    await this.backfill(dialog.id);
  }

  // The open dialog's lead, read again (after a drop, or a `lead.changed` frame: a lead too
  // large to push). Only the newest read is applied: reads answered out of order are stale.
  async refreshLead(id) {
    const request = ++this.leadRequest;
    try {
      const body = await this.api.get(`/api/dialogs/${enc(id)}?limit=1`);
      if (request === this.leadRequest && this.isOpen(id)) this.setDialog({ lead: body.lead });
    } catch (error) {
      this.fail(error);
    }
  }

  visibilityChanged() {
    const visible = !isHidden();
    this.live.send({ action: 'visibility', visible });
    if (visible) this.markReadSoon();
    if (visible && this.state.unseen) this.set({ unseen: 0 });
  }

  // A notifiable event (live_events.js `sound`): counted while hidden, then delivered or not
  // by sounds.js (one tab, R13).
  alert(effect) {
    // Counted by the server's word: only notifiable frames carry an `alert` id.
    const counted = effect.kind === 'reminder' || Boolean(effect.info && effect.info.alert);
    if (counted && isHidden()) {
      const unread = effect.kind === 'reminder' ? Number(effect.info && effect.info.unread) || 0 : 0;
      this.set({ unseen: effect.kind === 'reminder' ? Math.max(this.state.unseen, unread) : this.state.unseen + 1 });
    }
    this.sounds.notify(effect.kind, effect.key, effect.tab, effect.info);
  }

  // --- data -----------------------------------------------------------------------------

  async loadBots() {
    try {
      const body = await this.api.get('/api/bots');
      const bots = {};
      for (const bot of body.items || []) bots[bot.id] = bot.name;
      this.set({ bots });
    } catch (_) {
      // Names are a nicety: without them the bot's id is shown.
    }
  }

  // The server's threshold of the "waiting too long" mark, and its clock (wait_clock.js).
  async loadClock() {
    try {
      const sent = Date.now();
      const me = await this.api.get('/api/me');
      const clock = { thresholdSeconds: Number(me.waiting_too_long_seconds) || 0, skewMs: skewOf(me.now, sent, Date.now()) };
      this.set({ clock, now: Date.now() });
    } catch (_) {
      // Without it the clocks run on the page's own time and nothing is marked; the frames still mark.
    }
  }

  async loadCounts() {
    const request = ++this.countsRequest;
    try {
      const counts = await this.api.get('/api/counts');
      // A `counts` frame that came meanwhile is newer than this answer.
      if (request === this.countsRequest) this.set({ counts });
    } catch (_) {
      // the websocket's `counts` events will bring them
    }
  }

  async loadList(more = false) {
    const tab = this.state.tab;
    const request = ++this.listRequest;
    const cursor = more ? this.state.list.nextCursor : null;
    if (!more) this.listEvents = [];
    this.set({ list: { ...this.state.list, loading: true } });
    try {
      const params = new URLSearchParams();
      if (cursor) params.set('cursor', cursor);
      if (tab === 'all' && this.state.allFilter.state) params.set('state', this.state.allFilter.state);
      if (tab === 'all' && this.state.allFilter.bot) params.set('bot_id', this.state.allFilter.bot);
      const query = params.toString() ? `?${params}` : '';
      const body = await this.api.get(`/api/tabs/${tab}${query}`);
      if (request !== this.listRequest) return;
      let items;
      if (more) {
        items = mergeSummaries(this.state.list.items, body.items || []);
      } else {
        items = body.items || [];
        for (const change of this.listEvents || []) items = applyListChange(items, change);
        this.listEvents = null;
      }
      this.set({ list: { items, nextCursor: body.next_cursor || null, loading: false } });
    } catch (error) {
      if (request !== this.listRequest) return;
      if (!more) this.listEvents = null;
      this.set({ list: { ...this.state.list, loading: false } });
      this.fail(error);
    }
  }

  setAllFilter(filter) {
    this.set({ allFilter: { ...this.state.allFilter, ...filter }, list: { items: [], nextCursor: null, loading: true } });
    this.loadList();
  }

  // One page of `GET /api/search` (views/sidebar.js keeps the results: they do not follow live events).
  search(q, cursor = null) {
    const params = new URLSearchParams({ q });
    if (cursor) params.set('cursor', cursor);
    return this.api.get(`/api/search?${params}`);
  }

  selectTab(tab) {
    if (!TABS.includes(tab)) return;
    this.set({ tab, list: { items: [], nextCursor: null, loading: true } });
    this.sendView();
    this.loadList();
  }

  isOpen(id) {
    return Boolean(this.state.dialog && this.state.dialog.id === id);
  }

  async openDialog(id) {
    this.set({
      dialog: {
        id, lead: null, messages: [], hasOlder: false, loading: true, loadingOlder: false, error: false, version: 0,
        viewAcked: false, through: 0,
      },
      leadPage: false,
      notice: null,
    });
    this.sendView();
    await this.reloadMessages();
  }

  // R5: fully reload the open dialog (its lead and the newest portion of its messages).
  async reloadMessages() {
    const dialog = this.state.dialog;
    if (!dialog) return;
    this.setDialog({ loading: true, error: false, missedWhileLoading: false });
    try {
      const body = await this.api.get(`/api/dialogs/${enc(dialog.id)}`);
      if (!this.isOpen(dialog.id)) return;
      const page = body.messages || { items: [] };
      const messages = [...(page.items || [])].reverse();
      this.setDialog({
        lead: body.lead,
        messages,
        // The newest page is complete up to its newest message.
        through: messages.length ? messages[messages.length - 1].seq : 0,
        hasOlder: Boolean(page.next_cursor),
        loading: false,
        version: this.state.dialog.version + 1,
      });
      if (this.state.dialog.viewAcked || this.state.dialog.missedWhileLoading) this.backfill(dialog.id);
      this.markReadSoon();
    } catch (error) {
      if (!this.isOpen(dialog.id)) return;
      this.setDialog({ loading: false, error: true });
      this.fail(error);
    }
  }

  // R9: the portion before the oldest message shown.
  async loadOlder() {
    const dialog = this.state.dialog;
    if (!dialog || dialog.loading || dialog.loadingOlder || !dialog.hasOlder || !dialog.messages.length) return;
    this.setDialog({ loadingOlder: true });
    try {
      const oldest = dialog.messages[0].seq;
      const page = await this.api.get(`/api/dialogs/${enc(dialog.id)}/messages?before=${oldest}&limit=${OLDER_PAGE}`);
      if (!this.isOpen(dialog.id)) return;
      this.setDialog({
        messages: mergeMessages(this.state.dialog.messages, page.items || []),
        hasOlder: Boolean(page.next_cursor) && (page.items || []).length > 0,
        loadingOlder: false,
      });
    } catch (error) {
      if (!this.isOpen(dialog.id)) return;
      this.setDialog({ loadingOlder: false });
      this.fail(error);
    }
  }

  // Everything after the last contiguous message (`through`), oldest first, page by page: a
  // message lost anywhere above it is fetched, not skipped. One backfill runs at a time; one
  // asked for meanwhile runs again after it (it may follow a newer frame).
  async backfill(id) {
    if (this.backfilling === id) {
      this.backfillAgain = true;
      return;
    }
    this.backfilling = id;
    try {
      do {
        this.backfillAgain = false;
        await this.backfillOnce(id);
      } while (this.backfillAgain && this.isOpen(id));
    } finally {
      if (this.backfilling === id) this.backfilling = null;
    }
  }

  async backfillOnce(id) {
    for (let round = 0; round < 1000; round += 1) {
      const dialog = this.state.dialog;
      if (!dialog || dialog.id !== id || dialog.loading) return;
      const after = dialog.through || 0;
      let page;
      try {
        page = await this.api.get(`/api/dialogs/${enc(id)}/messages?after=${after}&limit=${BACKFILL_PAGE}`);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (!this.isOpen(id) || this.state.dialog.loading) return;
      const items = page.items || [];
      const messages = mergeMessages(this.state.dialog.messages, items);
      // What the server answered after `after` is all it has there: complete up to its last one.
      const answered = items.length ? Math.max(after, items[items.length - 1].seq) : after;
      const through = advanceThrough(Math.max(this.state.dialog.through || 0, answered), messages);
      this.setDialog({ messages, through });
      if (page.next_cursor && items.length) continue;
      this.settleHole(id);
      return;
    }
  }

  // After a complete backfill, messages above `through` mean a seq the server does not have
  // (yet): ask again a few times, then take it as a hole so that it never blocks what follows.
  settleHole(id) {
    const dialog = this.state.dialog;
    const above = dialog.messages.find((m) => m.seq > (dialog.through || 0));
    if (!above) {
      this.holeRetries = 0;
      return;
    }
    if (this.holeRetries < HOLE_RETRIES) {
      this.holeRetries += 1;
      setTimeout(() => this.isOpen(id) && this.backfill(id), HOLE_RETRY_MS);
      return;
    }
    this.holeRetries = 0;
    this.setDialog({ through: advanceThrough(above.seq, dialog.messages) });
  }

  // R8: hide the panel; the server stops sending this dialog's messages (view: null).
  hidePanel() {
    this.set({ dialog: null, leadPage: false, notice: null });
    this.sendView();
  }

  showInfo(visible) {
    this.set({ infoVisible: visible });
  }

  showLeadPage(visible) {
    this.set({ leadPage: visible });
  }

  markReadSoon() {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.markRead(), 300);
  }

  async markRead() {
    const dialog = this.state.dialog;
    if (!dialog || !dialog.lead || isHidden()) return;
    const summary = this.state.list.items.find((item) => item.lead_id === dialog.id);
    if (!(dialog.lead.unread > 0) && !(summary && summary.unread > 0)) return;
    try {
      const body = await this.api.post(`/api/dialogs/${enc(dialog.id)}/read`);
      if (this.isOpen(dialog.id) && body && body.lead) this.setDialog({ lead: body.lead });
      this.patchSummary(dialog.id, { unread: 0 });
    } catch (_) {
      // an unread badge that stays is harmless; the next event corrects it
    }
  }

  patchSummary(id, patch) {
    const items = this.state.list.items.map((item) => (item.lead_id === id ? { ...item, ...patch } : item));
    this.set({ list: { ...this.state.list, items } });
  }

  async transition(action) {
    const dialog = this.state.dialog;
    if (!dialog) return;
    try {
      const body = await this.api.post(`/api/dialogs/${enc(dialog.id)}/${action}`);
      if (!this.isOpen(dialog.id)) return;
      this.setDialog({ lead: body.lead });
      // Leaving a dialog that is back with the bot only stops following it (R6).
      if (action === 'leave' && body.lead && body.lead.dialog && body.lead.dialog.state === 'bot') this.hidePanel();
      else this.backfill(dialog.id);
    } catch (error) {
      this.fail(error);
      if (error && error.status === 409) this.reloadMessages();
    }
  }

  startConversation() {
    return this.transition('start');
  }

  leave() {
    return this.transition('leave');
  }

  resolve() {
    return this.transition('resolve');
  }

  async saveLead(changes) {
    const dialog = this.state.dialog;
    if (!dialog) return null;
    const lead = await this.api.patch(`/api/dialogs/${enc(dialog.id)}/lead`, changes);
    if (this.isOpen(dialog.id)) this.setDialog({ lead });
    return lead;
  }

  async sendMessage(text, uploadIds) {
    const dialog = this.state.dialog;
    if (!dialog) return;
    const body = { client_id: newClientId() };
    if (text) body.text = text;
    if (uploadIds.length) body.attachments = uploadIds.map((upload_id) => ({ upload_id }));
    const message = await this.api.post(`/api/dialogs/${enc(dialog.id)}/messages`, body);
    if (this.isOpen(dialog.id) && message && typeof message.seq === 'number') {
      const messages = mergeMessages(this.state.dialog.messages, [message]);
      this.setDialog({ messages, through: advanceThrough(this.state.dialog.through || 0, messages) });
    }
  }

  // A private note (docs/operator-api.md, "Notes and mentions"): into the timeline like a message.
  async sendNote(text) {
    const dialog = this.state.dialog;
    if (!dialog) return;
    const note = await this.api.post(`/api/dialogs/${enc(dialog.id)}/notes`, { client_id: newClientId(), text });
    if (this.isOpen(dialog.id) && note && typeof note.seq === 'number') {
      const messages = mergeMessages(this.state.dialog.messages, [note]);
      this.setDialog({ messages, through: advanceThrough(this.state.dialog.through || 0, messages) });
    }
  }

  // The team's and my canned replies, rendered for the open dialog's lead (views/canned.js).
  async cannedReplies() {
    const dialog = this.state.dialog;
    const query = dialog ? `?lead_id=${enc(dialog.id)}` : '';
    const answer = await this.api.get(`/api/canned-replies${query}`);
    return (answer && answer.items) || [];
  }

  // A mention notice: open its dialog, or just let it go.
  openMention(mention) {
    this.dismissMention(mention);
    this.openDialog(mention.dialogId);
  }

  dismissMention(mention) {
    this.set({ mentions: (this.state.mentions || []).filter((m) => m.key !== mention.key) });
  }

  async upload(file, onProgress) {
    const upload = await this.api.post('/api/uploads', {
      filename: file.name,
      content_type: file.type || 'application/octet-stream',
      size: file.size,
    });
    await this.api.uploadToStorage(upload, file, onProgress);
    return upload.upload_id;
  }

  signOut() {
    this.stop();
    this.api.signOut();
  }

  // --- live events ----------------------------------------------------------------------

  onEvent(event) {
    const { state, effects } = reduceLiveEvent(this.state, event, { hidden: isHidden(), now: Date.now() });
    if (state !== this.state) {
      this.state = state;
      this.emit();
    }
    for (const effect of effects) EFFECTS[effect.type](this, effect);
  }

  // A dialog that entered or left a tab moves a count; the server's `counts` frame follows.
  // Should it not come (an older server, a lost frame), the counts are read once.
  expectCounts() {
    if (this.countsTimer) return;
    this.countsTimer = setTimeout(() => {
      this.countsTimer = null;
      this.loadCounts();
    }, 1500);
  }

  // A `counts` frame: newer than any counts read in flight; no need to read them.
  countsPushed() {
    this.countsRequest += 1;
    clearTimeout(this.countsTimer);
    this.countsTimer = null;
  }

  // The shown tab's count moved: the frame that adds or removes its row should come with it
  // (before or just after). None within the grace: it was lost, so the list is read again.
  tabCountMoved(tab) {
    const came = this.listFrames;
    this.listFrames = 0;
    if (came > 0 || this.listTimer) return;
    this.listTimer = setTimeout(() => {
      this.listTimer = null;
      if (this.state.tab === tab && this.listFrames === 0) this.loadList();
    }, LIST_FRAME_GRACE_MS);
  }

  listFrameCame(change) {
    if (change.removed || change.added) this.listFrames += 1;
    if (this.listEvents) this.listEvents.push(change);
  }
}

// The side effects that the live-event reducer asks for (live_events.js lists them).
const EFFECTS = {
  backfill: (store, effect) => store.backfill(effect.dialogId),
  refetchLead: (store, effect) => store.refreshLead(effect.dialogId),
  markRead: (store) => store.markReadSoon(),
  expectCounts: (store) => store.expectCounts(),
  countsPushed: (store) => store.countsPushed(),
  listChanged: (store, effect) => store.listFrameCame(effect.change),
  tabCountMoved: (store, effect) => store.tabCountMoved(effect.tab),
  sound: (store, effect) => store.alert(effect),
  visible: (store) => store.live.send({ action: 'visibility', visible: true }),
};

function mergeSummaries(current, incoming) {
  const seen = new Set(current.map((item) => item.lead_id));
  return [...current, ...incoming.filter((item) => !seen.has(item.lead_id))];
}

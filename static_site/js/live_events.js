// The reducer of the live websocket events: from the current state and one event, the next
// state and the side effects that are due, as data. Pure: no DOM, no network, no timers; what
// it needs to know about the page (hidden or not, the time) comes in as `page`. The store
// (store.js) applies the state, then performs the effects in order:
//
//   { type: 'backfill', dialogId }     read the open dialog's messages after the last contiguous one
//   { type: 'refetchLead', dialogId }  read the open dialog's lead again (it was too large to push)
//   { type: 'markRead' }               mark the open dialog read, soon
//   { type: 'expectCounts' }           read the counts once, should no `counts` frame follow
//   { type: 'countsPushed' }           a `counts` frame came: newer than any counts read in flight
//   { type: 'tabCountMoved', tab }     the shown tab's count moved: a list frame should come too
//   { type: 'listChanged', change }    the shown tab's list changed (applied again on a first page being read)
//   { type: 'sound', kind, key, tab, info }  an alert may be due (sounds.js decides: R13, R14)
//   { type: 'visible' }                tell the server again that this page is visible

import { withMember } from './presence.js';

// state: the store's state; event: one websocket frame; page: { hidden, now }.
export function reduceLiveEvent(state, event, page) {
  switch (event.type) {
    case 'message.created':
      return messageCreated(state, event);
    case 'dialog.added':
    case 'dialog.updated':
      return dialogChanged(state, event);
    case 'dialog.removed':
      return dialogRemoved(state, event);
    case 'viewing':
      return viewing(state, event);
    case 'counts':
      return counts(state, event);
    case 'lead.updated':
      return stateOnly(event.lead && isOpen(state, event.lead.id) ? withDialog(state, { lead: event.lead }) : state);
    case 'lead.changed':
      // The lead changed but was over the websocket's 128 KB: read it over REST.
      return { state, effects: isOpen(state, event.dialog_id) ? [{ type: 'refetchLead', dialogId: event.dialog_id }] : [] };
    case 'message.changed':
      return messageChanged(state, event);
    case 'message.delivery':
      return delivery(state, event);
    case 'reminder':
      return reminder(state, event, page);
    case 'operator.presence':
      // Someone came online, went away or offline: the participants and pickers show it.
      return stateOnly({ ...state, team: withMember(state.team || {}, event.operator) });
    case 'dialog.mentioned':
      return mentioned(state, event);
    case 'dialog.waiting_too_long':
      // Kept apart from the summaries (which every update replaces) until it leaves Waiting.
      return stateOnly(event.dialog ? { ...state, late: new Set([...state.late, event.dialog.lead_id]) } : state);
    default:
      return stateOnly(state);
  }
}

// The next state, with no side effect due.
function stateOnly(state) {
  return { state, effects: [] };
}

function isOpen(state, id) {
  return Boolean(state.dialog && state.dialog.id === id);
}

function withDialog(state, patch) {
  return { ...state, dialog: { ...state.dialog, ...patch } };
}

// The open dialog's lead, following a pushed summary of its dialog (and its name, if given).
function following(lead, summary, name) {
  const next = { ...lead, dialog: { state: summary.state, operators: summary.operators || [] } };
  if (name !== undefined) next.name = name;
  if (typeof summary.unread === 'number') next.unread = summary.unread;
  return next;
}

function messageCreated(state, event) {
  const { dialog_id: id, message } = event;
  if (!isOpen(state, id) || !message || typeof message.seq !== 'number') return stateOnly(state);
  const dialog = state.dialog;
  // The load in flight may have been read before this message: fetch by seq after it.
  if (dialog.loading) return stateOnly(withDialog(state, { missedWhileLoading: true }));
  const messages = mergeMessages(dialog.messages, [message]);
  const through = advanceThrough(dialog.through || 0, messages);
  const patch = { messages, through };
  if (event.dialog && dialog.lead) patch.lead = following(dialog.lead, event.dialog);
  const effects = [];
  // A gap (a frame lost on the way, or in a reconnect race) is filled from the server by seq,
  // from the last message before it: a lost message is fetched, not skipped.
  if (message.seq > through) effects.push({ type: 'backfill', dialogId: id });
  if (message.from === 'lead') effects.push({ type: 'markRead' });
  return { state: withDialog(state, patch), effects };
}

// The seq up to which the open dialog's messages are known complete: from `through`, each next
// seq that is present extends it. Messages above it with a hole below are not yet complete.
export function advanceThrough(through, messages) {
  let next = through;
  for (const message of messages) {
    if (message.seq === next + 1) next = message.seq;
    else if (message.seq > next + 1) break;
  }
  return next;
}

// Whether the open dialog has a message the page has not got: a frame about it came (its
// `message.created` may have been lost) and its seq is past what is complete.
function missing(dialog, seq) {
  return typeof seq === 'number' && seq > (dialog.through || 0) && !dialog.messages.some((m) => m.seq === seq);
}

// A message too large to push (only its seq came): read it, and what else is new, by seq.
function messageChanged(state, event) {
  const id = event.dialog_id;
  if (!isOpen(state, id) || typeof event.seq !== 'number') return stateOnly(state);
  if (state.dialog.loading) return stateOnly(withDialog(state, { missedWhileLoading: true }));
  const effects = [{ type: 'backfill', dialogId: id }];
  if (event.from === 'lead') effects.push({ type: 'markRead' });
  return { state, effects };
}

// A dialog entered a tab or changed on it: the tab's list, the open dialog's lead, a sound.
// One that entered a tab moves a count (so does one that left it): `counts` should follow.
function dialogChanged(state, event) {
  const { tab, dialog } = event;
  if (!dialog || !dialog.lead_id) return stateOnly(state);
  const added = event.type === 'dialog.added';
  const effects = added ? [{ type: 'expectCounts' }] : [];
  let next = tab === state.tab ? changeList(state, added ? { dialog, added } : { dialog }, effects) : state;
  if (isOpen(state, dialog.lead_id) && state.dialog.lead) {
    next = withDialog(next, { lead: following(state.dialog.lead, dialog, dialog.name) });
  }
  // The row's frame names a message the open panel lacks: its own frame was lost, fetch it.
  if (isOpen(state, dialog.lead_id) && event.message && !state.dialog.loading
      && missing(state.dialog, event.message.seq)) {
    effects.push({ type: 'backfill', dialogId: dialog.lead_id });
  }
  // What the desktop notification shows and the id the page acknowledges (alerts.js).
  const info = { alert: event.alert, dialogId: dialog.lead_id, name: dialog.name };
  if (added) {
    effects.push({ type: 'sound', kind: 'new-dialog', key: `${dialog.lead_id}:${tab}:${dialog.last_activity_at}`, tab, info });
  } else if (event.cause === 'message' && event.message && event.message.from === 'lead') {
    effects.push({ type: 'sound', kind: 'new-message', key: `${dialog.lead_id}:${event.message.seq}`, tab, info });
  }
  return { state: next, effects };
}

function dialogRemoved(state, event) {
  const effects = [{ type: 'expectCounts' }];
  let next = state;
  if (event.tab === 'waiting' && state.late.has(event.dialog_id)) {
    next = { ...next, late: new Set([...state.late].filter((id) => id !== event.dialog_id)) };
  }
  if (event.tab === state.tab) next = changeList(next, { removed: event.dialog_id }, effects);
  return { state: next, effects };
}

function changeList(state, change, effects) {
  effects.push({ type: 'listChanged', change });
  return { ...state, list: { ...state.list, items: applyListChange(state.list.items, change) } };
}

// The server acknowledges `view`: from now on this dialog's messages are pushed. What was
// written between the page load and this moment is fetched by seq, so there is no gap.
function viewing(state, event) {
  const dialog = state.dialog;
  if (!dialog || event.dialog_id !== dialog.id) return stateOnly(state);
  const effects = dialog.loading ? [] : [{ type: 'backfill', dialogId: dialog.id }];
  return { state: withDialog(state, { viewAcked: true }), effects };
}

// New counts. If the shown tab's count moved, a `dialog.added`/`dialog.removed` frame for it
// should come too; should it have been lost, the store reads the tab's list again.
function counts(state, event) {
  const next = event.counts ? { ...state, counts: { ...state.counts, ...event.counts } } : state;
  const effects = [{ type: 'countsPushed' }];
  if (next.counts[state.tab] !== state.counts[state.tab]) effects.push({ type: 'tabCountMoved', tab: state.tab });
  return { state: next, effects };
}

function delivery(state, event) {
  if (!isOpen(state, event.dialog_id)) return stateOnly(state);
  const messages = state.dialog.messages.map((m) => (m.seq === event.seq ? { ...m, delivery: event.delivery } : m));
  return stateOnly(withDialog(state, { messages }));
}

// A colleague @-mentioned this operator in a note (docs/live-events.md): a notice that opens
// the dialog, and the new-message sound by the same rules as a lead's message on Mine (R13).
function mentioned(state, event) {
  const dialog = event.dialog;
  if (!dialog || !dialog.lead_id || !event.message) return stateOnly(state);
  const key = `${dialog.lead_id}:${event.message.seq}`;
  const current = state.mentions || [];
  if (current.some((m) => m.key === key)) return stateOnly(state);
  const mention = { key, dialogId: dialog.lead_id, name: dialog.name || '', by: event.by || '', seq: event.message.seq };
  return {
    state: { ...state, mentions: [...current, mention] },
    // No `alert` id: a mention is not counted in UnacknowledgedAlerts (docs/notifications.md);
    // the sound and the desktop notification follow the Mine rules.
    effects: [{ type: 'sound', kind: 'new-message', key: `mention:${key}`, tab: 'mine',
      info: { dialogId: dialog.lead_id, name: dialog.name } }],
  };
}

// Every tab of the operator gets the same tick's `at`: one claim, one sound. A reminder
// reaching a visible page means the server missed that it is open (a visibility report raced
// a notification): say so again, which clears it.
function reminder(state, event, page) {
  const effects = page.hidden ? [] : [{ type: 'visible' }];
  effects.push({ type: 'sound', kind: 'reminder', key: event.at || String(page.now), tab: null, info: { unread: event.unread } });
  return { state, effects };
}

// Messages ordered and de-duplicated by seq; a message seen again is updated.
export function mergeMessages(current, incoming) {
  const bySeq = new Map(current.map((m) => [m.seq, m]));
  for (const message of incoming) {
    if (message && typeof message.seq === 'number') bySeq.set(message.seq, { ...bySeq.get(message.seq), ...message });
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function byActivity(a, b) {
  return String(b.last_activity_at || '').localeCompare(String(a.last_activity_at || ''));
}

// {dialog}: add or replace (the newer activity wins); {removed: id}: take it off the list.
export function applyListChange(items, change) {
  if (change.removed) return items.filter((item) => item.lead_id !== change.removed);
  const { dialog } = change;
  const current = items.find((item) => item.lead_id === dialog.lead_id);
  if (current && String(current.last_activity_at || '') > String(dialog.last_activity_at || '')) return items;
  return [...items.filter((item) => item.lead_id !== dialog.lead_id), dialog].sort(byActivity);
}

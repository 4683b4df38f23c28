// The admin API (docs/operator-api.md, "Admin"): what the admin screens call. Admins only; the
// server answers 403 to anyone else whatever the UI shows.

import { enc } from './api.js';

export class AdminApi {
  constructor(api) {
    this.api = api;
  }

  // The team's canned replies (views/admin/canned.js).
  teamReplies() {
    return this.api.get('/api/admin/canned-replies');
  }

  createTeamReply(fields) {
    return this.api.post('/api/admin/canned-replies', fields);
  }

  editTeamReply(shortcut, fields) {
    return this.api.patch(`/api/admin/canned-replies/${enc(shortcut)}`, fields);
  }

  deleteTeamReply(shortcut) {
    return this.api.request('DELETE', `/api/admin/canned-replies/${enc(shortcut)}`);
  }

  bots() {
    return this.api.get('/api/admin/bots');
  }

  bot(botId) {
    return this.api.get(`/api/admin/bots/${enc(botId)}`);
  }

  createBot(fields) {
    return this.api.post('/api/admin/bots', fields);
  }

  editBot(botId, fields) {
    return this.api.patch(`/api/admin/bots/${enc(botId)}`, fields);
  }

  rotateKey(botId) {
    return this.api.post(`/api/admin/bots/${enc(botId)}/rotate-key`);
  }

  rotateWebhookSecret(botId) {
    return this.api.post(`/api/admin/bots/${enc(botId)}/rotate-webhook-secret`);
  }

  testDelivery(botId) {
    return this.api.post(`/api/admin/bots/${enc(botId)}/test-delivery`);
  }

  previewScript(texts) {
    return this.api.post('/api/admin/scripts/preview', { texts });
  }

  deadLetters({ botId, cursor, limit = 50 } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (botId) query.set('bot_id', botId);
    if (cursor) query.set('cursor', cursor);
    return this.api.get(`/api/admin/webhooks/dead-letters?${query}`);
  }

  deadLetter(letterId) {
    return this.api.get(`/api/admin/webhooks/dead-letters/${enc(letterId)}`);
  }

  replay(letterId) {
    return this.api.post(`/api/admin/webhooks/dead-letters/${enc(letterId)}/replay`);
  }

  replayAll(botId) {
    return this.api.post('/api/admin/webhooks/replay', botId ? { bot_id: botId } : {});
  }

  operators(cursor) {
    return this.api.get(`/api/admin/operators${cursor ? `?cursor=${enc(cursor)}` : ''}`);
  }
}

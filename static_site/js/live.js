// The live connection: one websocket per tab, reconnected with backoff after any drop
// (a network cut, API Gateway's 10-minute idle or 2-hour cut). Each connection needs a fresh
// one-time ticket from POST /api/ws-ticket. After a reconnect the owner backfills what it
// missed (onOpen(reconnected=true)).

const PING_EVERY_MS = 4 * 60_000; // under API Gateway's 10-minute idle timeout
const PONG_WITHIN_MS = 15_000;
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30_000;
// The server closes a connection whose operator's token it has not re-confirmed for a while
// (docs/security.md, "Revocation within a minute"): send the current access token this often
// (the server's `reauthed` answer says how often it wants it).
const REAUTH_EVERY_MS = 30_000;

export class Live {
  constructor(api, { onEvent, onStatus, onOpen }) {
    this.api = api;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onOpen = onOpen;
    this.socket = null;
    this.stopped = true;
    this.attempt = 0;
    this.everOpened = false;
    this.timer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.reauthTimer = null;
    this.reauthEveryMs = REAUTH_EVERY_MS;
    this.onOnline = () => this.reconnectNow();
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.timer);
    this.clearPing();
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000);
    }
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false; // sent again on the next open (the owner re-sends its view and visibility)
  }

  reconnectNow() {
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  async connect() {
    if (this.stopped) return;
    this.onStatus(this.everOpened ? 'offline' : 'connecting');
    let ticket;
    try {
      ticket = await this.api.post('/api/ws-ticket');
    } catch (error) {
      if (error && error.status === 401) return; // signed out: the app shows the sign-in page
      this.retry();
      return;
    }
    if (this.stopped) return;
    const base = ticket.ws_url || this.api.wsUrl;
    const separator = base.includes('?') ? '&' : '?';
    let socket;
    try {
      socket = new WebSocket(`${base}${separator}ticket=${encodeURIComponent(ticket.ticket)}`);
    } catch (_) {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.onStatus('online');
      this.schedulePing();
      this.reauth(socket);
      this.onOpen(reconnected);
    });
    socket.addEventListener('message', (event) => {
      if (this.socket !== socket) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      if (!data || typeof data.type !== 'string') return;
      if (data.type === 'pong') {
        clearTimeout(this.pongTimer);
        return;
      }
      if (data.type === 'reauthed') {
        if (data.reauth_within > 0) this.reauthEveryMs = data.reauth_within * 1000;
        this.scheduleReauth(socket);
        return;
      }
      if (data.type === 'error' && data.error && data.error.code === 'token_revoked') {
        // Disabled, deleted or signed out everywhere: the server closes the socket; sign in again.
        this.stop();
        this.api.signOut();
        return;
      }
      this.onEvent(data);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearPing();
      this.retry();
    });
  }

  retry() {
    if (this.stopped) return;
    this.onStatus('offline');
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** this.attempt);
    this.attempt += 1;
    // Full jitter: many operators cut at once (a deploy) do not all come back at once.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  schedulePing() {
    this.clearPing();
    this.pingTimer = setInterval(() => {
      if (!this.send({ action: 'ping' })) return;
      clearTimeout(this.pongTimer);
      // No pong: the socket is dead without having said so (a sleeping laptop); drop it.
      this.pongTimer = setTimeout(() => this.socket && this.socket.close(), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  clearPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.reauthTimer);
  }

  // Sends the current access token (refreshed first if it is about to expire).
  async reauth(socket) {
    if (this.socket !== socket) return;
    this.scheduleReauth(socket); // again even if this frame or its answer is lost
    const session = this.api.session;
    if (session && Date.now() > session.expires_at - 5_000) {
      try {
        await this.api.refresh();
      } catch (_) {
        return; // signed out: the app shows the sign-in page
      }
    }
    const token = this.api.session && this.api.session.access_token;
    if (token && this.socket === socket) this.send({ action: 'reauth', access_token: token });
  }

  scheduleReauth(socket) {
    clearTimeout(this.reauthTimer);
    this.reauthTimer = setTimeout(() => this.reauth(socket), this.reauthEveryMs);
  }
}

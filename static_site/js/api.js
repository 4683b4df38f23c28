// The operator REST API (docs/operator-api.md) and the signed-in session.
//
// The session lives in localStorage so that every contact-center tab of one operator shares
// it; the strict CSP of the hosted site (no inline or foreign scripts) is what protects it.

const SESSION_KEY = 'handover.session';
// Refresh this long before the access token expires, so a request never races the expiry.
const REFRESH_MARGIN_MS = 60_000;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'http_error';
    this.details = details || null;
  }
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch (_) {
    return null;
  }
}

async function errorOf(response) {
  const body = await readJson(response);
  const error = (body && body.error) || {};
  return new ApiError(response.status, error.code, error.message, error.details);
}

function loadSession() {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch (_) {
    return null;
  }
}

export class Api {
  constructor(baseUrl) {
    this.baseUrl = String(baseUrl || '').replace(/\/+$/, '');
    this.session = loadSession();
    this.onSignedOut = () => {};
    this.refreshTimer = null;
    this.refreshing = null;
    // Another tab may refresh or sign out; follow it.
    window.addEventListener('storage', (event) => {
      if (event.key !== SESSION_KEY) return;
      this.session = loadSession();
      if (!this.session) this.onSignedOut();
      else this.scheduleRefresh();
    });
  }

  get operator() {
    return this.session ? this.session.operator : null;
  }

  url(path) {
    return this.baseUrl + path;
  }

  // Sign-in (docs/operator-api.md, "Signing in"): each step answers { operator } once Cognito
  // gave tokens (they are stored), or { challenge } to answer next (NEW_PASSWORD_REQUIRED,
  // SOFTWARE_TOKEN_MFA, MFA_SETUP). Errors carry Retry-After (429 too_many_attempts).
  async publicPost(path, body) {
    const response = await fetch(this.url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await errorOf(response);
      error.retryAfter = Number(response.headers.get('Retry-After')) || null;
      throw error;
    }
    return readJson(response);
  }

  signInStep(body) {
    if (body && body.challenge) return { challenge: body };
    this.store(body);
    return { operator: this.session.operator };
  }

  async login(username, password) {
    return this.signInStep(await this.publicPost('/api/auth/login', { username, password }));
  }

  async answerChallenge(challenge, answer) {
    const { session, username } = challenge;
    return this.signInStep(await this.publicPost('/api/auth/challenge',
      { challenge: challenge.challenge, session, username, ...answer }));
  }

  totpSetupWhileSigningIn(challenge) {
    return this.publicPost('/api/auth/totp-setup', { session: challenge.session, username: challenge.username });
  }

  forgotPassword(username) {
    return this.publicPost('/api/auth/forgot-password', { username });
  }

  resetPassword(username, code, newPassword) {
    return this.publicPost('/api/auth/reset-password', { username, code, new_password: newPassword });
  }

  // Signed in: turn on TOTP (a new secret, then its first code).
  totpSetup() {
    return this.post('/api/me/totp');
  }

  totpVerify(code) {
    return this.post('/api/me/totp/verify', { code });
  }

  store(tokens) {
    const previous = this.session || {};
    this.session = {
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token || previous.refresh_token,
      expires_at: Date.now() + Number(tokens.expires_in || 3600) * 1000,
      operator: tokens.operator || previous.operator,
    };
    try {
      localStorage.setItem(SESSION_KEY, JSON.stringify(this.session));
    } catch (_) {
      // Storage may be unavailable; the session then lasts for this page.
    }
    this.scheduleRefresh();
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    if (!this.session) return;
    const due = Math.max(5_000, this.session.expires_at - Date.now() - REFRESH_MARGIN_MS);
    this.refreshTimer = setTimeout(() => this.refresh().catch(() => {}), due);
  }

  refresh() {
    if (this.refreshing) return this.refreshing;
    const token = this.session && this.session.refresh_token;
    this.refreshing = (async () => {
      try {
        if (!token) throw new ApiError(401, 'no_session', 'not signed in');
        const response = await fetch(this.url('/api/auth/refresh'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: token }),
        });
        if (response.status === 401 || response.status === 400) {
          this.signOut();
          throw await errorOf(response);
        }
        if (!response.ok) throw await errorOf(response);
        this.store(await readJson(response));
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  signOut() {
    clearTimeout(this.refreshTimer);
    this.session = null;
    try {
      localStorage.removeItem(SESSION_KEY);
    } catch (_) {
      // nothing to clean up
    }
    this.onSignedOut();
  }

  async request(method, path, body, retried = false) {
    if (!this.session) throw new ApiError(401, 'no_session', 'not signed in');
    if (Date.now() > this.session.expires_at - 5_000) await this.refresh();
    const headers = { Authorization: `Bearer ${this.session.access_token}` };
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(this.url(path), init);
    if (response.status === 401 && !retried) {
      await this.refresh();
      return this.request(method, path, body, true);
    }
    if (!response.ok) throw await errorOf(response);
    return readJson(response);
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body) {
    return this.request('POST', path, body === undefined ? {} : body);
  }

  patch(path, body) {
    return this.request('PATCH', path, body);
  }

  // The file goes straight to S3 with the presigned POST; XHR, because fetch reports no
  // upload progress.
  uploadToStorage(upload, file, onProgress) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      for (const [key, value] of Object.entries(upload.fields || {})) form.append(key, value);
      form.append('file', file);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', upload.url);
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      xhr.addEventListener('load', () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(1);
          resolve();
        } else {
          reject(new ApiError(xhr.status, 'storage_refused', storageReason(xhr.responseText) || `HTTP ${xhr.status}`));
        }
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, 'storage_unreachable', 'the upload failed')));
      xhr.send(form);
    });
  }
}

// S3 answers an XML error document; its <Message> is the readable part. Read with a regular
// expression: the text is only ever shown as text.
function storageReason(text) {
  const match = /<Message>([^<]{1,500})<\/Message>/.exec(text || '');
  if (!match) return '';
  const entities = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'", '&amp;': '&' };
  return match[1].replace(/&(lt|gt|quot|apos|amp);/g, (entity) => entities[entity]);
}

export const enc = encodeURIComponent;

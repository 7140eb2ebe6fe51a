// The one WebSocket to the gateway (techpulse.v1 over /v1/ws): connects with the access token, reconnects with
// jittered backoff, tells the page its status (Connected / Reconnecting… / Offline), and matches replies to
// requests by `ref`. What to subscribe to after a (re)connect is the views' business: they hear `welcome`.

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15000;

export class ConnectionError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class Connection {
  // handlers: onWelcome(welcome, reconnected), onDisconnected(), onFrame(frame), onStatus(text), onFatal(kind, message)
  constructor(token, handlers) {
    this.token = token;
    this.h = handlers;
    this.ws = null;
    this.open = false; // welcome received on the current socket
    this.everConnected = false;
    this.attempt = 0;
    this.nextRef = 1;
    this.pending = new Map(); // ref -> {resolve, reject, type}
    this.retryTimer = null;
    this.watchdog = null;
    this.pinger = null;
    this.stopped = false;
    this.heartbeatMs = 25000;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => {
      this.status();
      if (this.ws) this.ws.close(4000, 'offline');
    };
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  start() {
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    this.clearTimers();
    if (this.ws) this.ws.close(1000, 'signed out');
    this.failPending('disconnected', 'signed out');
  }

  status() {
    let text = 'Reconnecting…';
    if (!navigator.onLine) text = 'Offline';
    else if (this.open) text = 'Connected';
    this.h.onStatus(text);
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}/v1/ws?access_token=${encodeURIComponent(this.token)}`;
    let ws;
    try {
      ws = new WebSocket(url, 'techpulse.v1');
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => this.onMessage(ws, ev);
    ws.onclose = (ev) => this.onClose(ws, ev);
    this.status();
  }

  onMessage(ws, ev) {
    if (ws !== this.ws) return;
    let frame;
    try {
      frame = JSON.parse(ev.data);
    } catch {
      return;
    }
    this.armWatchdog();
    if (frame.type === 'welcome') {
      const reconnected = this.everConnected;
      this.open = true;
      this.everConnected = true;
      this.attempt = 0;
      this.heartbeatMs = frame.heartbeat_ms || 25000;
      this.startPinger();
      this.status();
      this.h.onWelcome(frame, reconnected);
      return;
    }
    if (frame.ref && this.pending.has(frame.ref)) {
      const p = this.pending.get(frame.ref);
      this.pending.delete(frame.ref);
      if (frame.type === 'error') p.reject(new ConnectionError(frame.code, frame.message));
      else p.resolve(frame);
      return;
    }
    this.h.onFrame(frame);
  }

  onClose(ws, ev) {
    if (ws !== this.ws) return;
    const wasOpen = this.open;
    this.ws = null;
    this.open = false;
    this.clearTimers();
    this.failPending('disconnected', 'the connection was lost');
    if (this.stopped) return;
    if (wasOpen) this.h.onDisconnected();
    if (ev.code === 4401) {
      this.stopped = true;
      this.h.onFatal('expired', ev.reason === 'profile removed'
        ? 'Your profile was removed, so you were signed out.'
        : 'Your session has expired. Sign in again with a new access token.');
      return;
    }
    this.status();
    if (!wasOpen) {
      // The upgrade itself was refused or never answered (the token may have expired while we were away). A
      // WebSocket cannot see the HTTP status, so ask an ordinary route with the same token: a 401 names what is
      // wrong with it; a network error or a 503 means retry.
      this.checkToken();
    }
    this.scheduleRetry();
  }

  async checkToken() {
    try {
      const res = await fetch('/v1/tickets', { headers: { Authorization: `Bearer ${this.token}` } });
      if (res.status === 401) {
        const body = await res.json().catch(() => ({}));
        this.stopped = true;
        clearTimeout(this.retryTimer);
        this.h.onFatal('unauthorized', describeRefusal(body.message || ''));
      }
    } catch {
      // The network is down: keep retrying.
    }
  }

  scheduleRetry() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.attempt, 10));
    this.attempt += 1;
    // Equal jitter: never zero, never in step with every other client that lost the same server.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    this.status();
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  }

  armWatchdog() {
    clearTimeout(this.watchdog);
    // The server pings every heartbeat and we ping too: silence for two heartbeats means the link is dead.
    this.watchdog = setTimeout(() => {
      if (this.ws) this.ws.close(4000, 'silent');
    }, this.heartbeatMs * 2 + 5000);
  }

  startPinger() {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => this.sendRaw({ type: 'ping' }), this.heartbeatMs);
  }

  clearTimers() {
    clearTimeout(this.watchdog);
    clearInterval(this.pinger);
  }

  failPending(code, message) {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new ConnectionError(code, message));
  }

  sendRaw(frame) {
    if (!this.ws || !this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // Sends a frame with a fresh ref; resolves with the direct reply, rejects with its error (or 'disconnected').
  request(frame) {
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      if (!this.sendRaw({ ...frame, ref })) {
        reject(new ConnectionError('disconnected', 'not connected'));
        return;
      }
      this.pending.set(ref, { resolve, reject });
    });
  }

  // A new token for this session: sent as `auth` when connected, used by every later reconnect.
  renew(token) {
    this.token = token;
    if (this.open) return this.request({ type: 'auth', access_token: token });
    return Promise.resolve(null);
  }
}

function describeRefusal(message) {
  if (/expired/i.test(message)) return 'This access token has expired. Sign in with a new one.';
  if (/profile/i.test(message)) return 'No account exists for this access token.';
  return `This access token was refused (${message || 'unauthorized'}).`;
}

// The claims of a JWT, without checking it (the gateway does): for the expiry shown to the user.
export function tokenClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}

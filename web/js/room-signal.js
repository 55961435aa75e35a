// room-signal.js — the room page's WebSocket to /ws/conference/{id}
// (signaling protocol v1, docs/signaling.md): sends "join" first on every
// connection, answers the server's pings, notices a silent network (no
// message for WATCHDOG_MS), and reconnects by itself with exponential
// backoff after a drop — the same client_id, so the server resumes the same
// participant. Close codes and error codes that mean "do not come back"
// (ended, removed, replaced by another tab, bad token, room full/closed)
// stop it instead.

const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const PING_EVERY_MS = 15_000; // our ping when the server has been quiet this long
const WATCHDOG_MS = 40_000; // nothing at all for this long: the network is gone

// Error codes after which the server closes the socket and a retry cannot help.
const FATAL_ERRORS = new Set([
  'invalid-token', 'unauthorized', 'not-invited', 'room-full', 'mesh-limit', 'room-closed', 'cancelled',
]);
// Close codes that end the visit (4401 token, 4403 not allowed/removed/denied,
// 4409 replaced, 4410 closed); 1000 only after "ended" or our "leave".
const FATAL_CLOSE_CODES = new Set([4401, 4403, 4409, 4410]);

export class RoomSocket {
  /**
   * url: ws(s) URL. join(): the join message (fresh each time).
   * onMessage(msg) for every server message; onStatus(status, info) with
   * status "connecting" | "open" | "reconnecting" (info {attempt, delayMs}) |
   * "closed" (info {code, reason, error}: error is the last fatal error message).
   */
  constructor({ url, join, onMessage, onStatus }) {
    this.url = url;
    this.join = join;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.finalMessage = null; // "ended" / "removed" / "replaced" / fatal error seen
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastHeard = 0;
    this.everOpened = false;
  }

  connect() {
    this.stopped = false;
    this.finalMessage = null;
    this.open();
  }

  open() {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.onStatus(this.everOpened ? 'reconnecting' : 'connecting', { attempt: this.attempt, delayMs: 0 });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.onStatus('closed', { code: 0, reason: String(err?.message || err), error: null });
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.everOpened = true;
      this.lastHeard = performance.now();
      this.startWatchdog();
      this.sendRaw(this.join());
      this.onStatus('open', { attempt: this.attempt });
    });
    ws.addEventListener('message', (event) => {
      if (this.ws !== ws) return;
      this.lastHeard = performance.now();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return; // the server only sends JSON; ignore anything else
      }
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'ping') {
        this.send({ type: 'pong' });
        return;
      }
      if (msg.type === 'pong') return;
      if (msg.type === 'welcome') this.attempt = 0; // a good connection resets the backoff
      if (['ended', 'removed', 'replaced', 'denied'].includes(msg.type)) this.finalMessage = msg;
      if (msg.type === 'error' && FATAL_ERRORS.has(msg.code)) this.finalMessage = msg;
      this.onMessage(msg);
    });
    ws.addEventListener('close', (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopWatchdog();
      this.closed(event.code, event.reason);
    });
    // An error is always followed by close.
  }

  closed(code, reason) {
    const fatal = this.stopped || this.finalMessage !== null || FATAL_CLOSE_CODES.has(code);
    if (fatal) {
      this.stopped = true;
      this.onStatus('closed', { code, reason, error: this.finalMessage });
      return;
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    this.attempt += 1;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.attempt - 1));
    const delayMs = Math.round(base * (0.75 + Math.random() * 0.5)); // jitter: not all at once
    this.onStatus('reconnecting', { attempt: this.attempt, delayMs, retryAt: Date.now() + delayMs });
    this.retryTimer = window.setTimeout(() => this.open(), delayMs);
  }

  /** Try now instead of waiting for the backoff (the "reconnect now" button). */
  retryNow() {
    if (this.stopped || this.ws) return;
    this.open();
  }

  startWatchdog() {
    this.stopWatchdog();
    this.pingTimer = window.setInterval(() => {
      const quiet = performance.now() - this.lastHeard;
      if (quiet > WATCHDOG_MS) {
        // Silent too long: treat as a drop (close events can take minutes).
        const ws = this.ws;
        this.ws = null;
        this.stopWatchdog();
        try {
          ws?.close(4000, 'silent');
        } catch {
          // already closing
        }
        this.closed(1006, 'silent');
      } else if (quiet > PING_EVERY_MS) {
        this.send({ type: 'ping' });
      }
    }, 5_000);
  }

  stopWatchdog() {
    window.clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  sendRaw(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  send(msg) {
    return this.sendRaw(msg);
  }

  get connected() {
    return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN);
  }

  /** Leave for good: "leave", then a normal close; no reconnection. */
  leave() {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.send({ type: 'leave' });
    const ws = this.ws;
    this.ws = null;
    this.stopWatchdog();
    if (ws) {
      try {
        ws.close(1000, 'leave');
      } catch {
        // already closing
      }
    }
  }

  /** Drop the socket without "leave", as a network failure would (tests). */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    this.stopWatchdog();
    try {
      ws.close(4000, 'drop');
    } catch {
      // already closing
    }
    this.closed(1006, 'drop');
  }
}

// One WebSocket to /ws?room=<slug> carrying {type, data} JSON messages, with reconnect
// (backoff 0.5 s, 1 s, 2 s, … at most 5 s) and a ping every 10 s.

const PING_MS = 10000;
const DEAD_MS = 25000; // no pong for this long: treat the socket as dropped

// A socket opened ahead of the join (preconnect), for the next connect to
// the same URL to take over: its handshake overlaps the page's other waits.
let warm = null;

/** Opens the signalling socket early; the next Signaling to url adopts it. */
export function preconnect(url) {
  warm?.ws.close();
  try { warm = { url, ws: new WebSocket(url) }; } catch { warm = null; }
}

/** Closes a preconnected socket nobody took. */
export function dropPreconnect() {
  warm?.ws.close();
  warm = null;
}

/** The signalling socket for a room; a multi-node deployment routes on ?room=. */
export function wsURL(room) {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?room=${encodeURIComponent(room)}`;
}

export class Signaling {
  /**
   * handlers.onOpen(reconnect: boolean) — socket open, send join now.
   * handlers.onMessage(type, data) — every message except pong.
   * handlers.onDown(attempt) — socket lost; a reconnect is scheduled.
   */
  constructor(url, handlers) {
    this.url = url;
    this.h = handlers;
    this.ws = null;
    this.stopped = true;
    this.attempt = 0;
    this.everOpened = false;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.lastPong = 0;
    this.onOnline = () => { if (!this.ws && !this.stopped) this.reconnectNow(); };
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  get open() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  send(type, data = {}) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify({ type, data }));
    return true;
  }

  /** Ends for good: no more reconnects. */
  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) { detach(ws); ws.close(1000); }
  }

  reconnectNow() {
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    let ws = null;
    if (warm?.url === this.url && warm.ws.readyState <= WebSocket.OPEN) ws = warm.ws;
    else warm?.ws.close();
    warm = null;
    if (!ws) {
      try { ws = new WebSocket(this.url); } catch { this.dropped(null); return; }
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.lastPong = performance.now();
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.heartbeat(ws), PING_MS);
      const reconnect = this.everOpened;
      this.everOpened = true;
      this.h.onOpen(reconnect);
    };
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      if (!m || typeof m.type !== 'string') return;
      this.lastPong = performance.now(); // any traffic proves the link is alive
      if (m.type === 'pong') return;
      this.h.onMessage(m.type, m.data || {});
    };
    ws.onclose = () => this.dropped(ws);
    ws.onerror = () => { /* close follows */ };
    // An adopted socket may be open already: its open event has passed,
    // so join now, before the caller's own set-up (a PeerConnection).
    if (ws.readyState === WebSocket.OPEN) ws.onopen();
  }

  heartbeat(ws) {
    if (ws !== this.ws) return;
    if (performance.now() - this.lastPong > DEAD_MS) { this.dropped(ws); return; }
    this.send('ping');
  }

  dropped(ws) {
    if (ws && ws !== this.ws) return;
    clearInterval(this.pingTimer);
    if (ws) { detach(ws); try { ws.close(); } catch { /* already closed */ } }
    this.ws = null;
    if (this.stopped) return;
    const delay = Math.min(5000, 500 * 2 ** this.attempt);
    this.attempt++;
    this.h.onDown(this.attempt);
    if (this.stopped) return; // the handler gave up
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}

function detach(ws) {
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
}

// ws.js: a WebSocket client for tandem's /ws/ channels: JSON messages, reconnects with
// capped exponential backoff and jitter, and reports its connection state.

/** A live connection to `path` (e.g. '/ws/agent') on this page's host.
 * onMessage(msg) gets each parsed JSON object; onState(state) gets 'connecting', 'open',
 * 'reconnecting' or 'closed'; onOpen() runs after each (re)connection. */
export class LiveSocket {
  constructor(path, { onMessage, onState, onOpen, minDelay = 500, maxDelay = 10000 } = {}) {
    this.url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
    this.onMessage = onMessage ?? (() => {});
    this.onState = onState ?? (() => {});
    this.onOpen = onOpen ?? (() => {});
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.failures = 0;
    this.ws = null;
    this.timer = null;
    this.stopped = true;
  }

  /** Connects (again) unless already connected. */
  start() {
    this.stopped = false;
    if (this.ws) return;
    clearTimeout(this.timer);
    this.onState(this.failures ? 'reconnecting' : 'connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.failures = 0;
      this.onState('open');
      this.onOpen();
    });
    ws.addEventListener('message', (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg && typeof msg === 'object' && typeof msg.type === 'string') this.onMessage(msg);
    });
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) {
        this.onState('closed');
        return;
      }
      this.failures++;
      this.onState('reconnecting');
      const cap = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.failures - 1, 10));
      this.timer = setTimeout(() => this.start(), cap / 2 + Math.random() * (cap / 2));
    });
  }

  /** True while the connection is open. */
  get open() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends one message; returns false (and sends nothing) while disconnected. */
  send(obj) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  /** Closes for good (no reconnect). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
    else this.onState('closed');
  }

  /** Drops the connection now and reconnects (used after a network change). */
  restart() {
    if (this.ws) this.ws.close(4000);
    else this.start();
  }
}

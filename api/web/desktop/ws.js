// ws.js — agent event stream over WebSocket with ticket auth and reconnect/backoff.
// Each connection attempt fetches a fresh single-use ticket (POST /ws-ticket).

const DELAYS = [1000, 2000, 5000];
const STABLE_MS = 5000; // a connection that lived this long resets the backoff

export class AgentStream {
  /**
   * @param {object} o
   * @param {string} o.agentId
   * @param {() => Promise<{ticket: string}>} o.getTicket
   * @param {(msg: object) => void} o.onEvent     every parsed server message
   * @param {(reconnected: boolean) => void} [o.onOpen]
   * @param {(status: string, delayMs?: number) => void} [o.onStatus] connecting|connected|reconnecting|stopped
   * @param {(err: Error) => void} [o.onAuthError] ticket request answered 401
   */
  constructor(o) {
    Object.assign(this, o);
    this.ws = null;
    this.timer = null;
    this.attempt = 0;
    this.everOpened = false;
    this.stopped = true;
    this._online = () => { if (!this.ws && !this.stopped) { clearTimeout(this.timer); this._connect(); } };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this._online);
    this._connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener('online', this._online);
    const ws = this.ws;
    this.ws = null;
    if (ws) { ws.onclose = null; ws.close(1000, 'bye'); }
    this._status('stopped');
  }

  _status(s, delay) { if (this.onStatus) this.onStatus(s, delay); }

  async _connect() {
    if (this.stopped || this.ws) return;
    this._status(this.everOpened || this.attempt ? 'reconnecting' : 'connecting');
    let ticket;
    try {
      ticket = (await this.getTicket()).ticket;
    } catch (e) {
      if (e && e.status === 401) { if (this.onAuthError) this.onAuthError(e); return; }
      this._retry();
      return;
    }
    if (this.stopped || this.ws) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/api/v1/agents/${encodeURIComponent(this.agentId)}` +
      `/events?ticket=${encodeURIComponent(ticket)}`;
    let ws;
    try { ws = new WebSocket(url); } catch { this._retry(); return; }
    this.ws = ws;
    let openedAt = 0;
    ws.onopen = () => {
      openedAt = Date.now();
      const reconnected = this.everOpened;
      this.everOpened = true;
      this._status('connected');
      if (this.onOpen) this.onOpen(reconnected);
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg && typeof msg === 'object') this.onEvent(msg);
    };
    ws.onerror = () => { /* a close event follows */ };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (openedAt && Date.now() - openedAt > STABLE_MS) this.attempt = 0;
      this._retry();
    };
  }

  _retry() {
    if (this.stopped) return;
    const delay = DELAYS[Math.min(this.attempt, DELAYS.length - 1)];
    this.attempt++;
    this._status('reconnecting', delay);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this._connect(), delay);
  }
}

// softphone.js — the agent's browser softphone (SPEC G3): one WebRTC leg to the voice
// gateway for the whole shift. The server is always the offerer; calls are attached to
// the leg on the server side without renegotiation, so the browser only (re)connects.
//
//   POST /agents/{id}/softphone          → {"type":"offer","sdp"}
//   POST /agents/{id}/softphone/answer   ← {"type":"answer","sdp"} (no trickle ICE)
//   DELETE /agents/{id}/softphone        on sign-out
//
// Keypad digits travel in the media as RFC 4733 telephone-events (RTCDTMFSender on the
// audio sender); the gateway relays them to the far end.
//
// States shown to the agent: connecting | connected | failed | off. A failed or closed
// connection is rebuilt with a fresh offer after a backoff; 404 (voice gateway not
// enabled) leaves the softphone "off" without retrying.

import { api } from './api.js';

const RETRY_MS = [1000, 2000, 5000, 10000, 20000, 30000];
const STABLE_MS = 10000;        // connected this long resets the backoff
const ICE_GATHER_MS = 3000;     // answer with what was gathered by then
const DISCONNECTED_MS = 6000;   // "disconnected" may recover by itself; after this it is failed

/**
 * E-model estimate of the listening quality (simplified ITU-T G.107 for G.711 with
 * packet-loss concealment, as the gateway computes it in media/quality.go).
 * @param {number} loss fraction 0–1   @param {number} jitterMs   @param {number} rttMs
 * @returns {number} MOS 1–4.5
 */
export function estimateMOS(loss, jitterMs, rttMs) {
  const d = 20 + 2 * (jitterMs || 0) + (rttMs || 0) / 2;
  let id = 0.024 * d;
  if (d > 177.3) id += 0.11 * (d - 177.3);
  const ppl = Math.min(Math.max(loss || 0, 0), 1) * 100;
  const ie = (95 * ppl) / (ppl + 25.1);
  const r = 93.2 - id - ie;
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return Math.min(4.5, Math.max(1, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)));
}

/** Good / Fair / Poor from a MOS (ITU-T P.800 bands: ≥4.0 good, ≥3.6 fair). */
export function qualityLabel(mos) {
  return mos >= 4.0 ? 'Good' : mos >= 3.6 ? 'Fair' : 'Poor';
}

function iceGathered(pc, ms) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    let timer = 0;
    const on = () => { if (pc.iceGatheringState === 'complete') done(); };
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', on);
      resolve();
    };
    timer = setTimeout(done, ms);
    pc.addEventListener('icegatheringstatechange', on);
  });
}

export class Softphone {
  /**
   * @param {object} o
   * @param {string} o.agentId
   * @param {HTMLAudioElement} o.audio              plays what the gateway sends
   * @param {(state: string, detail: string) => void} o.onState
   * @param {(message: string) => void} [o.onError]  first failure of a streak, for a toast
   */
  constructor(o) {
    this.agentId = o.agentId;
    this.audio = o.audio;
    this.onState = o.onState;
    this.onError = o.onError || (() => {});
    this.state = 'off';
    this.detail = '';
    this.active = false;    // started and not stopped
    this.disabled = false;  // the server has no voice gateway (404)
    this.pc = null;
    this.sender = null;     // the audio RTCRtpSender (for DTMF)
    this.mic = null;        // MediaStream, kept across reconnects (asked for once)
    this.muted = false;
    this.gen = 0;           // bumps on every (re)connect and on stop; stale callbacks check it
    this.attempt = 0;
    this.retryTimer = 0;
    this.discTimer = 0;
    this.stableTimer = 0;
    this.prevStats = null;
    this._online = () => { if (this.active && this.state === 'failed') this.restart(); };
  }

  /** Starts the softphone unless it is already running. */
  start() {
    if (this.active) return;
    this.active = true;
    window.addEventListener('online', this._online);
    this._connect();
  }

  /** A fresh offer now (agent socket reconnected, or the agent asked to retry). */
  restart() {
    if (!this.active) { this.start(); return; }
    this.attempt = 0;
    this._connect();
  }

  /** Closes the leg locally (the caller DELETEs it on the server when it can). */
  stop() {
    this.active = false;
    this.gen++;
    window.removeEventListener('online', this._online);
    this._clearTimers();
    this._closePc();
    if (this.mic) this.mic.getTracks().forEach((t) => t.stop());
    this.mic = null;
    this.muted = false;
    if (this.audio) { this.audio.pause(); this.audio.srcObject = null; }
    if (window.omnigateSoftphone && window.omnigateSoftphone.owner === this) delete window.omnigateSoftphone;
    this._set('off', '');
  }

  /** The microphone track being sent, if any. */
  get track() {
    return (this.mic && this.mic.getAudioTracks()[0]) || null;
  }

  setMuted(muted) {
    this.muted = !!muted;
    const t = this.track;
    if (t) t.enabled = !this.muted;
  }

  /**
   * Queues keypad digits (0-9 * # A-D) as RFC 4733 events after any still playing.
   * Throws when the softphone cannot send them (not connected, no telephone-event).
   */
  sendDTMF(digits) {
    const dtmf = this.pc && this.state === 'connected' && this.sender && this.sender.dtmf;
    if (!dtmf) throw new Error('The softphone is not connected.');
    if (!dtmf.canInsertDTMF) throw new Error('The softphone cannot send keypad tones on this call.');
    dtmf.insertDTMF(dtmf.toneBuffer + digits, 100, 70);
  }

  /** Retries playback after a user gesture when autoplay was refused. */
  resumeAudio() {
    const a = this.audio;
    if (a && a.srcObject && a.paused) a.play().catch(() => {});
  }

  /**
   * Call quality of the audio the agent hears, from getStats: loss over the interval
   * since the previous call (cumulative on the first), jitter, and the round trip the
   * gateway's receiver reports describe.
   * @returns {Promise<null | {mos:number, loss:number, jitterMs:number, rttMs:number|null, packetsReceived:number}>}
   */
  async quality() {
    const pc = this.pc;
    if (!pc || pc.connectionState === 'closed') return null;
    let stats;
    try { stats = await pc.getStats(); } catch { return null; }
    let inb = null, remote = null;
    stats.forEach((s) => {
      const kind = s.kind || s.mediaType;
      if (kind !== 'audio') return;
      if (s.type === 'inbound-rtp') inb = s;
      else if (s.type === 'remote-inbound-rtp') remote = s;
    });
    if (!inb || !inb.packetsReceived) return null;
    const recv = inb.packetsReceived || 0;
    const lost = Math.max(0, inb.packetsLost || 0);
    const prev = this.prevStats;
    this.prevStats = { pc, recv, lost };
    let dRecv = recv, dLost = lost;
    if (prev && prev.pc === pc && recv >= prev.recv && recv - prev.recv + Math.max(0, lost - prev.lost) > 0) {
      dRecv = recv - prev.recv;
      dLost = Math.max(0, lost - prev.lost);
    }
    const loss = dRecv + dLost > 0 ? dLost / (dRecv + dLost) : 0;
    const jitterMs = (inb.jitter || 0) * 1000;
    const rttMs = remote && typeof remote.roundTripTime === 'number' ? remote.roundTripTime * 1000 : null;
    return { mos: estimateMOS(loss, jitterMs, rttMs || 0), loss, jitterMs, rttMs, packetsReceived: recv };
  }

  // ---------- internals ----------

  _set(state, detail) {
    this.state = state;
    this.detail = detail || '';
    if (this.onState) this.onState(state, this.detail);
  }

  _clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.discTimer);
    clearTimeout(this.stableTimer);
  }

  _closePc() {
    const pc = this.pc;
    this.pc = null;
    this.sender = null;
    this.prevStats = null;
    if (pc) { try { pc.close(); } catch { /* already closed */ } }
  }

  async _mic() {
    let t = this.track;
    if (!t || t.readyState === 'ended') {
      if (this.mic) this.mic.getTracks().forEach((x) => x.stop());
      this.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      t = this.track;
      if (!t) throw new Error('No microphone track.');
    }
    t.enabled = !this.muted;
    return t;
  }

  async _connect() {
    const gen = ++this.gen;
    this._clearTimers();
    this._closePc();
    this.disabled = false;
    this._set('connecting', 'Connecting the softphone…');

    let offer;
    try {
      offer = await api.softphoneOffer(this.agentId);
      if (!offer || typeof offer.sdp !== 'string' || !offer.sdp) throw new Error('The server sent no SDP offer.');
    } catch (e) {
      if (gen === this.gen) this._fail(e, gen);
      return;
    }
    if (gen !== this.gen) return;

    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    this.pc = pc;
    window.omnigateSoftphone = { pc, owner: this };
    pc.ontrack = (e) => {
      if (gen !== this.gen || !this.audio) return;
      this.audio.srcObject = (e.streams && e.streams[0]) || new MediaStream([e.track]);
      this.audio.play().catch(() => { /* autoplay refused: resumeAudio on the next gesture */ });
    };
    pc.onconnectionstatechange = () => this._pcState(pc, gen);

    try {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        throw Object.assign(new Error('This browser cannot use a microphone here (HTTPS is required).'), { fatal: true });
      }
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      let track;
      try {
        track = await this._mic();
      } catch (e) {
        const denied = e && (e.name === 'NotAllowedError' || e.name === 'SecurityError');
        throw Object.assign(new Error(denied ? 'Microphone access was refused.' : `Microphone unavailable: ${e.message || e.name}`), { fatal: denied });
      }
      if (gen !== this.gen) return;
      const trs = pc.getTransceivers();
      const tr = trs.find((t) => t.receiver && t.receiver.track && t.receiver.track.kind === 'audio') || trs[0];
      if (!tr) throw new Error('The softphone offer has no audio.');
      await tr.sender.replaceTrack(track);
      tr.direction = 'sendrecv';
      this.sender = tr.sender;
      await pc.setLocalDescription(await pc.createAnswer());
      await iceGathered(pc, ICE_GATHER_MS);
      if (gen !== this.gen) return;
      const dtls = tr.sender.transport;
      if (dtls) {
        dtls.addEventListener('statechange', () => {
          if (gen === this.gen && (dtls.state === 'closed' || dtls.state === 'failed')) {
            this._fail(new Error(`Softphone connection ${dtls.state}.`), gen);
          }
        });
      }
      await api.softphoneAnswer(this.agentId, pc.localDescription.sdp);
    } catch (e) {
      if (gen === this.gen) this._fail(e, gen);
      return;
    }
    if (gen === this.gen) this._pcState(pc, gen);
  }

  _pcState(pc, gen) {
    if (gen !== this.gen || pc !== this.pc) return;
    const s = pc.connectionState;
    clearTimeout(this.discTimer);
    if (s === 'connected') {
      this._set('connected', 'Softphone connected');
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => { if (gen === this.gen) this.attempt = 0; }, STABLE_MS);
      this.resumeAudio();
    } else if (s === 'failed' || s === 'closed') {
      this._fail(new Error(`Softphone connection ${s}.`), gen);
    } else if (s === 'disconnected') {
      this._set('connecting', 'Softphone connection interrupted…');
      this.discTimer = setTimeout(() => {
        if (gen === this.gen && pc === this.pc && pc.connectionState === 'disconnected') {
          this._fail(new Error('Softphone connection lost.'), gen);
        }
      }, DISCONNECTED_MS);
    } else {
      this._set('connecting', 'Connecting the softphone…');
    }
  }

  _fail(e, gen) {
    if (gen !== this.gen) return;
    this.gen++; // ignore anything the failed leg still reports
    this._clearTimers();
    this._closePc();
    const status = e && e.status;
    if (status === 401) { this._set('off', ''); return; } // the session is over; app.js signs out
    if (status === 404) {
      this.disabled = true;
      this._set('off', 'Voice is not enabled on this server.');
      return;
    }
    const msg = (e && e.message) || String(e);
    if (this.attempt === 0) this.onError(msg);
    if (e && e.fatal) {
      this._set('failed', `${msg} Click to try again.`);
      return;
    }
    const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
    this.attempt++;
    this._set('failed', `${msg} Retrying in ${Math.round(delay / 1000)} s — click to retry now.`);
    const g = this.gen;
    this.retryTimer = setTimeout(() => { if (this.active && g === this.gen) this._connect(); }, delay);
  }
}

// app.js — agent desktop UI state + rendering.
import { api, setToken, setUnauthorizedHandler } from './api.js';
import { AgentStream } from './ws.js';
import { Softphone, qualityLabel } from './softphone.js';

const MAX_LEN = 10000;
const SESSION_KEY = 'omnigate.session';
const SOUND_KEY = 'omnigate.sound';
const LISTED = new Set(['active', 'held', 'consult', 'conference', 'wrapup', 'interrupted']);
const TERMINAL = new Set(['done', 'abandoned', 'closed']);
const COMPOSE_STATES = new Set(['active', 'consult', 'conference']);
const NO_COMPOSE = new Set(['workitem', 'voice']);
const DETAIL_CHANNELS = new Set(['email', 'workitem']);
const DIAL_QUEUE_KEY = 'omnigate.dialQueue';
const ON_CALL = new Set(['active', 'held', 'consult', 'conference']); // a voice leg is up
const DTMF_KEYS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#']);

const S = {
  session: null,
  agent: null,
  reasons: [],
  dispositions: [],
  interactions: new Map(), // id -> Interaction (only listed ones)
  messages: new Map(),     // interaction id -> Map(message key -> message)
  unread: new Set(),
  offers: new Map(),       // interaction id -> offer (+ _since/_until ms)
  handled: new Set(),      // offers we accepted/declined: never re-synthesised
  selected: null,
  drafts: new Map(),
  wrap: null,              // { id, code, tags }
  stream: null,
  sending: false,
  forceScroll: false,
  sound: localStorage.getItem(SOUND_KEY) !== 'off',
  softphone: null,         // Softphone for agents whose device is "browser"
  device: null,            // the agent's voice device as last applied: browser | sip | null
  dtmfSent: new Map(),     // interaction id -> digits sent during the call
};

// ---------- helpers ----------
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) {
    if (kid != null && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}

const ts = (s) => { const t = Date.parse(s || ''); return Number.isFinite(t) ? t : null; };
const pad = (n) => String(n).padStart(2, '0');
function fmtDur(ms) {
  let s = Math.max(0, Math.floor(ms / 1000));
  const hr = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  s %= 60;
  return hr ? `${hr}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
function fmtClock(s) {
  const t = ts(s);
  return t == null ? '' : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
function charCount(s) { let n = 0; for (const _ of s) n++; return n; } // code points, not UTF-16 units
const me = () => (S.session && S.session.agent_id) || '';
const userLabel = (u) => (typeof u === 'string' ? u : (u && (u.name || u.username || u.id)) || '');
const phoneOf = (it) => {
  const ids = (it.customer && it.customer.identities) || [];
  const p = ids.find((i) => i.kind === 'phone');
  return p ? p.value : '';
};
const customerName = (it) => (it.customer && it.customer.name) || phoneOf(it) || it.customer_id || 'Unknown customer';
const SVG_NS = 'http://www.w3.org/2000/svg';
const PHONE_PATH = 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z';
function phoneIcon() {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', PHONE_PATH);
  svg.append(path);
  return svg;
}
const chIcon = (c) => (c === 'voice'
  ? h('span', { class: 'ch-icon ch-voice', 'aria-hidden': 'true', title: 'Call' }, phoneIcon())
  : h('span', { class: `ch-icon ch-${c}`, 'aria-hidden': 'true', text: (c || '?')[0].toUpperCase() }));

function toast(msg, kind = 'error') {
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'toast-msg', text: msg }),
    h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'));
  $('#toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 10000 : 5000);
}
const fail = (e) => { if (!e || e.status !== 401) toast((e && e.message) || String(e)); };

// ---------- audio (optional short beep on new offers) ----------
let audioCtx = null;
function unlockAudio() {
  try {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!audioCtx && AC) audioCtx = new AC();
    if (audioCtx && audioCtx.state === 'suspended') audioCtx.resume();
  } catch { /* no audio */ }
}
function beep() {
  if (!S.sound || !audioCtx || audioCtx.state !== 'running') return;
  const t = audioCtx.currentTime, o = audioCtx.createOscillator(), g = audioCtx.createGain();
  o.frequency.value = 880;
  g.gain.setValueAtTime(0.0001, t);
  g.gain.exponentialRampToValueAtTime(0.12, t + 0.02);
  g.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
  o.connect(g).connect(audioCtx.destination);
  o.start(t);
  o.stop(t + 0.32);
}

// tone plays the given frequencies together from `at` for `dur` seconds.
function tone(freqs, at, dur, level) {
  const g = audioCtx.createGain();
  g.gain.setValueAtTime(0.0001, at);
  g.gain.exponentialRampToValueAtTime(level, at + 0.02);
  g.gain.setValueAtTime(level, at + dur - 0.03);
  g.gain.exponentialRampToValueAtTime(0.0001, at + dur);
  g.connect(audioCtx.destination);
  const oscs = freqs.map((f) => {
    const o = audioCtx.createOscillator();
    o.frequency.value = f;
    o.connect(g);
    o.start(at);
    o.stop(at + dur + 0.01);
    return o;
  });
  return oscs;
}

// Incoming calls ring (a double burst of 400+450 Hz every 3 s) while a voice offer is
// pending and sound is on; other offers keep their single beep.
let ringTimer = null;
let ringing = [];
const voiceOfferPending = () => [...S.offers.values()].some((o) => o.channel === 'voice');
function ringOnce() {
  if (!S.sound || !audioCtx || audioCtx.state !== 'running') return;
  const t = audioCtx.currentTime;
  ringing = [...tone([400, 450], t, 0.4, 0.06), ...tone([400, 450], t + 0.6, 0.4, 0.06)];
}
function stopRinging() {
  clearInterval(ringTimer);
  ringTimer = null;
  for (const o of ringing) { try { o.stop(); } catch { /* already stopped */ } }
  ringing = [];
}
function updateRinging() {
  const want = S.sound && voiceOfferPending();
  if (want && !ringTimer) {
    ringOnce();
    ringTimer = setInterval(() => { if (S.sound && voiceOfferPending()) ringOnce(); else stopRinging(); }, 3000);
  } else if (!want && ringTimer) {
    stopRinging();
  }
}

// Local feedback for a keypad press (the caller gets RFC 4733 events from the server).
const DTMF_FREQ = {
  1: [697, 1209], 2: [697, 1336], 3: [697, 1477], 4: [770, 1209], 5: [770, 1336], 6: [770, 1477],
  7: [852, 1209], 8: [852, 1336], 9: [852, 1477], '*': [941, 1209], 0: [941, 1336], '#': [941, 1477],
};
function dtmfTone(d) {
  if (!S.sound || !audioCtx || audioCtx.state !== 'running' || !DTMF_FREQ[d]) return;
  tone(DTMF_FREQ[d], audioCtx.currentTime, 0.12, 0.04);
}

// ---------- modals ----------
let lastFocus = null;
function openModal(id, focusSel) {
  const m = $(`#${id}`);
  if (m.hidden) lastFocus = document.activeElement;
  m.hidden = false;
  const f = (focusSel && $(focusSel, m)) || $('input, select, textarea, button', m);
  if (f) f.focus();
}
function closeModal(id) {
  const m = $(`#${id}`);
  if (m.hidden) return;
  m.hidden = true;
  if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
  lastFocus = null;
}
document.addEventListener('keydown', (e) => {
  const open = $$('.modal:not([hidden])').pop();
  if (!open) return;
  if (e.key === 'Escape') { e.preventDefault(); closeModal(open.id); return; }
  if (e.key === 'Tab') { // keep focus inside the dialog
    const f = $$('input, select, textarea, button, [tabindex]', open).filter((x) => !x.disabled && x.offsetParent);
    if (!f.length) return;
    if (e.shiftKey && document.activeElement === f[0]) { e.preventDefault(); f[f.length - 1].focus(); }
    else if (!e.shiftKey && document.activeElement === f[f.length - 1]) { e.preventDefault(); f[0].focus(); }
  }
});
document.addEventListener('click', (e) => {
  const c = e.target.closest('[data-close]');
  if (c) closeModal(c.closest('.modal').id);
});

// ---------- session ----------
function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (s && s.token && (!s.expires_at || (ts(s.expires_at) || Infinity) > Date.now())) return s;
  } catch { /* ignore */ }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function startSession(s) {
  S.session = s;
  setToken(s.token);
  $('#login-view').hidden = true;
  $('#app').hidden = false;
  $('#user-name').textContent = userLabel(s.user);
  $('#agent-name').textContent = s.agent_id || '';
  if (!s.agent_id) {
    $('#no-agent').hidden = false;
    $('#conv-empty').hidden = true;
    $$('.presence, .load, #conn-status').forEach((el) => { el.hidden = true; });
    return;
  }
  loadStatic();
  S.stream = new AgentStream({
    agentId: s.agent_id,
    getTicket: api.wsTicket,
    onEvent,
    onOpen: (reconnected) => {
      refresh();
      if (reconnected) reconnectSoftphone();
    },
    onStatus: renderConn,
    onAuthError: () => endSession('Your session has expired. Please sign in again.'),
  });
  S.stream.start();
  refresh();
}

function endSession(msg) {
  if (S.stream) S.stream.stop();
  stopSoftphone();
  closeDial();
  sessionStorage.removeItem(SESSION_KEY);
  setToken(null);
  Object.assign(S, { session: null, agent: null, selected: null, wrap: null, stream: null, device: null });
  [S.interactions, S.messages, S.unread, S.offers, S.handled, S.drafts, S.dtmfSent].forEach((c) => c.clear());
  $$('.modal').forEach((m) => { m.hidden = true; });
  $('#app').hidden = true;
  $('#login-view').hidden = false;
  $('#no-agent').hidden = true;
  $$('.presence, .load, #conn-status').forEach((el) => { el.hidden = false; });
  renderOffers();
  renderConversation();
  renderSoftphone();
  $('#login-error').textContent = msg || '';
  $('#login-username').focus();
}

setUnauthorizedHandler(() => endSession('Your session has expired. Please sign in again.'));

$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  unlockAudio();
  const err = $('#login-error'), btn = $('#login-submit');
  const username = $('#login-username').value.trim(), password = $('#login-password').value;
  err.textContent = '';
  if (!username || !password) { err.textContent = 'Enter your username and password.'; return; }
  btn.disabled = true;
  try {
    setToken(null);
    const r = await api.login(username, password);
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(r));
    $('#login-password').value = '';
    startSession(r);
  } catch (ex) {
    err.textContent = ex.message;
  } finally {
    btn.disabled = false;
  }
});

$('#sign-out').addEventListener('click', async () => {
  const id = me();
  if (id && S.agent && S.agent.state !== 'offline') {
    try { await api.setState(id, 'offline'); } catch { /* best effort */ }
  }
  if (id && S.device === 'browser') {
    const enabled = !(S.softphone && S.softphone.disabled);
    stopSoftphone();
    if (enabled) { try { await api.softphoneClose(id); } catch { /* best effort */ } }
  }
  try { await api.logout(); } catch { /* token may already be gone */ }
  endSession();
});

// ---------- data loading ----------
async function loadStatic() {
  const [reasons, dispositions] = await Promise.allSettled([api.reasons(), api.dispositions()]);
  if (reasons.status === 'fulfilled') S.reasons = reasons.value || [];
  if (dispositions.status === 'fulfilled') S.dispositions = dispositions.value || [];
  renderReasons();
  renderTopbar();
}

let refreshing = null;
function refresh() {
  if (!refreshing) refreshing = doRefresh().finally(() => { refreshing = null; });
  return refreshing;
}
async function doRefresh() {
  const id = me();
  if (!id) return;
  try {
    const [agent, list] = await Promise.all([api.agent(id), api.interactions(id)]);
    setAgent(agent);
    const seen = new Set();
    for (const it of list || []) { seen.add(it.id); upsert(it); }
    for (const k of [...S.interactions.keys()]) if (!seen.has(k)) drop(k);
    renderAll();
    for (const k of S.interactions.keys()) loadMessages(k); // fetches only what we missed
  } catch (e) { fail(e); }
}

function msgStore(id) {
  let m = S.messages.get(id);
  if (!m) S.messages.set(id, (m = new Map()));
  return m;
}
function sortedMessages(id) {
  return [...msgStore(id).values()].sort((a, b) => (a.seq || 0) - (b.seq || 0));
}
const lastMessage = (id) => { const l = sortedMessages(id); return l[l.length - 1]; };

async function loadMessages(id) {
  let after = 0;
  for (const m of msgStore(id).values()) after = Math.max(after, m.seq || 0);
  try {
    const list = await api.messages(id, after);
    for (const m of list || []) addMessage(m, true);
  } catch (e) { if (e.status !== 404) fail(e); }
  renderContacts();
  if (S.selected === id) renderMessages();
}

function addMessage(m, silent) {
  if (!m || !m.interaction_id) return false;
  const store = msgStore(m.interaction_id);
  const key = m.id != null ? String(m.id) : `seq:${m.seq}`;
  if (store.has(key)) return false;
  store.set(key, m);
  if (!silent && m.from === 'customer' && (S.selected !== m.interaction_id || document.hidden)) {
    S.unread.add(m.interaction_id);
  }
  return true;
}

function setAgent(a) {
  if (a && (!a.id || a.id === me())) {
    S.agent = a;
    applyDevice();
  }
}

// ---------- softphone ----------
// Browser agents run the softphone for the whole session; desk-phone agents do not.
function applyDevice() {
  const dev = (S.session && S.agent && S.agent.device) || null;
  if (dev === S.device) return;
  const prev = S.device;
  S.device = dev;
  if (dev === 'browser') {
    if (!S.softphone) {
      S.softphone = new Softphone({
        agentId: me(),
        audio: $('#softphone-audio'),
        onState: () => { renderSoftphone(); renderCallControls(); },
        onError: (m) => toast(`Softphone: ${m}`),
      });
    }
    S.softphone.start();
  } else if (S.softphone) {
    const enabled = !S.softphone.disabled;
    stopSoftphone();
    if (prev === 'browser' && enabled) api.softphoneClose(me()).catch(() => { /* best effort */ });
  }
  renderSoftphone();
}

function stopSoftphone() {
  if (S.softphone) S.softphone.stop();
  S.softphone = null;
}

function reconnectSoftphone() {
  if (S.softphone) S.softphone.restart();
}

function renderSoftphone() {
  const btn = $('#softphone'), el = $('#softphone-state');
  const dev = S.device;
  const sp = S.softphone;
  let state, label, title;
  if (dev === 'sip') {
    state = 'sip';
    label = 'Desk phone';
    title = 'Your calls ring on your SIP desk phone.';
  } else {
    state = sp ? sp.state : 'off';
    label = state;
    title = `Softphone ${state}${sp && sp.detail ? ` — ${sp.detail}` : ''}`;
  }
  btn.hidden = !dev;
  el.textContent = label;
  el.dataset.state = state;
  btn.dataset.state = state;
  btn.title = title;
  const retry = dev === 'browser' && (state === 'failed' || state === 'off');
  btn.classList.toggle('retry', retry);
  btn.setAttribute('aria-disabled', String(!retry));
  // Desk-phone agents dial on the phone; the server places desktop calls on the softphone.
  const dial = $('#dial-open');
  dial.hidden = dev !== 'browser' || !sp || sp.disabled;
  if (dial.hidden) closeDial();
}
$('#softphone').addEventListener('click', () => {
  const sp = S.softphone;
  if (S.device === 'browser' && sp && (sp.state === 'failed' || sp.state === 'off')) sp.restart();
});
document.addEventListener('pointerdown', () => { if (S.softphone) S.softphone.resumeAudio(); });

function offerFromInteraction(it) {
  const ids = (it.customer && it.customer.identities) || [];
  const phone = ids.find((i) => i.kind === 'phone') || ids[0];
  return normalizeOffer({
    interaction_id: it.id, session_id: it.session_id, channel: it.channel, queue: it.queue,
    customer_name: customerName(it), customer_number: phone ? phone.value : '',
    source_number: it.source_number, subject: it.subject, offered_at: it.offered_at || it.created_at,
  }, false, true);
}

// Live offers are timed from their arrival so a skewed client clock does not distort timers.
function normalizeOffer(o, live, synthetic) {
  const now = Date.now();
  let since = ts(o.offered_at) ?? now, until = ts(o.expires_at);
  if (live) {
    const skew = since - now;
    if (Math.abs(skew) > 1500) { since -= skew; if (until != null) until -= skew; }
  }
  return { ...o, _since: since, _until: until, _synthetic: !!synthetic };
}

function upsert(it) {
  if (!it || !it.id) return;
  const mine = !it.agent_id || it.agent_id === me();
  if (it.state !== 'offered' || !mine) {
    S.offers.delete(it.id);
    S.handled.delete(it.id);
  } else if (it.agent_id === me() && !S.offers.has(it.id) && !S.handled.has(it.id)) {
    S.offers.set(it.id, offerFromInteraction(it));
  }
  if (mine && LISTED.has(it.state)) S.interactions.set(it.id, it);
  else drop(it.id);
}

function drop(id) {
  S.interactions.delete(id);
  S.dtmfSent.delete(id);
  S.unread.delete(id);
  S.drafts.delete(id);
  if (S.selected === id) S.selected = null;
  if (S.wrap && S.wrap.id === id) { S.wrap = null; closeModal('wrapup'); }
}

// ---------- event stream ----------
function onEvent(msg) {
  switch (msg.type) {
    case 'hello':
    case 'agent':
      setAgent(msg.agent);
      renderTopbar();
      break;
    case 'offer': {
      const o = msg.offer;
      if (!o || !o.interaction_id) break;
      const prev = S.offers.get(o.interaction_id);
      S.handled.delete(o.interaction_id);
      S.offers.set(o.interaction_id, normalizeOffer(o, true));
      renderOffers();
      if ((!prev || prev._synthetic) && o.channel !== 'voice') beep(); // calls ring instead
      break;
    }
    case 'offer.revoked':
      if (S.offers.delete(msg.interaction_id)) {
        renderOffers();
        if (msg.reason !== 'accepted') toast(`Offer withdrawn${msg.reason ? `: ${msg.reason}` : ''}`, 'info');
      }
      break;
    case 'interaction':
      upsert(msg.interaction);
      renderAll();
      break;
    case 'message':
      if (addMessage(msg.message)) {
        renderContacts();
        if (msg.message.interaction_id === S.selected) renderMessages();
      }
      break;
    default:
      break;
  }
}

// ---------- rendering ----------
function renderAll() {
  renderTopbar();
  renderOffers();
  renderContacts();
  renderConversation();
  syncMute();
}

function renderConn(status, delay) {
  const el = $('#conn-status');
  el.dataset.status = status;
  el.textContent = {
    connected: 'Live',
    connecting: 'Connecting…',
    reconnecting: delay ? `Reconnecting in ${Math.round(delay / 1000)}s…` : 'Reconnecting…',
    stopped: 'Offline',
  }[status] || status;
}

function renderReasons() {
  const sel = $('#presence-reason');
  const cur = sel.value;
  sel.replaceChildren(...(S.reasons.length ? S.reasons : ['Break']).map((r) => h('option', { value: r }, r)));
  if (cur && S.reasons.includes(cur)) sel.value = cur;
}

function renderTopbar() {
  const a = S.agent;
  if (!a) return;
  const state = a.state || 'offline';
  $('#agent-name').textContent = a.name || a.id || me();
  const st = $('#presence-state');
  st.textContent = state;
  st.dataset.state = state;
  $('.presence-badge').dataset.state = state;
  $('#presence-reason-text').textContent = state === 'unavailable' && a.reason ? ` · ${a.reason}` : '';
  $('#presence-available').setAttribute('aria-pressed', String(state === 'available'));
  $('#presence-unavailable').setAttribute('aria-pressed', String(state === 'unavailable'));
  if (state === 'unavailable' && a.reason && S.reasons.includes(a.reason)) $('#presence-reason').value = a.reason;
  $('#rona-banner').hidden = state !== 'rona';
  $('#load').textContent = `${a.load_total ?? 0} / ${a.total_capacity ?? 0}`;
  const act = $('#activity');
  act.textContent = a.activity || '';
  act.className = `badge activity-${a.activity || 'idle'}`;
  act.hidden = !a.activity;
  const x = $('#extra-contact');
  x.hidden = !a.extra_contact_enabled;
  x.textContent = a.extra_pending ? `+1 contact (${a.extra_pending} pending)` : '+1 contact';
}

function renderOffers() {
  const box = $('#offers');
  for (const el of $$('.offer', box)) if (!S.offers.has(el.dataset.interactionId)) el.remove();
  for (const o of S.offers.values()) {
    const fresh = offerEl(o);
    const el = $$('.offer', box).find((x) => x.dataset.interactionId === String(o.interaction_id));
    if (!el) box.append(fresh);
    else if (el.dataset.sig !== fresh.dataset.sig) el.replaceWith(fresh);
  }
  box.hidden = S.offers.size === 0;
  document.title = S.offers.size ? `(${S.offers.size}) Incoming contact — Omnigate` : 'Omnigate Agent Desktop';
  updateRinging();
  tick();
}

function offerEl(o) {
  const id = String(o.interaction_id);
  const titleId = `offer-title-${id.replace(/[^\w-]/g, '_')}`;
  const row = (label, cls, value) => [h('dt', {}, label), h('dd', { class: cls, text: value || '—' })];
  const voice = o.channel === 'voice';
  const el = h('article', { class: `offer${voice ? ' offer-voice' : ''}`, 'data-interaction-id': id, role: 'alertdialog', 'aria-labelledby': titleId },
    h('div', { class: 'offer-head' },
      h('span', { class: 'offer-channel' }, chIcon(o.channel), o.channel || 'contact'),
      h('span', { class: 'offer-countdown' })),
    h('h2', { class: 'offer-customer-name', id: titleId, text: o.customer_name || 'Unknown customer' }),
    h('dl', { class: 'offer-details' },
      row('Customer number', 'offer-customer-number', o.customer_number),
      row('Dialled number', 'offer-source-number', o.source_number),
      row('Queue', 'offer-queue', o.queue),
      o.subject ? row('Subject', 'offer-subject', o.subject) : null,
      h('dt', {}, 'Waiting'), h('dd', {}, h('span', { class: 'offer-timer mono', 'data-since': o._since }, '0:00'))),
    o._until != null ? h('div', { class: 'offer-progress', 'aria-hidden': 'true' }, h('div', { class: 'offer-progress-bar' })) : null,
    h('div', { class: 'offer-actions' },
      h('button', { class: 'btn offer-decline', type: 'button', onclick: () => offerAction(id, 'decline') }, 'Decline'),
      h('button', { class: 'btn btn-primary offer-accept', type: 'button', onclick: () => offerAction(id, 'accept') }, 'Accept')));
  el.dataset.sig = JSON.stringify([o.channel, o.customer_name, o.customer_number, o.source_number, o.queue, o.subject, o._since, o._until]);
  return el;
}

async function offerAction(id, verb) {
  const card = $$('.offer').find((x) => x.dataset.interactionId === id);
  if (card) $$('button', card).forEach((b) => { b.disabled = true; });
  try {
    const it = await api.act(id, verb);
    S.offers.delete(id);
    S.handled.add(id);
    upsert(it);
    if (verb === 'accept') selectContact(id, true);
  } catch (e) {
    fail(e);
    if ([404, 409, 410].includes(e.status)) S.offers.delete(id);
    else if (card) $$('button', card).forEach((b) => { b.disabled = false; });
  }
  renderAll();
}

function contactEl(it) {
  const last = lastMessage(it.id);
  const preview = last ? last.text
    : it.channel === 'voice' ? [it.direction === 'outbound' ? 'Outbound call' : 'Call', phoneOf(it)].filter(Boolean).join(' · ')
    : it.subject || it.body || '';
  const selected = S.selected === it.id;
  const unread = S.unread.has(it.id);
  return h('li', {},
    h('button', {
      type: 'button', class: `contact${selected ? ' selected' : ''}${unread ? ' unread' : ''}`,
      'data-interaction-id': it.id, 'aria-current': selected ? 'true' : null,
      onclick: () => openContact(it.id),
    },
    chIcon(it.channel),
    h('span', { class: 'contact-main' },
      h('span', { class: 'contact-name', text: customerName(it) }),
      h('span', { class: 'contact-preview', text: String(preview).slice(0, 90) })),
    h('span', { class: 'contact-side' },
      h('span', { class: `badge state-${it.state}`, text: it.state }),
      h('span', { class: 'contact-channel', text: it.channel }),
      unread ? h('span', { class: 'unread-dot', title: 'Unread messages' }, h('span', { class: 'sr-only' }, 'unread')) : null)));
}

function renderContacts() {
  const ul = $('#contacts');
  const focusedId = document.activeElement && document.activeElement.classList.contains('contact')
    ? document.activeElement.dataset.interactionId : null;
  const t = (it) => ts(it.accepted_at) ?? ts(it.offered_at) ?? ts(it.created_at) ?? 0;
  const items = [...S.interactions.values()].sort((a, b) => t(a) - t(b));
  ul.replaceChildren(...items.map(contactEl));
  $('#contacts-empty').hidden = items.length > 0;
  $('#contact-count').textContent = String(items.length);
  if (focusedId) {
    const el = $$('.contact', ul).find((x) => x.dataset.interactionId === focusedId);
    if (el) el.focus();
  }
}

function selectContact(id, focusCompose) {
  const compose = $('#compose');
  if (S.selected && S.selected !== id) {
    if (compose.value) S.drafts.set(S.selected, compose.value);
    else S.drafts.delete(S.selected);
  }
  if (S.selected !== id) {
    compose.value = S.drafts.get(id) || '';
    S.forceScroll = true;
  }
  S.selected = id;
  S.unread.delete(id);
  renderContacts();
  renderConversation();
  if (!S.messages.has(id)) loadMessages(id);
  const it = S.interactions.get(id);
  if (focusCompose && it && it.channel === 'voice') {
    const b = $$('#call-view .call-controls .btn').find((x) => !x.hidden);
    if (b) b.focus();
  } else if (focusCompose && !compose.disabled && !$('#compose-form').hidden) compose.focus();
}

function openContact(id) {
  selectContact(id);
  const it = S.interactions.get(id);
  if (it && it.state === 'wrapup') openWrapup(id);
}

function renderConversation() {
  const it = S.interactions.get(S.selected);
  const voice = !!it && it.channel === 'voice';
  $('#conv').hidden = !it || voice;
  $('#conv-empty').hidden = !!it || !me();
  renderCall(voice ? it : null);
  if (!it || voice) return;
  $('#conv-name').textContent = customerName(it);
  const ids = (it.customer && it.customer.identities) || [];
  $('#conv-identities').replaceChildren(...ids.map((i) =>
    h('li', {}, h('span', { class: 'muted', text: `${i.kind}: ` }), i.value)));
  $('#conv-channel').replaceChildren(chIcon(it.channel), it.channel || '—');
  $('#conv-queue').textContent = it.queue || '—';
  const st = $('#conv-state');
  st.textContent = it.state;
  st.className = `badge state-${it.state}`;
  $('#conv-timer').dataset.since = String(ts(it.accepted_at) ?? ts(it.offered_at) ?? ts(it.created_at) ?? Date.now());

  const hold = $('#hold');
  hold.hidden = !['active', 'held'].includes(it.state);
  hold.textContent = it.state === 'held' ? 'Resume' : 'Hold';
  $('#transfer-open').hidden = !['active', 'held'].includes(it.state);
  $('#end-contact').textContent = it.state === 'wrapup' ? 'Wrap up' : 'End';
  $('#conv-banner').hidden = it.state !== 'wrapup';

  const showDetail = DETAIL_CHANNELS.has(it.channel) || !!(it.subject || (it.body && it.channel !== 'chat'));
  $('#conv-detail').hidden = !showDetail;
  $('#conv-subject').textContent = it.subject || '(no subject)';
  $('#conv-body').textContent = it.body || '';

  const noCompose = NO_COMPOSE.has(it.channel);
  $('#compose-form').hidden = noCompose;
  $('#compose').disabled = !COMPOSE_STATES.has(it.state);
  $('#chat-messages').hidden = it.channel === 'workitem' && msgStore(it.id).size === 0;
  renderMessages();
  updateCount();
  tick();
}

function renderMessages() {
  const box = $('#chat-messages');
  const id = S.selected;
  const it = S.interactions.get(id);
  const msgs = id ? sortedMessages(id) : [];
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.replaceChildren(...msgs.map((m) => {
    const kind = m.from === 'customer' ? 'customer' : m.from === 'system' ? 'system' : 'agent';
    const who = kind === 'customer' ? (it ? customerName(it) : 'Customer')
      : kind === 'system' ? 'System' : m.from === me() ? 'You' : m.from;
    return h('li', { class: `msg from-${kind}`, 'data-seq': m.seq ?? '', 'data-id': m.id ?? '' },
      h('div', { class: 'msg-meta' }, h('span', { class: 'msg-who', text: who }),
        h('time', { datetime: m.at || '', text: fmtClock(m.at) })),
      h('div', { class: 'msg-text', text: m.text || '' }));
  }));
  if (!msgs.length) box.append(h('li', { class: 'msg-empty muted', text: 'No messages yet.' }));
  if (nearBottom || S.forceScroll) box.scrollTop = box.scrollHeight;
  S.forceScroll = false;
}

function tick() {
  const now = Date.now();
  for (const el of $$('[data-since]')) {
    const since = Number(el.dataset.since);
    if (since) el.textContent = fmtDur(now - since);
  }
  let expired = false;
  for (const card of $$('.offer')) {
    const o = S.offers.get(card.dataset.interactionId);
    const cd = $('.offer-countdown', card);
    if (!o || o._until == null) { cd.textContent = ''; continue; }
    const left = o._until - now;
    cd.textContent = left > 0 ? `Expires in ${fmtDur(left)}` : 'Expired';
    card.classList.toggle('urgent', left <= 5000);
    const bar = $('.offer-progress-bar', card);
    const total = Math.max(1, o._until - o._since);
    if (bar) bar.style.width = `${Math.max(0, Math.min(100, (left / total) * 100))}%`;
    if (left < -3000) { S.offers.delete(card.dataset.interactionId); expired = true; }
  }
  if (expired) renderOffers();
}
setInterval(tick, 1000);

// ---------- presence ----------
async function setPresence(state, reason) {
  try {
    setAgent(await api.setState(me(), state, reason));
    renderTopbar();
  } catch (e) { fail(e); }
}
$('#presence-available').addEventListener('click', () => setPresence('available'));
$('#presence-unavailable').addEventListener('click', () => setPresence('unavailable', $('#presence-reason').value));
$('#presence-reason').addEventListener('change', (e) => {
  if (S.agent && S.agent.state === 'unavailable') setPresence('unavailable', e.target.value);
});
$('#extra-contact').addEventListener('click', async () => {
  try { setAgent(await api.extraContact(me())); renderTopbar(); toast('One extra contact allowed', 'info'); } catch (e) { fail(e); }
});
const soundBtn = $('#sound-toggle');
function renderSound() {
  soundBtn.setAttribute('aria-pressed', String(S.sound));
  soundBtn.textContent = S.sound ? 'Sound on' : 'Sound off';
}
soundBtn.addEventListener('click', () => {
  S.sound = !S.sound;
  localStorage.setItem(SOUND_KEY, S.sound ? 'on' : 'off');
  renderSound();
  if (S.sound) { unlockAudio(); beep(); }
  updateRinging();
});
renderSound();
document.addEventListener('pointerdown', unlockAudio, { once: true });
document.addEventListener('keydown', unlockAudio, { once: true });
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && S.selected && S.unread.delete(S.selected)) renderContacts();
});

// ---------- compose ----------
const compose = $('#compose');
function updateCount() {
  const n = charCount(compose.value);
  const over = n > MAX_LEN;
  const cnt = $('#compose-count');
  cnt.textContent = `${n} / ${MAX_LEN}`;
  cnt.classList.toggle('over', over);
  compose.setAttribute('aria-invalid', String(over));
  $('#send').disabled = over || !compose.value.trim() || S.sending || compose.disabled;
}
compose.addEventListener('input', updateCount);
let swallowBreak = false; // some drivers deliver Enter's character separately from keydown
compose.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); swallowBreak = true; send(); }
});
compose.addEventListener('keyup', (e) => { if (e.key === 'Enter') swallowBreak = false; });
compose.addEventListener('beforeinput', (e) => { if (swallowBreak && e.inputType === 'insertLineBreak') e.preventDefault(); });
$('#compose-form').addEventListener('submit', (e) => { e.preventDefault(); send(); });

async function send() {
  const id = S.selected;
  const text = compose.value.trim();
  if (!id || !text || charCount(text) > MAX_LEN || S.sending || compose.disabled) return;
  S.sending = true;
  updateCount();
  try {
    const m = await api.sendMessage(id, text);
    if (S.selected === id) compose.value = '';
    S.drafts.delete(id);
    if (m && m.interaction_id) addMessage(m, true);
    S.forceScroll = true;
    renderContacts();
    if (S.selected === id) renderMessages();
  } catch (e) {
    fail(e);
  } finally {
    S.sending = false;
    updateCount();
    compose.focus();
  }
}

// ---------- hold / end ----------
async function act(verb) {
  const id = S.selected;
  if (!id) return null;
  try {
    const it = await api.act(id, verb);
    upsert(it);
    renderAll();
    return it || null;
  } catch (e) { fail(e); return null; }
}
$('#hold').addEventListener('click', () => {
  const it = S.interactions.get(S.selected);
  if (it) act(it.state === 'held' ? 'resume' : 'hold');
});
// endContact ends a chat or hangs up a call, then opens the wrap-up dialog.
async function endContact(id, btn) {
  const it = S.interactions.get(id);
  if (!it) return;
  if (it.state === 'wrapup') { openWrapup(id); return; }
  btn.disabled = true;
  let res = null;
  try {
    res = await api.act(id, 'end');
    upsert(res);
    renderAll();
  } catch (e) { fail(e); }
  btn.disabled = false;
  if (res && !TERMINAL.has(res.state)) {
    if (!S.interactions.has(id)) S.interactions.set(id, { ...it, ...res });
    openWrapup(id);
  }
}
$('#end-contact').addEventListener('click', () => endContact(S.selected, $('#end-contact')));
$('#conv-wrapup').addEventListener('click', () => { if (S.selected) openWrapup(S.selected); });

// ---------- call view (voice interactions) ----------
const callId = () => $('#call-view').dataset.interactionId || '';

function renderCall(it) {
  const view = $('#call-view');
  const timer = $('#call-timer');
  if (!it) {
    view.hidden = true;
    delete view.dataset.interactionId;
    delete view.dataset.state;
    delete timer.dataset.since;
    return;
  }
  const fresh = view.dataset.interactionId !== it.id;
  view.hidden = false;
  view.dataset.interactionId = it.id;
  view.dataset.state = it.state;
  $('#call-name').textContent = customerName(it);
  const num = phoneOf(it) === customerName(it) ? '' : phoneOf(it);
  const via = it.direction !== 'outbound' && it.source_number ? `called ${it.source_number}` : '';
  $('#call-number').textContent = [num, via].filter(Boolean).join(' · ');
  $('#call-direction').textContent = it.direction === 'outbound' ? 'Outbound' : 'Inbound';
  $('#call-queue').textContent = it.queue || '—';
  const st = $('#call-state');
  st.textContent = it.state;
  st.className = `badge state-${it.state}`;

  const onCall = ON_CALL.has(it.state);
  const start = ts(it.accepted_at) ?? ts(it.created_at) ?? ts(it.offered_at)
    ?? ((!fresh && Number(timer.dataset.since)) || Date.now());
  if (onCall) {
    timer.dataset.since = String(start);
    timer.textContent = fmtDur(Date.now() - start);
  } else {
    delete timer.dataset.since;
    timer.textContent = fmtDur((ts(it.ended_at) ?? Date.now()) - start);
  }

  const hold = $('#call-hold');
  hold.hidden = !['active', 'held'].includes(it.state);
  hold.textContent = it.state === 'held' ? 'Resume' : 'Hold';
  hold.setAttribute('aria-pressed', String(it.state === 'held'));
  $('#call-hangup').hidden = it.state === 'wrapup';
  $('#call-banner').hidden = it.state !== 'wrapup';
  $('#call-ended-reason').textContent = it.state === 'wrapup' && it.reason ? ` (${it.reason})` : '';
  // Desk phones send their own keypad tones; the softphone sends the desktop's.
  $('#call-keypad').hidden = !onCall || S.device !== 'browser';
  for (const k of $$('.dtmf-key', view)) k.disabled = it.state !== 'active';
  $('#call-dtmf-sent').textContent = S.dtmfSent.get(it.id) || 'none';
  renderCallControls();
  if (fresh) {
    resetQuality();
    updateQuality();
  }
}

// Mute and quality depend on the softphone, which changes on its own.
function renderCallControls() {
  const it = S.interactions.get(callId());
  const onCall = !!it && ON_CALL.has(it.state);
  const browser = S.device === 'browser';
  const muted = !!(S.softphone && S.softphone.muted);
  const mute = $('#call-mute');
  mute.hidden = !onCall || !browser;
  mute.textContent = muted ? 'Unmute' : 'Mute';
  mute.setAttribute('aria-pressed', String(muted));
  mute.disabled = !S.softphone;
  $('#call-muted').hidden = !(onCall && muted);
  $('#call-quality-box').hidden = !onCall || !browser;
}

// A muted microphone is a property of the call: unmute once no call is up.
function syncMute() {
  const sp = S.softphone;
  if (!sp || !sp.muted) return;
  if (![...S.interactions.values()].some((it) => it.channel === 'voice' && ON_CALL.has(it.state))) {
    sp.setMuted(false);
    renderCallControls();
  }
}

function resetQuality() {
  const el = $('#call-quality');
  el.textContent = '—';
  el.dataset.level = 'none';
  delete el.dataset.mos;
  el.title = 'Measuring call quality…';
  el.setAttribute('aria-label', 'Call quality: measuring');
}

const ms = (v) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;
let qualityBusy = false;
async function updateQuality() {
  const id = callId();
  const it = S.interactions.get(id);
  const sp = S.softphone;
  if (!it || !ON_CALL.has(it.state) || !sp || S.device !== 'browser' || qualityBusy) return;
  qualityBusy = true;
  let q = null;
  try { q = await sp.quality(); } catch { q = null; } finally { qualityBusy = false; }
  if (callId() !== id) return;
  if (!q) { resetQuality(); return; }
  const el = $('#call-quality');
  const label = qualityLabel(q.mos);
  const detail = `MOS ${q.mos.toFixed(2)} · packet loss ${(q.loss * 100).toFixed(1)} % · ` +
    `jitter ${ms(q.jitterMs)} · round trip ${q.rttMs == null ? 'n/a' : ms(q.rttMs)}`;
  el.textContent = label;
  el.dataset.mos = q.mos.toFixed(2);
  el.dataset.level = label.toLowerCase();
  el.title = detail;
  el.setAttribute('aria-label', `Call quality: ${label}. ${detail}`);
}
setInterval(updateQuality, 2000);

async function callAct(verb, btn) {
  const id = callId();
  if (!id) return;
  btn.disabled = true;
  try {
    const it = await api.act(id, verb);
    upsert(it);
    renderAll();
  } catch (e) { fail(e); }
  btn.disabled = false;
}
$('#call-hold').addEventListener('click', (e) => {
  const it = S.interactions.get(callId());
  if (it) callAct(it.state === 'held' ? 'resume' : 'hold', e.currentTarget);
});
$('#call-mute').addEventListener('click', () => {
  if (!S.softphone) return;
  S.softphone.setMuted(!S.softphone.muted);
  renderCallControls();
});
$('#call-hangup').addEventListener('click', () => endContact(callId(), $('#call-hangup')));
$('#call-wrapup').addEventListener('click', () => { if (callId()) openWrapup(callId()); });

// Keypad presses go to the far end in the media (RFC 4733 via the softphone).
function sendDigit(d) {
  const id = callId();
  const it = S.interactions.get(id);
  if (!it || it.state !== 'active' || !DTMF_KEYS.has(d) || !S.softphone) return;
  try {
    S.softphone.sendDTMF(d);
  } catch (e) { toast(e.message); return; }
  dtmfTone(d);
  const key = $$('.dtmf-key').find((k) => k.dataset.digit === d);
  if (key) {
    key.classList.add('pressed');
    setTimeout(() => key.classList.remove('pressed'), 150);
  }
  S.dtmfSent.set(id, (S.dtmfSent.get(id) || '') + d);
  $('#call-dtmf-sent').textContent = S.dtmfSent.get(id);
}
$('#call-view').addEventListener('click', (e) => {
  const k = e.target.closest('.dtmf-key');
  if (k && !k.disabled) sendDigit(k.dataset.digit);
});
$('#call-view').addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || !DTMF_KEYS.has(e.key)) return;
  if (e.target.closest('input, textarea, select')) return;
  e.preventDefault();
  sendDigit(e.key);
});

// ---------- dial pad ----------
const dialPanel = $('#dial-panel');
const dialOpenBtn = $('#dial-open');
const dialNumber = $('#dial-number');

function fillDialQueues() {
  const sel = $('#dial-queue');
  const queues = (S.agent && S.agent.queues) || [];
  const cur = sel.value || localStorage.getItem(DIAL_QUEUE_KEY) || '';
  sel.replaceChildren(...queues.map((q) => h('option', { value: q }, q)));
  if (!queues.length) sel.append(h('option', { value: '' }, 'No queues'));
  if (cur && queues.includes(cur)) sel.value = cur;
  sel.disabled = !queues.length;
}
function openDial() {
  $('#dial-error').textContent = '';
  fillDialQueues();
  dialPanel.hidden = false;
  dialOpenBtn.setAttribute('aria-expanded', 'true');
  dialNumber.focus();
}
function closeDial(restoreFocus) {
  if (dialPanel.hidden) return;
  dialPanel.hidden = true;
  dialOpenBtn.setAttribute('aria-expanded', 'false');
  if (restoreFocus && !dialOpenBtn.hidden) dialOpenBtn.focus();
}
dialOpenBtn.addEventListener('click', () => { if (dialPanel.hidden) openDial(); else closeDial(); });
$('#dial-cancel').addEventListener('click', () => closeDial(true));
dialPanel.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { e.preventDefault(); closeDial(true); }
});
document.addEventListener('pointerdown', (e) => {
  if (!dialPanel.hidden && !e.target.closest('.dial-wrap')) closeDial();
});
dialNumber.addEventListener('input', () => {
  const v = dialNumber.value.replace(/[^0-9+*#]/g, '');
  if (v !== dialNumber.value) dialNumber.value = v;
  $('#dial-error').textContent = '';
});
$('.dial-keys').addEventListener('click', (e) => {
  const k = e.target.closest('.dial-key');
  if (!k) return;
  if (k.id === 'dial-back') dialNumber.value = dialNumber.value.slice(0, -1);
  else if (dialNumber.value.length < 64) dialNumber.value += k.dataset.digit;
  $('#dial-error').textContent = '';
  dialNumber.focus();
});
dialPanel.addEventListener('submit', async (e) => {
  e.preventDefault();
  const err = $('#dial-error');
  const btn = $('#dial-call');
  const number = dialNumber.value.trim();
  const queue = $('#dial-queue').value;
  err.textContent = '';
  if (!number) { err.textContent = 'Enter the number to call.'; dialNumber.focus(); return; }
  if (!/^[+0-9*#]{1,64}$/.test(number)) { err.textContent = 'Use digits, + * and # only (at most 64).'; dialNumber.focus(); return; }
  if (!queue) { err.textContent = 'Choose the queue this call counts under.'; return; }
  if (btn.disabled) return;
  btn.disabled = true;
  btn.textContent = 'Calling…';
  try {
    const it = await api.dial(me(), number, queue);
    localStorage.setItem(DIAL_QUEUE_KEY, queue);
    dialNumber.value = '';
    closeDial();
    if (it && it.id) {
      upsert(it);
      selectContact(it.id);
    }
    renderAll();
  } catch (ex) {
    if (ex.status !== 401) err.textContent = ex.message;
  } finally {
    btn.disabled = false;
    btn.textContent = 'Call';
  }
});

// ---------- transfer ----------
$('#transfer-open').addEventListener('click', async () => {
  if (!S.selected) return;
  $('#transfer-error').textContent = '';
  $('#transfer-agent').value = '';
  const sel = $('#transfer-queue');
  sel.replaceChildren(h('option', { value: '' }, 'Choose a queue…'));
  openModal('transfer', '#transfer-queue');
  try {
    const queues = (await api.queues()) || [];
    const cur = S.interactions.get(S.selected);
    sel.append(...queues.map((q) => h('option', { value: q.name },
      `${q.name}${cur && cur.queue === q.name ? ' (current)' : ''} — ${q.waiting ?? 0} waiting`)));
  } catch (e) { $('#transfer-error').textContent = e.message; }
});
$('#transfer-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = S.selected;
  const agent = $('#transfer-agent').value.trim();
  const queue = $('#transfer-queue').value;
  const err = $('#transfer-error');
  err.textContent = '';
  if (!id) return;
  if (!agent && !queue) { err.textContent = 'Choose a queue or enter an agent ID.'; return; }
  const btn = $('#transfer-submit');
  btn.disabled = true;
  try {
    const it = await api.transfer(id, agent ? { agent_id: agent } : { queue });
    closeModal('transfer');
    upsert(it);
    renderAll();
    toast(`Transferred to ${agent ? `agent ${agent}` : `queue ${queue}`}`, 'info');
  } catch (ex) {
    err.textContent = ex.message;
  } finally { btn.disabled = false; }
});

// ---------- wrap-up ----------
const wrapSearch = $('#wrapup-search');
const tagInput = $('#wrapup-tag-input');

async function openWrapup(id) {
  const it = S.interactions.get(id);
  if (!it) return;
  if (!S.wrap || S.wrap.id !== id) {
    S.wrap = { id, code: it.disposition || null, tags: [...(it.tags || [])] };
    $('#wrapup-notes').value = it.notes || '';
    tagInput.value = '';
  }
  wrapSearch.value = '';
  $('#wrapup-error').textContent = '';
  $('#wrapup-who').textContent = `— ${customerName(it)}`;
  renderDispositions();
  renderTags();
  openModal('wrapup', '#wrapup-search');
  if (!S.dispositions.length) {
    try { S.dispositions = (await api.dispositions()) || []; renderDispositions(); } catch (e) { $('#wrapup-error').textContent = e.message; }
  }
}

function renderDispositions() {
  const q = wrapSearch.value.trim().toLowerCase();
  const list = S.dispositions.filter((d) =>
    !q || String(d.label || '').toLowerCase().includes(q) || String(d.code).toLowerCase().includes(q));
  $('#wrapup-list').replaceChildren(...list.map((d) => h('li', {},
    h('button', { type: 'button', class: 'disposition', 'data-code': d.code, onclick: () => pickDisposition(d.code) },
      h('span', { class: 'disposition-check', 'aria-hidden': 'true' }), d.label || d.code))));
  if (!list.length) $('#wrapup-list').append(h('li', { class: 'muted small', text: 'No matching disposition.' }));
  markDisposition();
}
function markDisposition() {
  const code = S.wrap && S.wrap.code;
  for (const b of $$('#wrapup-list .disposition')) {
    const on = b.dataset.code === code;
    b.classList.toggle('selected', on);
    b.setAttribute('aria-pressed', String(on));
  }
  const d = S.dispositions.find((x) => x.code === code);
  $('#wrapup-selected').textContent = code ? (d && d.label) || code : 'none';
  $('#wrapup-done').disabled = !code;
}
function pickDisposition(code) {
  if (!S.wrap) return;
  S.wrap.code = code;
  markDisposition();
}
wrapSearch.addEventListener('input', renderDispositions);
wrapSearch.addEventListener('keydown', (e) => {
  const first = $('#wrapup-list .disposition');
  if (e.key === 'Enter' && first) { e.preventDefault(); pickDisposition(first.dataset.code); }
});

function renderTags() {
  const tags = S.wrap ? S.wrap.tags : [];
  $('#wrapup-tags').replaceChildren(...tags.map((t, i) => h('span', { class: 'tag-chip', 'data-tag': t },
    t,
    h('button', { type: 'button', class: 'tag-remove', 'aria-label': `Remove tag ${t}`,
      onclick: () => { S.wrap.tags.splice(i, 1); renderTags(); tagInput.focus(); } }))));
}
function addTag(raw) {
  const t = raw.trim().replace(/,+$/, '').trim();
  if (!t || !S.wrap || S.wrap.tags.includes(t)) return;
  S.wrap.tags.push(t);
  renderTags();
}
tagInput.addEventListener('keydown', (e) => {
  if ((e.key === 'Enter' || e.key === ',') && !e.isComposing) {
    e.preventDefault();
    addTag(tagInput.value);
    tagInput.value = '';
  } else if (e.key === 'Backspace' && !tagInput.value && S.wrap && S.wrap.tags.length) {
    S.wrap.tags.pop();
    renderTags();
  }
});

$('#wrapup-done').addEventListener('click', async () => {
  const w = S.wrap;
  if (!w || !w.code) return;
  if (tagInput.value.trim()) { addTag(tagInput.value); tagInput.value = ''; }
  const btn = $('#wrapup-done');
  btn.disabled = true;
  $('#wrapup-error').textContent = '';
  try {
    const it = await api.wrapup(w.id, { disposition: w.code, notes: $('#wrapup-notes').value, tags: w.tags });
    S.wrap = null;
    closeModal('wrapup');
    if (it && it.id) upsert(it);
    drop(w.id);
    S.messages.delete(w.id);
    renderAll();
    toast('Wrap-up saved', 'ok');
  } catch (e) {
    $('#wrapup-error').textContent = e.message;
    btn.disabled = false;
  }
});

// ---------- boot ----------
const saved = loadSession();
if (saved) startSession(saved);
else $('#login-username').focus();

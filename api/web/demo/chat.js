// chat.js — customer-facing demo chat over the public WebSocket /api/v1/chat.
const MAX_LEN = 10000;
const TOKEN_KEY = 'omnigate.chat_token';
const DELAYS = [1000, 2000, 5000];
const WAITING = new Set(['queued', 'offered']);
const ENDED = new Set(['wrapup', 'done', 'closed', 'abandoned', 'ended']);

const $ = (s) => document.querySelector(s);
const log = $('#chat-log'), input = $('#chat-input'), statusEl = $('#chat-status');

let ws = null;
let token = sessionStorage.getItem(TOKEN_KEY);
let pendingStart = null;  // start message to send once connected
let awaitingReply = false; // resume sent, no answer yet
let ended = false;
let attempt = 0;
let timer = null;
let agentName = '';
let lastState = '';
const seen = new Map(); // message key -> message

const charCount = (s) => { let n = 0; for (const _ of s) n++; return n; };
const setStatus = (t) => { statusEl.textContent = t; };
const setError = (t) => { $('#chat-error').textContent = t || ''; };

function showChat() {
  $('#start-view').hidden = true;
  $('#chat-view').hidden = false;
}

function showStart(err) {
  $('#chat-view').hidden = true;
  $('#start-view').hidden = false;
  $('#start-error').textContent = err || '';
  $('#chat-name').focus();
}

function connect() {
  clearTimeout(timer);
  if (ws || ended) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const sock = new WebSocket(`${proto}//${location.host}/api/v1/chat`);
  ws = sock;
  sock.onopen = () => {
    if (token) { awaitingReply = true; send({ type: 'resume', chat_token: token }); }
    else if (pendingStart) send(pendingStart);
    updateCount();
  };
  sock.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch { return; }
    handle(m);
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    ws = null;
    updateCount();
    if (ended || (!token && !pendingStart)) return;
    const d = DELAYS[Math.min(attempt++, DELAYS.length - 1)];
    setStatus('Connection lost — reconnecting…');
    timer = setTimeout(connect, d);
  };
}

function send(obj) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(obj));
  return true;
}

function handle(m) {
  switch (m.type) {
    case 'started':
      attempt = 0;
      awaitingReply = false;
      pendingStart = null;
      if (m.chat_token) { token = m.chat_token; sessionStorage.setItem(TOKEN_KEY, token); }
      if (!lastState) setStatus('Waiting for an agent…');
      break;
    case 'message':
      awaitingReply = false;
      addMessage(m.message);
      break;
    case 'state':
      attempt = 0;
      awaitingReply = false;
      onState(m.state, m.agent_name);
      break;
    case 'error':
      if (awaitingReply) { // resume failed: the old chat is gone
        awaitingReply = false;
        forget();
        closeSocket();
        showStart('Your previous chat could not be resumed. Please start a new one.');
      } else if (pendingStart && !token) {
        pendingStart = null;
        closeSocket();
        showStart(m.error || 'Could not start the chat.');
      } else {
        setError(m.error || 'Something went wrong.');
      }
      break;
    default:
      break;
  }
}

function onState(state, name) {
  if (name) agentName = name;
  const who = agentName || 'An agent';
  if (WAITING.has(state)) setStatus(lastState && !WAITING.has(lastState) ? 'Transferring you — waiting for an agent…' : 'Waiting for an agent…');
  else if (state === 'active') setStatus(lastState === 'held' ? `${who} is back` : `${who} joined`);
  else if (state === 'held') setStatus(`${who} put the chat on hold — please wait`);
  else if (state === 'consult' || state === 'conference') setStatus(`${who} is checking with a colleague…`);
  else if (state === 'interrupted') setStatus('The connection was interrupted…');
  else if (ENDED.has(state)) { endChat(); return; }
  else setStatus(state ? `Status: ${state}` : '');
  lastState = state;
}

function endChat() {
  ended = true;
  lastState = 'closed';
  pendingStart = null;
  forget();
  setStatus('The conversation has ended');
  input.disabled = true;
  $('#chat-leave').hidden = true;
  $('#chat-new').hidden = false;
  updateCount();
  closeSocket();
}

function forget() {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

function closeSocket() {
  clearTimeout(timer);
  const s = ws;
  ws = null;
  if (s) { s.onclose = null; s.close(1000); }
}

function fmtClock(at) {
  const t = Date.parse(at || '');
  return Number.isFinite(t) ? new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
}

function addMessage(msg) {
  if (!msg) return;
  const key = msg.id != null ? String(msg.id) : `seq:${msg.seq}`;
  if (seen.has(key)) return;
  seen.set(key, msg);
  const list = [...seen.values()].sort((a, b) => (a.seq || 0) - (b.seq || 0));
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.replaceChildren(...list.map(msgEl));
  if (nearBottom || msg.from === 'customer') log.scrollTop = log.scrollHeight;
}

function msgEl(m) {
  const mine = m.from === 'customer';
  const li = document.createElement('li');
  li.className = `msg ${mine ? 'from-customer' : 'from-agent'}`;
  li.dataset.seq = m.seq ?? '';
  const meta = document.createElement('div');
  meta.className = 'msg-meta';
  meta.textContent = `${mine ? 'You' : agentName || 'Agent'} · ${fmtClock(m.at)}`;
  const text = document.createElement('div');
  text.className = 'msg-text';
  text.textContent = m.text || '';
  li.append(meta, text);
  return li;
}

function updateCount() {
  const n = charCount(input.value);
  const over = n > MAX_LEN;
  const c = $('#chat-count');
  c.textContent = `${n} / ${MAX_LEN}`;
  c.classList.toggle('over', over);
  input.setAttribute('aria-invalid', String(over));
  $('#chat-send').disabled = over || !input.value.trim() || input.disabled;
}

function sendMessage() {
  const text = input.value.trim();
  if (!text || charCount(text) > MAX_LEN || ended) return;
  if (!send({ type: 'message', text })) { setError('Not connected yet — your message was kept, try again in a moment.'); return; }
  setError('');
  input.value = '';
  updateCount();
}

function reset() {
  closeSocket();
  ended = false;
  agentName = '';
  lastState = '';
  attempt = 0;
  seen.clear();
  log.replaceChildren();
  input.disabled = false;
  input.value = '';
  setError('');
  $('#chat-leave').hidden = false;
  $('#chat-new').hidden = true;
  updateCount();
}

$('#start-view').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('#chat-name').value.trim();
  const email = $('#chat-email').value.trim();
  const phone = $('#chat-phone').value.trim();
  const text = $('#chat-first').value.trim();
  if (!name) { $('#start-error').textContent = 'Please tell us your name.'; $('#chat-name').focus(); return; }
  if (email && !$('#chat-email').checkValidity()) { $('#start-error').textContent = 'Please enter a valid email address.'; return; }
  reset();
  forget();
  pendingStart = { type: 'start', name, email, phone };
  if (text) pendingStart.text = text;
  $('#chat-first').value = '';
  showChat();
  setStatus('Connecting…');
  connect();
  input.focus();
});

input.addEventListener('input', updateCount);
let swallowBreak = false; // some drivers deliver Enter's character separately from keydown
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); swallowBreak = true; sendMessage(); }
});
input.addEventListener('keyup', (e) => { if (e.key === 'Enter') swallowBreak = false; });
input.addEventListener('beforeinput', (e) => { if (swallowBreak && e.inputType === 'insertLineBreak') e.preventDefault(); });
$('#chat-form').addEventListener('submit', (e) => { e.preventDefault(); sendMessage(); });
$('#chat-leave').addEventListener('click', () => {
  send({ type: 'leave' });
  endChat();
});
$('#chat-new').addEventListener('click', () => { reset(); showStart(); });

// Resume a conversation after a reload.
if (token) {
  showChat();
  setStatus('Reconnecting to your chat…');
  connect();
} else {
  showStart();
}
updateCount();

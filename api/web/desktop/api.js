// api.js — small JSON fetch wrapper for the Omnigate REST API (/api/v1).
// Every request carries `Authorization: Bearer <token>` once a token is set;
// non-2xx answers are turned into ApiError using the `{"error": "..."}` body.

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

const BASE = '/api/v1';
let token = null;
let onUnauthorized = null;

export function setToken(t) { token = t || null; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (token) headers.Authorization = `Bearer ${token}`;

  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch {
    throw new ApiError('Network error — the server could not be reached.', 0, null);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    let msg = data && typeof data === 'object' && data.error;
    if (!msg && typeof data === 'string' && data.trim() && data.length < 300) msg = data.trim();
    const err = new ApiError(msg || `Request failed (${res.status} ${res.statusText})`, res.status, data);
    if (res.status === 401 && token && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  return data;
}

const enc = encodeURIComponent;
const post = (path, body = {}) => request('POST', path, body);

export const api = {
  login: (username, password) => post('/login', { username, password }),
  logout: () => post('/logout'),
  wsTicket: () => post('/ws-ticket'),
  agent: (id) => request('GET', `/agents/${enc(id)}`),
  setState: (id, state, reason) =>
    post(`/agents/${enc(id)}/state`, reason ? { state, reason } : { state }),
  extraContact: (id) => post(`/agents/${enc(id)}/extra-contact`),
  reasons: () => request('GET', '/reasons'),
  dispositions: () => request('GET', '/dispositions'),
  queues: () => request('GET', '/queues'),
  interactions: (agentId) => request('GET', `/interactions?agent=${enc(agentId)}`),
  messages: (id, after = 0) => request('GET', `/interactions/${enc(id)}/messages?after=${after}`),
  sendMessage: (id, text) => post(`/interactions/${enc(id)}/messages`, { text }),
  // verb: accept | decline | hold | resume | end
  act: (id, verb, body = {}) => post(`/interactions/${enc(id)}/${verb}`, body),
  wrapup: (id, body) => post(`/interactions/${enc(id)}/wrapup`, body),
  transfer: (id, target) => post(`/interactions/${enc(id)}/transfer`, target),
  // voice (404 when the voice gateway is not enabled)
  softphoneOffer: (agentId) => post(`/agents/${enc(agentId)}/softphone`),
  softphoneAnswer: (agentId, sdp) => post(`/agents/${enc(agentId)}/softphone/answer`, { type: 'answer', sdp }),
  softphoneClose: (agentId) => request('DELETE', `/agents/${enc(agentId)}/softphone`),
  dial: (agentId, number, queue) => post(`/agents/${enc(agentId)}/dial`, { number, queue }),
  // DTMF has no endpoint: the softphone sends it in the media (RTCDTMFSender, RFC 4733).
};

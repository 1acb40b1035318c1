// Package webchat is the customer side of web chat: one WebSocket per browser tab,
// JSON text frames, each chat an interaction on the chat channel (SPEC §1, W6).
//
// Client → server:
//
//	{"type":"start","name","email","phone","text"}  open a chat (text: optional first message)
//	{"type":"resume","chat_token"}                   reattach after a reconnect
//	{"type":"message","text"}                        one message, at most 10,000 characters
//	{"type":"leave"}                                 the customer goes (queued → abandoned)
//
// Server → client:
//
//	{"type":"started","interaction_id","session_id","chat_token"}
//	{"type":"message","message":{"id","interaction_id","seq","from","agent_name","text","at"}}
//	{"type":"state","state","agent_name"}
//	{"type":"error","error"}
//
// The customer sees every message of the chat, its own included, in seq order; on
// resume the history comes first, then the state. An offer not yet accepted shows
// as "queued": the customer never learns that an agent saw and declined it. Agents
// appear as "agent" with their display name, never their id.
//
// How order holds: the engine's notices reach the socket through a callback that
// never blocks (it queues, or when the queue is full asks for a catch-up). Notices
// from different engine calls can arrive out of order, so a message whose seq skips
// ahead makes the socket fetch the gap from the engine, seqs already sent are
// skipped, and interaction versions order the state updates.
//
// The chat token is base64url(interaction id, visitor id, HMAC-SHA256 over both):
// it needs no server state and survives reconnects (and restarts, with a configured
// Secret). Bad input — malformed JSON, an unknown type, a message over the limit, a
// message before start, a forged token — is answered with an error frame and the
// socket stays open; nothing of a refused message is stored. A frame over
// MaxFrameBytes closes the socket. Upgrades are checked against the Origin rule of
// Config.AllowedOrigins.
//
// The goroutine serving the request owns the socket; a reader goroutine passes
// frames to it. Close ends every socket and waits for both.
package webchat

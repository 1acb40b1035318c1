// Package api is Omnigate's HTTP face: the JSON API under /api/v1 for agents,
// supervisors and admins, the agents' event WebSockets, and the web pages built into
// the binary (SPEC §8). It holds no business rules: every call becomes one call on
// the routing.Engine, and every answer is a view of what the engine returns.
//
// A tour:
//   - routes.go is the API in one table (method, path, who may call it, handler). The
//     mux is built from it, and a test holds openapi.yaml to it in both directions.
//   - guard (server.go) runs before every handler: the Origin check for WebSocket
//     upgrades, authentication, the role check, and the 1 MiB body cap. Handlers
//     narrow further where the rule is "self": an agent acts only for itself and
//     sees only its own work (canSee).
//   - auth.go keeps bearer tokens (32 random bytes, base64url) and single-use
//     WebSocket tickets in memory with their expiry. A failed login answers the same,
//     in about the same time, whether the user is unknown or the password wrong.
//   - decode.go reads request bodies strictly: unknown fields, trailing data and
//     non-objects are 400s.
//   - errors.go maps errors to status codes in one function, statusOf (the table
//     is below).
//   - events.go is the agent event socket: a hello, the pending offers, then the
//     engine's notices for that agent. The engine's callback never blocks: it queues
//     into a per-socket buffer and, when that is full, drops the socket (the desktop
//     reconnects and fetches its state again). The request goroutine owns the socket;
//     Close ends every socket and waits for them.
//   - static.go serves the embedded web/ tree and sets the security headers (CSP
//     with frame-ancestors 'none', nosniff).
//
// The error table, by errors.Is against the routing and session sentinels:
//
//	routing.ErrNotFound, unknown endpoint                   → 404
//	routing.ErrForbidden, role refused, Origin refused       → 403
//	routing.ErrConflict, session.ErrInvalidTransition,
//	session.ErrTransferRefused, session.ErrChannelMove      → 409
//	routing.ErrTooLong, body over MaxBodyBytes              → 413
//	session.ErrInvalid, malformed JSON                      → 400
//	bad login, missing or expired credentials               → 401
//	a plain request to a WebSocket endpoint                 → 426
//	anything else (a store failure)                         → 500, generic message; the error is logged
//
// A field over its limit is 413 rather than 400 so that a client can tell "too
// long" from "malformed".
//
// Logging in does not make an agent available; logging out takes it offline.
package api

// Package channels holds Omnigate's digital channel adapters: each turns what a
// customer does on its channel (a chat socket today; SMS, email, messaging and
// voicemail later) into calls on the routing.Engine, and the engine's notices back
// into what the customer sees. A channel knows no queues or agents beyond the one
// queue its contacts start in, and no other adapter.
//
// Subpackages:
//
//	webchat  the customer chat WebSocket behind the demo chat page (GET /api/v1/chat)
package channels

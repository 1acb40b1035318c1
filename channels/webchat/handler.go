package webchat

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/coder/websocket"

	"github.com/omnigate/omnigate/internal/sockets"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// Handler serves the customer chat WebSocket (cmd mounts it at GET /api/v1/chat).
// Close it to end every chat socket it serves.
type Handler struct {
	cfg    Config
	eng    *routing.Engine
	log    *slog.Logger
	tokens tokens

	// sockets runs every socket under a context that ends when the handler closes.
	sockets *sockets.Tracker
	// away starts a chat's return window when its last socket goes.
	away presence
}

// New builds the handler. cfg should have passed Validate; New applies Defaults and
// keeps MaxMessageLen within the engine's limit whatever it is given.
func New(cfg Config, eng *routing.Engine, log *slog.Logger) *Handler {
	cfg.Defaults()
	if cfg.MaxMessageLen < 0 || cfg.MaxMessageLen > session.MaxMessageLen {
		cfg.MaxMessageLen = session.MaxMessageLen
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key := cfg.Secret
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	h := &Handler{
		cfg: cfg, eng: eng, log: log.With("channel", "chat"), tokens: tokens{key: append([]byte(nil), key...)},
		sockets: sockets.NewTracker(),
	}
	h.away.init()
	return h
}

// Close ends every chat socket with "going away" and waits until their goroutines
// have returned. A client that does not answer the close is dropped after the
// library's close timeout (5 s), so Close takes at most about that long.
func (h *Handler) Close() error {
	h.away.close() // sockets ending at shutdown are not customers leaving
	return h.sockets.Close()
}

// Shutdown is Close bounded by ctx: it returns ctx's error if the sockets have not
// all ended by then (they keep ending in the background).
func (h *Handler) Shutdown(ctx context.Context) error {
	h.away.close()
	return h.sockets.Shutdown(ctx)
}

// ServeHTTP upgrades to a WebSocket (same-origin or an allowed origin only) and runs
// the chat on this goroutine, which owns the socket until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.sockets.Run(func(closing context.Context) { h.serve(closing, w, r) }) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "chat is shutting down"})
	}
}

// serve runs one chat socket until it ends; closing ends when the handler closes.
func (h *Handler) serve(closing context.Context, w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.AllowedOrigins})
	if err != nil {
		h.log.Info("chat upgrade refused", "err", err)
		return // Accept has answered (403 for a foreign origin)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(MaxFrameBytes)
	newChat(h, conn).run(closing)
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/omnigate/omnigate/internal/sockets"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// Options are the server's collaborators; zero values get defaults.
type Options struct {
	// Logger receives request logs and server-side errors.
	Logger *slog.Logger
	// Metrics is served at GET /metrics (Prometheus text format); nil answers 404.
	Metrics http.Handler
	// Health is asked by GET /healthz: nil or a nil error answers 200.
	Health func() error
	// Handlers are extra routes that cmd mounts (the customer chat WebSocket at
	// "GET /api/v1/chat"): net/http ServeMux pattern → handler. They do their own
	// authentication.
	Handlers map[string]http.Handler
	// Clock tells the time for token and ticket expiry.
	Clock routing.Clock
	// Voice is the voice gateway (softphone signalling, dialling, DTMF); nil answers
	// its endpoints with 404 "not enabled".
	Voice Voice
}

// Server is the HTTP API, the agents' event WebSockets and the embedded web pages.
// Close it to end every WebSocket it serves.
type Server struct {
	cfg      Config
	eng      *routing.Engine
	log      *slog.Logger
	opt      Options
	sessions *sessions
	web      fs.FS
	mux      *http.ServeMux
	handler  http.Handler
	routes   []route

	// sockets runs every WebSocket under a context that ends when the server closes.
	sockets *sockets.Tracker

	mu    sync.Mutex // guards conns
	conns map[*agentConn]struct{}
}

// New builds a server over a started engine. Every user with an agent id must name
// an agent the engine knows.
func New(cfg Config, eng *routing.Engine, opt Options) (*Server, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if eng == nil {
		return nil, fmt.Errorf("api: an engine is required: %w", session.ErrInvalid)
	}
	for _, u := range cfg.Users {
		if u.AgentID == "" {
			continue
		}
		if _, err := eng.Agent(u.AgentID); err != nil {
			return nil, fmt.Errorf("api: user %s: %w", u.Username, err)
		}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Clock == nil {
		opt.Clock = routing.SystemClock{}
	}
	sess, err := newSessions(cfg, opt.Clock)
	if err != nil {
		return nil, err
	}
	web, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, fmt.Errorf("api: embedded web files: %w", err)
	}
	s := &Server{
		cfg: cfg, eng: eng, log: opt.Logger, opt: opt, sessions: sess, web: web,
		mux: http.NewServeMux(), conns: map[*agentConn]struct{}{}, sockets: sockets.NewTracker(),
	}
	s.routes = s.routeTable()
	if err := s.mount(); err != nil {
		_ = s.sockets.Close() // nothing runs yet: this only ends its context
		return nil, err
	}
	s.handler = s.logRequests(s.secureHeaders(http.HandlerFunc(s.dispatch)))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close ends every WebSocket with "going away" and waits until their goroutines have
// returned. A client that does not answer the close is dropped after the library's
// close timeout (5 s), so Close takes at most about that long.
func (s *Server) Close() error { return s.sockets.Close() }

// Shutdown is Close bounded by ctx: it returns ctx's error if the sockets have not
// all ended by then (they keep ending in the background).
func (s *Server) Shutdown(ctx context.Context) error { return s.sockets.Shutdown(ctx) }

// mount registers the route table and the handlers cmd passed in. ServeMux panics on
// a bad or conflicting pattern; that is a configuration error here.
func (s *Server) mount() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("api: mount routes: %v", r)
		}
	}()
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.path, s.guard(rt))
	}
	s.mountWeb()
	for pattern, h := range s.opt.Handlers {
		s.mux.Handle(pattern, h)
	}
	return nil
}

// dispatch serves a request through the mux; under /api/v1 a path or method that
// matches nothing is answered in JSON like every other API error.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern == "" && isAPIPath(r.URL.Path) {
		h.ServeHTTP(&jsonMiss{ResponseWriter: w, s: s, r: r}, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func isAPIPath(p string) bool { return p == "/api/v1" || len(p) > 8 && p[:8] == "/api/v1/" }

// jsonMiss turns ServeMux's plain-text 404 and 405 answers into JSON errors, keeping
// its Allow header.
type jsonMiss struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	written bool
}

func (j *jsonMiss) WriteHeader(code int) {
	if j.written {
		return
	}
	j.written = true
	err := errNoRoute
	if code == http.StatusMethodNotAllowed {
		err = errMethod
	}
	j.s.writeError(j.ResponseWriter, j.r, err)
}

func (j *jsonMiss) Write(b []byte) (int, error) {
	if !j.written {
		j.WriteHeader(http.StatusNotFound)
	}
	return len(b), nil
}

// guard authenticates and authorises a request for its route, caps its body, and
// answers the handler's error.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.websocket && !originAllowed(r, s.cfg.AllowedOrigins) {
			// Before the ticket is looked at: a cross-origin page must not use one up.
			s.writeError(w, r, errOrigin)
			return
		}
		var p *principal
		if !rt.public {
			var err error
			if p, err = s.sessions.authenticate(r, rt.websocket); err != nil {
				s.writeError(w, r, err)
				return
			}
			if !rt.allows(p.role) {
				s.writeError(w, r, fmt.Errorf("role %s may not call %s %s: %w", p.role, rt.method, rt.path, routing.ErrForbidden))
				return
			}
		}
		if rt.websocket && !isUpgrade(r) {
			s.writeError(w, r, errNotWebSocket)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		if err := rt.handle(w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// isUpgrade reports whether r asks for a WebSocket; the library checks the rest of
// the handshake.
func isUpgrade(r *http.Request) bool {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return false
	}
	for _, v := range r.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// writeJSON answers v as JSON with the status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

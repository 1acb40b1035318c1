package api

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
)

// webFiles are the agent desktop and the demo pages, built into the binary.
//
//go:embed all:web
var webFiles embed.FS

// openAPIDoc is the API's contract; a test holds it to the route table.
//
//go:embed openapi.yaml
var openAPIDoc []byte

// mountWeb serves the embedded pages: / (the start page), /desktop/ (the agent
// desktop), /demo/chat (the customer chat demo) and /demo/ (its assets).
func (s *Server) mountWeb() {
	files := http.FileServerFS(noListing{s.web})
	s.mux.Handle("GET /{$}", serveFile(s.web, "index.html"))
	s.mux.Handle("GET /desktop/", files)
	s.mux.Handle("GET /demo/chat", serveFile(s.web, "demo/chat.html"))
	s.mux.Handle("GET /demo/", files)
}

func serveFile(fsys fs.FS, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, fsys, name)
	})
}

// noListing hides directories that have no index.html, so the file server never
// lists one.
type noListing struct{ fs.FS }

func (n noListing) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if st.IsDir() {
		idx, err := n.FS.Open(strings.TrimSuffix(name, "/") + "/index.html")
		if err != nil {
			_ = f.Close()
			return nil, fs.ErrNotExist
		}
		_ = idx.Close()
	}
	return f, nil
}

// secureHeaders sets the headers every answer carries. The CSP allows the page's own
// scripts, styles and images, and connections (fetch, WebSocket) only to this host.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", csp(r.Host))
		next.ServeHTTP(w, r)
	})
}

func csp(host string) string {
	connect := "'self'"
	if validHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src " + connect + "; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

// validHost keeps a Host header out of the CSP unless it is a plain host[:port]: it
// comes from the client.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune(".-:[]", c):
		default:
			return false
		}
	}
	return true
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, _ = w.Write(openAPIDoc)
	return nil
}

type healthJSON struct {
	Status string `json:"status"`
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	if s.opt.Health != nil {
		if err := s.opt.Health(); err != nil {
			s.log.Warn("health check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, healthJSON{Status: "unavailable"})
			return nil
		}
	}
	writeJSON(w, http.StatusOK, healthJSON{Status: "ok"})
	return nil
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ *principal) error {
	if s.opt.Metrics == nil {
		return fmt.Errorf("metrics: %w", errUnavailable)
	}
	s.opt.Metrics.ServeHTTP(w, r)
	return nil
}

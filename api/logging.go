package api

import (
	"net/http"
	"time"
)

// statusWriter remembers the status code written. Unwrap lets http.ResponseController
// and the WebSocket upgrade reach the connection underneath.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: method, path (never the query, which may
// carry a ticket or an access token), status and duration. Headers and bodies are
// never logged.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.log.Info("http request", "method", r.Method, "path", r.URL.Path, "status", status, "duration", time.Since(start))
	})
}

// Log keys, named as in every other package.
const (
	logAgentID    = "agent_id"
	logCustomerID = "customer_id"
	logUser       = "user"
)

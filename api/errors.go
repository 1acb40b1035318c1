package api

import (
	"errors"
	"net/http"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

var (
	// errBadLogin is the one answer to a failed login, whatever failed: the user is
	// unknown or the password is wrong.
	errBadLogin = errors.New("invalid username or password")
	// errUnauthenticated is a call without a valid bearer token, ticket or access token.
	errUnauthenticated = errors.New("missing, invalid or expired credentials")
	// errOrigin is a WebSocket upgrade from an origin that is not allowed.
	errOrigin = errors.New("origin not allowed")
	// errNoRoute is a path under /api/v1 that names no endpoint.
	errNoRoute = errors.New("no such endpoint")
	// errMethod is a known path called with a method it does not take.
	errMethod = errors.New("method not allowed")
	// errUnavailable is a feature the server was built without (no metrics handler).
	errUnavailable = errors.New("not enabled on this server")
	// errNotWebSocket is a plain request to an endpoint that only upgrades.
	errNotWebSocket = errors.New("this endpoint takes a WebSocket upgrade")
	// errClosing is a new WebSocket while the server shuts down.
	errClosing = errors.New("server is shutting down")
)

// statusOf is the one place where errors become HTTP status codes. A field over its
// length limit (routing.ErrTooLong) and a body over MaxBodyBytes both answer 413, so
// that a client can tell "too long" from "malformed" (400).
func statusOf(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, errBadLogin), errors.Is(err, errUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, errOrigin), errors.Is(err, routing.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, errNoRoute), errors.Is(err, errUnavailable), errors.Is(err, routing.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, routing.ErrConflict),
		errors.Is(err, session.ErrInvalidTransition),
		errors.Is(err, session.ErrTransferRefused),
		errors.Is(err, session.ErrChannelMove):
		return http.StatusConflict
	case errors.Is(err, routing.ErrTooLong), errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, session.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, errNotWebSocket):
		return http.StatusUpgradeRequired
	case errors.Is(err, errClosing):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrVoiceFailed):
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// writeError answers {"error": "..."}. A server-side failure (a store that cannot
// write, a bug) is logged in full and answered with a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := statusOf(err)
	msg := err.Error()
	if code == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	switch code {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="omnigate"`)
	case http.StatusUpgradeRequired:
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
	}
	writeJSON(w, code, errorBody{Error: msg})
}

type errorBody struct {
	Error string `json:"error"`
}

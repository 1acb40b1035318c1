package api

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// originAllowed is the WebSocket upgrade rule, the same as coder/websocket's Accept
// applies (which runs after it too): no Origin header (a non-browser client), an
// Origin whose host is the request's Host, or one matching a configured pattern. It
// runs before authentication so that a refused cross-origin page cannot use a
// ticket up, and so that the refusal is a JSON error like the others.
func originAllowed(r *http.Request, patterns []string) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}

// checkOriginPattern reports a malformed pattern at configuration time.
func checkOriginPattern(p string) error {
	_, err := path.Match(p, "")
	return err
}

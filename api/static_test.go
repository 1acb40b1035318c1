package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestWebPages(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path, contains string
	}{
		{"/", "<html"},
		{"/desktop/", "<html"},
		{"/desktop/app.js", ""},
		{"/demo/chat", "<html"},
		{"/demo/chat.js", ""},
	} {
		res := e.doRes("GET", tc.path, "", nil, nil)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", tc.path, res.StatusCode)
		}
		if !strings.Contains(strings.ToLower(string(b)), tc.contains) {
			t.Fatalf("GET %s: body lacks %q", tc.path, tc.contains)
		}
		csp := res.Header.Get("Content-Security-Policy")
		host := strings.TrimPrefix(e.ts.URL, "http://")
		for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "connect-src 'self' ws://" + host + " wss://" + host} {
			if !strings.Contains(csp, want) {
				t.Fatalf("GET %s: CSP %q lacks %q", tc.path, csp, want)
			}
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: no nosniff", tc.path)
		}
	}
	// Directories without an index are not listed.
	if code, _ := e.do("GET", "/demo/", "", nil); code != 404 {
		t.Fatalf("GET /demo/: %d, want 404 (no listing)", code)
	}
}

func TestUnknownAPIPathsAnswerJSON(t *testing.T) {
	e := newEnv(t)
	tok := e.login("sue")
	e.wantError("GET", "/api/v1/nope", tok, nil, 404)
	e.wantError("POST", "/api/v1/interactions/x/dance", tok, nil, 404)
	res := e.doRes("DELETE", "/api/v1/agents", tok, nil, nil)
	var body errorBody
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 405 || body.Error != "method not allowed" || !strings.Contains(res.Header.Get("Allow"), "GET") {
		t.Fatalf("DELETE /api/v1/agents: %d %+v Allow=%q", res.StatusCode, body, res.Header.Get("Allow"))
	}
}

func TestHealthAndMetrics(t *testing.T) {
	var healthErr error
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "omnigate_up 1\n") })
	e := newEnv(t, func(_ *Config, o *Options) {
		o.Health = func() error { return healthErr }
		o.Metrics = metrics
	})
	var h healthJSON
	e.call("GET", "/healthz", "", nil, 200, &h)
	if h.Status != "ok" {
		t.Fatalf("health %+v", h)
	}
	healthErr = errors.New("store unreachable")
	e.call("GET", "/healthz", "", nil, 503, &h)
	if h.Status != "unavailable" {
		t.Fatalf("health %+v", h)
	}
	if code, b := e.do("GET", "/metrics", "", nil); code != 200 || string(b) != "omnigate_up 1\n" {
		t.Fatalf("metrics: %d %q", code, b)
	}
	bare := newEnv(t)
	bare.call("GET", "/healthz", "", nil, 200, nil)
	bare.wantError("GET", "/metrics", "", nil, 404)
}

func TestExtraHandlersAreMounted(t *testing.T) {
	e := newEnv(t, func(_ *Config, o *Options) {
		o.Handlers = map[string]http.Handler{"GET /api/v1/chat": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusTeapot)
		})}
	})
	if code, _ := e.do("GET", "/api/v1/chat", "", nil); code != http.StatusTeapot {
		t.Fatalf("mounted handler: %d", code)
	}
	cfg := Config{Users: testUsers(t)}
	_, err := New(cfg, e.eng, Options{Handlers: map[string]http.Handler{"GET /api/v1/agents": http.NotFoundHandler()}})
	if err == nil {
		t.Fatal("a handler clashing with an API route was accepted")
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	e := newEnv(t)
	res := e.doRes("GET", "/api/v1/openapi.yaml", "", nil, nil)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(string(b), "openapi: 3.0") || !strings.Contains(res.Header.Get("Content-Type"), "yaml") {
		t.Fatalf("openapi.yaml: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

package api

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	var out loginJSON
	e.call("POST", "/api/v1/login", "", map[string]string{"username": "alice", "password": "alice-pw"}, 200, &out)
	if out.Role != "agent" || out.AgentID != "alice" || out.User != "alice" || len(out.Token) != 43 {
		t.Fatalf("login answer %+v", out)
	}
	if !out.ExpiresAt.Equal(e.clock.Now().Add(12 * time.Hour)) {
		t.Fatalf("expires_at %v, want 12h from now", out.ExpiresAt)
	}
	var a agentJSON
	e.call("GET", "/api/v1/agents/alice", out.Token, nil, 200, &a)
	if a.State != "offline" {
		t.Fatalf("login changed presence to %s; the agent chooses available", a.State)
	}

	wrong := e.wantError("POST", "/api/v1/login", "", map[string]string{"username": "alice", "password": "nope"}, 401)
	unknown := e.wantError("POST", "/api/v1/login", "", map[string]string{"username": "mallory", "password": "nope"}, 401)
	if wrong != "invalid username or password" || unknown != wrong {
		t.Fatalf("wrong password says %q, unknown user says %q; both must say the same", wrong, unknown)
	}
	for name, body := range map[string]string{
		"bad JSON":      `{"username":`,
		"unknown field": `{"username":"alice","password":"alice-pw","admin":true}`,
		"trailing data": `{"username":"alice","password":"alice-pw"} {}`,
		"empty body":    ``,
		"not an object": `["alice"]`,
		"no password":   `{"username":"alice"}`,
	} {
		t.Run(name, func(t *testing.T) { e.wantError("POST", "/api/v1/login", "", body, 400) })
	}
	t.Run("body over 1 MiB", func(t *testing.T) {
		big := `{"username":"alice","password":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
		e.wantError("POST", "/api/v1/login", "", big, 413)
	})
}

// TestEveryRouteNeedsAToken walks the route table: each non-public route answers 401
// without a token, with a wrong one, and with a malformed Authorization header.
func TestEveryRouteNeedsAToken(t *testing.T) {
	e := newEnv(t)
	for _, rt := range e.srv.routes {
		if rt.public {
			continue
		}
		path := strings.ReplaceAll(rt.path, "{id}", "alice")
		for name, hdr := range map[string]string{"none": "", "wrong": "Bearer nope", "basic": "Basic YWxpY2U6eA=="} {
			t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
				h := http.Header{}
				if hdr != "" {
					h.Set("Authorization", hdr)
				}
				res := e.doRes(rt.method, path, "", nil, h)
				res.Body.Close()
				if res.StatusCode != 401 {
					t.Fatalf("status %d, want 401", res.StatusCode)
				}
				if res.Header.Get("WWW-Authenticate") == "" {
					t.Fatal("no WWW-Authenticate header")
				}
			})
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *Options) { c.TokenTTL = time.Hour })
	tok := e.login("sue")
	e.call("GET", "/api/v1/me", tok, nil, 200, nil)
	e.clock.Advance(time.Hour)
	e.wantError("GET", "/api/v1/me", tok, nil, 401)
}

func TestMeAndLogout(t *testing.T) {
	e := newEnv(t)
	tok := e.login("alice")
	var me meJSON
	e.call("GET", "/api/v1/me", tok, nil, 200, &me)
	if me.User != "alice" || me.Role != "agent" || me.AgentID != "alice" {
		t.Fatalf("me = %+v", me)
	}
	e.setState(tok, "alice", "available")
	events := e.dialEvents(tok, "alice")
	events.until("hello", func(m eventMsgIn) bool { return m.Type == "hello" })

	e.call("POST", "/api/v1/logout", tok, nil, 204, nil)
	e.wantError("GET", "/api/v1/me", tok, nil, 401)
	sup := e.login("sue")
	var a agentJSON
	e.call("GET", "/api/v1/agents/alice", sup, nil, 200, &a)
	if a.State != "offline" {
		t.Fatalf("after logout alice is %s, want offline", a.State)
	}
	// The socket opened with that token ends.
	for {
		if _, err := events.tryRead(5 * time.Second); err != nil {
			break
		}
	}
	// A supervisor's logout changes no presence.
	e.call("POST", "/api/v1/logout", sup, "{}", 204, nil)
	e.wantError("POST", "/api/v1/logout", sup, nil, 401)
}

func TestTicketSingleUse(t *testing.T) {
	e := newEnv(t)
	tok := e.login("alice")
	tk := e.ticket(tok)
	c, _, err := e.dial("/api/v1/agents/alice/events?ticket="+tk, e.ts.URL)
	if err != nil {
		t.Fatalf("first use of the ticket: %v", err)
	}
	if m := c.read(); m.Type != "hello" || m.Agent == nil || m.Agent.ID != "alice" {
		t.Fatalf("first message %s, want hello", m.raw)
	}
	_, res, err := e.dial("/api/v1/agents/alice/events?ticket="+tk, e.ts.URL)
	if err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("second use of the ticket: err %v, status %v; want 401", err, statusOfResponse(res))
	}

	t.Run("expired", func(t *testing.T) {
		tk := e.ticket(tok)
		e.clock.Advance(31 * time.Second)
		_, res, err := e.dial("/api/v1/agents/alice/events?ticket="+tk, e.ts.URL)
		if err == nil || res.StatusCode != 401 {
			t.Fatalf("expired ticket: err %v, status %v; want 401", err, statusOfResponse(res))
		}
	})
	t.Run("bound to its user", func(t *testing.T) {
		bob := e.login("bob")
		_, res, err := e.dial("/api/v1/agents/alice/events?ticket="+e.ticket(bob), e.ts.URL)
		if err == nil || res.StatusCode != 403 {
			t.Fatalf("bob's ticket on alice's events: err %v, status %v; want 403", err, statusOfResponse(res))
		}
	})
	t.Run("access_token for non-browser clients", func(t *testing.T) {
		c, _, err := e.dial("/api/v1/agents/alice/events?access_token="+tok, "")
		if err != nil {
			t.Fatal(err)
		}
		if m := c.read(); m.Type != "hello" {
			t.Fatalf("first message %s, want hello", m.raw)
		}
		_, res, err := e.dial("/api/v1/agents/alice/events?access_token=nope", "")
		if err == nil || res.StatusCode != 401 {
			t.Fatalf("bad access token: status %v, want 401", statusOfResponse(res))
		}
	})
	t.Run("logout forgets tickets", func(t *testing.T) {
		carol := e.login("carol")
		tk := e.ticket(carol)
		e.call("POST", "/api/v1/logout", carol, nil, 204, nil)
		_, res, err := e.dial("/api/v1/agents/carol/events?ticket="+tk, e.ts.URL)
		if err == nil || res.StatusCode != 401 {
			t.Fatalf("ticket after logout: status %v, want 401", statusOfResponse(res))
		}
	})
}

func TestWebSocketOrigin(t *testing.T) {
	e := newEnv(t)
	tok := e.login("alice")
	tk := e.ticket(tok)
	_, res, err := e.dial("/api/v1/agents/alice/events?ticket="+tk, "https://evil.example")
	if err == nil || res == nil || res.StatusCode != 403 {
		t.Fatalf("cross-origin upgrade: err %v, status %v; want 403", err, statusOfResponse(res))
	}
	// The refused upgrade did not use the ticket up.
	c, _, err := e.dial("/api/v1/agents/alice/events?ticket="+tk, e.ts.URL)
	if err != nil {
		t.Fatalf("same-origin upgrade with the same ticket: %v", err)
	}
	c.read()

	t.Run("allowed origin", func(t *testing.T) {
		e := newEnv(t, func(c *Config, _ *Options) { c.AllowedOrigins = []string{"https://desk.example.com", "*.corp.example"} })
		tok := e.login("alice")
		for _, origin := range []string{"https://desk.example.com", "http://a.corp.example"} {
			c, _, err := e.dial("/api/v1/agents/alice/events?ticket="+e.ticket(tok), origin)
			if err != nil {
				t.Fatalf("origin %s: %v", origin, err)
			}
			c.read()
		}
		for _, origin := range []string{"http://desk.example.com", "https://evil.example", "null"} {
			_, res, err := e.dial("/api/v1/agents/alice/events?ticket="+e.ticket(tok), origin)
			if err == nil || res.StatusCode != 403 {
				t.Fatalf("origin %s: status %v, want 403", origin, statusOfResponse(res))
			}
		}
	})
}

func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	tok := e.login("alice")
	tk := e.ticket(tok)
	c, _, err := e.dial("/api/v1/agents/alice/events?ticket="+tk, e.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.read()
	e.wantError("POST", "/api/v1/login", "", map[string]string{"username": "alice", "password": "s3cret-wrong"}, 401)
	logs := e.logs.String()
	for _, secret := range []string{tok, tk, "alice-pw", "s3cret-wrong"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain a secret %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "path=/api/v1/login") || !strings.Contains(logs, "status=401") {
		t.Fatalf("request log lines missing:\n%s", logs)
	}
}

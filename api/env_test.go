package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/crypto/bcrypt"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/memory"
)

// TestMain fails the run if a socket goroutine outlives the tests: every server is
// closed in t.Cleanup, so none may be left.
func TestMain(m *testing.M) { os.Exit(testkit.CheckLeaks(m, "omnigate/api.", "coder/websocket")) }

// failingStore is the memory store with a switch that makes every commit fail.
type failingStore struct {
	*memory.Store
	fail atomic.Bool
}

func (f *failingStore) Commit(ctx context.Context, c *routing.Change) error {
	if f.fail.Load() {
		return errors.New("disk on fire")
	}
	return f.Store.Commit(ctx, c)
}

type env struct {
	t     *testing.T
	eng   *routing.Engine
	store *failingStore
	srv   *Server
	ts    *httptest.Server
	clock *testkit.Clock
	logs  *syncWriter
}

type envOption func(*Config, *Options)

func testUsers(t *testing.T) []User {
	t.Helper()
	var out []User
	for _, u := range []struct {
		name  string
		role  Role
		agent string
	}{{"alice", RoleAgent, "alice"}, {"bob", RoleAgent, "bob"}, {"carol", RoleAgent, "carol"}, {"sue", RoleSupervisor, ""}, {"admin", RoleAdmin, ""}} {
		h, err := bcrypt.GenerateFromPassword([]byte(u.name+"-pw"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, User{Username: u.name, Role: u.role, AgentID: u.agent, PasswordHash: h})
	}
	return out
}

func testEngineConfig() routing.Config {
	return routing.Config{
		Queues: []routing.QueueConfig{{Name: "sales", OfferTimeout: time.Minute}, {Name: "support", OfferTimeout: time.Minute}},
		Agents: []routing.AgentConfig{
			{ID: "alice", Name: "Alice", Skills: map[string]int{"sales": 5, "support": 5},
				Capacity: map[session.Channel]int{session.Chat: 2, session.Email: 2, session.WorkItem: 1, session.Voice: 1}, ExtraContact: true},
			{ID: "bob", Name: "Bob", Skills: map[string]int{"support": 5}, Capacity: map[session.Channel]int{session.Chat: 2, session.Email: 1}},
			{ID: "carol", Name: "Carol", Skills: map[string]int{"sales": 5}, Capacity: map[session.Channel]int{session.Chat: 1}},
		},
		Dispositions: []string{"resolved", "callback"},
	}
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, store: &failingStore{Store: memory.New(nil)}, clock: testkit.NewClock(time.Now()), logs: &syncWriter{w: &bytes.Buffer{}}}
	e.eng = testkit.StartEngine(t, testEngineConfig(), e.store)
	cfg := Config{
		Users:        testUsers(t),
		Dispositions: []Disposition{{Code: "resolved", Label: "Resolved"}, {Code: "callback", Label: "Call back"}},
	}
	opt := Options{Logger: newLogger(e.logs), Clock: e.clock}
	for _, o := range opts {
		o(&cfg, &opt)
	}
	srv, err := New(cfg, e.eng, opt)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.ts = httptest.NewServer(srv)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
		e.ts.Close()
	})
	return e
}

// do sends a request; body is sent as is when it is a string, as JSON otherwise.
func (e *env) do(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	res := e.doRes(method, path, token, body, nil)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, b
}

func (e *env) doRes(method, path, token string, body any, hdr http.Header) *http.Response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// call sends a request, checks the status and decodes the answer into out (if not nil).
func (e *env) call(method, path, token string, body any, want int, out any) {
	e.t.Helper()
	code, b := e.do(method, path, token, body)
	if code != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// wantError checks the status and that the body is exactly {"error": "..."}.
func (e *env) wantError(method, path, token string, body any, want int) string {
	e.t.Helper()
	code, b := e.do(method, path, token, body)
	if code != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, code, want, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("%s %s: error body %q is not JSON: %v", method, path, b, err)
	}
	msg, ok := m["error"].(string)
	if len(m) != 1 || !ok || msg == "" {
		e.t.Fatalf("%s %s: error body %s is not {\"error\": \"...\"}", method, path, b)
	}
	return msg
}

func (e *env) login(user string) string {
	e.t.Helper()
	var out struct{ Token string }
	e.call("POST", "/api/v1/login", "", map[string]string{"username": user, "password": user + "-pw"}, 200, &out)
	if out.Token == "" {
		e.t.Fatal("no token")
	}
	return out.Token
}

func (e *env) setState(token, agent, state string) {
	e.t.Helper()
	e.call("POST", "/api/v1/agents/"+agent+"/state", token, map[string]string{"state": state}, 200, nil)
}

// create makes an interaction as the supervisor and returns its id.
func (e *env) create(sup string, body map[string]any) string {
	e.t.Helper()
	var out createdJSON
	e.call("POST", "/api/v1/interactions", sup, body, 201, &out)
	return out.ID
}

func (e *env) interaction(token, id string) interactionJSON {
	e.t.Helper()
	var out interactionJSON
	e.call("GET", "/api/v1/interactions/"+id, token, nil, 200, &out)
	return out
}

func (e *env) wsURL(path string) string { return "ws" + strings.TrimPrefix(e.ts.URL, "http") + path }

func (e *env) ticket(token string) string {
	e.t.Helper()
	var out ticketJSON
	e.call("POST", "/api/v1/ws-ticket", token, nil, 200, &out)
	return out.Ticket
}

// dialEvents opens an agent event socket with a fresh ticket from the same origin.
func (e *env) dialEvents(token, agent string) *wsClient {
	e.t.Helper()
	c, res, err := e.dial("/api/v1/agents/"+agent+"/events?ticket="+e.ticket(token), e.ts.URL)
	if err != nil {
		e.t.Fatalf("dial events: %v (%v)", err, statusOfResponse(res))
	}
	return c
}

func statusOfResponse(res *http.Response) any {
	if res == nil {
		return nil
	}
	return res.StatusCode
}

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func (e *env) dial(path, origin string) (*wsClient, *http.Response, error) {
	conn, res, err := testkit.Dial(e.t, e.wsURL(path), origin)
	if err != nil {
		return nil, res, err
	}
	conn.SetReadLimit(1 << 22)
	return &wsClient{t: e.t, conn: conn}, res, nil
}

// read returns the next message, failing the test after 5 seconds.
func (c *wsClient) read() eventMsgIn {
	c.t.Helper()
	m, err := c.tryRead(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read event: %v", err)
	}
	return m
}

func (c *wsClient) tryRead(d time.Duration) (eventMsgIn, error) {
	var m eventMsgIn
	b, err := testkit.ReadJSON(c.conn, d, &m)
	if err != nil {
		return eventMsgIn{}, err
	}
	m.raw = b
	return m, nil
}

// until reads until a message matches, failing after 5 seconds in all.
func (c *wsClient) until(what string, match func(eventMsgIn) bool) eventMsgIn {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, err := c.tryRead(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(m) {
			return m
		}
	}
}

// eventMsgIn is an agent event as a client decodes it.
type eventMsgIn struct {
	Type          string           `json:"type"`
	Agent         *agentJSON       `json:"agent"`
	Offer         *offerJSON       `json:"offer"`
	Interaction   *interactionJSON `json:"interaction"`
	Message       *messageJSON     `json:"message"`
	InteractionID string           `json:"interaction_id"`
	Reason        string           `json:"reason"`
	raw           []byte
}

func chatBody(name string) map[string]any {
	return map[string]any{"channel": "chat", "queue": "sales", "customer": map[string]string{"name": name, "email": strings.ToLower(name) + "@example.com"}, "subject": "hello"}
}

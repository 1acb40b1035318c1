package webchat

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// TestMain fails the run if a chat goroutine outlives the tests: every handler is
// closed in t.Cleanup, so none may be left.
func TestMain(m *testing.M) { os.Exit(testkit.CheckLeaks(m, "channels/webchat.", "coder/websocket")) }

type env struct {
	t   *testing.T
	eng *routing.Engine
	h   *Handler
	ts  *httptest.Server
}

func newEnv(t *testing.T, change ...func(*Config)) *env {
	t.Helper()
	eng := testkit.StartEngine(t, routing.Config{
		Queues: []routing.QueueConfig{{Name: "sales", OfferTimeout: time.Minute}},
		Agents: []routing.AgentConfig{{ID: "alice", Name: "Alice", Skills: map[string]int{"sales": 5}, Capacity: map[session.Channel]int{session.Chat: 3}}},
	}, nil)
	cfg := Config{Secret: []byte("0123456789abcdef0123456789abcdef")}
	for _, c := range change {
		c(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h := New(cfg, eng, testLogger())
	e := &env{t: t, eng: eng, h: h, ts: httptest.NewServer(h)}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("close handler: %v", err)
		}
		e.ts.Close()
	})
	return e
}

var alice = routing.Actor{ID: "alice", Role: routing.ActorAgent}

func (e *env) available() {
	e.t.Helper()
	if _, err := e.eng.SetPresence(context.Background(), "alice", session.Available, "", alice); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) accept(id string) {
	e.t.Helper()
	if _, err := e.eng.Accept(context.Background(), id, alice); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) agentSays(id, text string) {
	e.t.Helper()
	if _, err := e.eng.PostMessage(context.Background(), id, alice, text); err != nil {
		e.t.Fatal(err)
	}
}

type client struct {
	t    *testing.T
	conn *websocket.Conn
}

func (e *env) dial() *client {
	e.t.Helper()
	c, res, err := e.dialOrigin(e.ts.URL)
	if err != nil {
		e.t.Fatalf("dial: %v (%v)", err, res)
	}
	return c
}

func (e *env) dialOrigin(origin string) (*client, *http.Response, error) {
	conn, res, err := testkit.Dial(e.t, "ws"+strings.TrimPrefix(e.ts.URL, "http"), origin)
	if err != nil {
		return nil, res, err
	}
	return &client{t: e.t, conn: conn}, res, nil
}

func (c *client) send(v any) {
	c.t.Helper()
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// inFrame is a server frame as the browser decodes it.
type inFrame struct {
	Type          string      `json:"type"`
	InteractionID string      `json:"interaction_id"`
	SessionID     string      `json:"session_id"`
	ChatToken     string      `json:"chat_token"`
	Message       *messageOut `json:"message"`
	State         string      `json:"state"`
	AgentName     *string     `json:"agent_name"`
	Error         string      `json:"error"`
	raw           string
}

func (c *client) tryRead(d time.Duration) (inFrame, error) {
	var f inFrame
	b, err := testkit.ReadJSON(c.conn, d, &f)
	if err != nil {
		return inFrame{}, err
	}
	f.raw = string(b)
	return f, nil
}

func (c *client) read() inFrame {
	c.t.Helper()
	f, err := c.tryRead(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

// expect reads the next frame and checks its type.
func (c *client) expect(typ string) inFrame {
	c.t.Helper()
	f := c.read()
	if f.Type != typ {
		c.t.Fatalf("got %s, want a %s frame", f.raw, typ)
	}
	return f
}

// start opens a chat and returns the started frame; the frames after it are left.
func (c *client) start(name, text string) inFrame {
	c.t.Helper()
	c.send(map[string]string{"type": "start", "name": name, "email": strings.ToLower(name) + "@example.com", "text": text})
	return c.expect("started")
}

// testLogger logs to the test output when OMNIGATE_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("OMNIGATE_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// activeChat starts a chat that alice has accepted; the state frames are read.
func (e *env) activeChat() (*client, inFrame) {
	e.t.Helper()
	e.available()
	c := e.dial()
	started := c.start("Ann", "")
	c.expect("state")
	e.accept(started.InteractionID)
	c.expect("state")
	return c, started
}

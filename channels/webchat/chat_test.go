package webchat

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/session"
)

func TestStart(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	started := c.start("Ann", "Hello, anyone?")
	if started.InteractionID == "" || started.SessionID == "" || started.ChatToken == "" {
		t.Fatalf("started %s", started.raw)
	}
	m := c.expect("message").Message
	if m.Seq != 1 || m.From != "customer" || m.Text != "Hello, anyone?" || m.InteractionID != started.InteractionID {
		t.Fatalf("first message %+v", m)
	}
	if st := c.expect("state"); st.State != "queued" || st.AgentName == nil || *st.AgentName != "" {
		t.Fatalf("state %s, want queued without an agent", st.raw)
	}
	ctx := context.Background()
	it, err := e.eng.Interaction(ctx, started.InteractionID)
	if err != nil {
		t.Fatal(err)
	}
	cust, err := e.eng.Customer(ctx, it.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if it.Channel != session.Chat || it.Queue != "sales" || cust.Name != "Ann" ||
		!cust.Has(session.Identity{Kind: session.IdentityEmail, Value: "ann@example.com"}) || len(cust.Identities) != 2 {
		t.Fatalf("interaction %+v, customer %+v", it, cust)
	}

	// Offered reads as queued: no frame; accepted shows the agent by name.
	e.available()
	e.accept(started.InteractionID)
	st := c.expect("state")
	if st.State != "active" || st.AgentName == nil || *st.AgentName != "Alice" {
		t.Fatalf("state %s, want active with Alice", st.raw)
	}
	e.agentSays(started.InteractionID, "Hi Ann")
	m = c.expect("message").Message
	if m.Seq != 2 || m.From != "agent" || m.AgentName != "Alice" || m.Text != "Hi Ann" {
		t.Fatalf("agent message %+v (the agent's id must not show)", m)
	}
	c.send(map[string]string{"type": "start", "name": "Ann"})
	if f := c.expect("error"); !strings.Contains(f.Error, "already open") {
		t.Fatalf("second start: %s", f.raw)
	}
}

// TestMessageOrder: the customer and two agent writers post at once; the customer
// sees every message exactly once, in seq order.
func TestMessageOrder(t *testing.T) {
	e := newEnv(t)
	c, started := e.activeChat()

	const perWriter = 40
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range perWriter {
				if _, err := e.eng.PostMessage(context.Background(), started.InteractionID, alice, "agent "+string(rune('a'+w))+" "+itoa(i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range perWriter {
		c.send(map[string]string{"type": "message", "text": "customer " + itoa(i)})
	}
	total := int64(3 * perWriter)
	var next int64 = 1
	customerSeen := 0
	for next <= total {
		f := c.read()
		if f.Type != "message" {
			continue
		}
		if f.Message.Seq != next {
			t.Fatalf("got seq %d, want %d", f.Message.Seq, next)
		}
		if f.Message.From == "customer" {
			if want := "customer " + itoa(customerSeen); f.Message.Text != want {
				t.Fatalf("customer message %q, want %q", f.Message.Text, want)
			}
			customerSeen++
		}
		next++
	}
	wg.Wait()
	if f, err := c.tryRead(50 * time.Millisecond); err == nil && f.Type == "message" {
		t.Fatalf("extra message after all %d: %s", total, f.raw)
	}
}

func TestNextStep(t *testing.T) {
	for _, tc := range []struct {
		name          string
		lastSent, seq int64
		want          step
	}{
		{"first message", 0, 1, sendIt},
		{"the next one", 4, 5, sendIt},
		{"already sent", 4, 4, skipIt},
		{"older", 4, 2, skipIt},
		{"skips ahead", 4, 6, fetchGap},
		{"first is late", 0, 3, fetchGap},
	} {
		if got := nextStep(tc.lastSent, tc.seq); got != tc.want {
			t.Errorf("%s: nextStep(%d, %d) = %d, want %d", tc.name, tc.lastSent, tc.seq, got, tc.want)
		}
	}
}

func TestTooLongMessageIsRefused(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	started := c.start("Ann", "")
	c.expect("state")
	c.send(map[string]string{"type": "message", "text": strings.Repeat("é", session.MaxMessageLen+1)})
	if f := c.expect("error"); !strings.Contains(f.Error, "at most 10000") {
		t.Fatalf("error %q", f.Error)
	}
	ms, err := e.eng.Messages(context.Background(), started.InteractionID, 0)
	if err != nil || len(ms) != 0 {
		t.Fatalf("after a refused message the chat holds %d messages (%v)", len(ms), err)
	}
	// The socket stays open, and a message at the limit goes through.
	c.send(map[string]string{"type": "message", "text": strings.Repeat("é", session.MaxMessageLen)})
	if m := c.expect("message").Message; m.Seq != 1 || len([]rune(m.Text)) != session.MaxMessageLen {
		t.Fatalf("message at the limit: seq %d, %d characters", m.Seq, len([]rune(m.Text)))
	}
	t.Run("configured lower limit", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxMessageLen = 10 })
		c := e.dial()
		c.send(map[string]string{"type": "start", "text": "eleven char"})
		c.expect("error")
		c.start("Ann", "")
	})
}

func TestOversizedFrameClosesSocket(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	c.send(`{"type":"message","text":"` + strings.Repeat("x", MaxFrameBytes) + `"}`)
	_, err := c.tryRead(5 * time.Second)
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("read after an oversized frame: %v, want close 1009", err)
	}
}

func TestResume(t *testing.T) {
	e := newEnv(t)
	e.available()
	c := e.dial()
	started := c.start("Ann", "first")
	c.expect("message")
	c.expect("state")
	e.accept(started.InteractionID)
	c.expect("state")
	e.agentSays(started.InteractionID, "second")
	c.expect("message")
	_ = c.conn.Close(websocket.StatusNormalClosure, "reload")

	e.agentSays(started.InteractionID, "third, while away")
	c2 := e.dial()
	c2.send(map[string]string{"type": "resume", "chat_token": started.ChatToken})
	again := c2.expect("started")
	if again.InteractionID != started.InteractionID || again.SessionID != started.SessionID || again.ChatToken != started.ChatToken {
		t.Fatalf("resumed %s, started %s", again.raw, started.raw)
	}
	for i, want := range []string{"first", "second", "third, while away"} {
		if m := c2.expect("message").Message; m.Seq != int64(i+1) || m.Text != want {
			t.Fatalf("history %d: %+v", i, m)
		}
	}
	if st := c2.expect("state"); st.State != "active" || *st.AgentName != "Alice" {
		t.Fatalf("state after resume %s", st.raw)
	}
	c2.send(map[string]string{"type": "message", "text": "back"})
	if m := c2.expect("message").Message; m.Seq != 4 || m.Text != "back" {
		t.Fatalf("after resume: %+v", m)
	}

	for name, tok := range map[string]string{
		"garbage":  "not-a-token",
		"tampered": started.ChatToken[:len(started.ChatToken)-2] + flip(started.ChatToken[len(started.ChatToken)-2:]),
		"foreign":  mustIssue(t, tokens{key: []byte("another key, another server!")}, started.InteractionID, "v"),
		"unknown":  mustIssue(t, e.h.tokens, "no-such-interaction", "v"),
		"stranger": mustIssue(t, e.h.tokens, started.InteractionID, "someone-else"),
	} {
		t.Run(name, func(t *testing.T) {
			c := e.dial()
			c.send(map[string]string{"type": "resume", "chat_token": tok})
			c.expect("error")
			c.send(map[string]string{"type": "message", "text": "hi"})
			c.expect("error") // still not attached to anything
		})
	}
}

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func mustIssue(t *testing.T, tk tokens, iid, vid string) string {
	t.Helper()
	s, err := tk.issue(iid, vid)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLeaveWhileQueuedAbandons(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	started := c.start("Ann", "")
	c.expect("state")
	c.send(map[string]string{"type": "leave"})
	if st := c.expect("state"); st.State != "abandoned" {
		t.Fatalf("state after leave %s, want abandoned", st.raw)
	}
	it, err := e.eng.Interaction(context.Background(), started.InteractionID)
	if err != nil || it.State != session.Abandoned {
		t.Fatalf("interaction after leave: %v %v", it, err)
	}
	c.send(map[string]string{"type": "message", "text": "hello?"})
	if f := c.expect("error"); f.Error != "this conversation has ended" {
		t.Fatalf("message after leave: %s", f.raw)
	}
	// The same visitor can start again: same customer, a new interaction.
	again := c.start("Ann", "")
	if again.InteractionID == started.InteractionID {
		t.Fatal("a new chat reused the abandoned interaction")
	}
}

func TestLeaveWhileActiveEnds(t *testing.T) {
	e := newEnv(t)
	c, started := e.activeChat()
	c.send(map[string]string{"type": "leave"})
	if st := c.expect("state"); st.State != "wrapup" {
		t.Fatalf("state after leave %s, want wrapup (the agent wraps up)", st.raw)
	}
	if it, err := e.eng.Interaction(context.Background(), started.InteractionID); err != nil || it.State != session.Wrapup {
		t.Fatalf("interaction after leave: %v %v", it, err)
	}
}

func TestBadFramesKeepSocketOpen(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	for name, frame := range map[string]string{
		"not JSON":         `hello`,
		"not an object":    `["start"]`,
		"no type":          `{"text":"hi"}`,
		"unknown type":     `{"type":"dance"}`,
		"message first":    `{"type":"message","text":"hi"}`,
		"leave first":      `{"type":"leave"}`,
		"empty message":    `{"type":"message","text":"  "}`,
		"resume no token":  `{"type":"resume"}`,
		"trailing garbage": `{"type":"leave"} x`,
		"wrong field type": `{"type":"message","text":5}`,
	} {
		t.Run(name, func(t *testing.T) {
			c.send(frame)
			if f := c.expect("error"); f.Error == "" {
				t.Fatalf("error frame without a message: %s", f.raw)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageBinary, []byte(`{"type":"leave"}`)); err != nil {
		t.Fatal(err)
	}
	c.expect("error")
	c.start("Ann", "still here")
}

func TestOrigin(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{"www.example.com"} })
	if _, res, err := e.dialOrigin("https://evil.example"); err == nil || res == nil || res.StatusCode != 403 {
		t.Fatalf("cross-origin upgrade: %v, want 403", err)
	}
	for _, origin := range []string{"https://www.example.com", e.ts.URL, ""} {
		c, _, err := e.dialOrigin(origin)
		if err != nil {
			t.Fatalf("origin %q: %v", origin, err)
		}
		c.start("Ann", "")
	}
}

func TestCloseEndsSockets(t *testing.T) {
	e := newEnv(t)
	c := e.dial()
	c.start("Ann", "")
	closed := make(chan error, 1)
	go func() { closed <- e.h.Close() }() // Close waits for the client to answer the close
	testkit.WantClose(t, c.conn, websocket.StatusGoingAway)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, res, err := e.dialOrigin(e.ts.URL); err == nil || res.StatusCode != 503 {
		t.Fatalf("socket after Close: %v, want 503", err)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// TestSlowCustomerCatchesUp: the customer does not read while the agent writes far
// more than the socket's notice buffer holds, with texts large enough to fill the
// connection; once it reads, every message is there, once, in order.
func TestSlowCustomerCatchesUp(t *testing.T) {
	e := newEnv(t)
	c, started := e.activeChat()
	const n = 600
	text := strings.Repeat("x", session.MaxMessageLen)
	for range n {
		e.agentSays(started.InteractionID, text)
	}
	for want := int64(1); want <= n; {
		f := c.read()
		if f.Type != "message" {
			continue
		}
		if f.Message.Seq != want {
			t.Fatalf("got seq %d, want %d", f.Message.Seq, want)
		}
		want++
	}
}

// A customer whose socket drops without "leave" has the return window to come back;
// after it the chat counts as left (queued → abandoned), so no agent waits for them.
func TestDroppedChatIsLeftAfterTheReturnWindow(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ReturnWindow = 150 * time.Millisecond })
	c := e.dial()
	gone := c.start("Ann", "")
	c.expect("state")
	_ = c.conn.Close(websocket.StatusNormalClosure, "tab closed")

	c2 := e.dial()
	back := c2.start("Bob", "")
	c2.expect("state")
	_ = c2.conn.Close(websocket.StatusNormalClosure, "reload")
	c3 := e.dial()
	c3.send(map[string]string{"type": "resume", "chat_token": back.ChatToken})
	c3.expect("started")

	testkit.Eventually(t, "the dropped chat is abandoned", func() bool {
		it, err := e.eng.Interaction(context.Background(), gone.InteractionID)
		return err == nil && it.State == session.Abandoned
	})
	time.Sleep(300 * time.Millisecond) // twice the window: the resumed chat must stay
	if it, err := e.eng.Interaction(context.Background(), back.InteractionID); err != nil || it.State != session.Queued {
		t.Fatalf("resumed chat: %v %v", it, err)
	}
}

package api

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// TestFullFlow: a supervisor creates a chat; alice goes available and gets the offer
// on her event socket; she accepts; messages go both ways; she ends and wraps up;
// the session is complete with its timeline.
func TestFullFlow(t *testing.T) {
	e := newEnv(t)
	sue, alice := e.login("sue"), e.login("alice")
	events := e.dialEvents(alice, "alice")
	hello := events.read()
	if hello.Type != "hello" || hello.Agent == nil || hello.Agent.State != "offline" {
		t.Fatalf("first message %s, want hello with alice offline", hello.raw)
	}

	id := e.create(sue, chatBody("Ann"))
	e.setState(alice, "alice", "available")
	offer := events.until("offer", func(m eventMsgIn) bool { return m.Type == "offer" })
	o := offer.Offer
	if o.InteractionID != id || o.Channel != "chat" || o.Queue != "sales" || o.CustomerName != "Ann" || o.Subject != "hello" ||
		o.OfferedAt == nil || o.ExpiresAt == nil || o.ExpiresAt.Sub(*o.OfferedAt) != time.Minute {
		t.Fatalf("offer %s", offer.raw)
	}

	var it interactionJSON
	e.call("POST", "/api/v1/interactions/"+id+"/accept", alice, nil, 200, &it)
	if it.State != "active" || it.AgentID != "alice" {
		t.Fatalf("accepted %+v", it)
	}
	events.until("interaction active", func(m eventMsgIn) bool {
		return m.Type == "interaction" && m.Interaction.ID == id && m.Interaction.State == "active"
	})

	e.call("POST", "/api/v1/interactions/"+id+"/messages", alice, map[string]string{"text": "How can I help?"}, 201, nil)
	got := events.until("agent's own message", func(m eventMsgIn) bool { return m.Type == "message" })
	if got.Message.Seq != 1 || got.Message.From != "alice" {
		t.Fatalf("message event %s", got.raw)
	}
	if _, err := e.eng.PostMessage(context.Background(), id, routing.Actor{ID: "customer", Role: routing.ActorCustomer}, "My order is late"); err != nil {
		t.Fatal(err)
	}
	got = events.until("customer message", func(m eventMsgIn) bool { return m.Type == "message" })
	if got.Message.Seq != 2 || got.Message.From != "customer" || got.Message.Text != "My order is late" {
		t.Fatalf("message event %s", got.raw)
	}

	e.call("POST", "/api/v1/interactions/"+id+"/end", alice, nil, 200, &it)
	if it.State != "wrapup" {
		t.Fatalf("after end: %s", it.State)
	}
	events.until("agent in ACW", func(m eventMsgIn) bool { return m.Type == "agent" && m.Agent.Activity == "acw" })
	e.call("POST", "/api/v1/interactions/"+id+"/wrapup", alice, map[string]any{"disposition": "resolved", "notes": "refund", "tags": []string{"late"}}, 200, &it)
	if it.State != "done" {
		t.Fatalf("after wrapup: %s", it.State)
	}
	events.until("done", func(m eventMsgIn) bool {
		return m.Type == "interaction" && m.Interaction.ID == id && m.Interaction.State == "done"
	})

	var s sessionJSON
	e.call("GET", "/api/v1/sessions/"+it.SessionID, alice, nil, 200, &s)
	if s.State != "complete" || s.CompletedAt == nil || len(s.Interactions) != 1 || s.Interactions[0].State != "done" {
		t.Fatalf("session %+v", s)
	}
	var evs []eventJSON
	e.call("GET", "/api/v1/sessions/"+it.SessionID+"/events", alice, nil, 200, &evs)
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	want := []string{"session.created", "interaction.created", "interaction.offer", "interaction.accept", "interaction.end", "interaction.wrapup", "session.complete"}
	if !subsequence(want, types) {
		t.Fatalf("timeline %v does not hold %v in order", types, want)
	}
	for _, ev := range evs {
		if ev.Type == "interaction.accept" && (ev.Actor != "alice" || ev.From != "offered" || ev.To != "active") {
			t.Fatalf("accept event %+v", ev)
		}
	}
}

func subsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestHelloCarriesPendingOffers: an offer made before the socket opened comes right
// after the hello.
func TestHelloCarriesPendingOffers(t *testing.T) {
	e := newEnv(t)
	sue, alice := e.login("sue"), e.login("alice")
	e.setState(alice, "alice", "available")
	id := e.create(sue, map[string]any{"channel": "chat", "queue": "support", "customer": map[string]string{"name": "Ann", "phone": "+31201234567"}, "source_number": "2000"})
	events := e.dialEvents(alice, "alice")
	if m := events.read(); m.Type != "hello" || m.Agent.LoadTotal != 1 {
		t.Fatalf("first message %s, want hello with load 1", m.raw)
	}
	m := events.read()
	if m.Type != "offer" || m.Offer.InteractionID != id || m.Offer.CustomerNumber != "+31201234567" || m.Offer.SourceNumber != "2000" ||
		m.Offer.ExpiresAt.Sub(*m.Offer.OfferedAt) != time.Minute {
		t.Fatalf("second message %s, want the pending offer", m.raw)
	}
	// Declining revokes it.
	e.call("POST", "/api/v1/interactions/"+id+"/decline", alice, nil, 200, nil)
	events.until("offer.revoked", func(m eventMsgIn) bool { return m.Type == "offer.revoked" && m.InteractionID == id })
}

// TestSupervisorWatchesAgent: a supervisor may open an agent's stream; an admin may
// not, nor may another agent.
func TestSupervisorWatchesAgent(t *testing.T) {
	e := newEnv(t)
	sue, admin, bob := e.login("sue"), e.login("admin"), e.login("bob")
	c := e.dialEvents(sue, "alice")
	if m := c.read(); m.Type != "hello" || m.Agent.ID != "alice" {
		t.Fatalf("hello %s", m.raw)
	}
	for _, tok := range []string{admin, bob} {
		_, res, err := e.dial("/api/v1/agents/alice/events?ticket="+e.ticket(tok), e.ts.URL)
		if err == nil || res.StatusCode != 403 {
			t.Fatalf("status %v, want 403", statusOfResponse(res))
		}
	}
	_, res, err := e.dial("/api/v1/agents/nobody/events?ticket="+e.ticket(sue), e.ts.URL)
	if err == nil || res.StatusCode != 404 {
		t.Fatalf("unknown agent: status %v, want 404", statusOfResponse(res))
	}
	e.wantError("GET", "/api/v1/agents/alice/events", sue, nil, 426) // not an upgrade
	e.setState(sue, "alice", "available")
	c.until("alice available", func(m eventMsgIn) bool { return m.Type == "agent" && m.Agent.State == "available" })
}

// TestCloseEndsSockets: Close ends every socket with "going away", waits for them,
// and refuses new ones.
func TestCloseEndsSockets(t *testing.T) {
	e := newEnv(t)
	alice := e.login("alice")
	c1, c2 := e.dialEvents(alice, "alice"), e.dialEvents(e.login("sue"), "alice")
	c1.read()
	c2.read()
	closed := make(chan error, 1)
	go func() { closed <- e.srv.Close() }() // Close waits for the clients to answer the close
	for _, c := range []*wsClient{c1, c2} {
		testkit.WantClose(t, c.conn, websocket.StatusGoingAway)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	_, res, err := e.dial("/api/v1/agents/alice/events?ticket="+e.ticket(alice), e.ts.URL)
	if err == nil || res.StatusCode != 503 {
		t.Fatalf("socket after Close: status %v, want 503", statusOfResponse(res))
	}
	e.srv.mu.Lock()
	n := len(e.srv.conns)
	e.srv.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d sockets still registered after Close", n)
	}
}

func TestVersionLogDropsStaleViews(t *testing.T) {
	l := versionLog{}
	view := func(id string, v int64) routing.Notice {
		return routing.Notice{Kind: routing.NoticeInteraction, Interaction: &session.Interaction{ID: id, Version: v}}
	}
	for i, tc := range []struct {
		n    routing.Notice
		want bool
	}{
		{view("a", 3), true},
		{view("a", 5), true},
		{view("a", 4), false}, // late: older than what was sent
		{view("a", 5), false}, // the same view twice
		{view("b", 1), true},  // another interaction
		{routing.Notice{Kind: routing.NoticeMessage, Interaction: &session.Interaction{ID: "a", Version: 1}}, true},
		{routing.Notice{Kind: routing.NoticeAgent}, true},
		{view("a", 6), true},
	} {
		if got := l.fresh(tc.n); got != tc.want {
			t.Errorf("step %d: fresh = %v, want %v", i, got, tc.want)
		}
	}
}

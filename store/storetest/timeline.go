package storetest

import (
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func testEvents(t *testing.T, s routing.Store) {
	ctx := t.Context()
	atIn, atWant := ts(1)
	e1 := session.Event{
		At: atIn, SessionID: "s1", InteractionID: "i1", AgentID: "a1", Actor: "system",
		Type: "interaction.offer", From: "queued", To: "offered", Reason: "best agent",
		Data: map[string]string{"queue": "sales", "empty": "", "ünï": "\x00\n"},
	}
	e2 := session.Event{At: at(2), SessionID: "s1", Type: "session.note", Data: map[string]string{}}
	e3 := session.Event{At: at(3), SessionID: "s1", Type: "agent.presence"} // nil Data
	commit(t, s, &routing.Change{Events: []session.Event{e1, {SessionID: "s2", Type: "other"}, e2}})
	commit(t, s, &routing.Change{Events: []session.Event{e3}})

	evs, err := s.Events(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3: %+v", len(evs), evs)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Errorf("seq %d after %d: not increasing", evs[i].Seq, evs[i-1].Seq)
		}
	}
	if evs[0].Seq <= 0 {
		t.Errorf("seq %d: the store must assign a positive seq", evs[0].Seq)
	}
	want1 := e1
	want1.Seq, want1.At = evs[0].Seq, atWant
	equal(t, "event with data", evs[0], want1)
	want2, want3 := e2, e3
	want2.Seq, want2.Data, want3.Seq = evs[1].Seq, nil, evs[2].Seq // empty Data reads as nil
	equal(t, "event with empty data", evs[1], want2)
	equal(t, "event without data", evs[2], want3)

	evs[0].Data["queue"] = "changed" // a returned map is the caller's
	again, err := s.Events(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "events read again", again[0], want1)
}

func testMessages(t *testing.T, s routing.Store) {
	ctx := t.Context()
	atIn, atWant := ts(1)
	var c routing.Change
	for i, text := range []string{"hello", "", "\x00 nul and ✓", "four", "five"} {
		c.Messages = append(c.Messages, session.Message{
			Seq: int64(i + 1), ID: "m" + text, InteractionID: "i1", SessionID: "s1",
			From: "customer", Text: text, At: atIn,
		})
	}
	c.Messages[1].ID, c.Messages[2].ID = "m-empty", "m-nul"
	c.Messages = append(c.Messages, session.Message{Seq: 1, ID: "other", InteractionID: "i2", SessionID: "s1"})
	// Written out of order; read back by seq.
	c.Messages[0], c.Messages[4] = c.Messages[4], c.Messages[0]
	commit(t, s, &c)

	all, err := s.Messages(ctx, "i1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("got %d messages, want 5", len(all))
	}
	for i, m := range all {
		if m.Seq != int64(i+1) {
			t.Errorf("message %d has seq %d", i, m.Seq)
		}
	}
	want := c.Messages[2]
	want.At = atWant
	equal(t, "message", all[2], want)

	for after, n := range map[int64]int{3: 2, 5: 0, -1: 5} {
		ms, err := s.Messages(ctx, "i1", after)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != n || (n > 0 && ms[0].Seq != all[5-n].Seq) {
			t.Errorf("after %d: got %d messages from seq %v, want %d", after, len(ms), ms, n)
		}
	}
}

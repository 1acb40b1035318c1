package routing_test

import (
	"errors"
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func TestStartOutboundIsActiveWithTheAgent(t *testing.T) {
	h := newHarness(t, demoConfig())
	n := routing.NewInteraction{Channel: session.Voice, Queue: "sales", Customer: routing.CustomerInfo{Phone: "+3225550100"}}
	if _, err := h.eng.StartOutbound(h.ctx, "carol", n); !errors.Is(err, routing.ErrConflict) {
		t.Fatalf("offline agent dialling: %v", err)
	}
	h.available("carol")
	if _, err := h.eng.StartOutbound(h.ctx, "carol", routing.NewInteraction{Channel: session.Voice, Queue: "support", Customer: n.Customer}); !errors.Is(err, routing.ErrForbidden) {
		t.Fatalf("dialling without the skill: %v", err)
	}
	if _, err := h.eng.StartOutbound(h.ctx, "carol", routing.NewInteraction{Channel: session.Voice, Queue: "sales"}); !errors.Is(err, session.ErrInvalid) {
		t.Fatalf("dialling no number: %v", err)
	}
	it, err := h.eng.StartOutbound(h.ctx, "carol", n)
	if err != nil {
		t.Fatal(err)
	}
	if it.State != session.Active || it.AgentID != "carol" || it.Direction != session.Outbound {
		t.Fatalf("outbound: %+v", it)
	}
	if _, err := h.eng.StartOutbound(h.ctx, "carol", n); !errors.Is(err, routing.ErrConflict) {
		t.Fatalf("second call while on a call: %v", err)
	}
	// The agent is on a call: inbound chats wait.
	chat := h.create(session.Chat, "sales", "+9")
	h.wantState(chat.ID, session.Queued, "")
	if err := h.eng.RecordEvent(h.ctx, it.ID, "carol", "interaction.dtmf", "", map[string]string{"digit": "5"}); err != nil {
		t.Fatal(err)
	}
	evs, _ := h.eng.SessionEvents(h.ctx, it.SessionID)
	last := evs[len(evs)-1]
	if last.Type != "interaction.dtmf" || last.Data["digit"] != "5" || last.To != "active" {
		t.Fatalf("last event = %+v", last)
	}
	if err := h.eng.RecordEvent(h.ctx, "nope", "x", "t", "", nil); !errors.Is(err, routing.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

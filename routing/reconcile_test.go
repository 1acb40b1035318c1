package routing_test

import (
	"testing"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/memory"
)

// After a restart: queued contacts keep their order, offered ones go back to the head
// of their queue, active digital ones stay with their agent, calls end with a reason.
func TestRestartReconciles(t *testing.T) {
	st := memory.New(nil)
	clk := testkit.NewClock(base)
	h := newHarnessWith(t, demoConfig(), st, clk)
	h.available("carol")
	active := h.create(session.Chat, "sales", "+a")
	offered := h.create(session.Chat, "sales", "+o")
	h.accept(active.ID, "carol")
	h.wantState(offered.ID, session.Offered, "carol")
	call := h.create(session.Voice, "support", "+v")   // nobody in support: queued
	q1 := h.create(session.Email, "support", "+q1")    // queued
	q2 := h.create(session.WorkItem, "support", "+q2") // queued
	q3 := h.create(session.Chat, "support", "+q3")     // queued

	h2 := newHarnessWith(t, demoConfig(), st, clk) // the process restarts
	h2.ids = 1000
	h2.wantState(active.ID, session.Active, "carol")
	got := h2.wantState(offered.ID, session.Queued, "")
	if got.Reason == "" {
		t.Fatal("requeued offer has no reason")
	}
	c := h2.wantState(call.ID, session.Abandoned, "")
	if c.Reason == "" {
		t.Fatal("abandoned call has no reason")
	}
	// carol logs in again: her active chat counts, the requeued offer comes first.
	h2.available("carol")
	h2.wantState(offered.ID, session.Offered, "carol")
	a, _ := h2.eng.Agent("carol")
	if a.Load[session.Chat] != 2 {
		t.Fatalf("carol load after restart = %v", a.Load)
	}
	// support's order holds: bob gets q1, q2 (one email, one work item), then q3.
	h2.available("bob")
	var order []string
	for _, o := range h2.rec.offers("bob") {
		order = append(order, o.InteractionID)
	}
	want := []string{q1.ID, q2.ID, q3.ID}
	if len(order) != 3 {
		t.Fatalf("bob offers = %v", order)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("bob offers = %v, want %v", order, want)
		}
	}
}

package routing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/memory"
)

type fakeClock = testkit.Clock

type recorder struct {
	mu      sync.Mutex
	notices []routing.Notice
}

func (r *recorder) add(n routing.Notice) {
	r.mu.Lock()
	r.notices = append(r.notices, n)
	r.mu.Unlock()
}

func (r *recorder) offers(agent string) []routing.OfferView {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []routing.OfferView
	for _, n := range r.notices {
		if n.Kind == routing.NoticeOffer && n.Agents[0] == agent {
			out = append(out, *n.Offer)
		}
	}
	return out
}

type harness struct {
	t     *testing.T
	ctx   context.Context
	eng   *routing.Engine
	store routing.Store
	clock *fakeClock
	rec   *recorder
	ids   int
}

var base = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// demoConfig: queues sales and support; alice (sales 5, support 3), bob (support 8),
// carol (sales 5); chat capacity 2, email 2, voice 1, total 3.
func demoConfig() routing.Config {
	capa := map[session.Channel]int{session.Chat: 2, session.Email: 2, session.WorkItem: 2, session.Voice: 1}
	return routing.Config{
		Queues: []routing.QueueConfig{
			{Name: "sales", OfferTimeout: 20 * time.Second},
			{Name: "support", OfferTimeout: 20 * time.Second},
		},
		Agents: []routing.AgentConfig{
			{ID: "alice", Skills: map[string]int{"sales": 5, "support": 3}, Capacity: capa, TotalCapacity: 3, ExtraContact: true},
			{ID: "bob", Skills: map[string]int{"support": 8}, Capacity: capa, TotalCapacity: 3},
			{ID: "carol", Skills: map[string]int{"sales": 5}, Capacity: capa, TotalCapacity: 3},
		},
		Dispositions: []string{"resolved", "callback"},
	}
}

func newHarness(t *testing.T, cfg routing.Config) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, memory.New(nil), testkit.NewClock(base))
}

func newHarnessWith(t *testing.T, cfg routing.Config, st routing.Store, clk *fakeClock) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), store: st, clock: clk, rec: &recorder{}}
	eng, err := routing.New(cfg, st, routing.Options{Clock: clk, NewID: h.nextID})
	if err != nil {
		t.Fatal(err)
	}
	h.eng = eng
	eng.Subscribe(h.rec.add)
	if err := eng.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) nextID() string {
	h.ids++
	return fmt.Sprintf("id%04d", h.ids)
}

func agentActor(id string) routing.Actor { return routing.Actor{ID: id, Role: routing.ActorAgent} }

func (h *harness) available(ids ...string) {
	h.t.Helper()
	for _, id := range ids {
		if _, err := h.eng.SetPresence(h.ctx, id, session.Available, "", agentActor(id)); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) create(ch session.Channel, queue, phone string) *session.Interaction {
	h.t.Helper()
	it, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{
		Channel: ch, Queue: queue, Customer: routing.CustomerInfo{Name: "Cust " + phone, Phone: phone}, SourceNumber: "1000",
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return it
}

func (h *harness) get(id string) *session.Interaction {
	h.t.Helper()
	it, err := h.eng.Interaction(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return it
}

func (h *harness) wantState(id string, st session.State, agent string) *session.Interaction {
	h.t.Helper()
	it := h.get(id)
	if it.State != st || it.AgentID != agent {
		h.t.Fatalf("interaction %s: state %s agent %q, want %s agent %q", id, it.State, it.AgentID, st, agent)
	}
	return it
}

func (h *harness) accept(id, agent string) {
	h.t.Helper()
	if _, err := h.eng.Accept(h.ctx, id, agentActor(agent)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) finish(id, agent string) {
	h.t.Helper()
	if _, err := h.eng.End(h.ctx, id, agentActor(agent), ""); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.eng.WrapUp(h.ctx, id, agentActor(agent), routing.WrapUpInput{Disposition: "resolved"}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) presence(id string) session.Presence {
	h.t.Helper()
	a, err := h.eng.Agent(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return a.Presence
}

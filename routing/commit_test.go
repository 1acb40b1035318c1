package routing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/memory"
)

// slowStore is a memory store whose writes take a while (a disk sync) and can be
// made to fail; it counts them.
type slowStore struct {
	routing.Store
	delay   time.Duration
	commits atomic.Int64
	fail    atomic.Bool
}

func (s *slowStore) Commit(ctx context.Context, c *routing.Change) error {
	s.commits.Add(1)
	time.Sleep(s.delay)
	if s.fail.Load() {
		return errors.New("disk full")
	}
	return s.Store.Commit(ctx, c)
}

// Operations running while a write is in flight are written together, and each
// returns only once what it did is stored.
func TestGroupCommitBatchesConcurrentOperations(t *testing.T) {
	st := &slowStore{Store: memory.New(nil), delay: 5 * time.Millisecond}
	h := newHarnessWith(t, demoConfig(), st, testkit.NewClock(base))
	before := st.commits.Load()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			it, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{Channel: session.Chat, Queue: "sales", Customer: routing.CustomerInfo{Phone: fmt.Sprintf("+g%d", i)}})
			if err != nil {
				errs <- err
				return
			}
			// Stored by the time the operation returned.
			if _, err := st.Store.Interaction(h.ctx, it.ID); err != nil {
				errs <- fmt.Errorf("%s not stored when CreateInteraction returned: %w", it.ID, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	writes := st.commits.Load() - before
	if writes >= n {
		t.Errorf("%d operations took %d writes; want them grouped", n, writes)
	}
	t.Logf("%d operations, %d writes", n, writes)
}

// An interaction that reaches a final state leaves memory at once; a read right after
// still finds it, because reads from the store wait for the writes queued before them.
func TestGroupCommitReadsSeeQueuedWrites(t *testing.T) {
	st := &slowStore{Store: memory.New(nil), delay: 2 * time.Millisecond}
	h := newHarnessWith(t, demoConfig(), st, testkit.NewClock(base))
	it := h.create(session.Chat, "sales", "+r")
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := h.eng.CustomerLeft(h.ctx, it.ID, ""); err != nil {
			t.Error(err)
		}
	})
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		got, err := h.eng.Interaction(h.ctx, it.ID)
		if err != nil {
			t.Fatalf("interaction vanished while its end was being written: %v", err)
		}
		if got.State.Final() {
			break
		}
	}
	wg.Wait()
}

// A failed write stops the engine: the operation whose change it carried fails, its
// notices are not delivered, Failed is closed, and later operations are refused.
func TestGroupCommitFailureStopsTheEngine(t *testing.T) {
	st := &slowStore{Store: memory.New(nil)}
	h := newHarnessWith(t, demoConfig(), st, testkit.NewClock(base))
	h.available("carol")
	offersBefore := len(h.rec.offers("carol"))
	st.fail.Store(true)
	_, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{Channel: session.Chat, Queue: "sales", Customer: routing.CustomerInfo{Phone: "+f"}})
	if !errors.Is(err, routing.ErrStoreFailed) {
		t.Fatalf("CreateInteraction with a failing store: err = %v, want ErrStoreFailed", err)
	}
	select {
	case <-h.eng.Failed():
	default:
		t.Fatal("Failed not closed after a failed write")
	}
	if h.eng.Err() == nil {
		t.Error("Err is nil after a failed write")
	}
	if got := len(h.rec.offers("carol")); got != offersBefore {
		t.Errorf("offer notices of the failed operation were delivered: %d, had %d", got, offersBefore)
	}
	st.fail.Store(false)
	if _, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{Channel: session.Chat, Queue: "sales", Customer: routing.CustomerInfo{Phone: "+g"}}); !errors.Is(err, routing.ErrStoreFailed) {
		t.Errorf("operation after the failure: err = %v, want ErrStoreFailed", err)
	}
}

// A customer with nothing open leaves memory at the next Tick once everything about
// it is stored; its next contact finds it again from the store: same customer, new
// session.
func TestRetiredCustomerComesBackFromTheStore(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	a := h.create(session.Chat, "sales", "+r1")
	h.accept(a.ID, "carol")
	h.finish(a.ID, "carol")
	if got := h.eng.Stats().Customers; got != 1 {
		t.Fatalf("customers in memory before Tick: %d, want 1 (it leaves at the next Tick)", got)
	}
	h.eng.Tick(h.ctx)
	if got := h.eng.Stats().Customers; got != 0 {
		t.Fatalf("customers in memory after Tick: %d, want 0", got)
	}
	b := h.create(session.Chat, "sales", "+r1")
	if b.CustomerID != a.CustomerID {
		t.Fatalf("returning caller got customer %s, was %s", b.CustomerID, a.CustomerID)
	}
	if b.SessionID == a.SessionID {
		t.Fatal("returning caller joined a complete session")
	}
	if got := h.eng.Stats().Customers; got != 1 {
		t.Fatalf("customers in memory with one open contact: %d, want 1", got)
	}
}

// A queue with MaxWaitingCalls refuses one more waiting call (ErrQueueFull, an
// ErrConflict) and takes calls again once one leaves; chats and agents' outbound
// calls are not counted or refused.
func TestQueueMaxWaitingCalls(t *testing.T) {
	cfg := demoConfig()
	cfg.Queues[0].MaxWaitingCalls = 2 // sales
	h := newHarness(t, cfg)
	call := func(phone string) (*session.Interaction, error) {
		return h.eng.CreateInteraction(h.ctx, routing.NewInteraction{Channel: session.Voice, Queue: "sales", Customer: routing.CustomerInfo{Phone: phone}})
	}
	a, err := call("+q1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := call("+q2"); err != nil {
		t.Fatal(err)
	}
	if _, err := call("+q3"); !errors.Is(err, routing.ErrQueueFull) || !errors.Is(err, routing.ErrConflict) {
		t.Fatalf("third call: err = %v, want ErrQueueFull", err)
	}
	h.create(session.Chat, "sales", "+q4") // chats are not capped
	if _, err := h.eng.CustomerLeft(h.ctx, a.ID, "hung up"); err != nil {
		t.Fatal(err)
	}
	if _, err := call("+q6"); err != nil {
		t.Fatalf("call after one left: %v", err)
	}
	if _, err := call("+q7"); !errors.Is(err, routing.ErrQueueFull) {
		t.Fatalf("call over the cap again: err = %v, want ErrQueueFull", err)
	}
	// An agent's outbound call through the full queue's skill is not refused.
	if _, err := h.eng.SetPresence(h.ctx, "carol", session.Unavailable, "outbound", agentActor("carol")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.StartOutbound(h.ctx, "carol", routing.NewInteraction{Channel: session.Voice, Queue: "sales", Customer: routing.CustomerInfo{Phone: "+q8"}}); err != nil {
		t.Fatalf("outbound call with the queue full: %v", err)
	}
}

func TestQueueMaxWaitingCallsValidated(t *testing.T) {
	cfg := demoConfig()
	cfg.Queues[0].MaxWaitingCalls = -1
	if _, err := routing.New(cfg, memory.New(nil), routing.Options{}); err == nil {
		t.Fatal("negative max waiting calls accepted")
	}
}

package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func testEmptyCommit(t *testing.T, s routing.Store) {
	commit(t, s, &routing.Change{})
}

func testCommitAtomic(t *testing.T, s routing.Store) {
	ctx := t.Context()
	old := interaction("i1", "s1", session.Queued, 1, at(0))
	m1 := session.Message{Seq: 1, ID: "m1", InteractionID: "i1", SessionID: "s1", From: "customer", Text: "hi", At: at(1)}
	commit(t, s, &routing.Change{Interactions: []*session.Interaction{old}, Messages: []session.Message{m1}})

	newer := old.Clone()
	newer.State, newer.AgentID, newer.Version = session.Offered, "a1", 2
	failing := map[string]*routing.Change{
		"second message duplicates a stored id": {
			Messages: []session.Message{
				{Seq: 2, ID: "m2", InteractionID: "i1", SessionID: "s1", Text: "new"},
				{Seq: 3, ID: "m1", InteractionID: "i1", SessionID: "s1", Text: "dup"},
			},
		},
		"two messages with one id": {
			Messages: []session.Message{
				{Seq: 2, ID: "m2", InteractionID: "i1", SessionID: "s1"},
				{Seq: 3, ID: "m2", InteractionID: "i1", SessionID: "s1"},
			},
		},
		"message seq taken in its interaction": {
			Messages: []session.Message{{Seq: 1, ID: "m2", InteractionID: "i1", SessionID: "s1"}},
		},
	}
	for name, c := range failing {
		t.Run(name, func(t *testing.T) {
			c.Customers = []*session.Customer{{ID: "c9", Identities: []session.Identity{{Kind: session.IdentityPhone, Value: "+100"}}}}
			c.Sessions = []*session.Session{{ID: "s9", CustomerID: "c9"}}
			c.Interactions = []*session.Interaction{newer, interaction("i9", "s9", session.Queued, 9, at(9))}
			c.Events = []session.Event{{SessionID: "s1", Type: "interaction.offer"}, {SessionID: "s9", Type: "session.open"}}
			if err := s.Commit(ctx, c); err == nil {
				t.Fatal("commit succeeded")
			}
			_, err := s.Customer(ctx, "c9")
			notFound(t, "customer of the failed change", err)
			_, err = s.CustomerByIdentity(ctx, session.Identity{Kind: session.IdentityPhone, Value: "+100"})
			notFound(t, "identity of the failed change", err)
			_, _, err = s.Session(ctx, "s9")
			notFound(t, "session of the failed change", err)
			_, err = s.Interaction(ctx, "i9")
			notFound(t, "new interaction of the failed change", err)
			got, err := s.Interaction(ctx, "i1")
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "upserted interaction after the failed change", got, old)
			for _, sid := range []string{"s1", "s9"} {
				evs, err := s.Events(ctx, sid)
				if err != nil || len(evs) != 0 {
					t.Errorf("events of %s after the failed change: %v, %v", sid, evs, err)
				}
			}
			ms, err := s.Messages(ctx, "i1", 0)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "messages after the failed change", ms, []session.Message{m1})
		})
	}

	// The store is still usable after the failures.
	commit(t, s, &routing.Change{Interactions: []*session.Interaction{newer}})
	got, err := s.Interaction(ctx, "i1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "interaction after a good commit", got, newer)
}

func testConcurrentCommits(t *testing.T, s routing.Store) {
	const writers, each = 6, 15
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			sid := fmt.Sprintf("s%d", w)
			for i := range each {
				id := fmt.Sprintf("i%d-%d", w, i)
				err := s.Commit(t.Context(), &routing.Change{
					Interactions: []*session.Interaction{interaction(id, sid, session.Queued, int64(i), at(i))},
					Events:       []session.Event{{SessionID: sid, InteractionID: id, Type: "interaction.queued"}},
					Messages:     []session.Message{{Seq: 1, ID: "m-" + id, InteractionID: id, SessionID: sid}},
				})
				if err != nil {
					t.Errorf("writer %d commit %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()

	its, err := s.Interactions(t.Context(), routing.Filter{Limit: writers * each * 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(its) != writers*each {
		t.Errorf("%d interactions stored, want %d", len(its), writers*each)
	}
	seen := map[int64]bool{}
	for w := range writers {
		evs, err := s.Events(t.Context(), fmt.Sprintf("s%d", w))
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != each {
			t.Errorf("writer %d: %d events, want %d", w, len(evs), each)
		}
		for i, e := range evs {
			if seen[e.Seq] {
				t.Errorf("event seq %d assigned twice", e.Seq)
			}
			seen[e.Seq] = true
			if want := fmt.Sprintf("i%d-%d", w, i); e.InteractionID != want {
				t.Errorf("writer %d event %d is of %s, want %s (out of order)", w, i, e.InteractionID, want)
			}
		}
	}
}

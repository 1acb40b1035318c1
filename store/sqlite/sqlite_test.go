package sqlite_test

import (
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/sqlite"
	"github.com/omnigate/omnigate/store/storetest"
)

func open(t testing.TB, dir string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) routing.Store { return open(t, t.TempDir()) })
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir() + "/nested/data" // Open creates the directory
	s, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	it := &session.Interaction{ID: "i1", SessionID: "s1", State: session.Queued, Queue: "sales", Seq: -3, Version: 1}
	err = s.Commit(t.Context(), &routing.Change{
		Sessions:     []*session.Session{{ID: "s1", CustomerID: "c1"}},
		Interactions: []*session.Interaction{it},
		Events:       []session.Event{{SessionID: "s1", Type: "interaction.queued"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir) // migrations run again and find nothing to do
	snap, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Interactions) != 1 || snap.Interactions[0].ID != "i1" || len(snap.Sessions) != 1 {
		t.Fatalf("after reopen: %+v", snap)
	}
	evs, err := s.Events(t.Context(), "s1")
	if err != nil || len(evs) != 1 {
		t.Fatalf("events after reopen: %v, %v", evs, err)
	}
	// Seqs keep increasing across a reopen.
	if err := s.Commit(t.Context(), &routing.Change{Events: []session.Event{{SessionID: "s1", Type: "x"}}}); err != nil {
		t.Fatal(err)
	}
	if evs, err = s.Events(t.Context(), "s1"); err != nil || len(evs) != 2 || evs[1].Seq <= evs[0].Seq {
		t.Fatalf("events after a commit past reopen: %v, %v", evs, err)
	}
}

func BenchmarkCommit(b *testing.B) {
	storetest.BenchCommit(b, open(b, b.TempDir()))
}

func TestOpenRefusesQuestionMark(t *testing.T) {
	if s, err := sqlite.Open(t.Context(), t.TempDir()+"/a?b", nil); err == nil {
		s.Close()
		t.Fatal("opened a path with '?', which the driver would cut short")
	}
}

package storetest

import (
	"slices"
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func testLoad(t *testing.T, s routing.Store) {
	ctx := t.Context()
	var its []*session.Interaction
	for i, x := range []struct {
		st  session.State
		seq int64
	}{
		{session.Queued, -5}, {session.Offered, 3}, {session.Active, 1}, {session.Done, -10},
		{session.Abandoned, 2}, {session.Closed, -7}, {session.Wrapup, 0}, {session.Interrupted, -1},
		{session.Held, 7}, {session.Conference, 6}, {session.Consult, 5},
	} {
		its = append(its, interaction(x.st.String(), "s1", x.st, x.seq, at(i)))
	}
	_, completed := ts(9)
	commit(t, s, &routing.Change{
		Customers: []*session.Customer{{ID: "c1"}, {ID: "c2"}, {ID: "c3"}, {ID: "c4"}},
		Sessions: []*session.Session{
			{ID: "s1", CustomerID: "c1", CreatedAt: at(1)},
			{ID: "s2", CustomerID: "c2", State: session.SessionComplete, CreatedAt: at(2), CompletedAt: completed},
			{ID: "s3", CustomerID: "c3", CreatedAt: at(3)},
			{ID: "s4", CustomerID: "c1", CreatedAt: at(4)},
		},
		Interactions: its,
	})
	snap, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"queued", "interrupted", "wrapup", "active", "offered", "consult", "conference", "held"}
	if got := ids(snap.Interactions); !slices.Equal(got, want) {
		t.Errorf("interactions: got %v, want %v (the non-final ones by Seq)", got, want)
	}
	var sessions, customers []string
	for _, x := range snap.Sessions {
		sessions = append(sessions, x.ID)
		if x.State != session.SessionOpen {
			t.Errorf("session %s is %s", x.ID, x.State)
		}
	}
	for _, x := range snap.Customers {
		customers = append(customers, x.ID)
	}
	slices.Sort(sessions)
	slices.Sort(customers)
	equal(t, "open sessions", sessions, []string{"s1", "s3", "s4"})
	equal(t, "customers of open sessions, each once", customers, []string{"c1", "c3"})
}

func testOpenSession(t *testing.T, s routing.Store) {
	ctx := t.Context()
	_, err := s.OpenSession(ctx, "c1")
	notFound(t, "no sessions", err)

	done := &session.Session{ID: "s0", CustomerID: "c1", State: session.SessionComplete, CreatedAt: at(9), CompletedAt: at(10)}
	commit(t, s, &routing.Change{Sessions: []*session.Session{done}})
	_, err = s.OpenSession(ctx, "c1")
	notFound(t, "only a complete session", err)

	createdIn, createdWant := ts(2)
	older := &session.Session{ID: "s2", CustomerID: "c1", CreatedAt: at(1)}
	newer := &session.Session{ID: "s1", CustomerID: "c1", CreatedAt: createdIn}
	other := &session.Session{ID: "s3", CustomerID: "c2", CreatedAt: at(5)}
	commit(t, s, &routing.Change{Sessions: []*session.Session{newer, older, other}})
	got, err := s.OpenSession(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the newest open session", got, &session.Session{ID: "s1", CustomerID: "c1", CreatedAt: createdWant})

	closed := *got
	closed.State, closed.CompletedAt = session.SessionComplete, at(3)
	commit(t, s, &routing.Change{Sessions: []*session.Session{&closed}})
	got, err = s.OpenSession(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "after the newest completed", got, older)
}

func testSession(t *testing.T, s routing.Store) {
	ctx := t.Context()
	ss := &session.Session{ID: "s1", CustomerID: "c1", CreatedAt: at(0)}
	commit(t, s, &routing.Change{
		Sessions: []*session.Session{ss, {ID: "s2", CustomerID: "c1"}},
		Interactions: []*session.Interaction{
			interaction("b", "s1", session.Active, 0, at(2)),
			interaction("c", "s1", session.Done, 0, at(1)),
			interaction("a", "s1", session.Queued, 0, at(2)), // ties with b: id decides
			interaction("x", "s9", session.Queued, 0, at(0)),
		},
	})
	got, its, err := s.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "session", got, ss)
	if got := ids(its); !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("interactions %v, want oldest first [c a b]", got)
	}
	_, its, err = s.Session(ctx, "s2")
	if err != nil || len(its) != 0 {
		t.Errorf("session without interactions: %v, %v", ids(its), err)
	}
}

func testNotFound(t *testing.T, s routing.Store) {
	ctx := t.Context()
	_, err := s.Customer(ctx, "nobody")
	notFound(t, "Customer", err)
	_, err = s.CustomerByIdentity(ctx, session.Identity{Kind: session.IdentityEmail, Value: "nobody@example.com"})
	notFound(t, "CustomerByIdentity", err)
	_, err = s.OpenSession(ctx, "nobody")
	notFound(t, "OpenSession", err)
	_, _, err = s.Session(ctx, "nothing")
	notFound(t, "Session", err)
	_, err = s.Interaction(ctx, "nothing")
	notFound(t, "Interaction", err)
	if evs, err := s.Events(ctx, "nothing"); err != nil || len(evs) != 0 {
		t.Errorf("Events of an unknown session: %v, %v (want none, no error)", evs, err)
	}
	if ms, err := s.Messages(ctx, "nothing", 0); err != nil || len(ms) != 0 {
		t.Errorf("Messages of an unknown interaction: %v, %v (want none, no error)", ms, err)
	}
}

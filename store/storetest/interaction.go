package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// full returns an interaction with every field set, as written and as it must read
// back.
func full() (in, want *session.Interaction) {
	var ins, wants [9]time.Time
	for i := range ins {
		ins[i], wants[i] = ts(i + 1)
	}
	in = &session.Interaction{
		ID: "i-full", SessionID: "s1", CustomerID: "c1", ContactID: "k1", MasterContactID: "mk1",
		Channel: session.Voice, Direction: session.Outbound, State: session.Conference,
		Queue: "support", PersonalAgent: "a9", AgentID: "a1", TransferFrom: "a2",
		Priority: -3, Seq: -42, Subject: "Re: “order” ✓", Body: "line 1\nline 2\x00\t'quoted' \"double\"",
		SourceNumber: "+4930123",
		CreatedAt:    ins[0], EnqueuedAt: ins[1], OfferedAt: ins[2], AcceptedAt: ins[3], EndedAt: ins[4], DoneAt: ins[5],
		TransferCount: 4, Disposition: "sold", Notes: "called back", Tags: []string{"vip", "", "b"},
		Reason: "conference", DeclinedBy: map[string]time.Time{"a3": ins[6], "a4": {}},
		LastMessageSeq: 17,
		Participants: []session.Participant{
			{Role: session.RoleOwner, AgentID: "a1", JoinedAt: ins[7]},
			{Role: session.RoleConferee, AgentID: "a5", JoinedAt: ins[7], LeftAt: ins[8]},
			{Role: session.RoleCustomer},
		},
		Version: 7,
	}
	want = in.Clone()
	want.CreatedAt, want.EnqueuedAt, want.OfferedAt = wants[0], wants[1], wants[2]
	want.AcceptedAt, want.EndedAt, want.DoneAt = wants[3], wants[4], wants[5]
	want.DeclinedBy["a3"] = wants[6]
	want.Participants[0].JoinedAt = wants[7]
	want.Participants[1].JoinedAt, want.Participants[1].LeftAt = wants[7], wants[8]
	return in, want
}

func testInteractionRoundTrip(t *testing.T, s routing.Store) {
	ctx := t.Context()
	in, want := full()
	commit(t, s, &routing.Change{
		Sessions:     []*session.Session{{ID: "s1", CustomerID: "c1", CreatedAt: at(0)}},
		Interactions: []*session.Interaction{in},
	})
	// The store keeps its own copy: changing ours changes nothing.
	in.Tags[0], in.DeclinedBy["a3"], in.Participants[0].AgentID = "x", time.Time{}, "x"

	got, err := s.Interaction(ctx, "i-full")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Interaction", got, want)
	got.Tags[0], got.DeclinedBy["a3"] = "y", time.Time{} // and changing what it returns neither

	_, its, err := s.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Session", its, []*session.Interaction{want})
	snap, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Load", snap.Interactions, []*session.Interaction{want})
	its, err = s.Interactions(ctx, routing.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Interactions", its, []*session.Interaction{want})
}

func testZeroValues(t *testing.T, s routing.Store) {
	ctx := t.Context()
	it := &session.Interaction{ID: "i0", SessionID: "s0", Tags: []string{}, DeclinedBy: map[string]time.Time{}, Participants: []session.Participant{}}
	c := &session.Customer{ID: "c0", Identities: []session.Identity{}}
	ss := &session.Session{ID: "s0", CustomerID: "c0"}
	commit(t, s, &routing.Change{Customers: []*session.Customer{c}, Sessions: []*session.Session{ss}, Interactions: []*session.Interaction{it}})

	gotIt, err := s.Interaction(ctx, "i0")
	if err != nil {
		t.Fatal(err)
	}
	// Empty collections read back as nil, in every store.
	equal(t, "interaction", gotIt, &session.Interaction{ID: "i0", SessionID: "s0"})
	gotC, err := s.Customer(ctx, "c0")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "customer", gotC, &session.Customer{ID: "c0"})
	gotS, _, err := s.Session(ctx, "s0")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "session", gotS, ss)
	if !gotIt.CreatedAt.IsZero() || !gotC.CreatedAt.IsZero() || !gotS.CompletedAt.IsZero() {
		t.Error("a zero time did not read back as zero")
	}
}

func testInteractionUpsert(t *testing.T, s routing.Store) {
	ctx := t.Context()
	v1 := interaction("i1", "s1", session.Queued, 5, at(0))
	v1.Tags = []string{"a"}
	commit(t, s, &routing.Change{Interactions: []*session.Interaction{v1}})

	v2 := v1.Clone()
	v2.State, v2.Queue, v2.AgentID, v2.Seq, v2.Tags, v2.Version = session.Active, "support", "a1", -1, nil, 2
	commit(t, s, &routing.Change{Interactions: []*session.Interaction{v2}})
	got, err := s.Interaction(ctx, "i1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "after upsert", got, v2)

	// The searchable columns follow the row.
	for _, f := range []routing.Filter{{Queue: "sales"}, {State: session.Queued}} {
		if its, err := s.Interactions(ctx, f); err != nil || len(its) != 0 {
			t.Errorf("filter %+v still finds the old row: %v, %v", f, ids(its), err)
		}
	}
	if its, err := s.Interactions(ctx, routing.Filter{Queue: "support", State: session.Active, AgentID: "a1"}); err != nil || len(its) != 1 {
		t.Errorf("filter on the new values: %v, %v", ids(its), err)
	}

	v3 := v2.Clone()
	v3.State, v3.Version = session.Done, 3
	commit(t, s, &routing.Change{Interactions: []*session.Interaction{v3}})
	snap, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Interactions) != 0 {
		t.Errorf("Load returns %v after the interaction became final", ids(snap.Interactions))
	}
}

func testInteractionsFilter(t *testing.T, s routing.Store) {
	ctx := t.Context()
	mk := func(id string, st session.State, queue, agent string, created int) *session.Interaction {
		it := interaction(id, "s1", st, 0, at(created))
		it.Queue, it.AgentID = queue, agent
		return it
	}
	commit(t, s, &routing.Change{Interactions: []*session.Interaction{
		mk("i1", session.Queued, "sales", "", 1),
		mk("i2", session.Active, "sales", "a1", 5),
		mk("i3", session.Active, "support", "a1", 3),
		mk("i4", session.Done, "sales", "a2", 4),
		mk("i5", session.Offered, "support", "a2", 2),
		mk("i6", session.Active, "sales", "a1", 5), // same time as i2: id breaks the tie
	}})
	tests := []struct {
		f    routing.Filter
		want []string
	}{
		{routing.Filter{}, []string{"i6", "i2", "i4", "i3", "i5", "i1"}},
		{routing.Filter{State: session.Active}, []string{"i6", "i2", "i3"}},
		{routing.Filter{Queue: "support"}, []string{"i3", "i5"}},
		{routing.Filter{AgentID: "a2"}, []string{"i4", "i5"}},
		{routing.Filter{State: session.Active, Queue: "sales", AgentID: "a1"}, []string{"i6", "i2"}},
		{routing.Filter{State: session.Held}, nil},
		{routing.Filter{Limit: 2}, []string{"i6", "i2"}},
		{routing.Filter{Queue: "sales", Limit: 3}, []string{"i6", "i2", "i4"}},
	}
	for _, tc := range tests {
		its, err := s.Interactions(ctx, tc.f)
		if err != nil {
			t.Fatalf("%+v: %v", tc.f, err)
		}
		if got := ids(its); !slices.Equal(got, tc.want) {
			t.Errorf("filter %+v: got %v, want %v", tc.f, got, tc.want)
		}
	}
}

func testInteractionsDefaultLimit(t *testing.T, s routing.Store) {
	const n = 501
	c := &routing.Change{}
	for i := range n {
		c.Interactions = append(c.Interactions, interaction(fmt.Sprintf("i%03d", i), "s1", session.Queued, int64(i), at(i)))
	}
	commit(t, s, c)
	its, err := s.Interactions(t.Context(), routing.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(its) != 500 || its[0].ID != "i500" {
		t.Errorf("got %d interactions starting at %v, want the newest 500", len(its), ids(its[:1]))
	}
}

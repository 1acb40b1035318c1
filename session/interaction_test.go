package session

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestInteractionTransitions(t *testing.T) {
	cases := []struct {
		name string
		from State
		in   Input
		to   State
		fx   []Effect
	}{
		{"queued -Offer-> offered", Queued, Offer{AgentID: "alice"}, Offered, nil},
		{"offered -Accept-> active", Offered, Accept{}, Active, nil},
		{"offered -Decline-> queued", Offered, Decline{}, Queued, []Effect{Release{"alice"}, RequeueHead{}}},
		{"offered -OfferTimedOut-> queued", Offered, OfferTimedOut{}, Queued, []Effect{Release{"alice"}, MarkRONA{"alice"}, RequeueHead{}}},
		{"offered -Abandon-> abandoned", Offered, Abandon{}, Abandoned, []Effect{Release{"alice"}}},
		{"queued -Abandon-> abandoned", Queued, Abandon{}, Abandoned, nil},
		{"active -Hold-> held", Active, Hold{}, Held, nil},
		{"held -Resume-> active", Held, Resume{}, Active, nil},
		{"active -End-> wrapup", Active, End{}, Wrapup, nil},
		{"held -End-> wrapup", Held, End{}, Wrapup, nil},
		{"wrapup -WrapUp-> done", Wrapup, WrapUp{Disposition: "resolved"}, Done, []Effect{Release{"alice"}}},
		{"active -Transfer-> queued", Active, Transfer{Queue: "support"}, Queued, []Effect{Release{"alice"}, RequeueTail{}}},
		{"active -AddConferee-> conference", Active, AddConferee{AgentID: "bob"}, Conference, nil},
		{"conference -End-> wrapup", Conference, End{}, Wrapup, nil},
		{"active -ForceClose-> closed", Active, ForceClose{}, Closed, []Effect{Release{"alice"}}},
		{"active -Interrupt-> interrupted", Active, Interrupt{}, Interrupted, nil},
		{"interrupted -End-> wrapup", Interrupted, End{}, Wrapup, nil},
		{"offered -Interrupt-> closed", Offered, Interrupt{}, Closed, []Effect{Release{"alice"}}},
		{"offered -Requeue-> queued", Offered, Requeue{}, Queued, []Effect{Release{"alice"}, RequeueHead{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := &Interaction{ID: "i1", State: c.from, Queue: "sales"}
			if c.from != Queued {
				it.AgentID = "alice"
			}
			fx, err := it.Apply(c.in, t0)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if it.State != c.to {
				t.Fatalf("state = %s, want %s", it.State, c.to)
			}
			if len(fx) != len(c.fx) {
				t.Fatalf("effects = %#v, want %#v", fx, c.fx)
			}
			for i := range fx {
				if fx[i] != c.fx[i] {
					t.Fatalf("effect %d = %#v, want %#v", i, fx[i], c.fx[i])
				}
			}
		})
	}
}

func TestInvalidTransitionsLeaveInteractionUnchanged(t *testing.T) {
	cases := []struct {
		name string
		from State
		in   Input
	}{
		{"(invalid) done -Accept", Done, Accept{}},
		{"(invalid) queued -Accept", Queued, Accept{}},
		{"(invalid) queued -End", Queued, End{}},
		{"(invalid) active -WrapUp", Active, WrapUp{}},
		{"(invalid) wrapup -Hold", Wrapup, Hold{}},
		{"(invalid) abandoned -Offer", Abandoned, Offer{AgentID: "a"}},
		{"(invalid) closed -ForceClose", Closed, ForceClose{}},
		{"(invalid) active -Accept", Active, Accept{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := &Interaction{ID: "i1", State: c.from, AgentID: "alice"}
			before := *it
			_, err := it.Apply(c.in, t0)
			if !errors.Is(err, ErrInvalidTransition) {
				t.Fatalf("err = %v, want ErrInvalidTransition", err)
			}
			var te *TransitionError
			if !errors.As(err, &te) || te.From != c.from.String() {
				t.Fatalf("err = %#v, want a TransitionError from %s", err, c.from)
			}
			if it.State != before.State || it.AgentID != before.AgentID {
				t.Fatalf("interaction changed: %+v", it)
			}
		})
	}
}

func TestOfferRequiresAgent(t *testing.T) {
	it := &Interaction{State: Queued}
	if _, err := it.Apply(Offer{}, t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	if it.State != Queued {
		t.Fatalf("state = %s", it.State)
	}
}

func TestDeclineRemembersWhoDeclined(t *testing.T) {
	it := &Interaction{State: Queued}
	mustApply(t, it, Offer{AgentID: "alice"})
	mustApply(t, it, Decline{})
	if _, ok := it.DeclinedBy["alice"]; !ok || it.AgentID != "" {
		t.Fatalf("declined by = %v, agent = %q", it.DeclinedBy, it.AgentID)
	}
}

// S4: a contact transferred three or more times gets a new master contact id.
func TestMasterContactAfterThreeTransfers(t *testing.T) {
	it := &Interaction{State: Active, AgentID: "a", MasterContactID: "m1"}
	var got []bool
	for i := 0; i < 6; i++ {
		fx, err := it.Apply(Transfer{Queue: "q"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hasNewMaster(fx))
		mustApply(t, it, Offer{AgentID: "b"})
		mustApply(t, it, Accept{})
	}
	want := []bool{false, false, true, false, false, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transfer %d: new master = %v, want %v (all: %v)", i+1, got[i], want[i], got)
		}
	}
	if it.TransferCount != 6 {
		t.Fatalf("transfer count = %d", it.TransferCount)
	}
}

func hasNewMaster(fx []Effect) bool {
	for _, f := range fx {
		if _, ok := f.(NewMasterContact); ok {
			return true
		}
	}
	return false
}

// S3: "New contact" puts the current interaction on hold; it is not a transfer.
func TestNewContactHoldsCurrent(t *testing.T) {
	it := &Interaction{State: Active, AgentID: "a"}
	mustApply(t, it, Hold{})
	if it.State != Held || it.TransferCount != 0 || it.AgentID != "a" {
		t.Fatalf("after hold: %+v", it)
	}
}

func TestTransferToAgentRemembersSender(t *testing.T) {
	it := &Interaction{State: Active, AgentID: "alice", Queue: "sales"}
	mustApply(t, it, Transfer{ToAgent: "bob"})
	if it.PersonalAgent != "bob" || it.TransferFrom != "alice" || it.Queue != "sales" || it.AgentID != "" {
		t.Fatalf("after transfer: %+v", it)
	}
}

func TestWrapUpClosesParticipants(t *testing.T) {
	it := &Interaction{State: Queued, Participants: []Participant{{Role: RoleCustomer, JoinedAt: t0}}}
	mustApply(t, it, Offer{AgentID: "alice"})
	mustApply(t, it, Accept{})
	mustApply(t, it, End{})
	mustApply(t, it, WrapUp{Disposition: "resolved", Tags: []string{"x"}})
	if len(it.Participants) != 2 {
		t.Fatalf("participants = %+v", it.Participants)
	}
	for _, p := range it.Participants {
		if p.LeftAt.IsZero() {
			t.Fatalf("participant still in: %+v", p)
		}
	}
	if it.Disposition != "resolved" || it.DoneAt.IsZero() {
		t.Fatalf("%+v", it)
	}
}

func TestCloneIsDeep(t *testing.T) {
	it := &Interaction{Tags: []string{"a"}, DeclinedBy: map[string]time.Time{"x": t0}, Participants: []Participant{{Role: RoleOwner}}}
	c := it.Clone()
	c.Tags[0] = "b"
	c.DeclinedBy["y"] = t0
	c.Participants[0].Role = RoleMonitor
	if it.Tags[0] != "a" || len(it.DeclinedBy) != 1 || it.Participants[0].Role != RoleOwner {
		t.Fatal("clone shares memory with the original")
	}
}

func mustApply(t *testing.T, it *Interaction, in Input) {
	t.Helper()
	if _, err := it.Apply(in, t0); err != nil {
		t.Fatalf("Apply %T: %v", in, err)
	}
}

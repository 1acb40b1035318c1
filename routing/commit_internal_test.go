package routing

import (
	"testing"

	"github.com/omnigate/omnigate/session"
)

func TestMergeChangesKeepsLastVersionAndEveryEvent(t *testing.T) {
	v := func(id string, st session.State, ver int64) *session.Interaction {
		return &session.Interaction{ID: id, State: st, Version: ver}
	}
	ev := func(typ string) session.Event { return session.Event{Type: typ} }
	got := mergeChanges([]*Change{
		{Interactions: []*session.Interaction{v("a", session.Queued, 1)}, Events: []session.Event{ev("1")}, Sessions: []*session.Session{{ID: "s", CustomerID: "1"}}},
		{Interactions: []*session.Interaction{v("b", session.Queued, 1), v("a", session.Offered, 2)}, Events: []session.Event{ev("2")}},
		{Interactions: []*session.Interaction{v("a", session.Active, 3)}, Events: []session.Event{ev("3")}, Sessions: []*session.Session{{ID: "s", CustomerID: "2"}},
			Customers: []*session.Customer{{ID: "c"}}, Messages: []session.Message{{ID: "m"}}},
	})
	if len(got.Interactions) != 2 || got.Interactions[0].ID != "a" || got.Interactions[0].Version != 3 || got.Interactions[1].ID != "b" {
		t.Errorf("interactions: %+v", got.Interactions)
	}
	if len(got.Sessions) != 1 || got.Sessions[0].CustomerID != "2" {
		t.Errorf("sessions: %+v", got.Sessions)
	}
	if len(got.Events) != 3 || got.Events[0].Type != "1" || got.Events[2].Type != "3" {
		t.Errorf("events: %+v", got.Events)
	}
	if len(got.Customers) != 1 || len(got.Messages) != 1 {
		t.Errorf("customers %d messages %d", len(got.Customers), len(got.Messages))
	}
}

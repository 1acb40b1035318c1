package storetest

import (
	"fmt"
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// BenchCommit measures the engine's commonest write: one interaction upserted (a
// state change of one of a few live interactions) and one event appended.
func BenchCommit(b *testing.B, s routing.Store) {
	const live = 64
	it := interaction("", "s1", session.Queued, 0, at(0))
	it.Tags = []string{"vip"}
	it.Participants = []session.Participant{{Role: session.RoleCustomer, JoinedAt: at(0)}}
	ev := session.Event{SessionID: "s1", Type: "interaction.offer", From: "queued", To: "offered", Data: map[string]string{"queue": "sales"}}
	ctx := b.Context()
	var n int64
	for b.Loop() {
		n++
		it.ID, it.Version, it.Seq = fmt.Sprintf("i%d", n%live), n, n
		ev.InteractionID, ev.At = it.ID, at(int(n))
		if err := s.Commit(ctx, &routing.Change{Interactions: []*session.Interaction{it}, Events: []session.Event{ev}}); err != nil {
			b.Fatal(err)
		}
	}
}

package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// Run runs the contract suite. open must return a fresh, empty store for each call
// and close it with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) routing.Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s routing.Store)
	}{
		{"empty commit", testEmptyCommit},
		{"commit is atomic", testCommitAtomic},
		{"concurrent commits all land", testConcurrentCommits},
		{"interaction round trip", testInteractionRoundTrip},
		{"zero values round trip", testZeroValues},
		{"interaction upsert replaces", testInteractionUpsert},
		{"interactions filter", testInteractionsFilter},
		{"interactions default limit", testInteractionsDefaultLimit},
		{"load", testLoad},
		{"customer by identity", testCustomerByIdentity},
		{"open session", testOpenSession},
		{"session interactions oldest first", testSession},
		{"events", testEvents},
		{"messages", testMessages},
		{"not found", testNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open(t)) })
	}
}

// base is the suite's clock origin, a whole second in UTC.
var base = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

// cest is a zone the stores must convert from.
var cest = time.FixedZone("CEST", 2*3600)

// ts returns an input time with nanoseconds in a non-UTC zone, sec seconds after
// base, and the value a store must return for it: UTC, truncated to microseconds.
func ts(sec int) (in, want time.Time) {
	in = base.Add(time.Duration(sec)*time.Second + 123456789).In(cest)
	return in, base.Add(time.Duration(sec)*time.Second + 123456000)
}

// at is a time sec seconds after base that every store keeps exactly.
func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func commit(t *testing.T, s routing.Store, c *routing.Change) {
	t.Helper()
	if err := s.Commit(t.Context(), c); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func notFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, routing.ErrNotFound) {
		t.Errorf("%s: got error %v, want routing.ErrNotFound", what, err)
	}
}

// interaction is a minimal valid interaction.
func interaction(id, sessionID string, st session.State, seq int64, created time.Time) *session.Interaction {
	return &session.Interaction{
		ID: id, SessionID: sessionID, CustomerID: "c-" + sessionID, Channel: session.Chat,
		State: st, Queue: "sales", Seq: seq, CreatedAt: created, Version: 1,
	}
}

func ids(its []*session.Interaction) []string {
	out := make([]string, 0, len(its))
	for _, it := range its {
		out = append(out, it.ID)
	}
	return out
}

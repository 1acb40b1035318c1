package routing

import (
	"context"
	"errors"

	"github.com/omnigate/omnigate/session"
)

// ErrNotFound is returned by a Store (and the Engine) for an unknown id.
var ErrNotFound = errors.New("not found")

// Change is everything one engine operation writes. A Store commits it atomically:
// all of it or none of it. Rows are upserts by id; events and messages are appended
// (the event log is append-only; a message with an existing id is an error).
type Change struct {
	Customers    []*session.Customer
	Sessions     []*session.Session
	Interactions []*session.Interaction
	Events       []session.Event
	Messages     []session.Message
}

// Empty reports whether the change writes nothing.
func (c *Change) Empty() bool {
	return len(c.Customers)+len(c.Sessions)+len(c.Interactions)+len(c.Events)+len(c.Messages) == 0
}

// Snapshot is what the engine needs at start-up to rebuild its memory.
type Snapshot struct {
	// Interactions not in a final state (done, abandoned, closed), in Seq order.
	Interactions []*session.Interaction
	// Sessions that are still open.
	Sessions []*session.Session
	// Customers of those sessions.
	Customers []*session.Customer
}

// Filter selects interactions for listing.
type Filter struct {
	State   session.State // StateUnknown: any
	Queue   string        // empty: any
	AgentID string        // empty: any
	Limit   int           // 0: a default of 500
}

// Store is the durable side of routing. The embedded store (SQLite) and PostgreSQL
// both implement it and pass the same contract suite (store/storetest).
type Store interface {
	// Commit writes a change atomically. On error nothing of it is stored.
	Commit(ctx context.Context, c *Change) error
	// Load returns every open piece of work for start-up reconciliation.
	Load(ctx context.Context) (*Snapshot, error)
	// Customer returns one customer.
	Customer(ctx context.Context, id string) (*session.Customer, error)
	// CustomerByIdentity finds the customer owning an identity (ErrNotFound if none).
	CustomerByIdentity(ctx context.Context, id session.Identity) (*session.Customer, error)
	// OpenSession returns the customer's open session (ErrNotFound if none).
	OpenSession(ctx context.Context, customerID string) (*session.Session, error)
	// Session returns a session with all its interactions, oldest first.
	Session(ctx context.Context, id string) (*session.Session, []*session.Interaction, error)
	// Interaction returns one interaction.
	Interaction(ctx context.Context, id string) (*session.Interaction, error)
	// Interactions lists interactions, newest first.
	Interactions(ctx context.Context, f Filter) ([]*session.Interaction, error)
	// Events returns a session's timeline in the order it was written.
	Events(ctx context.Context, sessionID string) ([]session.Event, error)
	// Messages returns an interaction's messages with Seq > after, in order.
	Messages(ctx context.Context, interactionID string, after int64) ([]session.Message, error)
	// Close releases the store.
	Close() error
}

package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/internal/codec"
)

// Store implements every routing.Store method but Close.
type Store struct {
	name string // the backend: the prefix of every error
	w, r DB
}

// New returns a Store writing through w and reading through r (they may be the
// same pool). name ("sqlite", "postgres") prefixes every error.
func New(name string, w, r DB) *Store {
	return &Store{name: name, w: w, r: r}
}

// defaultLimit is routing.Filter's documented default.
const defaultLimit = 500

// Load implements routing.Store, reading one snapshot.
func (s *Store) Load(ctx context.Context) (*routing.Snapshot, error) {
	var snap routing.Snapshot
	err := inTx(ctx, s.r, func(tx Tx) error {
		var err error
		snap.Interactions, err = collect(ctx, tx, scanInteraction,
			`SELECT data FROM interactions WHERE NOT final ORDER BY seq, id`)
		if err != nil {
			return err
		}
		open := session.SessionOpen.String()
		snap.Sessions, err = collect(ctx, tx, scanSession,
			`SELECT data FROM sessions WHERE state = $1 ORDER BY created_at, id`, open)
		if err != nil {
			return err
		}
		snap.Customers, err = collect(ctx, tx, scanCustomer,
			`SELECT data FROM customers WHERE id IN (SELECT customer_id FROM sessions WHERE state = $1) ORDER BY id`, open)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: load: %w", s.name, err)
	}
	return &snap, nil
}

// Customer implements routing.Store.
func (s *Store) Customer(ctx context.Context, id string) (*session.Customer, error) {
	c, err := one(ctx, s.r, scanCustomer, `SELECT data FROM customers WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("%s: customer %s: %w", s.name, id, err)
	}
	return c, nil
}

// CustomerByIdentity implements routing.Store.
func (s *Store) CustomerByIdentity(ctx context.Context, id session.Identity) (*session.Customer, error) {
	c, err := one(ctx, s.r, scanCustomer, `SELECT c.data FROM customers c
		JOIN customer_identities i ON i.customer_id = c.id
		WHERE i.kind = $1 AND i.value = $2`, string(id.Kind), id.Value)
	if err != nil {
		return nil, fmt.Errorf("%s: customer by %s %s: %w", s.name, id.Kind, id.Value, err)
	}
	return c, nil
}

// OpenSession implements routing.Store: the newest open session if there are several.
func (s *Store) OpenSession(ctx context.Context, customerID string) (*session.Session, error) {
	ss, err := one(ctx, s.r, scanSession, `SELECT data FROM sessions
		WHERE customer_id = $1 AND state = $2
		ORDER BY created_at DESC, id DESC LIMIT 1`, customerID, session.SessionOpen.String())
	if err != nil {
		return nil, fmt.Errorf("%s: open session of %s: %w", s.name, customerID, err)
	}
	return ss, nil
}

// Session implements routing.Store.
func (s *Store) Session(ctx context.Context, id string) (*session.Session, []*session.Interaction, error) {
	var (
		ss  *session.Session
		its []*session.Interaction
	)
	err := inTx(ctx, s.r, func(tx Tx) error {
		var err error
		if ss, err = one(ctx, tx, scanSession, `SELECT data FROM sessions WHERE id = $1`, id); err != nil {
			return err
		}
		its, err = collect(ctx, tx, scanInteraction,
			`SELECT data FROM interactions WHERE session_id = $1 ORDER BY created_at, id`, id)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: session %s: %w", s.name, id, err)
	}
	return ss, its, nil
}

// Interaction implements routing.Store.
func (s *Store) Interaction(ctx context.Context, id string) (*session.Interaction, error) {
	it, err := one(ctx, s.r, scanInteraction, `SELECT data FROM interactions WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("%s: interaction %s: %w", s.name, id, err)
	}
	return it, nil
}

// Interactions implements routing.Store.
func (s *Store) Interactions(ctx context.Context, f routing.Filter) ([]*session.Interaction, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.State != session.StateUnknown {
		add("state = $%d", f.State.String())
	}
	if f.Queue != "" {
		add("queue = $%d", f.Queue)
	}
	if f.AgentID != "" {
		add("agent_id = $%d", f.AgentID)
	}
	q := "SELECT data FROM interactions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	args = append(args, limit)
	q += fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT $%d", len(args))
	its, err := collect(ctx, s.r, scanInteraction, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: interactions: %w", s.name, err)
	}
	return its, nil
}

// Events implements routing.Store.
func (s *Store) Events(ctx context.Context, sessionID string) ([]session.Event, error) {
	evs, err := collect(ctx, s.r, scanEvent,
		`SELECT seq, data FROM events WHERE session_id = $1 ORDER BY seq`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("%s: events of %s: %w", s.name, sessionID, err)
	}
	return evs, nil
}

// Messages implements routing.Store.
func (s *Store) Messages(ctx context.Context, interactionID string, after int64) ([]session.Message, error) {
	ms, err := collect(ctx, s.r, scanMessage,
		`SELECT data FROM messages WHERE interaction_id = $1 AND seq > $2 ORDER BY seq`, interactionID, after)
	if err != nil {
		return nil, fmt.Errorf("%s: messages of %s: %w", s.name, interactionID, err)
	}
	return ms, nil
}

// one returns the first row, or routing.ErrNotFound.
func one[T any](ctx context.Context, q Querier, scan func(Rows) (T, error), sql string, args ...any) (T, error) {
	vs, err := collect(ctx, q, scan, sql, args...)
	if err == nil && len(vs) == 0 {
		err = routing.ErrNotFound
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return vs[0], nil
}

func scanData[T any](decode func([]byte) (T, error)) func(Rows) (T, error) {
	return func(r Rows) (T, error) {
		var b []byte
		if err := r.Scan(&b); err != nil {
			var zero T
			return zero, err
		}
		return decode(b)
	}
}

var (
	scanInteraction = scanData(codec.DecodeInteraction)
	scanCustomer    = scanData(codec.DecodeCustomer)
	scanSession     = scanData(codec.DecodeSession)
	scanMessage     = scanData(codec.DecodeMessage)
)

func scanEvent(r Rows) (session.Event, error) {
	var (
		seq int64
		b   []byte
	)
	if err := r.Scan(&seq, &b); err != nil {
		return session.Event{}, err
	}
	return codec.DecodeEvent(seq, b)
}

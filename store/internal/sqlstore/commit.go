package sqlstore

import (
	"context"
	"fmt"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/internal/codec"
)

// The statements a commit runs, by name, so that a backend can prepare them once
// (WriteStatements).
const (
	sqlPutCustomer = `INSERT INTO customers (id, created_at, data) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, data = excluded.data`
	sqlDropIdentities = `DELETE FROM customer_identities WHERE customer_id = $1`
	sqlPutIdentity    = `INSERT INTO customer_identities (kind, value, customer_id) VALUES ($1, $2, $3)
		ON CONFLICT (kind, value) DO UPDATE SET customer_id = excluded.customer_id`
	sqlPutSession = `INSERT INTO sessions (id, customer_id, state, created_at, data) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, state = excluded.state,
		created_at = excluded.created_at, data = excluded.data`
	sqlPutInteraction = `INSERT INTO interactions
		(id, session_id, customer_id, state, final, queue, agent_id, seq, created_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, customer_id = excluded.customer_id,
		state = excluded.state, final = excluded.final, queue = excluded.queue,
		agent_id = excluded.agent_id, seq = excluded.seq, created_at = excluded.created_at,
		data = excluded.data`
	sqlAddEvent   = `INSERT INTO events (session_id, interaction_id, data) VALUES ($1, $2, $3)`
	sqlAddMessage = `INSERT INTO messages (id, interaction_id, seq, data) VALUES ($1, $2, $3, $4)`
)

// WriteStatements lists every statement text Commit runs.
func WriteStatements() []string {
	return []string{sqlPutCustomer, sqlDropIdentities, sqlPutIdentity, sqlPutSession, sqlPutInteraction, sqlAddEvent, sqlAddMessage}
}

// Commit implements routing.Store: one transaction; any error rolls all of it back.
func (s *Store) Commit(ctx context.Context, c *routing.Change) error {
	if c.Empty() {
		return nil
	}
	if err := inTx(ctx, s.w, func(tx Tx) error { return write(ctx, tx, c) }); err != nil {
		return fmt.Errorf("%s: commit: %w", s.name, err)
	}
	return nil
}

func write(ctx context.Context, tx Tx, c *routing.Change) error {
	for _, x := range c.Customers {
		if err := putCustomer(ctx, tx, x); err != nil {
			return fmt.Errorf("customer %s: %w", x.ID, err)
		}
	}
	for _, x := range c.Sessions {
		if err := putSession(ctx, tx, x); err != nil {
			return fmt.Errorf("session %s: %w", x.ID, err)
		}
	}
	for _, x := range c.Interactions {
		if err := putInteraction(ctx, tx, x); err != nil {
			return fmt.Errorf("interaction %s: %w", x.ID, err)
		}
	}
	for _, x := range c.Events {
		if err := addEvent(ctx, tx, x); err != nil {
			return fmt.Errorf("event %s of %s: %w", x.Type, x.SessionID, err)
		}
	}
	for _, x := range c.Messages {
		if err := addMessage(ctx, tx, x); err != nil {
			return fmt.Errorf("message %s: %w", x.ID, err)
		}
	}
	return nil
}

// putCustomer upserts the customer and makes it the owner of each of its
// identities: the last customer written with an identity owns it.
func putCustomer(ctx context.Context, tx Tx, c *session.Customer) error {
	data, err := codec.EncodeCustomer(c)
	if err != nil {
		return err
	}
	if err := tx.Exec(ctx, sqlPutCustomer,
		c.ID, codec.Time(c.CreatedAt), data); err != nil {
		return err
	}
	if err := tx.Exec(ctx, sqlDropIdentities, c.ID); err != nil {
		return err
	}
	for _, id := range c.Identities {
		if err := tx.Exec(ctx, sqlPutIdentity,
			string(id.Kind), id.Value, c.ID); err != nil {
			return err
		}
	}
	return nil
}

func putSession(ctx context.Context, tx Tx, s *session.Session) error {
	data, err := codec.EncodeSession(s)
	if err != nil {
		return err
	}
	return tx.Exec(ctx, sqlPutSession,
		s.ID, s.CustomerID, s.State.String(), codec.Time(s.CreatedAt), data)
}

func putInteraction(ctx context.Context, tx Tx, it *session.Interaction) error {
	data, err := codec.EncodeInteraction(it)
	if err != nil {
		return err
	}
	return tx.Exec(ctx, sqlPutInteraction,
		it.ID, it.SessionID, it.CustomerID, it.State.String(), it.State.Final(), it.Queue, it.AgentID,
		it.Seq, codec.Time(it.CreatedAt), data)
}

func addEvent(ctx context.Context, tx Tx, e session.Event) error {
	data, err := codec.EncodeEvent(e)
	if err != nil {
		return err
	}
	return tx.Exec(ctx, sqlAddEvent,
		e.SessionID, e.InteractionID, data)
}

// addMessage inserts; an existing id (or interaction and seq) is an error.
func addMessage(ctx context.Context, tx Tx, m session.Message) error {
	data, err := codec.EncodeMessage(m)
	if err != nil {
		return err
	}
	return tx.Exec(ctx, sqlAddMessage,
		m.ID, m.InteractionID, m.Seq, data)
}

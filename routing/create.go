package routing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/omnigate/omnigate/session"
)

// CustomerInfo identifies the customer of a new contact; any identity given finds an
// existing customer, and new identities are added to them.
type CustomerInfo struct {
	Name      string
	Phone     string
	Email     string
	VisitorID string
}

// NewInteraction is an inbound contact (or work item) to route.
type NewInteraction struct {
	// ID is the id to give the interaction; empty makes a random one. An adapter that
	// must know the id before routing can offer it (a call) chooses it.
	ID           string
	Channel      session.Channel
	Direction    session.Direction
	Queue        string
	ToAgent      string // personal queue (R6) instead of Queue
	Priority     *int
	Customer     CustomerInfo
	Subject      string
	Body         string
	SourceNumber string
	Actor        Actor
}

// Limits on new contacts.
const (
	MaxSubjectLen = 1000
	MaxBodyLen    = 100000
	MaxNameLen    = 200
	MaxIdentLen   = 320
)

func (n *NewInteraction) validate() error {
	if n.Channel == session.ChannelUnknown {
		return fmt.Errorf("channel is required: %w", session.ErrInvalid)
	}
	if len(n.ID) > 64 || strings.ContainsFunc(n.ID, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return fmt.Errorf("interaction id %q: at most 64 of [A-Za-z0-9_-]: %w", n.ID, session.ErrInvalid)
	}
	n.Customer.Name = strings.TrimSpace(n.Customer.Name)
	n.Customer.Phone = strings.TrimSpace(n.Customer.Phone)
	n.Customer.Email = strings.ToLower(strings.TrimSpace(n.Customer.Email))
	for _, f := range [...]struct{ what, s string }{{"subject", n.Subject}, {"body", n.Body}, {"customer name", n.Customer.Name}, {"phone", n.Customer.Phone}, {"email", n.Customer.Email}, {"visitor id", n.Customer.VisitorID}, {"source number", n.SourceNumber}} {
		if !utf8.ValidString(f.s) {
			return fmt.Errorf("%s is not valid UTF-8: %w", f.what, session.ErrInvalid)
		}
	}
	if utf8.RuneCountInString(n.Subject) > MaxSubjectLen {
		return fmt.Errorf("subject longer than %d characters: %w", MaxSubjectLen, ErrTooLong)
	}
	if utf8.RuneCountInString(n.Body) > MaxBodyLen {
		return fmt.Errorf("body longer than %d characters: %w", MaxBodyLen, ErrTooLong)
	}
	if utf8.RuneCountInString(n.Customer.Name) > MaxNameLen {
		return fmt.Errorf("customer name longer than %d characters: %w", MaxNameLen, ErrTooLong)
	}
	for _, s := range []string{n.Customer.Phone, n.Customer.Email, n.Customer.VisitorID, n.SourceNumber} {
		if len(s) > MaxIdentLen {
			return fmt.Errorf("identity longer than %d bytes: %w", MaxIdentLen, ErrTooLong)
		}
	}
	if n.Customer.Email != "" && !strings.Contains(n.Customer.Email, "@") {
		return fmt.Errorf("email %q has no @: %w", n.Customer.Email, session.ErrInvalid)
	}
	return nil
}

func (c CustomerInfo) identities() []session.Identity {
	var out []session.Identity
	if c.Phone != "" {
		out = append(out, session.Identity{Kind: session.IdentityPhone, Value: c.Phone})
	}
	if c.Email != "" {
		out = append(out, session.Identity{Kind: session.IdentityEmail, Value: c.Email})
	}
	if c.VisitorID != "" {
		out = append(out, session.Identity{Kind: session.IdentityVisitor, Value: c.VisitorID})
	}
	return out
}

// CreateInteraction stores a new inbound contact and queues it; it is durable when
// this returns. The customer is found by any identity (or created), and the contact
// joins the customer's open session (or a new one).
func (e *Engine) CreateInteraction(ctx context.Context, n NewInteraction) (_ *session.Interaction, err error) {
	if err := n.validate(); err != nil {
		return nil, err
	}
	if n.Actor == (Actor{}) {
		n.Actor = Actor{ID: "customer", Role: ActorCustomer}
	}
	e.lock()
	defer e.unlockInto(&err)
	it, err := e.createLocked(ctx, n)
	if err != nil {
		return nil, err
	}
	e.dispatch(ctx)
	return e.lookupClone(it.ID), nil
}

// lookupClone returns a copy of the live interaction, or nil once it is final.
func (e *Engine) lookupClone(id string) *session.Interaction {
	if it := e.open[id]; it != nil {
		return it.Clone()
	}
	return nil
}

// createLocked stores and queues a new interaction; the caller holds the lock and
// dispatches.
func (e *Engine) createLocked(ctx context.Context, n NewInteraction) (*session.Interaction, error) {
	if n.ToAgent != "" {
		if e.agents[n.ToAgent] == nil {
			return nil, fmt.Errorf("agent %s: %w", n.ToAgent, ErrNotFound)
		}
	} else if e.queues[n.Queue] == nil || n.Queue == "" {
		if n.Queue == "" {
			return nil, fmt.Errorf("queue is required: %w", session.ErrInvalid)
		}
		return nil, fmt.Errorf("queue %s: %w", n.Queue, ErrNotFound)
	} else if err := e.roomForCall(n); err != nil {
		return nil, err
	}
	now := e.clock.Now()
	c := &Change{}
	cust, err := e.findCustomer(ctx, n.Customer)
	if err != nil {
		return nil, err
	}
	if cust == nil {
		cust = &session.Customer{ID: e.newID(), Name: n.Customer.Name, CreatedAt: now}
		c.Customers = append(c.Customers, cust)
	} else {
		cust = cust.Clone()
	}
	changed := false
	for _, id := range n.Customer.identities() {
		changed = cust.AddIdentity(id) || changed
	}
	if cust.Name == "" && n.Customer.Name != "" {
		cust.Name, changed = n.Customer.Name, true
	}
	if changed && len(c.Customers) == 0 {
		c.Customers = append(c.Customers, cust)
	}
	// Every open session is in memory (Start loads them), so no store read is needed.
	s := e.sessions[e.custSess[cust.ID]]
	if s == nil {
		s = &session.Session{ID: e.newID(), CustomerID: cust.ID, CreatedAt: now}
		c.Sessions = append(c.Sessions, s)
		c.Events = append(c.Events, session.Event{At: now, SessionID: s.ID, Actor: n.Actor.name(), Type: "session.created", To: "open"})
	}
	id := n.ID
	if id == "" {
		id = e.newID()
	} else if e.open[id] != nil {
		return nil, fmt.Errorf("interaction %s exists: %w", id, ErrConflict)
	} else if _, err := e.stored().Interaction(ctx, id); err == nil {
		return nil, fmt.Errorf("interaction %s exists: %w", id, ErrConflict)
	}
	e.tailSeq++
	it := &session.Interaction{
		ID: id, SessionID: s.ID, CustomerID: cust.ID, ContactID: id, MasterContactID: e.masterFor(s.ID, id),
		Channel: n.Channel, Direction: n.Direction, State: session.Queued, Queue: n.Queue, PersonalAgent: n.ToAgent,
		Seq: e.tailSeq, Subject: n.Subject, Body: n.Body, SourceNumber: n.SourceNumber,
		CreatedAt: now, EnqueuedAt: now, Version: 1,
		Participants: []session.Participant{{Role: session.RoleCustomer, JoinedAt: now}},
	}
	if q := e.queues[n.Queue]; q != nil {
		it.Priority = q.cfg.Priority
	}
	if n.Priority != nil {
		it.Priority = *n.Priority
	}
	c.Interactions = append(c.Interactions, it)
	c.Events = append(c.Events, session.Event{
		At: now, SessionID: s.ID, InteractionID: id, Actor: n.Actor.name(), Type: "interaction.created",
		To: session.Queued.String(), Data: map[string]string{"channel": n.Channel.String(), "queue": n.Queue, "personal_agent": n.ToAgent},
	})
	if err := e.commit(ctx, c); err != nil {
		return nil, err
	}
	e.cacheCustomer(cust)
	e.installSession(s)
	e.install(it, now)
	e.notifyInteraction(nil, it, "created")
	return it, nil
}

// masterFor gives a new contact the master contact id of its session's first open
// contact, so related contacts share it (S4).
func (e *Engine) masterFor(sessionID, id string) string {
	if m := e.sessMaster[sessionID]; m != "" {
		return m
	}
	e.sessMaster[sessionID] = id
	return id
}

func (e *Engine) findCustomer(ctx context.Context, ci CustomerInfo) (*session.Customer, error) {
	for _, id := range ci.identities() {
		if c := e.customers[e.custByIdent[id]]; c != nil {
			return c, nil
		}
		// Not in memory: from before this start, or retired once all of it was
		// stored (dropRetired), so the store has it.
		c, err := e.store.CustomerByIdentity(ctx, id)
		if err == nil {
			e.cacheCustomer(c)
			return c, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("find customer: %w", err)
		}
	}
	return nil, nil
}

// Interaction returns one interaction, live or from the store.
func (e *Engine) Interaction(ctx context.Context, id string) (*session.Interaction, error) {
	e.lock()
	if it := e.open[id]; it != nil {
		c := it.Clone()
		e.unlock()
		return c, nil
	}
	e.unlock()
	it, err := e.stored().Interaction(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("interaction %s: %w", id, err)
	}
	return it, nil
}

// Interactions lists interactions: live ones from memory, final ones from the store.
func (e *Engine) Interactions(ctx context.Context, f Filter) ([]*session.Interaction, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 500
	}
	if f.State.Final() {
		return e.stored().Interactions(ctx, f)
	}
	e.lock()
	var out []*session.Interaction
	for _, it := range e.open {
		if (f.State == session.StateUnknown || it.State == f.State) && (f.Queue == "" || it.Queue == f.Queue) && (f.AgentID == "" || it.AgentID == f.AgentID) {
			out = append(out, it.Clone())
		}
	}
	e.unlock()
	sortBySeq(out)
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Customer returns a customer.
func (e *Engine) Customer(ctx context.Context, id string) (*session.Customer, error) {
	e.lock()
	if c := e.customers[id]; c != nil {
		cc := c.Clone()
		e.unlock()
		return cc, nil
	}
	e.unlock()
	return e.stored().Customer(ctx, id)
}

// Session returns a session with its interactions.
func (e *Engine) Session(ctx context.Context, id string) (*session.Session, []*session.Interaction, error) {
	s, its, err := e.stored().Session(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("session %s: %w", id, err)
	}
	return s, its, nil
}

// SessionEvents returns a session's timeline (S5).
func (e *Engine) SessionEvents(ctx context.Context, id string) ([]session.Event, error) {
	if _, _, err := e.stored().Session(ctx, id); err != nil {
		return nil, fmt.Errorf("session %s: %w", id, err)
	}
	return e.stored().Events(ctx, id)
}

// roomForCall refuses an inbound call to a queue already holding its MaxWaitingCalls
// waiting calls (voice and video together). An agent's outbound call waits for no
// one and is never refused.
func (e *Engine) roomForCall(n NewInteraction) error {
	q := e.queues[n.Queue]
	if q == nil || q.cfg.MaxWaitingCalls == 0 || n.Direction == session.Outbound ||
		(n.Channel != session.Voice && n.Channel != session.Video) {
		return nil
	}
	waiting := 0
	for _, ch := range []session.Channel{session.Voice, session.Video} {
		if w := q.waiting[ch]; w != nil {
			waiting += w.Len()
		}
	}
	if waiting >= q.cfg.MaxWaitingCalls {
		return fmt.Errorf("queue %s has %d calls waiting: %w", n.Queue, waiting, ErrQueueFull)
	}
	return nil
}

func (e *Engine) cacheCustomer(c *session.Customer) {
	e.customers[c.ID] = c
	for _, id := range c.Identities {
		e.custByIdent[id] = c.ID
	}
}

func (e *Engine) uncacheCustomer(customerID string) {
	c := e.customers[customerID]
	if c == nil {
		return
	}
	delete(e.customers, customerID)
	for _, id := range c.Identities {
		if e.custByIdent[id] == customerID {
			delete(e.custByIdent, id)
		}
	}
}

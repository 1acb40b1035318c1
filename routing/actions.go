package routing

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/omnigate/omnigate/session"
)

// ActorRole says on whose behalf an action is taken.
type ActorRole uint8

const (
	ActorSystem ActorRole = iota
	ActorAgent
	ActorSupervisor
	ActorAdmin
	ActorCustomer
)

// Actor is who asks for an action; agents may act only on their own interactions.
type Actor struct {
	ID   string
	Role ActorRole
}

// System is the engine itself (timers, reconciliation).
var System = Actor{ID: "system", Role: ActorSystem}

func (a Actor) name() string {
	switch {
	case a.Role == ActorCustomer:
		return "customer"
	case a.ID == "":
		return "system"
	}
	return a.ID
}

// lookup returns the live interaction, or explains why there is none.
func (e *Engine) lookup(ctx context.Context, id string) (*session.Interaction, error) {
	if it := e.open[id]; it != nil {
		return it, nil
	}
	it, err := e.stored().Interaction(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("interaction %s: %w", id, err)
	}
	return nil, fmt.Errorf("interaction %s is %s: %w", id, it.State, session.ErrInvalidTransition)
}

func (e *Engine) owned(ctx context.Context, id string, by Actor) (*session.Interaction, error) {
	it, err := e.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if by.Role == ActorAgent && it.AgentID != by.ID {
		return nil, fmt.Errorf("interaction %s belongs to another agent: %w", id, ErrForbidden)
	}
	return it, nil
}

// act runs one input on an interaction the actor may touch, then dispatches.
func (e *Engine) act(ctx context.Context, id string, by Actor, in session.Input, reason string, check func(it *session.Interaction) error) (_ *session.Interaction, err error) {
	e.lock()
	defer e.unlockInto(&err)
	it, err := e.owned(ctx, id, by)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(it); err != nil {
			return nil, err
		}
	}
	nx, err := e.step(ctx, it, in, by.name(), reason, nil)
	if err != nil {
		return nil, err
	}
	e.dispatch(ctx)
	return nx.Clone(), nil
}

// Accept takes an offer (R4); only the agent it was offered to may.
func (e *Engine) Accept(ctx context.Context, id string, by Actor) (*session.Interaction, error) {
	var q string
	var ch session.Channel
	nx, err := e.act(ctx, id, by, session.Accept{}, "", func(it *session.Interaction) error {
		if it.State != session.Offered {
			return &session.TransitionError{Machine: "interaction", From: it.State.String(), Event: "accept"}
		}
		q, ch = it.Queue, it.Channel
		return nil
	})
	if err == nil {
		wait := nx.AcceptedAt.Sub(nx.EnqueuedAt)
		sl := e.cfg.DefaultOfferTimeout
		e.lock()
		if qq := e.queues[q]; qq != nil {
			sl = qq.cfg.ServiceLevel
		}
		e.obs.Accepted(q, ch, wait, wait <= sl)
		e.unlock()
	}
	return nx, err
}

// Decline refuses an offer; the contact goes back to the head of its queue and to
// another agent first (R4).
func (e *Engine) Decline(ctx context.Context, id string, by Actor, reason string) (*session.Interaction, error) {
	return e.act(ctx, id, by, session.Decline{}, reason, func(it *session.Interaction) error {
		if it.State != session.Offered {
			return &session.TransitionError{Machine: "interaction", From: it.State.String(), Event: "decline"}
		}
		e.obs.Declined(it.Queue, it.Channel)
		return nil
	})
}

// Hold puts the customer on hold.
func (e *Engine) Hold(ctx context.Context, id string, by Actor, reason string) (*session.Interaction, error) {
	return e.act(ctx, id, by, session.Hold{}, reason, nil)
}

// Resume takes the customer off hold.
func (e *Engine) Resume(ctx context.Context, id string, by Actor, reason string) (*session.Interaction, error) {
	return e.act(ctx, id, by, session.Resume{}, reason, nil)
}

// End finishes the conversation; the interaction goes to wrap-up.
func (e *Engine) End(ctx context.Context, id string, by Actor, reason string) (*session.Interaction, error) {
	return e.act(ctx, id, by, session.End{Reason: reason}, reason, nil)
}

// ForceClose closes an interaction whatever its state (V6).
func (e *Engine) ForceClose(ctx context.Context, id string, by Actor, reason string) (*session.Interaction, error) {
	if reason == "" {
		reason = "force-closed by " + by.ID
	}
	return e.act(ctx, id, by, session.ForceClose{Reason: reason}, reason, nil)
}

// CustomerLeft is the customer going away: a waiting contact is abandoned, one in
// conversation ends and goes to wrap-up.
func (e *Engine) CustomerLeft(ctx context.Context, id, reason string) (*session.Interaction, error) {
	if reason == "" {
		reason = "customer left"
	}
	by := Actor{ID: "customer", Role: ActorCustomer}
	e.lock()
	it, err := e.lookup(ctx, id)
	e.unlock()
	if err != nil {
		return nil, err
	}
	switch it.State {
	case session.Queued, session.Offered:
		return e.act(ctx, id, by, session.Abandon{Reason: reason}, reason, nil)
	case session.Active, session.Held, session.Consult, session.Conference:
		return e.act(ctx, id, by, session.End{Reason: reason}, reason, nil)
	}
	return it.Clone(), nil
}

// WrapUpInput is the after-call work an agent saves (W1–W3).
type WrapUpInput struct {
	Disposition string
	Notes       string
	Tags        []string
}

// Limits on wrap-up input.
const (
	MaxTags      = 50
	MaxTagLen    = 64
	MaxNotesLen  = 10000
	MaxReasonLen = 500
)

// WrapUp completes after-call work; the interaction is done.
func (e *Engine) WrapUp(ctx context.Context, id string, by Actor, in WrapUpInput) (*session.Interaction, error) {
	in.Disposition = strings.TrimSpace(in.Disposition)
	if in.Disposition != "" && len(e.cfg.Dispositions) > 0 && !contains(e.cfg.Dispositions, in.Disposition) {
		return nil, fmt.Errorf("unknown disposition %q: %w", in.Disposition, session.ErrInvalid)
	}
	if utf8.RuneCountInString(in.Notes) > MaxNotesLen {
		return nil, fmt.Errorf("notes longer than %d characters: %w", MaxNotesLen, ErrTooLong)
	}
	tags, err := cleanTags(in.Tags)
	if err != nil {
		return nil, err
	}
	return e.act(ctx, id, by, session.WrapUp{Disposition: in.Disposition, Notes: in.Notes, Tags: tags}, in.Disposition, func(it *session.Interaction) error {
		if q := e.queues[it.Queue]; q != nil && q.cfg.DispositionRequired && in.Disposition == "" {
			return fmt.Errorf("queue %s requires a disposition: %w", it.Queue, session.ErrInvalid)
		}
		return nil
	})
}

func cleanTags(in []string) ([]string, error) {
	var out []string
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLen {
			return nil, fmt.Errorf("tag longer than %d characters: %w", MaxTagLen, ErrTooLong)
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("more than %d tags: %w", MaxTags, session.ErrInvalid)
	}
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Target is where a transfer goes: a queue, or an agent's personal queue.
type Target struct {
	Queue   string
	AgentID string
}

// Transfer moves a digital interaction to a queue or an agent (T1, T4). A transfer to
// an agent follows T1: refused while the agent is on a call or in after-call work.
func (e *Engine) Transfer(ctx context.Context, id string, by Actor, to Target) (*session.Interaction, error) {
	if (to.Queue == "") == (to.AgentID == "") {
		return nil, fmt.Errorf("transfer needs exactly one of queue or agent: %w", session.ErrInvalid)
	}
	reason := "to queue " + to.Queue
	if to.AgentID != "" {
		reason = "to agent " + to.AgentID
	}
	return e.act(ctx, id, by, session.Transfer{Queue: to.Queue, ToAgent: to.AgentID}, reason, func(it *session.Interaction) error {
		if !it.Channel.IsDigital() {
			return fmt.Errorf("transfer of %s interactions is done through the call: %w", it.Channel, ErrConflict)
		}
		if to.Queue != "" {
			if e.queues[to.Queue] == nil {
				return fmt.Errorf("queue %s: %w", to.Queue, ErrNotFound)
			}
			return nil
		}
		b := e.agents[to.AgentID]
		if b == nil {
			return fmt.Errorf("agent %s: %w", to.AgentID, ErrNotFound)
		}
		if b.ID == it.AgentID {
			return fmt.Errorf("agent %s already has this interaction: %w", b.ID, ErrConflict)
		}
		return session.CheckDigitalTransfer(session.TargetView{
			Presence: b.Presence, OnCall: b.onCall(), InACW: e.activity(b) == session.ACW,
		})
	})
}

// TransferOptions tells an agent what T1 allows towards each other agent.
func (e *Engine) TransferOptions() map[string]session.TransferAction {
	e.lock()
	defer e.unlock()
	out := make(map[string]session.TransferAction, len(e.agents))
	for id, b := range e.agents {
		out[id] = session.TransferRule(session.TargetView{Presence: b.Presence, OnCall: b.onCall(), InACW: e.activity(b) == session.ACW})
	}
	return out
}

// PostMessage adds a message to a digital interaction and delivers it in order.
// from is "customer" or the sending agent's id.
func (e *Engine) PostMessage(ctx context.Context, id string, by Actor, text string) (_ *session.Message, err error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("message is not valid UTF-8: %w", session.ErrInvalid)
	}
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("message is empty: %w", session.ErrInvalid)
	}
	if n := utf8.RuneCountInString(text); n > session.MaxMessageLen {
		return nil, fmt.Errorf("message has %d characters, at most %d are allowed: %w", n, session.MaxMessageLen, ErrTooLong)
	}
	e.lock()
	defer e.unlockInto(&err)
	it, err := e.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if !it.Channel.IsDigital() {
		return nil, fmt.Errorf("%s interactions take no messages: %w", it.Channel, ErrConflict)
	}
	switch by.Role {
	case ActorCustomer:
		switch it.State {
		case session.Queued, session.Offered, session.Active, session.Held, session.Consult, session.Conference:
		default:
			return nil, fmt.Errorf("conversation is %s: %w", it.State, ErrConflict)
		}
	default:
		if by.Role == ActorAgent && it.AgentID != by.ID && !isParticipant(it, by.ID) {
			return nil, fmt.Errorf("interaction %s belongs to another agent: %w", id, ErrForbidden)
		}
		switch it.State {
		case session.Active, session.Held, session.Consult, session.Conference:
		default:
			return nil, fmt.Errorf("cannot write while the interaction is %s: %w", it.State, ErrConflict)
		}
	}
	now := e.clock.Now()
	nx := it.Clone()
	nx.LastMessageSeq++
	nx.Version++
	m := session.Message{
		Seq: nx.LastMessageSeq, ID: e.newID(), InteractionID: it.ID, SessionID: it.SessionID,
		From: by.name(), Text: text, At: now,
	}
	if err := e.commit(ctx, &Change{Interactions: []*session.Interaction{nx}, Messages: []session.Message{m}}); err != nil {
		return nil, err
	}
	e.install(nx, now)
	clear(e.loadChanged) // a message changes no load
	agents := []string{}
	for _, p := range nx.Participants {
		if p.AgentID != "" && p.LeftAt.IsZero() && !contains(agents, p.AgentID) {
			agents = append(agents, p.AgentID)
		}
	}
	if nx.AgentID != "" && !contains(agents, nx.AgentID) {
		agents = append(agents, nx.AgentID)
	}
	mc := m
	e.notify(Notice{Kind: NoticeMessage, Agents: agents, Interaction: nx.Clone(), Message: &mc})
	return &m, nil
}

func isParticipant(it *session.Interaction, agentID string) bool {
	for _, p := range it.Participants {
		if p.AgentID == agentID && p.LeftAt.IsZero() {
			return true
		}
	}
	return false
}

// Messages returns an interaction's messages after seq.
func (e *Engine) Messages(ctx context.Context, id string, after int64) ([]session.Message, error) {
	if _, err := e.stored().Interaction(ctx, id); err != nil {
		return nil, fmt.Errorf("interaction %s: %w", id, err)
	}
	return e.stored().Messages(ctx, id, after)
}

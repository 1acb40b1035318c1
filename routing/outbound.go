package routing

import (
	"context"
	"fmt"

	"github.com/omnigate/omnigate/session"
)

// StartOutbound creates an interaction an agent starts (an outbound call): it is
// active with that agent at once, in the session of the customer it reaches. The
// queue is the outbound skill it is counted under; the agent must have it (S2: voice
// needs a number and an outbound voice skill).
func (e *Engine) StartOutbound(ctx context.Context, agentID string, n NewInteraction) (_ *session.Interaction, err error) {
	n.Direction = session.Outbound
	n.ToAgent = ""
	if n.Actor == (Actor{}) {
		n.Actor = Actor{ID: agentID, Role: ActorAgent}
	}
	if err := n.validate(); err != nil {
		return nil, err
	}
	if n.Customer.Phone == "" && n.Customer.Email == "" {
		return nil, fmt.Errorf("a number (or address) to reach is required: %w", session.ErrInvalid)
	}
	e.lock()
	defer e.unlockInto(&err)
	a := e.agents[agentID]
	if a == nil {
		return nil, fmt.Errorf("agent %s: %w", agentID, ErrNotFound)
	}
	if _, ok := a.Skills[n.Queue]; !ok {
		return nil, fmt.Errorf("agent %s has no skill %q: %w", agentID, n.Queue, ErrForbidden)
	}
	if a.Presence == session.Offline {
		return nil, fmt.Errorf("agent %s is offline: %w", agentID, ErrConflict)
	}
	if a.capa[n.Channel] == 0 {
		return nil, fmt.Errorf("agent %s does not take %s: %w", agentID, n.Channel, ErrForbidden)
	}
	if a.onCall() && (n.Channel == session.Voice || n.Channel == session.Video) {
		return nil, fmt.Errorf("agent %s is already on a call: %w", agentID, ErrConflict)
	}
	it, err := e.createLocked(ctx, n)
	if err != nil {
		return nil, err
	}
	// Placed by the agent: offered and taken in one go, each step in the timeline.
	if it, err = e.step(ctx, it, session.Offer{AgentID: agentID}, n.Actor.name(), "outbound", nil); err != nil {
		return nil, err
	}
	if it, err = e.step(ctx, it, session.Accept{}, n.Actor.name(), "outbound", nil); err != nil {
		return nil, err
	}
	return it.Clone(), nil
}

// RecordEvent adds an event to an interaction's timeline without changing its state:
// a DTMF digit, a media quality report, a note from an adapter (S5). It works after
// the interaction has ended too (a call's media report comes as its legs close).
func (e *Engine) RecordEvent(ctx context.Context, id, actor, typ, reason string, data map[string]string) (err error) {
	e.lock()
	defer e.unlockInto(&err)
	it := e.open[id]
	if it == nil {
		var err error
		if it, err = e.stored().Interaction(ctx, id); err != nil {
			return fmt.Errorf("interaction %s: %w", id, err)
		}
	}
	ev := session.Event{At: e.clock.Now(), SessionID: it.SessionID, InteractionID: it.ID, AgentID: it.AgentID,
		Actor: actor, Type: typ, From: it.State.String(), To: it.State.String(), Reason: reason, Data: data}
	return e.commit(ctx, &Change{Events: []session.Event{ev}})
}

package routing

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/omnigate/omnigate/session"
)

// Agents lists every agent, by id.
func (e *Engine) Agents() []AgentView {
	e.lock()
	defer e.unlock()
	out := make([]AgentView, 0, len(e.agentIDs))
	for _, id := range e.agentIDs {
		out = append(out, e.agentView(e.agents[id]))
	}
	return out
}

// Agent returns one agent.
func (e *Engine) Agent(id string) (AgentView, error) {
	e.lock()
	defer e.unlock()
	a := e.agents[id]
	if a == nil {
		return AgentView{}, fmt.Errorf("agent %s: %w", id, ErrNotFound)
	}
	return e.agentView(a), nil
}

// SetPresence is an agent (or a supervisor for it) choosing available, unavailable
// with a reason, or offline. RONA cannot be chosen; it is left by choosing available.
func (e *Engine) SetPresence(ctx context.Context, agentID string, p session.Presence, reason string, by Actor) (_ AgentView, err error) {
	var ev session.AgentEvent
	switch p {
	case session.Available:
		ev = session.GoAvailable
	case session.Unavailable:
		ev = session.GoUnavailable
	case session.Offline:
		ev = session.Logout
	default:
		return AgentView{}, fmt.Errorf("state %s cannot be chosen: %w", p, session.ErrInvalid)
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > MaxReasonLen {
		return AgentView{}, fmt.Errorf("reason longer than %d bytes: %w", MaxReasonLen, ErrTooLong)
	}
	if p == session.Unavailable && reason == "" {
		reason = "unavailable"
	}
	e.lock()
	defer e.unlockInto(&err)
	a, err := e.agentFor(agentID, by)
	if err != nil {
		return AgentView{}, err
	}
	if err := e.setPresence(ctx, a, ev, reason, by.name(), e.clock.Now()); err != nil {
		return AgentView{}, err
	}
	e.dispatch(ctx)
	return e.agentView(a), nil
}

// RequestExtraContact is "+1 contact" (R3): one contact beyond the current load, of a
// type the agent does not choose. While on a voice call only, any agent may ask for
// one more digital contact.
func (e *Engine) RequestExtraContact(ctx context.Context, agentID string, by Actor) (_ AgentView, err error) {
	e.lock()
	defer e.unlockInto(&err)
	a, err := e.agentFor(agentID, by)
	if err != nil {
		return AgentView{}, err
	}
	if a.Presence != session.Available {
		return AgentView{}, fmt.Errorf("agent %s is %s, not available: %w", agentID, a.Presence, ErrConflict)
	}
	onVoiceOnly := a.onCall() && a.total == a.load[session.Voice]+a.load[session.Video]
	switch {
	case a.ExtraContact:
		a.extra, a.extraDigitalOnly = 1, onVoiceOnly
	case onVoiceOnly:
		a.extra, a.extraDigitalOnly = 1, true
	default:
		return AgentView{}, fmt.Errorf("+1 contact is not enabled for agent %s: %w", agentID, ErrConflict)
	}
	now := e.clock.Now()
	if err := e.commit(ctx, &Change{Events: []session.Event{{At: now, AgentID: a.ID, Actor: by.name(), Type: "agent.extra-contact", Reason: "+1 contact"}}}); err != nil {
		a.extra = 0
		return AgentView{}, err
	}
	e.dirtyA[a.ID] = true
	e.dispatch(ctx)
	e.notifyAgent(a)
	return e.agentView(a), nil
}

// Queues lists queues with their live figures.
func (e *Engine) Queues() []QueueView {
	e.lock()
	defer e.unlock()
	return e.queueViews(e.clock.Now())
}

func (e *Engine) queueViews(now time.Time) []QueueView {
	names := append([]string(nil), e.queueNames...)
	sort.Strings(names)
	out := make([]QueueView, 0, len(names))
	for _, n := range names {
		q := e.queues[n]
		v := QueueView{Name: n, Agents: len(q.members), ServiceLevel: q.cfg.ServiceLevel, OfferTimeout: q.cfg.OfferTimeout}
		for _, w := range q.waiting {
			v.Waiting += w.Len()
			for _, it := range w.items {
				if d := now.Sub(it.EnqueuedAt); d > v.OldestWait {
					v.OldestWait = d
				}
			}
		}
		for _, a := range q.members {
			if a.Presence == session.Available {
				v.Available++
			}
		}
		out = append(out, v)
	}
	return out
}

// QueueNames lists the configured queues.
func (e *Engine) QueueNames() []string {
	e.lock()
	defer e.unlock()
	out := append([]string(nil), e.queueNames...)
	sort.Strings(out)
	return out
}

// Stats is a snapshot for metrics.
func (e *Engine) Stats() Stats {
	e.lock()
	defer e.unlock()
	s := Stats{Queues: e.queueViews(e.clock.Now()), Presence: map[session.Presence]int{}, Interactions: map[session.Channel]map[session.State]int{}, Customers: len(e.customers)}
	for _, a := range e.agents {
		s.Presence[a.Presence]++
	}
	for _, it := range e.open {
		m := s.Interactions[it.Channel]
		if m == nil {
			m = map[session.State]int{}
			s.Interactions[it.Channel] = m
		}
		m[it.State]++
	}
	return s
}

// Tick drops from memory the customers with nothing open (once stored), expires
// offers not accepted in time (RONA, R4) and retries placing contacts
// whose decline hold has passed.
func (e *Engine) Tick(ctx context.Context) {
	e.lock()
	defer e.unlock()
	e.dropRetired()
	now := e.clock.Now()
	var due []*session.Interaction
	for _, it := range e.offered {
		if !now.Before(it.OfferedAt.Add(e.offerTimeout(it))) {
			due = append(due, it)
		}
	}
	sortBySeq(due)
	for _, it := range due {
		cur := e.open[it.ID]
		if cur == nil || cur.State != session.Offered {
			continue // already moved by an earlier RONA in this tick
		}
		if _, err := e.step(ctx, cur, session.OfferTimedOut{}, "system", "offer timed out", nil); err != nil {
			e.log.Error("offer timeout", "interaction_id", it.ID, "err", err)
		}
	}
	for n, q := range e.queues {
		for ch, w := range q.waiting {
			if w.Len() > 0 {
				e.dirtyQ[qkey{n, ch}] = true
			}
		}
	}
	for id, a := range e.agents {
		for _, w := range a.personal {
			if w.Len() > 0 && a.Presence == session.Available {
				e.dirtyA[id] = true
			}
		}
	}
	e.dispatch(ctx)
}

// Offers returns the agent's pending offers (R5), oldest first: what a desktop that
// (re)connects must show.
func (e *Engine) Offers(agentID string) []OfferView {
	e.lock()
	defer e.unlock()
	var out []OfferView
	for _, it := range e.offersOf(agentID) {
		out = append(out, e.offerView(it))
	}
	return out
}

// agentFor finds the agent an actor acts on: agents only for themselves.
func (e *Engine) agentFor(agentID string, by Actor) (*agent, error) {
	a := e.agents[agentID]
	if a == nil {
		return nil, fmt.Errorf("agent %s: %w", agentID, ErrNotFound)
	}
	if by.Role == ActorAgent && by.ID != agentID {
		return nil, fmt.Errorf("agent %s may not act for %s: %w", by.ID, agentID, ErrForbidden)
	}
	return a, nil
}

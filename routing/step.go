package routing

import (
	"context"
	"time"

	"github.com/omnigate/omnigate/session"
)

// step applies one input to an interaction, writes the result with its event (and the
// session's completion, S1) in one change, installs it and tells subscribers. extra
// may add to the change before it is written. The caller holds the lock.
func (e *Engine) step(ctx context.Context, it *session.Interaction, in session.Input, actor, reason string, extra func(nx *session.Interaction, c *Change)) (*session.Interaction, error) {
	now := e.clock.Now()
	nx := it.Clone()
	from := nx.State
	fx, err := nx.Apply(in, now)
	if err != nil {
		return nil, err
	}
	nx.Version++
	act := session.ActionOf(in)
	ev := session.Event{
		At: now, SessionID: nx.SessionID, InteractionID: nx.ID, AgentID: it.AgentID, Actor: actor,
		Type: "interaction." + act.String(), From: from.String(), To: nx.State.String(), Reason: reason,
	}
	if ev.AgentID == "" {
		ev.AgentID = nx.AgentID
	}
	var rona []string
	for _, f := range fx {
		switch f := f.(type) {
		case session.RequeueHead:
			// Back where it arrived: ahead of everything that came after it, so a
			// returned contact is at the head and several keep their order.
		case session.RequeueTail:
			e.tailSeq++
			nx.Seq = e.tailSeq
			nx.EnqueuedAt = now
		case session.MarkRONA:
			rona = append(rona, f.AgentID)
		case session.NewMasterContact:
			nx.MasterContactID = e.newID()
			ev.Data = map[string]string{"old_master_contact_id": f.Old, "master_contact_id": nx.MasterContactID}
		}
	}
	// T4: a contact transferred to an agent who does not take it drops back to the
	// agent who sent it.
	if (act == session.ActDecline || act == session.ActOfferTimedOut) && nx.TransferFrom != "" && nx.PersonalAgent != "" {
		if _, ok := e.agents[nx.TransferFrom]; ok {
			nx.PersonalAgent, nx.TransferFrom = nx.TransferFrom, ""
			ev.Data = map[string]string{"returned_to": nx.PersonalAgent}
		}
	}
	c := &Change{Interactions: []*session.Interaction{nx}, Events: []session.Event{ev}}
	if extra != nil {
		extra(nx, c)
	}
	s, sev := e.sessionCheck(nx, now)
	if s != nil {
		c.Sessions = append(c.Sessions, s)
		c.Events = append(c.Events, *sev)
	}
	if err := e.commit(ctx, c); err != nil {
		return nil, err
	}
	old := e.open[nx.ID]
	e.install(nx, now)
	e.installSession(s)
	e.notifyInteraction(old, nx, reason)
	e.notifyLoads()
	for _, id := range rona {
		if a := e.agents[id]; a != nil {
			e.obs.RONA(nx.Queue, nx.Channel)
			if err := e.setPresence(ctx, a, session.OfferMissed, "offer not accepted in time", "system", now); err != nil {
				e.log.Error("rona", "agent_id", id, "err", err)
			}
		}
	}
	return nx, nil
}

// setPresence moves an agent's presence and writes the event. Leaving Available
// withdraws the agent's pending offers (they go back to the head of their queues).
func (e *Engine) setPresence(ctx context.Context, a *agent, ev session.AgentEvent, reason, actor string, now time.Time) error {
	next, err := session.NextPresence(a.Presence, ev)
	if err != nil {
		return err
	}
	if next != session.Unavailable {
		reason = reasonFor(ev, reason)
	}
	c := &Change{Events: []session.Event{{
		At: now, AgentID: a.ID, Actor: actor, Type: "agent.presence",
		From: a.Presence.String(), To: next.String(), Reason: reason,
	}}}
	if err := e.commit(ctx, c); err != nil {
		return err
	}
	prev := a.Presence
	a.Presence, a.PresenceSince = next, now
	a.Reason = ""
	if next == session.Unavailable || next == session.RONA {
		a.Reason = reason
	}
	if next == session.Available && prev != session.Available {
		a.lastActivity = now
		e.dirtyA[a.ID] = true
	}
	if next != session.Available {
		a.extra, a.extraDigitalOnly = 0, false
		for _, it := range e.offersOf(a.ID) {
			if _, err := e.step(ctx, it, session.Requeue{Reason: "agent is " + next.String()}, "system", "agent is "+next.String(), nil); err != nil {
				e.log.Error("withdraw offer", "interaction_id", it.ID, "err", err)
			}
		}
	}
	e.notifyAgent(a)
	return nil
}

func reasonFor(ev session.AgentEvent, given string) string {
	if given != "" {
		return given
	}
	return ev.String()
}

// offersOf lists the agent's pending offers in a stable order.
func (e *Engine) offersOf(agentID string) []*session.Interaction {
	var out []*session.Interaction
	for _, it := range e.offered {
		if it.AgentID == agentID {
			out = append(out, it)
		}
	}
	sortBySeq(out)
	return out
}

// notifyLoads tells agents whose load (and so activity: working, ACW, idle) changed.
func (e *Engine) notifyLoads() {
	for _, id := range sortedKeys(e.loadChanged) {
		if a := e.agents[id]; a != nil {
			e.notifyAgent(a)
		}
	}
	clear(e.loadChanged)
}

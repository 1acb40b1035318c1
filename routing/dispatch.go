package routing

import (
	"context"
	"sort"
	"time"

	"github.com/omnigate/omnigate/session"
)

// dispatch offers waiting contacts to agents until nothing more fits, starting from
// the queues and agents the last operation touched. The caller holds the lock.
func (e *Engine) dispatch(ctx context.Context) {
	for i := 0; i < 1000 && (len(e.dirtyQ) > 0 || len(e.dirtyA) > 0); i++ {
		agents := sortedKeys(e.dirtyA)
		qs := make([]qkey, 0, len(e.dirtyQ))
		for k := range e.dirtyQ {
			qs = append(qs, k)
		}
		sort.Slice(qs, func(i, j int) bool {
			if qs[i].queue != qs[j].queue {
				return qs[i].queue < qs[j].queue
			}
			return qs[i].ch < qs[j].ch
		})
		clear(e.dirtyA)
		clear(e.dirtyQ)
		if e.draining {
			return
		}
		for _, id := range agents {
			if a := e.agents[id]; a != nil {
				e.fillAgent(ctx, a)
			}
		}
		for _, k := range qs {
			if q := e.queues[k.queue]; q != nil {
				e.fillQueue(ctx, q, k.ch)
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fillQueue offers the queue's waiting contacts on one channel, head first, each to
// the best eligible agent (R1): most proficient, then longest idle.
func (e *Engine) fillQueue(ctx context.Context, q *queue, ch session.Channel) {
	w := q.waiting[ch]
	for w != nil && w.Len() > 0 {
		now := e.clock.Now()
		start := time.Now()
		it := w.peek()
		a := e.pickAgent(q, it, now)
		if a == nil && len(it.DeclinedBy) > 0 {
			// The head waits for its decliners' hold to pass; someone behind it may
			// still be placed now.
			for _, cand := range w.firstN(16)[1:] {
				if a = e.pickAgent(q, cand, now); a != nil {
					it = cand
					break
				}
			}
		}
		e.obs.Decision(time.Since(start))
		if a == nil {
			return
		}
		if err := e.offer(ctx, it, a, now); err != nil {
			return
		}
	}
}

func (e *Engine) pickAgent(q *queue, it *session.Interaction, now time.Time) *agent {
	var best *agent
	bestProf := 0
	for _, m := range q.members {
		a, p := m.agent, m.prof
		if !e.eligible(a, it, now) {
			continue
		}
		if best == nil || p > bestProf || (p == bestProf && a.lastActivity.Before(best.lastActivity)) {
			best, bestProf = a, p
		}
	}
	return best
}

func (e *Engine) eligible(a *agent, it *session.Interaction, now time.Time) bool {
	if a.Presence != session.Available {
		return false
	}
	if !e.hasRoom(a, it.Channel) {
		return false
	}
	if len(it.DeclinedBy) > 0 {
		if t, ok := it.DeclinedBy[a.ID]; ok && now.Sub(t) < e.cfg.DeclineHold {
			return false
		}
	}
	return true
}

// hasRoom applies R2 and R3: capacity, plus one "+1 contact" unit when granted (only
// for a digital contact when it was granted during a call).
func (e *Engine) hasRoom(a *agent, ch session.Channel) bool {
	if a.room(ch, 0) {
		return true
	}
	if a.extra > 0 && (!a.extraDigitalOnly || ch.IsDigital()) {
		return a.room(ch, a.extra)
	}
	return false
}

// fillAgent offers the agent the best contacts it can take: its personal queue first
// (R6), then its queues by priority and arrival.
func (e *Engine) fillAgent(ctx context.Context, a *agent) {
	for i := 0; i < 1000; i++ {
		if a.Presence != session.Available {
			return
		}
		now := e.clock.Now()
		start := time.Now()
		it := e.bestFor(a, now)
		e.obs.Decision(time.Since(start))
		if it == nil {
			return
		}
		if err := e.offer(ctx, it, a, now); err != nil {
			return
		}
	}
}

func (e *Engine) bestFor(a *agent, now time.Time) *session.Interaction {
	var best *session.Interaction
	better := func(it *session.Interaction) bool {
		return best == nil || it.Priority > best.Priority || (it.Priority == best.Priority && it.Seq < best.Seq)
	}
	for ch, w := range a.personal {
		if w.Len() == 0 || !e.hasRoom(a, ch) {
			continue
		}
		if it := w.peek(); better(it) {
			best = it
		}
	}
	if best != nil {
		return best
	}
	for qn := range a.Skills {
		q := e.queues[qn]
		for ch, w := range q.waiting {
			if w.Len() == 0 || !e.hasRoom(a, ch) {
				continue
			}
			it := w.peek()
			if !e.eligible(a, it, now) {
				it = nil
				for _, cand := range w.firstN(16)[1:] {
					if e.eligible(a, cand, now) {
						it = cand
						break
					}
				}
			}
			if it != nil && better(it) {
				best = it
			}
		}
	}
	return best
}

// offer reserves it for a and tells the agent (R5).
func (e *Engine) offer(ctx context.Context, it *session.Interaction, a *agent, now time.Time) error {
	usesExtra := !a.room(it.Channel, 0)
	nx, err := e.step(ctx, it, session.Offer{AgentID: a.ID}, "system", "", nil)
	if err != nil {
		e.log.Error("offer", "interaction_id", it.ID, "agent_id", a.ID, "err", err)
		return err
	}
	if usesExtra {
		a.extra, a.extraDigitalOnly = 0, false
	}
	a.lastActivity = now
	e.obs.Offered(nx.Queue, nx.Channel)
	v := e.offerView(nx)
	e.notify(Notice{Kind: NoticeOffer, Agents: []string{a.ID}, Interaction: e.lastNoticed, Offer: &v})
	return nil
}

func sortBySeq(its []*session.Interaction) {
	sort.Slice(its, func(i, j int) bool {
		if its[i].Seq != its[j].Seq {
			return its[i].Seq < its[j].Seq
		}
		return its[i].ID < its[j].ID
	})
}

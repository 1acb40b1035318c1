package routing

import (
	"context"
	"fmt"

	"github.com/omnigate/omnigate/session"
)

// Start loads open work from the store and reconciles it after a restart (nothing is
// lost, nothing stays "active" forever):
//   - queued contacts are queued again in the same order;
//   - offered ones go back to the head of their queue (the offer died with the process);
//   - active digital ones return to their agent;
//   - calls (voice, video) did not survive the process: a queued call is abandoned, a
//     call in conversation ends and goes to wrap-up, each with the reason.
func (e *Engine) Start(ctx context.Context) (err error) {
	snap, err := e.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("load open work: %w", err)
	}
	e.lock()
	defer e.unlockInto(&err)
	for _, c := range snap.Customers {
		e.cacheCustomer(c)
	}
	for _, s := range snap.Sessions {
		e.installSession(s)
	}
	its := append([]*session.Interaction(nil), snap.Interactions...)
	sortBySeq(its)
	for _, it := range its {
		if it.Seq > e.tailSeq {
			e.tailSeq = it.Seq
		}
	}
	for _, it := range its {
		if _, ok := e.sessMaster[it.SessionID]; !ok {
			e.sessMaster[it.SessionID] = it.MasterContactID
		}
		e.sessOpen[it.SessionID]++
		e.open[it.ID] = it
		if it.State != session.Offered {
			e.index(it)
		}
	}
	// Offers go back to the head of their queue (their arrival position).
	var offered []*session.Interaction
	for _, it := range its {
		if it.State == session.Offered {
			offered = append(offered, it)
		}
	}
	const why = "restart"
	for _, it := range offered {
		// Not indexed as offered, so give it load for unindex to take back.
		e.index(it)
		if _, err := e.step(ctx, it, session.Requeue{Reason: why + ": offer withdrawn"}, "system", why+": offer withdrawn", nil); err != nil {
			return fmt.Errorf("reconcile %s: %w", it.ID, err)
		}
	}
	for _, it := range its {
		if it.Channel.IsDigital() {
			continue
		}
		cur := e.open[it.ID]
		if cur == nil {
			continue
		}
		var in session.Input
		var reason string
		switch cur.State {
		case session.Queued:
			reason = why + ": call lost while queued"
			in = session.Abandon{Reason: reason}
		case session.Active, session.Held, session.Consult, session.Conference, session.Interrupted:
			reason = why + ": call lost"
			in = session.End{Reason: reason}
		default:
			continue
		}
		if _, err := e.step(ctx, cur, in, "system", reason, nil); err != nil {
			return fmt.Errorf("reconcile %s: %w", it.ID, err)
		}
	}
	e.log.Info("reconciled open work", "interactions", len(its), "offers_requeued", len(offered))
	e.dispatch(ctx)
	return nil
}

package routing

import (
	"container/heap"

	"github.com/omnigate/omnigate/session"
)

// waitList holds the contacts waiting in one queue on one channel, ordered by priority
// (higher first), then Seq (lower first: FIFO by arrival, R1).
type waitList struct{ items []*session.Interaction }

func (w *waitList) Len() int { return len(w.items) }
func (w *waitList) Less(i, j int) bool {
	a, b := w.items[i], w.items[j]
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	return a.Seq < b.Seq
}
func (w *waitList) Swap(i, j int) { w.items[i], w.items[j] = w.items[j], w.items[i] }
func (w *waitList) Push(x any)    { w.items = append(w.items, x.(*session.Interaction)) }
func (w *waitList) Pop() any {
	n := len(w.items) - 1
	it := w.items[n]
	w.items[n] = nil
	w.items = w.items[:n]
	return it
}

func (w *waitList) add(it *session.Interaction) { heap.Push(w, it) }

// peek returns the head without removing it.
func (w *waitList) peek() *session.Interaction {
	if len(w.items) == 0 {
		return nil
	}
	return w.items[0]
}

// remove takes it out wherever it is. O(n) search, O(log n) fix: lists are short
// compared with the work of an offer.
func (w *waitList) remove(id string) bool {
	for i, x := range w.items {
		if x.ID == id {
			heap.Remove(w, i)
			return true
		}
	}
	return false
}

// ordered returns a copy of the items in service order.
func (w *waitList) ordered() []*session.Interaction {
	c := &waitList{items: append([]*session.Interaction(nil), w.items...)}
	out := make([]*session.Interaction, 0, len(c.items))
	for c.Len() > 0 {
		out = append(out, heap.Pop(c).(*session.Interaction))
	}
	return out
}

// firstN returns up to n items in service order without disturbing the heap.
func (w *waitList) firstN(n int) []*session.Interaction {
	if len(w.items) <= n {
		return w.ordered()
	}
	return w.ordered()[:n]
}

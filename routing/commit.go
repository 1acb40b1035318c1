package routing

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/omnigate/omnigate/session"
)

// ErrStoreFailed is returned by every operation once a write to the store has failed.
// The engine's memory may then be ahead of what is stored, so it takes no more work:
// the process is meant to stop (Failed) and, restarted, rebuild from the store.
var ErrStoreFailed = errors.New("store write failed; the engine has stopped taking work")

// Group commit. An operation changes the engine's memory under the engine lock and
// queues its Change (commit); the changes of operations that run while a write is in
// flight are written together in the next one, one transaction and one sync for
// all of them. After releasing the lock an operation waits until everything it
// queued is stored (unlock → waitDurable): only then does it return, and only then
// are its notices delivered, in operation order. So nothing an operation reports
// done, to its caller or to a subscriber, is ever lost; what its caller is not yet
// told may be seen by concurrent readers of the engine's memory for the length of a
// write. A write that fails stops the engine for good (ErrStoreFailed, Failed).
type groupCommit struct {
	mu         sync.Mutex
	cond       sync.Cond
	pending    []*Change
	queued     uint64 // sequence of the last change queued
	written    uint64 // sequence of the last change stored
	committing bool   // a waiter is writing; the others wait for it
	failed     error
	failedCh   chan struct{}

	// Notice delivery in operation order: an operation with notices takes a ticket
	// under the engine lock and delivers when the previous ticket has.
	dmu       sync.Mutex
	dcond     sync.Cond
	tickets   uint64
	delivered uint64
}

func (g *groupCommit) init() {
	g.cond.L = &g.mu
	g.dcond.L = &g.dmu
	g.failedCh = make(chan struct{})
}

// Failed is closed when a store write has failed and the engine has stopped taking
// work (see ErrStoreFailed); Err then says why.
func (e *Engine) Failed() <-chan struct{} { return e.gc.failedCh }

// Err returns the store error that stopped the engine, nil while it runs.
func (e *Engine) Err() error {
	e.gc.mu.Lock()
	defer e.gc.mu.Unlock()
	return e.gc.failed
}

// commit queues a change to be written with the operation's others; the caller
// installs the new state at once. It fails only when the engine has stopped.
func (e *Engine) commit(_ context.Context, c *Change) error {
	if c.Empty() {
		return nil
	}
	g := &e.gc
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed != nil {
		return fmt.Errorf("%w: %v", ErrStoreFailed, g.failed)
	}
	g.pending = append(g.pending, c)
	g.queued++
	e.opDirty = true
	return nil
}

// seqs returns the sequences of the last change queued and of the last one stored.
func (g *groupCommit) seqs() (queued, written uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queued, g.written
}

// queuedSeq is the sequence of the last change queued.
func (g *groupCommit) queuedSeq() uint64 {
	q, _ := g.seqs()
	return q
}

// stored returns the store once every change queued so far is written, so that a
// read from it sees everything the engine's memory has shown (an interaction that
// just ended and left memory, say). The engine lock may be held or not. After a
// failed write it returns the store as it is: reads still show what was stored.
func (e *Engine) stored() Store {
	_ = e.waitDurable(e.gc.queuedSeq())
	return e.store
}

// waitDurable returns once the change with sequence seq (and all before it) is
// stored. The first waiter that finds no write in flight writes everything pending.
func (e *Engine) waitDurable(seq uint64) error {
	g := &e.gc
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.written < seq {
		if g.failed != nil {
			return fmt.Errorf("%w: %v", ErrStoreFailed, g.failed)
		}
		if g.committing {
			g.cond.Wait()
			continue
		}
		// Let operations that are ready to run queue their changes first: they join
		// this write instead of waiting for the next.
		g.mu.Unlock()
		runtime.Gosched()
		g.mu.Lock()
		if g.committing || g.written >= seq || g.failed != nil {
			continue
		}
		batch, last := g.pending, g.queued
		g.pending = nil
		g.committing = true
		g.mu.Unlock()
		start := time.Now()
		err := e.store.Commit(context.Background(), mergeChanges(batch))
		e.obs.StoreWrite(len(batch), time.Since(start), err)
		g.mu.Lock()
		g.committing = false
		if err != nil {
			e.log.Error("store commit failed; the engine stops taking work", "err", err, "changes", len(batch))
			g.failed = err
			close(g.failedCh)
		} else {
			g.written = last
		}
		g.cond.Broadcast()
	}
	return nil
}

// mergeChanges makes one change of several, in order. An interaction or session
// written more than once keeps only its last version (an interaction that went from
// queued to done within one write is written once, as done); customers (whose
// identities move with the last one written), events and messages are all kept.
func mergeChanges(cs []*Change) *Change {
	if len(cs) == 1 {
		return cs[0]
	}
	out := &Change{}
	sessAt, itAt := map[string]int{}, map[string]int{}
	for _, c := range cs {
		out.Customers = append(out.Customers, c.Customers...)
		out.Sessions = keepLast(out.Sessions, c.Sessions, sessAt, func(x *session.Session) string { return x.ID })
		out.Interactions = keepLast(out.Interactions, c.Interactions, itAt, func(x *session.Interaction) string { return x.ID })
		out.Events = append(out.Events, c.Events...)
		out.Messages = append(out.Messages, c.Messages...)
	}
	return out
}

// keepLast appends xs to out, a later version of a record replacing the earlier one
// in its place.
func keepLast[T any](out, xs []T, at map[string]int, id func(T) string) []T {
	for _, x := range xs {
		k := id(x)
		if i, ok := at[k]; ok {
			out[i] = x
			continue
		}
		at[k] = len(out)
		out = append(out, x)
	}
	return out
}

// deliverInTurn delivers an operation's notices after those of every operation with
// an earlier ticket. With ok false (the operation's changes were not stored) the
// notices are dropped but the turn still passes.
func (e *Engine) deliverInTurn(ticket uint64, ns []Notice, ok bool) {
	g := &e.gc
	g.dmu.Lock()
	for g.delivered != ticket-1 {
		g.dcond.Wait()
	}
	g.dmu.Unlock()
	if ok {
		e.subMu.RLock()
		for _, n := range ns {
			for _, fn := range e.subs {
				fn(n)
			}
		}
		e.subMu.RUnlock()
	}
	g.dmu.Lock()
	g.delivered = ticket
	g.dcond.Broadcast()
	g.dmu.Unlock()
}

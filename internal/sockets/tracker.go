package sockets

import (
	"context"
	"sync"
)

// Tracker owns a server's connections: it runs each one under its context, refuses
// new ones once closing, and lets Shutdown wait until all have returned. Make one
// with NewTracker.
type Tracker struct {
	// ctx ends when the tracker closes; every connection runs under it.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards closed, running and closing idle
	closed  bool
	running int           // calls to Run whose fn has not returned
	idle    chan struct{} // closed once closed is set and running is 0
}

// NewTracker returns an open tracker.
func NewTracker() *Tracker {
	ctx, cancel := context.WithCancel(context.Background())
	return &Tracker{ctx: ctx, cancel: cancel, idle: make(chan struct{})}
}

// Run calls fn on the calling goroutine with the tracker's context, and counts it
// until fn returns so that Shutdown waits for it. Once the tracker is closing it
// returns false and does not call fn: the caller answers "shutting down".
func (t *Tracker) Run(fn func(ctx context.Context)) bool {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	t.running++
	t.mu.Unlock()
	defer t.done()
	fn(t.ctx)
	return true
}

func (t *Tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running--
	if t.closed && t.running == 0 {
		close(t.idle)
	}
}

// Close is Shutdown without a bound: it ends the context and waits until every fn
// passed to Run has returned. It always returns nil.
func (t *Tracker) Close() error { return t.Shutdown(context.Background()) }

// Shutdown refuses new connections, ends the context and waits until every fn
// passed to Run has returned. It returns ctx's error if they have not all returned
// by then (they keep ending in the background). It may be called more than once.
func (t *Tracker) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		if t.running == 0 {
			close(t.idle)
		}
	}
	t.mu.Unlock()
	t.cancel()
	select {
	case <-t.idle: // drained wins over an ended ctx
		return nil
	default:
	}
	select {
	case <-t.idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

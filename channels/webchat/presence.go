package webchat

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// presence counts the sockets attached to each chat. When the last one goes without
// a "leave" (the tab closed, the network dropped) the customer has ReturnWindow to
// come back with their token; after that the chat is treated as left: a waiting chat
// is abandoned and a conversation goes to wrap-up, so nothing waits for someone who
// is gone.
type presence struct {
	mu      sync.Mutex
	sockets map[string]int
	timers  map[string]*time.Timer
	closed  bool
}

func (p *presence) init() {
	p.sockets = map[string]int{}
	p.timers = map[string]*time.Timer{}
}

// attached notes one more socket on the chat and cancels a pending departure.
func (p *presence) attached(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sockets[id]++
	if t := p.timers[id]; t != nil {
		t.Stop()
		delete(p.timers, id)
	}
}

// detached notes a socket gone; the last one starts the return window, after which
// gone runs (on its own goroutine) unless a socket came back.
func (p *presence) detached(id string, window time.Duration, gone func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sockets[id]--; p.sockets[id] > 0 {
		return
	}
	delete(p.sockets, id)
	if p.closed || window <= 0 {
		return
	}
	p.timers[id] = time.AfterFunc(window, func() {
		p.mu.Lock()
		_, still := p.timers[id]
		delete(p.timers, id)
		closed := p.closed
		p.mu.Unlock()
		if still && !closed {
			gone()
		}
	})
}

// close stops every pending departure: a shutdown is not the customers leaving.
func (p *presence) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for id, t := range p.timers {
		t.Stop()
		delete(p.timers, id)
	}
}

// customerGone is the end of the return window for chat id.
func (h *Handler) customerGone(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := h.eng.CustomerLeft(ctx, id, "customer left the chat (did not come back)")
	if err != nil && !errors.Is(err, routing.ErrNotFound) && !errors.Is(err, session.ErrInvalidTransition) {
		h.log.Warn("chat return window", logInteractionID, id, "err", err)
	}
}

package routing

import (
	"errors"
	"fmt"
)

var (
	// ErrForbidden is returned when the actor may not act on the interaction or agent
	// (it is not the owning agent, or the agent is not assigned to that queue).
	ErrForbidden = errors.New("forbidden")
	// ErrConflict is returned when an action does not fit the current state of things
	// (accepting an offer made to someone else, "+1 contact" not allowed, …).
	ErrConflict = errors.New("conflict")
	// ErrTooLong is returned for text over its limit: a message over
	// session.MaxMessageLen characters, or a subject, note, tag or reason too long.
	ErrTooLong = errors.New("message too long")
	// ErrQueueFull is returned for a call offered to a queue that already holds its
	// QueueConfig.MaxWaitingCalls waiting calls; it is an ErrConflict. The SIP side
	// answers the caller busy.
	ErrQueueFull = fmt.Errorf("queue full: %w", ErrConflict)
)

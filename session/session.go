package session

import "time"

// SessionState is open or complete (S1).
type SessionState uint8

const (
	SessionOpen SessionState = iota
	SessionComplete
)

func (s SessionState) String() string {
	if s == SessionComplete {
		return "complete"
	}
	return "open"
}

// Session is one customer's conversation with the contact center, across channels.
type Session struct {
	ID          string
	CustomerID  string
	State       SessionState
	CreatedAt   time.Time
	CompletedAt time.Time
}

// Complete reports S1: a session is complete only when all its interactions are in a
// final state, after-call work included. A session without interactions is open.
func Complete(its []*Interaction) bool {
	if len(its) == 0 {
		return false
	}
	for _, it := range its {
		if !it.State.Final() {
			return false
		}
	}
	return true
}

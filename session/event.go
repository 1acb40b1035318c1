package session

import "time"

// Event is one durable, auditable change (S5): what happened, when, by whom and why.
// The event log is append-only.
type Event struct {
	Seq           int64 // assigned by the store, increasing
	At            time.Time
	SessionID     string
	InteractionID string // empty for session- or agent-level events
	AgentID       string // the agent concerned, if any
	Actor         string // who caused it: a user id, "customer", "system"
	Type          string // e.g. "interaction.offer", "agent.presence"
	From          string // previous state
	To            string // new state
	Reason        string
	Data          map[string]string
}

// Message is one chat (or other digital) message in an interaction.
type Message struct {
	Seq           int64 // order within its interaction, from 1
	ID            string
	InteractionID string
	SessionID     string
	From          string // "customer" or an agent id
	Text          string
	At            time.Time
}

// MaxMessageLen is the longest message accepted, in characters (W6).
const MaxMessageLen = 10000

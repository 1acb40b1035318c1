package session

import (
	"fmt"
	"time"
)

// Presence is the state an agent chooses, or RONA (R4). Working and ACW are derived
// from the agent's interactions, not stored here (see Activity).
type Presence uint8

const (
	Offline Presence = iota
	Available
	Unavailable
	RONA
)

var presenceNames = [...]string{"offline", "available", "unavailable", "rona"}

func (p Presence) String() string {
	if int(p) < len(presenceNames) {
		return presenceNames[p]
	}
	return fmt.Sprintf("presence(%d)", p)
}

// ParsePresence maps a wire name to a Presence.
func ParsePresence(s string) (Presence, error) {
	for i, n := range presenceNames {
		if n == s {
			return Presence(i), nil
		}
	}
	return Offline, fmt.Errorf("unknown agent state %q: %w", s, ErrInvalid)
}

// Presences lists every presence in order.
func Presences() []Presence { return []Presence{Offline, Available, Unavailable, RONA} }

// AgentEvent moves an agent's presence.
type AgentEvent uint8

const (
	Login AgentEvent = iota + 1
	GoAvailable
	GoUnavailable
	OfferMissed
	Logout
)

var agentEventNames = [...]string{"", "login", "go-available", "go-unavailable", "offer-missed", "logout"}

func (e AgentEvent) String() string {
	if int(e) < len(agentEventNames) && e > 0 {
		return agentEventNames[e]
	}
	return fmt.Sprintf("agent-event(%d)", e)
}

// agentEdges is the whole presence machine; nothing else changes a Presence.
var agentEdges = map[Presence]map[AgentEvent]Presence{
	Offline:     {Login: Available, GoAvailable: Available, GoUnavailable: Unavailable, Logout: Offline},
	Available:   {GoAvailable: Available, GoUnavailable: Unavailable, OfferMissed: RONA, Logout: Offline},
	Unavailable: {GoAvailable: Available, GoUnavailable: Unavailable, OfferMissed: RONA, Logout: Offline},
	RONA:        {GoAvailable: Available, GoUnavailable: Unavailable, OfferMissed: RONA, Logout: Offline}, // only the agent leaves RONA
}

// NextPresence is the pure transition function of the presence machine.
func NextPresence(cur Presence, ev AgentEvent) (Presence, error) {
	if next, ok := agentEdges[cur][ev]; ok {
		return next, nil
	}
	return cur, &TransitionError{Machine: "agent", From: cur.String(), Event: ev.String()}
}

// Activity is what an agent is doing, derived from its interactions (R4).
type Activity uint8

const (
	Idle    Activity = iota
	Working          // on one or more contacts
	ACW              // only after-call work left
)

func (a Activity) String() string {
	switch a {
	case Working:
		return "working"
	case ACW:
		return "acw"
	}
	return "idle"
}

// Agent is a person who handles contacts.
type Agent struct {
	ID            string
	Name          string
	Skills        map[string]int  // queue → proficiency (1–10, higher is better)
	Capacity      map[Channel]int // per-channel capacity (R2)
	TotalCapacity int             // across channels (R2)
	ExtraContact  bool            // "+1 contact" allowed (R3)
	Presence      Presence
	Reason        string // reason code while unavailable
	PresenceSince time.Time
	IdleSince     time.Time // last time the agent's load dropped to zero
}

// Load counts an agent's assigned interactions per channel.
type Load map[Channel]int

// OnCall reports whether the load holds a voice or video interaction.
func (l Load) OnCall() bool { return l[Voice]+l[Video] > 0 }

// Total is the agent's whole load.
func (l Load) Total() int {
	n := 0
	for _, v := range l {
		n += v
	}
	return n
}

// HasRoom reports whether the agent can take one more contact on channel c, given
// load l and extra units granted by "+1 contact" (R2, R3).
func (a *Agent) HasRoom(l Load, c Channel, extra int) bool {
	return Room(a.Capacity[c], l[c], l.Total(), a.TotalCapacity, l.OnCall(), extra)
}

// Room is the capacity rule on plain counts (R2, R3): capc is the agent's capacity on
// the channel and onChannel its load there; total and totalCap the same across
// channels. A channel with no capacity is never offered. A voice or video call fills
// the agent's whole capacity: while on a call only "+1" brings more.
func Room(capc, onChannel, total, totalCap int, onCall bool, extra int) bool {
	if capc == 0 {
		return false
	}
	if onCall && total < totalCap {
		total = totalCap
	}
	return onChannel < capc+extra && total < totalCap+extra
}

package routing

import (
	"sort"
	"time"

	"github.com/omnigate/omnigate/session"
)

// AgentView is a copy of an agent's state, safe to hand out.
type AgentView struct {
	ID            string
	Name          string
	Presence      session.Presence
	Reason        string
	PresenceSince time.Time
	Activity      session.Activity
	Load          session.Load
	Capacity      map[session.Channel]int
	TotalCapacity int
	Queues        []string
	ExtraContact  bool
	ExtraPending  int
	Device        string
}

// OfferView is what an agent sees in an offer (R5).
type OfferView struct {
	InteractionID  string
	SessionID      string
	Channel        session.Channel
	Queue          string
	CustomerName   string
	CustomerNumber string
	SourceNumber   string
	Subject        string
	OfferedAt      time.Time
	ExpiresAt      time.Time
}

// QueueView is a queue's live figures.
type QueueView struct {
	Name         string
	Waiting      int
	OldestWait   time.Duration
	Agents       int // assigned agents
	Available    int // assigned agents currently available
	ServiceLevel time.Duration
	OfferTimeout time.Duration
}

// Stats is a snapshot for metrics.
type Stats struct {
	Queues       []QueueView
	Presence     map[session.Presence]int
	Interactions map[session.Channel]map[session.State]int
	// Customers is how many customers the engine holds in memory: those with open
	// work, and those whose last session completed moments ago.
	Customers int
}

func (e *Engine) agentView(a *agent) AgentView {
	v := AgentView{
		ID: a.ID, Name: a.Name, Presence: a.Presence, Reason: a.Reason, PresenceSince: a.PresenceSince,
		Activity: e.activity(a), Load: session.Load{}, Capacity: map[session.Channel]int{},
		TotalCapacity: a.TotalCapacity, ExtraContact: a.ExtraContact, ExtraPending: a.extra, Device: a.device,
	}
	for c, n := range a.load {
		if n > 0 {
			v.Load[session.Channel(c)] = n
		}
	}
	for c, n := range a.Capacity {
		v.Capacity[c] = n
	}
	for q := range a.Skills {
		v.Queues = append(v.Queues, q)
	}
	sort.Strings(v.Queues)
	return v
}

// activity derives working / ACW / idle from the agent's assigned interactions (R4).
func (e *Engine) activity(a *agent) session.Activity {
	if a.total == 0 {
		return session.Idle
	}
	if a.wrapups > 0 && a.wrapups == a.total {
		return session.ACW
	}
	return session.Working
}

func (e *Engine) offerView(it *session.Interaction) OfferView {
	v := OfferView{
		InteractionID: it.ID, SessionID: it.SessionID, Channel: it.Channel, Queue: it.Queue,
		SourceNumber: it.SourceNumber, Subject: it.Subject, OfferedAt: it.OfferedAt,
		ExpiresAt: it.OfferedAt.Add(e.offerTimeout(it)),
	}
	if c := e.customers[it.CustomerID]; c != nil {
		v.CustomerName = c.Name
		for _, id := range c.Identities {
			if id.Kind == session.IdentityPhone {
				v.CustomerNumber = id.Value
				break
			}
		}
	}
	return v
}

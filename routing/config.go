package routing

import (
	"fmt"
	"time"

	"github.com/omnigate/omnigate/session"
)

// QueueConfig describes one routing queue (a skill).
type QueueConfig struct {
	// Name is the queue's id, unique, as used in the API and config.
	Name string
	// Priority is given to contacts entering this queue unless they bring their own.
	Priority int
	// OfferTimeout is how long an agent has to accept an offer before RONA (R4).
	OfferTimeout time.Duration
	// ServiceLevel is the answer-time threshold for the service-level metric.
	ServiceLevel time.Duration
	// DispositionRequired makes wrap-up refuse an empty disposition (W1).
	DispositionRequired bool
	// MaxWaitingCalls caps the voice and video calls waiting in the queue (not yet
	// offered or accepted); one more is refused with ErrQueueFull. 0 means no cap.
	// It keeps a burst beyond what the agents can take from piling up callers (each
	// hearing queue music) without end.
	MaxWaitingCalls int
}

// AgentConfig describes one agent.
type AgentConfig struct {
	ID   string
	Name string
	// Skills maps queue name → proficiency (1–10, higher is better).
	Skills map[string]int
	// Capacity is the per-channel capacity (R2); a channel missing here is not offered.
	Capacity map[session.Channel]int
	// TotalCapacity caps the sum across channels (R2).
	TotalCapacity int
	// ExtraContact allows "+1 contact" (R3).
	ExtraContact bool
	// Device is where the agent's voice calls ring: "browser" (the desktop's WebRTC
	// softphone) or "sip" (a desk phone registered under the agent's id). Routing
	// does not use it; it travels with the agent for the voice gateway and desktop.
	Device string
}

// Config is the routing configuration.
type Config struct {
	Queues []QueueConfig
	Agents []AgentConfig
	// DefaultOfferTimeout applies to queues without one and to personal queues.
	DefaultOfferTimeout time.Duration
	// DeclineHold is how long a declined contact avoids the agent who declined it; after
	// that it may be offered to that agent again if nobody else took it (R4).
	DeclineHold time.Duration
	// TickEvery is how often Run checks timers.
	TickEvery time.Duration
	// Dispositions are the outcome codes wrap-up accepts (W1); empty accepts any.
	Dispositions []string
}

// Defaults fills zero fields with sensible values.
func (c *Config) Defaults() {
	if c.DefaultOfferTimeout == 0 {
		c.DefaultOfferTimeout = 30 * time.Second
	}
	if c.DeclineHold == 0 {
		c.DeclineHold = c.DefaultOfferTimeout
	}
	if c.TickEvery == 0 {
		c.TickEvery = 200 * time.Millisecond
	}
	for i := range c.Queues {
		q := &c.Queues[i]
		if q.OfferTimeout == 0 {
			q.OfferTimeout = c.DefaultOfferTimeout
		}
		if q.ServiceLevel == 0 {
			q.ServiceLevel = 20 * time.Second
		}
	}
	for i := range c.Agents {
		a := &c.Agents[i]
		if a.Name == "" {
			a.Name = a.ID
		}
		if a.TotalCapacity == 0 {
			for _, n := range a.Capacity {
				a.TotalCapacity += n
			}
		}
	}
}

// Validate reports the first thing wrong with the configuration.
func (c *Config) Validate() error {
	queues := map[string]bool{}
	for _, q := range c.Queues {
		if q.Name == "" {
			return fmt.Errorf("queue without a name: %w", session.ErrInvalid)
		}
		if queues[q.Name] {
			return fmt.Errorf("queue %s defined twice: %w", q.Name, session.ErrInvalid)
		}
		if q.OfferTimeout < 0 || q.ServiceLevel < 0 {
			return fmt.Errorf("queue %s: negative timeout: %w", q.Name, session.ErrInvalid)
		}
		if q.MaxWaitingCalls < 0 {
			return fmt.Errorf("queue %s: negative max waiting calls: %w", q.Name, session.ErrInvalid)
		}
		queues[q.Name] = true
	}
	agents := map[string]bool{}
	for _, a := range c.Agents {
		if a.ID == "" {
			return fmt.Errorf("agent without an id: %w", session.ErrInvalid)
		}
		if agents[a.ID] {
			return fmt.Errorf("agent %s defined twice: %w", a.ID, session.ErrInvalid)
		}
		agents[a.ID] = true
		for q, p := range a.Skills {
			if !queues[q] {
				return fmt.Errorf("agent %s: unknown queue %q: %w", a.ID, q, session.ErrInvalid)
			}
			if p < 1 || p > 10 {
				return fmt.Errorf("agent %s: proficiency for %s must be 1–10, not %d: %w", a.ID, q, p, session.ErrInvalid)
			}
		}
		for ch, n := range a.Capacity {
			if n < 0 {
				return fmt.Errorf("agent %s: negative capacity for %s: %w", a.ID, ch, session.ErrInvalid)
			}
		}
		if a.TotalCapacity < 0 {
			return fmt.Errorf("agent %s: negative total capacity: %w", a.ID, session.ErrInvalid)
		}
	}
	return nil
}

// Clock tells the time; tests inject a fake one.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

package routing

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/omnigate/omnigate/session"
)

// discard is a Store that keeps nothing: the decision benchmark measures routing only.
type discard struct{ Store }

// BenchmarkDecision measures one routing decision with 5,000 agents and 500 queues
// (5 queues per agent, ~50 agents per queue, all available): pick the agent for a
// contact at the head of a queue (R1, R2), and pick the contact for a freed agent.
func BenchmarkDecision(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := Config{}
	for q := 0; q < 500; q++ {
		cfg.Queues = append(cfg.Queues, QueueConfig{Name: fmt.Sprintf("q%03d", q)})
	}
	for a := 0; a < 5000; a++ {
		sk := map[string]int{}
		for len(sk) < 5 {
			sk[fmt.Sprintf("q%03d", rng.IntN(500))] = 1 + rng.IntN(10)
		}
		cfg.Agents = append(cfg.Agents, AgentConfig{ID: fmt.Sprintf("a%05d", a), Skills: sk,
			Capacity: map[session.Channel]int{session.Chat: 3, session.Voice: 1}, TotalCapacity: 3})
	}
	e, err := New(cfg, discard{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range e.agents {
		a.Presence = session.Available
		a.load[session.Chat] = rng.IntN(3)
		a.total = a.load[session.Chat]
	}
	// Every queue has contacts waiting on chat, so a freed agent has choices.
	seq := int64(0)
	for _, q := range e.queues {
		for i := 0; i < 4; i++ {
			seq++
			it := &session.Interaction{ID: fmt.Sprint(seq), Channel: session.Chat, Queue: q.cfg.Name, State: session.Queued, Seq: seq}
			e.waitListFor(it).add(it)
		}
	}
	now := e.clock.Now()
	b.Run("agent-for-contact", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			q := e.queues[cfg.Queues[i%500].Name]
			if e.pickAgent(q, q.waiting[session.Chat].peek(), now) == nil {
				b.Fatal("no agent")
			}
		}
	})
	b.Run("contact-for-agent", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			a := e.agents[cfg.Agents[i%5000].ID]
			a.load[session.Chat], a.total = 0, 0
			if e.bestFor(a, now) == nil {
				b.Fatal("no contact")
			}
		}
	})
}

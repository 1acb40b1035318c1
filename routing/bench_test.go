package routing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/memory"
)

// BenchmarkEnqueueToOffer routes one chat per op through 5,000 agents and 500 queues,
// in memory: validation, customer and session lookup, the routing decision, the offer
// and both store writes. The figure to compare is ns/op → decisions per second.
func BenchmarkEnqueueToOffer(b *testing.B) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := routing.Config{}
	for q := 0; q < 500; q++ {
		cfg.Queues = append(cfg.Queues, routing.QueueConfig{Name: fmt.Sprintf("q%03d", q)})
	}
	for a := 0; a < 5000; a++ {
		sk := map[string]int{}
		for len(sk) < 5 {
			sk[fmt.Sprintf("q%03d", rng.IntN(500))] = 1 + rng.IntN(10)
		}
		cfg.Agents = append(cfg.Agents, routing.AgentConfig{ID: fmt.Sprintf("a%05d", a), Skills: sk,
			Capacity: map[session.Channel]int{session.Chat: 1 << 30}, TotalCapacity: 1 << 30})
	}
	eng, err := routing.New(cfg, memory.New(nil), routing.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		b.Fatal(err)
	}
	for _, a := range cfg.Agents {
		if _, err := eng.SetPresence(ctx, a.ID, session.Available, "", routing.System); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		it, err := eng.CreateInteraction(ctx, routing.NewInteraction{Channel: session.Chat, Queue: cfg.Queues[i%500].Name, Customer: routing.CustomerInfo{VisitorID: fmt.Sprint(i)}})
		if err != nil || it.State != session.Offered {
			b.Fatalf("%v %v", it, err)
		}
	}
}

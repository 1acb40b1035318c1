// Command omnibench measures routing: decisions per second and enqueue→offer latency
// with many agents and queues, on the in-memory, embedded (SQLite) or PostgreSQL store.
// Results go to BENCHMARKS.md by hand, with the command that made them.
//
//	go run ./cmd/omnibench -store memory -agents 5000 -queues 500 -n 50000
//	go run ./cmd/omnibench -store sqlite -n 5000
//	go run ./cmd/omnibench -store postgres -url 'host=/var/run/postgresql dbname=omnigate_test' -n 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/memory"
	"github.com/omnigate/omnigate/store/postgres"
	"github.com/omnigate/omnigate/store/sqlite"
)

func main() {
	storeKind := flag.String("store", "memory", "memory, sqlite or postgres")
	url := flag.String("url", "host=/var/run/postgresql dbname=omnigate_test", "PostgreSQL URL for -store postgres")
	agents := flag.Int("agents", 5000, "agents")
	queues := flag.Int("queues", 500, "queues")
	skills := flag.Int("skills", 5, "queues per agent")
	n := flag.Int("n", 20000, "contacts to route")
	clients := flag.Int("c", 1, "clients creating contacts at once (group commit shares writes between them)")
	flag.Parse()
	if err := run(*storeKind, *url, *agents, *queues, *skills, *n, max(*clients, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "omnibench:", err)
		os.Exit(1)
	}
}

type decisions struct{ n, ns atomic.Int64 }

func (d *decisions) Offered(string, session.Channel)                       {}
func (d *decisions) Accepted(string, session.Channel, time.Duration, bool) {}
func (d *decisions) Declined(string, session.Channel)                      {}
func (d *decisions) RONA(string, session.Channel)                          {}
func (d *decisions) Finished(session.Channel, session.State)               {}
func (d *decisions) Decision(t time.Duration)                              { d.n.Add(1); d.ns.Add(int64(t)) }
func (d *decisions) StoreWrite(int, time.Duration, error)                  {}

func run(kind, url string, nAgents, nQueues, nSkills, n, clients int) error {
	ctx := context.Background()
	var st routing.Store
	switch kind {
	case "memory":
		st = memory.New(nil)
	case "sqlite":
		dir, err := os.MkdirTemp("", "omnibench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s, err := sqlite.Open(ctx, dir, nil)
		if err != nil {
			return err
		}
		st = s
	case "postgres":
		s, err := postgres.Open(ctx, url, nil)
		if err != nil {
			return err
		}
		st = s
	default:
		return fmt.Errorf("unknown store %q", kind)
	}
	defer st.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	cfg := routing.Config{}
	for q := 0; q < nQueues; q++ {
		cfg.Queues = append(cfg.Queues, routing.QueueConfig{Name: fmt.Sprintf("q%03d", q)})
	}
	for a := 0; a < nAgents; a++ {
		sk := map[string]int{}
		for len(sk) < nSkills && len(sk) < nQueues {
			sk[fmt.Sprintf("q%03d", rng.IntN(nQueues))] = 1 + rng.IntN(10)
		}
		// Room for everything this run offers: the measure is the decision, not a
		// queue that fills up.
		cfg.Agents = append(cfg.Agents, routing.AgentConfig{ID: fmt.Sprintf("a%05d", a), Skills: sk,
			Capacity: map[session.Channel]int{session.Chat: 1 << 30}, TotalCapacity: 1 << 30})
	}
	obs := &decisions{}
	eng, err := routing.New(cfg, st, routing.Options{Observer: obs})
	if err != nil {
		return err
	}
	if err := eng.Start(ctx); err != nil {
		return err
	}
	for _, a := range cfg.Agents {
		if _, err := eng.SetPresence(ctx, a.ID, session.Available, "", routing.System); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, n)
	var offered atomic.Int64
	eng.Subscribe(func(nt routing.Notice) {
		if nt.Kind == routing.NoticeOffer {
			offered.Add(1)
		}
	})
	queueOf := make([]string, n)
	for i := range queueOf {
		queueOf[i] = cfg.Queues[rng.IntN(nQueues)].Name
	}
	obs.n.Store(0)
	runtime.GC()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Go(func() {
			for i := c; i < n; i += clients {
				t0 := time.Now()
				_, err := eng.CreateInteraction(ctx, routing.NewInteraction{
					Channel: session.Chat, Queue: queueOf[i],
					Customer: routing.CustomerInfo{VisitorID: fmt.Sprintf("v%d", i)},
				})
				if err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t0) // the offer is made and stored before CreateInteraction returns
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	elapsed := time.Since(start)
	if int(offered.Load()) != n {
		return fmt.Errorf("offered %d of %d", offered.Load(), n)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	fmt.Printf("store=%s agents=%d queues=%d skills/agent=%d contacts=%d clients=%d GOMAXPROCS=%d\n", kind, nAgents, nQueues, nSkills, n, clients, runtime.GOMAXPROCS(0))
	busy := time.Duration(obs.ns.Load())
	fmt.Printf("routing decisions: %d taking %v in all = %.0f decisions/s (mean %v each)\n", obs.n.Load(), busy.Round(time.Microsecond), float64(obs.n.Load())/busy.Seconds(), busy/time.Duration(max(obs.n.Load(), 1)))
	fmt.Printf("contacts routed end to end (validation, customer, session, decision, offer, store writes, notices): %d in %v = %.0f/s\n", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	fmt.Printf("enqueue→offer latency: p50 %v  p99 %v  max %v\n", pct(0.50), pct(0.99), lat[len(lat)-1])
	return nil
}

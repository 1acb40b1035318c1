package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/omnigate/omnigate/metrics"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/memory"
)

func TestMetricsFollowRouting(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	var eng *routing.Engine
	m, err := metrics.New(reg, snap(func() routing.Stats { return eng.Stats() }))
	if err != nil {
		t.Fatal(err)
	}
	eng, err = routing.New(routing.Config{
		Queues: []routing.QueueConfig{{Name: "sales"}},
		Agents: []routing.AgentConfig{{ID: "alice", Skills: map[string]int{"sales": 5}, Capacity: map[session.Channel]int{session.Chat: 1}}},
	}, memory.New(nil), routing.Options{Observer: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := eng.CreateInteraction(ctx, routing.NewInteraction{Channel: session.Chat, Queue: "sales", Customer: routing.CustomerInfo{Phone: "+1"}}); err != nil {
			t.Fatal(err)
		}
	}
	alice := routing.Actor{ID: "alice", Role: routing.ActorAgent}
	if _, err := eng.SetPresence(ctx, "alice", session.Available, "", alice); err != nil {
		t.Fatal(err)
	}
	offered, _ := eng.Interactions(ctx, routing.Filter{State: session.Offered})
	if len(offered) != 1 {
		t.Fatalf("offered = %d", len(offered))
	}
	if _, err := eng.Accept(ctx, offered[0].ID, alice); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP omnigate_queue_depth Contacts waiting in the queue.
# TYPE omnigate_queue_depth gauge
omnigate_queue_depth{queue="sales"} 2
# HELP omnigate_offers_total Offers made to agents.
# TYPE omnigate_offers_total counter
omnigate_offers_total{channel="chat",queue="sales"} 1
# HELP omnigate_queue_answered_within_sl_total Contacts answered within the queue's service-level threshold. Service level = this / queue_answered_total.
# TYPE omnigate_queue_answered_within_sl_total counter
omnigate_queue_answered_within_sl_total{channel="chat",queue="sales"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "omnigate_queue_depth", "omnigate_offers_total", "omnigate_queue_answered_within_sl_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "omnigate_routing_decision_seconds"); n != 1 {
		t.Fatalf("decision histogram count = %d", n)
	}
	reg2 := prometheus.NewRegistry()
	m2, err := metrics.New(reg2, nil)
	if err != nil {
		t.Fatal(err)
	}
	m2.StoreWrite(3, 2*time.Millisecond, nil)
	m2.StoreWrite(1, time.Millisecond, errors.New("disk full"))
	wantWrites := `
# HELP omnigate_store_writes_total Store writes (transactions) of the group commit, by result (ok, error).
# TYPE omnigate_store_writes_total counter
omnigate_store_writes_total{result="error"} 1
omnigate_store_writes_total{result="ok"} 1
`
	if err := testutil.GatherAndCompare(reg2, strings.NewReader(wantWrites), "omnigate_store_writes_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg2, "omnigate_store_write_operations", "omnigate_store_write_seconds"); n != 2 {
		t.Fatalf("store write histograms: %d", n)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "omnigate_interactions" {
			for _, mm := range mf.GetMetric() {
				var ch, st string
				for _, l := range mm.GetLabel() {
					if l.GetName() == "channel" {
						ch = l.GetValue()
					} else {
						st = l.GetValue()
					}
				}
				if ch == "chat" && st == "active" && mm.GetGauge().GetValue() == 1 {
					found = true
				}
			}
		}
	}
	if !found {
		t.Fatal("omnigate_interactions{chat,active} is not 1")
	}
}

type snap func() routing.Stats

func (f snap) Stats() routing.Stats { return f() }

type voiceSnap metrics.VoiceSnapshot

func (v voiceSnap) VoiceStats() metrics.VoiceSnapshot { return metrics.VoiceSnapshot(v) }

func TestVoiceMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	v, err := metrics.NewVoice(reg, voiceSnap{Registrations: 2, ActiveCalls: map[string]int{"inbound": 1},
		Calls: map[[2]string]uint64{{"inbound", "answered"}: 3}, PortsInUse: 4, PortsTotal: 5000, WebRTCLegs: map[string]int{"connected": 1}})
	if err != nil {
		t.Fatal(err)
	}
	v.Leg("customer", 250, 240, 0.01, 0.004, 4.3)
	want := `
# HELP omnigate_sip_registrations Live desk-phone registrations.
# TYPE omnigate_sip_registrations gauge
omnigate_sip_registrations 2
# HELP omnigate_calls_total Finished calls by direction and outcome.
# TYPE omnigate_calls_total counter
omnigate_calls_total{direction="inbound",outcome="answered"} 3
# HELP omnigate_rtp_packets_total RTP packets of closed legs, by leg kind and direction.
# TYPE omnigate_rtp_packets_total counter
omnigate_rtp_packets_total{direction="in",leg="customer"} 250
omnigate_rtp_packets_total{direction="out",leg="customer"} 240
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "omnigate_sip_registrations", "omnigate_calls_total", "omnigate_rtp_packets_total"); err != nil {
		t.Fatal(err)
	}
}

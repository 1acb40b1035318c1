package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

const ns = "omnigate"

// Metrics holds the collectors. It implements routing.Observer.
type Metrics struct {
	offers     *prometheus.CounterVec
	accepts    *prometheus.CounterVec
	declines   *prometheus.CounterVec
	rona       *prometheus.CounterVec
	finished   *prometheus.CounterVec
	answered   *prometheus.CounterVec
	answeredSL *prometheus.CounterVec
	waitTime   *prometheus.HistogramVec
	decision   prometheus.Histogram
	writes     *prometheus.CounterVec
	writeOps   prometheus.Histogram
	writeTime  prometheus.Histogram
}

// Snapshotter gives live figures at scrape time (the routing engine).
type Snapshotter interface{ Stats() routing.Stats }

// New builds and registers every collector. src may be nil (no live gauges), e.g. in
// tests of the counters.
func New(reg prometheus.Registerer, src Snapshotter) (*Metrics, error) {
	m := &Metrics{
		offers: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "offers_total",
			Help: "Offers made to agents."}, []string{"queue", "channel"}),
		accepts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "offers_accepted_total",
			Help: "Offers accepted by agents."}, []string{"queue", "channel"}),
		declines: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "offers_declined_total",
			Help: "Offers declined by agents."}, []string{"queue", "channel"}),
		rona: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "offers_rona_total",
			Help: "Offers not accepted in time (agent put in RONA)."}, []string{"queue", "channel"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "interactions_finished_total",
			Help: "Interactions that reached a final state."}, []string{"channel", "state"}),
		answered: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "queue_answered_total",
			Help: "Contacts answered (accepted) per queue."}, []string{"queue", "channel"}),
		answeredSL: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "queue_answered_within_sl_total",
			Help: "Contacts answered within the queue's service-level threshold. Service level = this / queue_answered_total."}, []string{"queue", "channel"}),
		waitTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "queue_wait_seconds",
			Help: "Time from entering the queue to being accepted.", Buckets: []float64{1, 5, 10, 20, 30, 60, 120, 300, 600}}, []string{"queue", "channel"}),
		decision: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "routing_decision_seconds",
			Help:    "Time to take one routing decision (pick an agent or a contact).",
			Buckets: []float64{1e-7, 5e-7, 1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2}}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "store_writes_total",
			Help: "Store writes (transactions) of the group commit, by result (ok, error)."}, []string{"result"}),
		writeOps: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "store_write_operations",
			Help:    "Operations whose changes one store write carried (group commit batch size).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}}),
		writeTime: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "store_write_seconds",
			Help:    "Time of one store write, sync to disk included.",
			Buckets: []float64{1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.5}}),
	}
	cs := []prometheus.Collector{m.offers, m.accepts, m.declines, m.rona, m.finished, m.answered, m.answeredSL, m.waitTime, m.decision, m.writes, m.writeOps, m.writeTime}
	if src != nil {
		cs = append(cs, &live{src: src})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Offered implements routing.Observer.
func (m *Metrics) Offered(q string, ch session.Channel) {
	m.offers.WithLabelValues(q, ch.String()).Inc()
}

// Accepted implements routing.Observer.
func (m *Metrics) Accepted(q string, ch session.Channel, wait time.Duration, withinSL bool) {
	m.accepts.WithLabelValues(q, ch.String()).Inc()
	m.answered.WithLabelValues(q, ch.String()).Inc()
	if withinSL {
		m.answeredSL.WithLabelValues(q, ch.String()).Inc()
	}
	m.waitTime.WithLabelValues(q, ch.String()).Observe(wait.Seconds())
}

// Declined implements routing.Observer.
func (m *Metrics) Declined(q string, ch session.Channel) {
	m.declines.WithLabelValues(q, ch.String()).Inc()
}

// RONA implements routing.Observer.
func (m *Metrics) RONA(q string, ch session.Channel) { m.rona.WithLabelValues(q, ch.String()).Inc() }

// Finished implements routing.Observer.
func (m *Metrics) Finished(ch session.Channel, st session.State) {
	m.finished.WithLabelValues(ch.String(), st.String()).Inc()
}

// Decision implements routing.Observer.
func (m *Metrics) Decision(d time.Duration) { m.decision.Observe(d.Seconds()) }

// StoreWrite implements routing.Observer.
func (m *Metrics) StoreWrite(changes int, d time.Duration, err error) {
	if err != nil {
		m.writes.WithLabelValues("error").Inc()
		return
	}
	m.writes.WithLabelValues("ok").Inc()
	m.writeOps.Observe(float64(changes))
	m.writeTime.Observe(d.Seconds())
}

var (
	queueDepth = prometheus.NewDesc(ns+"_queue_depth", "Contacts waiting in the queue.", []string{"queue"}, nil)
	oldestWait = prometheus.NewDesc(ns+"_queue_oldest_wait_seconds", "How long the longest-waiting contact has waited.", []string{"queue"}, nil)
	queueAvail = prometheus.NewDesc(ns+"_queue_agents_available", "Agents of the queue who are available.", []string{"queue"}, nil)
	agentsBy   = prometheus.NewDesc(ns+"_agents", "Agents by presence.", []string{"state"}, nil)
	openBy     = prometheus.NewDesc(ns+"_interactions", "Open interactions by channel and state.", []string{"channel", "state"}, nil)
)

// live reads gauges from the engine at scrape time.
type live struct{ src Snapshotter }

func (l *live) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueDepth, oldestWait, queueAvail, agentsBy, openBy} {
		ch <- d
	}
}

func (l *live) Collect(ch chan<- prometheus.Metric) {
	s := l.src.Stats()
	for _, q := range s.Queues {
		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(q.Waiting), q.Name)
		ch <- prometheus.MustNewConstMetric(oldestWait, prometheus.GaugeValue, q.OldestWait.Seconds(), q.Name)
		ch <- prometheus.MustNewConstMetric(queueAvail, prometheus.GaugeValue, float64(q.Available), q.Name)
	}
	for _, p := range session.Presences() {
		ch <- prometheus.MustNewConstMetric(agentsBy, prometheus.GaugeValue, float64(s.Presence[p]), p.String())
	}
	for _, c := range session.Channels() {
		for _, st := range session.States() {
			if st.Final() {
				continue
			}
			ch <- prometheus.MustNewConstMetric(openBy, prometheus.GaugeValue, float64(s.Interactions[c][st]), c.String(), st.String())
		}
	}
}

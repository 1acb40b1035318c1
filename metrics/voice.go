package metrics

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

// VoiceSnapshot is the voice gateway's live figures, read at scrape time. Keys are
// our enums' names (directions, outcomes, WebRTC states), never caller data.
type VoiceSnapshot struct {
	Registrations int
	ActiveCalls   map[string]int       // direction → calls in progress
	Calls         map[[2]string]uint64 // {direction, outcome} → finished calls
	Refused       uint64               // SIP messages refused by the guard
	AuthFailures  uint64
	PortsInUse    int
	PortsTotal    int
	WebRTCLegs    map[string]int // WebRTC connection state → agent legs
}

// VoiceSource gives a VoiceSnapshot (the voice gateway in cmd).
type VoiceSource interface{ VoiceStats() VoiceSnapshot }

// Voice holds the per-leg media histograms (observed as each leg closes) and reads
// the gateway's gauges at scrape time.
type Voice struct {
	packets *prometheus.CounterVec
	loss    *prometheus.HistogramVec
	jitter  *prometheus.HistogramVec
	mos     *prometheus.HistogramVec
}

var (
	regsDesc    = prometheus.NewDesc(ns+"_sip_registrations", "Live desk-phone registrations.", nil, nil)
	activeDesc  = prometheus.NewDesc(ns+"_calls_active", "Calls in progress by direction.", []string{"direction"}, nil)
	callsDesc   = prometheus.NewDesc(ns+"_calls_total", "Finished calls by direction and outcome.", []string{"direction", "outcome"}, nil)
	refusedDesc = prometheus.NewDesc(ns+"_sip_refused_total", "SIP messages refused (malformed, over a limit, unsupported).", nil, nil)
	authDesc    = prometheus.NewDesc(ns+"_sip_auth_failures_total", "SIP requests that failed digest authentication.", nil, nil)
	portsDesc   = prometheus.NewDesc(ns+"_rtp_ports_in_use", "RTP port pairs in use.", nil, nil)
	portsTotal  = prometheus.NewDesc(ns+"_rtp_ports", "RTP port pairs in the pool.", nil, nil)
	webrtcDesc  = prometheus.NewDesc(ns+"_webrtc_legs", "Agent WebRTC legs by connection state.", []string{"state"}, nil)
)

// NewVoice builds and registers the voice collectors.
func NewVoice(reg prometheus.Registerer, src VoiceSource) (*Voice, error) {
	v := &Voice{
		packets: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "rtp_packets_total",
			Help: "RTP packets of closed legs, by leg kind and direction."}, []string{"leg", "direction"}),
		loss: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "rtp_loss_ratio",
			Help: "Share of the far end's packets lost, per closed leg.", Buckets: []float64{0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2}}, []string{"leg"}),
		jitter: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "rtp_jitter_seconds",
			Help: "Interarrival jitter (RFC 3550) per closed leg.", Buckets: []float64{0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1}}, []string{"leg"}),
		mos: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "rtp_mos",
			Help: "MOS estimate (E-model, 1–4.5) per closed leg.", Buckets: []float64{1, 2, 2.5, 3, 3.5, 4, 4.2, 4.4, 4.5}}, []string{"leg"}),
	}
	cs := []prometheus.Collector{v.packets, v.loss, v.jitter, v.mos}
	if src != nil {
		cs = append(cs, &voiceLive{src: src})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Leg records a closed leg's media figures; kind is "customer", "desk-phone" or
// "webrtc".
func (v *Voice) Leg(kind string, packetsIn, packetsOut uint64, loss, jitterSeconds, mos float64) {
	v.packets.WithLabelValues(kind, "in").Add(float64(packetsIn))
	v.packets.WithLabelValues(kind, "out").Add(float64(packetsOut))
	v.loss.WithLabelValues(kind).Observe(loss)
	v.jitter.WithLabelValues(kind).Observe(jitterSeconds)
	if mos > 0 {
		v.mos.WithLabelValues(kind).Observe(mos)
	}
}

type voiceLive struct{ src VoiceSource }

func (l *voiceLive) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{regsDesc, activeDesc, callsDesc, refusedDesc, authDesc, portsDesc, portsTotal, webrtcDesc} {
		ch <- d
	}
}

func (l *voiceLive) Collect(ch chan<- prometheus.Metric) {
	s := l.src.VoiceStats()
	ch <- prometheus.MustNewConstMetric(regsDesc, prometheus.GaugeValue, float64(s.Registrations))
	for _, d := range sortedKeys(s.ActiveCalls) {
		ch <- prometheus.MustNewConstMetric(activeDesc, prometheus.GaugeValue, float64(s.ActiveCalls[d]), d)
	}
	for k, n := range s.Calls {
		ch <- prometheus.MustNewConstMetric(callsDesc, prometheus.CounterValue, float64(n), k[0], k[1])
	}
	ch <- prometheus.MustNewConstMetric(refusedDesc, prometheus.CounterValue, float64(s.Refused))
	ch <- prometheus.MustNewConstMetric(authDesc, prometheus.CounterValue, float64(s.AuthFailures))
	ch <- prometheus.MustNewConstMetric(portsDesc, prometheus.GaugeValue, float64(s.PortsInUse))
	ch <- prometheus.MustNewConstMetric(portsTotal, prometheus.GaugeValue, float64(s.PortsTotal))
	for _, st := range sortedKeys(s.WebRTCLegs) {
		ch <- prometheus.MustNewConstMetric(webrtcDesc, prometheus.GaugeValue, float64(s.WebRTCLegs[st]), st)
	}
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

package webrtc

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v4"
)

// Gateway owns what every WebRTC leg shares: one pion API (G.711 and
// telephone-event only; RTCP reports and receive statistics), one UDP port for all
// ICE, DTLS and SRTP traffic, and the legs themselves.
type Gateway struct {
	cfg  Config
	log  *slog.Logger
	api  *webrtc.API
	mux  ice.UDPMux
	addr netip.AddrPort
	seq  atomic.Uint64

	mu     sync.Mutex
	legs   map[*AgentLeg]struct{}
	closed bool
}

// New validates cfg, binds the UDP port and builds the pion API.
func New(cfg Config, log *slog.Logger) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "webrtc")
	pionLog := pionLogs{log: log}

	ip := net.ParseIP(cfg.ListenIP) // validated
	network, netType := "udp4", webrtc.NetworkTypeUDP4
	if ip.To4() == nil {
		network, netType = "udp6", webrtc.NetworkTypeUDP6
	}
	conn, err := net.ListenUDP(network, &net.UDPAddr{IP: ip, Port: cfg.UDPPort})
	if err != nil {
		return nil, fmt.Errorf("webrtc udp port %s:%d: %w", cfg.ListenIP, cfg.UDPPort, err)
	}
	// One mux for every leg: a mux per PeerConnection loses packets (pion/ice#518).
	mux := webrtc.NewICEUDPMux(pionLog.NewLogger("udpmux"), conn)
	g := &Gateway{
		cfg:  cfg,
		log:  log,
		mux:  mux,
		addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		legs: make(map[*AgentLeg]struct{}),
	}
	api, err := newAPI(cfg, mux, netType, pionLog)
	if err != nil {
		_ = mux.Close()
		return nil, err
	}
	g.api = api
	log.Info("webrtc gateway listening", "addr", g.addr.String(), "public_ips", cfg.PublicIPs)
	return g, nil
}

// newAPI builds the pion API every leg is made from.
func newAPI(cfg Config, mux ice.UDPMux, netType webrtc.NetworkType, pionLog pionLogs) (*webrtc.API, error) {
	m, err := newMediaEngine()
	if err != nil {
		return nil, err
	}
	// Sender and receiver reports (the browser's stats, and ours, depend on them)
	// and pion's receive statistics. No NACK (audio is not retransmitted), no TWCC,
	// no simulcast extensions.
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("rtcp reports: %w", err)
	}
	if err := webrtc.ConfigureStatsInterceptorWithOptions(ir, stats.WithLoggerFactory(pionLog)); err != nil {
		return nil, fmt.Errorf("stats interceptor: %w", err)
	}

	se := webrtc.SettingEngine{LoggerFactory: pionLog}
	se.SetICEUDPMux(mux)
	se.SetNetworkTypes([]webrtc.NetworkType{netType})
	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback)
	// Browsers hide their own host addresses behind mDNS names; the gateway does not
	// need to resolve them (it learns the browser's address from its checks) and must
	// not open a multicast socket per leg.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(cfg.ICEDisconnectedTimeout, cfg.ICEFailedTimeout, cfg.ICEKeepaliveInterval)
	if len(cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        cfg.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, fmt.Errorf("public ips: %w", err)
		}
	}
	return webrtc.NewAPI(
		webrtc.WithMediaEngine(m),
		webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se),
	), nil
}

// LocalAddr returns the UDP address every leg's ICE, DTLS and SRTP use.
func (g *Gateway) LocalAddr() netip.AddrPort { return g.addr }

// Legs returns how many legs are open.
func (g *Gateway) Legs() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.legs)
}

// adopt records a new leg; it reports false once the gateway is closing.
func (g *Gateway) adopt(l *AgentLeg) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.legs[l] = struct{}{}
	return true
}

func (g *Gateway) forget(l *AgentLeg) {
	g.mu.Lock()
	delete(g.legs, l)
	g.mu.Unlock()
}

// Close closes every leg, waiting for each, then the UDP port. NewAgentLeg fails
// with ErrGatewayClosed from the moment Close starts. It is idempotent.
func (g *Gateway) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	legs := make([]*AgentLeg, 0, len(g.legs))
	for l := range g.legs {
		legs = append(legs, l)
	}
	g.mu.Unlock()

	var wg sync.WaitGroup
	for _, l := range legs {
		wg.Go(func() { _ = l.Close() })
	}
	wg.Wait()
	err := g.mux.Close()
	g.log.Info("webrtc gateway closed", "legs_closed", len(legs))
	return err
}

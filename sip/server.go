package sip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Log keys bound on every call's logger.
const (
	logSIPCallID = "sip_call_id"
	logCallID    = "call_id"
	logAgentID   = "agent_id"
)

// handledMethods are the methods we have handlers for, in the order the Allow header
// lists them.
var handledMethods = []string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "UPDATE", "INFO"}

// supportedOptions are the option tags we support (Supported, and Require checks).
var supportedOptions = []string{"timer"}

// byeWait bounds how long a leg waits for the answer to its BYE before it lets go.
const byeWait = 4 * time.Second

// sipgo refuses to write a UDP message over UDPMTUSize-200 bytes, responses included;
// a response to a request with a long Via list (RFC 4475's longreq has 30) would then
// never be sent. IP fragments what the path cannot carry, so allow anything we would
// accept. (A process-wide setting of the stack: this package owns SIP in the process.)
func init() {
	sip.UDPMTUSize = maxMessageSizeCap + 200
}

// Options are the server's collaborators that are not configuration.
type Options struct {
	// Logger receives the server's logs; calls log through children of it.
	Logger *slog.Logger
	// Clock is the time source for registrations and nonces (default time.Now).
	Clock func() time.Time
}

// Server is the SIP gateway: trunks in and out, the registrar, and the call legs.
type Server struct {
	cfg   Config
	calls Calls
	media Media
	log   *slog.Logger
	clock func() time.Time

	ua     *sipgo.UserAgent
	sipsrv *sipgo.Server
	client *sipgo.Client
	guard  *guard
	auth   *authenticator
	reg    *registrar
	conns  *connTracker

	trunks      map[string]*Trunk
	trunkByUser map[string]*Trunk
	users       map[string]bool
	dids        map[string]string
	publicHost  string
	mediaIP     netip.Addr

	mu       sync.Mutex
	udp      net.PacketConn
	tcp      net.Listener
	tlsL     net.Listener
	ports    map[string]int // by lower-case transport
	udpLaddr sip.Addr
	listened bool
	started  bool

	draining atomic.Bool
	closing  atomic.Bool
	stop     chan struct{} // closed when Run's context ends: legs wind down
	ready    chan struct{} // closed when Run serves
	baseCtx  context.Context
	cancel   context.CancelFunc

	legsMu     sync.Mutex
	legs       map[string]*leg // by dialog key
	legsClosed bool            // Run is winding down: no new legs
	legsWG     sync.WaitGroup
	hwg        handlerGroup
	serve      sync.WaitGroup

	counters counters
}

// New builds a server; it does no I/O until Listen or Run.
func New(cfg Config, calls Calls, media Media, opt Options) (*Server, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if calls == nil || media == nil {
		return nil, errors.New("sip: Calls and Media are required")
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	clock := opt.Clock
	if clock == nil {
		clock = time.Now
	}
	s := &Server{
		cfg: cfg, calls: calls, media: media, log: log, clock: clock,
		reg:         newRegistrar(&cfg),
		conns:       newConnTracker(cfg.Limits.MaxConnections, cfg.Limits.MaxConnectionsPerIP),
		trunks:      map[string]*Trunk{},
		trunkByUser: map[string]*Trunk{},
		users:       map[string]bool{},
		dids:        map[string]string{},
		ports:       map[string]int{},
		legs:        map[string]*leg{},
		stop:        make(chan struct{}),
		ready:       make(chan struct{}),
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	ids := map[string]digestSecret{}
	// Inbound passwords become HA1 values and are then forgotten (SECURITY.md §3.3);
	// only the outbound ones, which answer a carrier's challenge, are kept.
	s.cfg.Trunks = slices.Clone(cfg.Trunks)
	s.cfg.Users = slices.Clone(cfg.Users)
	for i := range s.cfg.Trunks {
		t := &s.cfg.Trunks[i]
		if t.Username != "" {
			ids[t.Username] = newDigestSecret(t.Username, cfg.Realm, t.Password)
		}
		t.Password = ""
		s.trunks[t.Name] = t
		if t.Username != "" {
			s.trunkByUser[t.Username] = t
		}
	}
	for i := range s.cfg.Users {
		u := &s.cfg.Users[i]
		s.users[u.Username] = true
		ids[u.Username] = newDigestSecret(u.Username, cfg.Realm, u.Password)
		u.Password = ""
	}
	for did, q := range cfg.DIDs {
		s.dids[didKey(did)] = q
	}
	s.auth = newAuthenticator(cfg.Realm, cfg.digestAlgorithms(), cfg.NonceTTL, ids)
	s.guard = newGuard(cfg.Limits, handledMethods, supportedOptions, log.With("component", "sip-guard"))
	s.publicHost, s.mediaIP = publicAddress(cfg.PublicHost, cfg.Addr)

	parser := sip.NewParser()
	parser.MaxMessageLength = cfg.Limits.MaxMessageSize
	stackLog := log.With("component", "sipgo")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("omnigate"),
		sipgo.WithUserAgentHostname(s.publicHost),
		sipgo.WithUserAgentParser(parser),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(stackLog),
			sip.WithTransactionLayerTerminateOnConnClose(),
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				stackLog.Debug("response matches no transaction", "status", r.StatusCode)
			}),
		),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(stackLog)),
	)
	if err != nil {
		return nil, fmt.Errorf("sip user agent: %w", err)
	}
	s.ua = ua
	if s.sipsrv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(stackLog)); err != nil {
		return nil, fmt.Errorf("sip server: %w", err)
	}
	if s.client, err = sipgo.NewClient(ua, sipgo.WithClientLogger(stackLog), sipgo.WithClientHostname(s.publicHost)); err != nil {
		return nil, fmt.Errorf("sip client: %w", err)
	}
	s.sipsrv.OnInvite(s.handle(s.onInvite))
	s.sipsrv.OnAck(s.handle(s.onAck))
	s.sipsrv.OnBye(s.handle(s.onDialogRequest))
	s.sipsrv.OnUpdate(s.handle(s.onDialogRequest))
	s.sipsrv.OnInfo(s.handle(s.onDialogRequest))
	s.sipsrv.OnCancel(s.handle(s.onCancel))
	s.sipsrv.OnOptions(s.handle(s.onOptions))
	s.sipsrv.OnRegister(s.handle(s.onRegister))
	s.sipsrv.OnNoRoute(s.handle(s.onNoRoute))
	return s, nil
}

// publicAddress picks the host for Contact/Via and the address for SDP.
func publicAddress(public, listen string) (string, netip.Addr) {
	if public != "" {
		if ip, err := netip.ParseAddr(public); err == nil {
			return public, ip.Unmap()
		}
		return public, firstAddress()
	}
	if host, _, err := net.SplitHostPort(listen); err == nil && host != "" {
		if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() {
			return ip.String(), ip.Unmap()
		}
	}
	ip := firstAddress()
	return ip.String(), ip
}

// firstAddress is this machine's first non-loopback IPv4 address, or 127.0.0.1.
func firstAddress() netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					ip = ip.Unmap()
					if ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
						return ip
					}
				}
			}
		}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// Listen binds the sockets (UDP and TCP on Addr, TLS on TLSAddr when configured) so
// that Addr reports the ports before Run. Run calls it when nobody has.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listened {
		return nil
	}
	udp, tcp, err := listenPair(s.cfg.Addr)
	if err != nil {
		return err
	}
	s.udp, s.tcp = udp, tcp
	s.ports["udp"] = int(addrOf(udp.LocalAddr()).Port())
	s.ports["tcp"] = int(addrOf(tcp.Addr()).Port())
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			udp.Close()
			tcp.Close()
			return fmt.Errorf("sip tls certificate: %w", err)
		}
		l, err := tls.Listen("tcp", s.cfg.TLSAddr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		if err != nil {
			udp.Close()
			tcp.Close()
			return fmt.Errorf("sip listen tls %s: %w", s.cfg.TLSAddr, err)
		}
		s.tlsL = l
		s.ports["tls"] = int(addrOf(l.Addr()).Port())
	}
	// Requests we send over UDP leave from the listening socket, so replies and NAT
	// bindings find us on the port we advertise. sipgo finds that socket by its local
	// address string, so use it only when ours prints the same way.
	la := addrOf(udp.LocalAddr())
	cand := sip.Addr{IP: net.IP(la.Addr().AsSlice()), Port: int(la.Port())}
	if cand.String() == udp.LocalAddr().String() {
		s.udpLaddr = cand
	}
	s.listened = true
	return nil
}

// listenPair binds UDP and TCP on the same port. With port 0 the kernel picks the UDP
// port, and the TCP one may be taken already: then it tries again (bounded).
func listenPair(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sip listen %s: %w", addr, err)
	}
	for attempt := 0; ; attempt++ {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("sip listen udp %s: %w", addr, err)
		}
		_, udpPort, _ := net.SplitHostPort(udp.LocalAddr().String())
		tcp, err := net.Listen("tcp", net.JoinHostPort(host, udpPort))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if port != "0" || attempt == 20 {
			return nil, nil, fmt.Errorf("sip listen tcp %s: %w", addr, err)
		}
	}
}

// Addr is the local address a transport ("udp", "tcp", "tls") listens on, valid after
// Listen.
func (s *Server) Addr(transport string) netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch strings.ToLower(transport) {
	case "udp":
		if s.udp != nil {
			return addrOf(s.udp.LocalAddr())
		}
	case "tcp":
		if s.tcp != nil {
			return addrOf(s.tcp.Addr())
		}
	case "tls":
		if s.tlsL != nil {
			return addrOf(s.tlsL.Addr())
		}
	}
	return netip.AddrPort{}
}

// Run serves until ctx ends. Then it ends every call (BYE for answered ones, 503 for
// the rest), closes the sockets and returns once every goroutine it started, and every
// handler running in the SIP stack, has returned.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("sip: Run called twice")
	}
	s.started = true
	udp, tcp, tlsL := s.udp, s.tcp, s.tlsL
	s.mu.Unlock()

	errc := make(chan error, 3)
	s.serve.Go(func() { errc <- s.sipsrv.ServeUDP(newGuardedPacketConn(udp, s.guard)) })
	s.serve.Go(func() { errc <- s.sipsrv.ServeTCP(&guardedListener{Listener: tcp, g: s.guard, conns: s.conns}) })
	if tlsL != nil {
		s.serve.Go(func() { errc <- s.sipsrv.ServeTLS(&guardedListener{Listener: tlsL, g: s.guard, conns: s.conns}) })
	}
	// Requests we send over UDP leave from the listening socket, which the stack
	// finds in its pool once ServeUDP has registered it; wait for that (bounded).
	for i := 0; i < 1000 && s.ua.TransportLayer().Pool("udp").Size() == 0; i++ {
		time.Sleep(time.Millisecond) // polling the stack's state, not a correctness sleep
	}
	close(s.ready)
	s.log.Info("sip listening", "udp", s.Addr("udp"), "tcp", s.Addr("tcp"), "tls", s.Addr("tls"), "public_host", s.publicHost)

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		runErr = fmt.Errorf("sip serve: %w", err)
	}

	// Wind down: refuse new work, end the calls while the transport still carries
	// their BYEs, then close the sockets and the stack.
	s.closing.Store(true)
	s.guard.closing.Store(true)
	s.legsMu.Lock()
	s.legsClosed = true
	s.legsMu.Unlock()
	close(s.stop)
	s.legsWG.Wait()
	s.hwg.closeAndWait()
	udp.Close()
	tcp.Close()
	if tlsL != nil {
		tlsL.Close()
	}
	s.serve.Wait()
	s.cancel()
	s.ua.Close()
	s.conns.closeAll()
	<-s.conns.idle()
	return runErr
}

// Ready is closed once Run serves on every socket.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Drain makes the server refuse new calls (503 with Retry-After) and answer OPTIONS
// with 503, so that carriers and load balancers move on; calls in progress carry on.
func (s *Server) Drain() {
	if !s.draining.Swap(true) {
		s.log.Info("sip draining")
	}
}

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.draining.Load() }

// Registrations returns the live bindings of an agent's desk phone, newest first.
func (s *Server) Registrations(agent string) []Binding {
	return s.reg.lookup(agent, s.clock())
}

// handlerGroup tracks the handlers the SIP stack runs on its own goroutines, so Run
// can wait for them; once closed, new ones are turned away.
type handlerGroup struct {
	mu     sync.Mutex
	n      int
	closed bool
	zero   chan struct{}
}

func (g *handlerGroup) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *handlerGroup) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 && g.zero != nil {
		close(g.zero)
		g.zero = nil
	}
}

func (g *handlerGroup) closeAndWait() {
	g.mu.Lock()
	g.closed = true
	if g.n == 0 {
		g.mu.Unlock()
		return
	}
	z := make(chan struct{})
	g.zero = z
	g.mu.Unlock()
	<-z
}

// handle wraps a handler so Run knows it is running.
func (s *Server) handle(h func(*sip.Request, sip.ServerTransaction)) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !s.hwg.enter() {
			// Run has wound down, but the stack was still busy with a request read just
			// before, and has opened a socket to answer it (its pools were emptied):
			// answer, then close whatever it opened.
			if !req.IsAck() {
				s.respond(tx, req, 503, "Service Unavailable", nil)
			}
			s.sweepStack()
			return
		}
		defer s.hwg.leave()
		h(req, tx)
	}
}

// sweepStack closes every connection the stack holds.
func (s *Server) sweepStack() {
	for _, n := range []string{"udp", "tcp", "tls"} {
		if p := s.ua.TransportLayer().Pool(n); p != nil {
			_ = p.Clear()
		}
	}
}

// respond sends a response built from req; errors only go to the debug log, since the
// peer retransmits or gives up on its own.
func (s *Server) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond", "status", code, "err", err)
	}
}

// respondErr answers with the status statusFor chooses for err.
func (s *Server) respondErr(tx sip.ServerTransaction, req *sip.Request, err error, hdrs ...sip.Header) {
	code, reason := statusFor(err)
	if code == 503 {
		hdrs = append(hdrs, sip.NewHeader("Retry-After", "30"))
	}
	s.respond(tx, req, code, reason, nil, hdrs...)
}

func (s *Server) allowHeader() sip.Header {
	return sip.NewHeader("Allow", strings.Join(handledMethods, ", "))
}

func (s *Server) supportedHeader() sip.Header {
	return sip.NewHeader("Supported", strings.Join(supportedOptions, ", "))
}

// port is our listening port for a transport.
func (s *Server) port(transport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ports[strings.ToLower(transport)]
}

// contact is our Contact for a transport.
func (s *Server) contact(transport string) *sip.ContactHeader {
	u := sip.Uri{Scheme: "sip", User: "omnigate", Host: s.publicHost, Port: s.port(transport)}
	if tp := strings.ToLower(transport); tp != "" && tp != "udp" {
		if tp == "tls" {
			u.Scheme = "sips"
		} else {
			u.UriParams = sip.NewParams()
			u.UriParams.Add("transport", tp)
		}
	}
	return &sip.ContactHeader{Address: u}
}

// addVia is the client request option for requests we originate: our Via with a fresh
// branch and rport, sent from the listening UDP socket.
func (s *Server) addVia(_ *sipgo.Client, req *sip.Request) error {
	tp := strings.ToUpper(req.Transport())
	via := &sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: tp, Host: s.publicHost, Port: s.port(tp), Params: sip.NewParams()}
	via.Params.Add("branch", sip.GenerateBranchN(16))
	via.Params.Add("rport", "")
	req.PrependHeader(via)
	if req.MaxForwards() == nil {
		mf := sip.MaxForwardsHeader(70)
		req.AppendHeader(&mf)
	}
	if req.Body() == nil {
		req.SetBody(nil)
	}
	if tp == "UDP" && s.udpLaddr.IP != nil {
		req.Laddr = s.udpLaddr
	}
	return nil
}

// newID is a random hex id.
func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// sourceOf is the address a request came from.
func sourceOf(req *sip.Request) netip.AddrPort {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// onOptions answers capability queries and keep-alives: 200, or 503 while draining
// (an in-dialog OPTIONS is a keep-alive of a call that goes on, so it gets 200).
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if toTag(req) != "" {
		if s.lookupLeg(req) == nil {
			s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
			return
		}
	} else if s.draining.Load() || s.closing.Load() {
		s.respond(tx, req, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "30"))
		return
	}
	s.respond(tx, req, 200, "OK", nil, s.allowHeader(), sip.NewHeader("Accept", "application/sdp"), s.supportedHeader())
}

// onCancel sees only CANCELs the transaction layer matched to no INVITE.
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
}

func (s *Server) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	if req.IsAck() {
		return
	}
	if knownMethods[string(req.Method)] {
		s.respond(tx, req, 405, "Method Not Allowed", nil, s.allowHeader())
		return
	}
	s.respond(tx, req, 501, "Not Implemented", nil, s.allowHeader())
}

// toTag and fromTag read the dialog tags of a message.
func toTag(m interface{ To() *sip.ToHeader }) string {
	if t := m.To(); t != nil {
		v, _ := t.Params.Get("tag")
		return v
	}
	return ""
}

func fromTag(m interface{ From() *sip.FromHeader }) string {
	if f := m.From(); f != nil {
		v, _ := f.Params.Get("tag")
		return v
	}
	return ""
}

// dialogKey names a dialog from our side: Call-ID, our tag, the peer's tag.
func dialogKey(callID, local, remote string) string {
	return callID + "\x00" + local + "\x00" + remote
}

// lookupLeg finds the leg an in-dialog request belongs to: the request's To tag is our
// tag, its From tag the peer's.
func (s *Server) lookupLeg(req *sip.Request) *leg {
	cid := req.CallID()
	if cid == nil {
		return nil
	}
	s.legsMu.Lock()
	defer s.legsMu.Unlock()
	return s.legs[dialogKey(cid.Value(), toTag(req), fromTag(req))]
}

func (s *Server) addLeg(key string, l *leg) {
	s.legsMu.Lock()
	s.legs[key] = l
	s.legsMu.Unlock()
}

func (s *Server) removeLeg(key string, l *leg) {
	s.legsMu.Lock()
	if s.legs[key] == l {
		delete(s.legs, key)
	}
	s.legsMu.Unlock()
}

// onAck hands an ACK for a 2xx to its leg; an ACK for nothing is dropped.
func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if l := s.lookupLeg(req); l != nil {
		l.post(legEvent{kind: evkAck, req: req})
	}
}

// onDialogRequest hands BYE, UPDATE and INFO to their leg's goroutine and waits until
// it has answered.
func (s *Server) onDialogRequest(req *sip.Request, tx sip.ServerTransaction) {
	l := s.lookupLeg(req)
	if l == nil {
		s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	s.toLeg(l, req, tx)
}

// toLeg posts an in-dialog request to its leg and waits for the leg to answer it; when
// the leg has gone in between, the call is over: a BYE still gets 200, the rest 481.
func (s *Server) toLeg(l *leg, req *sip.Request, tx sip.ServerTransaction) {
	done := make(chan struct{})
	ok := l.post(legEvent{kind: evkRequest, req: req, tx: tx, done: done})
	if ok {
		select {
		case <-done:
			return
		case <-l.done:
			select {
			case <-done:
				return
			default:
			}
		}
	}
	if req.Method == sip.BYE {
		s.respond(tx, req, 200, "OK", nil)
		return
	}
	s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
}

// Stats is a snapshot of the server's counters for the metrics package.
type Stats struct {
	// Registrations is the number of live desk-phone bindings.
	Registrations int
	// ActiveCalls counts calls in progress by direction.
	ActiveCalls map[Direction]int
	// Calls counts finished calls by direction and outcome, since the start.
	Calls map[CallKey]uint64
	// Refused counts messages the guard refused (malformed, over a limit, unsupported).
	Refused uint64
	// AuthFailures counts requests challenged again after sending credentials.
	AuthFailures uint64
}

// CallKey is a direction and an outcome.
type CallKey struct {
	Direction Direction
	Outcome   Outcome
}

type counters struct {
	active       [numDirections]atomic.Int64
	outcomes     [numDirections][numOutcomes]atomic.Uint64
	authFailures atomic.Uint64
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Registrations: s.reg.count(s.clock()),
		ActiveCalls:   map[Direction]int{},
		Calls:         map[CallKey]uint64{},
		Refused:       s.guard.refused.Load(),
		AuthFailures:  s.counters.authFailures.Load(),
	}
	for d := range numDirections {
		st.ActiveCalls[d] = int(s.counters.active[d].Load())
		for o := range numOutcomes {
			st.Calls[CallKey{d, o}] = s.counters.outcomes[d][o].Load()
		}
	}
	return st
}

func (s *Server) activeCalls() int64 {
	var n int64
	for d := range numDirections {
		n += s.counters.active[d].Load()
	}
	return n
}

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }

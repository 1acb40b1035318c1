package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/omnigate/omnigate/internal/testkit"
	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: every server and peer is
// stopped in t.Cleanup, and Run waits for everything it started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testLogger writes to the test log when -v is given, and nowhere otherwise.
func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(&tlogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type tlogWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *tlogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// fakeMedia hands out loopback RTP addresses and records what it is told.
type fakeMedia struct {
	mu        sync.Mutex
	next      uint16
	connects  map[string][]mediaConnect
	released  map[string]int
	allocated map[string]int
	failAlloc error
	connected chan mediaConnect
}

type mediaConnect struct {
	callID string
	remote netip.AddrPort
	codec  string
	dtmf   uint8
}

func newFakeMedia() *fakeMedia {
	return &fakeMedia{next: 40000, connects: map[string][]mediaConnect{}, released: map[string]int{}, allocated: map[string]int{}, connected: make(chan mediaConnect, 64)}
}

func (m *fakeMedia) Allocate(_ context.Context, callID string) (netip.AddrPort, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.allocated[callID]++
	if m.failAlloc != nil {
		return netip.AddrPort{}, m.failAlloc
	}
	m.next += 2
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), m.next), nil
}

func (m *fakeMedia) Connect(callID string, remote netip.AddrPort, codec string, dtmf uint8) error {
	c := mediaConnect{callID, remote, codec, dtmf}
	m.mu.Lock()
	m.connects[callID] = append(m.connects[callID], c)
	m.mu.Unlock()
	select {
	case m.connected <- c:
	default:
	}
	return nil
}

func (m *fakeMedia) Release(callID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.released[callID]++
}

func (m *fakeMedia) connectsOf(callID string) []mediaConnect {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mediaConnect(nil), m.connects[callID]...)
}

func (m *fakeMedia) releasedOf(callID string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.released[callID]
}

// balanced reports whether every allocation was released exactly once.
func (m *fakeMedia) balanced() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, n := range m.allocated {
		if m.released[id] != n {
			return fmt.Errorf("call %s: allocated %d, released %d", id, n, m.released[id])
		}
	}
	for id := range m.released {
		if m.allocated[id] == 0 {
			return fmt.Errorf("call %s released without allocation", id)
		}
	}
	return nil
}

// fakeCalls is the business side: Incoming hands the call to the test (or runs a hook)
// and returns the configured error.
type fakeCalls struct {
	incoming chan *Call
	ended    chan endedCall
	holds    chan holdEvent
	mu       sync.Mutex
	refuse   error
	onIncome func(*Call) error
}

type endedCall struct {
	call   *Call
	reason string
}

type holdEvent struct {
	call *Call
	held bool
}

func newFakeCalls() *fakeCalls {
	return &fakeCalls{incoming: make(chan *Call, 64), ended: make(chan endedCall, 64), holds: make(chan holdEvent, 64)}
}

func (f *fakeCalls) Incoming(_ context.Context, c *Call) error {
	f.mu.Lock()
	refuse, hook := f.refuse, f.onIncome
	f.mu.Unlock()
	if hook != nil {
		return hook(c)
	}
	if refuse != nil {
		return refuse
	}
	f.incoming <- c
	return nil
}

func (f *fakeCalls) Ended(c *Call, reason string) { f.ended <- endedCall{c, reason} }
func (f *fakeCalls) Hold(c *Call, held bool)      { f.holds <- holdEvent{c, held} }

func (f *fakeCalls) setRefuse(err error) {
	f.mu.Lock()
	f.refuse = err
	f.mu.Unlock()
}

func (f *fakeCalls) setHook(h func(*Call) error) {
	f.mu.Lock()
	f.onIncome = h
	f.mu.Unlock()
}

// recv waits (bounded) for a value from ch.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// nothing asserts that ch stays empty for a short while (used only to check that an
// event does not come twice, after the event we waited for came).
func nothing[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(100 * time.Millisecond):
	}
}

// testEnv is a running server with fakes.
type testEnv struct {
	t     *testing.T
	srv   *Server
	calls *fakeCalls
	media *fakeMedia
	clock *fakeClock
	// stopRun ends Run and waits for it (the cleanup does it too).
	stopRun func()
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testConfig is the demo shape: DIDs 1000 and 2000, a trunk on loopback, bob and carol.
func testConfig() Config {
	return Config{
		Addr:       "127.0.0.1:0",
		PublicHost: "127.0.0.1",
		Trunks: []Trunk{
			{Name: "carrier", Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
			{Name: "digest-carrier", Username: "trunkuser", Password: "trunkpass"},
		},
		DIDs:  map[string]string{"1000": "sales", "2000": "support"},
		Users: []User{{Username: "bob", Password: "bob"}, {Username: "carol", Password: "carol"}},
	}
}

func newEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	cfg := testConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	e := &testEnv{t: t, calls: newFakeCalls(), media: newFakeMedia(), clock: &fakeClock{now: time.Now()}}
	srv, err := New(cfg, e.calls, e.media, Options{Logger: testLogger(t), Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	var once sync.Once
	e.stopRun = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("Run did not return")
			}
			if err := e.media.balanced(); err != nil {
				t.Errorf("media: %v", err)
			}
		})
	}
	t.Cleanup(e.stopRun)
	return e
}

func (e *testEnv) udpAddr() string { return e.srv.Addr("udp").String() }
func (e *testEnv) tcpAddr() string { return e.srv.Addr("tcp").String() }

// peer is a real sipgo user agent on loopback: a carrier, or a desk phone.
type peer struct {
	t    *testing.T
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	cli  *sipgo.Client
	addr netip.AddrPort
	tp   string

	byes    chan *sip.Request
	invites chan peerInvite
	dlgs    *sipgo.DialogServerCache
}

type peerInvite struct {
	req *sip.Request
	tx  sip.ServerTransaction
}

// newPeer starts a user agent listening on a loopback port of transport ("udp" or
// "tcp"); its requests leave from that port.
func newPeer(t *testing.T, transport string) *peer {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, ua: ua, tp: transport, byes: make(chan *sip.Request, 16), invites: make(chan peerInvite, 16)}
	p.srv, _ = sipgo.NewServer(ua)
	var (
		serve    func() error
		listener io.Closer
	)
	switch transport {
	case "udp":
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.addr = addrOf(pc.LocalAddr())
		serve = func() error { return p.srv.ServeUDP(pc) }
		listener = pc
	case "tcp":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.addr = addrOf(l.Addr())
		serve = func() error { return p.srv.ServeTCP(l) }
		listener = l
	}
	opts := []sipgo.ClientOption{sipgo.WithClientHostname("127.0.0.1")}
	if transport == "udp" {
		opts = append(opts, sipgo.WithClientConnectionAddr(p.addr.String()))
	} else {
		opts = append(opts, sipgo.WithClientPort(int(p.addr.Port())))
	}
	p.cli, _ = sipgo.NewClient(ua, opts...)
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: int(p.addr.Port())}}
	if transport == "tcp" {
		contact.Address.UriParams = sip.NewParams()
		contact.Address.UriParams.Add("transport", "tcp")
	}
	p.dlgs = sipgo.NewDialogServerCache(p.cli, contact)
	p.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := p.dlgs.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
		p.byes <- req
	})
	p.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { p.dlgs.ReadAck(req, tx) })
	p.srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		p.invites <- peerInvite{req, tx}
		<-tx.Done() // the handler must live as long as the INVITE transaction does
	})
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	t.Cleanup(func() {
		ua.Close()
		listener.Close()
		<-errc
	})
	if transport == "udp" {
		// Our requests leave from the listening socket once the stack has it in its pool.
		deadline := time.Now().Add(5 * time.Second)
		for ua.TransportLayer().Pool("udp").Size() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("peer UDP listener never registered")
			}
			time.Sleep(time.Millisecond) // polling the stack's state
		}
	}
	return p
}

func (p *peer) contact() sip.ContactHeader {
	c := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: int(p.addr.Port())}}
	if p.tp == "tcp" {
		c.Address.UriParams = sip.NewParams()
		c.Address.UriParams.Add("transport", "tcp")
	}
	return c
}

// invite calls DID did on the server from this peer, with SDP body (nil: late offer).
func (p *peer) invite(ctx context.Context, srvAddr, did string, body []byte, hdrs ...sip.Header) (*sipgo.DialogClientSession, error) {
	dua := sipgo.DialogUA{Client: p.cli, ContactHDR: p.contact()}
	host, port, _ := sip.ParseAddr(srvAddr)
	uri := sip.Uri{Scheme: "sip", User: did, Host: host, Port: port}
	if p.tp == "tcp" {
		uri.UriParams = sip.NewParams()
		uri.UriParams.Add("transport", "tcp")
	}
	if body != nil {
		hdrs = append(hdrs, sip.NewHeader("Content-Type", "application/sdp"))
	}
	return dua.Invite(ctx, uri, body, hdrs...)
}

// offerSDP is a carrier's offer: PCMU, PCMA and telephone-event at rtp.
func offerSDP(rtp string, extra ...string) []byte {
	host, port, _ := strings.Cut(rtp, ":")
	s := "v=0\r\no=carrier 1 1 IN IP4 " + host + "\r\ns=-\r\nc=IN IP4 " + host + "\r\nt=0 0\r\n" +
		"m=audio " + port + " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
	for _, x := range extra {
		s += x + "\r\n"
	}
	return []byte(s)
}

// tortureDir is the shared RFC 4475/5118 corpus, read in place (never copied here).
func tortureDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "sip-torture")
	_, err := os.Stat(filepath.Join(dir, "manifest.tsv"))
	testkit.RequirePeer(t, "the torture corpus at "+dir, err)
	return dir
}

var errTest = errors.New("test")

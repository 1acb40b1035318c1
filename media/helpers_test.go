package media

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/transport/v4/deadline"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// eventually polls cond until it holds or five seconds pass: tests wait on state,
// never on a sleep.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// nextPoolBase spreads test pools over 20000–29999 (below Linux's ephemeral range, so
// kernel-chosen ports of peers do not land in them), starting at a per-process offset
// so two test processes rarely meet; the pool skips ports in use anyway.
var nextPoolBase atomic.Int32

func init() { nextPoolBase.Store(int32(20000 + (os.Getpid()%50)*200)) }

func newTestPool(t testing.TB, pairs int) *PortPool {
	t.Helper()
	base := int(nextPoolBase.Add(int32(2*pairs))) - 2*pairs
	if base+2*pairs >= 30000 {
		nextPoolBase.Store(20000)
		base = 20000
	}
	p, err := NewPortPool(PortPoolConfig{Min: base, Max: base + 2*pairs})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newTestLeg allocates a pair and starts a leg on it, closed at cleanup.
func newTestLeg(t testing.TB, pool *PortPool, cfg RTPLegConfig) *RTPLeg {
	t.Helper()
	pair, err := pool.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ID == "" {
		cfg.ID = t.Name()
	}
	l, err := NewRTPLeg(pair, cfg)
	if err != nil {
		pair.Release()
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// peer is a far end on loopback: a carrier, a phone.
type peer struct {
	t    testing.TB
	conn *net.UDPConn
	ssrc uint32
	seq  uint16
	ts   uint32
	buf  [2048]byte
}

func newPeer(t testing.TB) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &peer{t: t, conn: c, ssrc: 0x1234, seq: 1000, ts: 50000}
}

func (p *peer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *peer) sendRaw(to netip.AddrPort, b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		p.t.Fatal(err)
	}
}

// send sends pkt with the peer's SSRC and next sequence number (and the timestamp
// pkt carries, if any; else the peer's running one).
func (p *peer) send(to netip.AddrPort, pt uint8, payload []byte) rtp.Header {
	p.t.Helper()
	h := rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}
	p.seq++
	p.ts += uint32(len(payload))
	p.sendPacket(to, &rtp.Packet{Header: h, Payload: payload})
	return h
}

func (p *peer) sendPacket(to netip.AddrPort, pkt *rtp.Packet) {
	p.t.Helper()
	b, err := pkt.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	p.sendRaw(to, b)
}

// recv returns the next RTP packet within the timeout, and false on timeout.
func (p *peer) recv(timeout time.Duration) (*rtp.Packet, bool) {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(timeout))
	n, _, err := p.conn.ReadFromUDPAddrPort(p.buf[:])
	if err != nil {
		return nil, false
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(append([]byte(nil), p.buf[:n]...)); err != nil {
		p.t.Fatalf("peer got a non-RTP datagram: %v", err)
	}
	return &pkt, true
}

func (p *peer) mustRecv() *rtp.Packet {
	p.t.Helper()
	pkt, ok := p.recv(5 * time.Second)
	if !ok {
		p.t.Fatal("peer: no packet within 5s")
	}
	return pkt
}

// memLeg is a Leg in memory: packets pushed into in are read, written ones are kept
// (or only marshalled, for benchmarks).
type memLeg struct {
	id      string
	codec   Codec
	dtmf    uint8
	in      chan []byte
	dl      *deadline.Deadline
	closed  chan struct{}
	discard bool

	mu      sync.Mutex
	wbuf    [MaxPacketSize]byte
	written []*rtp.Packet
}

var _ Leg = (*memLeg)(nil)

func newMemLeg(id string, c Codec, dtmf uint8) *memLeg {
	return &memLeg{id: id, codec: c, dtmf: dtmf, in: make(chan []byte, 64), dl: deadline.New(), closed: make(chan struct{})}
}

func (m *memLeg) ID() string             { return m.id }
func (m *memLeg) Codec() Codec           { return m.codec }
func (m *memLeg) DTMFPayloadType() uint8 { return m.dtmf }
func (m *memLeg) Stats() LegStats        { return LegStats{} }
func (m *memLeg) Close() error           { close(m.closed); return nil }
func (m *memLeg) SetReadDeadline(t time.Time) error {
	m.dl.Set(t)
	return nil
}

func (m *memLeg) ReadRTP(p *rtp.Packet, buf []byte) error {
	select {
	case <-m.dl.Done():
		return os.ErrDeadlineExceeded
	default:
	}
	select {
	case b := <-m.in:
		n := copy(buf, b)
		return p.Unmarshal(buf[:n])
	case <-m.dl.Done():
		return os.ErrDeadlineExceeded
	case <-m.closed:
		return ErrClosed
	}
}

func (m *memLeg) WriteRTP(p *rtp.Packet) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := p.MarshalTo(m.wbuf[:])
	if err != nil || m.discard {
		return err
	}
	var q rtp.Packet
	if err := q.Unmarshal(append([]byte(nil), m.wbuf[:n]...)); err != nil {
		return err
	}
	m.written = append(m.written, &q)
	return nil
}

func (m *memLeg) packets() []*rtp.Packet {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*rtp.Packet(nil), m.written...)
}

package media

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Log keys used by this package.
const (
	logLegID  = "leg_id"
	logRemote = "remote"
)

const (
	// DefaultMediaTimeout ends a SIP call whose far end has sent nothing this long.
	DefaultMediaTimeout = 30 * time.Second
	// DefaultRelatchGuard is how long the latched source must be quiet before media
	// from another address may take over.
	DefaultRelatchGuard = 500 * time.Millisecond
)

// RTPLegConfig configures a SIP-side leg.
type RTPLegConfig struct {
	// ID names the leg in logs (e.g. the SIP call-id and a side).
	ID string
	// Codec is the negotiated audio codec: PCMU or PCMA.
	Codec Codec
	// DTMFPayloadType is the negotiated telephone-event payload type; 0 means none.
	DTMFPayloadType uint8
	// Remote is the media address from the far end's SDP; the zero value means not
	// known yet (we offered and wait for the answer, or we latch only).
	Remote netip.AddrPort
	// MediaTimeout is how long the far end may send nothing at all before OnTimeout
	// fires; 0 means DefaultMediaTimeout and a negative value disables it.
	MediaTimeout time.Duration
	// OnTimeout is called once, on the leg's reader goroutine, when MediaTimeout
	// passes without a packet. It must return quickly and must not call Close; it
	// hands "media timeout" to the call's owner.
	OnTimeout func()
	// OnDTMF is called once per key press the far end sends as RFC 4733 events
	// (DTMFPayloadType), on the leg's reader goroutine, whoever reads or relays the
	// leg meanwhile. It must return quickly and must not call Close.
	OnDTMF func(digit byte)
	// RelatchGuard is how long the latched source must be silent before another
	// address can take over; 0 means DefaultRelatchGuard.
	RelatchGuard time.Duration
	// Logger gets the leg's few log lines; nil discards them.
	Logger *slog.Logger
}

// Validate reports an unusable configuration.
func (c *RTPLegConfig) Validate() error {
	if !c.Codec.IsAudio() {
		return fmt.Errorf("rtp leg %q codec %v: %w", c.ID, c.Codec, ErrUnsupportedCodec)
	}
	if c.DTMFPayloadType > 127 || c.DTMFPayloadType != 0 && c.DTMFPayloadType < 96 {
		return fmt.Errorf("rtp leg %q telephone-event payload type %d is not dynamic: %w", c.ID, c.DTMFPayloadType, ErrInvalidConfig)
	}
	return nil
}

// datagramReader is the one place the leg reads its RTP socket. read waits for
// datagrams and hands each, filled (N and From set), to deliver, which returns the
// buffer to fill next; it returns with the read deadline, a socket error or Close.
// On Linux it is mmsgReader (recv_linux.go: recvmmsg from the poller's readiness
// callback, one receive syscall per packet); elsewhere singleReader.
type datagramReader interface {
	read(deliver func(*PacketBuf) *PacketBuf) error
}

// sender is the one place the leg sends on its RTP socket: on Linux rawSender
// (recv_linux.go: sendto as a raw syscall), elsewhere udpSender.
type sender interface {
	send(b []byte, to netip.AddrPort) error
}

type udpSender struct{ conn *net.UDPConn }

func (s udpSender) send(b []byte, to netip.AddrPort) error {
	_, err := s.conn.WriteToUDPAddrPort(b, to)
	return err
}

// singleReader reads one datagram per read with ReadFromUDPAddrPort.
type singleReader struct {
	conn *net.UDPConn
	buf  *PacketBuf
}

func (r *singleReader) read(deliver func(*PacketBuf) *PacketBuf) error {
	n, from, err := r.conn.ReadFromUDPAddrPort(r.buf.Data[:])
	if err != nil {
		return err
	}
	r.buf.N, r.buf.From = n, from
	r.buf = deliver(r.buf)
	return nil
}

// RTPLeg is a SIP-side leg: an RTP/RTCP port pair from the PortPool, symmetric RTP
// latching, RFC 3550 receive statistics and a media timeout.
//
// Its own reader goroutine reads the RTP socket for the leg's whole life, whether or
// not anyone relays it, so statistics, latching and the timeout never depend on a
// bridge being up. While a Bridge relays the leg, that goroutine relays each accepted
// packet itself, in the same pass as the read (no hand-off, no second wake-up), and
// ReadRTP gets nothing. Otherwise accepted packets wait in a PacketQueue for ReadRTP;
// when nobody reads, the oldest are dropped. RTCP is read at the reader's periodic
// checks on Linux (pollRTCP), by a second goroutine elsewhere. Close stops them and
// waits.
type RTPLeg struct {
	id      string
	codec   Codec
	audioPT uint8
	dtmfPT  uint8
	guard   time.Duration
	log     *slog.Logger
	pair    *PortPair
	conn    *net.UDPConn
	epoch   time.Time

	// Reader goroutine only.
	rd       datagramReader
	deliver  func(*PacketBuf) *PacketBuf  // l.accept, bound once
	rtcpFrom func([]byte, netip.AddrPort) // l.rtcpNow, bound once
	hdr      rtp.Header                   // parsed in place, so CSRC and extension slices are reused
	payload  []byte                       // the payload of the packet ingest last accepted, in its buffer

	q *PacketQueue // hand-off to ReadRTP

	// direct is the bridge direction that relays this leg's packets on the reader
	// goroutine itself, nil when packets go to the queue. dmu is held by the reader
	// while it calls direct, so detachDirect can wait out a call in flight.
	direct  atomic.Pointer[direction]
	dmu     sync.Mutex
	drained *direction // the attached direction the queue was last drained into; reader only

	mu    sync.Mutex // guards latch, rx and the counters below them
	latch latch
	rx    rxStats
	in    struct {
		packets, bytes, ignored, rejected, rtcp uint64
		last                                    time.Time
		remote                                  rtcpReport
		haveRemote                              bool
	}

	wmu      sync.Mutex
	wbuf     [MaxPacketSize]byte
	snd      sender // under wmu
	dest     atomic.Pointer[netip.AddrPort]
	outPkts  atomic.Uint64
	outBytes atomic.Uint64

	timeout   atomic.Int64 // ns; ≤ 0 disabled
	lastRx    atomic.Int64 // ns since epoch of the last accepted packet (or timeout restart)
	timedOut  atomic.Bool
	onTimeout func()
	onDTMF    func(byte)
	dtmf      DTMFDetector // reader goroutine only

	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

var (
	_ Leg          = (*RTPLeg)(nil)
	_ directSource = (*RTPLeg)(nil)
)

// NewRTPLeg starts a leg on pair, which it owns from now on: Close releases it.
func NewRTPLeg(pair *PortPair, cfg RTPLegConfig) (*RTPLeg, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	audioPT, _ := cfg.Codec.StaticPayloadType()
	l := &RTPLeg{
		id:        cfg.ID,
		codec:     cfg.Codec,
		audioPT:   audioPT,
		dtmfPT:    cfg.DTMFPayloadType,
		guard:     cfg.RelatchGuard,
		log:       cfg.Logger,
		pair:      pair,
		conn:      pair.RTP,
		epoch:     time.Now(),
		q:         NewPacketQueue(),
		onTimeout: cfg.OnTimeout,
		onDTMF:    cfg.OnDTMF,
		closed:    make(chan struct{}),
	}
	if l.guard == 0 {
		l.guard = DefaultRelatchGuard
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.log = l.log.With(logLegID, cfg.ID)
	l.rd = newDatagramReader(l.conn, l.q.First())
	l.snd = newSender(l.conn)
	l.deliver = l.accept
	l.rtcpFrom = l.rtcpNow
	if cfg.Remote.IsValid() {
		r := cfg.Remote
		l.dest.Store(&r)
	}
	l.SetMediaTimeout(cfg.MediaTimeout)
	l.wg.Add(1)
	go l.readLoop()
	if !rtcpPolled {
		l.wg.Add(1)
		go l.rtcpLoop()
	}
	return l, nil
}

// ID returns the leg's name.
func (l *RTPLeg) ID() string { return l.id }

// Codec returns the negotiated audio codec.
func (l *RTPLeg) Codec() Codec { return l.codec }

// DTMFPayloadType returns the telephone-event payload type, 0 if none.
func (l *RTPLeg) DTMFPayloadType() uint8 { return l.dtmfPT }

// LocalAddr returns the RTP address to put in our SDP.
func (l *RTPLeg) LocalAddr() netip.AddrPort { return l.pair.LocalAddr() }

// Remote returns where the leg sends: the latched source, else the SDP address; the
// zero value when neither is known.
func (l *RTPLeg) Remote() netip.AddrPort {
	if d := l.dest.Load(); d != nil {
		return *d
	}
	return netip.AddrPort{}
}

// SetRemote takes a new SDP address (a re-INVITE moved the media). Sending goes there
// at once, and the next packet from any source latches afresh.
func (l *RTPLeg) SetRemote(addr netip.AddrPort) {
	if addr.IsValid() {
		l.dest.Store(&addr)
	}
	l.mu.Lock()
	l.latch = latch{}
	l.mu.Unlock()
}

// SetMediaTimeout changes the media timeout (0 means the default, negative disables
// it, as while the far end is on hold and may legitimately send nothing) and restarts
// its clock. Once the timeout has fired it never fires again.
func (l *RTPLeg) SetMediaTimeout(d time.Duration) {
	if d == 0 {
		d = DefaultMediaTimeout
	}
	l.lastRx.Store(int64(time.Since(l.epoch)))
	l.timeout.Store(int64(d))
}

// checkEvery is how often the reader wakes to look at the media timeout.
func (l *RTPLeg) checkEvery() time.Duration {
	to := time.Duration(l.timeout.Load())
	if to <= 0 {
		return time.Second
	}
	return min(max(to/4, 10*time.Millisecond), time.Second)
}

func (l *RTPLeg) readLoop() {
	defer l.wg.Done()
	next := time.Now().Add(l.checkEvery())
	_ = l.conn.SetReadDeadline(next)
	for {
		err := l.rd.read(l.deliver)
		if err != nil && !isTimeout(err) {
			if l.ended(err) {
				return
			}
			// Transient socket errors (an ICMP error surfaced by the kernel, say) do
			// not end the leg; the media timeout covers a socket that stays broken.
			l.log.Debug("rtp read", "err", err)
		}
		if now := time.Now(); !now.Before(next) {
			if rtcpPolled {
				buf := rtcpBufs.Get().(*[MaxPacketSize]byte)
				pollRTCP(l.pair.RTCP, buf[:], l.rtcpFrom)
				rtcpBufs.Put(buf)
			}
			l.checkTimeout(now)
			next = now.Add(l.checkEvery())
			_ = l.conn.SetReadDeadline(next)
		}
	}
}

// accept takes one datagram from the reader: ingested, then relayed on the spot when
// a bridge is attached, else queued for ReadRTP. It returns the buffer to fill next.
func (l *RTPLeg) accept(b *PacketBuf) *PacketBuf {
	now := time.Now()
	if l.ingest(b, now) && !l.relayDirect(b, now) {
		return l.q.Push(b, now)
	}
	return b
}

// relayDirect hands an accepted packet to the attached bridge direction, on the
// reader goroutine, and reports whether there was one; the buffer stays the reader's.
// Packets that were queued before the direction attached go first, if still fresh.
// With nothing attached it costs one atomic load.
func (l *RTPLeg) relayDirect(b *PacketBuf, now time.Time) bool {
	if l.direct.Load() == nil {
		return false
	}
	l.dmu.Lock()
	d := l.direct.Load() // again under dmu: detachDirect may have run meanwhile
	if d != nil {
		if d != l.drained {
			// First packet since d attached: what was queued goes first, then the
			// queue's spare buffers are let go while d relays.
			l.q.drainTo(d, now)
			l.q.release()
			l.drained = d
		}
		d.relayParsed(&l.hdr, l.payload) // the header ingest parsed: no second parse
	}
	l.dmu.Unlock()
	return d != nil
}

// attachDirect makes the reader goroutine relay every accepted packet through d
// instead of queueing it for ReadRTP. A later attach replaces an earlier one.
func (l *RTPLeg) attachDirect(d *direction) { l.direct.Store(d) }

// detachDirect stops relaying through d (if d is still the one attached) and returns
// once no call into d is in flight, so d is never called again. It must not be
// called from d itself (from OnDTMF).
func (l *RTPLeg) detachDirect(d *direction) {
	l.direct.CompareAndSwap(d, nil)
	// The empty critical section waits out the reader's call in flight, if any.
	l.dmu.Lock()
	//lint:ignore SA2001 waiting is the point
	l.dmu.Unlock()
}

// ended tells a read error that means the leg is closing from a transient one.
func (l *RTPLeg) ended(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		return true
	}
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ingest validates, latches and counts one datagram and reports whether it should be
// handed to the reader. It never panics on any input (see FuzzRTPIngest).
func (l *RTPLeg) ingest(b *PacketBuf, now time.Time) bool {
	if b.N > MaxPacketSize {
		l.reject()
		return false
	}
	data := b.Data[:b.N]
	if isRTCP(data) {
		l.rtcpIn(data, b.From, now)
		return false
	}
	h := &l.hdr
	payload, ok := validRTP(data, h)
	isDTMF := l.dtmfPT != 0 && h.PayloadType == l.dtmfPT
	switch {
	case !ok, h.PayloadType != l.audioPT && !isDTMF, len(payload) == 0, isDTMF && len(payload) < DTMFEventSize:
		l.reject()
		return false
	}

	l.mu.Lock()
	next, verdict := l.latch.next(b.From, now, l.guard)
	if verdict == latchIgnored {
		l.in.ignored++
		l.mu.Unlock()
		return false
	}
	l.latch = next
	if !l.rx.update(h.SSRC, h.SequenceNumber) {
		l.in.rejected++
		l.mu.Unlock()
		return false
	}
	if !isDTMF { // telephone-event repeats its start timestamp: no jitter sample
		l.rx.arrival(int64(now.Sub(l.epoch))*ClockRate/int64(time.Second), h.Timestamp)
	}
	l.in.packets++
	l.in.bytes += uint64(len(data))
	l.in.last = now
	l.mu.Unlock()

	l.lastRx.Store(int64(now.Sub(l.epoch)))
	if verdict == latchNew {
		if d := l.dest.Load(); d == nil || *d != b.From {
			src := b.From
			l.dest.Store(&src)
			l.log.Info("rtp latched", logRemote, src.String())
		}
	}
	if isDTMF && l.onDTMF != nil {
		if digit, ok := l.dtmf.feed(h, payload); ok {
			l.onDTMF(digit)
		}
	}
	l.payload = payload
	return true
}

// validRTP checks what the RTP parser leaves to us (version 2, the padding count)
// and fills h. It returns the payload.
func validRTP(data []byte, h *rtp.Header) ([]byte, bool) {
	if len(data) < 12 || data[0]>>6 != 2 {
		return nil, false
	}
	n, err := h.Unmarshal(data)
	if err != nil {
		return nil, false
	}
	end := len(data)
	if h.Padding {
		pad := int(data[end-1])
		if pad == 0 || end-pad < n || end <= n {
			return nil, false
		}
		end -= pad
	}
	return data[n:end], true
}

func (l *RTPLeg) reject() {
	l.mu.Lock()
	l.in.rejected++
	l.mu.Unlock()
}

// ReadRTP returns the next accepted packet from the far end (see Leg). Packets that
// waited longer than 200 ms are skipped and counted as dropped. While a Bridge relays
// the leg directly, packets go to the bridge instead and ReadRTP waits.
func (l *RTPLeg) ReadRTP(p *rtp.Packet, buf []byte) error { return l.q.Read(p, buf) }

// SetReadDeadline sets the deadline for ReadRTP only; the leg's own reading of its
// socket goes on.
func (l *RTPLeg) SetReadDeadline(t time.Time) error {
	l.q.SetReadDeadline(t)
	return nil
}

// WriteRTP marshals p and sends it to the latched source, or to the SDP address
// before anything latched.
func (l *RTPLeg) WriteRTP(p *rtp.Packet) error {
	dst := l.dest.Load()
	if dst == nil {
		return ErrNoRemote
	}
	l.wmu.Lock()
	n, err := p.MarshalTo(l.wbuf[:])
	if err == nil {
		err = l.snd.send(l.wbuf[:n], *dst)
	}
	l.wmu.Unlock()
	if err != nil {
		return err
	}
	l.outPkts.Add(1)
	l.outBytes.Add(uint64(n))
	return nil
}

// rtcpLoop reads the RTCP port for the far end's reports where the reader cannot poll
// it (rtcpPolled). RTCP counts as "a packet" for the media timeout only when it comes
// from the latched peer's host.
func (l *RTPLeg) rtcpLoop() {
	defer l.wg.Done()
	var buf [MaxPacketSize]byte
	for {
		n, from, err := l.pair.RTCP.ReadFromUDPAddrPort(buf[:])
		if err != nil {
			if l.ended(err) {
				return
			}
			continue
		}
		l.rtcpIn(buf[:n], from, time.Now())
	}
}

// rtcpBufs lends the readers a buffer for the RTCP they poll once a second or so.
var rtcpBufs = sync.Pool{New: func() any { return new([MaxPacketSize]byte) }}

// rtcpNow takes an RTCP datagram the reader polled (pollRTCP).
func (l *RTPLeg) rtcpNow(b []byte, from netip.AddrPort) { l.rtcpIn(b, from, time.Now()) }

func (l *RTPLeg) rtcpIn(b []byte, from netip.AddrPort, now time.Time) {
	rep, ok := parseRTCP(b)
	l.mu.Lock()
	l.in.rtcp++
	peer := l.latch.ok && l.latch.src.Addr() == from.Addr()
	if ok && peer {
		l.in.remote, l.in.haveRemote = rep, true
	}
	l.mu.Unlock()
	if peer {
		l.lastRx.Store(int64(now.Sub(l.epoch)))
	}
}

func (l *RTPLeg) checkTimeout(now time.Time) {
	to := l.timeout.Load()
	if to <= 0 || l.timedOut.Load() {
		return
	}
	if int64(now.Sub(l.epoch))-l.lastRx.Load() < to {
		return
	}
	if l.timedOut.CompareAndSwap(false, true) {
		l.log.Info("media timeout", "after", time.Duration(to))
		if l.onTimeout != nil {
			l.onTimeout()
		}
	}
}

// Stats returns the leg's counters and quality estimate.
func (l *RTPLeg) Stats() LegStats {
	l.mu.Lock()
	s := LegStats{
		PacketsIn: l.in.packets,
		BytesIn:   l.in.bytes,
		Expected:  l.rx.expected(),
		Lost:      l.rx.lost(),
		Jitter:    l.rx.jitterDuration(),
		Ignored:   l.in.ignored,
		Rejected:  l.in.rejected,
		RTCPIn:    l.in.rtcp,
	}
	if !l.in.last.IsZero() {
		s.LastPacket = l.in.last
	}
	if l.in.haveRemote {
		s.RemoteFractionLost = float64(l.in.remote.fractionLost) / 256
		s.RemoteJitter = time.Duration(l.in.remote.jitter) * time.Second / ClockRate
	}
	l.mu.Unlock()
	s.PacketsOut = l.outPkts.Load()
	s.BytesOut = l.outBytes.Load()
	s.Dropped = l.q.Dropped()
	loss := 0.0
	if s.Expected > 0 && s.Lost > 0 {
		loss = float64(s.Lost) / float64(s.Expected)
	}
	s.MOS = EstimateMOS(loss, s.Jitter, 0)
	return s
}

// Close stops the leg, releases its ports and waits for its goroutines. It is
// idempotent. It must not be called from OnTimeout.
func (l *RTPLeg) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.closed)
		l.q.Close()
		err = l.pair.Release()
		l.wg.Wait()
	})
	return err
}

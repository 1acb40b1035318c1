package media

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func frameOf(b byte) []byte {
	f := make([]byte, FrameSamples)
	for i := range f {
		f[i] = b
	}
	return f
}

func TestRTPLegConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  RTPLegConfig
		want error
	}{
		{RTPLegConfig{Codec: PCMU}, nil},
		{RTPLegConfig{Codec: PCMA, DTMFPayloadType: 101}, nil},
		{RTPLegConfig{Codec: CN}, ErrUnsupportedCodec},
		{RTPLegConfig{Codec: TelephoneEvent}, ErrUnsupportedCodec},
		{RTPLegConfig{Codec: PCMU, DTMFPayloadType: 8}, ErrInvalidConfig},
		{RTPLegConfig{Codec: PCMU, DTMFPayloadType: 128}, ErrInvalidConfig},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("%+v: %v, want %v", tt.cfg, err, tt.want)
		}
	}
}

// TestRTPLegLatching: the far end's SDP names one address, its media comes from
// another (NAT). The leg sends to the SDP address until the first packet, then latches
// to where media really comes from and ignores everyone else.
func TestRTPLegLatching(t *testing.T) {
	pool := newTestPool(t, 2)
	sdp, nat := newPeer(t), newPeer(t)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, Remote: sdp.addr(), RelatchGuard: time.Hour})
	out := &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 9, SequenceNumber: 1}, Payload: frameOf(0xFF)}

	// Before anything arrives: send to the SDP address.
	if err := leg.WriteRTP(out); err != nil {
		t.Fatal(err)
	}
	if got := sdp.mustRecv(); got.SSRC != 9 {
		t.Fatalf("SDP peer got SSRC %d", got.SSRC)
	}

	// The first packet comes from an unexpected port: latch to it.
	nat.send(leg.LocalAddr(), 0, frameOf(0x11))
	var p rtp.Packet
	buf := make([]byte, 1500)
	if err := leg.ReadRTP(&p, buf); err != nil || p.Payload[0] != 0x11 {
		t.Fatalf("read: %v %v", err, p.Payload)
	}
	eventually(t, "latch to the NAT address", func() bool { return leg.Remote() == nat.addr() })
	if err := leg.WriteRTP(out); err != nil {
		t.Fatal(err)
	}
	nat.mustRecv()

	// The SDP address now sends too: ignored, while the latched source keeps going.
	sdp.send(leg.LocalAddr(), 0, frameOf(0x22))
	sdp.send(leg.LocalAddr(), 0, frameOf(0x22))
	nat.send(leg.LocalAddr(), 0, frameOf(0x33))
	if err := leg.ReadRTP(&p, buf); err != nil || p.Payload[0] != 0x33 {
		t.Fatalf("read after stray packets: %v, payload %x", err, p.Payload[:1])
	}
	eventually(t, "ignored count", func() bool { return leg.Stats().Ignored == 2 })
	st := leg.Stats()
	if st.PacketsIn != 2 || st.BytesIn != 2*(12+FrameSamples) || st.PacketsOut != 2 || st.BytesOut != 2*(12+FrameSamples) {
		t.Errorf("stats %+v", st)
	}
	if st.LastPacket.IsZero() || st.Expected != 2 || st.Lost != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestRTPLegRelatchAfterGuard(t *testing.T) {
	pool := newTestPool(t, 2)
	first, second := newPeer(t), newPeer(t)
	second.ssrc = 0xBEEF
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMA, RelatchGuard: 50 * time.Millisecond})
	first.send(leg.LocalAddr(), 8, frameOf(0xD5))
	eventually(t, "first latch", func() bool { return leg.Remote() == first.addr() })
	// The carrier moves media to another server with a new SSRC; the old one is quiet.
	// Its packets are ignored until the guard has passed, then it takes over.
	eventually(t, "re-latch to the new source", func() bool {
		second.send(leg.LocalAddr(), 8, frameOf(0xD5))
		return leg.Remote() == second.addr()
	})
	eventually(t, "stats of the new source", func() bool { return leg.Stats().PacketsIn >= 2 })
	if st := leg.Stats(); st.Lost != 0 {
		t.Errorf("a source switch counted as loss: %+v", st)
	}
}

func TestRTPLegStatsLossAndMOS(t *testing.T) {
	pool := newTestPool(t, 1)
	far := newPeer(t)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU})
	for i := range 100 {
		if i%10 == 3 { // 10 % loss
			far.seq++
			continue
		}
		far.send(leg.LocalAddr(), 0, frameOf(0xFF))
	}
	eventually(t, "90 packets in", func() bool { return leg.Stats().PacketsIn == 90 })
	st := leg.Stats()
	if st.Expected != 100 || st.Lost != 10 {
		t.Errorf("expected %d lost %d, want 100 and 10", st.Expected, st.Lost)
	}
	if st.MOS > 3.8 || st.MOS < 1 {
		t.Errorf("MOS %.2f with 10 %% loss", st.MOS)
	}
	if st.Dropped == 0 { // nobody read: the queue kept only the newest few
		t.Errorf("nothing dropped with no reader: %+v", st)
	}
}

func TestRTPLegRejectsMalformed(t *testing.T) {
	pool := newTestPool(t, 1)
	far := newPeer(t)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, DTMFPayloadType: 101})
	valid := func(pt uint8, payload []byte) []byte {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: 7, SSRC: 1}, Payload: payload}).Marshal()
		return b
	}
	v1 := valid(0, frameOf(1))
	v1[0] = 0x40 // version 1
	badPad := valid(0, frameOf(1))
	badPad[0] |= 0x20
	badPad[len(badPad)-1] = 200 // padding longer than the payload
	bad := [][]byte{
		{0x80, 0x00, 0x01},       // shorter than a header
		v1,                       // not version 2
		valid(18, frameOf(1)),    // G.729: not negotiated
		valid(8, frameOf(1)),     // PCMA on a PCMU leg
		valid(101, []byte{1, 2}), // telephone-event too short
		valid(0, nil),            // no payload
		badPad,                   // padding past the payload
		append(valid(0, frameOf(1)), make([]byte, 1500)...), // over the MTU
		{0x8F, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1},    // 15 CSRCs announced, none there
	}
	for _, b := range bad {
		far.sendRaw(leg.LocalAddr(), b)
	}
	// Muxed RTCP is counted as RTCP, not as RTP.
	far.sendRaw(leg.LocalAddr(), []byte{0x80, 201, 0, 1, 0, 0, 0, 1})
	far.send(leg.LocalAddr(), 0, frameOf(0x42))
	var p rtp.Packet
	if err := leg.ReadRTP(&p, make([]byte, 1500)); err != nil || p.Payload[0] != 0x42 {
		t.Fatalf("valid packet after junk: %v %x", err, p.Payload)
	}
	eventually(t, "rejections counted", func() bool { return leg.Stats().Rejected == uint64(len(bad)) })
	if st := leg.Stats(); st.PacketsIn != 1 || st.RTCPIn != 1 || leg.Remote() != far.addr() {
		t.Errorf("stats %+v remote %v", st, leg.Remote())
	}
}

func TestRTPLegMediaTimeout(t *testing.T) {
	pool := newTestPool(t, 2)
	fired := make(chan struct{}, 4)
	onTimeout := func() { fired <- struct{}{} }

	// Silent far end: fires once.
	silent := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, MediaTimeout: 200 * time.Millisecond, OnTimeout: onTimeout})
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("media timeout did not fire")
	}
	select {
	case <-fired:
		t.Fatal("media timeout fired twice")
	case <-time.After(600 * time.Millisecond): // three more timeouts' worth of checks
	}
	_ = silent

	// A far end that keeps sending never times out. The timeout is generous against
	// the 20 ms packet interval so that a loaded CI machine pausing the sender for a
	// moment does not count as silence.
	talked := make(chan struct{}, 4)
	talking := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, MediaTimeout: time.Second, OnTimeout: func() { talked <- struct{}{} }})
	far := newPeer(t)
	tick := time.NewTicker(FrameDuration)
	defer tick.Stop()
	for range 150 { // 3 s of audio, three timeouts long
		far.send(talking.LocalAddr(), 0, frameOf(0xFF))
		select {
		case <-talked:
			t.Fatal("media timeout fired while media flowed")
		case <-tick.C:
		}
	}
}

func TestRTPLegMediaTimeoutDisabled(t *testing.T) {
	pool := newTestPool(t, 1)
	fired := make(chan struct{}, 1)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, MediaTimeout: 100 * time.Millisecond, OnTimeout: func() { fired <- struct{}{} }})
	leg.SetMediaTimeout(-1) // on hold: the far end may send nothing
	select {
	case <-fired:
		t.Fatal("disabled media timeout fired")
	case <-time.After(400 * time.Millisecond):
	}
}

func TestRTPLegRTCPReport(t *testing.T) {
	pool := newTestPool(t, 1)
	far := newPeer(t)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU})
	far.send(leg.LocalAddr(), 0, frameOf(0xFF))
	eventually(t, "latch", func() bool { return leg.Remote().IsValid() })
	rtcpAddr := netip.AddrPortFrom(leg.LocalAddr().Addr(), leg.LocalAddr().Port()+1)
	far.sendRaw(rtcpAddr, []byte{
		0x81, 201, 0x00, 0x07, 0, 0, 0, 1,
		0, 0, 0, 2, 64, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0x01, 0x40, 0, 0, 0, 0, 0, 0, 0, 0,
	})
	eventually(t, "RTCP report", func() bool { return leg.Stats().RTCPIn == 1 })
	st := leg.Stats()
	if st.RemoteFractionLost != 0.25 || st.RemoteJitter != 40*time.Millisecond {
		t.Errorf("remote report: lost %v jitter %v", st.RemoteFractionLost, st.RemoteJitter)
	}
}

func TestRTPLegDeadlineAndClose(t *testing.T) {
	pool := newTestPool(t, 1)
	far := newPeer(t)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, Remote: far.addr()})
	var p rtp.Packet
	buf := make([]byte, 1500)

	leg.SetReadDeadline(time.Now())
	if err := leg.ReadRTP(&p, buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past deadline: %v", err)
	}
	// A blocked read is woken by a deadline set from elsewhere.
	done := make(chan error, 1)
	leg.SetReadDeadline(time.Time{})
	go func() { done <- leg.ReadRTP(&p, buf) }()
	leg.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("blocked read: %v", err)
	}
	leg.SetReadDeadline(time.Time{})
	far.send(leg.LocalAddr(), 0, frameOf(0xFF))
	if err := leg.ReadRTP(&p, make([]byte, 20)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("small buffer: %v", err)
	}

	go func() { done <- leg.ReadRTP(&p, buf) }()
	if err := leg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("read across Close: %v", err)
	}
	if err := leg.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if pool.InUse() != 0 {
		t.Errorf("port not returned: InUse %d", pool.InUse())
	}
	if err := (&RTPLeg{}).WriteRTP(&p); !errors.Is(err, ErrNoRemote) {
		t.Errorf("write with no remote: %v", err)
	}
}

func TestRTPLegSetRemoteRelatches(t *testing.T) {
	pool := newTestPool(t, 1)
	a, b := newPeer(t), newPeer(t)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, RelatchGuard: time.Hour})
	a.send(leg.LocalAddr(), 0, frameOf(0xFF))
	eventually(t, "latch a", func() bool { return leg.Remote() == a.addr() })
	leg.SetRemote(b.addr()) // re-INVITE moved the media
	if leg.Remote() != b.addr() {
		t.Fatalf("remote %v", leg.Remote())
	}
	b.send(leg.LocalAddr(), 0, frameOf(0xFF))
	eventually(t, "b accepted", func() bool { return leg.Stats().PacketsIn == 2 })
}

// A leg reports each key press the far end sends once, whoever reads the leg (here:
// nobody), from the RFC 4733 start, repeats and triple end packets.
func TestRTPLegReportsDTMF(t *testing.T) {
	pool := newTestPool(t, 1)
	digits := make(chan byte, 8)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, DTMFPayloadType: 101, OnDTMF: func(d byte) { digits <- d }})
	far := newPeer(t)
	send := func(seq uint16, ts uint32, ev DTMFEvent) {
		buf := make([]byte, DTMFEventSize)
		if _, err := ev.MarshalTo(buf); err != nil {
			t.Fatal(err)
		}
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: seq, Timestamp: ts, SSRC: 7}, Payload: buf}
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		far.sendRaw(leg.LocalAddr(), raw)
	}
	seq := uint16(1)
	for _, press := range []struct {
		digit byte
		ts    uint32
	}{{'5', 1000}, {'#', 5000}} {
		ev, _ := DigitEvent(press.digit)
		for i := 0; i < 3; i++ {
			send(seq, press.ts, DTMFEvent{Event: ev, Duration: uint16(160 * (i + 1))})
			seq++
		}
		for i := 0; i < 3; i++ {
			send(seq, press.ts, DTMFEvent{Event: ev, End: true, Duration: 640})
			seq++
		}
	}
	var got []byte
	for len(got) < 2 {
		select {
		case d := <-digits:
			got = append(got, d)
		case <-time.After(5 * time.Second):
			t.Fatalf("digits = %q, want 5#", got)
		}
	}
	select {
	case d := <-digits:
		t.Fatalf("extra digit %q after %q", d, got)
	case <-time.After(200 * time.Millisecond):
	}
	if string(got) != "5#" {
		t.Fatalf("digits = %q, want 5#", got)
	}
}

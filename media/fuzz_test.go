package media

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// newIngestLeg is an RTPLeg without sockets or goroutines, for driving ingest directly.
func newIngestLeg() *RTPLeg {
	return &RTPLeg{
		id: "fuzz", codec: PCMU, audioPT: 0, dtmfPT: 101,
		guard: DefaultRelatchGuard, log: slog.New(slog.DiscardHandler),
		epoch: time.Now(), closed: make(chan struct{}), q: NewPacketQueue(),
	}
}

func marshalSeed(p *rtp.Packet) []byte {
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzRTPIngest feeds arbitrary datagrams from two sources to a leg's ingest and the
// accepted ones on through a bridge direction. Invariants: nothing panics; each
// datagram is counted exactly once (accepted, ignored, rejected or RTCP); what is
// accepted parses as version-2 RTP of a negotiated payload type with a payload, and
// audio comes out of the relay the same length.
func FuzzRTPIngest(f *testing.F) {
	audio := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, Timestamp: 160, SSRC: 7}, Payload: frameOf(0xFF)}
	f.Add(marshalSeed(audio), false)
	dtmf := dtmfPackets(7, 2, 320, '5')[3]
	f.Add(marshalSeed(dtmf), false)
	withExt := audio.Clone()
	_ = withExt.SetExtension(1, []byte{0xAA})
	f.Add(marshalSeed(withExt), true)
	withCSRC := audio.Clone()
	withCSRC.CSRC = []uint32{1, 2}
	f.Add(marshalSeed(withCSRC), false)
	padded := audio.Clone()
	padded.Padding, padded.PaddingSize = true, 4
	f.Add(marshalSeed(padded), false)
	f.Add([]byte{0x81, 201, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 64, 0, 0, 3, 0, 0, 0, 9, 0, 0, 1, 0x40, 0, 0, 0, 0, 0, 0, 0, 0}, false)
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0xFF, 0xFF}, false) // extension length past the end
	f.Add([]byte{0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, false)                   // padding count 0
	f.Add([]byte{0x80}, true)

	srcA := netip.MustParseAddrPort("192.0.2.1:4000")
	srcB := netip.MustParseAddrPort("192.0.2.2:4000")
	f.Fuzz(func(t *testing.T, data []byte, other bool) {
		l := newIngestLeg()
		to := newMemLeg("to", PCMA, 96)
		to.discard = true
		d := newDirection(l, NewOutbound(to), nil, l.log)
		for i, from := range []netip.AddrPort{srcA, srcB, srcA} {
			if i == 1 && !other {
				continue
			}
			before := l.Stats()
			b := &PacketBuf{From: from}
			b.N = copy(b.Data[:], data)
			if len(data) > len(b.Data) {
				b.N = len(b.Data) // what a truncating read returns
			}
			ok := l.ingest(b, time.Now())
			after := l.Stats()
			counted := (after.PacketsIn - before.PacketsIn) + (after.Ignored - before.Ignored) +
				(after.Rejected - before.Rejected) + (after.RTCPIn - before.RTCPIn)
			if counted != 1 {
				t.Fatalf("datagram counted %d times: %+v → %+v", counted, before, after)
			}
			if ok != (after.PacketsIn > before.PacketsIn) {
				t.Fatalf("accepted %v but PacketsIn %d → %d", ok, before.PacketsIn, after.PacketsIn)
			}
			if !ok {
				continue
			}
			var p rtp.Packet
			if err := p.Unmarshal(b.Data[:b.N]); err != nil {
				t.Fatalf("accepted a packet pion cannot parse: %v", err)
			}
			if p.Version != 2 || (p.PayloadType != 0 && p.PayloadType != 101) || len(p.Payload) == 0 {
				t.Fatalf("accepted %+v with %d payload bytes", p.Header, len(p.Payload))
			}
			if p.PayloadType == 101 && len(p.Payload) < DTMFEventSize {
				t.Fatalf("accepted a %d-byte telephone-event", len(p.Payload))
			}
			n := len(p.Payload)
			d.relay(&p)
			if p.PayloadType == 0 || p.PayloadType == 8 {
				if len(p.Payload) != n || p.PayloadType != 8 {
					t.Fatalf("audio relayed as PT %d, %d bytes", p.PayloadType, len(p.Payload))
				}
			}
		}
	})
}

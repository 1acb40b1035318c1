package webrtc

import (
	"testing"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/rtp"
)

// BenchmarkWriteRTP measures one packet to the browser through the leg: our payload
// type mapping, pion's interceptors (reports, statistics) and SRTP.
func BenchmarkWriteRTP(b *testing.B) {
	g := newTestGateway(b)
	l := newTestLeg(b, g, "bench")
	br := newBrowser(b)
	connect(b, l, br)
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: uint8(media.PCMU)}, Payload: make([]byte, media.FrameSamples)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.SequenceNumber, p.Timestamp = uint16(i), uint32(i*media.FrameSamples)
		if err := l.WriteRTP(&p); err != nil {
			b.Fatal(err)
		}
	}
}

package media

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func pkt(ssrc uint32, seq uint16, ts uint32) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: ssrc, SequenceNumber: seq, Timestamp: ts}, Payload: frameOf(0xFF)}
}

// checkContinuous fails unless ps is one stream: the Outbound's SSRC, sequence
// numbers +1 each, timestamps never backwards (telephone-event packets repeat theirs).
// It returns the timestamp steps.
func checkContinuous(t *testing.T, ssrc uint32, ps []*rtp.Packet) []uint32 {
	t.Helper()
	var steps []uint32
	for i, p := range ps {
		if p.SSRC != ssrc {
			t.Fatalf("packet %d: SSRC %x, want %x", i, p.SSRC, ssrc)
		}
		if i == 0 {
			continue
		}
		if p.SequenceNumber != ps[i-1].SequenceNumber+1 {
			t.Fatalf("packet %d: seq %d after %d", i, p.SequenceNumber, ps[i-1].SequenceNumber)
		}
		step := p.Timestamp - ps[i-1].Timestamp
		if int32(step) < 0 {
			t.Fatalf("packet %d: timestamp %d after %d", i, p.Timestamp, ps[i-1].Timestamp)
		}
		steps = append(steps, step)
	}
	return steps
}

func TestOutboundRewrite(t *testing.T) {
	leg := newMemLeg("a", PCMU, 0)
	o := NewOutbound(leg)
	t0 := time.Unix(0, 0)
	w := o.Claim()
	write := func(p *rtp.Packet, at time.Duration) {
		t.Helper()
		if err := o.write(w.gen, p, t0.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	// Source 1: 3 packets, every 20 ms.
	for i := range 3 {
		write(pkt(111, 500+uint16(i), 9000+uint32(i)*160), time.Duration(i)*FrameDuration)
	}
	// Source 2 (SSRC change, wild numbers) 100 ms after the last packet.
	write(pkt(222, 60000, 7), 140*time.Millisecond)
	write(pkt(222, 60001, 167), 160*time.Millisecond)
	// A claim by another writer, right away: at least one frame of timestamp.
	w = o.Claim()
	write(pkt(111, 5, 5), 160*time.Millisecond)

	ps := leg.packets()
	steps := checkContinuous(t, o.SSRC(), ps)
	want := []uint32{160, 160, 800, 160, 160}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("timestamp steps %v, want %v", steps, want)
			break
		}
	}
	for i, p := range ps {
		if marker := i == 0 || i == 3 || i == 5; p.Marker != marker {
			t.Errorf("packet %d: marker %v", i, p.Marker)
		}
	}
	if st := o.Stats(); st.Packets != 6 || st.Rebases != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestOutboundKeepsUpstreamGapsAndHidesDrops(t *testing.T) {
	leg := newMemLeg("a", PCMU, 0)
	o := NewOutbound(leg)
	w := o.Claim()
	now := time.Now()
	_ = o.write(w.gen, pkt(1, 10, 0), now)
	_ = o.write(w.gen, pkt(1, 12, 320), now) // 11 was lost upstream: the gap stays
	w.Drop()                                 // 13 we filtered ourselves: no gap
	_ = o.write(w.gen, pkt(1, 14, 640), now)
	ps := leg.packets()
	if d1, d2 := ps[1].SequenceNumber-ps[0].SequenceNumber, ps[2].SequenceNumber-ps[1].SequenceNumber; d1 != 2 || d2 != 1 {
		t.Errorf("sequence steps %d, %d; want 2 (upstream loss), 1 (our drop)", d1, d2)
	}
	if ps[2].Timestamp-ps[0].Timestamp != 640 {
		t.Errorf("timestamps not shifted as a block")
	}
}

func TestOutboundSupersededAndStripped(t *testing.T) {
	leg := newMemLeg("a", PCMU, 0)
	o := NewOutbound(leg)
	old := o.Claim()
	cur := o.Claim()
	p := pkt(1, 1, 1)
	p.CSRC = []uint32{7}
	if err := p.SetExtension(1, []byte{9}); err != nil {
		t.Fatal(err)
	}
	p.Padding, p.PaddingSize = true, 4
	if err := old.WriteRTP(p); !errors.Is(err, ErrSuperseded) {
		t.Fatalf("old claim: %v", err)
	}
	old.Drop() // no effect on the current claim
	if err := cur.WriteRTP(p); err != nil {
		t.Fatal(err)
	}
	got := leg.packets()[0]
	if len(got.CSRC) != 0 || got.Extension || got.Padding || len(got.Payload) != FrameSamples {
		t.Errorf("hop-specific header fields survived: %+v", got.Header)
	}
	if st := o.Stats(); st.Superseded != 1 || st.Packets != 1 {
		t.Errorf("stats %+v", st)
	}
	noRemote := NewOutbound(&RTPLeg{})
	if err := noRemote.Claim().WriteRTP(pkt(1, 1, 1)); !errors.Is(err, ErrNoRemote) || noRemote.Stats().Errors != 1 {
		t.Errorf("no remote: %v", err)
	}
}

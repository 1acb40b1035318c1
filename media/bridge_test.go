package media

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"go.uber.org/goleak"
)

// bridgeRig is two SIP legs on loopback, each with its far end, and a bridge.
type bridgeRig struct {
	legA, legB   *RTPLeg
	outA, outB   *Outbound
	farA, farB   *peer
	mu           sync.Mutex
	digits       []string // "leg:digit"
	br           *Bridge
	beforeBridge goleak.Option
}

func newBridgeRig(t *testing.T, cA, cB Codec, dtmfA, dtmfB uint8) *bridgeRig {
	t.Helper()
	pool := newTestPool(t, 2)
	r := &bridgeRig{farA: newPeer(t), farB: newPeer(t)}
	r.farB.ssrc = 0xB0B
	r.legA = newTestLeg(t, pool, RTPLegConfig{ID: "A", Codec: cA, DTMFPayloadType: dtmfA, Remote: r.farA.addr()})
	r.legB = newTestLeg(t, pool, RTPLegConfig{ID: "B", Codec: cB, DTMFPayloadType: dtmfB, Remote: r.farB.addr()})
	r.outA, r.outB = NewOutbound(r.legA), NewOutbound(r.legB)
	r.beforeBridge = goleak.IgnoreCurrent()
	r.br = StartBridge(r.outA, r.outB, BridgeConfig{OnDTMF: func(from Leg, d byte) {
		r.mu.Lock()
		r.digits = append(r.digits, from.ID()+":"+string(d))
		r.mu.Unlock()
	}})
	t.Cleanup(r.br.Stop)
	return r
}

// prime relays one audio packet each way, so both directions are reading before a
// test sends a burst: a leg nobody reads keeps only its newest packets, by design.
func (r *bridgeRig) prime(t *testing.T) {
	t.Helper()
	r.farA.send(r.legA.LocalAddr(), r.legA.audioPT, frameOf(0xFF))
	r.farB.mustRecv()
	r.farB.send(r.legB.LocalAddr(), r.legB.audioPT, frameOf(0xFF))
	r.farA.mustRecv()
}

func (r *bridgeRig) gotDigits() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.digits...)
}

func TestBridgeRelaysBothWays(t *testing.T) {
	r := newBridgeRig(t, PCMU, PCMU, 101, 101)
	var atB, atA []*rtp.Packet
	for i := range 20 {
		r.farA.send(r.legA.LocalAddr(), 0, frameOf(byte(i)))
		atB = append(atB, r.farB.mustRecv())
		r.farB.send(r.legB.LocalAddr(), 0, frameOf(byte(100+i)))
		atA = append(atA, r.farA.mustRecv())
	}
	// The caller's media server changes (new SSRC, unrelated numbering) mid-call.
	r.farA.ssrc, r.farA.seq, r.farA.ts = 0xCAFE, 7, 123456789
	for i := range 5 {
		r.farA.send(r.legA.LocalAddr(), 0, frameOf(byte(50+i)))
		atB = append(atB, r.farB.mustRecv())
	}
	for dir, ps := range map[string][]*rtp.Packet{"A→B": atB, "B→A": atA} {
		ssrc := r.outB.SSRC()
		if dir == "B→A" {
			ssrc = r.outA.SSRC()
		}
		steps := checkContinuous(t, ssrc, ps)
		for i, s := range steps {
			if s != 160 && !(dir == "A→B" && i == 19) { // the switch: wall-clock gap
				t.Errorf("%s: timestamp step %d at %d", dir, s, i)
			}
		}
		for i, p := range ps {
			if p.PayloadType != 0 || len(p.Payload) != FrameSamples {
				t.Errorf("%s packet %d: PT %d, %d bytes", dir, i, p.PayloadType, len(p.Payload))
			}
		}
	}
	if atB[0].Payload[0] != 0 || atB[20].Payload[0] != 50 || atA[0].Payload[0] != 100 {
		t.Error("payloads not relayed as sent")
	}
	if !atB[20].Marker {
		t.Error("no marker on the new source's first packet")
	}
	eventually(t, "bridge counters", func() bool {
		st := r.br.Stats()
		return st.AToB.Relayed == 25 && st.BToA.Relayed == 20
	})
}

func TestBridgeTranscodes(t *testing.T) {
	r := newBridgeRig(t, PCMU, PCMA, 0, 0)
	pcm := sinePCM(FrameSamples*5, 1000, 10000)
	for f := range 5 {
		frame := pcm[f*FrameSamples : (f+1)*FrameSamples]
		payload := make([]byte, FrameSamples)

		Encode(PCMU, payload, frame)
		r.farA.send(r.legA.LocalAddr(), 0, payload)
		got := r.farB.mustRecv()
		if got.PayloadType != 8 {
			t.Fatalf("A→B payload type %d, want PCMA 8", got.PayloadType)
		}
		checkPCM(t, "A→B", PCMA, got.Payload, frame)

		Encode(PCMA, payload, frame)
		r.farB.send(r.legB.LocalAddr(), 8, payload)
		got = r.farA.mustRecv()
		if got.PayloadType != 0 {
			t.Fatalf("B→A payload type %d, want PCMU 0", got.PayloadType)
		}
		checkPCM(t, "B→A", PCMU, got.Payload, frame)
	}
}

// checkPCM decodes payload and compares it with the linear samples that were sent,
// allowing two G.711 quantisations (the sender's and the transcoder's).
func checkPCM(t *testing.T, what string, c Codec, payload []byte, want []int16) {
	t.Helper()
	got := make([]int16, len(payload))
	if Decode(c, got, payload) != len(want) {
		t.Fatalf("%s: %d samples, want %d", what, len(payload), len(want))
	}
	for i := range want {
		x := int(want[i])
		if d := abs(int(got[i]) - x); d > g711Bound(PCMU, x)+g711Bound(PCMA, x) {
			t.Fatalf("%s sample %d: %d, sent %d", what, i, got[i], x)
		}
	}
}

func TestBridgeDTMF(t *testing.T) {
	r := newBridgeRig(t, PCMU, PCMA, 101, 96)
	r.prime(t)
	send := func(digit byte) {
		for _, p := range dtmfPackets(r.farA.ssrc, r.farA.seq, r.farA.ts, digit) {
			r.farA.sendPacket(r.legA.LocalAddr(), p)
			r.farA.seq++
		}
		r.farA.ts += 800
	}
	r.farA.send(r.legA.LocalAddr(), 0, frameOf(0xFF))
	send('1')
	send('#')
	r.farA.send(r.legA.LocalAddr(), 0, frameOf(0xFF))
	var got []*rtp.Packet
	for range 14 {
		p, ok := r.farB.recv(time.Second)
		if !ok {
			t.Fatalf("got %d; leg A %+v; bridge %+v", len(got), r.legA.Stats(), r.br.Stats())
		}
		got = append(got, p)
	}
	checkContinuous(t, r.outB.SSRC(), got)
	for i, p := range got {
		want := uint8(96)
		if i == 0 || i == 13 {
			want = 8
		}
		if p.PayloadType != want {
			t.Errorf("packet %d: PT %d, want %d", i, p.PayloadType, want)
		}
	}
	var ev DTMFEvent
	if err := ev.Unmarshal(got[1].Payload); err != nil || ev.Event != 1 {
		t.Errorf("event payload changed: %+v %v", ev, err)
	}
	eventually(t, "two digits", func() bool { return len(r.gotDigits()) >= 2 })
	if d := r.gotDigits(); len(d) != 2 || d[0] != "A:1" || d[1] != "A:#" {
		t.Errorf("digits %v, want [A:1 A:#] once each", d)
	}
}

func TestBridgeDropsDTMFTheFarLegCannotTake(t *testing.T) {
	r := newBridgeRig(t, PCMU, PCMU, 101, 0)
	r.prime(t)
	r.farA.send(r.legA.LocalAddr(), 0, frameOf(1))
	for _, p := range dtmfPackets(r.farA.ssrc, r.farA.seq, r.farA.ts, '9') {
		r.farA.sendPacket(r.legA.LocalAddr(), p)
		r.farA.seq++
	}
	r.farA.send(r.legA.LocalAddr(), 0, frameOf(2))
	a, b := r.farB.mustRecv(), r.farB.mustRecv()
	if a.Payload[0] != 1 || b.Payload[0] != 2 || b.SequenceNumber != a.SequenceNumber+1 {
		t.Errorf("audio around filtered DTMF: seq %d then %d", a.SequenceNumber, b.SequenceNumber)
	}
	eventually(t, "digit reported", func() bool { return len(r.gotDigits()) == 1 })
	eventually(t, "filtered count", func() bool { return r.br.Stats().AToB.Filtered == 6 })
	if st := r.br.Stats().AToB; st.Digits != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestBridgeStopLeavesLegsOpen: Stop returns with its goroutines gone, the legs still
// work, and nothing is relayed any more.
func TestBridgeStopLeavesLegsOpen(t *testing.T) {
	r := newBridgeRig(t, PCMU, PCMU, 0, 0)
	r.farA.send(r.legA.LocalAddr(), 0, frameOf(1))
	r.farB.mustRecv()
	r.br.Stop()
	goleak.VerifyNone(t, r.beforeBridge)
	r.br.Stop() // idempotent

	r.farA.send(r.legA.LocalAddr(), 0, frameOf(2))
	var p rtp.Packet
	if err := r.legA.ReadRTP(&p, make([]byte, 1500)); err != nil || p.Payload[0] != 2 {
		t.Fatalf("leg A after Stop: %v", err)
	}
	if _, ok := r.farB.recv(100 * time.Millisecond); ok {
		t.Error("relayed after Stop")
	}
	// A new bridge on the same legs carries on the same streams.
	br := StartBridge(r.outA, r.outB, BridgeConfig{})
	defer br.Stop()
	r.farA.send(r.legA.LocalAddr(), 0, frameOf(3))
	if got := r.farB.mustRecv(); got.SSRC != r.outB.SSRC() || got.Payload[0] != 3 {
		t.Errorf("second bridge: %+v", got.Header)
	}
}

func TestBridgeEndsWhenALegCloses(t *testing.T) {
	a, b := newMemLeg("a", PCMU, 0), newMemLeg("b", PCMU, 0)
	before := goleak.IgnoreCurrent()
	br := StartBridge(NewOutbound(a), NewOutbound(b), BridgeConfig{})
	a.Close()
	b.Close()
	br.Stop()
	goleak.VerifyNone(t, before)
}

func TestBridgeFiltersComfortNoise(t *testing.T) {
	a, b := newMemLeg("a", PCMU, 0), newMemLeg("b", PCMU, 0)
	br := StartBridge(NewOutbound(a), NewOutbound(b), BridgeConfig{})
	defer br.Stop()
	for i, pt := range []uint8{0, 13, 0} {
		raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 5}, Payload: []byte{1}}).Marshal()
		a.in <- raw
	}
	eventually(t, "two relayed", func() bool { return len(b.packets()) == 2 })
	ps := b.packets()
	if ps[1].SequenceNumber != ps[0].SequenceNumber+1 || math.Abs(float64(ps[1].Timestamp-ps[0].Timestamp)) != 320 {
		t.Errorf("around CN: seq %d→%d ts %d→%d", ps[0].SequenceNumber, ps[1].SequenceNumber, ps[0].Timestamp, ps[1].Timestamp)
	}
}

// TestBridgeRelaysOnTheLegsReaders: between two RTPLegs the bridge starts no goroutine
// of its own; each leg's reader relays its packets.
func TestBridgeRelaysOnTheLegsReaders(t *testing.T) {
	r := newBridgeRig(t, PCMU, PCMA, 0, 0)
	goleak.VerifyNone(t, r.beforeBridge)
	for _, d := range r.br.dirs {
		if d.direct == nil {
			t.Fatalf("direction from %s is not direct", d.from.ID())
		}
	}
	r.prime(t)
	// A direction counts a packet just after sending it: the far end may have it first.
	eventually(t, "one packet counted each way", func() bool {
		st := r.br.Stats()
		return st.AToB.Relayed == 1 && st.BToA.Relayed == 1
	})
	if st := r.br.Stats(); st.AToB.Relayed != 1 || st.BToA.Relayed != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestBridgeRelaysWhatWasQueued: fresh packets a leg queued before the bridge came up
// are relayed first, in order, when the next packet arrives.
func TestBridgeRelaysWhatWasQueued(t *testing.T) {
	pool := newTestPool(t, 2)
	farA, farB := newPeer(t), newPeer(t)
	legA := newTestLeg(t, pool, RTPLegConfig{ID: "A", Codec: PCMU, Remote: farA.addr()})
	legB := newTestLeg(t, pool, RTPLegConfig{ID: "B", Codec: PCMU, Remote: farB.addr()})
	farA.send(legA.LocalAddr(), 0, frameOf(1))
	farA.send(legA.LocalAddr(), 0, frameOf(2))
	eventually(t, "two packets queued", func() bool { return legA.Stats().PacketsIn == 2 })
	br := StartBridge(NewOutbound(legA), NewOutbound(legB), BridgeConfig{})
	defer br.Stop()
	farA.send(legA.LocalAddr(), 0, frameOf(3))
	for want := byte(1); want <= 3; want++ {
		if got := farB.mustRecv(); got.Payload[0] != want {
			t.Fatalf("got frame %d, want %d", got.Payload[0], want)
		}
	}
}

// TestBridgeStopUnderLoad: with packets arriving all the time, nothing is relayed
// once Stop has returned (the reader's call in flight is waited for), and the leg's
// packets go back to ReadRTP.
func TestBridgeStopUnderLoad(t *testing.T) {
	r := newBridgeRig(t, PCMU, PCMU, 0, 0)
	r.prime(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
			r.farA.send(r.legA.LocalAddr(), 0, frameOf(7))
			time.Sleep(50 * time.Microsecond)
		}
	})
	eventually(t, "relaying under load", func() bool { return r.br.Stats().AToB.Relayed > 20 })
	r.br.Stop()
	after := r.br.Stats().AToB.Relayed
	outAfter := r.outB.Stats().Packets
	eventually(t, "leg A still reading", func() bool { return r.legA.Stats().PacketsIn > after+20 })
	stop.Store(true)
	wg.Wait()
	if got := r.br.Stats().AToB.Relayed; got != after {
		t.Errorf("relayed %d after Stop returned (%d at Stop)", got-after, after)
	}
	if got := r.outB.Stats().Packets; got != outAfter {
		t.Errorf("leg B sent %d more packets after Stop", got-outAfter)
	}
	var p rtp.Packet
	_ = r.legA.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := r.legA.ReadRTP(&p, make([]byte, 1500)); err != nil || p.Payload[0] != 7 {
		t.Fatalf("leg A ReadRTP after Stop: %v", err)
	}
}

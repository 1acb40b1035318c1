package media

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestRelayPathDoesNotAllocate pins the zero-allocation promise of the per-packet
// work: validating and latching a datagram, and rewriting, transcoding and marshalling
// it onto the far leg's stream.
func TestRelayPathDoesNotAllocate(t *testing.T) {
	l := newIngestLeg()
	raw := marshalSeed(&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: frameOf(0x55)})
	b := &PacketBuf{From: netip.MustParseAddrPort("192.0.2.1:4000")}
	seq := uint16(0)
	if n := testing.AllocsPerRun(1000, func() {
		seq++
		b.N = copy(b.Data[:], raw)
		binary.BigEndian.PutUint16(b.Data[2:], seq)
		if !l.ingest(b, time.Now()) {
			t.Fatal("valid packet refused")
		}
	}); n != 0 {
		t.Errorf("ingest: %.1f allocations per packet", n)
	}

	to := newMemLeg("b", PCMA, 96)
	to.discard = true
	d := newDirection(newMemLeg("a", PCMU, 101), NewOutbound(to), nil, l.log)
	var p rtp.Packet
	if n := testing.AllocsPerRun(1000, func() {
		seq++
		binary.BigEndian.PutUint16(b.Data[2:], seq)
		if err := p.Unmarshal(b.Data[:b.N]); err != nil {
			t.Fatal(err)
		}
		d.relay(&p)
	}); n != 0 {
		t.Errorf("relay: %.1f allocations per packet", n)
	}
	if d.relayed.Load() == 0 {
		t.Fatal("nothing relayed")
	}
}

// TestDirectRelayPathDoesNotAllocate pins 0 allocations for what an RTPLeg's reader
// does per packet when a bridge relays it directly: ingest, then relayDirect into the
// attached direction (unmarshal, transcode, rewrite, marshal), including the first
// packet's drain of what was queued before the bridge attached.
func TestDirectRelayPathDoesNotAllocate(t *testing.T) {
	l := newIngestLeg()
	raw := marshalSeed(&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: frameOf(0x55)})
	from := netip.MustParseAddrPort("192.0.2.1:4000")
	seq := uint16(0)
	next := func(b *PacketBuf) {
		seq++
		b.N, b.From = copy(b.Data[:], raw), from
		binary.BigEndian.PutUint16(b.Data[2:], seq)
	}
	// Two packets wait in the queue, as while a caller was queued with music.
	b := l.q.First()
	for range 2 {
		next(b)
		if !l.ingest(b, time.Now()) {
			t.Fatal("valid packet refused")
		}
		b = l.q.Push(b, time.Now())
	}

	to := newMemLeg("b", PCMA, 96)
	to.discard = true
	d := newDirection(l, NewOutbound(to), nil, l.log)
	l.attachDirect(d)
	if n := testing.AllocsPerRun(1000, func() {
		next(b)
		if !l.ingest(b, time.Now()) || !l.relayDirect(b, time.Now()) {
			t.Fatal("packet not relayed directly")
		}
	}); n != 0 {
		t.Errorf("ingest+relayDirect: %.1f allocations per packet", n)
	}
	// AllocsPerRun makes one warm-up call; every call relays the packet, and the first
	// also the two queued ones.
	if got, want := d.relayed.Load(), uint64(1001+2); got != want {
		t.Errorf("relayed %d, want %d", got, want)
	}
	if len(l.q.queue) != 0 || l.q.Dropped() != 0 {
		t.Errorf("queue after drain: %d queued, %d dropped", len(l.q.queue), l.q.Dropped())
	}

	l.detachDirect(d)
	next(b)
	if !l.ingest(b, time.Now()) || l.relayDirect(b, time.Now()) {
		t.Fatal("relayed directly after detach")
	}
}

// BenchmarkRelayRewrite is the in-process part of relaying one packet: payload-type
// mapping, (transcoding,) SSRC/sequence/timestamp rewrite and marshalling into the
// far leg's buffer. No sockets.
func BenchmarkRelayRewrite(b *testing.B) {
	for _, tc := range []struct {
		name     string
		from, to Codec
	}{{"same-codec", PCMU, PCMU}, {"transcode", PCMU, PCMA}} {
		b.Run(tc.name, func(b *testing.B) {
			to := newMemLeg("b", tc.to, 101)
			to.discard = true
			d := newDirection(newMemLeg("a", tc.from, 101), NewOutbound(to), nil, newIngestLeg().log)
			raw := marshalSeed(&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: frameOf(0x55)})
			var p rtp.Packet
			b.ReportAllocs()
			for i := range b.N {
				binary.BigEndian.PutUint16(raw[2:], uint16(i))
				binary.BigEndian.PutUint32(raw[4:], uint32(i*FrameSamples))
				_ = p.Unmarshal(raw)
				d.relay(&p)
			}
		})
	}
}

// BenchmarkRelay pushes packets through a Bridge between two RTPLegs on loopback:
// a sender peer → leg A → bridge → leg B → a receiver peer, with up to eight packets
// in flight. Leg A's reader goroutine relays each packet itself (the direct path). ns/op is wall time per relayed packet; cpu-ns/pkt is the CPU the whole
// process spent per packet. Both include the test peers' own send and receive
// syscalls (two of the four per packet); allocs/op counts the whole process.
func BenchmarkRelay(b *testing.B) {
	for _, tc := range []struct {
		name     string
		from, to Codec
	}{{"same-codec", PCMU, PCMU}, {"transcode", PCMU, PCMA}} {
		b.Run(tc.name, func(b *testing.B) {
			pool := newTestPool(b, 2)
			sender, receiver := newPeer(b), newPeer(b)
			legA := newTestLeg(b, pool, RTPLegConfig{ID: "A", Codec: tc.from, Remote: sender.addr()})
			legB := newTestLeg(b, pool, RTPLegConfig{ID: "B", Codec: tc.to, Remote: receiver.addr()})
			br := StartBridge(NewOutbound(legA), NewOutbound(legB), BridgeConfig{})
			defer br.Stop()

			raw := marshalSeed(&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: frameOf(0x55)})
			to := legA.LocalAddr()
			var rbuf [1500]byte
			send := func(i int) {
				binary.BigEndian.PutUint16(raw[2:], uint16(i))
				binary.BigEndian.PutUint32(raw[4:], uint32(i*FrameSamples))
				if _, err := sender.conn.WriteToUDPAddrPort(raw, to); err != nil {
					b.Fatal(err)
				}
			}
			recv := func() {
				if _, _, err := receiver.conn.ReadFromUDPAddrPort(rbuf[:]); err != nil {
					b.Fatalf("relay lost a packet: %v (leg A %+v)", err, legA.Stats())
				}
			}
			// One deadline for the run: a lost packet fails the benchmark, not hangs it.
			_ = receiver.conn.SetReadDeadline(time.Now().Add(time.Minute))
			// Warm up: the bridge reads, the latch is set.
			send(0)
			recv()
			const window = 8
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			inFlight := 0
			for i := range b.N {
				send(i + 1)
				if inFlight++; inFlight == window {
					recv()
					inFlight--
				}
			}
			for ; inFlight > 0; inFlight-- {
				recv()
			}
			b.StopTimer()
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/pkt")
			if st := legA.Stats(); st.Dropped != 0 {
				b.Logf("leg A dropped %d", st.Dropped)
			}
		})
	}
}

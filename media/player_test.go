package media

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pion/rtp"
	"go.uber.org/goleak"
)

func TestPlayerPacesContinuousFrames(t *testing.T) {
	pool := newTestPool(t, 1)
	far := newPeer(t)
	leg := newTestLeg(t, pool, RTPLegConfig{Codec: PCMU, Remote: far.addr()})
	out := NewOutbound(leg)
	ring, err := NewRingback(RingbackEU, PCMU)
	if err != nil {
		t.Fatal(err)
	}
	before := goleak.IgnoreCurrent()
	pl, err := StartPlayer(out, ring)
	if err != nil {
		t.Fatal(err)
	}
	var ps []*rtp.Packet
	var first time.Time
	for range 26 {
		ps = append(ps, far.mustRecv())
		if first.IsZero() {
			first = time.Now()
		}
	}
	elapsed := time.Since(first)
	pl.Stop()
	goleak.VerifyNone(t, before)
	if pl.Err() != nil {
		t.Errorf("Err after Stop: %v", pl.Err())
	}

	// Each packet is the next frame; a stalled ticker skips frames rather than rush
	// them, so a step may be several frames, never a fraction of one.
	steps := checkContinuous(t, out.SSRC(), ps)
	for i, s := range steps {
		if s == 0 || s%FrameSamples != 0 {
			t.Errorf("step %d: timestamp +%d", i, s)
		}
	}
	// The ticker is drift-corrected and never runs ahead: frame n goes out at
	// start + n·20 ms at the earliest, so 25 frames after the first take 500 ms,
	// less however late the first one was received.
	if elapsed < 25*FrameDuration-60*time.Millisecond {
		t.Errorf("25 frames in %v: faster than 50 per second", elapsed)
	}
	if !ps[0].Marker || ps[0].PayloadType != 0 {
		t.Errorf("first packet %+v", ps[0].Header)
	}
	// The EU ringback starts with tone: the first frame is not silence.
	pcm := make([]int16, FrameSamples)
	Decode(PCMU, pcm, ps[1].Payload)
	if rms(pcm) < 1000 {
		t.Error("ringback frame is silent")
	}
}

// TestPlayerToBridgeContinuity: a caller hears queue music, then the agent, then hold
// music: one stream throughout.
func TestPlayerToBridgeContinuity(t *testing.T) {
	pool := newTestPool(t, 2)
	caller, agent := newPeer(t), newPeer(t)
	callerLeg := newTestLeg(t, pool, RTPLegConfig{ID: "caller", Codec: PCMA, Remote: caller.addr()})
	agentLeg := newTestLeg(t, pool, RTPLegConfig{ID: "agent", Codec: PCMU, Remote: agent.addr()})
	callerOut, agentOut := NewOutbound(callerLeg), NewOutbound(agentLeg)

	music, _ := NewHoldMusic(PCMU) // the PCMU clip on a PCMA leg: transcoded by the player
	queueMusic, err := StartPlayer(callerOut, music)
	if err != nil {
		t.Fatal(err)
	}
	var ps []*rtp.Packet
	for range 5 {
		ps = append(ps, caller.mustRecv())
	}
	// The agent answers: the bridge takes the caller's stream over; the player sees
	// ErrSuperseded and ends by itself.
	br := StartBridge(callerOut, agentOut, BridgeConfig{})
	select {
	case <-queueMusic.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("player kept running after the bridge claimed its leg")
	}
	if !errors.Is(queueMusic.Err(), ErrSuperseded) {
		t.Errorf("player Err %v", queueMusic.Err())
	}
	queueMusic.Stop() // still fine
	// The player may have sent more than the five read so far before the bridge
	// claimed the stream (on a busy machine): read the rest of its packets first.
	for uint64(len(ps)) < callerLeg.Stats().PacketsOut {
		ps = append(ps, caller.mustRecv())
	}
	bridged := len(ps)
	for i := range 5 {
		agent.send(agentLeg.LocalAddr(), 0, frameOf(byte(i)))
		ps = append(ps, caller.mustRecv())
	}
	held := len(ps)
	// Hold: the bridge stops and hold music plays.
	br.Stop()
	hold, err := StartPlayer(callerOut, music)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		ps = append(ps, caller.mustRecv())
	}
	hold.Stop()

	// The claim is taken under the Outbound's lock, so no player packet trails the
	// bridge's first one: the far end sees one stream in order.
	steps := checkContinuous(t, callerOut.SSRC(), ps)
	for i, s := range steps {
		if s < FrameSamples {
			t.Errorf("step %d: timestamp +%d, less than a frame", i, s)
		}
	}
	for i, p := range ps {
		if p.PayloadType != 8 {
			t.Errorf("packet %d: PT %d, want PCMA", i, p.PayloadType)
		}
	}
	if !ps[bridged].Marker || !ps[held].Marker {
		t.Error("no marker at a source switch")
	}
	// Music was transcoded to the leg's law, not sent as µ-law bytes.
	want := make([]byte, FrameSamples)
	src := music.clip.Loop()
	src.NextFrame(want)
	Transcode(PCMU, PCMA, want)
	if string(ps[0].Payload) != string(want) {
		t.Error("first music frame not transcoded to PCMA")
	}
}

type shortSource struct{ left int }

func (s *shortSource) NextFrame(dst []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	s.left--
	for i := range FrameSamples {
		dst[i] = 0xFF
	}
	return FrameSamples, nil
}

func TestPlayerEndsWithItsSource(t *testing.T) {
	leg := newMemLeg("a", PCMU, 0)
	pl, err := StartPlayer(NewOutbound(leg), &shortSource{left: 3})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-pl.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("player did not end with its source")
	}
	if !errors.Is(pl.Err(), io.EOF) || len(leg.packets()) != 3 {
		t.Errorf("Err %v after %d packets", pl.Err(), len(leg.packets()))
	}
	pl.Stop()
	if _, err := StartPlayer(NewOutbound(newMemLeg("b", CN, 0)), &shortSource{}); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("player on a CN leg: %v", err)
	}
}

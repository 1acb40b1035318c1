package webrtc

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

// The whole life of an agent leg against a pion "browser": offer, answer, DTLS up,
// audio both ways with payload types kept, telephone-event both ways, statistics,
// close, no goroutine left behind.
func TestAgentLegAudioBothWays(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g, err := New(Config{}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	l := newTestLeg(t, g, "alice")
	var (
		mu     sync.Mutex
		states []State
	)
	l.OnStateChange(func(s State) {
		mu.Lock()
		states = append(states, s)
		mu.Unlock()
	})
	b := newBrowser(t)
	connect(t, l, b)

	if got := l.Codec(); got != media.PCMU {
		t.Fatalf("codec = %v, want PCMU", got)
	}
	if got := l.DTMFPayloadType(); got != media.DefaultDTMFPayloadType {
		t.Fatalf("dtmf payload type = %d, want 101", got)
	}
	if st := l.tr.Sender().Transport().State(); st != webrtc.DTLSTransportStateConnected {
		t.Fatalf("dtls state = %v", st)
	}

	// Browser → gateway.
	sp := b.speak(0x55, true)
	var (
		p     rtp.Packet
		buf   [1500]byte
		audio int
		dtmf  int
	)
	_ = l.SetReadDeadline(time.Now().Add(10 * time.Second))
	for audio < 20 || dtmf < 1 {
		if err := l.ReadRTP(&p, buf[:]); err != nil {
			t.Fatalf("read rtp after %d audio, %d dtmf: %v", audio, dtmf, err)
		}
		switch p.PayloadType {
		case uint8(media.PCMU):
			if len(p.Payload) != media.FrameSamples || p.Payload[0] != 0x55 {
				t.Fatalf("audio payload %d bytes, first %#x", len(p.Payload), p.Payload[0])
			}
			audio++
		case media.DefaultDTMFPayloadType:
			var ev media.DTMFEvent
			if err := ev.Unmarshal(p.Payload); err != nil || ev.Event != 5 {
				t.Fatalf("dtmf payload %x: %v", p.Payload, err)
			}
			dtmf++
		default:
			t.Fatalf("payload type %d", p.PayloadType)
		}
	}
	_ = l.SetReadDeadline(time.Time{})
	sp.halt()

	// Gateway → browser: audio, then one telephone-event packet with its own PT.
	out := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: uint8(media.PCMU), SSRC: 99}, Payload: bytes.Repeat([]byte{0x2a}, media.FrameSamples)}
	for i := range 10 {
		out.SequenceNumber, out.Timestamp = uint16(100+i), uint32(i*media.FrameSamples)
		if err := l.WriteRTP(&out); err != nil {
			t.Fatal(err)
		}
	}
	ev := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: media.DefaultDTMFPayloadType, SequenceNumber: 110, Timestamp: 1600}, Payload: []byte{9, 0x80 | 10, 0, 160}}
	if err := l.WriteRTP(&ev); err != nil {
		t.Fatal(err)
	}
	if out.SSRC != 99 || out.PayloadType != 0 {
		t.Fatal("WriteRTP changed the caller's packet")
	}
	eventually(t, "browser hears 10 frames and the digit", func() bool {
		n, d := 0, 0
		for _, p := range b.packets() {
			switch p.PayloadType {
			case 0:
				if p.Payload[0] == 0x2a {
					n++
				}
			case media.DefaultDTMFPayloadType:
				d++
			}
		}
		return n == 10 && d == 1
	})
	for _, p := range b.packets() {
		if p.SSRC != uint32(l.send.ssrc) {
			t.Fatalf("browser got SSRC %d, want the negotiated %d", p.SSRC, l.send.ssrc)
		}
	}
	bad := out
	bad.PayloadType = 8
	if err := l.WriteRTP(&bad); !errors.Is(err, media.ErrUnsupportedCodec) {
		t.Fatalf("write PCMA on a PCMU leg: %v", err)
	}

	s := l.Stats()
	if s.PacketsIn < 21 || s.BytesIn == 0 || s.PacketsOut != 11 || s.BytesOut != 10*(12+160)+12+4 {
		t.Fatalf("stats %+v", s)
	}
	if s.LastPacket.IsZero() || s.MOS < 4 {
		t.Fatalf("stats %+v", s)
	}
	eventually(t, "pion receive statistics", func() bool { return l.Stats().Expected > 0 })

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.ReadRTP(&p, buf[:]); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	if err := l.WriteRTP(&out); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	mu.Lock()
	got := append([]State(nil), states...)
	mu.Unlock()
	if len(got) < 2 || got[len(got)-1] != StateClosed || !containsState(got, StateConnected) {
		t.Fatalf("states %v", got)
	}
	if l.State() != StateClosed || g.Legs() != 0 {
		t.Fatalf("state %v, legs %d", l.State(), g.Legs())
	}
	b.close()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func containsState(ss []State, s State) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// The offer is what the design promises: G.711 and telephone-event only, PCMU
// first, DTLS-SRTP with a fingerprint, never SDES, every candidate inline on the
// gateway's one port.
func TestOfferShape(t *testing.T) {
	g := newTestGateway(t)
	l := newTestLeg(t, g, "alice")
	offer, err := l.Offer()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"m=audio 9 UDP/TLS/RTP/SAVPF 0 8 101\r\n",
		"a=rtpmap:101 telephone-event/8000",
		"a=fingerprint:sha-256 ",
		"a=setup:actpass",
		"a=sendrecv",
		"a=end-of-candidates",
		" 127.0.0.1 " + strconv.Itoa(int(g.LocalAddr().Port())) + " typ host",
	} {
		if !strings.Contains(offer, want) {
			t.Errorf("offer lacks %q:\n%s", want, offer)
		}
	}
	for _, bad := range []string{"opus", "a=crypto:", "VP8"} {
		if strings.Contains(offer, bad) {
			t.Errorf("offer has %q", bad)
		}
	}
	again, err := l.Offer()
	if err != nil || again != offer {
		t.Fatalf("second Offer while outstanding: %v, same=%v", err, again == offer)
	}
}

// "(invalid) stable -Answer": an answer needs an outstanding offer; bad answers are
// refused and leave the offer outstanding for a good one.
func TestAnswerRefusals(t *testing.T) {
	g := newTestGateway(t)
	l := newTestLeg(t, g, "alice")
	offer, err := l.Offer()
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	good := b.answer(offer)

	noFingerprint := dropLines(good, "a=fingerprint:")
	sdes := strings.Replace(noFingerprint, "a=setup:", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\na=setup:", 1)
	opusOnly := regexp.MustCompile(`(m=audio \d+ UDP/TLS/RTP/SAVPF)[ 0-9]*`).
		ReplaceAllString(dropLines(good, "a=rtpmap:0 ", "a=rtpmap:8 "), "$1 111 101")
	opusOnly = strings.Replace(opusOnly, "a=rtpmap:101", "a=rtpmap:111 opus/48000/2\r\na=rtpmap:101", 1)
	for _, tc := range []struct {
		name string
		sdp  string
		want error
	}{
		{"garbage", "hello", ErrBadAnswer},
		{"too large", good + strings.Repeat("a=x\r\n", MaxSDPSize/5), ErrBadAnswer},
		{"no fingerprint", noFingerprint, ErrBadAnswer},
		{"sdes only", sdes, ErrBadAnswer},
		{"no g711", opusOnly, ErrNoCommonCodec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := l.Answer(tc.sdp); !errors.Is(err, tc.want) {
				t.Fatalf("Answer = %v, want %v", err, tc.want)
			}
			if st := l.pc.SignalingState(); st != webrtc.SignalingStateHaveLocalOffer {
				t.Fatalf("signalling state %v after a refused answer", st)
			}
		})
	}
	if err := l.Answer(good); err != nil {
		t.Fatalf("good answer after refusals: %v", err)
	}
	if err := l.Answer(good); !errors.Is(err, ErrNegotiation) {
		t.Fatalf("(invalid) stable -Answer: %v", err)
	}
	eventually(t, "connected", func() bool { return l.State() == StateConnected })
}

// "stable -Offer-> have-local-offer -Answer-> stable" a second time on a connected
// leg: a renegotiation (what video escalation will do) keeps ICE, DTLS and audio.
func TestRenegotiationKeepsAudio(t *testing.T) {
	g := newTestGateway(t)
	l := newTestLeg(t, g, "alice")
	b := newBrowser(t)
	connect(t, l, b)
	sp := b.speak(0x11, false)

	offer, err := l.Offer()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Answer(b.answer(offer)); err != nil {
		t.Fatal(err)
	}
	if st := l.pc.SignalingState(); st != webrtc.SignalingStateStable {
		t.Fatalf("signalling state %v", st)
	}
	before := l.Stats().PacketsIn
	eventually(t, "audio after renegotiation", func() bool { return l.Stats().PacketsIn > before+10 })
	if l.State() != StateConnected {
		t.Fatalf("state %v", l.State())
	}
	sp.halt()
}

// ReadRTP honours its deadline while no track has arrived yet, and a leg that is
// not connected refuses to write.
func TestReadDeadlineBeforeTrack(t *testing.T) {
	g := newTestGateway(t)
	l := newTestLeg(t, g, "alice")
	var p rtp.Packet
	var buf [1500]byte
	_ = l.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if err := l.ReadRTP(&p, buf[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadRTP = %v", err)
	}
	_ = l.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { done <- l.ReadRTP(&p, buf[:]) }()
	_ = l.SetReadDeadline(time.Now()) // what Bridge.Stop does to a blocked reader
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadRTP unblocked with %v", err)
	}
	out := rtp.Packet{Header: rtp.Header{Version: 2}, Payload: make([]byte, 160)}
	if err := l.WriteRTP(&out); !errors.Is(err, media.ErrNoRemote) {
		t.Fatalf("WriteRTP before DTLS = %v", err)
	}
}

// Audio nobody reads is dropped, not queued: after a quiet spell the first packet
// ReadRTP returns is fresh.
func TestUnreadAudioIsDropped(t *testing.T) {
	g := newTestGateway(t)
	l := newTestLeg(t, g, "alice")
	b := newBrowser(t)
	connect(t, l, b)
	sp := b.speak(0x33, false)
	eventually(t, "packets dropped while nobody reads", func() bool { return l.Stats().Dropped > 5 })
	var p rtp.Packet
	var buf [1500]byte
	if err := l.ReadRTP(&p, buf[:]); err != nil {
		t.Fatal(err)
	}
	const held = 8 + 1 // media.PacketQueue's depth, and the packet being read
	if s := l.Stats(); s.PacketsIn-s.Dropped > held {
		t.Fatalf("stats %+v: more packets kept than the queue holds", s)
	}
	sp.halt()
}

// Closing the gateway closes its legs and refuses new ones.
func TestGatewayCloseClosesLegs(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g, err := New(Config{UDPPort: freePort(t)}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	a := newTestLeg(t, g, "alice")
	bob := newTestLeg(t, g, "bob")
	if g.Legs() != 2 {
		t.Fatalf("legs %d", g.Legs())
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if a.State() != StateClosed || bob.State() != StateClosed || g.Legs() != 0 {
		t.Fatalf("states %v %v, legs %d", a.State(), bob.State(), g.Legs())
	}
	if _, err := g.NewAgentLeg(t.Context(), "carol"); !errors.Is(err, ErrGatewayClosed) {
		t.Fatalf("NewAgentLeg after Close = %v", err)
	}
	if err := g.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func dropLines(sdp string, prefixes ...string) string {
	var out []string
	for _, line := range strings.SplitAfter(sdp, "\r\n") {
		keep := true
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				keep = false
			}
		}
		if keep {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// A browser that closes its PeerConnection (tab closed, logout) ends the leg's
// connection at once through DTLS close_notify, without waiting for ICE timeouts.
func TestBrowserHangsUp(t *testing.T) {
	g := newTestGateway(t)
	l := newTestLeg(t, g, "alice")
	b := newBrowser(t)
	connect(t, l, b)
	b.close()
	eventually(t, "leg sees the browser go", func() bool { return l.State() == StateClosed })
	t.Logf("state %v", l.State())
}

package webrtc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testLog shows the package's logs with -v when OMNIGATE_TEST_LOG is set.
func testLog(t testing.TB) *slog.Logger {
	if os.Getenv("OMNIGATE_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

// eventually polls cond until it holds or ten seconds pass: tests wait on state,
// never on a sleep.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// newTestGateway starts a loopback gateway, closed at cleanup.
func newTestGateway(t testing.TB) *Gateway {
	t.Helper()
	g, err := New(Config{}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g
}

// newTestLeg makes an agent leg, closed at cleanup.
func newTestLeg(t testing.TB, g *Gateway, agent string) *AgentLeg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := g.NewAgentLeg(ctx, agent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// browser is a plain pion PeerConnection standing in for the agent's browser: its
// own API and socket, loopback candidates, and a microphone track that can send
// audio and telephone-event (a sendTrack, so the payload type survives).
type browser struct {
	t   testing.TB
	pc  *webrtc.PeerConnection
	mic *sendTrack

	micAdded bool

	mu       sync.Mutex
	received []rtp.Packet // what the gateway sent, payloads copied
	wg       sync.WaitGroup
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	m := &webrtc.MediaEngine{}
	// What a browser offers for audio: Opus first, G.711, telephone-event.
	for _, c := range append([]webrtc.RTPCodecParameters{{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2},
		PayloadType:        111,
	}}, audioCodecs...) {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, pc: pc, mic: newSendTrack("mic", "browser")}
	b.mic.prefer(negotiated{codec: media.PCMU, dtmfPT: media.DefaultDTMFPayloadType})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		b.wg.Add(1)
		defer b.wg.Done()
		buf := make([]byte, 1500)
		for {
			n, _, err := tr.Read(buf)
			if err != nil {
				if errors.Is(err, io.EOF) {
					return
				}
				continue
			}
			var p rtp.Packet
			if p.Unmarshal(buf[:n]) != nil {
				continue
			}
			p.Payload = append([]byte(nil), p.Payload...)
			b.mu.Lock()
			b.received = append(b.received, p)
			b.mu.Unlock()
		}
	})
	t.Cleanup(b.close)
	return b
}

func (b *browser) close() {
	_ = b.pc.GracefulClose()
	b.wg.Wait()
}

// answer applies the gateway's offer and returns the browser's answer, with the
// microphone on the offered transceiver (as the desktop does with addTrack).
func (b *browser) answer(offer string) string {
	b.t.Helper()
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		b.t.Fatalf("browser: set offer: %v", err)
	}
	if !b.micAdded {
		if _, err := b.pc.AddTrack(b.mic); err != nil {
			b.t.Fatalf("browser: add mic: %v", err)
		}
		b.micAdded = true
	}
	ans, err := b.pc.CreateAnswer(nil)
	if err != nil {
		b.t.Fatalf("browser: create answer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(b.pc)
	if err := b.pc.SetLocalDescription(ans); err != nil {
		b.t.Fatalf("browser: set answer: %v", err)
	}
	<-gathered
	return b.pc.LocalDescription().SDP
}

// connect negotiates leg with the browser and waits until both are connected.
func connect(t testing.TB, l *AgentLeg, b *browser) {
	t.Helper()
	offer, err := l.Offer()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Answer(b.answer(offer)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "leg connected", func() bool { return l.State() == StateConnected })
	eventually(t, "browser connected", func() bool { return b.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })
	// The browser's sender binds once its DTLS is up; its first packet may be
	// refused until then.
	eventually(t, "browser mic bound", func() bool {
		b.mic.mu.RLock()
		defer b.mic.mu.RUnlock()
		return b.mic.w != nil
	})
}

// packets returns a copy of what the browser has received.
func (b *browser) packets() []rtp.Packet {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]rtp.Packet(nil), b.received...)
}

// speaker sends a steady 20 ms stream on the browser's microphone until stopped.
type speaker struct {
	stop chan struct{}
	done chan struct{}
	sent atomic.Uint64
}

// speak starts a stream of PCMU frames filled with fill, plus a telephone-event
// packet every tenth frame when dtmf is set.
func (b *browser) speak(fill byte, dtmf bool) *speaker {
	s := &speaker{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(media.FrameDuration)
		defer tick.Stop()
		p := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1234}, Payload: make([]byte, media.FrameSamples)}
		for i := range p.Payload {
			p.Payload[i] = fill
		}
		var seq uint16
		var ts uint32
		for n := 0; ; n++ {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			seq++
			ts += media.FrameSamples
			p.SequenceNumber, p.Timestamp, p.PayloadType = seq, ts, uint8(media.PCMU)
			if dtmf && n%10 == 9 {
				// Key "5", end of event: RFC 4733 §2.3.
				ev := p
				ev.PayloadType = media.DefaultDTMFPayloadType
				ev.Payload = []byte{5, 0x80 | 10, 0x03, 0x20}
				if _, err := b.mic.writeRTP(&ev); err == nil {
					s.sent.Add(1)
				}
				continue
			}
			if _, err := b.mic.writeRTP(&p); err == nil {
				s.sent.Add(1)
			}
		}
	}()
	b.t.Cleanup(s.halt)
	return s
}

func (s *speaker) halt() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
}

// freePort returns a UDP port nobody listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

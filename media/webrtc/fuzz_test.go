package webrtc

import (
	"errors"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// FuzzAnswer feeds arbitrary answers to a leg with an offer outstanding. Invariants:
// no panic; a refused answer wraps ErrBadAnswer and either leaves the offer
// outstanding or marks the leg failed (never a leg that looks fine but cannot
// negotiate); an accepted one leaves the leg stable with a G.711 codec and a
// dynamic telephone-event payload type or none.
func FuzzAnswer(f *testing.F) {
	g := newTestGateway(f)
	l := newTestLeg(f, g, "fuzz")
	offer, err := l.Offer()
	if err != nil {
		f.Fatal(err)
	}
	good := newBrowser(f).answer(offer)
	f.Add(good)
	f.Add("")
	f.Add("v=0\r\n")
	f.Add(strings.Replace(good, "a=ice-pwd:", "a=ice-pwdx:", 1))
	f.Add(strings.Replace(good, "a=fingerprint:sha-256 ", "a=fingerprint:sha-256  ", 1))
	f.Add(strings.Replace(good, "a=rtpmap:101 telephone-event/8000", "a=rtpmap:101 telephone-event/x", 1))
	f.Add(strings.Replace(good, "a=mid:0", "a=mid:7", 1))
	f.Add(strings.Replace(good, "typ host", "typ bogus", -1))

	f.Fuzz(func(t *testing.T, answer string) {
		if l.isClosed() || l.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
			_ = l.Close()
			l = newTestLeg(t, g, "fuzz")
		}
		err := l.Answer(answer)
		switch {
		case err != nil:
			if !errors.Is(err, ErrBadAnswer) {
				t.Fatalf("refusal does not wrap ErrBadAnswer: %v", err)
			}
			if l.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer && !l.broken.Load() {
				t.Fatalf("refused answer left state %v and the leg not failed", l.pc.SignalingState())
			}
		default:
			if st := l.pc.SignalingState(); st != webrtc.SignalingStateStable {
				t.Fatalf("accepted answer left state %v", st)
			}
			if !l.Codec().IsAudio() {
				t.Fatalf("codec %v", l.Codec())
			}
			if pt := l.DTMFPayloadType(); pt != 0 && !validDTMFPT(pt) {
				t.Fatalf("dtmf payload type %d", pt)
			}
		}
	})
}

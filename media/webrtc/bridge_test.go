package webrtc

import (
	"sync/atomic"
	"testing"

	"github.com/omnigate/omnigate/media"
)

// Two agents' legs bridged by media.Bridge, as a WebRTC-to-WebRTC call (consult,
// or a web customer reaching an agent): audio from browser A reaches browser B and
// back, a key pressed in A reaches B as telephone-event and is reported once per
// press, and stopping the bridge leaves both legs up for the next call.
func TestBridgeTwoAgentLegs(t *testing.T) {
	g := newTestGateway(t)
	la, lb := newTestLeg(t, g, "alice"), newTestLeg(t, g, "bob")
	ba, bb := newBrowser(t), newBrowser(t)
	connect(t, la, ba)
	connect(t, lb, bb)

	var digits atomic.Int32
	br := media.StartBridge(media.NewOutbound(la), media.NewOutbound(lb), media.BridgeConfig{
		OnDTMF: func(from media.Leg, digit byte) {
			if from == la && digit == '5' {
				digits.Add(1)
			}
		},
		Logger: testLog(t),
	})
	sa := ba.speak(0xa1, true)
	sb := bb.speak(0xb2, false)

	heard := func(b *browser, fill byte) (audio, dtmf int) {
		for _, p := range b.packets() {
			switch {
			case p.PayloadType == uint8(media.PCMU) && p.Payload[0] == fill:
				audio++
			case p.PayloadType == media.DefaultDTMFPayloadType:
				dtmf++
			}
		}
		return audio, dtmf
	}
	eventually(t, "B hears A's audio and key", func() bool {
		a, d := heard(bb, 0xa1)
		return a >= 25 && d >= 1
	})
	eventually(t, "A hears B", func() bool {
		a, _ := heard(ba, 0xb2)
		return a >= 25
	})
	eventually(t, "digit reported", func() bool { return digits.Load() >= 1 })
	br.Stop()
	st := br.Stats()
	if st.AToB.Relayed == 0 || st.BToA.Relayed == 0 || st.AToB.Digits == 0 {
		t.Fatalf("bridge stats %+v", st)
	}
	sa.halt()
	sb.halt()
	if la.State() != StateConnected || lb.State() != StateConnected {
		t.Fatalf("legs after the bridge: %v %v", la.State(), lb.State())
	}
}

package webrtc

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestNextState(t *testing.T) {
	for _, tc := range []struct {
		name    string
		from    State
		pion    webrtc.PeerConnectionState
		want    State
		changed bool
	}{
		{"new -connecting-> connecting", StateNew, webrtc.PeerConnectionStateConnecting, StateConnecting, true},
		{"new -connected-> connected (a report skipped)", StateNew, webrtc.PeerConnectionStateConnected, StateConnected, true},
		{"connecting -connected-> connected", StateConnecting, webrtc.PeerConnectionStateConnected, StateConnected, true},
		{"connected -disconnected-> disconnected", StateConnected, webrtc.PeerConnectionStateDisconnected, StateDisconnected, true},
		{"disconnected -connected-> connected", StateDisconnected, webrtc.PeerConnectionStateConnected, StateConnected, true},
		{"disconnected -failed-> failed", StateDisconnected, webrtc.PeerConnectionStateFailed, StateFailed, true},
		{"failed -connecting-> connecting (ice restart)", StateFailed, webrtc.PeerConnectionStateConnecting, StateConnecting, true},
		{"connected -closed-> closed", StateConnected, webrtc.PeerConnectionStateClosed, StateClosed, true},
		{"failed -closed-> closed", StateFailed, webrtc.PeerConnectionStateClosed, StateClosed, true},
		{"connected -connected-> connected (repeat)", StateConnected, webrtc.PeerConnectionStateConnected, StateConnected, false},
		{"(invalid) connected -new", StateConnected, webrtc.PeerConnectionStateNew, StateConnected, false},
		{"(invalid) closed -connected", StateClosed, webrtc.PeerConnectionStateConnected, StateClosed, false},
		{"(invalid) closed -failed", StateClosed, webrtc.PeerConnectionStateFailed, StateClosed, false},
		{"(invalid) failed -disconnected", StateFailed, webrtc.PeerConnectionStateDisconnected, StateFailed, false},
		{"(invalid) new -unknown", StateNew, webrtc.PeerConnectionStateUnknown, StateNew, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := nextState(tc.from, tc.pion)
			if got != tc.want || changed != tc.changed {
				t.Fatalf("nextState(%v, %v) = %v, %v; want %v, %v", tc.from, tc.pion, got, changed, tc.want, tc.changed)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	want := []string{"new", "connecting", "connected", "disconnected", "failed", "closed"}
	for s := StateNew; s <= StateClosed; s++ {
		if s.String() != want[s] {
			t.Errorf("State(%d) = %q", s, s.String())
		}
	}
	if State(99).String() != "unknown" {
		t.Error("out-of-range state")
	}
}

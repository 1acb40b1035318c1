package webrtc

import "github.com/pion/webrtc/v4"

// State is an agent leg's connection state, as metrics and liveness see it. It
// follows pion's PeerConnectionState (ICE and DTLS together), with Closed terminal.
type State uint8

const (
	// StateNew is a leg created and offered, with no connectivity check yet.
	StateNew State = iota
	// StateConnecting is ICE checking or the DTLS handshake under way.
	StateConnecting
	// StateConnected is ICE and DTLS up: media can flow.
	StateConnected
	// StateDisconnected is ICE without consent for ICEDisconnectedTimeout. It often
	// recovers (a Wi-Fi hiccup, a throttled background tab); after ICEFailedTimeout
	// more it becomes StateFailed.
	StateDisconnected
	// StateFailed is ICE or DTLS failed, or an answer pion half-applied. The owner
	// closes the leg and the desktop negotiates a new one.
	StateFailed
	// StateClosed is the end: Close was called, or the browser closed its
	// PeerConnection (DTLS close_notify), in which case the owner still calls Close.
	StateClosed
)

// String returns the lower-case name, as in the W3C enum and in metric labels.
func (s State) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateFailed:
		return "failed"
	case StateClosed:
		return "closed"
	}
	return "unknown"
}

// stateEdges is the whole machine; nextState is the only thing that moves a leg's
// State. pion reports its PeerConnectionState from a fresh goroutine per change, so
// the leg reads the current pion state rather than trusting the order of reports,
// and a report may skip intermediate states (StateNew straight to StateConnected, say).
var stateEdges = map[State]map[State]bool{
	StateNew:          {StateConnecting: true, StateConnected: true, StateFailed: true, StateClosed: true},
	StateConnecting:   {StateConnected: true, StateDisconnected: true, StateFailed: true, StateClosed: true},
	StateConnected:    {StateConnecting: true, StateDisconnected: true, StateFailed: true, StateClosed: true},
	StateDisconnected: {StateConnecting: true, StateConnected: true, StateFailed: true, StateClosed: true},
	StateFailed:       {StateConnecting: true, StateConnected: true, StateClosed: true}, // an ICE restart may revive it
	StateClosed:       {},
}

// nextState moves cur towards pion's current state and reports whether it changed.
// Unknown pion states and moves the table lacks (back to New; anything after StateClosed)
// leave cur as it is.
func nextState(cur State, pcs webrtc.PeerConnectionState) (State, bool) {
	var to State
	switch pcs {
	case webrtc.PeerConnectionStateConnecting:
		to = StateConnecting
	case webrtc.PeerConnectionStateConnected:
		to = StateConnected
	case webrtc.PeerConnectionStateDisconnected:
		to = StateDisconnected
	case webrtc.PeerConnectionStateFailed:
		to = StateFailed
	case webrtc.PeerConnectionStateClosed:
		to = StateClosed
	default:
		return cur, false
	}
	if !stateEdges[cur][to] {
		return cur, false
	}
	return to, true
}

package sip

import (
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// Direction says who placed a call.
type Direction uint8

// The directions. A desk-phone leg made by RingDevice is Outbound: we place it.
const (
	Inbound  Direction = iota // a trunk called us
	Outbound                  // we called a desk phone (RingDevice) or out through a trunk (Dial)
	numDirections
)

func (d Direction) String() string {
	switch d {
	case Inbound:
		return "inbound"
	case Outbound:
		return "outbound"
	}
	return "unknown"
}

// CallState is where a call's signalling stands.
type CallState uint8

// The states, in the order a call normally passes them (see doc.go for the machine).
const (
	StateNew       CallState = iota // INVITE received (or sent); no answer or ringing yet
	StateRinging                    // 180 sent or received
	StateEarly                      // 183 with SDP sent or received: early media flows
	StateAnswering                  // 200 sent, waiting for the caller's ACK
	StateActive                     // answered and confirmed
	StateEnded                      // over, for whatever reason
)

func (s CallState) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateRinging:
		return "ringing"
	case StateEarly:
		return "early"
	case StateAnswering:
		return "answering"
	case StateActive:
		return "active"
	case StateEnded:
		return "ended"
	}
	return "unknown"
}

// CallEvent is what happens to a call's signalling.
type CallEvent uint8

// The events. Who causes them (us or the far end) does not change the edge.
const (
	EvRing    CallEvent = iota // a 180 was sent or received
	EvEarly                    // a 183 with SDP was sent or received
	EvAnswer                   // a 2xx was sent (inbound) or received (outbound)
	EvAck                      // the ACK for our 2xx arrived, or we sent ours
	EvCancel                   // the caller cancelled, or we cancelled our INVITE
	EvReject                   // a final non-2xx response ended the INVITE
	EvBye                      // a BYE was sent or received
	EvTimeout                  // no ACK, no answer, session expiry, shutdown
)

func (e CallEvent) String() string {
	switch e {
	case EvRing:
		return "Ring"
	case EvEarly:
		return "Early"
	case EvAnswer:
		return "Answer"
	case EvAck:
		return "Ack"
	case EvCancel:
		return "Cancel"
	case EvReject:
		return "Reject"
	case EvBye:
		return "Bye"
	case EvTimeout:
		return "Timeout"
	}
	return "unknown"
}

// callEdges is the whole machine; nothing else changes a CallState. A BYE before the
// answer is not an edge: RFC 3261 §15 lets only the caller send it on an early dialog,
// and we answer such a BYE as a CANCEL would be.
var callEdges = map[CallState]map[CallEvent]CallState{
	StateNew:       {EvRing: StateRinging, EvEarly: StateEarly, EvAnswer: StateAnswering, EvCancel: StateEnded, EvReject: StateEnded, EvTimeout: StateEnded},
	StateRinging:   {EvRing: StateRinging, EvEarly: StateEarly, EvAnswer: StateAnswering, EvCancel: StateEnded, EvReject: StateEnded, EvTimeout: StateEnded},
	StateEarly:     {EvRing: StateEarly, EvEarly: StateEarly, EvAnswer: StateAnswering, EvCancel: StateEnded, EvReject: StateEnded, EvTimeout: StateEnded},
	StateAnswering: {EvAck: StateActive, EvBye: StateEnded, EvTimeout: StateEnded},
	StateActive:    {EvAck: StateActive, EvBye: StateEnded, EvTimeout: StateEnded},
}

// NextCallState is the call state machine as a pure function.
func NextCallState(cur CallState, ev CallEvent) (CallState, error) {
	if next, ok := callEdges[cur][ev]; ok {
		return next, nil
	}
	return cur, &TransitionError{From: cur, Event: ev}
}

// Outcome is how a call ended, for the calls-by-outcome counters.
type Outcome uint8

// The outcomes.
const (
	OutcomeAnswered  Outcome = iota // it was answered (whoever hung up)
	OutcomeCancelled                // the caller gave up, or we cancelled, before an answer
	OutcomeRejected                 // a final non-2xx response ended it (busy, unknown DID, …)
	OutcomeNoAnswer                 // it rang out, or timed out before an answer
	OutcomeFailed                   // transport or protocol failure
	numOutcomes
)

func (o Outcome) String() string {
	switch o {
	case OutcomeAnswered:
		return "answered"
	case OutcomeCancelled:
		return "cancelled"
	case OutcomeRejected:
		return "rejected"
	case OutcomeNoAnswer:
		return "no_answer"
	case OutcomeFailed:
		return "failed"
	}
	return "unknown"
}

// Reasons Calls.Ended is given. They are for logs and timelines; match on them only
// when the business side needs to know who ended the call.
const (
	ReasonCallerHangup    = "caller hung up"    // the far end sent BYE (on a desk-phone leg: the agent)
	ReasonCallerCancelled = "caller cancelled"  // CANCEL (or an early BYE) before the answer
	ReasonHangup          = "hung up"           // our Hangup
	ReasonNoACK           = "no ACK"            // our 2xx was never acknowledged
	ReasonSessionExpired  = "session expired"   // RFC 4028 refresh missing
	ReasonShutdown        = "shutdown"          // Run's context ended
	ReasonTransport       = "transport failure" // the INVITE transaction failed
)

// Call is one SIP call leg as the business side sees it. The identity fields never
// change after the call is handed out; the rest is read through methods.
type Call struct {
	// ID is our id for the call, unique in the process; media keys its endpoint by it.
	ID string
	// SIPCallID is the Call-ID header of the dialog.
	SIPCallID string
	// Direction says who placed the call.
	Direction Direction
	// Trunk is the trunk name for trunk calls (in or out), empty for desk-phone legs.
	Trunk string
	// DID is the dialled number of an inbound trunk call.
	DID string
	// Queue is the queue DID maps to (inbound only).
	Queue string
	// Caller is the calling number: From (or P-Asserted-Identity) user inbound, our
	// caller id outbound.
	Caller string
	// FromUser and ToUser are the user parts of the From and To headers.
	FromUser, ToUser string
	// Agent is the agent whose desk phone this leg rings (RingDevice) or who dials (Dial).
	Agent string
	// Created is when the INVITE arrived or was sent.
	Created time.Time
	// Log is the call's logger with sip_call_id (and call_id) bound.
	Log *slog.Logger

	mu          sync.Mutex
	state       CallState
	remoteMedia netip.AddrPort
	remoteSDP   []byte
	codec       string
	held        bool
	answered    time.Time

	leg *leg
}

// State is where the call's signalling stands.
func (c *Call) State() CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// RemoteMedia is the far end's RTP address from its latest SDP.
func (c *Call) RemoteMedia() netip.AddrPort {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remoteMedia
}

// RemoteSDP is the far end's latest session description.
func (c *Call) RemoteSDP() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.remoteSDP...)
}

// Codec is the negotiated audio codec, "PCMU" or "PCMA".
func (c *Call) Codec() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codec
}

// Held reports whether the far end has put the call on hold.
func (c *Call) Held() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held
}

// Answered is when the call was answered; zero before.
func (c *Call) Answered() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}

func (c *Call) setState(s CallState) {
	c.mu.Lock()
	c.state = s
	c.mu.Unlock()
}

func (c *Call) setMedia(m audioParams, sdp []byte) {
	c.mu.Lock()
	c.remoteMedia = m.Remote
	c.remoteSDP = sdp
	c.codec = m.Codec.String()
	c.held = m.Held()
	c.mu.Unlock()
}

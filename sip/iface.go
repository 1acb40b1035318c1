package sip

import (
	"context"
	"net/netip"
)

// Media is what the SIP side needs from the media plane: an RTP endpoint per call, told
// where the far end listens once SDP says so. sip never sees media's types; cmd wires
// an adapter (media.PortPool + media.NewRTPLeg behind these three calls).
//
// callID is Call.ID. Calls for one callID never overlap and come in order: Allocate,
// then any number of Connect, then Release (always, also when Allocate failed or the
// call never connected). Calls for different callIDs come concurrently.
type Media interface {
	// Allocate reserves an RTP endpoint for the call and returns the address to put in
	// our SDP. An unspecified address (0.0.0.0) is replaced by the gateway's public
	// address.
	Allocate(ctx context.Context, callID string) (netip.AddrPort, error)
	// Connect tells the endpoint where the far end receives and what was negotiated:
	// codec is "PCMU" or "PCMA", dtmfPT the telephone-event payload type (0: none). It is
	// called again when a re-INVITE or UPDATE moves the far end or changes the codec; an
	// unspecified remote address means the far end is on (RFC 2543) hold.
	Connect(callID string, remote netip.AddrPort, codec string, dtmfPT uint8) error
	// Release frees the endpoint.
	Release(callID string)
}

// Calls is the business side as the SIP side sees it (in cmd: routing plus media
// glue). Its methods are called from the call's own goroutine and must not block on
// that call's signalling: they may call Answer, Hangup and friends, which hand work
// to that goroutine, but only Incoming may wait for them (Answer from inside Incoming
// works). Return our error sentinels (wrapped as you like) to choose the SIP status.
type Calls interface {
	// Incoming offers a trunk call to a known DID. Return nil to take it: then answer
	// (Answer) or give early media (Ringing, EarlyMedia) whenever you like, and expect
	// Ended exactly once. Return an error to refuse it; the status comes from the error
	// (ErrDraining 503, ErrBusy 486, ErrUnavailable 480, …) and Ended never comes.
	// ctx ends when the call does (the caller may cancel while Incoming runs); Incoming
	// must return promptly then, since the call cannot finish before it has.
	Incoming(ctx context.Context, c *Call) error
	// Ended reports that a call that was taken (Incoming returned nil) or handed out
	// (RingDevice, Dial) is over, whoever ended it; reason is one of the Reason
	// constants. It is called exactly once per such call, after its media is released.
	Ended(c *Call, reason string)
	// Hold reports that the far end put the call on hold (sendonly, inactive or
	// c=0.0.0.0 in a re-INVITE or UPDATE) or took it off hold.
	Hold(c *Call, held bool)
}

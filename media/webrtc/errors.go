package webrtc

import "errors"

var (
	// ErrInvalidConfig is returned by Config.Validate for a configuration that cannot
	// work.
	ErrInvalidConfig = errors.New("invalid webrtc config")
	// ErrGatewayClosed is returned by NewAgentLeg once the Gateway is closing.
	ErrGatewayClosed = errors.New("webrtc gateway closed")
	// ErrNegotiation is returned by Offer and Answer when the signalling state does not
	// allow the step: an answer with no offer outstanding, or an offer while the peer
	// connection is in a state other than stable or have-local-offer.
	ErrNegotiation = errors.New("webrtc negotiation out of order")
	// ErrBadAnswer is returned by Answer for an answer that does not parse, is too
	// large, lacks a DTLS fingerprint or is refused by the peer connection. The offer
	// stays outstanding, so a corrected answer can still follow.
	ErrBadAnswer = errors.New("unacceptable webrtc answer")
	// ErrNoCommonCodec is returned by Answer when the browser accepted neither PCMU
	// nor PCMA for the audio transceiver. It also unwraps to ErrBadAnswer.
	ErrNoCommonCodec = errors.New("no common audio codec")
)

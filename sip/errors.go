package sip

import (
	"context"
	"errors"
	"fmt"
)

var (
	// ErrUnknownDID is returned when a trunk call dials a number no queue answers (404).
	ErrUnknownDID = errors.New("unknown DID")
	// ErrDraining is returned once Drain was called: new calls are refused (503).
	ErrDraining = errors.New("draining")
	// ErrBusy means the callee (an agent's phone, a trunk destination, or the business
	// side refusing a call) is busy (486).
	ErrBusy = errors.New("busy")
	// ErrUnavailable means nobody can take the call now: no agent, a queue that refuses,
	// a phone that is not registered (480).
	ErrUnavailable = errors.New("temporarily unavailable")
	// ErrNoAnswer means the callee rang but did not answer in time (480 when we answer
	// for it, 408 or 480 when the network does).
	ErrNoAnswer = errors.New("no answer")
	// ErrDeclined means the callee refused the call (603).
	ErrDeclined = errors.New("declined")
	// ErrNotFound means the called number or user does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrTooManyCalls means the gateway is at its concurrent call limit (503).
	ErrTooManyCalls = errors.New("too many calls")
	// ErrBadSDP is returned for a session description we cannot parse (400).
	ErrBadSDP = errors.New("malformed SDP")
	// ErrNoCommonCodec is returned when an offer has no audio stream we can take:
	// neither PCMU nor PCMA over RTP/AVP (488).
	ErrNoCommonCodec = errors.New("no common codec")
	// ErrBadRequest is returned for a request that is well formed but unusable: a
	// missing Contact, a non-SIP address of record (400).
	ErrBadRequest = errors.New("bad request")
	// ErrForbidden is returned when an authenticated party may not do what it asked
	// (403), e.g. registering an address of record that is not its own.
	ErrForbidden = errors.New("forbidden")
	// ErrCallEnded is returned by Answer, Hangup and friends when the call is over.
	ErrCallEnded = errors.New("call ended")
	// ErrAnswered is returned when a call that was already answered is answered again or
	// given an early response.
	ErrAnswered = errors.New("call already answered")
	// ErrNoOffer is returned by EarlyMedia for an INVITE without SDP: early media would
	// need a reliable provisional response (100rel), which we do not do.
	ErrNoOffer = errors.New("early media needs the caller's SDP offer")
	// ErrWrongDirection is returned by Answer and the early responses for a call we
	// placed: only calls we receive can be answered.
	ErrWrongDirection = errors.New("not an incoming call")
	// ErrUnknownTrunk is returned by Dial for a trunk name that is not configured, or one
	// with no outbound target.
	ErrUnknownTrunk = errors.New("unknown trunk")
	// ErrNotRegistered is returned by RingDevice when the agent has no live binding
	// (480 when mapped).
	ErrNotRegistered = fmt.Errorf("device not registered: %w", ErrUnavailable)
	// ErrServerClosed is returned for work asked of a server that has stopped.
	ErrServerClosed = errors.New("sip server closed")
	// ErrIntervalTooBrief is a registration shorter than MinExpires (423).
	ErrIntervalTooBrief = errors.New("interval too brief")
	// ErrOutOfOrder is a REGISTER whose CSeq is not above the binding's for the same
	// Call-ID: a retransmission or reordering (500, RFC 3261 §10.3 step 7).
	ErrOutOfOrder = errors.New("out-of-order registration")
	// ErrInvalidConfig wraps every Config.Validate failure.
	ErrInvalidConfig = errors.New("invalid sip config")
	// ErrInvalidTransition is what TransitionError unwraps to.
	ErrInvalidTransition = errors.New("invalid transition")
)

// TransitionError reports an event the call state machine has no edge for.
type TransitionError struct {
	From  CallState
	Event CallEvent
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("call: no transition from %s on %s", e.From, e.Event)
}

// Unwrap makes errors.Is(err, ErrInvalidTransition) hold.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// StatusError carries a SIP final response we received (to an INVITE we sent) that
// none of the sentinels describes more precisely. It unwraps to the closest sentinel.
type StatusError struct {
	Code   int
	Reason string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("sip %d %s", e.Code, e.Reason)
}

// Unwrap maps the status class back to our sentinels so callers need only errors.Is.
func (e *StatusError) Unwrap() error {
	switch {
	case e.Code == 486 || e.Code == 600:
		return ErrBusy
	case e.Code == 603 || e.Code == 403:
		return ErrDeclined
	case e.Code == 404 || e.Code == 604 || e.Code == 484:
		return ErrNotFound
	case e.Code == 408 || e.Code == 480 || e.Code == 487:
		return ErrNoAnswer
	case e.Code == 488 || e.Code == 606:
		return ErrNoCommonCodec
	default:
		return ErrUnavailable
	}
}

// statusFor is the one place where an error becomes a SIP final response: every
// rejection, failed Incoming and unanswered Hangup goes through it. A nil error
// means "the call could not be completed for no particular reason" (480).
func statusFor(err error) (int, string) {
	switch {
	case err == nil:
		return 480, "Temporarily Unavailable"
	case errors.Is(err, ErrUnknownDID), errors.Is(err, ErrNotFound):
		return 404, "Not Found"
	case errors.Is(err, ErrDraining), errors.Is(err, ErrTooManyCalls), errors.Is(err, ErrServerClosed):
		return 503, "Service Unavailable"
	case errors.Is(err, ErrBusy):
		return 486, "Busy Here"
	case errors.Is(err, ErrDeclined):
		return 603, "Decline"
	case errors.Is(err, ErrNoCommonCodec):
		return 488, "Not Acceptable Here"
	case errors.Is(err, ErrBadSDP), errors.Is(err, ErrBadRequest):
		return 400, "Bad Request"
	case errors.Is(err, ErrIntervalTooBrief):
		return 423, "Interval Too Brief"
	case errors.Is(err, ErrForbidden):
		return 403, "Forbidden"
	case errors.Is(err, ErrNoAnswer), errors.Is(err, ErrUnavailable):
		return 480, "Temporarily Unavailable"
	case errors.Is(err, context.DeadlineExceeded):
		return 408, "Request Timeout"
	case errors.Is(err, context.Canceled):
		return 487, "Request Terminated"
	default:
		return 500, "Server Internal Error"
	}
}

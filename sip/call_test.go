package sip

import (
	"errors"
	"testing"
)

func TestNextCallState(t *testing.T) {
	for _, tc := range []struct {
		name string
		from CallState
		ev   CallEvent
		want CallState
		ok   bool
	}{
		{"new -Ring-> ringing", StateNew, EvRing, StateRinging, true},
		{"new -Early-> early", StateNew, EvEarly, StateEarly, true},
		{"new -Answer-> answering", StateNew, EvAnswer, StateAnswering, true},
		{"new -Cancel-> ended", StateNew, EvCancel, StateEnded, true},
		{"new -Reject-> ended", StateNew, EvReject, StateEnded, true},
		{"ringing -Early-> early", StateRinging, EvEarly, StateEarly, true},
		{"ringing -Answer-> answering", StateRinging, EvAnswer, StateAnswering, true},
		{"early -Ring-> early", StateEarly, EvRing, StateEarly, true},
		{"early -Answer-> answering", StateEarly, EvAnswer, StateAnswering, true},
		{"early -Timeout-> ended", StateEarly, EvTimeout, StateEnded, true},
		{"answering -Ack-> active", StateAnswering, EvAck, StateActive, true},
		{"answering -Timeout-> ended", StateAnswering, EvTimeout, StateEnded, true},
		{"active -Bye-> ended", StateActive, EvBye, StateEnded, true},
		{"active -Ack-> active", StateActive, EvAck, StateActive, true},
		{"(invalid) new -Bye", StateNew, EvBye, StateNew, false},
		{"(invalid) new -Ack", StateNew, EvAck, StateNew, false},
		{"(invalid) active -Cancel", StateActive, EvCancel, StateActive, false},
		{"(invalid) active -Answer", StateActive, EvAnswer, StateActive, false},
		{"(invalid) answering -Ring", StateAnswering, EvRing, StateAnswering, false},
		{"(invalid) ended -Bye", StateEnded, EvBye, StateEnded, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NextCallState(tc.from, tc.ev)
			if got != tc.want || (err == nil) != tc.ok {
				t.Fatalf("got %s, %v", got, err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidTransition) {
				t.Fatalf("error %v does not unwrap to ErrInvalidTransition", err)
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	for _, s := range []interface{ String() string }{Inbound, Outbound, StateNew, StateEnded, EvRing, EvTimeout, OutcomeAnswered, OutcomeFailed, codecPCMA, dirInactive, algSHA512256} {
		if s.String() == "" || s.String() == "unknown" {
			t.Errorf("%#v has no name", s)
		}
	}
}

func TestStatusFor(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{nil, 480},
		{ErrUnknownDID, 404},
		{ErrDraining, 503},
		{ErrTooManyCalls, 503},
		{ErrBusy, 486},
		{ErrDeclined, 603},
		{ErrNoCommonCodec, 488},
		{ErrBadSDP, 400},
		{ErrForbidden, 403},
		{ErrIntervalTooBrief, 423},
		{ErrNotRegistered, 480},
		{&StatusError{Code: 600, Reason: "Busy Everywhere"}, 486},
		{&StatusError{Code: 503, Reason: "x"}, 480},
		{errTest, 500},
	} {
		if code, _ := statusFor(tc.err); code != tc.code {
			t.Errorf("statusFor(%v) = %d, want %d", tc.err, code, tc.code)
		}
	}
}

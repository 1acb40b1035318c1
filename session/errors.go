package session

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidTransition is returned when an event does not apply to the current state.
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrChannelMove is returned when S2 does not allow moving between two channels.
	ErrChannelMove = errors.New("channel transfer not allowed")
	// ErrTransferRefused is returned when the T1 table refuses a transfer to an agent.
	ErrTransferRefused = errors.New("transfer refused by target agent state")
	// ErrInvalid is returned for input that breaks a model rule (empty ids, bad names).
	ErrInvalid = errors.New("invalid input")
)

// TransitionError tells which machine refused which event in which state.
type TransitionError struct {
	Machine string
	From    string
	Event   string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s: cannot %s when %s", e.Machine, e.Event, e.From)
}

// Unwrap makes errors.Is(err, ErrInvalidTransition) true.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

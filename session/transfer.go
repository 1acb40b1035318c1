package session

import "fmt"

// TransferAction is what agent A may do towards agent B (T1).
type TransferAction uint8

const (
	// NoAction: B is on a call or in ACW; no cold transfer into B's personal queue.
	NoAction TransferAction = iota
	// DirectTransfer: B is unavailable (not in ACW); the contact goes to B.
	DirectTransfer
	// ConsultThenTransfer: B is available; A and B talk, then the contact enters B's
	// personal queue behind what was already there.
	ConsultThenTransfer
)

func (a TransferAction) String() string {
	switch a {
	case DirectTransfer:
		return "transfer"
	case ConsultThenTransfer:
		return "consult"
	}
	return "none"
}

// TargetView is what the T1 rule needs to know about the target agent.
type TargetView struct {
	Presence Presence
	OnCall   bool // B has an assigned voice or video interaction not in wrap-up
	InACW    bool // B has after-call work left
}

// TransferRule is the T1 table: what A can do towards B given B's state.
//
//	B on a call or in ACW  → nothing
//	B unavailable (not ACW) → transfer: the contact goes to B
//	B available            → consult; on Transfer it enters B's personal queue
//	B offline              → nothing (nobody would ever take it)
func TransferRule(b TargetView) TransferAction {
	switch {
	case b.OnCall || b.InACW:
		return NoAction
	case b.Presence == Offline:
		return NoAction
	case b.Presence == Available:
		return ConsultThenTransfer
	default: // unavailable, RONA
		return DirectTransfer
	}
}

// CheckDigitalTransfer applies T1 to a digital interaction moved to an agent: for
// chat and other digital contacts the consult step is the target seeing the offer, so
// both DirectTransfer and ConsultThenTransfer put the contact in B's personal queue.
func CheckDigitalTransfer(b TargetView) error {
	if a := TransferRule(b); a == NoAction {
		return fmt.Errorf("target is %s: %w", describe(b), ErrTransferRefused)
	}
	return nil
}

func describe(b TargetView) string {
	switch {
	case b.OnCall:
		return "on a call"
	case b.InACW:
		return "in after-call work"
	}
	return b.Presence.String()
}

package session

import (
	"fmt"
	"time"
)

// State is where an interaction is in its life (SPEC §1, §8).
type State uint8

const (
	StateUnknown State = iota
	Queued
	Offered
	Active
	Held
	Consult
	Conference
	Wrapup
	Done
	Abandoned
	Closed
	Interrupted
)

var stateNames = [...]string{"unknown", "queued", "offered", "active", "held", "consult", "conference", "wrapup", "done", "abandoned", "closed", "interrupted"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// ParseState maps a wire name to a State.
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if i > 0 && n == s {
			return State(i), nil
		}
	}
	return StateUnknown, fmt.Errorf("unknown state %q: %w", s, ErrInvalid)
}

// States lists every state in a stable order.
func States() []State {
	return []State{Queued, Offered, Active, Held, Consult, Conference, Wrapup, Done, Abandoned, Closed, Interrupted}
}

// Final reports whether nothing more happens to an interaction in this state.
func (s State) Final() bool { return s == Done || s == Abandoned || s == Closed }

// Assigned reports whether an agent is working on (or being offered) the interaction:
// it counts towards the agent's load.
func (s State) Assigned() bool {
	switch s {
	case Offered, Active, Held, Consult, Conference, Wrapup, Interrupted:
		return true
	}
	return false
}

// Action is an event that moves an interaction.
type Action uint8

const (
	ActOffer Action = iota + 1
	ActAccept
	ActDecline
	ActOfferTimedOut
	ActHold
	ActResume
	ActEnd
	ActWrapUp
	ActAbandon
	ActTransfer
	ActConference
	ActForceClose
	ActInterrupt
	ActRequeue
)

var actionNames = [...]string{"", "offer", "accept", "decline", "offer-timed-out", "hold", "resume", "end", "wrapup", "abandon", "transfer", "conference", "force-close", "interrupt", "requeue"}

func (a Action) String() string {
	if int(a) < len(actionNames) && a > 0 {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", a)
}

// interactionEdges is the whole interaction machine; nothing else changes a State.
var interactionEdges = map[State]map[Action]State{
	Queued: {
		ActOffer: Offered, ActAbandon: Abandoned, ActTransfer: Queued,
		ActForceClose: Closed, ActInterrupt: Interrupted, ActRequeue: Queued,
	},
	Offered: {
		ActAccept: Active, ActDecline: Queued, ActOfferTimedOut: Queued, ActAbandon: Abandoned,
		ActForceClose: Closed, ActInterrupt: Interrupted, ActRequeue: Queued,
	},
	Active: {
		ActHold: Held, ActEnd: Wrapup, ActTransfer: Queued, ActConference: Conference,
		ActForceClose: Closed, ActInterrupt: Interrupted,
	},
	Held: {
		ActResume: Active, ActEnd: Wrapup, ActTransfer: Queued, ActConference: Conference,
		ActForceClose: Closed, ActInterrupt: Interrupted,
	},
	Consult: {
		ActResume: Active, ActEnd: Wrapup, ActTransfer: Queued, ActConference: Conference,
		ActForceClose: Closed, ActInterrupt: Interrupted,
	},
	Conference: {
		ActEnd: Wrapup, ActForceClose: Closed, ActInterrupt: Interrupted,
	},
	Interrupted: {
		ActEnd: Wrapup, ActForceClose: Closed,
	},
	Wrapup: {
		ActWrapUp: Done, ActForceClose: Closed,
	},
}

// NextState is the pure transition function of the interaction machine.
func NextState(cur State, a Action) (State, error) {
	if next, ok := interactionEdges[cur][a]; ok {
		return next, nil
	}
	return cur, &TransitionError{Machine: "interaction", From: cur.String(), Event: a.String()}
}

// CanDo reports whether action a applies in state s.
func CanDo(s State, a Action) bool {
	_, ok := interactionEdges[s][a]
	return ok
}

// Interaction is one channel leg of a session.
type Interaction struct {
	ID              string
	SessionID       string
	CustomerID      string
	ContactID       string // S4: this contact
	MasterContactID string // S4: shared by related contacts; renewed after 3+ transfers
	Channel         Channel
	Direction       Direction
	State           State
	Queue           string // routing queue (empty while in a personal queue)
	PersonalAgent   string // set while waiting in an agent's personal queue (R6)
	AgentID         string // the owning agent (offered or working)
	TransferFrom    string // agent who transferred it to PersonalAgent (T4 fallback)
	Priority        int
	Seq             int64 // position in its queue: lower is served first
	Subject         string
	Body            string
	SourceNumber    string // dialled number / entry point (R5)
	CreatedAt       time.Time
	EnqueuedAt      time.Time
	OfferedAt       time.Time
	AcceptedAt      time.Time
	EndedAt         time.Time
	DoneAt          time.Time
	TransferCount   int
	Disposition     string
	Notes           string
	Tags            []string
	Reason          string // why it reached its last state (abandoned, closed, reconciled …)
	DeclinedBy      map[string]time.Time
	LastMessageSeq  int64 // seq of the newest message (digital channels)
	Participants    []Participant
	Version         int64 // bumped on every stored change
}

// Role is what a participant does in an interaction.
type Role uint8

const (
	RoleCustomer Role = iota + 1
	RoleOwner
	RoleConsultant
	RoleConferee
	RoleMonitor
	RoleBarge
)

var roleNames = [...]string{"", "customer", "owner", "consultant", "conferee", "monitor", "barge"}

func (r Role) String() string {
	if int(r) < len(roleNames) && r > 0 {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", r)
}

// Participant is someone taking part in an interaction; transfer, consult, conference
// and monitoring are changes of participants (SPEC §1).
type Participant struct {
	Role     Role
	AgentID  string // empty for the customer
	JoinedAt time.Time
	LeftAt   time.Time
}

// Effect is something the router must do because of a transition.
type Effect interface{ isEffect() }

// MarkRONA puts the agent who missed an offer in RONA (R4).
type MarkRONA struct{ AgentID string }

// Release frees one unit of the agent's load.
type Release struct{ AgentID string }

// RequeueHead puts the interaction back at the head of its queue.
type RequeueHead struct{}

// RequeueTail puts the interaction at the tail of its (possibly new) queue.
type RequeueTail struct{}

// NewMasterContact says the interaction got a new master contact id (S4).
type NewMasterContact struct{ Old string }

func (MarkRONA) isEffect()         {}
func (Release) isEffect()          {}
func (RequeueHead) isEffect()      {}
func (RequeueTail) isEffect()      {}
func (NewMasterContact) isEffect() {}

// Input is an event applied to an interaction with Apply.
type Input interface{ action() Action }

type (
	// Offer reserves the interaction for an agent.
	Offer struct{ AgentID string }
	// Accept is the offered agent taking the interaction.
	Accept struct{}
	// Decline is the offered agent refusing; another agent gets it first (R4).
	Decline struct{}
	// OfferTimedOut is an offer not accepted within the queue's offer timeout (R4).
	OfferTimedOut struct{}
	// Hold puts the customer on hold (also "New contact", S3).
	Hold struct{}
	// Resume takes the customer off hold.
	Resume struct{}
	// End finishes the conversation; after-call work follows.
	End struct{ Reason string }
	// WrapUp completes after-call work (W1–W3).
	WrapUp struct {
		Disposition string
		Notes       string
		Tags        []string
	}
	// Abandon is the customer leaving before an agent took the contact.
	Abandon struct{ Reason string }
	// Transfer moves the interaction to a queue or to an agent's personal queue.
	Transfer struct {
		Queue    string
		ToAgent  string
		Priority *int
	}
	// AddConferee adds a participant; the interaction shows "conference" (T5).
	AddConferee struct{ AgentID string }
	// ForceClose is a supervisor closing the interaction (V6).
	ForceClose struct{ Reason string }
	// Interrupt is the interaction's entry point being removed (W10).
	Interrupt struct{ Reason string }
	// Requeue returns an offered or queued interaction to the head of its queue
	// (start-up reconciliation, an agent logging out).
	Requeue struct{ Reason string }
)

func (Offer) action() Action         { return ActOffer }
func (Accept) action() Action        { return ActAccept }
func (Decline) action() Action       { return ActDecline }
func (OfferTimedOut) action() Action { return ActOfferTimedOut }
func (Hold) action() Action          { return ActHold }
func (Resume) action() Action        { return ActResume }
func (End) action() Action           { return ActEnd }
func (WrapUp) action() Action        { return ActWrapUp }
func (Abandon) action() Action       { return ActAbandon }
func (Transfer) action() Action      { return ActTransfer }
func (AddConferee) action() Action   { return ActConference }
func (ForceClose) action() Action    { return ActForceClose }
func (Interrupt) action() Action     { return ActInterrupt }
func (Requeue) action() Action       { return ActRequeue }

// ActionOf returns the machine action an input stands for.
func ActionOf(in Input) Action { return in.action() }

// MasterContactTransfers is how many transfers give a contact a new master id (S4).
const MasterContactTransfers = 3

// Apply moves the interaction by one input at time now and returns what the router
// must do. On error the interaction is unchanged.
func (it *Interaction) Apply(in Input, now time.Time) ([]Effect, error) {
	next, err := NextState(it.State, in.action())
	if err != nil {
		return nil, err
	}
	var fx []Effect
	prevAgent := it.AgentID
	switch v := in.(type) {
	case Offer:
		if v.AgentID == "" {
			return nil, fmt.Errorf("offer without agent: %w", ErrInvalid)
		}
		it.AgentID = v.AgentID
		it.OfferedAt = now
	case Accept:
		it.AcceptedAt = now
		it.PersonalAgent = ""
		it.TransferFrom = ""
		it.join(RoleOwner, it.AgentID, now)
	case Decline:
		if it.DeclinedBy == nil {
			it.DeclinedBy = map[string]time.Time{}
		}
		it.DeclinedBy[prevAgent] = now
		it.AgentID = ""
		it.OfferedAt = time.Time{}
		fx = append(fx, Release{prevAgent}, RequeueHead{})
	case OfferTimedOut:
		it.AgentID = ""
		it.OfferedAt = time.Time{}
		fx = append(fx, Release{prevAgent}, MarkRONA{prevAgent}, RequeueHead{})
	case Hold, Resume:
	case End:
		it.EndedAt = now
		it.Reason = v.Reason
	case WrapUp:
		it.Disposition = v.Disposition
		it.Notes = v.Notes
		it.Tags = append([]string(nil), v.Tags...)
		it.DoneAt = now
		it.leaveAll(now)
		fx = append(fx, Release{prevAgent})
	case Abandon:
		it.EndedAt, it.DoneAt, it.Reason = now, now, v.Reason
		it.leaveAll(now)
		if prevAgent != "" {
			fx = append(fx, Release{prevAgent})
		}
	case Transfer:
		if v.Queue == "" && v.ToAgent == "" {
			return nil, fmt.Errorf("transfer needs a queue or an agent: %w", ErrInvalid)
		}
		if it.State != Queued {
			it.TransferFrom = prevAgent
		}
		if v.ToAgent != "" {
			it.PersonalAgent = v.ToAgent
		} else {
			it.PersonalAgent = ""
			it.TransferFrom = ""
			it.Queue = v.Queue
		}
		if v.Priority != nil {
			it.Priority = *v.Priority
		}
		it.AgentID = ""
		it.OfferedAt = time.Time{}
		it.DeclinedBy = nil
		it.TransferCount++
		if prevAgent != "" {
			it.leave(prevAgent, now)
			fx = append(fx, Release{prevAgent})
		}
		fx = append(fx, RequeueTail{})
		if it.TransferCount >= MasterContactTransfers && it.TransferCount%MasterContactTransfers == 0 {
			fx = append(fx, NewMasterContact{Old: it.MasterContactID})
		}
	case AddConferee:
		it.join(RoleConferee, v.AgentID, now)
	case ForceClose:
		it.EndedAt, it.DoneAt, it.Reason = orNow(it.EndedAt, now), now, v.Reason
		it.leaveAll(now)
		if prevAgent != "" {
			fx = append(fx, Release{prevAgent})
		}
	case Interrupt:
		it.Reason = v.Reason
		if it.State == Queued || it.State == Offered {
			// Nobody works on it yet: nothing to finish, close it outright.
			next = Closed
			it.EndedAt, it.DoneAt = now, now
			if prevAgent != "" {
				fx = append(fx, Release{prevAgent})
			}
			it.AgentID = ""
		}
	case Requeue:
		it.Reason = v.Reason
		it.AgentID = ""
		it.OfferedAt = time.Time{}
		if prevAgent != "" {
			fx = append(fx, Release{prevAgent})
		}
		fx = append(fx, RequeueHead{})
	}
	it.State = next
	return fx, nil
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

func (it *Interaction) join(r Role, agent string, now time.Time) {
	for _, p := range it.Participants {
		if p.AgentID == agent && p.Role == r && p.LeftAt.IsZero() {
			return
		}
	}
	it.Participants = append(it.Participants, Participant{Role: r, AgentID: agent, JoinedAt: now})
}

func (it *Interaction) leave(agent string, now time.Time) {
	for i := range it.Participants {
		if it.Participants[i].AgentID == agent && it.Participants[i].LeftAt.IsZero() {
			it.Participants[i].LeftAt = now
		}
	}
}

func (it *Interaction) leaveAll(now time.Time) {
	for i := range it.Participants {
		if it.Participants[i].LeftAt.IsZero() {
			it.Participants[i].LeftAt = now
		}
	}
}

// Clone returns a deep copy, safe to hand to another goroutine.
func (it *Interaction) Clone() *Interaction {
	c := *it
	c.Tags = append([]string(nil), it.Tags...)
	c.Participants = append([]Participant(nil), it.Participants...)
	if it.DeclinedBy != nil {
		c.DeclinedBy = make(map[string]time.Time, len(it.DeclinedBy))
		for k, v := range it.DeclinedBy {
			c.DeclinedBy[k] = v
		}
	}
	return &c
}

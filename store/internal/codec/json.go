package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/omnigate/omnigate/session"
)

// The JSON shapes below are the stored format. Renaming a Go field in session must
// not rename a key here: old rows would stop reading.

type interactionJSON struct {
	ID              string               `json:"id"`
	SessionID       string               `json:"session_id"`
	CustomerID      string               `json:"customer_id,omitempty"`
	ContactID       string               `json:"contact_id,omitempty"`
	MasterContactID string               `json:"master_contact_id,omitempty"`
	Channel         string               `json:"channel"`
	Direction       string               `json:"direction"`
	State           string               `json:"state"`
	Queue           string               `json:"queue,omitempty"`
	PersonalAgent   string               `json:"personal_agent,omitempty"`
	AgentID         string               `json:"agent_id,omitempty"`
	TransferFrom    string               `json:"transfer_from,omitempty"`
	Priority        int                  `json:"priority,omitempty"`
	Seq             int64                `json:"seq"`
	Subject         string               `json:"subject,omitempty"`
	Body            string               `json:"body,omitempty"`
	SourceNumber    string               `json:"source_number,omitempty"`
	CreatedAt       time.Time            `json:"created_at,omitzero"`
	EnqueuedAt      time.Time            `json:"enqueued_at,omitzero"`
	OfferedAt       time.Time            `json:"offered_at,omitzero"`
	AcceptedAt      time.Time            `json:"accepted_at,omitzero"`
	EndedAt         time.Time            `json:"ended_at,omitzero"`
	DoneAt          time.Time            `json:"done_at,omitzero"`
	TransferCount   int                  `json:"transfer_count,omitempty"`
	Disposition     string               `json:"disposition,omitempty"`
	Notes           string               `json:"notes,omitempty"`
	Tags            []string             `json:"tags,omitempty"`
	Reason          string               `json:"reason,omitempty"`
	DeclinedBy      map[string]time.Time `json:"declined_by,omitempty"`
	LastMessageSeq  int64                `json:"last_message_seq,omitempty"`
	Participants    []participantJSON    `json:"participants,omitempty"`
	Version         int64                `json:"version"`
}

type participantJSON struct {
	Role     string    `json:"role"`
	AgentID  string    `json:"agent_id,omitempty"`
	JoinedAt time.Time `json:"joined_at,omitzero"`
	LeftAt   time.Time `json:"left_at,omitzero"`
}

type customerJSON struct {
	ID         string         `json:"id"`
	Name       string         `json:"name,omitempty"`
	Identities []identityJSON `json:"identities,omitempty"`
	CreatedAt  time.Time      `json:"created_at,omitzero"`
}

type identityJSON struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type sessionJSON struct {
	ID          string    `json:"id"`
	CustomerID  string    `json:"customer_id"`
	State       string    `json:"state"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
}

// eventJSON has no seq: the store assigns it and keeps it in its own column.
type eventJSON struct {
	At            time.Time         `json:"at,omitzero"`
	SessionID     string            `json:"session_id"`
	InteractionID string            `json:"interaction_id,omitempty"`
	AgentID       string            `json:"agent_id,omitempty"`
	Actor         string            `json:"actor,omitempty"`
	Type          string            `json:"type"`
	From          string            `json:"from,omitempty"`
	To            string            `json:"to,omitempty"`
	Reason        string            `json:"reason,omitempty"`
	Data          map[string]string `json:"data,omitempty"`
}

type messageJSON struct {
	Seq           int64     `json:"seq"`
	ID            string    `json:"id"`
	InteractionID string    `json:"interaction_id"`
	SessionID     string    `json:"session_id"`
	From          string    `json:"from,omitempty"`
	Text          string    `json:"text,omitempty"`
	At            time.Time `json:"at,omitzero"`
}

// EncodeInteraction normalises it and returns its stored form.
func EncodeInteraction(it *session.Interaction) (string, error) {
	it = Interaction(it)
	j := interactionJSON{
		ID: it.ID, SessionID: it.SessionID, CustomerID: it.CustomerID,
		ContactID: it.ContactID, MasterContactID: it.MasterContactID,
		Channel: it.Channel.String(), Direction: it.Direction.String(), State: it.State.String(),
		Queue: it.Queue, PersonalAgent: it.PersonalAgent, AgentID: it.AgentID, TransferFrom: it.TransferFrom,
		Priority: it.Priority, Seq: it.Seq,
		Subject: it.Subject, Body: it.Body, SourceNumber: it.SourceNumber,
		CreatedAt: it.CreatedAt, EnqueuedAt: it.EnqueuedAt, OfferedAt: it.OfferedAt,
		AcceptedAt: it.AcceptedAt, EndedAt: it.EndedAt, DoneAt: it.DoneAt,
		TransferCount: it.TransferCount, Disposition: it.Disposition, Notes: it.Notes,
		Tags: it.Tags, Reason: it.Reason, DeclinedBy: it.DeclinedBy,
		LastMessageSeq: it.LastMessageSeq, Version: it.Version,
	}
	for _, p := range it.Participants {
		j.Participants = append(j.Participants, participantJSON{
			Role: p.Role.String(), AgentID: p.AgentID, JoinedAt: p.JoinedAt, LeftAt: p.LeftAt,
		})
	}
	return marshal(j)
}

// DecodeInteraction reads what EncodeInteraction wrote.
func DecodeInteraction(b []byte) (*session.Interaction, error) {
	var j interactionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("decode interaction: %w", err)
	}
	it := &session.Interaction{
		ID: j.ID, SessionID: j.SessionID, CustomerID: j.CustomerID,
		ContactID: j.ContactID, MasterContactID: j.MasterContactID,
		Queue: j.Queue, PersonalAgent: j.PersonalAgent, AgentID: j.AgentID, TransferFrom: j.TransferFrom,
		Priority: j.Priority, Seq: j.Seq,
		Subject: j.Subject, Body: j.Body, SourceNumber: j.SourceNumber,
		CreatedAt: j.CreatedAt, EnqueuedAt: j.EnqueuedAt, OfferedAt: j.OfferedAt,
		AcceptedAt: j.AcceptedAt, EndedAt: j.EndedAt, DoneAt: j.DoneAt,
		TransferCount: j.TransferCount, Disposition: j.Disposition, Notes: j.Notes,
		Tags: j.Tags, Reason: j.Reason, DeclinedBy: j.DeclinedBy,
		LastMessageSeq: j.LastMessageSeq, Version: j.Version,
	}
	var errs []error
	var err error
	it.Channel, err = parseEnum[session.Channel]("channel", j.Channel)
	errs = append(errs, err)
	it.Direction, err = parseEnum[session.Direction]("direction", j.Direction)
	errs = append(errs, err)
	it.State, err = parseEnum[session.State]("state", j.State)
	errs = append(errs, err)
	for _, p := range j.Participants {
		role, err := parseEnum[session.Role]("role", p.Role)
		errs = append(errs, err)
		it.Participants = append(it.Participants, session.Participant{
			Role: role, AgentID: p.AgentID, JoinedAt: p.JoinedAt, LeftAt: p.LeftAt,
		})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("decode interaction %s: %w", j.ID, err)
	}
	return it, nil
}

// EncodeCustomer normalises c and returns its stored form.
func EncodeCustomer(c *session.Customer) (string, error) {
	c = Customer(c)
	j := customerJSON{ID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt}
	for _, id := range c.Identities {
		j.Identities = append(j.Identities, identityJSON{Kind: string(id.Kind), Value: id.Value})
	}
	return marshal(j)
}

// DecodeCustomer reads what EncodeCustomer wrote.
func DecodeCustomer(b []byte) (*session.Customer, error) {
	var j customerJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("decode customer: %w", err)
	}
	c := &session.Customer{ID: j.ID, Name: j.Name, CreatedAt: j.CreatedAt}
	for _, id := range j.Identities {
		c.Identities = append(c.Identities, session.Identity{Kind: session.IdentityKind(id.Kind), Value: id.Value})
	}
	return c, nil
}

// EncodeSession normalises s and returns its stored form.
func EncodeSession(s *session.Session) (string, error) {
	s = Session(s)
	return marshal(sessionJSON{
		ID: s.ID, CustomerID: s.CustomerID, State: s.State.String(),
		CreatedAt: s.CreatedAt, CompletedAt: s.CompletedAt,
	})
}

// DecodeSession reads what EncodeSession wrote.
func DecodeSession(b []byte) (*session.Session, error) {
	var j sessionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	st, err := parseEnum[session.SessionState]("session state", j.State)
	if err != nil {
		return nil, fmt.Errorf("decode session %s: %w", j.ID, err)
	}
	return &session.Session{
		ID: j.ID, CustomerID: j.CustomerID, State: st,
		CreatedAt: j.CreatedAt, CompletedAt: j.CompletedAt,
	}, nil
}

// EncodeEvent normalises e and returns its stored form, without Seq.
func EncodeEvent(e session.Event) (string, error) {
	e = Event(e)
	return marshal(eventJSON{
		At: e.At, SessionID: e.SessionID, InteractionID: e.InteractionID, AgentID: e.AgentID,
		Actor: e.Actor, Type: e.Type, From: e.From, To: e.To, Reason: e.Reason, Data: e.Data,
	})
}

// DecodeEvent reads what EncodeEvent wrote; seq comes from the store.
func DecodeEvent(seq int64, b []byte) (session.Event, error) {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return session.Event{}, fmt.Errorf("decode event %d: %w", seq, err)
	}
	return session.Event{
		Seq: seq, At: j.At, SessionID: j.SessionID, InteractionID: j.InteractionID, AgentID: j.AgentID,
		Actor: j.Actor, Type: j.Type, From: j.From, To: j.To, Reason: j.Reason, Data: j.Data,
	}, nil
}

// EncodeMessage normalises m and returns its stored form.
func EncodeMessage(m session.Message) (string, error) {
	m = Message(m)
	return marshal(messageJSON(m))
}

// DecodeMessage reads what EncodeMessage wrote.
func DecodeMessage(b []byte) (session.Message, error) {
	var j messageJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return session.Message{}, fmt.Errorf("decode message: %w", err)
	}
	return session.Message(j), nil
}

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", v, err)
	}
	return string(b), nil
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// interactionJSON is an interaction on the wire.
type interactionJSON struct {
	ID              string            `json:"id"`
	SessionID       string            `json:"session_id"`
	CustomerID      string            `json:"customer_id"`
	ContactID       string            `json:"contact_id"`
	MasterContactID string            `json:"master_contact_id"`
	Channel         string            `json:"channel"`
	Direction       string            `json:"direction"`
	State           string            `json:"state"`
	Queue           string            `json:"queue"`
	PersonalAgent   string            `json:"personal_agent"`
	AgentID         string            `json:"agent_id"`
	Priority        int               `json:"priority"`
	Subject         string            `json:"subject"`
	Body            string            `json:"body"`
	SourceNumber    string            `json:"source_number"`
	CreatedAt       *time.Time        `json:"created_at"`
	EnqueuedAt      *time.Time        `json:"enqueued_at"`
	OfferedAt       *time.Time        `json:"offered_at"`
	AcceptedAt      *time.Time        `json:"accepted_at"`
	EndedAt         *time.Time        `json:"ended_at"`
	DoneAt          *time.Time        `json:"done_at"`
	TransferCount   int               `json:"transfer_count"`
	Disposition     string            `json:"disposition"`
	Notes           string            `json:"notes"`
	Tags            []string          `json:"tags"`
	Reason          string            `json:"reason"`
	Participants    []participantJSON `json:"participants"`
	Customer        *customerJSON     `json:"customer"`
	TransferTargets []string          `json:"transfer_targets"`
	Version         int64             `json:"version"`
}

type participantJSON struct {
	Role     string     `json:"role"`
	AgentID  string     `json:"agent_id"`
	JoinedAt *time.Time `json:"joined_at"`
	LeftAt   *time.Time `json:"left_at"`
}

type customerJSON struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Identities []identityJSON `json:"identities"`
}

type identityJSON struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type messageJSON struct {
	ID            string     `json:"id"`
	InteractionID string     `json:"interaction_id"`
	SessionID     string     `json:"session_id"`
	Seq           int64      `json:"seq"`
	From          string     `json:"from"`
	Text          string     `json:"text"`
	At            *time.Time `json:"at"`
}

func toInteractionJSON(it *session.Interaction, c *session.Customer) interactionJSON {
	out := interactionJSON{
		ID: it.ID, SessionID: it.SessionID, CustomerID: it.CustomerID, ContactID: it.ContactID,
		MasterContactID: it.MasterContactID, Channel: it.Channel.String(), Direction: it.Direction.String(),
		State: it.State.String(), Queue: it.Queue, PersonalAgent: it.PersonalAgent, AgentID: it.AgentID,
		Priority: it.Priority, Subject: it.Subject, Body: it.Body, SourceNumber: it.SourceNumber,
		CreatedAt: timeOrNil(it.CreatedAt), EnqueuedAt: timeOrNil(it.EnqueuedAt), OfferedAt: timeOrNil(it.OfferedAt),
		AcceptedAt: timeOrNil(it.AcceptedAt), EndedAt: timeOrNil(it.EndedAt), DoneAt: timeOrNil(it.DoneAt),
		TransferCount: it.TransferCount, Disposition: it.Disposition, Notes: it.Notes,
		Tags: nonNil(append([]string(nil), it.Tags...)), Reason: it.Reason,
		Participants: make([]participantJSON, 0, len(it.Participants)), TransferTargets: []string{},
		Version: it.Version,
	}
	for _, p := range it.Participants {
		out.Participants = append(out.Participants, participantJSON{
			Role: p.Role.String(), AgentID: p.AgentID, JoinedAt: timeOrNil(p.JoinedAt), LeftAt: timeOrNil(p.LeftAt),
		})
	}
	for _, ch := range session.ChannelTargets(it.Channel) {
		out.TransferTargets = append(out.TransferTargets, ch.String())
	}
	if c != nil {
		cj := toCustomerJSON(c)
		out.Customer = &cj
	}
	return out
}

func toCustomerJSON(c *session.Customer) customerJSON {
	out := customerJSON{ID: c.ID, Name: c.Name, Identities: make([]identityJSON, 0, len(c.Identities))}
	for _, id := range c.Identities {
		out.Identities = append(out.Identities, identityJSON{Kind: string(id.Kind), Value: id.Value})
	}
	return out
}

func toMessageJSON(m session.Message) messageJSON {
	return messageJSON{
		ID: m.ID, InteractionID: m.InteractionID, SessionID: m.SessionID, Seq: m.Seq,
		From: m.From, Text: m.Text, At: timeOrNil(m.At),
	}
}

// customers looks customers up once per request.
type customers struct {
	s    *Server
	ctx  context.Context
	seen map[string]*session.Customer
}

func (s *Server) customers(ctx context.Context) *customers {
	return &customers{s: s, ctx: ctx, seen: map[string]*session.Customer{}}
}

// get returns the customer, or nil when it cannot be read: an interaction is still
// worth showing without its customer card, and the failure is logged.
func (c *customers) get(id string) *session.Customer {
	if id == "" {
		return nil
	}
	if cu, ok := c.seen[id]; ok {
		return cu
	}
	cu, err := c.s.eng.Customer(c.ctx, id)
	if err != nil {
		c.s.log.Warn("customer lookup failed", logCustomerID, id, "err", err)
		cu = nil
	}
	c.seen[id] = cu
	return cu
}

func (c *customers) interaction(it *session.Interaction) interactionJSON {
	return toInteractionJSON(it, c.get(it.CustomerID))
}

// canSee reports whether the principal may read the interaction: supervisors and
// admins see everything, an agent what it owns, is offered, or takes or took part in.
func canSee(p *principal, it *session.Interaction) bool {
	if !p.isAgent() || it.AgentID == p.agentID {
		return true
	}
	for _, x := range it.Participants {
		if x.AgentID == p.agentID {
			return true
		}
	}
	return false
}

// visibleInteraction loads an interaction the principal may read.
func (s *Server) visibleInteraction(ctx context.Context, p *principal, id string) (*session.Interaction, error) {
	it, err := s.eng.Interaction(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSee(p, it) {
		return nil, fmt.Errorf("interaction %s belongs to another agent: %w", id, routing.ErrForbidden)
	}
	return it, nil
}

type customerRequest struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

type createRequest struct {
	Channel      string          `json:"channel"`
	Queue        string          `json:"queue"`
	AgentID      string          `json:"agent_id"`
	Priority     *int            `json:"priority"`
	Customer     customerRequest `json:"customer"`
	Subject      string          `json:"subject"`
	Body         string          `json:"body"`
	SourceNumber string          `json:"source_number"`

	channel session.Channel
}

func (q *createRequest) validate() error {
	ch, err := session.ParseChannel(q.Channel)
	if err != nil {
		return err
	}
	if !ch.IsDigital() {
		return fmt.Errorf("%s contacts come in through SIP, not this call: %w", ch, session.ErrInvalid)
	}
	if q.Queue == "" && q.AgentID == "" {
		return fmt.Errorf("queue or agent_id is required: %w", session.ErrInvalid)
	}
	q.channel = ch
	return nil
}

type createdJSON struct {
	ID        string `json:"id"`
	SessionID string `json:"session_id"`
	State     string `json:"state"`
}

func (s *Server) createInteraction(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req createRequest
	if err := decodeJSON(r.Body, &req, false); err != nil {
		return err
	}
	it, err := s.eng.CreateInteraction(r.Context(), routing.NewInteraction{
		Channel: req.channel, Direction: session.Inbound, Queue: req.Queue, ToAgent: req.AgentID,
		Priority: req.Priority, Subject: req.Subject, Body: req.Body, SourceNumber: req.SourceNumber,
		Customer: routing.CustomerInfo{Name: req.Customer.Name, Phone: req.Customer.Phone, Email: req.Customer.Email},
		Actor:    p.actor(),
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/interactions/"+it.ID)
	writeJSON(w, http.StatusCreated, createdJSON{ID: it.ID, SessionID: it.SessionID, State: it.State.String()})
	return nil
}

// maxListLimit is the most interactions one listing returns (the engine's own cap).
const maxListLimit = 1000

func (s *Server) listInteractions(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	f := routing.Filter{Queue: q.Get("queue"), AgentID: q.Get("agent")}
	if v := q.Get("state"); v != "" {
		st, err := session.ParseState(v)
		if err != nil {
			return err
		}
		f.State = st
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			return fmt.Errorf("limit must be a number from 1 to %d: %w", maxListLimit, session.ErrInvalid)
		}
		f.Limit = n
	}
	if p.isAgent() {
		if f.AgentID != "" && f.AgentID != p.agentID {
			return fmt.Errorf("agent %s may not list agent %s's interactions: %w", p.agentID, f.AgentID, routing.ErrForbidden)
		}
		f.AgentID = p.agentID
	}
	its, err := s.eng.Interactions(r.Context(), f)
	if err != nil {
		return err
	}
	cs := s.customers(r.Context())
	out := make([]interactionJSON, 0, len(its))
	for _, it := range its {
		out = append(out, cs.interaction(it))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getInteraction(w http.ResponseWriter, r *http.Request, p *principal) error {
	it, err := s.visibleInteraction(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.customers(r.Context()).interaction(it))
	return nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("after must be a message seq (0 or more): %w", session.ErrInvalid)
		}
		after = n
	}
	if _, err := s.visibleInteraction(r.Context(), p, id); err != nil {
		return err
	}
	ms, err := s.eng.Messages(r.Context(), id, after)
	if err != nil {
		return err
	}
	out := make([]messageJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, toMessageJSON(m))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type messageRequest struct {
	Text string `json:"text"`
}

// validate holds the edge to the same limit the engine enforces (W6), so nothing of
// an over-long message gets past the API.
func (q *messageRequest) validate() error {
	if strings.TrimSpace(q.Text) == "" {
		return fmt.Errorf("text is required: %w", session.ErrInvalid)
	}
	if n := utf8.RuneCountInString(q.Text); n > session.MaxMessageLen {
		return fmt.Errorf("message has %d characters, at most %d are allowed: %w", n, session.MaxMessageLen, routing.ErrTooLong)
	}
	return nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req messageRequest
	if err := decodeJSON(r.Body, &req, false); err != nil {
		return err
	}
	m, err := s.eng.PostMessage(r.Context(), r.PathValue("id"), p.actor(), req.Text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toMessageJSON(*m))
	return nil
}

// reasonRequest is the optional body of accept, decline, hold, resume, end and
// force-close.
type reasonRequest struct {
	Reason string `json:"reason"`
}

func (q *reasonRequest) validate() error {
	if len(q.Reason) > routing.MaxReasonLen {
		return fmt.Errorf("reason longer than %d bytes: %w", routing.MaxReasonLen, routing.ErrTooLong)
	}
	return nil
}

// agentAction is one of the simple interaction actions an agent takes.
type agentAction struct {
	name string
	do   func(e *routing.Engine, ctx context.Context, id string, by routing.Actor, reason string) (*session.Interaction, error)
}

var agentActions = []agentAction{
	{"accept", func(e *routing.Engine, ctx context.Context, id string, by routing.Actor, _ string) (*session.Interaction, error) {
		return e.Accept(ctx, id, by)
	}},
	{"decline", (*routing.Engine).Decline},
	{"hold", (*routing.Engine).Hold},
	{"resume", (*routing.Engine).Resume},
	{"end", (*routing.Engine).End},
}

func (s *Server) interactionAction(a agentAction) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		var req reasonRequest
		if err := decodeJSON(r.Body, &req, true); err != nil {
			return err
		}
		it, err := a.do(s.eng, r.Context(), r.PathValue("id"), p.actor(), strings.TrimSpace(req.Reason))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.customers(r.Context()).interaction(it))
		return nil
	}
}

type wrapUpRequest struct {
	Disposition string   `json:"disposition"`
	Notes       string   `json:"notes"`
	Tags        []string `json:"tags"`
}

func (q *wrapUpRequest) validate() error { return nil } // the engine holds W1–W3

func (s *Server) wrapUp(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req wrapUpRequest
	if err := decodeJSON(r.Body, &req, true); err != nil {
		return err
	}
	it, err := s.eng.WrapUp(r.Context(), r.PathValue("id"), p.actor(), routing.WrapUpInput{
		Disposition: req.Disposition, Notes: req.Notes, Tags: req.Tags,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.customers(r.Context()).interaction(it))
	return nil
}

type transferRequest struct {
	Queue   string `json:"queue"`
	AgentID string `json:"agent_id"`
}

func (q *transferRequest) validate() error {
	if (q.Queue == "") == (q.AgentID == "") {
		return fmt.Errorf("give exactly one of queue or agent_id: %w", session.ErrInvalid)
	}
	return nil
}

func (s *Server) transfer(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req transferRequest
	if err := decodeJSON(r.Body, &req, false); err != nil {
		return err
	}
	it, err := s.eng.Transfer(r.Context(), r.PathValue("id"), p.actor(), routing.Target{Queue: req.Queue, AgentID: req.AgentID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.customers(r.Context()).interaction(it))
	return nil
}

func (s *Server) forceClose(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req reasonRequest
	if err := decodeJSON(r.Body, &req, true); err != nil {
		return err
	}
	it, err := s.eng.ForceClose(r.Context(), r.PathValue("id"), p.actor(), strings.TrimSpace(req.Reason))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.customers(r.Context()).interaction(it))
	return nil
}

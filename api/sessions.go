package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

type sessionJSON struct {
	ID           string            `json:"id"`
	CustomerID   string            `json:"customer_id"`
	State        string            `json:"state"`
	CreatedAt    *time.Time        `json:"created_at"`
	CompletedAt  *time.Time        `json:"completed_at"`
	Customer     *customerJSON     `json:"customer"`
	Interactions []interactionJSON `json:"interactions"`
}

type eventJSON struct {
	Seq           int64             `json:"seq"`
	At            *time.Time        `json:"at"`
	InteractionID string            `json:"interaction_id"`
	AgentID       string            `json:"agent_id"`
	Actor         string            `json:"actor"`
	Type          string            `json:"type"`
	From          string            `json:"from"`
	To            string            `json:"to"`
	Reason        string            `json:"reason"`
	Data          map[string]string `json:"data"`
}

// visibleSession loads a session the principal may read: supervisors and admins
// any, an agent one where it owns or took part in one of the interactions.
func (s *Server) visibleSession(ctx context.Context, p *principal, id string) (*session.Session, []*session.Interaction, error) {
	ss, its, err := s.eng.Session(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !p.isAgent() {
		return ss, its, nil
	}
	for _, it := range its {
		if canSee(p, it) {
			return ss, its, nil
		}
	}
	return nil, nil, fmt.Errorf("session %s: agent %s took no part in it: %w", id, p.agentID, routing.ErrForbidden)
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request, p *principal) error {
	ss, its, err := s.visibleSession(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	cs := s.customers(r.Context())
	out := sessionJSON{
		ID: ss.ID, CustomerID: ss.CustomerID, State: ss.State.String(), CreatedAt: timeOrNil(ss.CreatedAt),
		CompletedAt: timeOrNil(ss.CompletedAt), Interactions: make([]interactionJSON, 0, len(its)),
	}
	if c := cs.get(ss.CustomerID); c != nil {
		cj := toCustomerJSON(c)
		out.Customer = &cj
	}
	for _, it := range its {
		out.Interactions = append(out.Interactions, cs.interaction(it))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) sessionEvents(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	if _, _, err := s.visibleSession(r.Context(), p, id); err != nil {
		return err
	}
	evs, err := s.eng.SessionEvents(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]eventJSON, 0, len(evs))
	for _, e := range evs {
		data := e.Data
		if data == nil {
			data = map[string]string{}
		}
		out = append(out, eventJSON{
			Seq: e.Seq, At: timeOrNil(e.At), InteractionID: e.InteractionID, AgentID: e.AgentID, Actor: e.Actor,
			Type: e.Type, From: e.From, To: e.To, Reason: e.Reason, Data: data,
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

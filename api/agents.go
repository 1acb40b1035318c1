package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// agentJSON is an agent on the wire.
type agentJSON struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	State               string         `json:"state"`
	Reason              string         `json:"reason"`
	StateSince          *time.Time     `json:"state_since"`
	Activity            string         `json:"activity"`
	Load                map[string]int `json:"load"`
	LoadTotal           int            `json:"load_total"`
	Capacity            map[string]int `json:"capacity"`
	TotalCapacity       int            `json:"total_capacity"`
	Queues              []string       `json:"queues"`
	ExtraContactEnabled bool           `json:"extra_contact_enabled"`
	ExtraPending        int            `json:"extra_pending"`
	Device              string         `json:"device"`
}

func toAgentJSON(v routing.AgentView) agentJSON {
	out := agentJSON{
		ID: v.ID, Name: v.Name, State: v.Presence.String(), Reason: v.Reason, StateSince: timeOrNil(v.PresenceSince),
		Activity: v.Activity.String(), Load: channelCounts(v.Load), LoadTotal: v.Load.Total(),
		Capacity: channelCounts(v.Capacity), TotalCapacity: v.TotalCapacity, Queues: nonNil(v.Queues),
		ExtraContactEnabled: v.ExtraContact, ExtraPending: v.ExtraPending, Device: v.Device,
	}
	return out
}

func channelCounts(m map[session.Channel]int) map[string]int {
	out := make(map[string]int, len(m))
	for c, n := range m {
		if n != 0 {
			out[c.String()] = n
		}
	}
	return out
}

// timeOrNil is how every time goes on the wire: UTC, and null when unset.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// nonNil keeps lists as [] rather than null on the wire.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (s *Server) listAgents(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	views := s.eng.Agents()
	out := make([]agentJSON, 0, len(views))
	for _, v := range views {
		out = append(out, toAgentJSON(v))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request, _ *principal) error {
	v, err := s.eng.Agent(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAgentJSON(v))
	return nil
}

// selfOrSupervisor refuses an agent acting for another agent.
func selfOrSupervisor(p *principal, agentID string) error {
	if p.isAgent() && p.agentID != agentID {
		return fmt.Errorf("agent %s may not act for agent %s: %w", p.agentID, agentID, routing.ErrForbidden)
	}
	return nil
}

type stateRequest struct {
	State  string `json:"state"`
	Reason string `json:"reason"`
}

func (q *stateRequest) validate() error {
	if q.State == "" {
		return fmt.Errorf("state is required: %w", session.ErrInvalid)
	}
	return nil
}

func (s *Server) setAgentState(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	if err := selfOrSupervisor(p, id); err != nil {
		return err
	}
	var req stateRequest
	if err := decodeJSON(r.Body, &req, false); err != nil {
		return err
	}
	pres, err := session.ParsePresence(req.State)
	if err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if pres == session.Unavailable && req.Reason != "" && !slices.Contains(s.cfg.Reasons, req.Reason) {
		return fmt.Errorf("unknown reason %q (see GET /api/v1/reasons): %w", req.Reason, session.ErrInvalid)
	}
	v, err := s.eng.SetPresence(r.Context(), id, pres, req.Reason, p.actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAgentJSON(v))
	return nil
}

func (s *Server) extraContact(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	if err := selfOrSupervisor(p, id); err != nil {
		return err
	}
	if err := decodeJSON(r.Body, &emptyRequest{}, true); err != nil {
		return err
	}
	v, err := s.eng.RequestExtraContact(r.Context(), id, p.actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAgentJSON(v))
	return nil
}

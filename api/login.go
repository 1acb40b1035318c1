package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/omnigate/omnigate/session"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (q *loginRequest) validate() error {
	if q.Username == "" || q.Password == "" {
		return fmt.Errorf("username and password are required: %w", session.ErrInvalid)
	}
	return nil
}

type loginJSON struct {
	Token     string    `json:"token"`
	Role      string    `json:"role"`
	AgentID   string    `json:"agent_id"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
}

type meJSON struct {
	User      string    `json:"user"`
	Role      string    `json:"role"`
	AgentID   string    `json:"agent_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

type ticketJSON struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}

// login issues a bearer token. It does not make an agent available: the agent
// chooses that on the desktop.
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var req loginRequest
	if err := decodeJSON(r.Body, &req, false); err != nil {
		return err
	}
	p, err := s.sessions.login(req.Username, req.Password)
	if err != nil {
		s.log.Info("login refused", "remote", r.RemoteAddr)
		return err
	}
	s.log.Info("login", logUser, p.user, "role", string(p.role))
	writeJSON(w, http.StatusOK, loginJSON{Token: p.token, Role: string(p.role), AgentID: p.agentID, User: p.user, ExpiresAt: p.expires.UTC()})
	return nil
}

// logout forgets the token, ends the WebSockets opened with it and takes the agent
// offline (its pending offers go back to their queues).
func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := decodeJSON(r.Body, &emptyRequest{}, true); err != nil {
		return err
	}
	s.sessions.logout(p.token)
	s.closeSockets(p.token)
	if p.isAgent() {
		if _, err := s.eng.SetPresence(r.Context(), p.agentID, session.Offline, "logout", p.actor()); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request, p *principal) error {
	writeJSON(w, http.StatusOK, meJSON{User: p.user, Role: string(p.role), AgentID: p.agentID, ExpiresAt: p.expires.UTC()})
	return nil
}

func (s *Server) wsTicket(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := decodeJSON(r.Body, &emptyRequest{}, true); err != nil {
		return err
	}
	t, exp := s.sessions.issueTicket(p)
	writeJSON(w, http.StatusOK, ticketJSON{Ticket: t, ExpiresAt: exp.UTC()})
	return nil
}

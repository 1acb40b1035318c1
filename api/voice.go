package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// Voice is what the API needs from the voice gateway: the agent's browser softphone
// (one WebRTC leg per agent, nailed up for the shift) and calls an agent places or
// controls. cmd wires it; without it the voice endpoints answer 404 "not enabled".
type Voice interface {
	// SoftphoneOffer (re)creates the agent's WebRTC leg and returns the server's SDP
	// offer; the server is always the offerer.
	SoftphoneOffer(ctx context.Context, agentID string) (sdp string, err error)
	// SoftphoneAnswer completes the negotiation with the browser's SDP answer.
	SoftphoneAnswer(ctx context.Context, agentID, sdp string) error
	// SoftphoneClose ends the agent's leg.
	SoftphoneClose(ctx context.Context, agentID string) error
	// Dial places an outbound call for the agent to number, counted under the
	// agent's outbound voice skill queue; it returns the new interaction.
	// (DTMF from an agent goes in the media: the softphone's RTCDTMFSender or the desk
	// phone's keypad, relayed as RFC 4733 events.)
	Dial(ctx context.Context, agentID, number, queue string) (*session.Interaction, error)
}

// ErrVoiceFailed is for a Voice implementation to wrap when the network refused a
// call (busy, unreachable, no answer): answered with 502.
var ErrVoiceFailed = errors.New("call failed")

// MaxSDPBytes bounds an SDP answer from a browser.
const MaxSDPBytes = 64 << 10

// agentVoice is the start of every voice endpoint: the agent in the path must be
// the caller, and the gateway must be there.
func (s *Server) agentVoice(r *http.Request, p *principal) (string, Voice, error) {
	id := r.PathValue("id")
	if err := selfOnly(p, id); err != nil {
		return "", nil, err
	}
	if s.opt.Voice == nil {
		return "", nil, fmt.Errorf("voice gateway: %w", errUnavailable)
	}
	return id, s.opt.Voice, nil
}

type sdpJSON struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

func (q *sdpJSON) validate() error {
	if q.Type != "" && q.Type != "answer" {
		return fmt.Errorf("type must be \"answer\": %w", session.ErrInvalid)
	}
	if strings.TrimSpace(q.SDP) == "" {
		return fmt.Errorf("sdp is required: %w", session.ErrInvalid)
	}
	if len(q.SDP) > MaxSDPBytes {
		return fmt.Errorf("sdp over %d bytes: %w", MaxSDPBytes, routing.ErrTooLong)
	}
	return nil
}

func (s *Server) softphoneOffer(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, v, err := s.agentVoice(r, p)
	if err != nil {
		return err
	}
	if err := decodeJSON(r.Body, &emptyRequest{}, true); err != nil {
		return err
	}
	sdp, err := v.SoftphoneOffer(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sdpJSON{Type: "offer", SDP: sdp})
	return nil
}

func (s *Server) softphoneAnswer(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, v, err := s.agentVoice(r, p)
	if err != nil {
		return err
	}
	var q sdpJSON
	if err := decodeJSON(r.Body, &q, false); err != nil {
		return err
	}
	if err := v.SoftphoneAnswer(r.Context(), id, q.SDP); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) softphoneClose(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, v, err := s.agentVoice(r, p)
	if err != nil {
		return err
	}
	if err := v.SoftphoneClose(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type dialRequest struct {
	Number string `json:"number"`
	Queue  string `json:"queue"`
}

func (q *dialRequest) validate() error {
	q.Number = strings.TrimSpace(q.Number)
	if q.Number == "" {
		return fmt.Errorf("number is required: %w", session.ErrInvalid)
	}
	if len(q.Number) > 64 || strings.ContainsFunc(q.Number, func(r rune) bool { return !strings.ContainsRune("+0123456789*#", r) }) {
		return fmt.Errorf("number %q: only digits, + * and #, at most 64: %w", q.Number, session.ErrInvalid)
	}
	if q.Queue == "" {
		return fmt.Errorf("queue (the outbound voice skill) is required: %w", session.ErrInvalid)
	}
	return nil
}

func (s *Server) dial(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, v, err := s.agentVoice(r, p)
	if err != nil {
		return err
	}
	var q dialRequest
	if err := decodeJSON(r.Body, &q, false); err != nil {
		return err
	}
	it, err := v.Dial(r.Context(), id, q.Number, q.Queue)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.customers(r.Context()).interaction(it))
	return nil
}

// selfOnly lets an agent act only for itself (its own softphone, its own calls).
func selfOnly(p *principal, agentID string) error {
	if !p.isAgent() || p.agentID != agentID {
		return fmt.Errorf("only agent %s may do this: %w", agentID, routing.ErrForbidden)
	}
	return nil
}

package api

import (
	"net/http"

	"github.com/omnigate/omnigate/session"
)

type queueJSON struct {
	Name                string  `json:"name"`
	Waiting             int     `json:"waiting"`
	OldestWaitSeconds   float64 `json:"oldest_wait_seconds"`
	Agents              int     `json:"agents"`
	Available           int     `json:"available"`
	ServiceLevelSeconds float64 `json:"service_level_seconds"`
	OfferTimeoutSeconds float64 `json:"offer_timeout_seconds"`
}

func (s *Server) listQueues(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	qs := s.eng.Queues()
	out := make([]queueJSON, 0, len(qs))
	for _, q := range qs {
		out = append(out, queueJSON{
			Name: q.Name, Waiting: q.Waiting, OldestWaitSeconds: q.OldestWait.Seconds(), Agents: q.Agents,
			Available: q.Available, ServiceLevelSeconds: q.ServiceLevel.Seconds(), OfferTimeoutSeconds: q.OfferTimeout.Seconds(),
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type dispositionJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

func (s *Server) listDispositions(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	out := make([]dispositionJSON, 0, len(s.cfg.Dispositions))
	for _, d := range s.cfg.Dispositions {
		label := d.Label
		if label == "" {
			label = d.Code
		}
		out = append(out, dispositionJSON{Code: d.Code, Label: label})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listReasons(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeJSON(w, http.StatusOK, nonNil(s.cfg.Reasons))
	return nil
}

type transferAgentJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Action string `json:"action"`
}

type transferOptionsJSON struct {
	Queues []string            `json:"queues"`
	Agents []transferAgentJSON `json:"agents"`
}

// transferOptions is T1 as the desktop shows it: what the caller can do towards each
// other agent. An agent is not offered itself.
func (s *Server) transferOptions(w http.ResponseWriter, _ *http.Request, p *principal) error {
	rules := s.eng.TransferOptions()
	out := transferOptionsJSON{Queues: nonNil(s.eng.QueueNames()), Agents: []transferAgentJSON{}}
	for _, a := range s.eng.Agents() {
		if p.isAgent() && a.ID == p.agentID {
			continue
		}
		act, ok := rules[a.ID]
		if !ok {
			act = session.NoAction
		}
		out.Agents = append(out.Agents, transferAgentJSON{ID: a.ID, Name: a.Name, State: a.Presence.String(), Action: act.String()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

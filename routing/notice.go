package routing

import "github.com/omnigate/omnigate/session"

// NoticeKind says what a Notice is about.
type NoticeKind uint8

const (
	// NoticeOffer: an interaction was offered to Agents[0].
	NoticeOffer NoticeKind = iota + 1
	// NoticeOfferRevoked: the offer to Agents[0] is gone (timed out, customer left…).
	NoticeOfferRevoked
	// NoticeInteraction: an interaction changed; Agents are its old and new owners.
	NoticeInteraction
	// NoticeMessage: a new message in an interaction.
	NoticeMessage
	// NoticeAgent: an agent's presence or load changed.
	NoticeAgent
)

func (k NoticeKind) String() string {
	switch k {
	case NoticeOffer:
		return "offer"
	case NoticeOfferRevoked:
		return "offer.revoked"
	case NoticeInteraction:
		return "interaction"
	case NoticeMessage:
		return "message"
	case NoticeAgent:
		return "agent"
	}
	return "unknown"
}

// Notice tells subscribers (agent sockets, customer chat sockets) what changed. All
// pointers are copies made for the notice; several notices and subscribers may share
// them, so receivers must treat them as read-only.
type Notice struct {
	Kind        NoticeKind
	Agents      []string // agents concerned
	Interaction *session.Interaction
	Customer    *session.Customer
	Message     *session.Message
	Agent       *AgentView
	Offer       *OfferView
	Reason      string
}

func (e *Engine) notifyInteraction(old, nx *session.Interaction, reason string) {
	var agents []string
	add := func(id string) {
		if id == "" {
			return
		}
		for _, x := range agents {
			if x == id {
				return
			}
		}
		agents = append(agents, id)
	}
	if old != nil {
		add(old.AgentID)
	}
	add(nx.AgentID)
	for _, p := range nx.Participants {
		if p.LeftAt.IsZero() {
			add(p.AgentID)
		}
	}
	cp := nx.Clone()
	e.lastNoticed = cp
	n := Notice{Kind: NoticeInteraction, Agents: agents, Interaction: cp}
	if c := e.customers[nx.CustomerID]; c != nil {
		n.Customer = c.Clone()
	}
	e.notify(n)
	if old != nil && old.State == session.Offered && nx.State != session.Offered && nx.State != session.Active {
		e.notify(Notice{Kind: NoticeOfferRevoked, Agents: []string{old.AgentID}, Interaction: cp, Reason: reason})
	}
}

func (e *Engine) notifyAgent(a *agent) {
	v := e.agentView(a)
	e.notify(Notice{Kind: NoticeAgent, Agents: []string{a.ID}, Agent: &v})
}

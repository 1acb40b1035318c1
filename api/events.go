package api

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/omnigate/omnigate/routing"
)

const (
	// pingEvery keeps idle agent sockets alive through proxies and finds dead peers.
	pingEvery = 20 * time.Second
	// writeTimeout bounds one write or ping; a peer slower than that is dropped.
	// Writes do not take the server's context: cancelling a write makes the library
	// drop the connection, and at shutdown we want to send a close status instead.
	writeTimeout = 10 * time.Second
	// noticeBuffer is how many notices wait for one socket; more and the socket is
	// dropped (the desktop reconnects and fetches the state again).
	noticeBuffer = 256
)

// agentConn is one agent event WebSocket. Its ServeHTTP goroutine owns it: only that
// goroutine writes to the socket. The notice callback only queues, or cancels when
// the queue is full.
type agentConn struct {
	agentID  string
	token    string
	notices  chan routing.Notice
	cancel   context.CancelFunc
	overflow atomic.Bool
}

type eventMsg struct {
	Type          string           `json:"type"`
	Agent         *agentJSON       `json:"agent,omitempty"`
	Offer         *offerJSON       `json:"offer,omitempty"`
	Interaction   *interactionJSON `json:"interaction,omitempty"`
	Message       *messageJSON     `json:"message,omitempty"`
	InteractionID string           `json:"interaction_id,omitempty"`
	Reason        *string          `json:"reason,omitempty"`
}

type offerJSON struct {
	InteractionID  string     `json:"interaction_id"`
	SessionID      string     `json:"session_id"`
	Channel        string     `json:"channel"`
	Queue          string     `json:"queue"`
	CustomerName   string     `json:"customer_name"`
	CustomerNumber string     `json:"customer_number"`
	SourceNumber   string     `json:"source_number"`
	Subject        string     `json:"subject"`
	OfferedAt      *time.Time `json:"offered_at"`
	ExpiresAt      *time.Time `json:"expires_at"`
}

func toOfferJSON(v routing.OfferView) offerJSON {
	return offerJSON{
		InteractionID: v.InteractionID, SessionID: v.SessionID, Channel: v.Channel.String(), Queue: v.Queue,
		CustomerName: v.CustomerName, CustomerNumber: v.CustomerNumber, SourceNumber: v.SourceNumber,
		Subject: v.Subject, OfferedAt: timeOrNil(v.OfferedAt), ExpiresAt: timeOrNil(v.ExpiresAt),
	}
}

// register adds a socket to those closeSockets can end; the caller must call
// unregister when the socket is done.
func (s *Server) register(c *agentConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = struct{}{}
}

func (s *Server) unregister(c *agentConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// closeSockets ends the sockets opened with a token (at logout).
func (s *Server) closeSockets(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.token == token {
			c.cancel()
		}
	}
}

// agentEvents streams an agent's offers, interaction changes, messages and presence.
// On connect it sends a hello with the agent, then the offers pending for it.
func (s *Server) agentEvents(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	if err := selfOrSupervisor(p, id); err != nil {
		return err
	}
	if _, err := s.eng.Agent(id); err != nil {
		return err
	}
	if !s.sockets.Run(func(closing context.Context) { s.serveEvents(closing, w, r, p, id) }) {
		return errClosing
	}
	return nil
}

// serveEvents runs one agent event socket on the request's goroutine, which owns it,
// until the peer goes, a write fails or closing ends (the server closes).
func (s *Server) serveEvents(closing context.Context, w http.ResponseWriter, r *http.Request, p *principal, id string) {
	// The socket outlives the request's context once hijacked; it lives under the
	// server's.
	ctx, cancel := context.WithCancel(closing)
	defer cancel()
	c := &agentConn{agentID: id, token: p.token, notices: make(chan routing.Notice, noticeBuffer), cancel: cancel}
	s.register(c)
	defer s.unregister(c)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.AllowedOrigins})
	if err != nil {
		return // Accept has answered
	}
	defer conn.CloseNow()
	log := s.log.With(logAgentID, id, logUser, p.user)
	// Subscribe before the hello is built, so nothing between the two is lost; an
	// offer may then arrive twice, which the desktop handles by interaction id.
	unsubscribe := s.eng.Subscribe(func(n routing.Notice) {
		if !slices.Contains(n.Agents, id) {
			return
		}
		select {
		case c.notices <- n:
		default:
			c.overflow.Store(true)
			c.cancel()
		}
	})
	defer unsubscribe()
	// We read nothing; CloseRead answers pings and the peer's close, and its context
	// ends when the peer goes. It is not derived from ctx: when ctx ends we close with
	// a status ourselves rather than have the library drop the connection.
	peerGone := conn.CloseRead(context.Background())
	status, reason := s.streamEvents(ctx, peerGone, conn, c)
	switch {
	case c.overflow.Load():
		log.Warn("agent socket too slow, dropped", "buffered", noticeBuffer)
		status, reason = websocket.StatusTryAgainLater, "too slow; reconnect"
	case closing.Err() != nil:
		status, reason = websocket.StatusGoingAway, "server shutting down"
	}
	_ = conn.Close(status, reason)
}

// streamEvents writes the hello, the pending offers and then every notice until ctx
// ends, the peer goes or a write fails; it returns the close status to send.
func (s *Server) streamEvents(ctx, peerGone context.Context, conn *websocket.Conn, c *agentConn) (websocket.StatusCode, string) {
	write := func(m eventMsg) bool {
		b, err := json.Marshal(m)
		if err != nil {
			s.log.Error("encode agent event", "type", m.Type, "err", err)
			return true
		}
		wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		return conn.Write(wctx, websocket.MessageText, b) == nil
	}
	v, err := s.eng.Agent(c.agentID)
	if err != nil {
		return websocket.StatusInternalError, "agent not found"
	}
	last := toAgentJSON(v) // the agent as the client last saw it
	if !write(eventMsg{Type: "hello", Agent: &last}) {
		return websocket.StatusNormalClosure, ""
	}
	offers, err := s.pendingOffers(ctx, c.agentID)
	if err != nil {
		s.log.Error("pending offers", logAgentID, c.agentID, "err", err)
		return websocket.StatusInternalError, "internal error"
	}
	for i := range offers {
		if !write(eventMsg{Type: "offer", Offer: &offers[i]}) {
			return websocket.StatusNormalClosure, ""
		}
	}
	versions := versionLog{}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return websocket.StatusNormalClosure, ""
		case <-peerGone.Done():
			return websocket.StatusNormalClosure, ""
		case <-ping.C:
			if _, err := s.sessions.check(c.token); err != nil {
				return websocket.StatusPolicyViolation, "session expired"
			}
			pctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return websocket.StatusNormalClosure, ""
			}
		case n := <-c.notices:
			if !versions.fresh(n) {
				continue
			}
			m, ok := s.noticeMsg(ctx, n)
			if ok && !write(m) {
				return websocket.StatusNormalClosure, ""
			}
			if n.Kind == routing.NoticeAgent {
				if ok {
					last = *m.Agent
				}
				continue
			}
			// The engine sends agent notices on presence changes and offers only, not
			// when an end or a wrap-up changes the agent's load or activity; follow
			// every interaction change with the agent as it is now, if it changed.
			v, err := s.eng.Agent(c.agentID)
			if err != nil {
				continue
			}
			if aj := toAgentJSON(v); !sameAgent(aj, last) {
				last = aj
				if !write(eventMsg{Type: "agent", Agent: &aj}) {
					return websocket.StatusNormalClosure, ""
				}
			}
		}
	}
}

// versionLog remembers the newest version of each interaction a socket has sent
// (one entry per interaction the agent touched while connected).
type versionLog map[string]int64

// fresh reports whether an interaction notice carries a newer view than the one
// sent, and records it. Notices of different engine calls can arrive out of order;
// an older view is dropped. Other notices are always fresh.
func (l versionLog) fresh(n routing.Notice) bool {
	if n.Kind != routing.NoticeInteraction || n.Interaction == nil {
		return true
	}
	id, v := n.Interaction.ID, n.Interaction.Version
	if v <= l[id] {
		return false
	}
	l[id] = v
	return true
}

func sameAgent(a, b agentJSON) bool {
	return a.State == b.State && a.Reason == b.Reason && a.Activity == b.Activity && a.LoadTotal == b.LoadTotal &&
		a.ExtraPending == b.ExtraPending && maps.Equal(a.Load, b.Load)
}

// noticeMsg turns an engine notice into the message the agent sees.
func (s *Server) noticeMsg(ctx context.Context, n routing.Notice) (eventMsg, bool) {
	switch n.Kind {
	case routing.NoticeOffer:
		if n.Offer == nil {
			return eventMsg{}, false
		}
		o := toOfferJSON(*n.Offer)
		return eventMsg{Type: "offer", Offer: &o}, true
	case routing.NoticeOfferRevoked:
		if n.Interaction == nil {
			return eventMsg{}, false
		}
		reason := n.Reason
		return eventMsg{Type: "offer.revoked", InteractionID: n.Interaction.ID, Reason: &reason}, true
	case routing.NoticeInteraction:
		if n.Interaction == nil {
			return eventMsg{}, false
		}
		c := n.Customer
		if c == nil {
			c = s.customers(ctx).get(n.Interaction.CustomerID)
		}
		ij := toInteractionJSON(n.Interaction, c)
		return eventMsg{Type: "interaction", Interaction: &ij}, true
	case routing.NoticeMessage:
		if n.Message == nil {
			return eventMsg{}, false
		}
		mj := toMessageJSON(*n.Message)
		return eventMsg{Type: "message", Message: &mj}, true
	case routing.NoticeAgent:
		if n.Agent == nil {
			return eventMsg{}, false
		}
		aj := toAgentJSON(*n.Agent)
		return eventMsg{Type: "agent", Agent: &aj}, true
	}
	return eventMsg{}, false
}

// pendingOffers lists the offers an agent has not answered yet.
func (s *Server) pendingOffers(_ context.Context, agentID string) ([]offerJSON, error) {
	views := s.eng.Offers(agentID)
	out := make([]offerJSON, 0, len(views))
	for _, v := range views {
		out = append(out, toOfferJSON(v))
	}
	return out, nil
}

package webchat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// MaxFrameBytes is the largest client frame read; a larger one closes the socket
// with status 1009 (message too big). A message at the character limit fits.
const MaxFrameBytes = 64 << 10

const (
	// pingEvery keeps idle chat sockets alive through proxies and finds dead peers.
	pingEvery = 25 * time.Second
	// writeTimeout bounds one write or ping. Writes do not take the handler's
	// context: cancelling a write makes the library drop the connection, and at
	// shutdown we want to send a close status instead.
	writeTimeout = 10 * time.Second
	// noticeBuffer is how many engine notices wait for one socket; past that the
	// socket catches up from the engine instead (see resync).
	noticeBuffer = 64
)

// Log keys, named as in every other package.
const (
	logInteractionID = "interaction_id"
	logSessionID     = "session_id"
)

// customerActor is who the engine sees acting for a chat customer.
var customerActor = routing.Actor{ID: "customer", Role: routing.ActorCustomer}

// chat is one customer socket. The handler goroutine owns it: it alone writes to
// the socket and touches the fields below the line. The reader goroutine only
// passes frames on; the engine callback only queues notices or asks for a resync.
type chat struct {
	h    *Handler
	conn *websocket.Conn
	log  *slog.Logger

	watch   atomic.Pointer[string] // the interaction whose notices the callback passes on
	notices chan routing.Notice
	resync  chan struct{} // one pending catch-up, after notices overflowed

	// Owned by the handler goroutine.
	id, visitor, sessionID string
	lastSeq                int64  // newest message sent to the customer
	version                int64  // newest interaction version seen
	state, agentName       string // as last sent
	sentState              bool
	names                  map[string]string // agent id → display name
	writeErr               error
}

func newChat(h *Handler, conn *websocket.Conn) *chat {
	return &chat{
		h: h, conn: conn, log: h.log, notices: make(chan routing.Notice, noticeBuffer),
		resync: make(chan struct{}, 1), names: map[string]string{},
	}
}

type readResult struct {
	typ  websocket.MessageType
	data []byte
	err  error
}

// run serves the socket until the customer goes, a write fails or ctx ends; it
// returns after its reader goroutine has.
func (c *chat) run(ctx context.Context) {
	unsubscribe := c.h.eng.Subscribe(c.onNotice)
	defer unsubscribe()
	frames := make(chan readResult)
	stop := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() { c.readLoop(frames, stop) })
	status, reason := c.loop(ctx, frames)
	close(stop)
	_ = c.conn.Close(status, reason) // also ends the reader's Read
	reader.Wait()
	c.release()
}

// release tells the chat's presence this socket is gone; a chat still open then
// waits ReturnWindow for the customer to come back.
func (c *chat) release() {
	if c.id == "" {
		return
	}
	id, open := c.id, c.open()
	window := c.h.cfg.ReturnWindow
	if !open {
		window = 0
	}
	c.h.away.detached(id, window, func() { c.h.customerGone(id) })
}

func (c *chat) readLoop(out chan<- readResult, stop <-chan struct{}) {
	for {
		typ, b, err := c.conn.Read(context.Background())
		select {
		case out <- readResult{typ: typ, data: b, err: err}:
		case <-stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *chat) loop(ctx context.Context, frames <-chan readResult) (websocket.StatusCode, string) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for c.writeErr == nil {
		select {
		case <-ctx.Done():
			return websocket.StatusGoingAway, "server shutting down"
		case rr := <-frames:
			if rr.err != nil {
				return websocket.StatusNormalClosure, "" // gone, or a frame over MaxFrameBytes
			}
			if rr.typ != websocket.MessageText {
				c.sendError(fmt.Errorf("only text frames are accepted: %w", ErrBadFrame))
				continue
			}
			f, err := DecodeClientFrame(rr.data, c.h.cfg.MaxMessageLen)
			if err != nil {
				c.sendError(err)
				continue
			}
			c.handle(ctx, f)
		case n := <-c.notices:
			c.onEngine(ctx, n)
		case <-c.resync:
			c.log.Debug("chat notices overflowed; catching up from the engine", "after_seq", c.lastSeq)
			c.catchUp(ctx)
		case <-ping.C:
			pctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			c.writeErr = c.conn.Ping(pctx)
			cancel()
		}
	}
	return websocket.StatusNormalClosure, ""
}

// onNotice runs on engine goroutines and must not block: it queues the notices of
// the watched interaction, and when the queue is full asks for a catch-up instead.
func (c *chat) onNotice(n routing.Notice) {
	id := c.watch.Load()
	if id == nil {
		return
	}
	switch n.Kind {
	case routing.NoticeMessage:
		if n.Message == nil || n.Message.InteractionID != *id {
			return
		}
	case routing.NoticeInteraction:
		if n.Interaction == nil || n.Interaction.ID != *id {
			return
		}
	default:
		return
	}
	select {
	case c.notices <- n:
	default:
		select {
		case c.resync <- struct{}{}:
		default:
		}
	}
}

func (c *chat) handle(ctx context.Context, f Frame) {
	switch f.Type {
	case FrameStart:
		c.start(ctx, f)
	case FrameResume:
		c.resume(ctx, f.ChatToken)
	case FrameMessage:
		if c.id == "" {
			c.sendError(fmt.Errorf("start the chat first: %w", ErrBadFrame))
			return
		}
		m, err := c.h.eng.PostMessage(ctx, c.id, customerActor, f.Text)
		if err != nil {
			c.sendError(err)
			return
		}
		c.deliver(ctx, *m)
	case FrameLeave:
		if c.id == "" {
			c.sendError(fmt.Errorf("there is no chat to leave: %w", ErrBadFrame))
			return
		}
		it, err := c.h.eng.CustomerLeft(ctx, c.id, "customer left the chat")
		if err != nil {
			c.sendError(err)
			return
		}
		c.observe(it)
	}
}

// open reports whether this socket has a chat the customer still takes part in.
func (c *chat) open() bool { return c.id != "" && !endedForCustomer(c.state) }

func (c *chat) start(ctx context.Context, f Frame) {
	if c.open() {
		c.sendError(fmt.Errorf("a chat is already open on this connection: %w", ErrBadFrame))
		return
	}
	if c.visitor == "" {
		c.visitor = newVisitorID()
	}
	it, err := c.h.eng.CreateInteraction(ctx, routing.NewInteraction{
		Channel: session.Chat, Direction: session.Inbound, Queue: c.h.cfg.Queue, Actor: customerActor,
		Customer: routing.CustomerInfo{Name: f.Name, Email: f.Email, Phone: f.Phone, VisitorID: c.visitor},
	})
	if err != nil {
		c.sendError(err)
		return
	}
	if !c.attach(it) {
		return
	}
	if f.Text != "" {
		m, err := c.h.eng.PostMessage(ctx, c.id, customerActor, f.Text)
		if err != nil {
			c.sendError(err)
		} else {
			c.deliver(ctx, *m)
		}
	}
	c.catchUp(ctx) // notices sent while the engine created it went by unwatched
}

func (c *chat) resume(ctx context.Context, token string) {
	if c.open() {
		c.sendError(fmt.Errorf("a chat is already open on this connection: %w", ErrBadFrame))
		return
	}
	iid, vid, err := c.h.tokens.parse(token)
	if err != nil {
		c.sendError(err)
		return
	}
	it, err := c.h.eng.Interaction(ctx, iid)
	if err != nil {
		c.sendError(err)
		return
	}
	cust, err := c.h.eng.Customer(ctx, it.CustomerID)
	if err != nil {
		c.sendError(err)
		return
	}
	if it.Channel != session.Chat || !cust.Has(session.Identity{Kind: session.IdentityVisitor, Value: vid}) {
		c.sendError(ErrBadToken)
		return
	}
	c.visitor = vid
	if c.attach(it) {
		c.catchUp(ctx) // the history, then the state
	}
}

// attach makes it this socket's chat: watched for notices, announced with its token.
func (c *chat) attach(it *session.Interaction) bool {
	token, err := c.h.tokens.issue(it.ID, c.visitor)
	if err != nil {
		c.sendError(err)
		return false
	}
	c.release() // a socket that already had a chat lets go of it
	c.h.away.attached(it.ID)
	c.id, c.sessionID = it.ID, it.SessionID
	c.lastSeq, c.version, c.sentState, c.state, c.agentName = 0, 0, false, "", ""
	c.log = c.h.log.With(logInteractionID, it.ID, logSessionID, it.SessionID)
	id := it.ID
	c.watch.Store(&id)
	c.send(serverFrame{Type: "started", InteractionID: it.ID, SessionID: it.SessionID, ChatToken: token})
	return true
}

func (c *chat) onEngine(ctx context.Context, n routing.Notice) {
	if n.Interaction != nil && n.Interaction.ID == c.id {
		c.observe(n.Interaction)
	}
	if n.Kind == routing.NoticeMessage && n.Message != nil {
		c.deliver(ctx, *n.Message)
	}
}

// deliver sends a message in seq order: one already sent is skipped, and one that
// skips ahead (notices from different engine calls can arrive out of order, or
// were dropped) makes the socket fetch the gap from the engine first.
func (c *chat) deliver(ctx context.Context, m session.Message) {
	if m.InteractionID != c.id {
		return
	}
	switch nextStep(c.lastSeq, m.Seq) {
	case sendIt:
		c.sendMessage(m)
	case fetchGap:
		c.log.Debug("chat message arrived ahead; fetching the gap", "after_seq", c.lastSeq, "seq", m.Seq)
		c.catchUpMessages(ctx)
	}
}

// step is what to do with an incoming message.
type step uint8

const (
	skipIt   step = iota // already sent
	sendIt               // the next one
	fetchGap             // ahead of the next one: fetch what lies between first
)

// nextStep decides by seq alone, given the newest seq sent.
func nextStep(lastSent, seq int64) step {
	switch {
	case seq <= lastSent:
		return skipIt
	case seq == lastSent+1:
		return sendIt
	}
	return fetchGap
}

func (c *chat) catchUpMessages(ctx context.Context) {
	ms, err := c.h.eng.Messages(ctx, c.id, c.lastSeq)
	if err != nil {
		c.log.Error("fetch chat messages", "after", c.lastSeq, "err", err)
		return
	}
	for _, m := range ms {
		if m.Seq == c.lastSeq+1 {
			c.sendMessage(m)
		}
	}
}

// catchUp brings the customer level with the engine: missing messages, then the
// current state.
func (c *chat) catchUp(ctx context.Context) {
	if c.id == "" {
		return
	}
	c.catchUpMessages(ctx)
	it, err := c.h.eng.Interaction(ctx, c.id)
	if err != nil {
		c.log.Error("fetch chat interaction", "err", err)
		return
	}
	c.observe(it)
}

// observe sends the state when it changed. Versions order the views: a notice that
// arrives after a newer view was seen is ignored.
func (c *chat) observe(it *session.Interaction) {
	if it.ID != c.id || (c.sentState && it.Version <= c.version) {
		return
	}
	c.version = it.Version
	state := customerState(it.State)
	name := ""
	if withAgent(it.State) {
		name = c.agentDisplayName(it.AgentID)
	}
	if c.sentState && state == c.state && name == c.agentName {
		return
	}
	c.state, c.agentName, c.sentState = state, name, true
	c.send(serverFrame{Type: "state", State: state, AgentName: &name})
}

func (c *chat) agentDisplayName(id string) string {
	if id == "" {
		return ""
	}
	if n, ok := c.names[id]; ok {
		return n
	}
	v, err := c.h.eng.Agent(id)
	if err != nil {
		return ""
	}
	c.names[id] = v.Name
	return v.Name
}

// customerState is the state a customer sees: an offer not yet accepted still
// reads as waiting.
func customerState(s session.State) string {
	if s == session.Offered {
		return session.Queued.String()
	}
	return s.String()
}

// withAgent reports whether an agent is with the customer in state s.
func withAgent(s session.State) bool {
	switch s {
	case session.Active, session.Held, session.Consult, session.Conference, session.Wrapup:
		return true
	}
	return false
}

// endedForCustomer reports whether the conversation is over for the customer (the
// agent may still be wrapping up).
func endedForCustomer(state string) bool {
	switch state {
	case "wrapup", "done", "abandoned", "closed":
		return true
	}
	return false
}

func newVisitorID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// serverFrame is everything the server sends; type says which fields are set.
type serverFrame struct {
	Type          string      `json:"type"`
	InteractionID string      `json:"interaction_id,omitempty"`
	SessionID     string      `json:"session_id,omitempty"`
	ChatToken     string      `json:"chat_token,omitempty"`
	Message       *messageOut `json:"message,omitempty"`
	State         string      `json:"state,omitempty"`
	AgentName     *string     `json:"agent_name,omitempty"`
	Error         string      `json:"error,omitempty"`
}

// messageOut is a message as the customer sees it: agents are "agent" with a display
// name, never their internal id.
type messageOut struct {
	ID            string    `json:"id"`
	InteractionID string    `json:"interaction_id"`
	Seq           int64     `json:"seq"`
	From          string    `json:"from"`
	AgentName     string    `json:"agent_name,omitempty"`
	Text          string    `json:"text"`
	At            time.Time `json:"at"`
}

func (c *chat) sendMessage(m session.Message) {
	out := &messageOut{ID: m.ID, InteractionID: m.InteractionID, Seq: m.Seq, From: "customer", Text: m.Text, At: m.At.UTC()}
	if m.From != customerActor.ID {
		out.From, out.AgentName = "agent", c.agentDisplayName(m.From)
	}
	c.send(serverFrame{Type: "message", Message: out})
	if c.writeErr == nil {
		c.lastSeq = m.Seq
	}
}

func (c *chat) sendError(err error) {
	msg, internal := customerError(err)
	if internal {
		c.log.Error("chat request failed", "err", err)
	}
	c.send(serverFrame{Type: "error", Error: msg})
}

func (c *chat) send(f serverFrame) {
	if c.writeErr != nil {
		return
	}
	b, err := json.Marshal(f)
	if err != nil {
		c.log.Error("encode chat frame", "type", f.Type, "err", err)
		return
	}
	wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	c.writeErr = c.conn.Write(wctx, websocket.MessageText, b)
}

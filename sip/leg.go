package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// A leg is one call's signalling, owned by one goroutine (run). Everything that
// happens to the call — a request from the far end, a response to our INVITE, a
// business-side Answer or Hangup, a timer — reaches that goroutine as an event or on a
// channel it selects on, and only it changes the leg's state. SIP stack callbacks only
// close a channel. Handlers that must answer a request hand the request over and wait
// until the leg has answered it.

// evKind is what a legEvent carries.
type evKind uint8

const (
	evkIncoming evKind = iota // Calls.Incoming returned (err)
	evkRinging                // business: send 180
	evkEarly                  // business: send 183 with SDP
	evkAnswer                 // business: send 200
	evkHangup                 // business: end the call (err is the cause)
	evkAck                    // the ACK for one of our 2xx
	evkRequest                // an in-dialog request: BYE, re-INVITE, UPDATE, INFO
	evkGiveUp                 // RingDevice/Dial's caller stopped waiting: cancel or hang up
)

type legEvent struct {
	kind  evKind
	err   error
	req   *sip.Request
	tx    sip.ServerTransaction
	done  chan struct{} // closed once the leg has answered req
	reply chan error    // the business call's result
}

// legTimer is a timer whose channel is nil while it is not running, for select.
type legTimer struct{ t *time.Timer }

func (lt *legTimer) set(d time.Duration) {
	lt.stop()
	lt.t = time.NewTimer(d)
}

func (lt *legTimer) stop() {
	if lt.t != nil {
		lt.t.Stop()
		lt.t = nil
	}
}

func (lt *legTimer) c() <-chan time.Time {
	if lt.t == nil {
		return nil
	}
	return lt.t.C
}

// dialog is our half of a dialog (RFC 3261 §12), for either role.
type dialog struct {
	callID        string
	localTag      string
	remoteTag     string
	local         sip.Uri // our address (From of our requests)
	remote        sip.Uri // theirs (To of our requests)
	remoteDisplay string
	target        sip.Uri  // the peer's Contact
	routes        []string // route set, in the order our requests carry it
	localSeq      uint32
	remoteSeq     uint32
	transport     string // UDP, TCP, TLS
	dest          string // where requests go when not the target: the source, for NAT and streams
}

// newRequest builds an in-dialog request (ACK keeps the INVITE's CSeq: pass it in seq).
func (d *dialog) newRequest(method sip.RequestMethod, contact *sip.ContactHeader, seq uint32) *sip.Request {
	req := sip.NewRequest(method, *d.target.Clone())
	from := &sip.FromHeader{Address: *d.local.Clone(), Params: sip.NewParams()}
	from.Params.Add("tag", d.localTag)
	to := &sip.ToHeader{DisplayName: d.remoteDisplay, Address: *d.remote.Clone(), Params: sip.NewParams()}
	if d.remoteTag != "" {
		to.Params.Add("tag", d.remoteTag)
	}
	cid := sip.CallIDHeader(d.callID)
	if seq == 0 {
		d.localSeq++
		seq = d.localSeq
	}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: method})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	for _, r := range d.routes {
		req.AppendHeader(sip.NewHeader("Route", r))
	}
	if method != sip.ACK || contact != nil {
		if contact != nil {
			req.AppendHeader(contact)
		}
	}
	req.SetTransport(d.transport)
	switch {
	case d.dest != "":
		req.SetDestination(d.dest)
	case len(d.routes) > 0:
		var u sip.Uri
		var p sip.HeaderParams
		if _, err := sip.ParseAddressValue(d.routes[0], &u, &p); err == nil {
			req.SetDestination(hostPortOf(u))
		}
	}
	return req
}

// hostPortOf is a URI's host:port with the default port filled in.
func hostPortOf(u sip.Uri) string {
	port := u.Port
	if port == 0 {
		port = 5060
		if strings.EqualFold(u.Scheme, "sips") {
			port = 5061
		}
	}
	host := u.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s:%d", host, port)
}

// natDest decides where in-dialog requests go: back to the source for streams (the
// connection it came on) and when the peer's Contact is a private address that is not
// where it sent from (it is behind NAT); "" means follow the Contact.
func natDest(transport string, contact sip.Uri, source netip.AddrPort) string {
	if !source.IsValid() {
		return ""
	}
	if !strings.EqualFold(transport, "UDP") {
		return source.String()
	}
	ip, err := netip.ParseAddr(strings.Trim(contact.Host, "[]"))
	if err != nil {
		return "" // a name: trust it
	}
	ip = ip.Unmap()
	if ip != source.Addr() && (ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()) {
		return source.String()
	}
	return ""
}

// leg is one call leg and its owner goroutine's state.
type leg struct {
	s    *Server
	call *Call
	log  *slog.Logger
	dir  Direction
	ctx  context.Context
	stop context.CancelFunc

	events chan legEvent
	done   chan struct{} // closed when run has returned (before Calls.Ended)

	// inCallback is set while run calls into Calls, so that a re-entrant Answer or
	// Hangup queues its event instead of waiting for a goroutine that waits for it.
	inCallback atomic.Bool

	// Inbound: the INVITE transaction.
	invite     *sip.Request // with our To tag
	tx         sip.ServerTransaction
	cancelled  chan struct{} // closed by the transaction's OnCancel
	cancelOnce sync.Once
	finalSent  chan struct{} // closed once the INVITE has a final response (or the leg ended)
	finalOnce  sync.Once
	offer      *sdpSession // the caller's offer; nil for a late offer
	seInterval time.Duration

	// Outbound: see outbound.go.
	out *outState

	// Owned by run.
	dlg          dialog
	key          string
	state        CallState
	audio        audioParams
	connected    bool
	local        localSDP
	lastSDP      []byte
	lastSDPKey   string
	lastProv     *sip.Response
	res2xx       *sip.Response // the 2xx we retransmit until its ACK
	tx2xx        sip.ServerTransaction
	awaitSDPAck  bool // our 2xx carried an offer: the answer comes in the ACK
	retransmit   time.Duration
	t2xx, tAck   legTimer
	tProv, tSess legTimer
	tBye         legTimer
	byeTx        sip.ClientTransaction
	incomingDone bool
	accepted     bool // Incoming said yes, or the leg was handed to the business side
	ended        bool
	endReason    string
	outcome      Outcome
}

func (s *Server) newLeg(c *Call, dir Direction) *leg {
	ctx, stop := context.WithCancel(s.baseCtx)
	l := &leg{
		s: s, call: c, log: c.Log, dir: dir, ctx: ctx, stop: stop,
		events:    make(chan legEvent, 16),
		done:      make(chan struct{}),
		cancelled: make(chan struct{}),
		finalSent: make(chan struct{}),
	}
	c.leg = l
	return l
}

// start registers the leg under its dialog key and starts its goroutine; it fails once
// Run is winding down.
func (s *Server) start(l *leg) error {
	s.legsMu.Lock()
	defer s.legsMu.Unlock()
	if s.legsClosed {
		return ErrServerClosed
	}
	if l.key != "" {
		s.legs[l.key] = l
	}
	s.counters.active[l.dir].Add(1)
	s.legsWG.Go(l.run)
	return nil
}

// post hands an event to the leg; false when the leg has ended.
func (l *leg) post(ev legEvent) bool {
	select {
	case l.events <- ev:
		return true
	case <-l.done:
		return false
	}
}

// ask posts a business request and waits for its outcome.
func (l *leg) ask(kind evKind, cause error) error {
	if l.inCallback.Load() {
		select {
		case l.events <- legEvent{kind: kind, err: cause}:
			return nil
		default:
			return fmt.Errorf("call %s is busy: %w", l.call.ID, ErrUnavailable)
		}
	}
	reply := make(chan error, 1)
	if !l.post(legEvent{kind: kind, err: cause, reply: reply}) {
		return ErrCallEnded
	}
	select {
	case err := <-reply:
		return err
	case <-l.done:
		select {
		case err := <-reply:
			return err
		default:
			return ErrCallEnded
		}
	}
}

// run is the leg's owner loop.
func (l *leg) run() {
	defer l.finish()
	if l.dir == Outbound {
		if !l.startInvite() {
			return
		}
	}
	var txDone <-chan struct{}
	if l.tx != nil {
		txDone = l.tx.Done()
	}
	cancelled := l.cancelled
	stop := l.s.stop
	for !l.finished() {
		if l.state >= StateAnswering || l.ended {
			txDone = nil
		}
		select {
		case ev := <-l.events:
			l.onEvent(ev)
		case <-cancelled:
			cancelled = nil
			l.onCallerCancel()
		case <-txDone:
			txDone = nil
			l.onInviteTxDone()
		case <-stop:
			stop = nil
			l.onShutdown()
		case <-l.t2xx.c():
			l.retransmit2xx()
		case <-l.tAck.c():
			l.log.Warn("no ACK for our 2xx")
			l.sendBye(nil)
			l.end(ReasonNoACK, OutcomeAnswered)
		case <-l.tProv.c():
			l.refreshProvisional()
		case <-l.tSess.c():
			l.log.Info("session expired without refresh")
			l.sendBye(nil)
			l.end(ReasonSessionExpired, OutcomeAnswered)
		case res := <-l.byeResponses():
			if !res.IsProvisional() {
				l.byeFinished()
			}
		case <-l.byeDone():
			l.byeFinished()
		case <-l.tBye.c():
			l.byeFinished()
		case res := <-l.outResponses():
			l.onResponse(res)
		case <-l.outTxDone():
			l.onOutTxDone()
		case res := <-l.cancelResponses():
			if !res.IsProvisional() {
				l.out.cancelTx.Terminate()
				l.out.cancelTx = nil
			}
		case <-l.cancelTxDone():
			l.out.cancelTx = nil
		case <-l.outWait():
			l.onOutWaitExpired()
		case <-l.reack():
			l.resendAck()
		case ack := <-l.txAcks():
			// An ACK for our 2xx that reused the INVITE's branch (RFC 2543 style) is
			// matched to the INVITE transaction instead of reaching OnAck.
			l.onAck(ack)
		}
	}
}

// finished reports whether run may return: the call is over and nothing is in flight.
func (l *leg) finished() bool {
	if !l.ended || l.byeTx != nil {
		return false
	}
	if l.dir == Inbound && !l.incomingDone {
		return false // Incoming must return first: it decides whether Ended is due
	}
	if l.out != nil && !l.out.settled() {
		return false
	}
	return true
}

// finish releases everything and tells the business side.
func (l *leg) finish() {
	l.t2xx.stop()
	l.tAck.stop()
	l.tProv.stop()
	l.tSess.stop()
	l.tBye.stop()
	if l.out != nil {
		l.out.terminate()
	}
	l.s.removeLeg(l.key, l)
	l.s.media.Release(l.call.ID)
	l.call.setState(StateEnded)
	l.s.counters.active[l.dir].Add(-1)
	l.s.counters.outcomes[l.dir][l.outcome].Add(1)
	l.finalOnce.Do(func() { close(l.finalSent) })
	l.stop()
	if !l.ended {
		l.endReason = ReasonShutdown
	}
	close(l.done)
	l.log.Info("call ended", "reason", l.endReason, "outcome", l.outcome.String())
	if l.accepted {
		l.s.calls.Ended(l.call, l.endReason)
	}
}

// transition moves the state machine; an impossible event is logged and ignored.
func (l *leg) transition(ev CallEvent) bool {
	next, err := NextCallState(l.state, ev)
	if err != nil {
		l.log.Debug("ignored event", "err", err)
		return false
	}
	l.state = next
	l.call.setState(next)
	return true
}

// end marks the call over (the loop then winds down).
func (l *leg) end(reason string, o Outcome) {
	if l.ended {
		return
	}
	l.ended = true
	l.endReason, l.outcome = reason, o
	l.state = StateEnded
	l.call.setState(StateEnded)
	l.t2xx.stop()
	l.tAck.stop()
	l.tProv.stop()
	l.tSess.stop()
	l.finalOnce.Do(func() { close(l.finalSent) })
	l.stop() // the call's context: a still-running Incoming learns it is over
}

func reply(ev legEvent, err error) {
	if ev.reply != nil {
		ev.reply <- err
	}
}

func (l *leg) onEvent(ev legEvent) {
	switch ev.kind {
	case evkIncoming:
		l.onIncoming(ev.err)
	case evkRinging, evkEarly:
		reply(ev, l.onProgress(ev.kind == evkEarly))
	case evkAnswer:
		reply(ev, l.onAnswer())
	case evkHangup:
		reply(ev, l.onHangup(ev.err))
	case evkAck:
		l.onAck(ev.req)
	case evkRequest:
		l.onRequest(ev.req, ev.tx)
		close(ev.done)
	case evkGiveUp:
		l.onGiveUp()
	}
}

// preAnswer reports whether the INVITE still waits for its final response.
func (l *leg) preAnswer() bool {
	return !l.ended && l.state < StateAnswering
}

// onHangup ends the call from our side: a final response before the answer (the cause
// picks it), a BYE after.
func (l *leg) onHangup(cause error) error {
	switch {
	case l.ended:
		return ErrCallEnded
	case l.preAnswer() && l.dir == Inbound:
		code, reason := statusFor(cause)
		l.finalResponse(code, reason)
		o := OutcomeRejected
		if errors.Is(cause, ErrNoAnswer) {
			o = OutcomeNoAnswer
		}
		l.end(ReasonHangup, o)
	case l.preAnswer():
		l.onGiveUp()
		l.endReason = ReasonHangup
	default:
		l.sendBye(cause)
		l.end(ReasonHangup, OutcomeAnswered)
	}
	return nil
}

// onShutdown ends the call because Run is stopping.
func (l *leg) onShutdown() {
	if l.ended {
		if l.out != nil {
			l.out.giveUpWaiting()
		}
		l.tBye.set(0) // do not linger on a BYE
		return
	}
	if l.preAnswer() && l.dir == Inbound {
		l.finalResponse(503, "Service Unavailable", sip.NewHeader("Retry-After", "30"))
		l.end(ReasonShutdown, OutcomeFailed)
		return
	}
	if l.preAnswer() {
		l.onGiveUp()
		if l.out != nil {
			l.out.giveUpWaiting()
		}
		l.end(ReasonShutdown, OutcomeCancelled)
		return
	}
	l.sendBye(ErrServerClosed)
	l.end(ReasonShutdown, OutcomeAnswered)
}

// sendBye starts a BYE; run waits (at most byeWait) for its answer before it returns.
func (l *leg) sendBye(cause error) {
	if l.byeTx != nil || l.dlg.callID == "" {
		return
	}
	req := l.dlg.newRequest(sip.BYE, nil, 0)
	if cause != nil {
		code, _ := statusFor(cause)
		req.AppendHeader(sip.NewHeader("Reason", fmt.Sprintf("SIP;cause=%d;text=%q", code, cause.Error())))
	}
	tx, err := l.s.client.TransactionRequest(l.s.baseCtx, req, l.s.addVia)
	if err != nil {
		l.log.Warn("send BYE", "err", err)
		return
	}
	l.byeTx = tx
	l.tBye.set(byeWait)
}

func (l *leg) byeResponses() <-chan *sip.Response {
	if l.byeTx == nil {
		return nil
	}
	return l.byeTx.Responses()
}

func (l *leg) byeDone() <-chan struct{} {
	if l.byeTx == nil {
		return nil
	}
	return l.byeTx.Done()
}

func (l *leg) byeFinished() {
	if l.byeTx != nil {
		l.byeTx.Terminate()
		l.byeTx = nil
	}
	l.tBye.stop()
}

// onRequest answers an in-dialog request.
func (l *leg) onRequest(req *sip.Request, tx sip.ServerTransaction) {
	if cs := req.CSeq(); cs != nil && req.Method != sip.ACK {
		if cs.SeqNo <= l.dlg.remoteSeq && l.dlg.remoteSeq != 0 {
			// RFC 3261 §12.2.2: lower than the last one is out of order.
			l.s.respond(tx, req, 500, "Server Internal Error", nil, sip.NewHeader("Retry-After", "1"))
			return
		}
		l.dlg.remoteSeq = cs.SeqNo
	}
	switch req.Method {
	case sip.BYE:
		l.s.respond(tx, req, 200, "OK", nil)
		if l.ended {
			return
		}
		if l.preAnswer() {
			// The caller may end an early dialog with BYE (RFC 3261 §15): for us that is
			// a CANCEL.
			if l.dir == Inbound {
				l.finalResponse(487, "Request Terminated")
			}
			l.end(ReasonCallerCancelled, OutcomeCancelled)
			return
		}
		l.end(ReasonCallerHangup, OutcomeAnswered)
	case sip.INVITE, sip.UPDATE:
		l.onModify(req, tx)
	default: // INFO and anything else in a dialog: acknowledged, not acted on
		l.s.respond(tx, req, 200, "OK", nil)
	}
}

// onModify answers a re-INVITE or UPDATE: a session refresh, a new media address, or the
// far end putting us on hold or taking us off it. It always gets a final answer.
func (l *leg) onModify(req *sip.Request, tx sip.ServerTransaction) {
	if l.ended {
		l.s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	reinvite := req.Method == sip.INVITE
	if reinvite && l.preAnswer() {
		l.s.respond(tx, req, 500, "Server Internal Error", nil, sip.NewHeader("Retry-After", "1"))
		return
	}
	if err := checkBody(req); err != nil {
		l.s.respondBodyErr(tx, req, err)
		return
	}
	hdrs := []sip.Header{l.s.contact(l.dlg.transport), l.s.allowHeader(), l.s.supportedHeader()}
	if se, ok := l.sessionRefresh(req); !ok {
		l.s.respond(tx, req, 422, "Session Interval Too Small", nil, sip.NewHeader("Min-SE", itoa(int(l.s.cfg.MinSessionExpires/time.Second))))
		return
	} else if se != nil {
		hdrs = append(hdrs, se...)
	}
	var body []byte
	if len(req.Body()) > 0 {
		offer, err := parseSDP(req.Body())
		if err != nil {
			l.s.respondErr(tx, req, err)
			return
		}
		a, err := negotiateOffer(offer, l.audio.Codec)
		if err != nil {
			l.s.respondErr(tx, req, err, sip.NewHeader("Warning", `304 omnigate "no common codec"`))
			return
		}
		if err := l.applyRemote(a, req.Body()); err != nil {
			l.log.Error("media connect on re-offer", "err", err)
			l.s.respond(tx, req, 500, "Server Internal Error", nil)
			return
		}
		body = l.answerSDP(offer, a)
	} else if reinvite {
		// An offerless re-INVITE: we offer our current session, the answer comes in
		// the ACK.
		body = l.currentOffer()
		l.awaitSDPAck = true
	}
	var res *sip.Response
	if body != nil {
		res = sip.NewResponseFromRequest(req, 200, "OK", body)
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	} else {
		res = sip.NewResponseFromRequest(req, 200, "OK", nil)
	}
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		l.log.Debug("respond to re-offer", "err", err)
	}
	if reinvite {
		l.expectAck(tx, res)
	}
}

// sessionRefresh reads a request's Session-Expires (RFC 4028). ok is false when the
// interval is below our Min-SE; the headers (if any) go in our 2xx. Every refresh
// restarts the expiry timer.
func (l *leg) sessionRefresh(req *sip.Request) (hdrs []sip.Header, ok bool) {
	d, present, err := readSessionExpires(req)
	if !present || err != nil {
		if l.seInterval > 0 && l.state >= StateAnswering {
			l.tSess.set(l.seInterval)
		}
		return nil, true
	}
	if d < l.s.cfg.MinSessionExpires {
		return nil, false
	}
	if !supports(req, "timer") {
		// The far end cannot refresh and we do not: no session timer.
		return nil, true
	}
	l.seInterval = d
	if l.state >= StateAnswering {
		l.tSess.set(d)
	}
	secs := itoa(int(d / time.Second))
	return []sip.Header{sip.NewHeader("Session-Expires", secs+";refresher=uac"), sip.NewHeader("Require", "timer")}, true
}

// supports reports whether a request lists option tag in Supported (or its compact k).
func supports(req *sip.Request, tag string) bool {
	for _, name := range []string{"Supported", "k"} {
		for _, h := range req.GetHeaders(name) {
			for _, t := range strings.Split(h.Value(), ",") {
				if strings.EqualFold(strings.TrimSpace(t), tag) {
					return true
				}
			}
		}
	}
	return false
}

// expectAck starts retransmitting a 2xx over UDP until its ACK (RFC 3261 §13.3.1.4), and
// gives up on the call after 64*T1.
func (l *leg) expectAck(tx sip.ServerTransaction, res *sip.Response) {
	l.res2xx, l.tx2xx = res, tx
	if strings.EqualFold(l.dlg.transport, "UDP") {
		l.retransmit = sip.T1
		l.t2xx.set(l.retransmit)
	}
	l.tAck.set(64 * sip.T1)
}

// txAcks is the 2xx's transaction's ACK channel while we wait for that ACK.
func (l *leg) txAcks() <-chan *sip.Request {
	if l.res2xx == nil || l.tx2xx == nil {
		return nil
	}
	return l.tx2xx.Acks()
}

func (l *leg) retransmit2xx() {
	if l.res2xx == nil || l.tx2xx == nil {
		return
	}
	if err := l.tx2xx.Respond(l.res2xx); err != nil {
		l.log.Debug("2xx retransmission", "err", err)
	}
	l.retransmit = min(2*l.retransmit, sip.T2)
	l.t2xx.set(l.retransmit)
}

// onAck takes the ACK for our 2xx (to the INVITE or a re-INVITE).
func (l *leg) onAck(req *sip.Request) {
	if l.ended {
		return
	}
	l.t2xx.stop()
	l.tAck.stop()
	l.res2xx, l.tx2xx = nil, nil
	if l.state == StateAnswering {
		l.transition(EvAck)
		if l.seInterval > 0 {
			l.tSess.set(l.seInterval)
		}
	}
	if l.awaitSDPAck {
		l.awaitSDPAck = false
		if len(req.Body()) == 0 {
			l.log.Warn("ACK without the SDP answer our 2xx asked for")
			l.sendBye(ErrBadSDP)
			l.end(ReasonHangup, OutcomeFailed)
			return
		}
		ans, err := parseSDP(req.Body())
		if err == nil {
			var a audioParams
			if a, err = negotiateAnswer(ans); err == nil {
				err = l.applyRemote(a, req.Body())
			}
		}
		if err != nil {
			l.log.Warn("SDP answer in ACK", "err", err)
			l.sendBye(err)
			l.end(ReasonHangup, OutcomeFailed)
		}
	}
}

// applyRemote takes the far end's latest description: media is (re)connected when the
// address, codec or DTMF type changed, and the business side hears about hold.
func (l *leg) applyRemote(a audioParams, sdp []byte) error {
	wasHeld := l.call.Held()
	if !l.connected || a.Remote != l.audio.Remote || a.Codec != l.audio.Codec || a.DTMF != l.audio.DTMF {
		if err := l.s.media.Connect(l.call.ID, a.Remote, a.Codec.String(), a.DTMF); err != nil {
			return err
		}
		l.connected = true
	}
	l.audio = a
	l.call.setMedia(a, sdp)
	if held := a.Held(); held != wasHeld && l.accepted {
		l.log.Info("far end hold", "held", held)
		l.inCallback.Store(true)
		l.s.calls.Hold(l.call, held)
		l.inCallback.Store(false)
	}
	return nil
}

// answerSDP builds our answer; the version goes up whenever the content changes.
func (l *leg) answerSDP(offer *sdpSession, a audioParams) []byte {
	return l.versioned(func(ls localSDP) []byte { return buildAnswer(offer, a, ls) })
}

// currentOffer is our session as an offer (the answer to an offerless INVITE).
func (l *leg) currentOffer() []byte {
	c := l.audio.Codec
	return l.versioned(func(ls localSDP) []byte { return buildOffer(ls, c, dirSendRecv) })
}

func (l *leg) versioned(build func(localSDP) []byte) []byte {
	probe := l.local
	probe.version = 0
	key := string(build(probe))
	if key != l.lastSDPKey {
		if l.lastSDPKey != "" {
			l.local.version++
		}
		l.lastSDPKey = key
		l.lastSDP = build(l.local)
	}
	return l.lastSDP
}

// localMedia turns Media's address into the one our SDP advertises.
func (s *Server) localMedia(ap netip.AddrPort) netip.AddrPort {
	if !ap.Addr().IsValid() || ap.Addr().IsUnspecified() {
		return netip.AddrPortFrom(s.mediaIP, ap.Port())
	}
	return ap
}

// checkBody refuses a body we cannot read (RFC 3261 §8.2.3): only SDP, unencoded.
func checkBody(req *sip.Request) error {
	if len(req.Body()) == 0 {
		return nil
	}
	if ce := req.GetHeader("Content-Encoding"); ce != nil && !strings.EqualFold(strings.TrimSpace(ce.Value()), "identity") {
		return errUnsupportedEncoding
	}
	ct := req.ContentType()
	if ct == nil {
		return errUnsupportedMedia
	}
	mt, _, _ := strings.Cut(ct.Value(), ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "application/sdp") {
		return errUnsupportedMedia
	}
	return nil
}

var (
	errUnsupportedMedia    = errors.New("unsupported content type")
	errUnsupportedEncoding = errors.New("unsupported content encoding")
)

// respondBodyErr answers 415 for a body checkBody refused.
func (s *Server) respondBodyErr(tx sip.ServerTransaction, req *sip.Request, err error) {
	hdrs := []sip.Header{sip.NewHeader("Accept", "application/sdp")}
	if errors.Is(err, errUnsupportedEncoding) {
		hdrs = append(hdrs, sip.NewHeader("Accept-Encoding", "identity"))
	}
	s.respond(tx, req, 415, "Unsupported Media Type", nil, hdrs...)
}

// acceptsSDP reports whether a request's Accept (if any) lets us answer with SDP.
func acceptsSDP(req *sip.Request) bool {
	hs := req.GetHeaders("Accept")
	if len(hs) == 0 {
		return true
	}
	for _, h := range hs {
		for _, v := range strings.Split(h.Value(), ",") {
			mt, _, _ := strings.Cut(strings.TrimSpace(v), ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "application/sdp", "application/*", "*/*":
				return true
			}
		}
	}
	return false
}

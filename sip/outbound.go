package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Calls we place: RingDevice (an agent's desk phone) and Dial (out through a trunk).
// The caller of either waits for the answer; the leg's goroutine does the SIP. When the
// caller stops waiting (its context ends) the leg cancels — CANCEL once a provisional
// response allows it (RFC 3261 §9.1), BYE when the answer won the race — on its own
// time, so the caller returns at once.

// dialResult is what the waiting caller gets.
type dialResult struct {
	call *Call
	err  error
}

// outState is an outgoing INVITE in progress.
type outState struct {
	invite      *sip.Request // the INVITE as last sent
	inviteTx    sip.ClientTransaction
	acceptedTx  sip.ClientTransaction // the INVITE transaction after its 2xx, absorbing retransmissions
	cancelTx    sip.ClientTransaction
	provisional bool // a provisional response came: CANCEL is allowed
	cancelSent  bool
	giveUp      bool // the caller stopped waiting
	authTries   int
	user, pass  string
	ack         *sip.Request
	reack       chan struct{}
	wait        legTimer // bounds waiting for a provisional (to cancel) or for the final after CANCEL
	early       *audioParams
	earlySDP    []byte
	result      chan dialResult
	delivered   bool
}

func (o *outState) settled() bool { return o.inviteTx == nil && o.cancelTx == nil }

// giveUpWaiting stops waiting for answers to the INVITE and the CANCEL.
func (o *outState) giveUpWaiting() {
	if o.inviteTx != nil {
		o.inviteTx.Terminate()
		o.inviteTx = nil
	}
	if o.cancelTx != nil {
		o.cancelTx.Terminate()
		o.cancelTx = nil
	}
	o.wait.stop()
}

func (o *outState) terminate() {
	o.giveUpWaiting()
	if o.acceptedTx != nil {
		o.acceptedTx.Terminate()
		o.acceptedTx = nil
	}
}

func (l *leg) outResponses() <-chan *sip.Response {
	if l.out == nil || l.out.inviteTx == nil {
		return nil
	}
	return l.out.inviteTx.Responses()
}

func (l *leg) outTxDone() <-chan struct{} {
	if l.out == nil || l.out.inviteTx == nil {
		return nil
	}
	return l.out.inviteTx.Done()
}

func (l *leg) cancelResponses() <-chan *sip.Response {
	if l.out == nil || l.out.cancelTx == nil {
		return nil
	}
	return l.out.cancelTx.Responses()
}

func (l *leg) cancelTxDone() <-chan struct{} {
	if l.out == nil || l.out.cancelTx == nil {
		return nil
	}
	return l.out.cancelTx.Done()
}

func (l *leg) outWait() <-chan time.Time {
	if l.out == nil {
		return nil
	}
	return l.out.wait.c()
}

func (l *leg) reack() <-chan struct{} {
	if l.out == nil {
		return nil
	}
	return l.out.reack
}

// deliver hands the waiting caller its result, once.
func (l *leg) deliver(c *Call, err error) {
	if o := l.out; !o.delivered {
		o.delivered = true
		o.result <- dialResult{c, err}
	}
}

// startInvite sends the INVITE; false when it could not be sent.
func (l *leg) startInvite() bool {
	o := l.out
	tx, err := l.s.client.TransactionRequest(l.ctx, o.invite, l.s.addVia)
	if err != nil {
		l.log.Warn("send INVITE", "err", err)
		l.deliver(nil, fmt.Errorf("send INVITE: %v: %w", err, ErrUnavailable))
		l.end(ReasonTransport, OutcomeFailed)
		return false
	}
	o.inviteTx = tx
	tx.OnRetransmission(func(*sip.Response) {
		select {
		case o.reack <- struct{}{}:
		default:
		}
	})
	return true
}

// onResponse handles a response to our INVITE.
func (l *leg) onResponse(res *sip.Response) {
	o := l.out
	switch {
	case res.IsProvisional():
		o.provisional = true
		if o.giveUp {
			l.sendCancel()
			return
		}
		if res.StatusCode == 100 {
			return
		}
		if len(res.Body()) > 0 {
			if sdp, err := parseSDP(res.Body()); err == nil {
				if a, err := negotiateAnswer(sdp); err == nil {
					o.early, o.earlySDP = &a, res.Body()
					if err := l.applyRemote(a, res.Body()); err != nil {
						l.log.Warn("early media", "err", err)
					}
					l.transition(EvEarly)
					return
				}
			}
		}
		l.transition(EvRing)
	case res.IsSuccess():
		l.onSuccess(res)
	case (res.StatusCode == 401 || res.StatusCode == 407) && o.pass != "" && o.authTries < 2 && !o.giveUp && !l.ended:
		o.authTries++
		if err := l.retryWithAuth(res); err != nil {
			l.log.Warn("answer digest challenge", "err", err)
			o.inviteTx = nil
			l.deliver(nil, &StatusError{Code: res.StatusCode, Reason: res.Reason})
			l.end(ReasonTransport, OutcomeRejected)
		}
	default:
		o.inviteTx = nil
		o.wait.stop()
		err := &StatusError{Code: res.StatusCode, Reason: res.Reason}
		outcome := OutcomeRejected
		switch {
		case o.giveUp:
			outcome = OutcomeCancelled
		case errors.Is(err, ErrNoAnswer):
			outcome = OutcomeNoAnswer
		}
		l.log.Info("call not answered", "status", res.StatusCode)
		l.deliver(nil, err)
		l.end(ReasonHangup, outcome)
	}
}

// onSuccess takes the 2xx: the dialog is set up and ACKed; if nobody waits for it any
// more it is hung up at once.
func (l *leg) onSuccess(res *sip.Response) {
	o := l.out
	o.acceptedTx, o.inviteTx = o.inviteTx, nil
	o.wait.stop()
	l.dlg.remoteTag = toTag(res)
	if c := res.Contact(); c != nil {
		l.dlg.target = *c.Address.Clone()
	}
	rr := splitAll(res, "Record-Route")
	slices.Reverse(rr)
	l.dlg.routes = rr
	ack := l.dlg.newRequest(sip.ACK, l.s.contact(l.dlg.transport), o.invite.CSeq().SeqNo)
	if err := l.s.client.WriteRequest(ack, l.s.addVia); err != nil {
		l.log.Warn("send ACK", "err", err)
	}
	o.ack = ack
	l.key = dialogKey(l.dlg.callID, l.dlg.localTag, l.dlg.remoteTag)
	l.s.addLeg(l.key, l)
	l.transition(EvAnswer)
	l.transition(EvAck)
	if o.giveUp || l.ended {
		// Answered after the caller gave up (the CANCEL lost the race): hang up.
		l.sendBye(nil)
		l.end(ReasonHangup, OutcomeCancelled)
		return
	}
	body := res.Body()
	var a audioParams
	var err error
	if len(body) > 0 {
		var sdp *sdpSession
		if sdp, err = parseSDP(body); err == nil {
			a, err = negotiateAnswer(sdp)
		}
	} else if o.early != nil {
		a, body = *o.early, o.earlySDP
	} else {
		err = fmt.Errorf("2xx without an SDP answer: %w", ErrBadSDP)
	}
	if err == nil {
		err = l.applyRemote(a, body)
	}
	if err != nil {
		l.log.Warn("answer unusable", "err", err)
		l.sendBye(err)
		l.deliver(nil, err)
		l.end(ReasonHangup, OutcomeFailed)
		return
	}
	l.call.mu.Lock()
	l.call.answered = time.Now()
	l.call.mu.Unlock()
	l.accepted = true
	l.log.Info("call answered")
	l.deliver(l.call, nil)
}

func splitAll(m interface{ GetHeaders(string) []sip.Header }, name string) []string {
	var out []string
	for _, h := range m.GetHeaders(name) {
		out = append(out, splitAddrList(h.Value())...)
	}
	return out
}

func (l *leg) resendAck() {
	if o := l.out; o.ack != nil {
		if err := l.s.client.WriteRequest(o.ack); err != nil {
			l.log.Debug("resend ACK", "err", err)
		}
	}
}

// retryWithAuth resends the INVITE with credentials for the challenge in res.
func (l *leg) retryWithAuth(res *sip.Response) error {
	o := l.out
	name, value, err := answerChallenge(res, "INVITE", o.invite.Recipient.String(), o.user, o.pass)
	if err != nil {
		return err
	}
	req := o.invite.Clone()
	req.RemoveHeader("Via")
	req.RemoveHeader("Authorization")
	req.RemoveHeader("Proxy-Authorization")
	req.AppendHeader(sip.NewHeader(name, value))
	l.dlg.localSeq++
	req.CSeq().SeqNo = l.dlg.localSeq
	tx, err := l.s.client.TransactionRequest(l.ctx, req, l.s.addVia)
	if err != nil {
		return err
	}
	o.invite, o.inviteTx = req, tx
	tx.OnRetransmission(func(*sip.Response) {
		select {
		case o.reack <- struct{}{}:
		default:
		}
	})
	return nil
}

// onGiveUp: the caller stopped waiting (or Run is stopping). Cancel what is still
// ringing; hang up what was answered but never handed out.
func (l *leg) onGiveUp() {
	o := l.out
	if o == nil {
		return
	}
	o.giveUp = true
	switch {
	case l.state >= StateAnswering && !l.ended:
		l.accepted = false // the caller did not take it
		l.sendBye(nil)
		l.end(ReasonHangup, OutcomeCancelled)
	case l.ended:
	default:
		if o.provisional {
			l.sendCancel()
		} else {
			o.wait.set(64 * sip.T1) // CANCEL must wait for a provisional response
		}
		l.end(ReasonHangup, OutcomeCancelled)
	}
}

// sendCancel sends CANCEL for the INVITE (RFC 3261 §9.1): same Request-URI, Call-ID,
// From, To, CSeq number and top Via.
func (l *leg) sendCancel() {
	o := l.out
	if o.cancelSent || o.inviteTx == nil {
		return
	}
	o.cancelSent = true
	inv := o.invite
	req := sip.NewRequest(sip.CANCEL, *inv.Recipient.Clone())
	req.AppendHeader(sip.HeaderClone(inv.Via()))
	req.AppendHeader(sip.HeaderClone(inv.From()))
	req.AppendHeader(sip.HeaderClone(inv.To()))
	req.AppendHeader(sip.HeaderClone(inv.CallID()))
	req.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.CANCEL})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	sip.CopyHeaders("Route", inv, req)
	req.SetBody(nil)
	req.SetTransport(inv.Transport())
	req.SetDestination(inv.Destination())
	req.Laddr = inv.Laddr
	tx, err := l.s.client.TransactionRequest(l.s.baseCtx, req, func(*sipgo.Client, *sip.Request) error { return nil })
	if err != nil {
		l.log.Warn("send CANCEL", "err", err)
		return
	}
	o.cancelTx = tx
	o.wait.set(64 * sip.T1) // RFC 3261 §9.1: give up on the 487 after 64*T1
}

// onOutTxDone: the INVITE transaction ended without a final response (no answer at all
// within Timer B, or a transport failure).
func (l *leg) onOutTxDone() {
	o := l.out
	err := o.inviteTx.Err()
	o.inviteTx = nil
	o.wait.stop()
	if l.ended {
		return
	}
	l.log.Warn("INVITE got no final response", "err", err)
	l.deliver(nil, fmt.Errorf("no response: %v: %w", err, ErrUnavailable))
	l.end(ReasonTransport, OutcomeFailed)
}

// onOutWaitExpired: no provisional came to let us CANCEL, or no final after the
// CANCEL: stop waiting.
func (l *leg) onOutWaitExpired() {
	l.out.giveUpWaiting()
}

// RingDevice rings the desk phone agent registered and returns the answered leg (the
// B leg for call a, whose caller id and codec it borrows). The INVITE goes back to
// where the phone's REGISTER came from, over the same transport and, for TCP and TLS,
// the same connection. It returns when the phone answers (200, ACKed), refuses
// (ErrBusy, ErrDeclined, …) or ctx ends, which is also after OfferRingTimeout: then
// the leg sends CANCEL by itself and RingDevice returns ctx's error at once.
func (s *Server) RingDevice(ctx context.Context, agent string, a *Call) (*Call, error) {
	if s.closing.Load() {
		return nil, ErrServerClosed
	}
	bs := s.reg.lookup(agent, s.clock())
	if len(bs) == 0 {
		return nil, fmt.Errorf("agent %s: %w", agent, ErrNotRegistered)
	}
	b := bs[0]
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OfferRingTimeout)
	defer cancel()

	caller, prefer := "omnigate", codecPCMU
	if a != nil {
		if a.Caller != "" && validUser(a.Caller) {
			caller = a.Caller
		}
		if c, ok := codecByName(a.Codec()); ok {
			prefer = c
		}
	}
	from := sip.Uri{Scheme: "sip", User: caller, Host: s.publicHost}
	to := sip.Uri{Scheme: "sip", User: agent, Host: s.publicHost}
	call := &Call{ID: newID(), Direction: Outbound, Agent: agent, Caller: caller, FromUser: caller, ToUser: agent, Created: time.Now(), state: StateNew}
	return s.place(ctx, call, placement{
		target: *b.uri.Clone(), from: from, to: to, transport: b.Transport, dest: b.Source.String(), prefer: prefer,
	})
}

// Dial calls number out through trunk, as fromAgent (the From user unless the trunk
// sets one). It answers the carrier's digest challenge with the trunk's outbound
// credentials, and returns when the call is answered, refused, or ctx ends (then the
// leg cancels by itself).
func (s *Server) Dial(ctx context.Context, trunk, number, fromAgent string) (*Call, error) {
	if s.closing.Load() {
		return nil, ErrServerClosed
	}
	t := s.trunks[trunk]
	if t == nil || t.Target == "" {
		return nil, fmt.Errorf("trunk %q: %w", trunk, ErrUnknownTrunk)
	}
	if !validUser(number) {
		return nil, fmt.Errorf("number %q: %w", number, ErrBadRequest)
	}
	user := t.FromUser
	if user == "" {
		user = fromAgent
	}
	if !validUser(user) {
		return nil, fmt.Errorf("caller id %q: %w", user, ErrBadRequest)
	}
	host, _, _ := net.SplitHostPort(t.Target)
	port, _ := hostPort(t.Target)
	fromHost := t.FromHost
	if fromHost == "" {
		fromHost = host
	}
	tp := strings.ToUpper(t.Transport)
	if tp == "" {
		tp = "UDP"
	}
	target := sip.Uri{Scheme: "sip", User: number, Host: host, Port: port}
	if tp == "TLS" {
		target.Scheme = "sips"
	} else if tp == "TCP" {
		target.UriParams = sip.NewParams()
		target.UriParams.Add("transport", "tcp")
	}
	call := &Call{ID: newID(), Direction: Outbound, Trunk: t.Name, Agent: fromAgent, Caller: user, FromUser: user, ToUser: number, Created: time.Now(), state: StateNew}
	return s.place(ctx, call, placement{
		target: target, from: sip.Uri{Scheme: "sip", User: user, Host: fromHost},
		to: sip.Uri{Scheme: "sip", User: number, Host: host}, transport: tp, dest: t.Target,
		prefer: codecPCMU, user: t.OutboundUsername, pass: t.OutboundPassword,
	})
}

// placement is where and how an outgoing call goes.
type placement struct {
	target    sip.Uri // Request-URI
	from, to  sip.Uri
	transport string
	dest      string // host:port the INVITE is sent to
	prefer    codec
	user      string
	pass      string
}

// place sets up an outgoing leg, starts it and waits for its result.
func (s *Server) place(ctx context.Context, call *Call, p placement) (*Call, error) {
	if s.activeCalls() >= int64(s.cfg.Limits.MaxCalls) {
		return nil, ErrTooManyCalls
	}
	call.SIPCallID = newID() + newID() + "@" + s.publicHost
	call.Log = s.log.With(logSIPCallID, call.SIPCallID, logCallID, call.ID, logAgentID, call.Agent)
	l := s.newLeg(call, Outbound)
	tp := strings.ToUpper(p.transport)
	l.dlg = dialog{
		callID:    call.SIPCallID,
		localTag:  sip.GenerateTagN(16),
		local:     p.from,
		remote:    p.to,
		target:    p.target,
		localSeq:  rand.Uint32N(1<<16) + 1,
		transport: tp,
		dest:      p.dest,
	}
	actx, cancel := context.WithTimeout(ctx, mediaAllocateTimeout)
	local, err := s.media.Allocate(actx, call.ID)
	cancel()
	if err != nil {
		s.media.Release(call.ID)
		return nil, fmt.Errorf("allocate media: %v: %w", err, ErrTooManyCalls)
	}
	l.local = localSDP{addr: s.localMedia(local), sessID: rand.Uint64N(1 << 53), version: 1}
	l.audio = audioParams{Codec: p.prefer}
	offer := l.currentOffer()

	inv := l.dlg.newRequest(sip.INVITE, s.contact(tp), l.dlg.localSeq)
	inv.SetBody(offer)
	inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	inv.AppendHeader(s.allowHeader())
	l.out = &outState{invite: inv, user: p.user, pass: p.pass, reack: make(chan struct{}, 1), result: make(chan dialResult, 1)}
	if err := s.start(l); err != nil {
		s.media.Release(call.ID)
		return nil, err
	}
	call.Log.Info("placing call", "to", p.target.String(), "dest", p.dest, "transport", tp)
	select {
	case r := <-l.out.result:
		return r.call, r.err
	case <-ctx.Done():
	}
	// The caller stops waiting. If the answer came at the same moment it is not taken
	// (the result stays unread): onGiveUp hangs it up.
	if !l.post(legEvent{kind: evkGiveUp}) {
		// The leg ended first. If it had handed the call out, it counts as taken (and
		// Ended has come or will come for it).
		select {
		case r := <-l.out.result:
			if r.err == nil {
				return r.call, nil
			}
		default:
		}
	}
	return nil, ctx.Err()
}

// answerChallenge computes credentials for the first challenge in res we can answer
// (RFC 8760: the first supported algorithm in the server's order). It returns the
// header name (Authorization or Proxy-Authorization) and value.
func answerChallenge(res *sip.Response, method, uri, user, pass string) (string, string, error) {
	in, out := "WWW-Authenticate", "Authorization"
	if res.StatusCode == 407 {
		in, out = "Proxy-Authenticate", "Proxy-Authorization"
	}
	for _, h := range res.GetHeaders(in) {
		v := strings.TrimSpace(h.Value())
		if len(v) < 7 || !strings.EqualFold(v[:7], "Digest ") {
			continue
		}
		params, err := parseAuthParams(v[7:])
		if err != nil {
			continue
		}
		alg, ok := parseDigestAlgorithm(params["algorithm"])
		if !ok || params["nonce"] == "" {
			continue
		}
		realm, nonce := params["realm"], params["nonce"]
		ha1 := digestHA1(alg, user, realm, pass)
		var b strings.Builder
		fmt.Fprintf(&b, "Digest username=%s, realm=%s, nonce=%s, uri=%s", quote(user), quote(realm), quote(nonce), quote(uri))
		if qopOffers(params["qop"], "auth") {
			cnonce := newID()
			resp := digestResponse(alg, ha1, nonce, "00000001", cnonce, "auth", method, uri)
			fmt.Fprintf(&b, ", response=%s, algorithm=%s, cnonce=%s, qop=auth, nc=00000001", quote(resp), alg, quote(cnonce))
		} else {
			resp := alg.h(ha1, nonce, alg.h(method, uri)) // RFC 2069, for servers without qop
			fmt.Fprintf(&b, ", response=%s, algorithm=%s", quote(resp), alg)
		}
		if op, ok := params["opaque"]; ok {
			fmt.Fprintf(&b, ", opaque=%s", quote(op))
		}
		return out, b.String(), nil
	}
	return "", "", fmt.Errorf("no digest challenge we can answer in %d: %w", res.StatusCode, ErrForbidden)
}

func qopOffers(list, want string) bool {
	for _, q := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(q), want) {
			return true
		}
	}
	return false
}

// quote makes a quoted-string, escaping quotes and backslashes.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

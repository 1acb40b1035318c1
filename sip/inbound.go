package sip

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// provisionalRefresh is how often an unanswered call repeats its last provisional
// response, so proxies on the way keep the INVITE alive (RFC 3261 §13.3.1.1).
const provisionalRefresh = time.Minute

// mediaAllocateTimeout bounds Media.Allocate.
const mediaAllocateTimeout = 5 * time.Second

// onInvite takes an INVITE: a re-INVITE goes to its leg; a new one from a trunk to a
// known DID becomes a call offered to Calls.Incoming. The handler returns once the
// INVITE has its final response, because the stack ends the transaction when it does.
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if toTag(req) != "" {
		l := s.lookupLeg(req)
		if l == nil {
			s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
			return
		}
		s.toLeg(l, req, tx)
		return
	}
	if s.draining.Load() || s.closing.Load() {
		s.respondErr(tx, req, ErrDraining)
		return
	}
	if err := checkBody(req); err != nil {
		s.respondBodyErr(tx, req, err)
		return
	}
	if !acceptsSDP(req) {
		s.respond(tx, req, 406, "Not Acceptable", nil, sip.NewHeader("Accept", "application/sdp"))
		return
	}
	if req.Contact() == nil {
		s.respond(tx, req, 400, "Missing Contact", nil)
		return
	}
	src := sourceOf(req)
	trunk := s.trunkFor(src.Addr())
	if trunk == nil {
		user, ok := s.authenticate(req, tx)
		if !ok {
			return
		}
		if trunk = s.trunkByUser[user]; trunk == nil {
			s.log.Info("sip INVITE from a non-trunk identity", "user", user, "src", src)
			s.respondErr(tx, req, ErrForbidden)
			return
		}
	}
	did := req.Recipient.User
	if did == "" {
		did = req.To().Address.User
	}
	queue, ok := s.dids[didKey(did)]
	if !ok {
		s.respondErr(tx, req, fmt.Errorf("%q: %w", did, ErrUnknownDID))
		return
	}
	var (
		offer *sdpSession
		audio = audioParams{Codec: codecPCMU}
		err   error
	)
	if len(req.Body()) > 0 {
		if offer, err = parseSDP(req.Body()); err != nil {
			s.respondErr(tx, req, err)
			return
		}
		if audio, err = negotiateOffer(offer, codecPCMU); err != nil {
			s.respondErr(tx, req, err, sip.NewHeader("Warning", `304 omnigate "no common codec"`))
			return
		}
	}
	se, present, err := readSessionExpires(req)
	if present && err == nil && se < s.cfg.MinSessionExpires {
		s.respond(tx, req, 422, "Session Interval Too Small", nil, sip.NewHeader("Min-SE", itoa(int(s.cfg.MinSessionExpires/time.Second))))
		return
	}
	if s.activeCalls() >= int64(s.cfg.Limits.MaxCalls) {
		s.respondErr(tx, req, ErrTooManyCalls)
		return
	}
	s.respond(tx, req, 100, "Trying", nil)

	call := s.newCall(req, Inbound)
	call.Trunk, call.DID, call.Queue = trunk.Name, did, queue
	call.Caller = callerNumber(req)
	l := s.newLeg(call, Inbound)
	l.invite = req.Clone()
	l.invite.To().Params.Add("tag", sip.GenerateTagN(16))
	l.tx = tx
	l.offer, l.audio = offer, audio
	if present && err == nil && supports(req, "timer") {
		l.seInterval = se
	}
	l.dlg = dialog{
		callID:        call.SIPCallID,
		localTag:      toTag(l.invite),
		remoteTag:     fromTag(req),
		local:         *req.To().Address.Clone(),
		remote:        *req.From().Address.Clone(),
		remoteDisplay: req.From().DisplayName,
		target:        *req.Contact().Address.Clone(),
		routes:        headerValues(req, "Record-Route"),
		localSeq:      rand.Uint32N(1 << 16),
		remoteSeq:     req.CSeq().SeqNo,
		transport:     strings.ToUpper(req.Transport()),
		dest:          natDest(req.Transport(), req.Contact().Address, src),
	}
	l.key = dialogKey(l.dlg.callID, l.dlg.localTag, l.dlg.remoteTag)

	actx, cancel := context.WithTimeout(s.baseCtx, mediaAllocateTimeout)
	local, err := s.media.Allocate(actx, call.ID)
	cancel()
	if err != nil {
		s.media.Release(call.ID)
		call.Log.Error("allocate media", "err", err)
		s.respondErr(tx, req, fmt.Errorf("allocate media: %v: %w", err, ErrTooManyCalls))
		return
	}
	l.local = localSDP{addr: s.localMedia(local), sessID: rand.Uint64N(1 << 53), version: 1}
	if !tx.OnCancel(func(*sip.Request) { l.cancelOnce.Do(func() { close(l.cancelled) }) }) {
		s.media.Release(call.ID) // cancelled already
		return
	}
	if err := s.start(l); err != nil {
		s.media.Release(call.ID)
		s.respondErr(tx, req, err)
		return
	}
	call.Log.Info("incoming call", "trunk", trunk.Name, "did", did, "queue", queue, "caller", call.Caller, "src", src)
	err = s.calls.Incoming(l.ctx, call)
	l.post(legEvent{kind: evkIncoming, err: err})
	select {
	case <-l.finalSent:
	case <-l.done:
	}
}

// newCall fills the identity of a call from its INVITE.
func (s *Server) newCall(req *sip.Request, dir Direction) *Call {
	c := &Call{ID: newID(), Direction: dir, Created: time.Now()}
	if cid := req.CallID(); cid != nil {
		c.SIPCallID = cid.Value()
	}
	if f := req.From(); f != nil {
		c.FromUser = f.Address.User
	}
	if t := req.To(); t != nil {
		c.ToUser = t.Address.User
	}
	c.Log = s.log.With(logSIPCallID, c.SIPCallID, logCallID, c.ID)
	c.state = StateNew
	return c
}

// callerNumber is the calling number: a trunk's P-Asserted-Identity when present (it
// comes from a carrier we trust), else the From user.
func callerNumber(req *sip.Request) string {
	if h := req.GetHeader("P-Asserted-Identity"); h != nil {
		var u sip.Uri
		var p sip.HeaderParams
		if _, err := sip.ParseAddressValue(h.Value(), &u, &p); err == nil && u.User != "" {
			return u.User
		}
	}
	if f := req.From(); f != nil {
		return f.Address.User
	}
	return ""
}

// headerValues returns every value of a header, split at commas outside <>.
func headerValues(req *sip.Request, name string) []string {
	var out []string
	for _, h := range req.GetHeaders(name) {
		out = append(out, splitAddrList(h.Value())...)
	}
	return out
}

func splitAddrList(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(v[start:i]))
			start = i + 1
		}
	}
	if s := strings.TrimSpace(v[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// trunkFor finds the trunk whose source prefixes hold addr.
func (s *Server) trunkFor(addr netip.Addr) *Trunk {
	addr = addr.Unmap()
	for i := range s.cfg.Trunks {
		for _, p := range s.cfg.Trunks[i].Addrs {
			if p.Contains(addr) {
				return s.trunks[s.cfg.Trunks[i].Name]
			}
		}
	}
	return nil
}

// authenticate checks a request's digest credentials; without valid ones it answers 401
// with fresh challenges and returns false. The 401 is the same whatever was wrong.
func (s *Server) authenticate(req *sip.Request, tx sip.ServerTransaction) (string, bool) {
	v := ""
	if h := req.GetHeader("Authorization"); h != nil {
		v = h.Value()
	}
	r := s.auth.verify(string(req.Method), v, s.clock())
	if r.ok {
		return r.user, true
	}
	if v != "" && !r.stale {
		s.counters.authFailures.Add(1)
		s.log.Info("sip authentication failed", "method", string(req.Method), "src", req.Source())
	}
	res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	for _, c := range s.auth.challenges(s.clock(), r.stale) {
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", c))
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond 401", "err", err)
	}
	return "", false
}

// readSessionExpires reads Session-Expires (or its compact x).
func readSessionExpires(req *sip.Request) (time.Duration, bool, error) {
	h := req.GetHeader("Session-Expires")
	if h == nil {
		h = req.GetHeader("x")
	}
	if h == nil {
		return 0, false, nil
	}
	val, _, _ := strings.Cut(h.Value(), ";")
	d, err := parseSeconds(val)
	return d, true, err
}

// response builds a response to the INVITE with our tag and, for 1xx and 2xx, our
// Contact.
func (l *leg) response(code int, reason string, body []byte) *sip.Response {
	res := sip.NewResponseFromRequest(l.invite, code, reason, body)
	if code > 100 && code < 300 {
		res.AppendHeader(l.s.contact(l.dlg.transport))
	}
	if body != nil {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	return res
}

// finalResponse ends the INVITE transaction with a non-2xx response.
func (l *leg) finalResponse(code int, reason string, hdrs ...sip.Header) {
	res := l.response(code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := l.tx.Respond(res); err != nil {
		l.log.Debug("final response", "status", code, "err", err)
	}
	l.tProv.stop()
	l.finalOnce.Do(func() { close(l.finalSent) })
}

// onIncoming takes Calls.Incoming's verdict.
func (l *leg) onIncoming(err error) {
	l.incomingDone = true
	if err == nil {
		l.accepted = true
		return
	}
	l.log.Info("call refused", "err", err)
	switch {
	case l.ended:
	case l.preAnswer():
		code, reason := statusFor(err)
		var hdrs []sip.Header
		if code == 503 {
			hdrs = append(hdrs, sip.NewHeader("Retry-After", "30"))
		}
		l.finalResponse(code, reason, hdrs...)
		l.end(ReasonHangup, OutcomeRejected)
	default: // answered from inside Incoming, then refused
		l.sendBye(err)
		l.end(ReasonHangup, OutcomeAnswered)
	}
}

// checkAnswerable is what Answer, Ringing and EarlyMedia need.
func (l *leg) checkAnswerable() error {
	switch {
	case l.dir != Inbound:
		return ErrWrongDirection
	case l.ended:
		return ErrCallEnded
	case !l.preAnswer():
		return ErrAnswered
	}
	return nil
}

// onProgress sends 180 Ringing, or 183 Session Progress with our SDP answer so that
// early media (queue music, ringback) flows before the answer.
func (l *leg) onProgress(early bool) error {
	if err := l.checkAnswerable(); err != nil {
		return err
	}
	var res *sip.Response
	if early {
		if l.offer == nil {
			return ErrNoOffer
		}
		if !l.connected {
			if err := l.applyRemote(l.audio, l.invite.Body()); err != nil {
				return fmt.Errorf("connect media: %w", err)
			}
		}
		res = l.response(183, "Session Progress", l.answerSDP(l.offer, l.audio))
		l.transition(EvEarly)
	} else {
		res = l.response(180, "Ringing", nil)
		l.transition(EvRing)
	}
	if err := l.tx.Respond(res); err != nil {
		return fmt.Errorf("send %d: %w", res.StatusCode, err)
	}
	l.lastProv = res
	l.tProv.set(provisionalRefresh)
	return nil
}

func (l *leg) refreshProvisional() {
	if !l.preAnswer() || l.lastProv == nil {
		return
	}
	if err := l.tx.Respond(l.lastProv); err != nil {
		l.log.Debug("provisional refresh", "err", err)
	}
	l.tProv.set(provisionalRefresh)
}

// onAnswer sends 200 OK with our SDP and waits (in the loop) for the ACK.
func (l *leg) onAnswer() error {
	if err := l.checkAnswerable(); err != nil {
		return err
	}
	var body []byte
	if l.offer != nil {
		if !l.connected {
			if err := l.applyRemote(l.audio, l.invite.Body()); err != nil {
				l.log.Error("connect media", "err", err)
				l.finalResponse(500, "Server Internal Error")
				l.end(ReasonHangup, OutcomeFailed)
				return fmt.Errorf("connect media: %w", err)
			}
		}
		body = l.answerSDP(l.offer, l.audio)
	} else {
		body = l.currentOffer()
		l.awaitSDPAck = true
	}
	res := l.response(200, "OK", body)
	res.AppendHeader(l.s.allowHeader())
	res.AppendHeader(l.s.supportedHeader())
	if l.seInterval > 0 {
		res.AppendHeader(sip.NewHeader("Session-Expires", itoa(int(l.seInterval/time.Second))+";refresher=uac"))
		res.AppendHeader(sip.NewHeader("Require", "timer"))
	}
	if err := l.tx.Respond(res); err != nil {
		l.end(ReasonTransport, OutcomeFailed)
		return fmt.Errorf("send 200: %w", err)
	}
	l.transition(EvAnswer)
	l.call.mu.Lock()
	l.call.answered = time.Now()
	l.call.mu.Unlock()
	l.tProv.stop()
	l.finalOnce.Do(func() { close(l.finalSent) })
	l.expectAck(l.tx, res)
	l.log.Info("call answered")
	return nil
}

// onCallerCancel: the transaction layer matched a CANCEL to the INVITE and answered it
// (200 to the CANCEL, 487 to the INVITE). It only does that before our final response,
// so the call is over even if our 200 lost the race.
func (l *leg) onCallerCancel() {
	if l.ended || l.state == StateActive {
		return
	}
	l.log.Info("caller cancelled")
	l.end(ReasonCallerCancelled, OutcomeCancelled)
}

// onInviteTxDone: the INVITE transaction ended before any final response (a transport
// failure, or the stack shutting down).
func (l *leg) onInviteTxDone() {
	if !l.preAnswer() {
		return
	}
	select {
	case <-l.cancelled:
		l.onCallerCancel()
		return
	default:
	}
	l.log.Warn("INVITE transaction ended unanswered", "err", l.tx.Err())
	l.end(ReasonTransport, OutcomeFailed)
}

// Answer answers an incoming call: 200 OK with our SDP. Media is connected first, so the
// caller hears whatever the media side plays (queue music) from the first packet.
func (s *Server) Answer(c *Call) error { return s.ask(c, evkAnswer, nil) }

// Ringing sends 180 Ringing on an unanswered incoming call.
func (s *Server) Ringing(c *Call) error { return s.ask(c, evkRinging, nil) }

// EarlyMedia sends 183 Session Progress with our SDP on an unanswered incoming call, so
// the caller hears media (ringback, announcements, queue music) before any answer;
// Answer may follow. Carriers bound how long a call may stay unanswered, so long
// waits are better answered.
func (s *Server) EarlyMedia(c *Call) error { return s.ask(c, evkEarly, nil) }

// Hangup ends a call: BYE when it was answered (with a Reason header), a final response
// statusFor(cause) chooses when it was not (nil gives 480; ErrBusy 486, ErrDeclined 603,
// ErrDraining 503, …). Calls.Ended follows with ReasonHangup.
func (s *Server) Hangup(c *Call, cause error) error { return s.ask(c, evkHangup, cause) }

func (s *Server) ask(c *Call, kind evKind, cause error) error {
	if c == nil || c.leg == nil || c.leg.s != s {
		return ErrCallEnded
	}
	return c.leg.ask(kind, cause)
}

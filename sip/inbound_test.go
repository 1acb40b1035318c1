package sip

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// answered sets up an answered inbound call from a carrier peer on transport.
func answered(t *testing.T, e *testEnv, transport string) (*peer, *sipgo.DialogClientSession, *Call) {
	t.Helper()
	ctx := testCtx(t)
	p := newPeer(t, transport)
	addr := e.udpAddr()
	if transport == "tcp" {
		addr = e.tcpAddr()
	}
	sess, err := p.invite(ctx, addr, "1000", offerSDP("127.0.0.1:30000"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	call := recv(t, e.calls.incoming, "Incoming")
	if err := e.srv.Answer(call); err != nil {
		t.Fatal(err)
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, call, StateActive)
	return p, sess, call
}

// waitState polls a call's state (bounded): the ACK reaches the leg asynchronously.
func waitState(t *testing.T, c *Call, want CallState) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.State() != want {
		if time.Now().After(deadline) {
			t.Fatalf("call state %s, want %s", c.State(), want)
		}
		time.Sleep(2 * time.Millisecond) // polling state
	}
}

func TestInboundAnswerThenCallerHangsUp(t *testing.T) {
	for _, tp := range []string{"udp", "tcp"} {
		t.Run(tp, func(t *testing.T) {
			e := newEnv(t)
			ctx := testCtx(t)
			_, sess, call := answered(t, e, tp)
			if call.DID != "1000" || call.Queue != "sales" || call.Trunk != "carrier" || call.Caller != "peer" || call.Direction != Inbound || call.SIPCallID == "" {
				t.Fatalf("call = %+v", call)
			}
			ans, err := parseSDP(sess.InviteResponse.Body())
			if err != nil {
				t.Fatalf("answer SDP: %v\n%s", err, sess.InviteResponse.Body())
			}
			if a, err := negotiateAnswer(ans); err != nil || a.Codec != codecPCMU || a.DTMF != 101 || !a.Remote.Addr().IsLoopback() {
				t.Fatalf("answer %+v %v", a, err)
			}
			if sess.InviteResponse.Contact() == nil {
				t.Fatal("200 without Contact")
			}
			mc := recv(t, e.media.connected, "media connect")
			if mc.callID != call.ID || mc.remote.String() != "127.0.0.1:30000" || mc.codec != "PCMU" || mc.dtmf != 101 {
				t.Fatalf("connect %+v", mc)
			}
			if st := e.srv.Stats(); st.ActiveCalls[Inbound] != 1 {
				t.Fatalf("stats %+v", st)
			}
			if err := sess.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			ended := recv(t, e.calls.ended, "Ended")
			if ended.call != call || ended.reason != ReasonCallerHangup || call.State() != StateEnded {
				t.Fatalf("ended %+v", ended)
			}
			if e.media.releasedOf(call.ID) != 1 {
				t.Fatal("media not released")
			}
			st := e.srv.Stats()
			if st.ActiveCalls[Inbound] != 0 || st.Calls[CallKey{Inbound, OutcomeAnswered}] != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestInboundCancelWhileQueued(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p := newPeer(t, "udp")
	sess, err := p.invite(ctx, e.udpAddr(), "2000", offerSDP("127.0.0.1:30000"))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	call := recv(t, e.calls.incoming, "Incoming")
	if call.Queue != "support" {
		t.Fatalf("queue %q", call.Queue)
	}
	if err := e.srv.Ringing(call); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sess.WaitAnswer(cctx, sipgo.AnswerOptions{}) }()
	waitState(t, call, StateRinging)
	cancel() // the caller gives up: CANCEL
	if err := recv(t, done, "WaitAnswer"); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitAnswer: %v", err)
	}
	if sess.InviteResponse == nil || sess.InviteResponse.StatusCode != 487 {
		t.Fatalf("final response %v, want 487", sess.InviteResponse)
	}
	ended := recv(t, e.calls.ended, "Ended")
	if ended.call != call || ended.reason != ReasonCallerCancelled {
		t.Fatalf("ended %+v", ended)
	}
	if err := e.srv.Answer(call); !errors.Is(err, ErrCallEnded) {
		t.Fatalf("Answer after cancel: %v", err)
	}
	nothing(t, e.calls.ended, "second Ended")
	if st := e.srv.Stats(); st.Calls[CallKey{Inbound, OutcomeCancelled}] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestInboundEarlyMediaThenAnswer(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p := newPeer(t, "udp")
	sess, err := p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30002"))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	call := recv(t, e.calls.incoming, "Incoming")
	// A client reads its responses as they come (sipgo delivers each on its own
	// goroutine, so an unread 183 may lose the race to the 200).
	provisional := make(chan *sip.Response, 4)
	done := make(chan error, 1)
	go func() {
		done <- sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
			if r.IsProvisional() && r.StatusCode > 100 {
				provisional <- r
			}
			return nil
		}})
	}()
	if err := e.srv.EarlyMedia(call); err != nil {
		t.Fatal(err)
	}
	mc := recv(t, e.media.connected, "media connect on 183")
	if mc.remote.Port() != 30002 {
		t.Fatalf("connect %+v", mc)
	}
	early := recv(t, provisional, "183")
	if call.State() != StateEarly {
		t.Fatalf("state %s", call.State())
	}
	if err := e.srv.Answer(call); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, done, "WaitAnswer"); err != nil {
		t.Fatal(err)
	}
	if early.StatusCode != 183 || len(early.Body()) == 0 || !strings.Contains(string(early.Body()), "m=audio") {
		t.Fatalf("183 %v", early)
	}
	if toTag(early) != toTag(sess.InviteResponse) {
		t.Fatal("183 and 200 carry different To tags")
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, call, StateActive)
	if n := len(e.media.connectsOf(call.ID)); n != 1 {
		t.Fatalf("media connected %d times, want once", n)
	}
	if err := e.srv.Hangup(call, nil); err != nil {
		t.Fatal(err)
	}
	bye := recv(t, p.byes, "BYE")
	if !strings.Contains(bye.String(), "Reason:") && bye.GetHeader("Reason") != nil {
		t.Fatal("no Reason")
	}
	if ended := recv(t, e.calls.ended, "Ended"); ended.reason != ReasonHangup {
		t.Fatalf("ended %+v", ended)
	}
}

func TestInboundHangupUnansweredAndRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse error // Incoming returns it
		hangup error // or the business side hangs up with it
		code   int
		ended  bool
	}{
		{"Incoming refuses: draining", ErrDraining, nil, 503, false},
		{"Incoming refuses: busy", ErrBusy, nil, 486, false},
		{"Incoming refuses: unknown error", errTest, nil, 500, false},
		{"Hangup unanswered: busy", nil, ErrBusy, 486, true},
		{"Hangup unanswered: no agent", nil, ErrUnavailable, 480, true},
		{"Hangup unanswered: nil", nil, nil, 480, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := testCtx(t)
			e.calls.setRefuse(tc.refuse)
			p := newPeer(t, "udp")
			sess, err := p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"))
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			if tc.refuse == nil {
				call := recv(t, e.calls.incoming, "Incoming")
				if err := e.srv.Hangup(call, tc.hangup); err != nil {
					t.Fatal(err)
				}
			}
			err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{})
			var de *sipgo.ErrDialogResponse
			if !errors.As(err, &de) || de.Res.StatusCode != tc.code {
				t.Fatalf("WaitAnswer: %v, want %d", err, tc.code)
			}
			if tc.code == 503 && de.Res.GetHeader("Retry-After") == nil {
				t.Fatal("503 without Retry-After")
			}
			if tc.ended {
				if ended := recv(t, e.calls.ended, "Ended"); ended.reason != ReasonHangup {
					t.Fatalf("ended %+v", ended)
				}
			} else {
				nothing(t, e.calls.ended, "Ended for a refused call")
			}
		})
	}
}

// inviteStatus sends an INVITE and returns the final status.
func inviteStatus(t *testing.T, p *peer, addr, did string, body []byte, hdrs ...sip.Header) *sip.Response {
	t.Helper()
	ctx := testCtx(t)
	sess, err := p.invite(ctx, addr, did, body, hdrs...)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) {
		t.Fatalf("WaitAnswer: %v", err)
	}
	return de.Res
}

func TestInboundRejections(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, "udp")
	for _, tc := range []struct {
		name string
		did  string
		body []byte
		hdrs []sip.Header
		code int
	}{
		{"unknown DID", "9999", offerSDP("127.0.0.1:30000"), nil, 404},
		{"no common codec", "1000", offerWith("m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000"), nil, 488},
		{"unparseable SDP", "1000", []byte("v=0\r\nthis is not sdp\r\n"), nil, 400},
		{"Accept without SDP", "1000", offerSDP("127.0.0.1:30000"), []sip.Header{sip.NewHeader("Accept", "text/plain")}, 406},
		{"session interval too small", "1000", offerSDP("127.0.0.1:30000"), []sip.Header{sip.NewHeader("Session-Expires", "30"), sip.NewHeader("Supported", "timer")}, 422},
		{"unsupported extension", "1000", offerSDP("127.0.0.1:30000"), []sip.Header{sip.NewHeader("Require", "100rel, foo")}, 420},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := inviteStatus(t, p, e.udpAddr(), tc.did, tc.body, tc.hdrs...)
			if res.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.code)
			}
			switch tc.code {
			case 420:
				if u := res.GetHeader("Unsupported"); u == nil || u.Value() != "100rel, foo" {
					t.Fatalf("Unsupported %v", u)
				}
			case 422:
				if res.GetHeader("Min-SE") == nil {
					t.Fatal("422 without Min-SE")
				}
			}
		})
	}
	nothing(t, e.calls.incoming, "Incoming for a rejected call")
}

func TestInboundUnsupportedContentType(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p := newPeer(t, "udp")
	dua := sipgo.DialogUA{Client: p.cli, ContactHDR: p.contact()}
	host, port, _ := sip.ParseAddr(e.udpAddr())
	sess, err := dua.Invite(ctx, sip.Uri{Scheme: "sip", User: "1000", Host: host, Port: port}, []byte("<xml/>"), sip.NewHeader("Content-Type", "application/xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var de *sipgo.ErrDialogResponse
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); !errors.As(err, &de) || de.Res.StatusCode != 415 || de.Res.GetHeader("Accept") == nil {
		t.Fatalf("WaitAnswer: %v", err)
	}
}

func TestDrainRefusesNewCallsKeepsOld(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p, sess, call := answered(t, e, "udp")
	if res, err := p.cli.Do(ctx, sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())})); err != nil || res.StatusCode != 200 || res.GetHeader("Allow") == nil {
		t.Fatalf("OPTIONS: %v %v", res, err)
	}
	e.srv.Drain()
	res := inviteStatus(t, p, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"))
	if res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Fatalf("INVITE while draining: %v", res.StartLine())
	}
	if res, err := p.cli.Do(ctx, sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())})); err != nil || res.StatusCode != 503 {
		t.Fatalf("OPTIONS while draining: %v %v", res, err)
	}
	// The call in progress carries on: a re-INVITE is answered, BYE ends it.
	if res := reinvite(t, sess, offerSDP("127.0.0.1:30000")); res.StatusCode != 200 {
		t.Fatalf("re-INVITE while draining: %d", res.StatusCode)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if ended := recv(t, e.calls.ended, "Ended"); ended.call != call {
		t.Fatalf("ended %+v", ended)
	}
}

// reinvite sends a re-INVITE (body nil: offerless, answered in the ACK) in the dialog
// and ACKs the 200.
func reinvite(t *testing.T, sess *sipgo.DialogClientSession, body []byte, hdrs ...sip.Header) *sip.Response {
	t.Helper()
	ctx := testCtx(t)
	target := sess.InviteResponse.Contact().Address
	req := sip.NewRequest(sip.INVITE, target)
	if body != nil {
		req.SetBody(body)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	res, err := sess.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.IsSuccess() {
		if res.Contact() == nil {
			t.Fatal("2xx to re-INVITE without Contact")
		}
		ack := sip.NewRequest(sip.ACK, res.Contact().Address)
		if body == nil {
			ack.SetBody(offerSDP("127.0.0.1:30000"))
			ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		}
		if err := sess.WriteRequest(ack); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

func answerDirection(t *testing.T, body []byte) direction {
	t.Helper()
	s, err := parseSDP(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	a, err := negotiateAnswer(s)
	if err != nil {
		t.Fatal(err)
	}
	return a.Dir
}

func TestReinviteHoldResume(t *testing.T) {
	e := newEnv(t)
	_, sess, call := answered(t, e, "udp")
	recv(t, e.media.connected, "first connect")

	res := reinvite(t, sess, offerSDP("127.0.0.1:30000", "a=sendonly"))
	if res.StatusCode != 200 || answerDirection(t, res.Body()) != dirRecvOnly {
		t.Fatalf("hold: %d\n%s", res.StatusCode, res.Body())
	}
	if h := recv(t, e.calls.holds, "Hold"); h.call != call || !h.held || !call.Held() {
		t.Fatalf("hold %+v", h)
	}
	// A refresh with the same hold changes nothing for the business side.
	reinvite(t, sess, offerSDP("127.0.0.1:30000", "a=sendonly"))
	// Resume, at a new media address: media is reconnected.
	res = reinvite(t, sess, offerSDP("127.0.0.1:30010"))
	if res.StatusCode != 200 || answerDirection(t, res.Body()) != dirSendRecv {
		t.Fatalf("resume: %d", res.StatusCode)
	}
	if h := recv(t, e.calls.holds, "Hold"); h.held || call.Held() {
		t.Fatalf("resume %+v", h)
	}
	if mc := recv(t, e.media.connected, "reconnect"); mc.remote.Port() != 30010 {
		t.Fatalf("reconnect %+v", mc)
	}
	if call.RemoteMedia().Port() != 30010 {
		t.Fatalf("remote media %v", call.RemoteMedia())
	}
	nothing(t, e.calls.holds, "Hold for a refresh")
	callerHangsUp(t, e, sess)
}

// callerHangsUp ends an answered call from the carrier's side.
func callerHangsUp(t *testing.T, e *testEnv, sess *sipgo.DialogClientSession) {
	t.Helper()
	if err := sess.Bye(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	recv(t, e.calls.ended, "Ended")
}

func TestReinviteEdgeCases(t *testing.T) {
	e := newEnv(t)
	_, sess, call := answered(t, e, "udp")
	// No common codec: 488, and the call goes on.
	if res := reinvite(t, sess, offerWith("m=audio 4000 RTP/AVP 18")); res.StatusCode != 488 {
		t.Fatalf("no codec: %d", res.StatusCode)
	}
	// An offerless re-INVITE: we offer our session, the answer comes in the ACK.
	res := reinvite(t, sess, nil)
	if res.StatusCode != 200 || len(res.Body()) == 0 {
		t.Fatalf("offerless: %d", res.StatusCode)
	}
	// A session refresh with timers.
	res = reinvite(t, sess, offerSDP("127.0.0.1:30000"), sip.NewHeader("Session-Expires", "1800;refresher=uac"), sip.NewHeader("Supported", "timer"))
	if se := res.GetHeader("Session-Expires"); res.StatusCode != 200 || se == nil || !strings.HasPrefix(se.Value(), "1800") {
		t.Fatalf("refresh: %d %v", res.StatusCode, se)
	}
	if call.State() != StateActive {
		t.Fatalf("state %s", call.State())
	}
	callerHangsUp(t, e, sess)
}

func TestUpdateRefreshAndHold(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	_, sess, call := answered(t, e, "udp")
	target := sess.InviteResponse.Contact().Address
	res, err := sess.Do(ctx, sip.NewRequest(sip.UPDATE, target))
	if err != nil || res.StatusCode != 200 || len(res.Body()) != 0 {
		t.Fatalf("refresh UPDATE: %v %v", res, err)
	}
	req := sip.NewRequest(sip.UPDATE, target)
	req.SetBody(offerSDP("127.0.0.1:30000", "a=inactive"))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res, err = sess.Do(ctx, req)
	if err != nil || res.StatusCode != 200 || answerDirection(t, res.Body()) != dirInactive {
		t.Fatalf("hold UPDATE: %v %v", res, err)
	}
	if h := recv(t, e.calls.holds, "Hold"); !h.held || h.call != call {
		t.Fatalf("%+v", h)
	}
	res, err = sess.Do(ctx, sip.NewRequest(sip.INFO, target))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("INFO: %v %v", res, err)
	}
	callerHangsUp(t, e, sess)
}

func TestInboundDigestTrunk(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Trunks = c.Trunks[1:] }) // only the digest carrier
	ctx := testCtx(t)
	p := newPeer(t, "udp")
	// Wrong credentials: challenged again, then refused by the client.
	sess, err := p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"))
	if err != nil {
		t.Fatal(err)
	}
	var de *sipgo.ErrDialogResponse
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{Username: "trunkuser", Password: "nope"}); !errors.As(err, &de) || de.Res.StatusCode != 401 {
		t.Fatalf("wrong password: %v", err)
	}
	sess.Close()
	nothing(t, e.calls.incoming, "Incoming without authentication")
	// A registrar user is not a trunk: authenticated, then forbidden.
	sess, _ = p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"))
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{Username: "bob", Password: "bob"}); !errors.As(err, &de) || de.Res.StatusCode != 403 {
		t.Fatalf("desk phone calling in: %v", err)
	}
	sess.Close()

	sess, _ = p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"))
	defer sess.Close()
	done := make(chan error, 1)
	go func() {
		done <- sess.WaitAnswer(ctx, sipgo.AnswerOptions{Username: "trunkuser", Password: "trunkpass"})
	}()
	call := recv(t, e.calls.incoming, "Incoming")
	if call.Trunk != "digest-carrier" {
		t.Fatalf("trunk %q", call.Trunk)
	}
	if err := e.srv.Answer(call); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, done, "WaitAnswer"); err != nil {
		t.Fatal(err)
	}
	sess.Ack(ctx)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, e.calls.ended, "Ended")
	if st := e.srv.Stats(); st.AuthFailures == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnswerFromInsideIncoming(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.calls.setHook(func(c *Call) error {
		if err := e.srv.Ringing(c); err != nil {
			return err
		}
		return e.srv.Answer(c)
	})
	p := newPeer(t, "udp")
	sess, err := p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	sess.Ack(ctx)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, e.calls.ended, "Ended")
}

func TestInboundLateOffer(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p := newPeer(t, "udp")
	sess, err := p.invite(ctx, e.udpAddr(), "1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	call := recv(t, e.calls.incoming, "Incoming")
	if err := e.srv.EarlyMedia(call); !errors.Is(err, ErrNoOffer) {
		t.Fatalf("early media without an offer: %v", err)
	}
	if err := e.srv.Answer(call); err != nil {
		t.Fatal(err)
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := parseSDP(sess.InviteResponse.Body()); err != nil {
		t.Fatalf("our offer: %v", err)
	}
	// The ACK carries the answer.
	ack := sip.NewRequest(sip.ACK, sess.InviteResponse.Contact().Address)
	ack.SetBody(offerSDP("127.0.0.1:30020"))
	ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	if err := sess.WriteAck(ctx, ack); err != nil {
		t.Fatal(err)
	}
	if mc := recv(t, e.media.connected, "connect from ACK"); mc.remote.Port() != 30020 || mc.callID != call.ID {
		t.Fatalf("%+v", mc)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, e.calls.ended, "Ended")
}

func TestMediaAllocateFailure(t *testing.T) {
	e := newEnv(t)
	e.media.mu.Lock()
	e.media.failAlloc = errTest
	e.media.mu.Unlock()
	p := newPeer(t, "udp")
	if res := inviteStatus(t, p, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000")); res.StatusCode != 503 {
		t.Fatalf("status %d", res.StatusCode)
	}
	nothing(t, e.calls.incoming, "Incoming")
}

func TestShutdownEndsCalls(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p, _, answeredCall := answered(t, e, "udp")
	sess, err := p.invite(ctx, e.udpAddr(), "2000", offerSDP("127.0.0.1:30000"))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	queued := recv(t, e.calls.incoming, "Incoming")
	done := make(chan error, 1)
	go func() { done <- sess.WaitAnswer(ctx, sipgo.AnswerOptions{}) }()

	waitState(t, queued, StateNew)
	stopped := make(chan struct{})
	go func() { e.stopRun(); close(stopped) }()

	var de *sipgo.ErrDialogResponse
	if err := recv(t, done, "WaitAnswer"); !errors.As(err, &de) || de.Res.StatusCode != 503 {
		t.Fatalf("queued call at shutdown: %v", err)
	}
	recv(t, p.byes, "BYE for the answered call")
	got := map[*Call]string{}
	for range 2 {
		ec := recv(t, e.calls.ended, "Ended")
		got[ec.call] = ec.reason
	}
	if got[answeredCall] != ReasonShutdown || got[queued] != ReasonShutdown {
		t.Fatalf("ended %v", got)
	}
	recv(t, stopped, "Run to return")
	if _, err := e.srv.RingDevice(ctx, "bob", nil); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("RingDevice after Run: %v", err)
	}
}

func TestCallerNumberFromPAI(t *testing.T) {
	req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "1000", Host: "x"})
	req.AppendHeader(&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "anonymous", Host: "x"}})
	req.AppendHeader(sip.NewHeader("P-Asserted-Identity", `"Alice" <sip:+15551234@carrier.example>`))
	if got := callerNumber(req); got != "+15551234" {
		t.Fatalf("caller %q", got)
	}
	_ = netip.Addr{}
}

func TestSessionExpiresWithoutRefresh(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MinSessionExpires = time.Second })
	ctx := testCtx(t)
	p := newPeer(t, "udp")
	sess, err := p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"), sip.NewHeader("Session-Expires", "1"), sip.NewHeader("Supported", "timer"))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	call := recv(t, e.calls.incoming, "Incoming")
	e.srv.Answer(call)
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	if se := sess.InviteResponse.GetHeader("Session-Expires"); se == nil || se.Value() != "1;refresher=uac" {
		t.Fatalf("Session-Expires %v", se)
	}
	sess.Ack(ctx)
	// The carrier never refreshes: we hang up.
	recv(t, p.byes, "BYE on session expiry")
	if ended := recv(t, e.calls.ended, "Ended"); ended.reason != ReasonSessionExpired {
		t.Fatalf("%+v", ended)
	}
}

func TestInDialogOptionsAndStrays(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p, sess, _ := answered(t, e, "udp")
	res, err := sess.Do(ctx, sip.NewRequest(sip.OPTIONS, sess.InviteResponse.Contact().Address))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("in-dialog OPTIONS: %v %v", res, err)
	}
	// A BYE and an UPDATE for a dialog that does not exist, a CANCEL for no INVITE.
	for _, m := range []sip.RequestMethod{sip.BYE, sip.UPDATE, sip.CANCEL} {
		req := sip.NewRequest(m, sip.Uri{Scheme: "sip", User: "x", Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())})
		to := &sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "x", Host: "127.0.0.1"}, Params: sip.NewParams()}
		to.Params.Add("tag", "nosuchdialog")
		req.AppendHeader(to)
		res, err := p.cli.Do(ctx, req)
		if err != nil || res.StatusCode != 481 {
			t.Fatalf("%s for nothing: %v %v", m, res, err)
		}
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, e.calls.ended, "Ended")
}

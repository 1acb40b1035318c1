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
	"github.com/icholy/digest"
)

// register sends REGISTER from the peer as user (answering the 401 with pass) and
// returns the final response.
func (p *peer) register(t *testing.T, srvAddr, user, pass string, expires string, contact *sip.ContactHeader) *sip.Response {
	t.Helper()
	ctx := testCtx(t)
	host, port, _ := sip.ParseAddr(srvAddr)
	ruri := sip.Uri{Scheme: "sip", Host: host, Port: port}
	if p.tp == "tcp" {
		ruri.UriParams = sip.NewParams()
		ruri.UriParams.Add("transport", "tcp")
	}
	req := sip.NewRequest(sip.REGISTER, ruri)
	aor := sip.Uri{Scheme: "sip", User: user, Host: host}
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor})
	if contact == nil {
		c := p.contact()
		contact = &c
	}
	req.AppendHeader(contact)
	if expires != "" {
		req.AppendHeader(sip.NewHeader("Expires", expires))
	}
	res, err := p.cli.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode == 401 && pass != "" {
		if res, err = p.cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: user, Password: pass}); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

func TestRegisterResponses(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, "udp")
	res := p.register(t, e.udpAddr(), "bob", "bob", "600", nil)
	if res.StatusCode != 200 {
		t.Fatalf("register: %s", res.StartLine())
	}
	if c := res.Contact(); c == nil || !strings.Contains(c.String(), "expires=600") {
		t.Fatalf("200 contact %v", res.Contact())
	}
	if res := p.register(t, e.udpAddr(), "bob", "bob", "10", nil); res.StatusCode != 423 || res.GetHeader("Min-Expires").Value() != "60" {
		t.Fatalf("too brief: %s %v", res.StartLine(), res.GetHeader("Min-Expires"))
	}
	if res := p.register(t, e.udpAddr(), "bob", "bob", "999999", nil); res.StatusCode != 200 || !strings.Contains(res.Contact().String(), "expires=3600") {
		t.Fatalf("clamp: %s %v", res.StartLine(), res.Contact())
	}
	// carol's credentials for bob's AOR: authenticated, forbidden.
	if res := p.register(t, e.udpAddr(), "carol", "carol", "600", nil); res.StatusCode != 200 {
		t.Fatalf("carol: %s", res.StartLine())
	}
	ctx := testCtx(t)
	host, port, _ := sip.ParseAddr(e.udpAddr())
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: host, Port: port})
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "bob", Host: host}})
	c := p.contact()
	req.AppendHeader(&c)
	res, _ = p.cli.Do(ctx, req)
	if res, _ = p.cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "carol", Password: "carol"}); res.StatusCode != 403 {
		t.Fatalf("carol registering bob: %s", res.StartLine())
	}
	if st := e.srv.Stats(); st.Registrations != 2 {
		t.Fatalf("registrations %d", st.Registrations)
	}
	// Expiry follows the (injected) clock.
	e.clock.Add(601 * time.Second)
	if st := e.srv.Stats(); st.Registrations != 1 {
		t.Fatalf("registrations after carol's expiry %d", st.Registrations)
	}
	// Expires: 0 removes.
	if res := p.register(t, e.udpAddr(), "bob", "bob", "0", nil); res.StatusCode != 200 || len(e.srv.Registrations("bob")) != 0 {
		t.Fatalf("unregister: %s %v", res.StartLine(), e.srv.Registrations("bob"))
	}
}

// An unknown user and a wrong password must look the same (SECURITY.md §0.3): same
// status, same headers, same challenge parameters; only the nonce differs.
func TestNoEnumeration(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, "udp")
	normalize := func(res *sip.Response) string {
		var b strings.Builder
		b.WriteString(res.StartLine())
		for _, h := range res.Headers() {
			switch strings.ToLower(h.Name()) {
			case "via", "from", "to", "call-id", "cseq":
				continue // echo the request
			}
			v := h.Value()
			if i := strings.Index(v, `nonce="`); i >= 0 {
				j := strings.Index(v[i+7:], `"`)
				v = v[:i+7] + "N" + v[i+7+j:]
			}
			b.WriteString("\n" + h.Name() + ": " + v)
		}
		return b.String()
	}
	unknown := p.register(t, e.udpAddr(), "mallory", "whatever", "600", nil)
	wrong := p.register(t, e.udpAddr(), "bob", "not-bob", "600", nil)
	if unknown.StatusCode != 401 || normalize(unknown) != normalize(wrong) {
		t.Fatalf("unknown user:\n%s\nwrong password:\n%s", normalize(unknown), normalize(wrong))
	}
	if len(unknown.GetHeaders("WWW-Authenticate")) != 2 {
		t.Fatalf("want one challenge per algorithm: %v", unknown.GetHeaders("WWW-Authenticate"))
	}
}

func TestRegisterSHA256First(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DigestAlgorithms = []string{"SHA-256", "MD5"} })
	p := newPeer(t, "udp")
	if res := p.register(t, e.udpAddr(), "bob", "bob", "600", nil); res.StatusCode != 200 {
		t.Fatalf("%s", res.StartLine())
	}
}

// peerAnswer is the desk phone's SDP answer.
func peerAnswer(rtp string) []byte {
	host, port, _ := strings.Cut(rtp, ":")
	return []byte("v=0\r\no=phone 1 1 IN IP4 " + host + "\r\ns=-\r\nc=IN IP4 " + host + "\r\nt=0 0\r\nm=audio " + port + " RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
}

type ringResult struct {
	call *Call
	err  error
}

func ring(e *testEnv, ctx context.Context, agent string, a *Call) <-chan ringResult {
	out := make(chan ringResult, 1)
	go func() {
		c, err := e.srv.RingDevice(ctx, agent, a)
		out <- ringResult{c, err}
	}()
	return out
}

func TestRingDeviceAnswerAndBye(t *testing.T) {
	for _, tp := range []string{"udp", "tcp"} {
		t.Run(tp, func(t *testing.T) {
			e := newEnv(t)
			ctx := testCtx(t)
			p := newPeer(t, tp)
			addr := e.udpAddr()
			if tp == "tcp" {
				addr = e.tcpAddr()
			}
			// The phone is behind NAT: its Contact names an address nobody can reach; the
			// INVITE must go back where the REGISTER came from.
			natted := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "bob", Host: "10.255.255.1", Port: 5099}}
			if tp == "tcp" {
				natted.Address.UriParams = sip.NewParams()
				natted.Address.UriParams.Add("transport", "tcp")
			}
			if res := p.register(t, addr, "bob", "bob", "600", natted); res.StatusCode != 200 {
				t.Fatalf("register: %s", res.StartLine())
			}
			a := &Call{Caller: "+15551234"}
			result := ring(e, ctx, "bob", a)
			inv := recv(t, p.invites, "INVITE at the phone")
			if inv.req.From().Address.User != "+15551234" || inv.req.To().Address.User != "bob" || inv.req.Recipient.Host != "10.255.255.1" {
				t.Fatalf("INVITE %s\n%s", inv.req.StartLine(), inv.req)
			}
			if _, err := parseSDP(inv.req.Body()); err != nil {
				t.Fatalf("our offer: %v", err)
			}
			dlg, err := p.dlgs.ReadInvite(inv.req, inv.tx)
			if err != nil {
				t.Fatal(err)
			}
			defer dlg.Close()
			if err := dlg.Respond(180, "Ringing", nil); err != nil {
				t.Fatal(err)
			}
			if err := dlg.RespondSDP(peerAnswer("127.0.0.1:31000")); err != nil {
				t.Fatal(err) // returns once our ACK came
			}
			r := recv(t, result, "RingDevice")
			if r.err != nil {
				t.Fatal(r.err)
			}
			b := r.call
			if b.Direction != Outbound || b.Agent != "bob" || b.State() != StateActive || b.Codec() != "PCMA" {
				t.Fatalf("B leg %+v %s %s", b, b.State(), b.Codec())
			}
			if cs := e.media.connectsOf(b.ID); len(cs) != 1 || cs[0].remote.String() != "127.0.0.1:31000" || cs[0].codec != "PCMA" || cs[0].dtmf != 101 {
				t.Fatalf("media %+v", cs)
			}
			if st := e.srv.Stats(); st.ActiveCalls[Outbound] != 1 {
				t.Fatalf("stats %+v", st)
			}
			if err := dlg.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			if ended := recv(t, e.calls.ended, "Ended"); ended.call != b || ended.reason != ReasonCallerHangup {
				t.Fatalf("ended %+v", ended)
			}
		})
	}
}

func TestRingDeviceWeHangUp(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	p := newPeer(t, "udp")
	p.register(t, e.udpAddr(), "carol", "carol", "600", nil)
	result := ring(e, ctx, "carol", nil)
	inv := recv(t, p.invites, "INVITE")
	dlg, _ := p.dlgs.ReadInvite(inv.req, inv.tx)
	defer dlg.Close()
	if err := dlg.RespondSDP(peerAnswer("127.0.0.1:31002")); err != nil {
		t.Fatal(err)
	}
	r := recv(t, result, "RingDevice")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if err := e.srv.Hangup(r.call, nil); err != nil {
		t.Fatal(err)
	}
	recv(t, p.byes, "BYE at the phone")
	if ended := recv(t, e.calls.ended, "Ended"); ended.reason != ReasonHangup {
		t.Fatalf("%+v", ended)
	}
	if err := e.srv.Hangup(r.call, nil); !errors.Is(err, ErrCallEnded) {
		t.Fatalf("second hangup: %v", err)
	}
}

func TestRingDeviceNoAnswerCancels(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, "udp")
	p.register(t, e.udpAddr(), "bob", "bob", "600", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	result := ring(e, ctx, "bob", nil)
	inv := recv(t, p.invites, "INVITE")
	cancelled := make(chan struct{})
	inv.tx.OnCancel(func(*sip.Request) { close(cancelled) })
	if err := inv.tx.Respond(sip.NewResponseFromRequest(inv.req, 180, "Ringing", nil)); err != nil {
		t.Fatal(err)
	}
	r := recv(t, result, "RingDevice")
	if !errors.Is(r.err, context.DeadlineExceeded) || r.call != nil {
		t.Fatalf("RingDevice: %v %v", r.call, r.err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("RingDevice took %v", time.Since(start))
	}
	recv(t, cancelled, "CANCEL at the phone")
	recv(t, inv.tx.Acks(), "ACK for the 487")
	nothing(t, e.calls.ended, "Ended for a leg never handed out")
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Stats().Calls[CallKey{Outbound, OutcomeCancelled}] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", e.srv.Stats())
		}
		time.Sleep(5 * time.Millisecond) // polling state
	}
}

func TestRingDeviceOfferRingTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.OfferRingTimeout = 200 * time.Millisecond })
	p := newPeer(t, "udp")
	p.register(t, e.udpAddr(), "bob", "bob", "600", nil)
	result := ring(e, context.Background(), "bob", nil)
	inv := recv(t, p.invites, "INVITE")
	cancelled := make(chan struct{})
	inv.tx.OnCancel(func(*sip.Request) { close(cancelled) })
	inv.tx.Respond(sip.NewResponseFromRequest(inv.req, 180, "Ringing", nil))
	if r := recv(t, result, "RingDevice"); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("%v", r.err)
	}
	recv(t, cancelled, "CANCEL")
	recv(t, inv.tx.Acks(), "ACK for the 487")
}

func TestRingDeviceRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	if _, err := e.srv.RingDevice(ctx, "bob", nil); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("unregistered: %v", err)
	}
	p := newPeer(t, "udp")
	p.register(t, e.udpAddr(), "bob", "bob", "600", nil)
	for _, tc := range []struct {
		code int
		want error
	}{{486, ErrBusy}, {603, ErrDeclined}, {480, ErrNoAnswer}} {
		result := ring(e, ctx, "bob", nil)
		inv := recv(t, p.invites, "INVITE")
		inv.tx.Respond(sip.NewResponseFromRequest(inv.req, tc.code, "No", nil))
		recv(t, inv.tx.Acks(), "ACK for the refusal") // the phone's transaction sees it through
		r := recv(t, result, "RingDevice")
		var se *StatusError
		if !errors.Is(r.err, tc.want) || !errors.As(r.err, &se) || se.Code != tc.code {
			t.Fatalf("%d: %v", tc.code, r.err)
		}
	}
}

// The phone never sends a provisional response, so CANCEL is not allowed (RFC 3261
// §9.1): RingDevice still returns when its context ends.
func TestRingDeviceSilentPhone(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, "udp")
	p.register(t, e.udpAddr(), "bob", "bob", "600", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	result := ring(e, ctx, "bob", nil)
	recv(t, p.invites, "INVITE")
	if r := recv(t, result, "RingDevice"); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("%v", r.err)
	}
}

func TestDialTrunkWithDigest(t *testing.T) {
	p := newPeer(t, "udp")
	e := newEnv(t, func(c *Config) {
		c.Trunks = append(c.Trunks, Trunk{Name: "out", Target: p.addr.String(), OutboundUsername: "acct", OutboundPassword: "s3cret", FromUser: "15550001"})
	})
	ctx := testCtx(t)
	result := make(chan ringResult, 1)
	go func() {
		c, err := e.srv.Dial(ctx, "out", "15551234", "alice")
		result <- ringResult{c, err}
	}()
	inv := recv(t, p.invites, "INVITE")
	if inv.req.Recipient.User != "15551234" || inv.req.From().Address.User != "15550001" {
		t.Fatalf("%s", inv.req)
	}
	chal := &digest.Challenge{Realm: "carrier", Nonce: "n0nce", Algorithm: "SHA-256", QOP: []string{"auth"}, Opaque: "op"}
	res := sip.NewResponseFromRequest(inv.req, 407, "Proxy Authentication Required", nil)
	res.AppendHeader(sip.NewHeader("Proxy-Authenticate", chal.String()))
	inv.tx.Respond(res)

	inv = recv(t, p.invites, "INVITE with credentials")
	h := inv.req.GetHeader("Proxy-Authorization")
	if h == nil {
		t.Fatalf("no credentials:\n%s", inv.req)
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := digest.Digest(chal, digest.Options{Method: "INVITE", URI: cred.URI, Username: "acct", Password: "s3cret", Cnonce: cred.Cnonce, Count: cred.Nc})
	if cred.Response != want.Response || cred.Username != "acct" || cred.Opaque != "op" {
		t.Fatalf("credentials %+v, want response %s", cred, want.Response)
	}
	dlg, err := p.dlgs.ReadInvite(inv.req, inv.tx)
	if err != nil {
		t.Fatal(err)
	}
	defer dlg.Close()
	if err := dlg.RespondSDP(peerAnswer("127.0.0.1:31004")); err != nil {
		t.Fatal(err)
	}
	r := recv(t, result, "Dial")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.call.Trunk != "out" || r.call.Agent != "alice" || r.call.Caller != "15550001" || r.call.ToUser != "15551234" {
		t.Fatalf("%+v", r.call)
	}
	if err := e.srv.Hangup(r.call, nil); err != nil {
		t.Fatal(err)
	}
	recv(t, p.byes, "BYE at the carrier")
	recv(t, e.calls.ended, "Ended")

	if _, err := e.srv.Dial(ctx, "nope", "1", "alice"); !errors.Is(err, ErrUnknownTrunk) {
		t.Fatalf("unknown trunk: %v", err)
	}
	if _, err := e.srv.Dial(ctx, "out", "1;evil=1", "alice"); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("bad number: %v", err)
	}
	_ = netip.Addr{}
}

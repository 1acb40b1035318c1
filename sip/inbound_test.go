package sip

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

func TestInboundAnswerThenCallerHangsUp(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	sess, err := p.invite(ctx, e.udpAddr(), "1000", offerSDP("127.0.0.1:30000"))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	call := recv(t, e.calls.incoming, "Incoming")
	if call.DID != "1000" || call.Queue != "sales" || call.Trunk != "carrier" || call.Caller != "peer" || call.Direction != Inbound {
		t.Fatalf("call = %+v", call)
	}
	if err := e.srv.Answer(call); err != nil {
		t.Fatal(err)
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	ans, err := parseSDP(sess.InviteResponse.Body())
	if err != nil {
		t.Fatalf("answer SDP: %v\n%s", err, sess.InviteResponse.Body())
	}
	a, err := negotiateAnswer(ans)
	if err != nil || a.Codec != codecPCMU || a.DTMF != 101 {
		t.Fatalf("answer %+v %v", a, err)
	}
	mc := recv(t, e.media.connected, "media connect")
	if mc.callID != call.ID || mc.remote.String() != "127.0.0.1:30000" || mc.codec != "PCMU" || mc.dtmf != 101 {
		t.Fatalf("connect %+v", mc)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	ended := recv(t, e.calls.ended, "Ended")
	if ended.call != call || ended.reason != ReasonCallerHangup {
		t.Fatalf("ended %+v", ended)
	}
	_ = sip.BYE
}

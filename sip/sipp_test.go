package sip

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/omnigate/omnigate/internal/testkit"
)

// sippPath finds sipp (Debian sip-tester); without it the test skips, except in CI.
func sippPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	testkit.RequirePeer(t, "sipp (Debian sip-tester)", err)
	return p
}

// runSipp runs sipp with args in a scratch directory (it writes its logs there) and
// returns its exit error and combined output.
func runSipp(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := sippPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-nostdin", "-i", "127.0.0.1", "-timeout", "20s", "-timeout_error", "-trace_err"}, args...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		logs, _ := filepath.Glob(filepath.Join(dir, "*_errors.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			out.WriteString("\n--- " + filepath.Base(l) + "\n")
			out.Write(b)
		}
	}
	return out.String(), err
}

func scenario(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "sipp", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// answerAll makes the business side answer every call as it comes, then run then (if
// set) on it.
func answerAll(t *testing.T, e *testEnv, then func(*Call)) {
	e.calls.setHook(func(c *Call) error {
		e.calls.incoming <- c
		go func() {
			if err := e.srv.Answer(c); err != nil {
				t.Errorf("answer: %v", err)
				return
			}
			if then != nil {
				then(c)
			}
		}()
		return nil
	})
}

// TestSippUACCallsDID: sipp's built-in UAC calls DID 1000 through the trunk; the
// business side answers at once and sipp hangs up two seconds later (-d). The call
// must succeed.
func TestSippUACCallsDID(t *testing.T) {
	sippPath(t)
	e := newEnv(t)
	answerAll(t, e, nil)
	done := make(chan error, 1)
	go func() {
		// uac: INVITE, 100/180?/200, ACK, pause -d ms, BYE from sipp.
		out, err := runSipp(t, "-sn", "uac", "-s", "1000", "-m", "1", "-l", "1", "-d", "2000", e.udpAddr())
		if err != nil {
			t.Logf("sipp output:\n%s", out)
		}
		done <- err
	}()
	call := recv(t, e.calls.incoming, "Incoming")
	if call.DID != "1000" || call.Queue != "sales" {
		t.Fatalf("call %+v", call)
	}
	if err := <-done; err != nil {
		t.Fatalf("sipp uac: %v", err)
	}
	ended := recv(t, e.calls.ended, "Ended")
	if ended.reason != ReasonCallerHangup {
		t.Fatalf("ended: %+v", ended)
	}
	if st := e.srv.Stats(); st.Calls[CallKey{Inbound, OutcomeAnswered}] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSippCalleeHangsUp: sipp calls DID 1000 (offering PCMA first); the business side
// answers and hangs up a second later; sipp must get our BYE and the call succeed.
func TestSippCalleeHangsUp(t *testing.T) {
	sippPath(t)
	e := newEnv(t)
	answerAll(t, e, func(c *Call) {
		time.AfterFunc(time.Second, func() { e.srv.Hangup(c, nil) }) // "a few seconds" of queue music
	})
	out, err := runSipp(t, "-sf", scenario(t, "uac_remote_bye.xml"), "-s", "1000", "-m", "1", e.udpAddr())
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	call := recv(t, e.calls.incoming, "Incoming")
	if ended := recv(t, e.calls.ended, "Ended"); ended.call != call || ended.reason != ReasonHangup {
		t.Fatalf("ended %+v", ended)
	}
	if call.Codec() != "PCMU" {
		t.Fatalf("codec %s: PCMU is preferred whatever the offer's order", call.Codec())
	}
}

// TestSippRegisterDigest: sipp registers bob with digest (first challenge is MD5 by
// default, which is what sipp answers), then unregisters with Contact: *; a wrong
// password fails the scenario.
func TestSippRegisterDigest(t *testing.T) {
	sippPath(t)
	e := newEnv(t)
	if out, err := runSipp(t, "-sf", scenario(t, "register.xml"), "-s", "bob", "-au", "bob", "-ap", "bob", "-m", "1", e.udpAddr()); err != nil {
		t.Fatalf("register: %v\n%s", err, out)
	}
	bs := e.srv.Registrations("bob")
	if len(bs) != 1 || bs[0].Transport != "UDP" || !bs[0].Source.Addr().IsLoopback() {
		t.Fatalf("bindings %+v", bs)
	}
	if st := e.srv.Stats(); st.Registrations != 1 {
		t.Fatalf("stats %+v", st)
	}
	if out, err := runSipp(t, "-sf", scenario(t, "unregister.xml"), "-s", "bob", "-au", "bob", "-ap", "bob", "-m", "1", e.udpAddr()); err != nil {
		t.Fatalf("unregister: %v\n%s", err, out)
	}
	if bs := e.srv.Registrations("bob"); len(bs) != 0 {
		t.Fatalf("bindings after unregister %+v", bs)
	}
	if _, err := runSipp(t, "-sf", scenario(t, "register.xml"), "-s", "bob", "-au", "bob", "-ap", "wrong", "-m", "1", "-recv_timeout", "3000", e.udpAddr()); err == nil {
		t.Fatal("register with a wrong password succeeded")
	}
	if bs := e.srv.Registrations("bob"); len(bs) != 0 {
		t.Fatalf("bindings after a failed register %+v", bs)
	}
}

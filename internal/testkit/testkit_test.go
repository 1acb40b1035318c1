package testkit

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func TestMain(m *testing.M) { os.Exit(CheckLeaks(m, "omnigate/internal/testkit.", "coder/websocket")) }

// parkedForLeakTest is a goroutine the leak check must see.
func parkedForLeakTest(started chan<- struct{}, release <-chan struct{}, done chan<- struct{}) {
	close(started)
	<-release
	close(done)
}

func TestLeakedGoroutines(t *testing.T) {
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go parkedForLeakTest(started, release, done)
	<-started
	markers := []string{"testkit.parkedForLeakTest"}
	if got := leakedGoroutines(50*time.Millisecond, markers); !strings.Contains(got, "parkedForLeakTest") {
		t.Fatalf("a parked goroutine was not reported; got %q", got)
	}
	close(release)
	<-done
	if got := leakedGoroutines(Timeout, markers); got != "" {
		t.Fatalf("an ended goroutine was reported:\n%s", got)
	}
	// The caller's own stack mentions TestLeakedGoroutines; it is never a leak.
	if got := leakedGoroutines(0, []string{"TestLeakedGoroutines"}); got != "" {
		t.Fatalf("the calling goroutine was reported:\n%s", got)
	}
}

// fatalTB records a Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestEventually(t *testing.T) {
	n := 0
	Eventually(t, "the third poll", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}

	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		eventually(f, 20*time.Millisecond, "never", func() bool { return false })
	}()
	<-done
	if f.msg != "timed out waiting for never" {
		t.Fatalf("failure = %q, want a timeout naming what was awaited", f.msg)
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var c routing.Clock = NewClock(t0)
	c.(*Clock).Advance(90 * time.Second)
	if got, want := c.Now(), t0.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
}

func TestStartEngine(t *testing.T) {
	eng := StartEngine(t, routing.Config{
		Queues: []routing.QueueConfig{{Name: "sales", OfferTimeout: time.Minute}},
		Agents: []routing.AgentConfig{{ID: "alice", Name: "Alice", Skills: map[string]int{"sales": 5}, Capacity: map[session.Channel]int{session.Chat: 1}}},
	}, nil)
	if _, err := eng.Agent("alice"); err != nil {
		t.Fatalf("started engine does not know its agent: %v", err)
	}
}

func TestDialAndWantClose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil) // same origin only
		if err != nil {
			return
		}
		defer conn.CloseNow()
		_ = conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"hello"}`))
		_ = conn.Close(websocket.StatusGoingAway, "bye")
	}))
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	if _, res, err := Dial(t, url, "https://evil.example"); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin dial: %v, want a 403", err)
	}
	conn, _, err := Dial(t, url, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	WantClose(t, conn, websocket.StatusGoingAway) // the hello is read and dropped first

	conn, _, err = Dial(t, url, "")
	if err != nil {
		t.Fatal(err)
	}
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		WantClose(f, conn, websocket.StatusNormalClosure)
	}()
	<-done
	if !strings.Contains(f.msg, "want close status") {
		t.Fatalf("failure = %q, want a close status mismatch", f.msg)
	}
}

// TestImports keeps the convention the package doc states: only tests import
// testkit, and nothing under internal/ imports an adapter.
func TestImports(t *testing.T) {
	goTool, err := exec.LookPath("go")
	RequirePeer(t, "the go command", err)
	const mod = "github.com/omnigate/omnigate/"
	out, err := exec.Command(goTool, "list", "-e", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, imports := fields[0], fields[1:]
		for _, imp := range imports {
			if imp == mod+"internal/testkit" {
				t.Errorf("%s imports internal/testkit outside its tests", pkg)
			}
			if strings.HasPrefix(pkg, mod+"internal/") && isAdapter(strings.TrimPrefix(imp, mod)) {
				t.Errorf("%s imports the adapter %s", pkg, imp)
			}
		}
	}
}

func isAdapter(path string) bool {
	for _, a := range []string{"api", "channels", "sip", "media", "cmd"} {
		if path == a || strings.HasPrefix(path, a+"/") {
			return true
		}
	}
	return false
}

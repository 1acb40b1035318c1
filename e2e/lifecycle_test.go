package e2e

import (
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// The demo starts with no configuration, serves health and metrics, and drains and
// exits cleanly on SIGTERM with nothing lost.
func TestDemoServesAndDrainsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir, "OMNIGATE_LOG_LEVEL=info")
	if !s.waitOutput("Demo mode: every password equals the user name") || !s.waitOutput("/demo/chat") || !s.waitOutput(`admin  admin      password "admin"`) {
		t.Fatalf("banner lacks the demo's URLs and credentials:\n%s", s.output())
	}
	resp, err := http.Get(s.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	admin := s.login("admin")
	var created interaction
	if code := s.call("POST", "/api/v1/interactions", admin, map[string]any{"channel": "email", "queue": "sales", "subject": "Invoice", "customer": map[string]string{"email": "x@example.com"}}, &created); code != 201 {
		t.Fatalf("create: %d", code)
	}
	resp, err = http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`omnigate_queue_depth{queue="sales"} 1`, `omnigate_agents{state="offline"} 3`, `omnigate_interactions{channel="email",state="queued"} 1`, "omnigate_routing_decision_seconds_bucket"} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("/metrics lacks %q", want)
		}
	}

	s.kill(syscall.SIGTERM)
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, s.output())
	}
	if !s.waitOutput("stopped cleanly") {
		t.Fatalf("no clean stop:\n%s", s.output())
	}
	s2 := start(t, dir)
	var got interaction
	if code := s2.call("GET", "/api/v1/interactions/"+created.ID, s2.login("admin"), nil, &got); code != 200 || got.State != "queued" {
		t.Fatalf("after restart: %d %+v", code, got)
	}
}

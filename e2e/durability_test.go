package e2e

import (
	"fmt"
	"syscall"
	"testing"
)

type interaction struct {
	ID        string   `json:"id"`
	SessionID string   `json:"session_id"`
	State     string   `json:"state"`
	Queue     string   `json:"queue"`
	Subject   string   `json:"subject"`
	AgentID   string   `json:"agent_id"`
	Tags      []string `json:"tags"`
	Disp      string   `json:"disposition"`
}

// 1,000 work items wait with no agent available; the process is killed with SIGKILL
// and started again: all 1,000 are queued again, in order, none doubled.
func TestDurabilityAfterSIGKILL(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	admin := s.login("admin")
	const n = 1000
	want := make([]string, 0, n)
	for i := 0; i < n; i++ {
		var r interaction
		body := map[string]any{
			"channel": "workitem", "queue": "support", "subject": fmt.Sprintf("case %04d", i),
			"customer": map[string]string{"name": fmt.Sprintf("Customer %d", i), "email": fmt.Sprintf("c%d@example.com", i)},
		}
		if code := s.call("POST", "/api/v1/interactions", admin, body, &r); code != 201 {
			t.Fatalf("create %d: status %d", i, code)
		}
		want = append(want, r.ID)
	}
	s.kill(syscall.SIGKILL)

	s2 := start(t, dir)
	admin = s2.login("admin")
	var got []interaction
	if code := s2.call("GET", "/api/v1/interactions?state=queued&limit=1000", admin, nil, &got); code != 200 {
		t.Fatalf("list: %d", code)
	}
	if len(got) != n {
		t.Fatalf("after restart %d queued, want %d", len(got), n)
	}
	seen := map[string]bool{}
	for i, it := range got {
		if seen[it.ID] {
			t.Fatalf("interaction %s listed twice", it.ID)
		}
		seen[it.ID] = true
		if it.ID != want[i] {
			t.Fatalf("position %d: %s (%s), want %s", i, it.ID, it.Subject, want[i])
		}
		if it.State != "queued" || it.Queue != "support" {
			t.Fatalf("interaction %s: %+v", it.ID, it)
		}
	}
	// The queue still works: bob goes available and gets the oldest case first.
	bob := s2.login("bob")
	if code := s2.call("POST", "/api/v1/agents/bob/state", bob, map[string]string{"state": "available"}, nil); code != 200 {
		t.Fatalf("bob available: %d", code)
	}
	var first interaction
	if code := s2.call("GET", "/api/v1/interactions/"+want[0], bob, nil, &first); code != 200 || first.State != "offered" || first.AgentID != "bob" {
		t.Fatalf("oldest case after restart: %d %+v", code, first)
	}
}

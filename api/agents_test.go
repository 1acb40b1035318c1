package api

import (
	"strings"
	"testing"
)

func TestAgents(t *testing.T) {
	e := newEnv(t)
	alice := e.login("alice")
	var list []agentJSON
	e.call("GET", "/api/v1/agents", alice, nil, 200, &list)
	if len(list) != 3 || list[0].ID != "alice" || list[1].ID != "bob" || list[2].ID != "carol" {
		t.Fatalf("agents = %+v", list)
	}
	a := list[0]
	if a.Name != "Alice" || a.State != "offline" || a.Activity != "idle" || a.Capacity["chat"] != 2 || a.Capacity["voice"] != 1 ||
		a.TotalCapacity != 6 || len(a.Queues) != 2 || !a.ExtraContactEnabled || a.Load == nil || a.StateSince == nil {
		t.Fatalf("alice = %+v", a)
	}
	e.call("GET", "/api/v1/agents/bob", alice, nil, 200, &a)
	if a.ID != "bob" || a.ExtraContactEnabled {
		t.Fatalf("bob = %+v", a)
	}
	e.wantError("GET", "/api/v1/agents/nobody", alice, nil, 404)
}

func TestAgentState(t *testing.T) {
	e := newEnv(t)
	alice, sue, admin := e.login("alice"), e.login("sue"), e.login("admin")
	var a agentJSON
	e.call("POST", "/api/v1/agents/alice/state", alice, map[string]string{"state": "available"}, 200, &a)
	if a.State != "available" {
		t.Fatalf("state %s, want available", a.State)
	}
	e.call("POST", "/api/v1/agents/alice/state", alice, map[string]string{"state": "unavailable", "reason": "Lunch"}, 200, &a)
	if a.State != "unavailable" || a.Reason != "Lunch" {
		t.Fatalf("agent %+v, want unavailable for Lunch", a)
	}
	e.call("POST", "/api/v1/agents/bob/state", sue, map[string]string{"state": "available"}, 200, &a)
	e.call("POST", "/api/v1/agents/carol/state", admin, map[string]string{"state": "unavailable"}, 200, &a)
	if a.State != "unavailable" {
		t.Fatalf("admin set carol to %s", a.State)
	}

	for name, tc := range map[string]struct {
		token, agent string
		body         any
		want         int
	}{
		"unknown state":         {alice, "alice", map[string]string{"state": "sleeping"}, 400},
		"rona cannot be chosen": {alice, "alice", map[string]string{"state": "rona"}, 400},
		"no state":              {alice, "alice", map[string]string{"reason": "Lunch"}, 400},
		"unknown reason":        {alice, "alice", map[string]string{"state": "unavailable", "reason": "Nap"}, 400},
		"unknown field":         {alice, "alice", map[string]any{"state": "available", "force": true}, 400},
		"bad JSON":              {alice, "alice", `{"state":`, 400},
		"reason too long":       {sue, "alice", map[string]string{"state": "offline", "reason": strings.Repeat("x", 600)}, 413},
		"another agent":         {alice, "bob", map[string]string{"state": "available"}, 403},
		"unknown agent":         {sue, "nobody", map[string]string{"state": "available"}, 404},
	} {
		t.Run(name, func(t *testing.T) {
			e.wantError("POST", "/api/v1/agents/"+tc.agent+"/state", tc.token, tc.body, tc.want)
		})
	}
}

func TestExtraContact(t *testing.T) {
	e := newEnv(t)
	alice, bob, sue := e.login("alice"), e.login("bob"), e.login("sue")
	e.wantError("POST", "/api/v1/agents/alice/extra-contact", alice, nil, 409) // offline
	e.setState(alice, "alice", "available")
	var a agentJSON
	e.call("POST", "/api/v1/agents/alice/extra-contact", alice, nil, 200, &a)
	if a.ExtraPending != 1 {
		t.Fatalf("extra_pending %d, want 1", a.ExtraPending)
	}
	e.setState(bob, "bob", "available")
	e.wantError("POST", "/api/v1/agents/bob/extra-contact", bob, nil, 409) // not enabled for bob
	e.wantError("POST", "/api/v1/agents/alice/extra-contact", bob, nil, 403)
	e.wantError("POST", "/api/v1/agents/alice/extra-contact", sue, nil, 403) // the agent itself only
	e.wantError("POST", "/api/v1/agents/alice/extra-contact", alice, `{"n":2}`, 400)
}

// TestStoreFailureIs500 checks that a store that cannot write answers a generic 500
// and logs the real error.
func TestStoreFailureIs500(t *testing.T) {
	e := newEnv(t)
	alice := e.login("alice")
	e.store.fail.Store(true)
	msg := e.wantError("POST", "/api/v1/agents/alice/state", alice, map[string]string{"state": "available"}, 500)
	if msg != "internal error" {
		t.Fatalf("500 says %q; it must not leak the cause", msg)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "disk on fire") {
		t.Fatalf("the real error is not logged:\n%s", logs)
	}
}

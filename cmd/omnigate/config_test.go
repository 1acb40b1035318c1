package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDemoConfigWithNoFile(t *testing.T) {
	c, isDemo, err := loadConfig("")
	if err != nil || !isDemo {
		t.Fatalf("demo: %v %v", isDemo, err)
	}
	if c.HTTP.Addr != ":8080" || c.Store.DataDir != "./omnigate-data" || c.Store.URL != "" {
		t.Fatalf("defaults: %+v %+v", c.HTTP, c.Store)
	}
	rc, err := c.routing()
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Queues) != 2 || len(rc.Agents) != 3 || len(c.Users) != 5 || c.Webchat.Queue != "sales" {
		t.Fatalf("demo: %d queues, %d agents, %d users, chat queue %q", len(rc.Queues), len(rc.Agents), len(c.Users), c.Webchat.Queue)
	}
	for _, u := range c.Users {
		if u.Password != u.Username {
			t.Fatalf("demo user %s has password %q", u.Username, u.Password)
		}
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Setenv("OMNIGATE_HTTP_ADDR", "127.0.0.1:9999")
	t.Setenv("OMNIGATE_STORE_URL", "host=/tmp dbname=x")
	t.Setenv("OMNIGATE_ROUTING_OFFER_TIMEOUT", "45s")
	c, _, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:9999" || c.Store.URL != "host=/tmp dbname=x" || c.Routing.OfferTimeout != 45*time.Second {
		t.Fatalf("env not applied: %+v %+v %+v", c.HTTP, c.Store, c.Routing)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--check-config", "../../deploy/omnigate.example.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "configuration OK (2 queues, 2 agents, 4 users)") {
		t.Fatalf("output: %s", out.String())
	}
}

func TestCheckConfigReportsProblems(t *testing.T) {
	cases := map[string]string{
		"unknown key":     "htp:\n  addr: x\n",
		"bad role":        "queues: [{name: q}]\nagents: [{id: a, skills: {q: 5}, capacity: {chat: 1}}]\nusers: [{username: u, password: p, role: boss}]\n",
		"unknown queue":   "queues: [{name: q}]\nagents: [{id: a, skills: {nope: 5}, capacity: {chat: 1}}]\n",
		"bad channel":     "queues: [{name: q}]\nagents: [{id: a, skills: {q: 5}, capacity: {fax: 1}}]\n",
		"agent id":        "queues: [{name: q}]\nagents: [{id: a, skills: {q: 5}, capacity: {chat: 1}}]\nusers: [{username: u, password: p, role: agent, agent_id: zz}]\n",
		"no password":     "queues: [{name: q}]\nusers: [{username: u, role: admin}]\n",
		"bad hash":        "queues: [{name: q}]\nusers: [{username: u, role: admin, password_hash: nothash}]\n",
		"bad log level":   "log:\n  level: loud\n",
		"bad proficiency": "queues: [{name: q}]\nagents: [{id: a, skills: {q: 11}, capacity: {chat: 1}}]\n",
		"not yaml":        "queues: [\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			if code := run([]string{"--check-config", p}, &out, &errb); code != 1 {
				t.Fatalf("exit %d, stdout %q", code, out.String())
			}
			if !strings.Contains(errb.String(), "invalid configuration") {
				t.Fatalf("stderr: %s", errb.String())
			}
		})
	}
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func TestCreateInteraction(t *testing.T) {
	e := newEnv(t)
	sue, admin, alice := e.login("sue"), e.login("admin"), e.login("alice")
	res := e.doRes("POST", "/api/v1/interactions", sue, map[string]any{
		"channel": "email", "queue": "support", "priority": 3, "subject": "Invoice", "body": "Where is it?",
		"source_number": "support@example.com", "customer": map[string]string{"name": "Dana", "email": "Dana@Example.com", "phone": "+3110"},
	}, nil)
	var created createdJSON
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 || created.ID == "" || created.SessionID == "" || created.State != "queued" {
		t.Fatalf("create: %d %+v", res.StatusCode, created)
	}
	if loc := res.Header.Get("Location"); loc != "/api/v1/interactions/"+created.ID {
		t.Fatalf("Location %q", loc)
	}
	it := e.interaction(sue, created.ID)
	if it.Channel != "email" || it.Queue != "support" || it.Priority != 3 || it.Subject != "Invoice" || it.Body != "Where is it?" ||
		it.SourceNumber != "support@example.com" || it.Direction != "inbound" || it.CreatedAt == nil || it.AcceptedAt != nil ||
		it.Tags == nil || len(it.TransferTargets) != 2 || it.Customer == nil || it.Customer.Name != "Dana" || len(it.Customer.Identities) != 2 {
		t.Fatalf("interaction %+v", it)
	}
	// Zero times are null and lists are [] on the wire, not omitted.
	_, raw := e.do("GET", "/api/v1/interactions/"+created.ID, sue, nil)
	for _, want := range []string{`"accepted_at":null`, `"tags":[]`, `"done_at":null`} {
		if !strings.Contains(string(raw), want) {
			t.Fatalf("interaction JSON lacks %s: %s", want, raw)
		}
	}
	// A work item straight into an agent's personal queue, by an admin.
	id := e.create(admin, map[string]any{"channel": "workitem", "agent_id": "alice", "subject": "Call back"})
	if it := e.interaction(admin, id); it.PersonalAgent != "alice" {
		t.Fatalf("personal_agent %q, want alice", it.PersonalAgent)
	}

	for name, tc := range map[string]struct {
		token string
		body  any
		want  int
	}{
		"voice comes from SIP":  {sue, map[string]any{"channel": "voice", "queue": "sales"}, 400},
		"video comes from SIP":  {sue, map[string]any{"channel": "video", "queue": "sales"}, 400},
		"unknown channel":       {sue, map[string]any{"channel": "pigeon", "queue": "sales"}, 400},
		"no channel":            {sue, map[string]any{"queue": "sales"}, 400},
		"no queue nor agent":    {sue, map[string]any{"channel": "chat"}, 400},
		"bad email":             {sue, map[string]any{"channel": "email", "queue": "sales", "customer": map[string]string{"email": "nope"}}, 400},
		"unknown field":         {sue, map[string]any{"channel": "chat", "queue": "sales", "urgent": true}, 400},
		"unknown customer key":  {sue, map[string]any{"channel": "chat", "queue": "sales", "customer": map[string]string{"ssn": "1"}}, 400},
		"priority not a number": {sue, `{"channel":"chat","queue":"sales","priority":"high"}`, 400},
		"unknown queue":         {sue, map[string]any{"channel": "chat", "queue": "nope"}, 404},
		"unknown agent":         {sue, map[string]any{"channel": "chat", "agent_id": "nope"}, 404},
		"subject too long":      {sue, map[string]any{"channel": "chat", "queue": "sales", "subject": strings.Repeat("s", 1001)}, 413},
		"agents may not":        {alice, chatBody("Eve"), 403},
	} {
		t.Run(name, func(t *testing.T) { e.wantError("POST", "/api/v1/interactions", tc.token, tc.body, tc.want) })
	}
}

func TestListInteractions(t *testing.T) {
	e := newEnv(t)
	sue, alice, bob := e.login("sue"), e.login("alice"), e.login("bob")
	e.setState(alice, "alice", "available")
	offered := e.create(sue, chatBody("Ann")) // to alice
	e.setState(alice, "alice", "unavailable")
	e.create(sue, map[string]any{"channel": "email", "queue": "support", "customer": map[string]string{"email": "z@example.com"}})
	// Offers went back to the queue when alice left; make her available again so she gets both.
	e.setState(alice, "alice", "available")

	var list []interactionJSON
	e.call("GET", "/api/v1/interactions", sue, nil, 200, &list)
	if len(list) != 2 {
		t.Fatalf("supervisor sees %d interactions, want 2", len(list))
	}
	e.call("GET", "/api/v1/interactions?queue=support", sue, nil, 200, &list)
	if len(list) != 1 || list[0].Queue != "support" {
		t.Fatalf("queue filter: %+v", list)
	}
	e.call("GET", "/api/v1/interactions?state=offered&agent=alice&limit=1", sue, nil, 200, &list)
	if len(list) != 1 || list[0].State != "offered" || list[0].AgentID != "alice" {
		t.Fatalf("state+agent+limit filter: %+v", list)
	}
	e.call("GET", "/api/v1/interactions", alice, nil, 200, &list)
	if len(list) != 2 {
		t.Fatalf("alice sees %d of her interactions, want 2", len(list))
	}
	e.call("GET", "/api/v1/interactions?agent=alice", alice, nil, 200, &list)
	e.call("GET", "/api/v1/interactions", bob, nil, 200, &list)
	if len(list) != 0 {
		t.Fatalf("bob sees %d interactions that are alice's", len(list))
	}
	e.call("GET", "/api/v1/interactions?state=done", sue, nil, 200, &list)
	if len(list) != 0 {
		t.Fatalf("done: %+v", list)
	}
	e.wantError("GET", "/api/v1/interactions?agent=alice", bob, nil, 403)
	e.wantError("GET", "/api/v1/interactions?state=sleeping", sue, nil, 400)
	e.wantError("GET", "/api/v1/interactions?limit=0", sue, nil, 400)
	e.wantError("GET", "/api/v1/interactions?limit=ten", sue, nil, 400)
	e.wantError("GET", "/api/v1/interactions?limit=1001", sue, nil, 400)

	// Visibility of one interaction.
	e.interaction(alice, offered)
	e.wantError("GET", "/api/v1/interactions/"+offered, bob, nil, 403)
	e.wantError("GET", "/api/v1/interactions/"+offered+"/messages", bob, nil, 403)
	e.wantError("GET", "/api/v1/interactions/nope", sue, nil, 404)
	e.wantError("GET", "/api/v1/interactions/nope/messages", sue, nil, 404)
}

func TestInteractionActionsRefused(t *testing.T) {
	e := newEnv(t)
	sue, admin, alice, bob := e.login("sue"), e.login("admin"), e.login("alice"), e.login("bob")
	e.setState(alice, "alice", "available")
	id := e.create(sue, chatBody("Ann")) // offered to alice

	for _, a := range []string{"accept", "decline", "hold", "resume", "end", "wrapup", "force-close", "transfer"} {
		t.Run(a+" unknown id", func(t *testing.T) {
			tok := alice
			if a == "force-close" {
				tok = sue
			}
			body := map[string]string{}
			if a == "transfer" {
				body["queue"] = "support"
			}
			e.wantError("POST", "/api/v1/interactions/nope/"+a, tok, body, 404)
		})
	}
	for name, tc := range map[string]struct {
		token, path string
		body        any
		want        int
	}{
		"bob accepts alice's offer":  {bob, "accept", nil, 403},
		"supervisor accepts":         {sue, "accept", nil, 403},
		"admin transfers":            {admin, "transfer", map[string]string{"queue": "support"}, 403},
		"agent force-closes":         {alice, "force-close", nil, 403},
		"hold before accept":         {alice, "hold", nil, 409},
		"wrapup before end":          {alice, "wrapup", nil, 409},
		"message before accept":      {alice, "messages", map[string]string{"text": "hi"}, 409},
		"supervisor writes":          {sue, "messages", map[string]string{"text": "hi"}, 403},
		"bob writes":                 {bob, "messages", map[string]string{"text": "hi"}, 403},
		"reason of a wrong type":     {alice, "decline", `{"reason":5}`, 400},
		"unknown action field":       {alice, "accept", `{"why":"x"}`, 400},
		"trailing garbage":           {alice, "accept", `{} x`, 400},
		"transfer to both":           {alice, "transfer", map[string]string{"queue": "support", "agent_id": "bob"}, 400},
		"transfer to neither":        {alice, "transfer", map[string]string{}, 400},
		"empty message":              {alice, "messages", map[string]string{"text": "  "}, 400},
		"message without text field": {alice, "messages", `{}`, 400},
	} {
		t.Run(name, func(t *testing.T) {
			e.wantError("POST", "/api/v1/interactions/"+id+"/"+tc.path, tc.token, tc.body, tc.want)
		})
	}
	if it := e.interaction(sue, id); it.State != "offered" || it.AgentID != "alice" {
		t.Fatalf("refused calls changed the interaction: %s to %s", it.State, it.AgentID)
	}
}

func TestMessages(t *testing.T) {
	e := newEnv(t)
	sue, alice := e.login("sue"), e.login("alice")
	e.setState(alice, "alice", "available")
	id := e.create(sue, chatBody("Ann"))
	e.call("POST", "/api/v1/interactions/"+id+"/accept", alice, nil, 200, nil)

	var m messageJSON
	e.call("POST", "/api/v1/interactions/"+id+"/messages", alice, map[string]string{"text": "Hello Ann"}, 201, &m)
	if m.Seq != 1 || m.From != "alice" || m.Text != "Hello Ann" || m.InteractionID != id || m.ID == "" || m.At == nil {
		t.Fatalf("message %+v", m)
	}
	ctx := context.Background()
	if _, err := e.eng.PostMessage(ctx, id, routing.Actor{ID: "customer", Role: routing.ActorCustomer}, "Hi!"); err != nil {
		t.Fatal(err)
	}
	// Exactly at the limit is fine; one over is refused and nothing is stored.
	e.call("POST", "/api/v1/interactions/"+id+"/messages", alice, map[string]string{"text": strings.Repeat("é", session.MaxMessageLen)}, 201, nil)
	e.wantError("POST", "/api/v1/interactions/"+id+"/messages", alice, map[string]string{"text": strings.Repeat("é", session.MaxMessageLen+1)}, 413)

	var ms []messageJSON
	e.call("GET", "/api/v1/interactions/"+id+"/messages", alice, nil, 200, &ms)
	if len(ms) != 3 || ms[0].Seq != 1 || ms[1].From != "customer" || ms[2].Seq != 3 {
		t.Fatalf("messages %+v", ms)
	}
	e.call("GET", "/api/v1/interactions/"+id+"/messages?after=2", sue, nil, 200, &ms)
	if len(ms) != 1 || ms[0].Seq != 3 {
		t.Fatalf("after=2: %+v", ms)
	}
	e.wantError("GET", "/api/v1/interactions/"+id+"/messages?after=-1", sue, nil, 400)
	e.wantError("GET", "/api/v1/interactions/"+id+"/messages?after=x", sue, nil, 400)
	e.wantError("POST", "/api/v1/interactions/"+id+"/messages", alice, `{"text":"a","html":"<b>"}`, 400)
}

func TestTransferForceCloseAndOptions(t *testing.T) {
	e := newEnv(t)
	sue, admin, alice, bob := e.login("sue"), e.login("admin"), e.login("alice"), e.login("bob")
	e.setState(alice, "alice", "available")
	id := e.create(sue, chatBody("Ann"))
	e.call("POST", "/api/v1/interactions/"+id+"/accept", alice, nil, 200, nil)

	var opts transferOptionsJSON
	e.call("GET", "/api/v1/transfer-options", alice, nil, 200, &opts)
	if len(opts.Queues) != 2 || len(opts.Agents) != 2 {
		t.Fatalf("alice's transfer options %+v (she is not offered herself)", opts)
	}
	for _, a := range opts.Agents {
		if a.Action != "none" || a.State != "offline" {
			t.Fatalf("offline agent %+v: action must be none", a)
		}
	}
	e.setState(bob, "bob", "available")
	e.call("GET", "/api/v1/transfer-options", sue, nil, 200, &opts)
	got := map[string]string{}
	for _, a := range opts.Agents {
		got[a.ID] = a.Action
	}
	if len(got) != 3 || got["bob"] != "consult" || got["carol"] != "none" {
		t.Fatalf("supervisor's transfer options %v", got)
	}
	e.wantError("GET", "/api/v1/transfer-options", admin, nil, 403)

	e.wantError("POST", "/api/v1/interactions/"+id+"/transfer", alice, map[string]string{"queue": "nope"}, 404)
	e.wantError("POST", "/api/v1/interactions/"+id+"/transfer", alice, map[string]string{"agent_id": "carol"}, 409) // carol is offline
	e.wantError("POST", "/api/v1/interactions/"+id+"/transfer", bob, map[string]string{"queue": "support"}, 403)
	var it interactionJSON
	e.call("POST", "/api/v1/interactions/"+id+"/transfer", alice, map[string]string{"agent_id": "bob"}, 200, &it)
	if it.TransferCount != 1 {
		t.Fatalf("after transfer %+v", it)
	}
	testkit.Eventually(t, "offer to bob", func() bool {
		it := e.interaction(sue, id)
		return it.State == "offered" && it.AgentID == "bob"
	})
	// Alice took part, so she still sees it.
	e.interaction(alice, id)
	e.call("POST", "/api/v1/interactions/"+id+"/accept", bob, nil, 200, nil)
	e.call("POST", "/api/v1/interactions/"+id+"/transfer", sue, map[string]string{"queue": "support"}, 200, nil)

	e.call("POST", "/api/v1/interactions/"+id+"/force-close", admin, map[string]string{"reason": "spam"}, 200, &it)
	if it.State != "closed" || it.Reason != "spam" || it.DoneAt == nil {
		t.Fatalf("force-closed %+v", it)
	}
	e.wantError("POST", "/api/v1/interactions/"+id+"/force-close", sue, nil, 409)
	e.wantError("POST", "/api/v1/interactions/"+id+"/wrapup", bob, nil, 409)
}

func TestHoldResumeDecline(t *testing.T) {
	e := newEnv(t)
	sue, alice := e.login("sue"), e.login("alice")
	e.setState(alice, "alice", "available")
	id := e.create(sue, map[string]any{"channel": "email", "queue": "sales", "customer": map[string]string{"email": "a@example.com"}})
	var it interactionJSON
	e.call("POST", "/api/v1/interactions/"+id+"/decline", alice, map[string]string{"reason": "not mine"}, 200, &it)
	if it.State != "queued" {
		t.Fatalf("after decline: %s", it.State)
	}
	id2 := e.create(sue, map[string]any{"channel": "email", "queue": "sales", "customer": map[string]string{"email": "b@example.com"}})
	e.call("POST", "/api/v1/interactions/"+id2+"/accept", alice, "", 200, &it)
	if it.State != "active" || it.AcceptedAt == nil || len(it.Participants) != 2 || it.Participants[1].Role != "owner" {
		t.Fatalf("after accept: %+v", it)
	}
	e.call("POST", "/api/v1/interactions/"+id2+"/hold", alice, nil, 200, &it)
	if it.State != "held" {
		t.Fatalf("after hold: %s", it.State)
	}
	e.wantError("POST", "/api/v1/interactions/"+id2+"/hold", alice, nil, 409)
	e.call("POST", "/api/v1/interactions/"+id2+"/resume", alice, nil, 200, &it)
	if it.State != "active" {
		t.Fatalf("after resume: %s", it.State)
	}
	e.call("POST", "/api/v1/interactions/"+id2+"/end", alice, map[string]string{"reason": "solved"}, 200, &it)
	e.wantError("POST", "/api/v1/interactions/"+id2+"/wrapup", alice, map[string]string{"disposition": "nope"}, 400)
	e.wantError("POST", "/api/v1/interactions/"+id2+"/wrapup", alice, map[string]any{"tags": []string{strings.Repeat("t", 65)}}, 413)
	e.call("POST", "/api/v1/interactions/"+id2+"/wrapup", alice, map[string]any{"disposition": "resolved", "notes": "ok", "tags": []string{"vip", "vip", "billing"}}, 200, &it)
	if it.State != "done" || it.Disposition != "resolved" || fmt.Sprint(it.Tags) != "[vip billing]" {
		t.Fatalf("after wrapup: %+v", it)
	}
}

func TestSessions(t *testing.T) {
	e := newEnv(t)
	sue, alice, bob := e.login("sue"), e.login("alice"), e.login("bob")
	e.setState(alice, "alice", "available")
	id := e.create(sue, chatBody("Ann"))
	it := e.interaction(sue, id)

	var s sessionJSON
	e.call("GET", "/api/v1/sessions/"+it.SessionID, alice, nil, 200, &s) // offered to her
	if s.ID != it.SessionID || s.State != "open" || s.CompletedAt != nil || s.Customer == nil || len(s.Interactions) != 1 {
		t.Fatalf("session %+v", s)
	}
	e.wantError("GET", "/api/v1/sessions/"+it.SessionID, bob, nil, 403)
	e.wantError("GET", "/api/v1/sessions/"+it.SessionID+"/events", bob, nil, 403)
	e.wantError("GET", "/api/v1/sessions/nope", sue, nil, 404)
	e.wantError("GET", "/api/v1/sessions/nope/events", sue, nil, 404)
	var evs []eventJSON
	e.call("GET", "/api/v1/sessions/"+it.SessionID+"/events", sue, nil, 200, &evs)
	if len(evs) < 3 || evs[0].Type != "session.created" || evs[1].Type != "interaction.created" || evs[0].Data == nil {
		t.Fatalf("events %+v", evs)
	}
}

func TestCatalog(t *testing.T) {
	e := newEnv(t)
	alice, sue := e.login("alice"), e.login("sue")
	var qs []queueJSON
	e.call("GET", "/api/v1/queues", alice, nil, 200, &qs)
	if len(qs) != 2 || qs[0].Name != "sales" || qs[0].Agents != 2 || qs[0].OfferTimeoutSeconds != 60 || qs[0].ServiceLevelSeconds != 20 {
		t.Fatalf("queues %+v", qs)
	}
	e.create(sue, chatBody("Ann")) // nobody available: it waits
	e.call("GET", "/api/v1/queues", sue, nil, 200, &qs)
	if qs[0].Waiting != 1 {
		t.Fatalf("sales waiting %d, want 1", qs[0].Waiting)
	}
	var ds []dispositionJSON
	e.call("GET", "/api/v1/dispositions", alice, nil, 200, &ds)
	if len(ds) != 2 || ds[1] != (dispositionJSON{Code: "callback", Label: "Call back"}) {
		t.Fatalf("dispositions %+v", ds)
	}
	var rs []string
	e.call("GET", "/api/v1/reasons", alice, nil, 200, &rs)
	if strings.Join(rs, ",") != "Break,Lunch,Meeting,Training" {
		t.Fatalf("reasons %v", rs)
	}
}

package routing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// R1: the most proficient eligible agent gets the contact.
func TestR1MostProficientFirst(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("alice", "bob")
	it := h.create(session.Chat, "support", "+1")
	h.wantState(it.ID, session.Offered, "bob") // bob 8 > alice 3
}

// R1: among equally proficient agents, the longest idle one.
func TestR1LongestIdleBreaksTies(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	h.clock.Advance(time.Second)
	h.available("alice")
	it := h.create(session.Chat, "sales", "+1")
	h.wantState(it.ID, session.Offered, "carol")
	it2 := h.create(session.Chat, "sales", "+2")
	h.wantState(it2.ID, session.Offered, "alice")
}

// R1: FIFO by arrival within a priority; higher priority first.
func TestR1PriorityThenFIFO(t *testing.T) {
	h := newHarness(t, demoConfig())
	a := h.create(session.Chat, "sales", "+1")
	b := h.create(session.Chat, "sales", "+2")
	hi := 5
	c, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{Channel: session.Chat, Queue: "sales", Priority: &hi, Customer: routing.CustomerInfo{Phone: "+3"}})
	if err != nil {
		t.Fatal(err)
	}
	// carol takes one chat at a time for this test: the first offer must be c.
	h.available("carol")
	offers := h.rec.offers("carol")
	if len(offers) != 2 || offers[0].InteractionID != c.ID || offers[1].InteractionID != a.ID {
		t.Fatalf("offers = %+v, want %s then %s", offers, c.ID, a.ID)
	}
	h.wantState(b.ID, session.Queued, "")
}

// R2: contacts keep arriving until the per-channel or total capacity is reached.
func TestR2CapacityPerChannelAndTotal(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, h.create(session.Chat, "sales", "+c").ID)
	}
	h.wantState(ids[0], session.Offered, "carol")
	h.wantState(ids[1], session.Offered, "carol")
	h.wantState(ids[2], session.Queued, "") // chat capacity 2
	e1 := h.create(session.Email, "sales", "+e1")
	h.wantState(e1.ID, session.Offered, "carol") // total 3
	e2 := h.create(session.Email, "sales", "+e2")
	h.wantState(e2.ID, session.Queued, "") // total reached
	// Finishing one chat frees room: the waiting chat arrives (not the email: the chat
	// came first and fits).
	h.accept(ids[0], "carol")
	h.finish(ids[0], "carol")
	h.wantState(ids[2], session.Offered, "carol")
	h.wantState(e2.ID, session.Queued, "")
	a, _ := h.eng.Agent("carol")
	if a.Load.Total() != 3 {
		t.Fatalf("load = %v", a.Load)
	}
}

// R3: "+1 contact" gives one contact beyond the load, once.
func TestR3ExtraContact(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("alice")
	for i := 0; i < 4; i++ {
		h.create(session.Chat, "sales", "+x")
	}
	h.create(session.Email, "sales", "+y")
	a, _ := h.eng.Agent("alice")
	if a.Load.Total() != 3 {
		t.Fatalf("load = %v", a.Load)
	}
	if _, err := h.eng.RequestExtraContact(h.ctx, "alice", agentActor("alice")); err != nil {
		t.Fatal(err)
	}
	a, _ = h.eng.Agent("alice")
	if a.Load.Total() != 4 || a.ExtraPending != 0 {
		t.Fatalf("after +1: load %v extra %d", a.Load, a.ExtraPending)
	}
	// Not enabled for carol, who is not on a call either.
	if _, err := h.eng.RequestExtraContact(h.ctx, "carol", agentActor("carol")); !errors.Is(err, routing.ErrConflict) {
		t.Fatalf("carol +1: %v", err)
	}
}

// R3: while on a voice call only, the agent may ask for a new digital contact (not a
// second call).
func TestR3DigitalWhileOnVoiceCall(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	call := h.create(session.Voice, "sales", "+v")
	h.accept(call.ID, "carol")
	chat := h.create(session.Chat, "sales", "+c")
	call2 := h.create(session.Voice, "sales", "+v2")
	h.wantState(chat.ID, session.Queued, "") // a call fills the agent
	if _, err := h.eng.RequestExtraContact(h.ctx, "carol", agentActor("carol")); err != nil {
		t.Fatal(err)
	}
	h.wantState(chat.ID, session.Offered, "carol")
	h.wantState(call2.ID, session.Queued, "")
}

// R4: an offer not accepted in time puts the agent in RONA and returns the contact to
// the head of its queue; RONA is left only by choosing Available.
func TestR4RONA(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	first := h.create(session.Chat, "sales", "+1")
	h.wantState(first.ID, session.Offered, "carol")
	// carol's chat capacity is 2: make one more wait behind.
	h.create(session.Chat, "sales", "+2")
	late := h.create(session.Chat, "sales", "+3")
	h.clock.Advance(19 * time.Second)
	h.eng.Tick(h.ctx)
	h.wantState(first.ID, session.Offered, "carol")
	h.clock.Advance(time.Second)
	h.eng.Tick(h.ctx)
	if p := h.presence("carol"); p != session.RONA {
		t.Fatalf("carol is %s, want rona", p)
	}
	h.wantState(first.ID, session.Queued, "")
	// Time passing does not leave RONA.
	h.clock.Advance(time.Hour)
	h.eng.Tick(h.ctx)
	if p := h.presence("carol"); p != session.RONA {
		t.Fatalf("carol is %s after an hour, want rona", p)
	}
	// The returned contact is at the head: alice gets it before the later one.
	h.available("alice")
	offers := h.rec.offers("alice")
	if len(offers) < 1 || offers[0].InteractionID != first.ID {
		t.Fatalf("alice offers = %+v, want %s first", offers, first.ID)
	}
	h.wantState(late.ID, session.Queued, "") // alice's chat capacity 2: first + second
	h.available("carol")
	h.wantState(late.ID, session.Offered, "carol")
}

// R4: a declined offer goes to another agent first; after the decline hold it may
// come back to the agent who declined.
func TestR4DeclineGoesToAnotherAgentFirst(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("alice")
	it := h.create(session.Chat, "sales", "+1")
	h.wantState(it.ID, session.Offered, "alice")
	if _, err := h.eng.Decline(h.ctx, it.ID, agentActor("alice"), "busy"); err != nil {
		t.Fatal(err)
	}
	h.wantState(it.ID, session.Queued, "") // nobody else yet, alice is held off
	if p := h.presence("alice"); p != session.Available {
		t.Fatalf("alice is %s after declining", p)
	}
	h.available("carol")
	h.wantState(it.ID, session.Offered, "carol")
	if _, err := h.eng.Decline(h.ctx, it.ID, agentActor("carol"), ""); err != nil {
		t.Fatal(err)
	}
	h.wantState(it.ID, session.Queued, "")
	h.clock.Advance(31 * time.Second) // past the decline hold (default: offer timeout 30 s)
	h.eng.Tick(h.ctx)
	if got := h.get(it.ID); got.State != session.Offered {
		t.Fatalf("after decline hold: %s", got.State)
	}
}

// R4: only the agent an interaction is offered to may accept it.
func TestAcceptByOtherAgentRefused(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	it := h.create(session.Chat, "sales", "+1")
	if _, err := h.eng.Accept(h.ctx, it.ID, agentActor("alice")); !errors.Is(err, routing.ErrForbidden) {
		t.Fatalf("err = %v", err)
	}
	if _, err := h.eng.Accept(h.ctx, "nope", agentActor("alice")); !errors.Is(err, routing.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

// R5: the offer carries customer name and number, source number, queue, times.
func TestR5OfferFields(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	it := h.create(session.Chat, "sales", "+3212345678")
	offers := h.rec.offers("carol")
	if len(offers) != 1 {
		t.Fatalf("offers = %+v", offers)
	}
	o := offers[0]
	if o.InteractionID != it.ID || o.CustomerName != "Cust +3212345678" || o.CustomerNumber != "+3212345678" ||
		o.SourceNumber != "1000" || o.Queue != "sales" || !o.OfferedAt.Equal(base) || !o.ExpiresAt.Equal(base.Add(20*time.Second)) {
		t.Fatalf("offer = %+v", o)
	}
}

// R6: a contact sent to an agent waits in the personal queue and is delivered in
// arrival order, after the contacts already waiting there.
func TestR6PersonalQueue(t *testing.T) {
	h := newHarness(t, demoConfig())
	mk := func(phone string) *session.Interaction {
		it, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{Channel: session.Chat, ToAgent: "carol", Queue: "sales", Customer: routing.CustomerInfo{Phone: phone}})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	a, b, c := mk("+1"), mk("+2"), mk("+3")
	h.create(session.Chat, "sales", "+q") // a routing-queue contact, arrived later
	h.available("alice")                  // alice must not get carol's personal contacts
	for _, id := range []string{a.ID, b.ID, c.ID} {
		h.wantState(id, session.Queued, "")
	}
	h.available("carol")
	offers := h.rec.offers("carol")
	if len(offers) != 2 || offers[0].InteractionID != a.ID || offers[1].InteractionID != b.ID {
		t.Fatalf("carol offers = %+v", offers)
	}
	h.wantState(c.ID, session.Queued, "")
}

// R7: digital cases (email, work items) wait in routing queues and go to agents of
// those queues only.
func TestR7DigitalCasesInQueues(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol") // sales only
	w := h.create(session.WorkItem, "support", "+w")
	h.wantState(w.ID, session.Queued, "")
	h.available("bob")
	h.wantState(w.ID, session.Offered, "bob")
	e := h.create(session.Email, "sales", "+e")
	h.wantState(e.ID, session.Offered, "carol")
}

// T1 with T4: transfers of a digital contact to another agent.
func TestT1TransferToAgent(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("alice")
	it := h.create(session.Chat, "sales", "+1")
	h.accept(it.ID, "alice")

	// B on a call: nothing.
	h.available("bob")
	call := h.create(session.Voice, "support", "+v")
	h.accept(call.ID, "bob")
	if _, err := h.eng.Transfer(h.ctx, it.ID, agentActor("alice"), routing.Target{AgentID: "bob"}); !errors.Is(err, session.ErrTransferRefused) {
		t.Fatalf("transfer to bob on a call: %v", err)
	}
	// B in ACW: nothing.
	if _, err := h.eng.End(h.ctx, call.ID, agentActor("bob"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.Transfer(h.ctx, it.ID, agentActor("alice"), routing.Target{AgentID: "bob"}); !errors.Is(err, session.ErrTransferRefused) {
		t.Fatalf("transfer to bob in ACW: %v", err)
	}
	h.wantState(it.ID, session.Active, "alice")

	// B unavailable (not ACW): the contact goes to B and waits for B.
	if _, err := h.eng.SetPresence(h.ctx, "carol", session.Unavailable, "Lunch", agentActor("carol")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.Transfer(h.ctx, it.ID, agentActor("alice"), routing.Target{AgentID: "carol"}); err != nil {
		t.Fatal(err)
	}
	got := h.wantState(it.ID, session.Queued, "")
	if got.PersonalAgent != "carol" || got.TransferCount != 1 {
		t.Fatalf("after transfer: %+v", got)
	}
	h.available("carol")
	h.wantState(it.ID, session.Offered, "carol")

	// T4: the target declines → the contact drops back to the sender.
	if _, err := h.eng.Decline(h.ctx, it.ID, agentActor("carol"), ""); err != nil {
		t.Fatal(err)
	}
	h.wantState(it.ID, session.Offered, "alice")
	if _, err := h.eng.Transfer(h.ctx, "missing", agentActor("alice"), routing.Target{AgentID: "carol"}); !errors.Is(err, routing.ErrNotFound) {
		t.Fatalf("unknown interaction: %v", err)
	}
}

// T1: B available → the contact enters B's personal queue behind what was there.
func TestT1TransferToAvailableAgentQueuesBehind(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	e1 := h.create(session.Email, "sales", "+e1")
	e2 := h.create(session.Email, "sales", "+e2")
	c1 := h.create(session.Chat, "sales", "+c1")
	for _, id := range []string{e1.ID, e2.ID, c1.ID} {
		h.accept(id, "carol") // carol is full: total capacity 3
	}
	p, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{Channel: session.Chat, ToAgent: "carol", Customer: routing.CustomerInfo{Phone: "+p"}})
	if err != nil {
		t.Fatal(err)
	}
	h.wantState(p.ID, session.Queued, "")
	h.available("alice")
	x := h.create(session.Chat, "support", "+x")
	h.accept(x.ID, "alice")
	if _, err := h.eng.Transfer(h.ctx, x.ID, agentActor("alice"), routing.Target{AgentID: "carol"}); err != nil {
		t.Fatal(err)
	}
	got := h.wantState(x.ID, session.Queued, "")
	if got.PersonalAgent != "carol" || got.TransferFrom != "alice" {
		t.Fatalf("after transfer: %+v", got)
	}
	h.finish(e1.ID, "carol")
	h.wantState(p.ID, session.Offered, "carol")
	h.wantState(x.ID, session.Queued, "")
	h.finish(c1.ID, "carol") // frees a chat unit (chat capacity 2: p and x)
	h.wantState(x.ID, session.Offered, "carol")
}

func TestTransferToQueue(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol", "bob")
	it := h.create(session.Chat, "sales", "+1")
	h.accept(it.ID, "carol")
	if _, err := h.eng.Transfer(h.ctx, it.ID, agentActor("bob"), routing.Target{Queue: "support"}); !errors.Is(err, routing.ErrForbidden) {
		t.Fatalf("bob transferring carol's chat: %v", err)
	}
	if _, err := h.eng.Transfer(h.ctx, it.ID, agentActor("carol"), routing.Target{Queue: "nope"}); !errors.Is(err, routing.ErrNotFound) {
		t.Fatalf("unknown queue: %v", err)
	}
	if _, err := h.eng.Transfer(h.ctx, it.ID, agentActor("carol"), routing.Target{Queue: "support"}); err != nil {
		t.Fatal(err)
	}
	h.wantState(it.ID, session.Offered, "bob")
}

// S1 and S5: the session completes when its last interaction is done, and the
// timeline has every step with actor and reason.
func TestSessionCompletesWithTimeline(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	a := h.create(session.Chat, "sales", "+1")
	b := h.create(session.Email, "sales", "+1") // same customer → same session
	if a.SessionID != b.SessionID {
		t.Fatalf("two sessions for one customer: %s %s", a.SessionID, b.SessionID)
	}
	h.accept(a.ID, "carol")
	h.accept(b.ID, "carol")
	h.finish(a.ID, "carol")
	s, _, err := h.eng.Session(h.ctx, a.SessionID)
	if err != nil || s.State != session.SessionOpen {
		t.Fatalf("session after one done: %+v %v", s, err)
	}
	h.finish(b.ID, "carol")
	s, its, err := h.eng.Session(h.ctx, a.SessionID)
	if err != nil || s.State != session.SessionComplete || len(its) != 2 {
		t.Fatalf("session: %+v (%d interactions) %v", s, len(its), err)
	}
	evs, err := h.eng.SessionEvents(h.ctx, a.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		if e.InteractionID == a.ID || e.InteractionID == "" {
			types = append(types, e.Type)
		}
		if e.Actor == "" || e.At.IsZero() {
			t.Fatalf("event without actor or time: %+v", e)
		}
	}
	want := []string{"session.created", "interaction.created", "interaction.offer", "interaction.accept", "interaction.end", "interaction.wrapup", "session.complete"}
	if len(types) != len(want) {
		t.Fatalf("timeline = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("timeline = %v, want %v", types, want)
		}
	}
	// A new contact from the same customer opens a new session.
	c := h.create(session.Chat, "sales", "+1")
	if c.SessionID == a.SessionID {
		t.Fatal("new contact joined a complete session")
	}
}

func TestMessagesInOrderAndLimits(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	it := h.create(session.Chat, "sales", "+1")
	cust := routing.Actor{ID: "customer", Role: routing.ActorCustomer}
	if _, err := h.eng.PostMessage(h.ctx, it.ID, cust, "hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.PostMessage(h.ctx, it.ID, agentActor("carol"), "before accept"); !errors.Is(err, routing.ErrConflict) {
		t.Fatalf("agent writing before accept: %v", err)
	}
	h.accept(it.ID, "carol")
	if _, err := h.eng.PostMessage(h.ctx, it.ID, agentActor("carol"), "hi, how can I help?"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.PostMessage(h.ctx, it.ID, agentActor("alice"), "not mine"); !errors.Is(err, routing.ErrForbidden) {
		t.Fatalf("other agent: %v", err)
	}
	long := make([]rune, session.MaxMessageLen+1)
	for i := range long {
		long[i] = 'é'
	}
	if _, err := h.eng.PostMessage(h.ctx, it.ID, cust, string(long)); !errors.Is(err, routing.ErrTooLong) {
		t.Fatalf("long message: %v", err)
	}
	if _, err := h.eng.PostMessage(h.ctx, it.ID, cust, string(long[:session.MaxMessageLen])); err != nil {
		t.Fatalf("message of exactly the limit: %v", err)
	}
	if _, err := h.eng.PostMessage(h.ctx, it.ID, cust, "  "); !errors.Is(err, session.ErrInvalid) {
		t.Fatalf("blank: %v", err)
	}
	ms, err := h.eng.Messages(h.ctx, it.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].Text != "hello" || ms[1].From != "carol" || ms[2].Seq != 3 {
		t.Fatalf("messages = %+v", ms)
	}
}

func TestWrapUpValidation(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	it := h.create(session.Chat, "sales", "+1")
	h.accept(it.ID, "carol")
	if _, err := h.eng.WrapUp(h.ctx, it.ID, agentActor("carol"), routing.WrapUpInput{Disposition: "resolved"}); !errors.Is(err, session.ErrInvalidTransition) {
		t.Fatalf("wrap-up while active: %v", err)
	}
	if _, err := h.eng.End(h.ctx, it.ID, agentActor("carol"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.WrapUp(h.ctx, it.ID, agentActor("carol"), routing.WrapUpInput{Disposition: "bogus"}); !errors.Is(err, session.ErrInvalid) {
		t.Fatalf("unknown disposition: %v", err)
	}
	got, err := h.eng.WrapUp(h.ctx, it.ID, agentActor("carol"), routing.WrapUpInput{Disposition: "callback", Notes: "n", Tags: []string{"vip", " vip ", "billing", ""}})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != session.Done || len(got.Tags) != 2 || got.Disposition != "callback" {
		t.Fatalf("after wrap-up: %+v", got)
	}
}

func TestCustomerLeft(t *testing.T) {
	h := newHarness(t, demoConfig())
	q := h.create(session.Chat, "sales", "+1")
	if _, err := h.eng.CustomerLeft(h.ctx, q.ID, ""); err != nil {
		t.Fatal(err)
	}
	h.wantState(q.ID, session.Abandoned, "")
	h.available("carol")
	a := h.create(session.Chat, "sales", "+2")
	h.accept(a.ID, "carol")
	if _, err := h.eng.CustomerLeft(h.ctx, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	h.wantState(a.ID, session.Wrapup, "carol")
}

func TestGoingUnavailableWithdrawsOffers(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	it := h.create(session.Chat, "sales", "+1")
	h.wantState(it.ID, session.Offered, "carol")
	if _, err := h.eng.SetPresence(h.ctx, "carol", session.Unavailable, "Break", agentActor("carol")); err != nil {
		t.Fatal(err)
	}
	h.wantState(it.ID, session.Queued, "")
	if _, err := h.eng.SetPresence(h.ctx, "carol", session.RONA, "", agentActor("carol")); !errors.Is(err, session.ErrInvalid) {
		t.Fatalf("choosing RONA: %v", err)
	}
	if _, err := h.eng.SetPresence(h.ctx, "carol", session.Available, "", agentActor("alice")); !errors.Is(err, routing.ErrForbidden) {
		t.Fatalf("alice setting carol: %v", err)
	}
}

func TestCreateValidation(t *testing.T) {
	h := newHarness(t, demoConfig())
	cases := []routing.NewInteraction{
		{Channel: session.Chat},
		{Channel: session.Chat, Queue: "nope"},
		{Queue: "sales"},
		{Channel: session.Chat, Queue: "sales", Customer: routing.CustomerInfo{Email: "no-at"}},
		{Channel: session.Chat, ToAgent: "nobody"},
		{Channel: session.Chat, Queue: "sales", Subject: string(make([]byte, routing.MaxSubjectLen+1))},
	}
	for i, c := range cases {
		if _, err := h.eng.CreateInteraction(h.ctx, c); err == nil {
			t.Errorf("case %d accepted: %+v", i, c)
		}
	}
	its, _ := h.eng.Interactions(h.ctx, routing.Filter{})
	if len(its) != 0 {
		t.Fatalf("rejected input stored %d interactions", len(its))
	}
}

// Agents hear about their own load: working → ACW → idle (R4), and a reconnecting
// desktop can list its pending offers.
func TestAgentNoticesFollowActivityAndOffersList(t *testing.T) {
	h := newHarness(t, demoConfig())
	h.available("carol")
	it := h.create(session.Chat, "sales", "+1")
	offers := h.eng.Offers("carol")
	if len(offers) != 1 || offers[0].InteractionID != it.ID || !offers[0].ExpiresAt.Equal(base.Add(20*time.Second)) {
		t.Fatalf("offers = %+v", offers)
	}
	h.accept(it.ID, "carol")
	if _, err := h.eng.End(h.ctx, it.ID, agentActor("carol"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.WrapUp(h.ctx, it.ID, agentActor("carol"), routing.WrapUpInput{Disposition: "resolved"}); err != nil {
		t.Fatal(err)
	}
	var acts []session.Activity
	h.rec.mu.Lock()
	for _, n := range h.rec.notices {
		if n.Kind == routing.NoticeAgent && n.Agent.ID == "carol" {
			if len(acts) == 0 || acts[len(acts)-1] != n.Agent.Activity {
				acts = append(acts, n.Agent.Activity)
			}
		}
	}
	h.rec.mu.Unlock()
	want := []session.Activity{session.Idle, session.Working, session.ACW, session.Idle}
	if len(acts) != len(want) {
		t.Fatalf("activities = %v, want %v", acts, want)
	}
	for i := range want {
		if acts[i] != want[i] {
			t.Fatalf("activities = %v, want %v", acts, want)
		}
	}
	if len(h.eng.Offers("carol")) != 0 {
		t.Fatal("offer still listed after accept")
	}
}

func TestCreateWithChosenID(t *testing.T) {
	h := newHarness(t, demoConfig())
	it, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{ID: "call-1", Channel: session.Voice, Queue: "sales", Customer: routing.CustomerInfo{Phone: "+1"}})
	if err != nil || it.ID != "call-1" {
		t.Fatalf("%+v %v", it, err)
	}
	if _, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{ID: "call-1", Channel: session.Voice, Queue: "sales"}); !errors.Is(err, routing.ErrConflict) {
		t.Fatalf("duplicate id: %v", err)
	}
	if _, err := h.eng.CreateInteraction(h.ctx, routing.NewInteraction{ID: "bad id!", Channel: session.Voice, Queue: "sales"}); !errors.Is(err, session.ErrInvalid) {
		t.Fatalf("bad id: %v", err)
	}
}

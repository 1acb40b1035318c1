package session

import (
	"errors"
	"testing"
)

func TestPresenceTransitions(t *testing.T) {
	cases := []struct {
		name string
		from Presence
		ev   AgentEvent
		to   Presence
		err  bool
	}{
		{"offline -Login-> available", Offline, Login, Available, false},
		{"available -GoUnavailable-> unavailable", Available, GoUnavailable, Unavailable, false},
		{"available -OfferMissed-> rona", Available, OfferMissed, RONA, false},
		{"rona -GoAvailable-> available", RONA, GoAvailable, Available, false},
		{"rona -Logout-> offline", RONA, Logout, Offline, false},
		{"unavailable -GoAvailable-> available", Unavailable, GoAvailable, Available, false},
		{"(invalid) offline -OfferMissed", Offline, OfferMissed, Offline, true},
		{"(invalid) rona -Login", RONA, Login, RONA, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := NextPresence(c.from, c.ev)
			if (err != nil) != c.err {
				t.Fatalf("err = %v", err)
			}
			if c.err && !errors.Is(err, ErrInvalidTransition) {
				t.Fatalf("err = %v, want ErrInvalidTransition", err)
			}
			if got != c.to {
				t.Fatalf("got %s, want %s", got, c.to)
			}
		})
	}
}

// RONA is left only by the agent choosing Available: no event but GoAvailable (or
// going unavailable/offline by choice) leaves it, and nothing automatic does.
func TestRONAIsLeftOnlyByChoice(t *testing.T) {
	for ev := Login; ev <= Logout; ev++ {
		next, err := NextPresence(RONA, ev)
		if err == nil && next == Available && ev != GoAvailable {
			t.Fatalf("%s leaves RONA to available", ev)
		}
	}
}

// S2: the channel-to-channel transfer matrix.
func TestChannelMoves(t *testing.T) {
	allowed := map[Channel][]Channel{
		Chat: {Email, Voice, SMS}, Email: {Voice, SMS}, WorkItem: {Voice, SMS}, Voicemail: {Voice, SMS}, SMS: {Voice},
	}
	for _, from := range Channels() {
		for _, to := range Channels() {
			want := false
			for _, x := range allowed[from] {
				if x == to {
					want = true
				}
			}
			err := CheckChannelMove(from, to)
			if (err == nil) != want {
				t.Errorf("%s → %s: err = %v, want allowed=%v", from, to, err, want)
			}
			if err != nil && !errors.Is(err, ErrChannelMove) {
				t.Errorf("%s → %s: err = %v", from, to, err)
			}
		}
	}
	if got := ChannelTargets(Voice); len(got) != 0 {
		t.Fatalf("voice targets = %v", got)
	}
}

// T1: what agent A can do towards agent B.
func TestTransferRuleTable(t *testing.T) {
	cases := []struct {
		name string
		b    TargetView
		want TransferAction
	}{
		{"B on a call", TargetView{Presence: Available, OnCall: true}, NoAction},
		{"B in ACW (unavailable)", TargetView{Presence: Unavailable, InACW: true}, NoAction},
		{"B in ACW (available)", TargetView{Presence: Available, InACW: true}, NoAction},
		{"B unavailable, not ACW", TargetView{Presence: Unavailable}, DirectTransfer},
		{"B in RONA", TargetView{Presence: RONA}, DirectTransfer},
		{"B available", TargetView{Presence: Available}, ConsultThenTransfer},
		{"B offline", TargetView{Presence: Offline}, NoAction},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := TransferRule(c.b); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
			err := CheckDigitalTransfer(c.b)
			if (err == nil) != (c.want != NoAction) {
				t.Fatalf("CheckDigitalTransfer = %v", err)
			}
		})
	}
}

// S1: a session is complete only when every interaction is final.
func TestSessionComplete(t *testing.T) {
	done := &Interaction{State: Done}
	wrap := &Interaction{State: Wrapup}
	ab := &Interaction{State: Abandoned}
	if Complete(nil) {
		t.Fatal("empty session complete")
	}
	if Complete([]*Interaction{done, wrap}) {
		t.Fatal("session with wrap-up left is complete")
	}
	if !Complete([]*Interaction{done, ab}) {
		t.Fatal("all final but not complete")
	}
}

func TestCapacity(t *testing.T) {
	a := &Agent{Capacity: map[Channel]int{Chat: 2, Voice: 1, Email: 3}, TotalCapacity: 3}
	cases := []struct {
		name  string
		load  Load
		ch    Channel
		extra int
		want  bool
	}{
		{"empty takes chat", Load{}, Chat, 0, true},
		{"chat full", Load{Chat: 2}, Chat, 0, false},
		{"chat full, +1", Load{Chat: 2}, Chat, 1, true},
		{"total full", Load{Chat: 1, Email: 2}, Email, 0, false},
		{"no sms skill", Load{}, SMS, 1, false},
		{"on a call: full", Load{Voice: 1}, Chat, 0, false},
		{"on a call: +1 digital", Load{Voice: 1}, Chat, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := a.HasRoom(c.load, c.ch, c.extra); got != c.want {
				t.Fatalf("HasRoom = %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseRoundTrips(t *testing.T) {
	for _, c := range Channels() {
		if got, err := ParseChannel(c.String()); err != nil || got != c {
			t.Fatalf("channel %s: %v %v", c, got, err)
		}
	}
	for _, s := range States() {
		if got, err := ParseState(s.String()); err != nil || got != s {
			t.Fatalf("state %s: %v %v", s, got, err)
		}
	}
	for _, p := range Presences() {
		if got, err := ParsePresence(p.String()); err != nil || got != p {
			t.Fatalf("presence %s: %v %v", p, got, err)
		}
	}
	if _, err := ParseChannel("fax"); !errors.Is(err, ErrInvalid) {
		t.Fatal("fax parsed")
	}
}

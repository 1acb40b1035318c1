package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var sipLine = regexp.MustCompile(`SIP \(UDP, TCP\):\s+(\S+)`)

// sipAddr is where the server's SIP listens, from its banner.
func (s *server) sipAddr() string {
	s.t.Helper()
	if !s.waitOutput("SIP (UDP, TCP):") {
		s.t.Fatalf("no SIP address in the banner:\n%s", s.output())
	}
	m := sipLine.FindStringSubmatch(s.output())
	if m == nil {
		s.t.Fatalf("no SIP address in the banner:\n%s", s.output())
	}
	return m[1]
}

// freePort returns a UDP port free on 127.0.0.1; with even, an even one with the
// three above it free too: what a media port (sipp's -mp, RTP and RTCP) takes.
func freePort(t *testing.T, even bool) int {
	t.Helper()
	for i := 0; i < 200; i++ {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		if !even {
			c.Close()
			return p
		}
		if p%2 == 1 || p > 65000 {
			c.Close()
			continue
		}
		// sipp's -mp takes p (audio RTP), p+1, and p+2 (video) with p+3: all free.
		free := true
		for q := p + 1; q <= p+3 && free; q++ {
			c2, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", q))
			if free = err == nil; free {
				c2.Close()
			}
		}
		c.Close()
		if free {
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

func lookPeer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	requirePeer(t, name, err)
	return p
}

// sipp runs one sipp call to completion and returns its output.
func sipp(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := lookPeer(t, "sipp")
	base := []string{"-i", "127.0.0.1", "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error"}
	cmd := exec.CommandContext(t.Context(), bin, append(base, args...)...) // killed when the test ends
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func scenario(name string) string {
	p, _ := filepath.Abs(filepath.Join("testdata", "sipp", name))
	return p
}

// deskPhone is baresip registered as an agent's desk phone.
type deskPhone struct {
	cmd      *exec.Cmd
	log      string
	agent    string
	closeLog *os.File
	once     sync.Once
}

func (d *deskPhone) output() string {
	b, _ := os.ReadFile(d.log)
	return strings.ToValidUTF8(string(b), "?")
}

// startDeskPhone runs baresip as agent (password = name, as in the demo) registered to
// sipAddr; answer is "auto" or "manual". It returns once the phone has registered,
// trying again on another port if the one it picked was taken meanwhile.
func startDeskPhone(t *testing.T, sipAddr, agent, answer string) *deskPhone {
	t.Helper()
	var d *deskPhone
	for attempt := 1; ; attempt++ {
		d = launchDeskPhone(t, sipAddr, agent, answer)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(d.output(), "200 OK") && !strings.Contains(d.output(), "in use") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // polling its log, bounded by the deadline
		}
		if strings.Contains(d.output(), "200 OK") {
			return d
		}
		d.stop()
		if attempt == 3 {
			t.Fatalf("desk phone %s never registered:\n%s", agent, d.output())
		}
	}
}

func launchDeskPhone(t *testing.T, sipAddr, agent, answer string) *deskPhone {
	t.Helper()
	bin := lookPeer(t, "baresip")
	dir := t.TempDir()
	port := freePort(t, false)
	cfg := strings.Join([]string{
		fmt.Sprintf("sip_listen\t127.0.0.1:%d", port),
		"net_interface\t127.0.0.1",
		"module_path\t/usr/lib/baresip/modules",
		"module\tg711.so",
		"module\tausine.so",
		"module\taufile.so",
		"module_app\taccount.so",
		"audio_source\tausine,440",
		"audio_player\taufile," + filepath.Join(dir, "heard.wav"),
		"audio_alert\taufile,/dev/null",
		"ausrc_srate\t48000",
		"auplay_srate\t48000",
		"ausrc_channels\t2",
		"auplay_channels\t2",
	}, "\n") + "\n"
	acct := fmt.Sprintf("<sip:%s@%s;transport=udp>;auth_pass=%s;answermode=%s;regint=600;audio_codecs=PCMU,PCMA\n", agent, sipAddr, agent, answer)
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(acct), 0o600); err != nil {
		t.Fatal(err)
	}
	d := &deskPhone{log: filepath.Join(dir, "baresip.log"), agent: agent}
	f, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(bin, "-4", "-f", dir)
	d.cmd.Stdout, d.cmd.Stderr = f, f
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d.closeLog = f
	t.Cleanup(d.stop)
	return d
}

func (d *deskPhone) stop() {
	d.once.Do(func() {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
		d.closeLog.Close()
	})
}

// waitMetric polls /metrics until a line starts with want (bounded).
func (s *server) waitMetric(want string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		body := s.metrics()
		if strings.Contains(body, "\n"+want) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("metrics never showed %q", want)
		}
		time.Sleep(100 * time.Millisecond) // polling, bounded by the deadline
	}
}

func (s *server) metrics() string {
	s.t.Helper()
	var out string
	resp, err := httpGet(s.base + "/metrics")
	if err == nil {
		out = resp
	}
	return out
}

type event struct {
	Type   string            `json:"type"`
	Actor  string            `json:"actor"`
	From   string            `json:"from"`
	To     string            `json:"to"`
	Reason string            `json:"reason"`
	Data   map[string]string `json:"data"`
}

// waitInteraction polls the interactions list (as a supervisor) until one matches.
func (s *server) waitInteraction(token, query string, match func(interaction) bool) interaction {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list []interaction
		s.call("GET", "/api/v1/interactions?"+query, token, nil, &list)
		for _, it := range list {
			if match(it) {
				return it
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no interaction matched in %s: last %+v", query, list)
		}
		time.Sleep(100 * time.Millisecond) // polling, bounded by the deadline
	}
}

func (s *server) events(token, sessionID string) []event {
	s.t.Helper()
	var evs []event
	if code := s.call("GET", "/api/v1/sessions/"+sessionID+"/events", token, nil, &evs); code != 200 {
		s.t.Fatalf("events: %d", code)
	}
	return evs
}

// waitEvent polls a session's timeline until an event matches.
func (s *server) waitEvent(token, sessionID string, match func(event) bool) event {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, e := range s.events(token, sessionID) {
			if match(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no matching event in the timeline: %+v", s.events(token, sessionID))
		}
		time.Sleep(100 * time.Millisecond) // polling, bounded by the deadline
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// baresip registered as bob (digest) auto-answers a trunk call to DID 2000; audio
// flows both ways through Omnigate; the caller's DTMF is an interaction event; the
// caller's BYE ends the desk phone's call and the interaction goes to wrap-up.
func TestDeskPhoneAnswersDID2000(t *testing.T) {
	s := start(t, t.TempDir(), "OMNIGATE_LOG_LEVEL=info")
	sipAddr := s.sipAddr()
	phone := startDeskPhone(t, sipAddr, "bob", "auto")
	s.waitMetric("omnigate_sip_registrations 1")
	bob := s.login("bob")
	if code := s.call("POST", "/api/v1/agents/bob/state", bob, map[string]string{"state": "available"}, nil); code != 200 {
		t.Fatalf("bob available: %d", code)
	}
	out, err := sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "2000", sipAddr, "-d", "3000", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
	if err != nil {
		t.Fatalf("sipp: %v\n%s\nbaresip:\n%s", err, out, phone.output())
	}
	sue := s.login("sue")
	it := s.waitInteraction(sue, "state=wrapup", func(it interaction) bool { return it.AgentID == "bob" })
	stats := map[string]event{}
	s.waitEvent(sue, it.SessionID, func(e event) bool {
		if e.Type == "interaction.media-stats" {
			stats[e.Data["leg"]] = e
		}
		return len(stats) == 2
	})
	for _, leg := range []string{"customer", "desk-phone"} {
		d := stats[leg].Data
		if atoi(d["packets_in"]) < 50 || atoi(d["packets_out"]) < 50 {
			t.Fatalf("%s leg: audio did not flow both ways: %v", leg, d)
		}
	}
	evs := s.events(sue, it.SessionID)
	var types []string
	digits := 0
	for _, e := range evs {
		types = append(types, e.Type)
		if e.Type == "interaction.dtmf" && e.Data["digit"] == "1" {
			digits++
		}
	}
	if digits != 1 {
		t.Fatalf("DTMF '1' recorded %d times: %v", digits, types)
	}
	for _, want := range []string{"interaction.offer", "interaction.accept", "interaction.end"} {
		if !strings.Contains(strings.Join(types, ","), want) {
			t.Fatalf("timeline lacks %s: %v", want, types)
		}
	}
	if !strings.Contains(phone.output(), "Call established") {
		t.Fatalf("baresip never established the call:\n%s", phone.output())
	}
	var done interaction
	if code := s.call("POST", "/api/v1/interactions/"+it.ID+"/wrapup", bob, map[string]any{"disposition": "resolved"}, &done); code != 200 || done.State != "done" {
		t.Fatalf("wrap-up: %d %+v", code, done)
	}
}

// A caller who hangs up while queued is an abandoned interaction, with the reason.
func TestCallerAbandonsWhileQueued(t *testing.T) {
	s := start(t, t.TempDir())
	sipAddr := s.sipAddr()
	out, err := sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "1000", sipAddr, "-d", "500", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	sue := s.login("sue")
	it := s.waitInteraction(sue, "state=abandoned", func(it interaction) bool { return it.Queue == "sales" })
	evs := s.events(sue, it.SessionID)
	last := evs[len(evs)-1]
	found := false
	for _, e := range evs {
		if e.Type == "interaction.abandon" && strings.Contains(e.Reason, "hung up") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no abandon with a reason: last %+v, all %+v", last, evs)
	}
	// DTMF while queued is heard too.
	seen := false
	for _, e := range evs {
		if e.Type == "interaction.dtmf" && e.Data["digit"] == "1" {
			seen = true
		}
	}
	if !seen {
		t.Fatalf("DTMF while queued not recorded: %+v", evs)
	}
}

// httpGet returns a URL's body.
func httpGet(url string) (string, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := readAll(resp.Body)
	return string(b), err
}

// writeConfig writes a config file for the test and returns the flag that loads it.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "omnigate.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return "--config=" + p
}

// The desk phone rings and nobody answers: after the offer timeout the agent is in
// RONA, the phone's INVITE is CANCELled and the call goes back to the head of its
// queue; then the caller hangs up (abandoned).
func TestDeskPhoneNeverAnswersRONA(t *testing.T) {
	s := start(t, t.TempDir(), writeConfig(t, "routing:\n  offer_timeout: 2s\n"), "OMNIGATE_LOG_LEVEL=info")
	sipAddr := s.sipAddr()
	phone := startDeskPhone(t, sipAddr, "bob", "manual")
	s.waitMetric("omnigate_sip_registrations 1")
	bob := s.login("bob")
	s.call("POST", "/api/v1/agents/bob/state", bob, map[string]string{"state": "available"}, nil)
	done := make(chan string, 1)
	go func() {
		out, err := sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "2000", sipAddr, "-d", "5000", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
		if err != nil {
			out = "FAILED: " + err.Error() + "\n" + out
		}
		done <- out
	}()
	sue := s.login("sue")
	deadline := time.Now().Add(20 * time.Second)
	for {
		var a struct {
			State string `json:"state"`
		}
		s.call("GET", "/api/v1/agents/bob", sue, nil, &a)
		if a.State == "rona" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob never went to RONA (state %s)\nbaresip:\n%s", a.State, phone.output())
		}
		time.Sleep(100 * time.Millisecond) // polling, bounded by the deadline
	}
	it := s.waitInteraction(sue, "queue=support", func(it interaction) bool { return it.State == "queued" })
	if out := <-done; strings.HasPrefix(out, "FAILED") {
		t.Fatalf("sipp: %s", out)
	}
	s.waitEvent(sue, it.SessionID, func(e event) bool { return e.Type == "interaction.abandon" })
	var types []string
	for _, e := range s.events(sue, it.SessionID) {
		types = append(types, e.Type)
	}
	if !inOrder(types, "interaction.offer", "interaction.offer-timed-out", "interaction.abandon") {
		t.Fatalf("timeline = %v", types)
	}
	// baresip without a UI module logs an INVITE by its SDP, and the CANCEL by the
	// session closing.
	if out := phone.output(); !strings.Contains(out, "using AF from sdp offer") || !strings.Contains(out, "session closed") {
		t.Fatalf("the desk phone did not ring and stop:\n%s", out)
	}
}

// The caller hangs up while the agent's desk phone rings: the phone's INVITE is
// CANCELled and the interaction is abandoned.
func TestCallerHangsUpWhileDeskPhoneRings(t *testing.T) {
	s := start(t, t.TempDir(), "OMNIGATE_LOG_LEVEL=info")
	sipAddr := s.sipAddr()
	phone := startDeskPhone(t, sipAddr, "bob", "manual")
	s.waitMetric("omnigate_sip_registrations 1")
	bob := s.login("bob")
	s.call("POST", "/api/v1/agents/bob/state", bob, map[string]string{"state": "available"}, nil)
	out, err := sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "2000", sipAddr, "-d", "1000", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	sue := s.login("sue")
	it := s.waitInteraction(sue, "state=abandoned", func(it interaction) bool { return it.Queue == "support" })
	var types []string
	for _, e := range s.events(sue, it.SessionID) {
		types = append(types, e.Type)
	}
	if !inOrder(types, "interaction.offer", "interaction.abandon") {
		t.Fatalf("timeline = %v", types)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(phone.output(), "session closed") {
		if time.Now().After(deadline) {
			t.Fatalf("the desk phone's ringing was not cancelled:\n%s", phone.output())
		}
		time.Sleep(100 * time.Millisecond) // polling, bounded by the deadline
	}
	var a struct {
		State string `json:"state"`
	}
	s.call("GET", "/api/v1/agents/bob", sue, nil, &a)
	if a.State != "available" {
		t.Fatalf("bob is %s after the caller left", a.State)
	}
}

// The far end puts the call on hold and takes it off hold with re-INVITEs: each
// gets a final answer and goes on the timeline.
func TestFarEndHold(t *testing.T) {
	s := start(t, t.TempDir())
	sipAddr := s.sipAddr()
	out, err := sipp(t, "-sf", scenario("uac_hold.xml"), "-s", "1000", sipAddr, "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	sue := s.login("sue")
	it := s.waitInteraction(sue, "state=abandoned", func(it interaction) bool { return it.Queue == "sales" })
	s.waitEvent(sue, it.SessionID, func(e event) bool { return e.Type == "interaction.remote-resume" })
	var types []string
	for _, e := range s.events(sue, it.SessionID) {
		types = append(types, e.Type)
	}
	if !inOrder(types, "interaction.remote-hold", "interaction.remote-resume") {
		t.Fatalf("timeline = %v", types)
	}
}

// inOrder reports whether every one of want appears in types, in that order.
func inOrder(types []string, want ...string) bool {
	i := 0
	for _, t := range types {
		if i < len(want) && t == want[i] {
			i++
		}
	}
	return i == len(want)
}

// A SIGKILL while one call is up and another is queued: after the restart neither is
// left active or queued forever; each is reconciled with a reason.
func TestSIGKILLWithCallsUpAndQueued(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	sipAddr := s.sipAddr()
	startDeskPhone(t, sipAddr, "bob", "auto")
	s.waitMetric("omnigate_sip_registrations 1")
	bob := s.login("bob")
	s.call("POST", "/api/v1/agents/bob/state", bob, map[string]string{"state": "available"}, nil)
	for _, did := range []string{"2000", "1000"} {
		go func() {
			_, _ = sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", did, sipAddr, "-d", "60000", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
		}()
	}
	sue := s.login("sue")
	up := s.waitInteraction(sue, "state=active", func(it interaction) bool { return it.AgentID == "bob" })
	queued := s.waitInteraction(sue, "state=queued", func(it interaction) bool { return it.Queue == "sales" })
	s.kill(syscall.SIGKILL)

	s2 := start(t, dir)
	sue = s2.login("sue")
	var a, q interaction
	s2.call("GET", "/api/v1/interactions/"+up.ID, sue, nil, &a)
	s2.call("GET", "/api/v1/interactions/"+queued.ID, sue, nil, &q)
	if a.State != "wrapup" || q.State != "abandoned" {
		t.Fatalf("after restart: call that was up is %s, queued call is %s", a.State, q.State)
	}
	for _, it := range []interaction{a, q} {
		evs := s2.events(sue, it.SessionID)
		last := evs[len(evs)-1]
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Type == "interaction.end" || evs[i].Type == "interaction.abandon" {
				last = evs[i]
				break
			}
		}
		if !strings.Contains(last.Reason, "restart") {
			t.Fatalf("interaction %s reconciled without a reason: %+v", it.ID, last)
		}
	}
}

// A caller whose media stops is hung up after media.media_timeout, with that reason.
func TestMediaTimeoutEndsCall(t *testing.T) {
	s := start(t, t.TempDir(), writeConfig(t, "media:\n  media_timeout: 2s\n"))
	sipAddr := s.sipAddr()
	// The scenario plays ~2 s of audio and then keeps the call up in silence; Omnigate
	// hangs up first, so sipp's own BYE never happens (its exit status says so).
	sippPort, mediaPort := freePort(t, false), freePort(t, true)
	go func() {
		_, _ = sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "1000", sipAddr, "-d", "12000", "-p", strconv.Itoa(sippPort), "-mp", strconv.Itoa(mediaPort))
	}()
	sue := s.login("sue")
	it := s.waitInteraction(sue, "state=abandoned", func(it interaction) bool { return it.Queue == "sales" })
	e := s.waitEvent(sue, it.SessionID, func(e event) bool { return e.Type == "interaction.abandon" })
	if !strings.Contains(e.Reason, "media timeout") {
		t.Fatalf("abandoned for %q, want media timeout", e.Reason)
	}
}

// A call from a customer's number joins the session the customer already has open
// (a work item about them here), so a chat, a case and a call are one session.
func TestCallJoinsCustomersOpenSession(t *testing.T) {
	s := start(t, t.TempDir())
	sipAddr := s.sipAddr()
	admin := s.login("admin")
	var wi interaction
	if code := s.call("POST", "/api/v1/interactions", admin, map[string]any{"channel": "workitem", "queue": "support", "subject": "Refund",
		"customer": map[string]string{"name": "Dana Peeters", "phone": "+3225550123"}}, &wi); code != 201 {
		t.Fatalf("create: %d", code)
	}
	_, _ = sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "1000", sipAddr, "-d", "300", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
	sue := s.login("sue")
	call := s.waitInteraction(sue, "state=abandoned", func(it interaction) bool { return it.Queue == "sales" })
	if call.SessionID != wi.SessionID {
		t.Fatalf("the call opened session %s; the customer's open session is %s", call.SessionID, wi.SessionID)
	}
	var sess struct {
		State        string        `json:"state"`
		Interactions []interaction `json:"interactions"`
	}
	s.call("GET", "/api/v1/sessions/"+wi.SessionID, sue, nil, &sess)
	if sess.State != "open" || len(sess.Interactions) != 2 {
		t.Fatalf("session: %+v", sess)
	}
}

// A queue holding its max_waiting_calls answers the next caller busy (486): the call
// is refused before any interaction is made, and the queue takes calls again once the
// waiting one is gone.
func TestFullQueueAnswersBusy(t *testing.T) {
	cfg := writeConfig(t, `queues:
  - name: sales
    max_waiting_calls: 1
agents:
  - id: alice
    skills: {sales: 5}
    capacity: {voice: 1}
    total_capacity: 1
users:
  - {username: sue, password: sue, role: supervisor}
sip:
  trunks:
    - name: carrier
      addrs: ["127.0.0.0/8"]
  dids: {"1000": sales}
`)
	s := start(t, t.TempDir(), cfg)
	sipAddr := s.sipAddr()
	sue := s.login("sue")
	// The first caller waits: nobody is available.
	first := make(chan error, 1)
	var firstOut string
	go func() {
		out, err := sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "1000", sipAddr, "-d", "4000", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true)))
		firstOut = out
		first <- err
	}()
	waiting := s.waitInteraction(sue, "state=queued", func(it interaction) bool { return it.Queue == "sales" })
	// The second is answered busy.
	if out, err := sipp(t, "-sf", scenario("uac_busy.xml"), "-s", "1000", sipAddr, "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true))); err != nil {
		t.Fatalf("second caller not answered busy: %v\n%s", err, out)
	}
	if err := <-first; err != nil {
		t.Fatalf("first caller: %v\n%s", err, firstOut)
	}
	s.waitInteraction(sue, "state=abandoned", func(it interaction) bool { return it.ID == waiting.ID })
	// One interaction only: the busy call made none.
	var all []interaction
	if code := s.call("GET", "/api/v1/interactions?state=abandoned", sue, nil, &all); code != 200 || len(all) != 1 {
		t.Fatalf("abandoned interactions: %d, status %d: %+v", len(all), code, all)
	}
	// The queue is free again: the next caller waits instead of being refused.
	if out, err := sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "1000", sipAddr, "-d", "500", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(freePort(t, true))); err != nil {
		t.Fatalf("caller after the queue emptied: %v\n%s", err, out)
	}
}

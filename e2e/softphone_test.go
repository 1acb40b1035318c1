package e2e

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// capture counts UDP packets sent to port on loopback for d, with tshark.
func capture(t *testing.T, port int, d time.Duration) (count func() int) {
	t.Helper()
	bin := lookPeer(t, "tshark")
	cmd := exec.Command(bin, "-i", "lo", "-f", "udp dst port "+strconv.Itoa(port), "-a", "duration:"+strconv.Itoa(int(d.Seconds())), "-T", "fields", "-e", "frame.number")
	out := &strings.Builder{}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() int {
		_ = cmd.Wait()
		return len(strings.Fields(out.String()))
	}
}

// audioIn reads the softphone's inbound audio figures from getStats() in the page.
func audioIn(t *testing.T, ctx context.Context) (packets int, energy float64, codec string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[map[string]any](`(async () => {
		const sp = window.omnigateSoftphone;
		if (!sp || !sp.pc) return {packets: 0, energy: 0, codec: ""};
		const st = await sp.pc.getStats();
		let r = {packets: 0, energy: 0, codec: ""};
		st.forEach(s => {
			if (s.type === "inbound-rtp" && s.kind === "audio") {
				r.packets = s.packetsReceived || 0;
				r.energy = s.totalAudioEnergy || 0;
				const c = st.get(s.codecId);
				if (c) r.codec = c.mimeType;
			}
		});
		return r;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("getStats: %v", err)
	}
	f := func(k string) float64 { x, _ := v[k].(float64); return x }
	s, _ := v["codec"].(string)
	return int(f("packets")), f("energy"), s
}

// sipp plays G.711 audio into DID 1000; alice answers in headless Chromium with a fake
// microphone; audio flows both ways (getStats in the browser, packets back at sipp's
// media port); the caller hangs up and the interaction reaches wrap-up, then done.
func TestTrunkCallToBrowserSoftphone(t *testing.T) {
	s := start(t, t.TempDir())
	sipAddr := s.sipAddr()
	b := browser(t)
	agent := tab(t, b)
	signIn(t, agent, s.base, "alice")
	waitText(t, agent, "#softphone-state", "connected")

	mediaPort := freePort(t, true)
	done := make(chan string, 1)
	go func() {
		out, err := sipp(t, "-sf", scenario("uac_pcma.xml"), "-s", "1000", sipAddr, "-d", "9000", "-p", strconv.Itoa(freePort(t, false)), "-mp", strconv.Itoa(mediaPort))
		if err != nil {
			out = "FAILED: " + err.Error() + "\n" + out
		}
		done <- out
	}()
	run(t, agent, "the call is offered", chromedp.WaitVisible(chromedp.CSS(".offer")))
	if got := text(t, agent, ".offer .offer-customer-number"); !strings.Contains(got, "+3225550123") {
		t.Fatalf("offer number = %q", got)
	}
	if got := text(t, agent, ".offer .offer-source-number"); got != "1000" {
		t.Fatalf("offer source = %q", got)
	}
	run(t, agent, "accept", chromedp.Click(chromedp.CSS(".offer button.offer-accept")), chromedp.WaitVisible(chromedp.CSS("#call-view")))
	waitText(t, agent, "#call-state", "active")
	back := capture(t, mediaPort, 2*time.Second) // the agent's voice, relayed to the caller
	deadline := time.Now().Add(15 * time.Second)
	var pk int
	var energy float64
	var codec string
	for {
		pk, energy, codec = audioIn(t, agent)
		if pk > 50 && energy > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser received %d packets, energy %v", pk, energy)
		}
		time.Sleep(200 * time.Millisecond) // polling the page, bounded by the deadline
	}
	if codec != "audio/PCMU" {
		t.Fatalf("softphone codec = %q, want audio/PCMU", codec)
	}
	if n := back(); n < 50 {
		t.Fatalf("sipp's media port got %d packets in 2 s after the answer", n)
	}
	screenshot(t, agent, "desktop-call.png")
	// Hold: the caller hears hold music (packets keep coming); resume bridges again.
	run(t, agent, "hold", chromedp.Click(chromedp.CSS("#call-hold")))
	waitText(t, agent, "#call-state", "held")
	music := capture(t, mediaPort, time.Second)
	if n := music(); n < 25 {
		t.Fatalf("the caller got %d packets in 1 s on hold: no hold music", n)
	}
	run(t, agent, "resume", chromedp.Click(chromedp.CSS("#call-hold")))
	waitText(t, agent, "#call-state", "active")
	if out := <-done; strings.HasPrefix(out, "FAILED") {
		t.Fatalf("sipp: %s", out)
	}
	// The caller hung up: wrap-up, then done.
	run(t, agent, "wrap up",
		chromedp.WaitVisible(chromedp.CSS("#call-wrapup")),
		chromedp.Click(chromedp.CSS("#call-wrapup")),
		chromedp.WaitVisible(chromedp.CSS("#wrapup")),
		chromedp.Click(chromedp.CSS(`.disposition[data-code="resolved"]`)),
		chromedp.Click(chromedp.CSS("#wrapup-done")),
	)
	sue := s.login("sue")
	s.waitInteraction(sue, "state=done", func(it interaction) bool { return it.AgentID == "alice" && it.Disp == "resolved" })
}

// An agent dials a number from the desktop; the call goes out through the trunk to a
// sipp UAS (which echoes the audio back); the agent hangs up and sipp sees the BYE.
func TestOutboundCallThroughTrunk(t *testing.T) {
	sippBin := lookPeer(t, "sipp")
	uasPort := freePort(t, false)
	cfg := writeConfig(t, `sip:
  outbound_trunk: carrier
  trunks:
    - name: carrier
      addrs: ["127.0.0.0/8"]
      target: "127.0.0.1:`+strconv.Itoa(uasPort)+`"
  dids: {"1000": sales, "2000": support}
`)
	s := start(t, t.TempDir(), cfg)
	uas := exec.Command(sippBin, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(uasPort), "-m", "1", "-rtp_echo",
		"-mp", strconv.Itoa(freePort(t, true)), "-nostdin", "-timeout", "60s", "-timeout_error")
	uas.Dir = t.TempDir()
	uasOut := &strings.Builder{}
	uas.Stdout, uas.Stderr = uasOut, uasOut
	if err := uas.Start(); err != nil {
		t.Fatal(err)
	}
	uasDone := make(chan error, 1)
	go func() { uasDone <- uas.Wait() }()
	t.Cleanup(func() { _ = uas.Process.Kill() })

	b := browser(t)
	agent := tab(t, b)
	signIn(t, agent, s.base, "alice")
	waitText(t, agent, "#softphone-state", "connected")
	run(t, agent, "dial",
		chromedp.WaitVisible(chromedp.CSS("#dial-open")),
		chromedp.Click(chromedp.CSS("#dial-open")),
		chromedp.WaitVisible(chromedp.CSS("#dial-number")),
		chromedp.SendKeys(chromedp.CSS("#dial-number"), "+3225550199"),
		chromedp.Click(chromedp.CSS("#dial-call")),
		chromedp.WaitVisible(chromedp.CSS("#call-view")),
	)
	deadline := time.Now().Add(15 * time.Second)
	for {
		pk, energy, _ := audioIn(t, agent)
		if pk > 50 && energy > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no echoed audio from the far end: %d packets, energy %v\nsipp:\n%s", pk, energy, uasOut.String())
		}
		time.Sleep(200 * time.Millisecond) // polling the page, bounded by the deadline
	}
	run(t, agent, "hang up", chromedp.Click(chromedp.CSS("#call-hangup")), chromedp.WaitVisible(chromedp.CSS("#wrapup")))
	select {
	case err := <-uasDone:
		if err != nil {
			t.Fatalf("sipp UAS: %v\n%s", err, uasOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("sipp UAS never saw the BYE:\n%s", uasOut.String())
	}
	sue := s.login("sue")
	it := s.waitInteraction(sue, "state=wrapup", func(it interaction) bool { return it.AgentID == "alice" })
	var full struct {
		Direction string `json:"direction"`
		Channel   string `json:"channel"`
	}
	s.call("GET", "/api/v1/interactions/"+it.ID, sue, nil, &full)
	if full.Direction != "outbound" || full.Channel != "voice" {
		t.Fatalf("outbound call interaction: %+v", full)
	}
}

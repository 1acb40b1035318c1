package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/internal/testkit"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browser starts headless Chromium for the test.
func browser(t *testing.T) context.Context { return testkit.Chromium(t) }

// tab opens a tab in a fresh browser context (its own cookies and storage).
func tab(t *testing.T, b context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run creates the tab and ties it to the context it runs in: run it on
	// this long-lived one, not on a per-step timeout context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// innerText reads an element's text ("<none>" when it is not there).
func innerText(ctx context.Context, sel string) (string, error) {
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(c, chromedp.Evaluate[string](fmt.Sprintf(`(()=>{const e=document.querySelector(%q); return e ? e.innerText : "<none>"})()`, sel)))
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := innerText(ctx, sel)
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// waitText waits until the element's text contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := innerText(ctx, sel)
		if err == nil && strings.Contains(s, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q (last %q, %v)", sel, want, s, err)
		}
		time.Sleep(100 * time.Millisecond) // polling the page, bounded by the deadline
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("OMNIGATE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "screens")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// A customer chats from /demo/chat; alice logs in to the desktop in another browser
// context, goes Available, sees the offer with its fields, accepts; both exchange
// messages; she ends it, picks disposition resolved and a tag; the session is complete
// with the full timeline.
func TestChatEndToEndInChromium(t *testing.T) {
	s := start(t, t.TempDir())
	b := browser(t)
	agent := tab(t, b)
	cust := tab(t, b)

	signIn(t, agent, s.base, "alice")

	run(t, cust, "customer starts a chat",
		chromedp.Navigate(s.base+"/demo/chat"),
		chromedp.WaitVisible(chromedp.CSS("#chat-name")),
		chromedp.SendKeys(chromedp.CSS("#chat-name"), "Dana Peeters"),
		chromedp.SendKeys(chromedp.CSS("#chat-email"), "dana@example.com"),
		chromedp.SendKeys(chromedp.CSS("#chat-first"), "Hello, my order has not arrived."),
		chromedp.Click(chromedp.CSS("#chat-start")),
	)
	waitText(t, cust, "#chat-log", "my order has not arrived")

	run(t, agent, "offer appears", chromedp.WaitVisible(chromedp.CSS(".offer")))
	id, err := chromedp.Run(agent, chromedp.Evaluate[string](`document.querySelector(".offer").dataset.interactionId || ""`))
	if err != nil || id == "" {
		t.Fatal("offer has no interaction id")
	}
	if got := text(t, agent, ".offer .offer-customer-name"); got != "Dana Peeters" {
		t.Fatalf("offer customer name = %q", got)
	}
	if got := text(t, agent, ".offer .offer-queue"); got != "sales" {
		t.Fatalf("offer queue = %q", got)
	}
	if got := text(t, agent, ".offer .offer-timer"); !strings.Contains(got, ":") {
		t.Fatalf("offer timer = %q", got)
	}
	screenshot(t, agent, "desktop-offer.png")
	run(t, agent, "accept", chromedp.Click(chromedp.CSS(".offer button.offer-accept")))
	waitText(t, agent, "#chat-messages", "my order has not arrived")

	run(t, agent, "agent replies",
		chromedp.WaitVisible(chromedp.CSS("#compose")),
		chromedp.SendKeys(chromedp.CSS("#compose"), "Hi Dana, let me check that for you."),
		chromedp.SendKeys(chromedp.CSS("#compose"), kb.Enter),
	)
	waitText(t, cust, "#chat-log .msg.from-agent", "let me check that")
	run(t, cust, "customer answers",
		chromedp.SendKeys(chromedp.CSS("#chat-input"), "Order 4711, thanks!"),
		chromedp.Click(chromedp.CSS("#chat-send")),
	)
	waitText(t, agent, "#chat-messages", "Order 4711")
	screenshot(t, agent, "desktop-chat.png")

	run(t, agent, "end and wrap up",
		chromedp.Click(chromedp.CSS("#end-contact")),
		chromedp.WaitVisible(chromedp.CSS("#wrapup")),
		chromedp.SendKeys(chromedp.CSS("#wrapup-search"), "reso"),
		chromedp.Click(chromedp.CSS(`.disposition[data-code="resolved"]`)),
		chromedp.SendKeys(chromedp.CSS("#wrapup-notes"), "Parcel delayed at the depot."),
		chromedp.SendKeys(chromedp.CSS("#wrapup-tag-input"), "late-delivery"),
		chromedp.SendKeys(chromedp.CSS("#wrapup-tag-input"), kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".tag-chip")),
	)
	screenshot(t, agent, "desktop-wrapup.png")
	run(t, agent, "done", chromedp.Click(chromedp.CSS("#wrapup-done")), chromedp.WaitNotPresent(chromedp.CSS("#wrapup:not([hidden]) .disposition")))

	sue := s.login("sue")
	var it interaction
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code := s.call("GET", "/api/v1/interactions/"+id, sue, nil, &it); code != 200 {
			t.Fatalf("get interaction: %d", code)
		}
		if it.State == "done" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if it.State != "done" || it.Disp != "resolved" || len(it.Tags) != 1 || it.Tags[0] != "late-delivery" || it.AgentID != "alice" {
		t.Fatalf("interaction after wrap-up: %+v", it)
	}
	var sess struct {
		State        string        `json:"state"`
		Interactions []interaction `json:"interactions"`
	}
	if code := s.call("GET", "/api/v1/sessions/"+it.SessionID, sue, nil, &sess); code != 200 || sess.State != "complete" || len(sess.Interactions) != 1 {
		t.Fatalf("session: %d %+v", code, sess)
	}
	var events []struct {
		Type  string `json:"type"`
		Actor string `json:"actor"`
		To    string `json:"to"`
	}
	if code := s.call("GET", "/api/v1/sessions/"+it.SessionID+"/events", sue, nil, &events); code != 200 {
		t.Fatalf("events: %d", code)
	}
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	want := []string{"session.created", "interaction.created", "interaction.offer", "interaction.accept", "interaction.end", "interaction.wrapup", "session.complete"}
	if strings.Join(types, ",") != strings.Join(want, ",") {
		t.Fatalf("timeline = %v, want %v", types, want)
	}
	waitText(t, cust, "#chat-status", "ended")
	screenshot(t, agent, "desktop-done.png")
}

// signIn logs a demo agent in to the desktop (password = name) and makes it
// available.
func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	run(t, ctx, user+" signs in",
		chromedp.Navigate(base+"/desktop/"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), user),
		chromedp.SendKeys(chromedp.CSS("#login-password"), user),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#presence-available")),
		chromedp.Click(chromedp.CSS("#presence-available")),
	)
	waitText(t, ctx, "#presence-state", "available")
}

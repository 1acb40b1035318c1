package testkit

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// CheckLeaks runs the tests and then fails the run if a goroutine whose stack
// mentions one of markers (say "omnigate/api." and "coder/websocket") outlives them;
// it returns the exit code for os.Exit. Use it where every server is closed in
// t.Cleanup, so that none may be left:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.CheckLeaks(m, "omnigate/api.", "coder/websocket")) }
func CheckLeaks(m *testing.M, markers ...string) int {
	code := m.Run()
	if code == 0 {
		if leaks := leakedGoroutines(Timeout, markers); leaks != "" {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", leaks)
			code = 1
		}
	}
	return code
}

// leakedGoroutines waits (at most wait) for the goroutines matching markers to end,
// and describes those that do not. The calling goroutine is never counted.
func leakedGoroutines(wait time.Duration, markers []string) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		// runtime.Stack writes the calling goroutine first; skip it.
		all := strings.Split(string(buf), "\n\n")[1:]
		var leaks []string
		for _, g := range all {
			if mentionsAny(g, markers) {
				leaks = append(leaks, g)
			}
		}
		if len(leaks) == 0 || time.Now().After(deadline) {
			return strings.Join(leaks, "\n\n")
		}
		time.Sleep(20 * time.Millisecond) // polling for goroutines to exit, not for correctness
	}
}

func mentionsAny(stack string, markers []string) bool {
	for _, m := range markers {
		if strings.Contains(stack, m) {
			return true
		}
	}
	return false
}

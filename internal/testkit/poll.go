package testkit

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds, and fails the test after Timeout.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventually(t, Timeout, what, cond)
}

func eventually(t testing.TB, wait time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // bounded polling on state, not a correctness sleep
	}
}

package sockets

import (
	"context"
	"errors"
	"testing"
	"time"
)

// running starts fn under tr on a new goroutine and returns once fn has started; the
// returned channel closes when Run returns.
func running(t *testing.T, tr *Tracker, fn func(ctx context.Context)) <-chan struct{} {
	t.Helper()
	started, returned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(returned)
		if !tr.Run(func(ctx context.Context) { close(started); fn(ctx) }) {
			t.Error("Run refused on an open tracker")
			close(started)
		}
	}()
	<-started
	return returned
}

func TestTracker(t *testing.T) {
	t.Run("open -Run-> open", func(t *testing.T) {
		tr := NewTracker()
		defer tr.Close()
		var ran bool
		ok := tr.Run(func(ctx context.Context) {
			ran = true
			if ctx.Err() != nil {
				t.Errorf("context ended on an open tracker: %v", ctx.Err())
			}
		})
		if !ok || !ran {
			t.Fatalf("Run = %v, fn ran %v; want true, true", ok, ran)
		}
	})

	t.Run("open -Shutdown-> drained (nothing running)", func(t *testing.T) {
		tr := NewTracker()
		if err := tr.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("open -Shutdown-> closing -last fn returns-> drained", func(t *testing.T) {
		tr := NewTracker()
		release := make(chan struct{})
		var ended [2]bool
		r1 := running(t, tr, func(ctx context.Context) { <-ctx.Done(); ended[0] = true })
		r2 := running(t, tr, func(ctx context.Context) { <-ctx.Done(); <-release; ended[1] = true })
		closed := make(chan error, 1)
		go func() { closed <- tr.Close() }()
		<-r1 // the context ended: a connection that only waits on it returns
		select {
		case err := <-closed:
			t.Fatalf("Close returned %v while a connection still runs", err)
		case <-time.After(20 * time.Millisecond): // a bound on a negative, not a correctness sleep
		}
		close(release)
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		<-r2
		if !ended[0] || !ended[1] {
			t.Fatalf("Close returned before every fn: ended %v", ended)
		}
	})

	t.Run("(refused) drained -Run", func(t *testing.T) {
		tr := NewTracker()
		_ = tr.Close()
		if tr.Run(func(context.Context) { t.Error("fn called on a closed tracker") }) {
			t.Fatal("Run accepted after Close")
		}
	})

	t.Run("open -Shutdown(ended ctx)-> closing, (refused) closing -Run, closing -Close-> drained", func(t *testing.T) {
		tr := NewTracker()
		release := make(chan struct{})
		returned := running(t, tr, func(context.Context) { <-release })
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := tr.Shutdown(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown with a running fn and an ended ctx = %v, want context.Canceled", err)
		}
		if tr.Run(func(context.Context) { t.Error("fn called on a closing tracker") }) {
			t.Fatal("Run accepted while closing")
		}
		close(release) // the connection keeps ending in the background
		<-returned
		if err := tr.Close(); err != nil {
			t.Fatalf("Close after the last fn returned: %v", err)
		}
	})

	t.Run("drained -Shutdown(ended ctx)-> drained", func(t *testing.T) {
		tr := NewTracker()
		_ = tr.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for range 100 { // drained must win over the ended ctx every time
			if err := tr.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown of a drained tracker = %v, want nil", err)
			}
		}
	})

	t.Run("a panicking fn is still counted out", func(t *testing.T) {
		tr := NewTracker()
		func() {
			defer func() { _ = recover() }()
			tr.Run(func(context.Context) { panic("boom") })
		}()
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

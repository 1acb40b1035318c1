package testkit

import (
	"context"
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/store/memory"
)

// StartEngine builds an engine over st (a new memory store when st is nil) with
// default options and starts it, failing the test on any error.
func StartEngine(t testing.TB, cfg routing.Config, st routing.Store) *routing.Engine {
	t.Helper()
	if st == nil {
		st = memory.New(nil)
	}
	eng, err := routing.New(cfg, st, routing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return eng
}

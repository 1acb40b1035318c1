package memory_test

import (
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/store/memory"
	"github.com/omnigate/omnigate/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) routing.Store {
		s := memory.New(nil)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func BenchmarkCommit(b *testing.B) {
	storetest.BenchCommit(b, memory.New(nil))
}

//go:build pprof

package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// Profiling build (go build -tags pprof): when OMNIGATE_PPROF_ADDR is set, the Go
// profiler listens there, on its own listener, apart from the API. The benchmark
// harness uses it; release builds do not contain it.
func init() {
	addr := os.Getenv("OMNIGATE_PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", "addr", addr, "err", err)
		}
	}()
}

//go:build unix

package media

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used, so a
// benchmark can report CPU per packet next to wall-clock time per packet.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

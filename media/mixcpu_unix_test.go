//go:build unix

package media

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time: on a loaded machine a
// benchmark's wall time includes waiting for a core, its CPU time does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

//go:build unix

package auth

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time (user and system) the process has
// used; ok is false if it is unavailable.
func processCPUTime() (d time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

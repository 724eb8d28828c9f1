//go:build linux

package auth

import (
	"time"

	"golang.org/x/sys/unix"
)

// hashNice is the nice value of the hashing threads: the lowest priority.
const hashNice = 19

// lowerThreadPriority sets the calling thread's nice value to hashNice.
// On Linux a nice value is per thread (PRIO_PROCESS with a thread id), and
// an unprivileged thread may raise its own.
func lowerThreadPriority() error {
	return unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), hashNice)
}

// threadCPUTime returns the CPU time the calling thread has used.
func threadCPUTime() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

func gettid() int { return unix.Gettid() }

//go:build linux

package auth

import (
	"time"

	"golang.org/x/sys/unix"
)

// lowerThreadPriority puts the calling thread in the SCHED_IDLE
// scheduling class (sched_setattr with pid 0: this thread only), which an
// unprivileged thread may enter (and not leave). Chosen over nice 19 by
// measurement (see hashPool): the kernel preempts an idle-class thread as
// soon as a normal one wakes up on its CPU, while a nice-19 thread may
// finish its slice first.
func lowerThreadPriority() error {
	return unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_IDLE}, 0)
}

// threadPolicy returns the calling thread's scheduling policy (tests).
func threadPolicy() (uint32, error) {
	a, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return 0, err
	}
	return a.Policy, nil
}

// schedIdle is SCHED_IDLE's number (tests).
const schedIdle = unix.SCHED_IDLE

// threadCPUTime returns the CPU time the calling thread has used.
func threadCPUTime() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

func gettid() int { return unix.Gettid() }

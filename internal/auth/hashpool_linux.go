//go:build linux

package auth

import (
	"time"

	"golang.org/x/sys/unix"
)

// lowerThreadPriority gives the calling thread nice 19 (setpriority with
// the thread's id: this thread only), which an unprivileged thread may do
// (and not undo). It was SCHED_IDLE until hashes were paced; see hashPool
// for why nice 19 replaced it.
func lowerThreadPriority() error {
	return unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), hashNice)
}

// hashNice is the hashing threads' nice value.
const hashNice = 19

// threadNice returns the calling thread's nice value (tests).
func threadNice() (int, error) {
	// The raw getpriority system call returns 20 - nice, so that no
	// valid answer is negative.
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	if err != nil {
		return 0, err
	}
	return 20 - p, nil
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

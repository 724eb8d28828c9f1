//go:build !linux

package auth

import (
	"errors"
	"time"
)

// lowerThreadPriority is not done here: SCHED_IDLE is Linux's, and
// elsewhere setpriority is not per thread (it would renice the process).
func lowerThreadPriority() error { return errors.ErrUnsupported }

func threadPolicy() (uint32, error) { return 0, errors.ErrUnsupported }

const schedIdle = 5

// threadCPUTime is unavailable here; see measureCost.
func threadCPUTime() (time.Duration, bool) { return 0, false }

func gettid() int { return 0 }

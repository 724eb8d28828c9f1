//go:build !linux

package auth

import (
	"errors"
	"time"
)

// lowerThreadPriority is not done here: elsewhere setpriority with a
// thread id is not per thread (it would renice the whole process).
func lowerThreadPriority() error { return errors.ErrUnsupported }

// threadCPUTime is unavailable here; see measureCost.
func threadCPUTime() (time.Duration, bool) { return 0, false }

func gettid() int { return 0 }

//go:build !linux

package auth

import (
	"errors"
	"time"
)

// lowerThreadPriority is not done here: only on Linux does setpriority
// take a thread (elsewhere it would renice the whole process).
func lowerThreadPriority() error { return errors.ErrUnsupported }

func threadNice() (int, error) { return 0, errors.ErrUnsupported }

const hashNice = 19

// threadCPUTime is unavailable here; see measureCost.
func threadCPUTime() (time.Duration, bool) { return 0, false }

func gettid() int { return 0 }

package server

import (
	"os"
	"runtime/debug"
)

// GC settings for a server process (see TuneGC).
const (
	gcPercent    = 400
	gcSoftLimit  = 1 << 30 // bytes
	gcEnvPercent = "GOGC"
	gcEnvLimit   = "GOMEMLIMIT"
)

// TuneGC sets the garbage collector for a server process, unless the
// operator set GOGC or GOMEMLIMIT: GOGC=400 with a 1 GiB soft memory limit.
//
// Why: every password hash (argon2id, 19 MiB) allocates more than a small
// server's whole live heap, so at the default GOGC=100 each sign-in starts
// a collection, and its mark assists land on the API requests running at
// the time; during a sign-in storm that is most of the tail latency the CPU
// budget (internal/auth) does not already remove. A higher GOGC lets the
// heap absorb a few hashes between collections. The soft limit makes the
// collector run as often as needed to stay under 1 GiB when the live heap is
// large (for example an entitlement index of millions of assignments). An
// idle server allocates nothing, so its resident size does not change.
// cmd/idcenter and the load generators and HTTP benchmarks call it; tests
// do not.
func TuneGC() {
	if os.Getenv(gcEnvPercent) == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv(gcEnvLimit) == "" {
		debug.SetMemoryLimit(gcSoftLimit)
	}
}

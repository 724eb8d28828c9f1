//go:build !unix

package auth

import "time"

// processCPUTime is unavailable here; hashes are charged their wall time.
func processCPUTime() (time.Duration, bool) { return 0, false }

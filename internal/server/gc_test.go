package server

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	debug.SetGCPercent(100)
	TuneGC()
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent after TuneGC = %d, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != gcSoftLimit {
		t.Errorf("memory limit after TuneGC = %d, want %d", got, gcSoftLimit)
	}

	// An operator's GOGC and GOMEMLIMIT win.
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "2GiB")
	debug.SetGCPercent(150)
	limit := debug.SetMemoryLimit(-1)
	TuneGC()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GC percent with GOGC set = %d, want 150 (untouched)", got)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("memory limit with GOMEMLIMIT set = %d, want %d (untouched)", got, limit)
	}
}

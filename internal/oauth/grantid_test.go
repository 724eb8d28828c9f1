package oauth

import (
	"encoding/hex"
	"testing"
	"time"
)

// TestGrantIDsGrowWithTime: grant ids are 16 bytes of hex whose order
// follows their creation time (so that new grants append to the primary-key
// index), and ids of the same millisecond still differ.
func TestGrantIDsGrowWithTime(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 1000 {
		id := newGrantID(t0.Add(time.Duration(i) * time.Millisecond))
		if b, err := hex.DecodeString(id); err != nil || len(b) != 16 {
			t.Fatalf("grant id %q is not 16 bytes of hex", id)
		}
		if id <= prev {
			t.Fatalf("grant id %q issued after %q sorts before it", id, prev)
		}
		prev = id
	}
	seen := map[string]bool{}
	for range 1000 {
		id := newGrantID(t0)
		if seen[id] {
			t.Fatalf("grant id %q issued twice", id)
		}
		seen[id] = true
	}
}

package access

import (
	"regexp"
	"testing"
	"time"
)

// Request ids are version 7 UUIDs that sort in the order of their
// milliseconds.
func TestRequestIDTimeOrdered(t *testing.T) {
	v7 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	t0 := time.UnixMilli(1_764_000_000_000)
	prev := ""
	for i := range 1000 {
		id := requestID(t0.Add(time.Duration(i) * time.Millisecond))
		if !v7.MatchString(id) {
			t.Fatalf("requestID = %q, want a version 7 UUID", id)
		}
		if id <= prev {
			t.Fatalf("requestID at +%d ms = %q, not after %q", i, id, prev)
		}
		prev = id
	}
	if a, b := requestID(t0), requestID(t0); a == b {
		t.Errorf("two ids in one millisecond are both %q", a)
	}
}

package ratelimit_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/ratelimit"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBurstRefillAndRetryAfter(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := ratelimit.New(3, 2, c.now) // 3 at once, 2 per second
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, after := l.Take("a")
	if ok || after != 500*time.Millisecond {
		t.Fatalf("past the burst: Take = %v, %v; want refused, retry after 500ms", ok, after)
	}
	if !l.OK("b") || !l.Allow("b") {
		t.Error("another key shares the first key's bucket")
	}
	c.t = c.t.Add(250 * time.Millisecond)
	if ok, after := l.Take("a"); ok || after != 250*time.Millisecond {
		t.Errorf("half refilled: Take = %v, %v; want refused, retry after 250ms", ok, after)
	}
	c.t = c.t.Add(250 * time.Millisecond)
	if l.OK("a") != true || !l.Allow("a") || l.Allow("a") {
		t.Error("after 500ms exactly one more request should pass")
	}
	// A long pause refills to the burst, not beyond.
	c.t = c.t.Add(time.Hour)
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("after a pause: request %d refused", i+1)
		}
	}
	if l.Allow("a") {
		t.Error("the bucket refilled beyond its burst")
	}
}

func TestNoRefill(t *testing.T) {
	l := ratelimit.New(1, 0, nil)
	if !l.Allow("k") {
		t.Fatal("first request refused")
	}
	if ok, after := l.Take("k"); ok || after <= 24*time.Hour {
		t.Errorf("Take = %v, %v; want refused for good", ok, after)
	}
}

func TestPruneKeepsWhatIsInUse(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := ratelimit.New(2, 1, c.now)
	for i := range 100_000 - 1 {
		l.Allow("k" + strconv.Itoa(i))
	}
	c.t = c.t.Add(2 * time.Second) // every k bucket is full again: nothing to remember
	l.Allow("busy")
	l.Allow("busy") // the map is at its bound now
	// A new key makes room by dropping the full buckets, not the
	// exhausted one.
	if !l.Allow("new") {
		t.Fatal("a new key was refused")
	}
	if l.Allow("busy") {
		t.Error("pruning forgot an exhausted bucket")
	}
}

func TestClockSteppingBack(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := ratelimit.New(2, 1, c.now)
	l.Allow("k")
	c.t = c.t.Add(-time.Hour) // an NTP step backwards
	if !l.Allow("k") {
		t.Fatal("the second token of the burst was lost when the clock stepped back")
	}
	if l.Allow("k") {
		t.Error("a third request passed a burst of 2")
	}
}

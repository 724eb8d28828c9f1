package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeBudget returns a budget whose clock the test moves.
func fakeBudget(share float64, burst, maxWait time.Duration) (*hashBudget, *time.Time) {
	now := time.Unix(1_800_000_000, 0)
	b := newHashBudget(share, burst, maxWait)
	b.now = func() time.Time { return now }
	return b, &now
}

// TestHashBudgetShare checks the budget's arithmetic: after the burst, a
// hash of 40 ms at a share of a quarter CPU waits 160 ms behind the
// previous one, so hashing averages a quarter of one CPU.
func TestHashBudgetShare(t *testing.T) {
	const took = 40 * time.Millisecond
	b, now := fakeBudget(0.25, 80*time.Millisecond, time.Second)
	var waits []time.Duration
	for range 6 {
		wait, booked, ok := b.reserve()
		if !ok {
			t.Fatalf("reserve refused after %d hashes", len(waits))
		}
		waits = append(waits, wait)
		b.settle(booked, took)
	}
	// The first hash books nothing (no estimate yet) and is charged 160 ms
	// when settled; the burst of 80 ms hashing is a window of 320 ms, so
	// the first three start at once and then each waits 160 ms more.
	want := []time.Duration{0, 0, 0, 160 * time.Millisecond, 320 * time.Millisecond, 480 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits = %v, want %v", waits, want)
		}
	}
	// Time passing repays the budget: 2 s later hashing starts at once.
	*now = now.Add(2 * time.Second)
	if wait, _, ok := b.reserve(); !ok || wait != 0 {
		t.Errorf("reserve after a quiet period = %v, %v; want no wait", wait, ok)
	}
}

// TestHashBudgetRefuses checks that a caller who would wait longer than
// maxWait is refused without booking anything, and that a cancelled
// booking is given back.
func TestHashBudgetRefuses(t *testing.T) {
	b, _ := fakeBudget(0.5, 0, 500*time.Millisecond)
	_, booked, _ := b.reserve()
	b.settle(booked, 100*time.Millisecond) // 200 ms of budget
	wait, booked, ok := b.reserve()        // books the estimate, 200 ms
	if !ok || wait != 200*time.Millisecond {
		t.Fatalf("second reserve = %v, %v; want a 200 ms wait", wait, ok)
	}
	if w, _, ok := b.reserve(); !ok || w != 400*time.Millisecond {
		t.Fatalf("third reserve = %v, %v; want a 400 ms wait", w, ok)
	}
	if _, _, ok := b.reserve(); ok {
		t.Fatalf("fourth reserve (600 ms wait > 500 ms) accepted")
	}
	b.cancel(booked)
	if w, _, ok := b.reserve(); !ok || w != 400*time.Millisecond {
		t.Errorf("reserve after a cancel = %v, %v; want 400 ms (the cancelled booking given back)", w, ok)
	}
}

// TestHasherBudget drives the real hasher with a budget that has room for
// one hash only: the next one would wait beyond maxWait and is refused with
// ErrBusy; a caller whose context ends while it waits gives its booking
// back.
func TestHasherBudget(t *testing.T) {
	h := newHasher(Argon2Params{Memory: 64, Time: 1, Threads: 1}, 1, 8)
	// A tiny share makes even a fast hash cost seconds of budget.
	h.budget = newHashBudget(1e-6, 0, time.Millisecond)
	ctx := t.Context()
	enc, err := h.Hash(ctx, "password")
	if err != nil {
		t.Fatalf("first Hash = %v", err)
	}
	if h.budget.est <= 0 {
		t.Errorf("a hash was charged %v, want its CPU time", h.budget.est)
	}
	if _, err := h.Verify(ctx, enc, "password"); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify beyond the budget = %v, want ErrBusy", err)
	}
	if n := h.waiting.Load(); n != 0 {
		t.Errorf("%d callers still counted as waiting after a refusal", n)
	}

	h.budget = newHashBudget(1e-6, 0, time.Hour)
	h.Hash(ctx, "password") // the budget is now hours ahead
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(cctx, "password"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash whose context ends while waiting = %v, want DeadlineExceeded", err)
	}
	if n := h.waiting.Load(); n != 0 {
		t.Errorf("%d callers still counted as waiting after a cancel", n)
	}
}

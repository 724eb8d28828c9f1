package auth

import (
	"sync"
	"time"
)

// Password hashing is bounded by a budget of CPU time, not only by a number
// of concurrent hashes. A semaphore alone lets a storm of sign-ins keep its
// slots busy back to back: on a two-core machine one slot is half the CPU,
// plus the garbage collection that 19 MiB per hash drives, and token and API
// latency grows many times over. The budget instead says what share of one
// CPU hashing may use on average (for example a quarter), so the rest of
// the machine keeps serving at its idle latency however many sign-ins
// arrive; sign-ins beyond the budget wait their turn, and those that would
// wait longer than a bound are refused at once (ErrBusy: the sign-in page
// answers 503 "try again in a moment").
//
// The budget is a virtual-clock limiter (the generic cell rate algorithm):
// tat is the time at which all hashing granted so far is paid for, each
// hash of duration d adding d/share. A hash may start once tat is at most
// burst/share ahead of now, so after a quiet period a burst of hashing time
// (a few sign-ins at once, an administrator setting passwords) runs without
// waiting. The cost of a hash is the CPU time of the hashing thread that
// computed it (see hashPool and measureCost), not its wall time: on a
// machine shared with other work, or with the hashing thread at low
// priority, a hash that waits for a CPU would otherwise be overcharged and
// sign-ins throttled for what others do. Reservations are made with an
// estimate (a moving average of measured costs) and corrected when the
// hash ends, so concurrent callers queue in order without knowing the cost
// in advance.
//
// The budget uses the real clock, never the service's injectable one: it
// accounts for CPU time actually spent.
//
// The budget bounds how much CPU hashing takes; where hashing runs, at
// what priority and in what memory is hashPool's part.

// hashBudget limits the average CPU share of password hashing. Its zero
// value is not usable; see newHashBudget.
type hashBudget struct {
	share   float64       // CPU-seconds of hashing per second
	window  time.Duration // burst/share: how far tat may run ahead of now
	maxWait time.Duration // longest wait for the budget before ErrBusy
	now     func() time.Time

	mu  sync.Mutex
	tat time.Time     // when the hashing granted so far is paid for
	est time.Duration // estimated cost of the next hash
}

// newHashBudget returns a budget of share CPU-seconds of hashing per second,
// letting burst of hashing time run back to back after a quiet period and
// refusing callers who would wait longer than maxWait.
func newHashBudget(share float64, burst, maxWait time.Duration) *hashBudget {
	return &hashBudget{share: share, window: scale(burst, share), maxWait: maxWait, now: time.Now}
}

// scale returns d/share.
func scale(d time.Duration, share float64) time.Duration {
	return time.Duration(float64(d) / share)
}

// reserve books the next hash and returns how long the caller must wait
// before starting it, and the booked cost to pass to settle or cancel. ok
// is false, with nothing booked, if the wait would exceed maxWait.
func (b *hashBudget) reserve() (wait, booked time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.tat.Before(now) {
		b.tat = now
	}
	start := b.tat.Add(-b.window)
	if wait = start.Sub(now); wait < 0 {
		wait = 0
	}
	if wait > b.maxWait {
		return 0, 0, false
	}
	booked = scale(b.est, b.share)
	b.tat = b.tat.Add(booked)
	return wait, booked, true
}

// settle replaces the booked cost of a finished hash by its measured cost
// and updates the estimate (a moving average with weight 1/4).
func (b *hashBudget) settle(booked, took time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tat = b.tat.Add(scale(took, b.share) - booked)
	if b.est == 0 {
		b.est = took
	} else {
		b.est += (took - b.est) / 4
	}
}

// cancel gives back the booking of a caller that gave up before hashing.
func (b *hashBudget) cancel(booked time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tat = b.tat.Add(-booked)
}

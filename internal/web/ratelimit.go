package web

import (
	"sync"
	"time"
)

// Limits are the per-client rate limits of the pages, as token buckets:
// Burst attempts at once, refilled at PerMinute. They live in memory on
// each replica; the lockouts of package auth are the cross-replica limit.
type Limits struct {
	// SignIn limits POSTs of the sign-in, code and invitation forms per
	// client IP.
	SignInBurst     int
	SignInPerMinute float64
	// DeviceIP and DeviceSession limit wrong or expired device user codes
	// per client IP and per session (RFC 8628 §5.1): with 8 characters
	// from a 20-letter alphabet, a handful of guesses per code lifetime
	// keeps the chance of hitting a live code negligible.
	DeviceIPBurst          int
	DeviceIPPerMinute      float64
	DeviceSessionBurst     int
	DeviceSessionPerMinute float64
}

// DefaultLimits are the limits New applies when Options.Limits is zero.
var DefaultLimits = Limits{
	SignInBurst: 30, SignInPerMinute: 20,
	DeviceIPBurst: 20, DeviceIPPerMinute: 1,
	DeviceSessionBurst: 5, DeviceSessionPerMinute: 0.1,
}

// maxBuckets bounds a limiter's memory; when it is full, buckets that have
// refilled completely are dropped (they hold no information), and if none
// has, all are.
const maxBuckets = 100_000

// limiter is a set of token buckets by key. It is safe for concurrent use.
type limiter struct {
	burst   float64
	perSec  float64
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(burst int, perMinute float64, now func() time.Time) *limiter {
	return &limiter{burst: float64(max(1, burst)), perSec: perMinute / 60, now: now, buckets: map[string]*bucket{}}
}

// refill returns key's bucket brought up to date (l.mu held).
func (l *limiter) refill(key string) *bucket {
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
		return b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.perSec)
	b.last = now
	return b
}

func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.perSec >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// allow takes one token from key's bucket and reports whether there was
// one.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// ok reports whether key's bucket has a token, without taking it.
func (l *limiter) ok(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refill(key).tokens >= 1
}

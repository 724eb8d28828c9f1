// Package ratelimit is a set of token buckets keyed by string: Burst
// requests at once per key, refilled at a steady rate. The web pages limit
// sign-ins and device-code guesses per client with it, the portal API
// requests per bearer token.
//
// Buckets live in memory on each replica (a limit per replica, not per
// fleet); a Limiter holds at most maxBuckets of them.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// maxBuckets bounds a limiter's memory; when it is full, buckets that have
// refilled completely are dropped (they hold no information), and if none
// has, all are.
const maxBuckets = 100_000

// Limiter is a set of token buckets by key. It is safe for concurrent use.
type Limiter struct {
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

// New returns a limiter whose buckets hold burst tokens (at least 1) and
// refill at perSecond; now is the clock (time.Now if nil).
func New(burst int, perSecond float64, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{burst: float64(max(1, burst)), perSec: perSecond, now: now, buckets: map[string]*bucket{}}
}

// refill returns key's bucket brought up to date (l.mu held).
func (l *Limiter) refill(key string) *bucket {
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
	if d := now.Sub(b.last); d > 0 { // a clock that steps back refills nothing
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.perSec)
		b.last = now
	}
	return b
}

func (l *Limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.perSec >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// Allow takes one token from key's bucket and reports whether there was
// one.
func (l *Limiter) Allow(key string) bool {
	ok, _ := l.Take(key)
	return ok
}

// Take is Allow that, when there is no token, also says how long until
// there will be one (a Retry-After).
func (l *Limiter) Take(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if l.perSec <= 0 {
		return false, time.Duration(math.MaxInt64)
	}
	return false, time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
}

// OK reports whether key's bucket has a token, without taking it.
func (l *Limiter) OK(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refill(key).tokens >= 1
}

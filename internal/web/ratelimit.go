package web

// Limits are the per-client rate limits of the pages, as token buckets:
// Burst attempts at once, refilled at PerMinute. They live in memory on
// each replica (package ratelimit); the lockouts of package auth are the
// cross-replica limit.
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

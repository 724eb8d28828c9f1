package store

import (
	"context"
	"time"
)

// PollRule is RFC 8628 §3.5's polling rule as internal/oauth applies it:
// the first Free polls of a device code are never too early; after them a
// poll less than Interval×(1−Slack) after the previous one is too early
// and adds Step to Interval for that poll and all later ones.
type PollRule struct {
	Interval time.Duration
	Step     time.Duration
	Slack    float64
	Free     int
}

// DevicePolls is an optional ability of a Store whose database several
// replicas share (PostgreSQL): the poll timing of device codes, kept in
// the database so that a client whose polls hop between replicas is held
// to one interval (SECURITY.md MR-01). A lone replica keeps it in memory
// instead; this costs a round trip per poll, so callers use it only while
// SharedClock.HasPeers.
type DevicePolls interface {
	// PollDevice records a poll of the device code whose hash is hash,
	// at the database's clock, and reports whether it came too early
	// under rule. The state is dropped by DeleteExpiredOAuth once expires
	// has passed. It is not durable: a database crash forgets it, which
	// only forgives polls. errors.ErrUnsupported on a store without it.
	PollDevice(ctx context.Context, hash string, expires time.Time, rule PollRule) (tooFast bool, err error)
}

package store

import (
	"context"
	"time"
)

// SharedClock is an optional ability of a Store whose database several
// replicas may share (PostgreSQL): it reads the database server's clock,
// the one clock every replica can see, and tells whether other replicas
// share the database now. Replicas whose own clocks disagree decide
// expiry from it (see internal/server, SECURITY.md MR-07).
type SharedClock interface {
	// DatabaseTime returns the database server's current time (not the
	// transaction's start). errors.ErrUnsupported means the store has no
	// shared clock (an embedded database has no other replica to agree
	// with).
	DatabaseTime(ctx context.Context) (time.Time, error)
	// HasPeers reports whether another live replica shares the database
	// now. It is cheap enough to call on every decision.
	HasPeers() bool
}

package server

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/idcenter/idcenter/internal/store"
)

// Clocks of replicas (SECURITY.md MR-07).
//
// Expiry is decided by comparing a stored or sealed instant (a device
// code's, an authorization code's, an access token's, a session's expiry;
// a refresh token's rotation time) with "now". Replicas that share a
// database but not a clock would disagree near every such instant: with B
// three minutes ahead of A, a device code A issued is expired on B three
// minutes before it is on A, so a client whose requests alternate between
// them sees it flap between valid and expired, an authorization code
// issued on A (60 s) is already expired on B, and a refresh token A
// rotated a second ago looks three minutes old to B, past the retry grace,
// so a retry there revokes the whole family.
//
// So every service of a server reads one clock, sharedClock, and the rule
// is: a replica alone on its database (SQLite always; PostgreSQL while no
// other replica holds a live lease) uses its own clock, the only one that
// decides anything; a replica with peers uses the database server's clock,
// as estimated from its own: local time plus an offset measured by reading
// clock_timestamp() (best of three round trips, at start and every
// ClockSampleInterval). Two replicas then disagree by at most the sum of
// their estimates' errors, each at most half its sample's round trip (a
// sample slower than maxClockSampleRTT is not used) plus the drift of the
// local clock since the sample — milliseconds, where the local clocks may
// be minutes apart. A replica that gains its first peer moves from its own
// clock to the database's at once; under NTP that is a jump of
// milliseconds.

// ClockSampleInterval is how often a replica on a shared database re-reads
// the database's clock.
const ClockSampleInterval = 10 * time.Second

// maxClockSampleRTT bounds the round trip of a usable clock sample: the
// estimate's error is up to half of it.
const maxClockSampleRTT = 100 * time.Millisecond

var errSlowSample = errors.New("database clock readings too slow to trust")

// sharedClock is the clock of all of a server's services (see above). It
// is safe for concurrent use.
type sharedClock struct {
	local func() time.Time
	db    store.SharedClock // nil: the local clock, always
	// offset is what to add to local time to get the database's, in
	// nanoseconds, as of the last good sample.
	offset atomic.Int64
}

// newSharedClock returns the clock of a server on st whose local clock is
// local. It reads the database's clock once if st has one.
func newSharedClock(ctx context.Context, local func() time.Time, st store.Store) (*sharedClock, error) {
	c := &sharedClock{local: local}
	sc, ok := st.(store.SharedClock)
	if !ok {
		return c, nil
	}
	c.db = sc
	switch err := c.sample(ctx); {
	case errors.Is(err, errors.ErrUnsupported):
		c.db = nil
	case errors.Is(err, errSlowSample):
		// Not a reason to refuse to start: the offset stays zero (the
		// local clock) until a sample succeeds.
	case err != nil:
		return nil, err
	}
	return c, nil
}

// Now returns the time every expiry decision of this server uses.
func (c *sharedClock) Now() time.Time {
	t := c.local()
	if c.db != nil && c.db.HasPeers() {
		return t.Add(time.Duration(c.offset.Load()))
	}
	return t
}

// shared reports whether the clock follows a database's clock when peers
// exist (and so needs sampling).
func (c *sharedClock) shared() bool { return c.db != nil }

// sample measures the offset of the database's clock from the local one,
// keeping the reading with the shortest round trip of three (assumed to
// have been taken at its midpoint).
func (c *sharedClock) sample(ctx context.Context) error {
	best, off := time.Duration(-1), time.Duration(0)
	for range 3 {
		t0 := c.local()
		dt, err := c.db.DatabaseTime(ctx)
		if err != nil {
			return err
		}
		rtt := c.local().Sub(t0)
		if best < 0 || rtt < best {
			best, off = rtt, dt.Sub(t0.Add(rtt/2))
		}
	}
	if best > maxClockSampleRTT {
		return fmt.Errorf("%w: fastest of three took %v; keeping the previous offset", errSlowSample, best)
	}
	c.offset.Store(int64(off))
	return nil
}

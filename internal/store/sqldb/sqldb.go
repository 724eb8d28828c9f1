// Package sqldb implements the store contract once, in hand-written SQL that
// both backends run: embedded SQLite (internal/store/sqlite) and PostgreSQL
// (internal/store/postgres). The two dialects share one schema and one
// migration history (migrations/*.sql); where their SQL must differ, the
// Dialect carries both statements side by side.
//
// Statements use $1-style placeholders, which both drivers accept.
// sqldb imports store and idc; it never imports a driver (the backend
// packages do).
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/idcenter/idcenter/internal/store"
)

// Dialect holds what differs between the backends.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(error) bool
	// IsForeignKey reports whether err is a foreign-key violation.
	IsForeignKey func(error) bool
	// Constraint names the constraint a violation err failed ("" when the
	// driver does not say, as SQLite's does not for foreign keys). Nil
	// for a dialect that never names one.
	Constraint func(error) string
	// IsRetryable reports whether the transaction should be retried
	// (serialization failure, deadlock, busy).
	IsRetryable func(error) bool
	// Lock serialises migrations across processes; it returns an unlock
	// function. The SQLite backend relies on its single writer instead.
	Lock func(ctx context.Context, conn *sql.Conn) (func(), error)
	// CacheStatements makes sqldb prepare each SQL text once per pool
	// (worth it where the driver does not cache prepared statements).
	CacheStatements bool
	// GroupCommit runs write transactions through one goroutine that commits
	// concurrent transactions together (see groupWriter). Only for a backend
	// with a single write connection; it requires CacheStatements.
	GroupCommit bool
	// Listen opens a connection of its own, with application_name name,
	// that listens on channel; with it, the DB keeps replica coherence
	// (replicas.go) so that entitlement indexes can answer from memory on a
	// database other processes write.
	Listen func(ctx context.Context, channel, name string) (Listener, error)
	// ReplicaLease is the coherence lease (DefaultReplicaLease if zero).
	ReplicaLease time.Duration
	// Logger receives the store's warnings; slog.Default() if nil.
	Logger *slog.Logger
}

// DB is an open database: a pool for writes (for SQLite exactly one
// connection) and a pool for reads.
type DB struct {
	queries
	w, r   *sql.DB
	wc, rc *stmtCache   // nil unless the dialect caches statements
	gw     *groupWriter // nil unless the dialect uses group commit
	d      *Dialect
	now    func() time.Time

	// commits counts the transactions committed through Tx; exclusive says
	// no other process writes the database (see LocalCommits), and release
	// gives up what makes it so when the DB closes.
	commits   atomic.Uint64
	exclusive bool
	release   func() error
	feed      feedConn  // PostgreSQL feed reads (accesschanges.go)
	reps      *replicas // replica coherence, if the dialect can Listen
	feedReads atomic.Uint64
}

// New wraps opened pools. write receives every transaction; read serves
// non-transactional reads (it may be the same pool). New applies pending
// migrations before returning.
func New(ctx context.Context, write, read *sql.DB, d *Dialect) (*DB, error) {
	db := &DB{w: write, r: read, d: d, now: time.Now}
	db.queries = queries{ex: read, d: d}
	if err := db.migrate(ctx); err != nil {
		return nil, err
	}
	if d.CacheStatements {
		db.wc, db.rc = newStmtCache(write), newStmtCache(read)
		db.queries = queries{ex: cachedDB{db.rc}, d: d}
		if d.GroupCommit {
			db.gw = newGroupWriter(write, db.wc, d)
		}
	}
	if d.Listen != nil {
		db.reps = newReplicas(db, d.Listen, d.ReplicaLease, db.logger())
	}
	return db, nil
}

// logger is the dialect's Logger, or slog.Default().
func (db *DB) logger() *slog.Logger {
	if db.d.Logger != nil {
		return db.d.Logger
	}
	return slog.Default()
}

var _ store.Store = (*DB)(nil)

// Backend implements store.Store.
func (db *DB) Backend() string { return db.d.Name }

// Ping implements store.Store.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	return db.r.PingContext(ctx)
}

// Close implements store.Store.
func (db *DB) Close() error {
	if db.reps != nil {
		db.reps.close()
	}
	db.feed.close()
	if db.gw != nil {
		db.gw.close()
	}
	if db.wc != nil {
		db.wc.close()
		db.rc.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if db.release != nil {
		err = errors.Join(err, db.release())
	}
	return err
}

// Tx implements store.Store.
func (db *DB) Tx(ctx context.Context, fn func(q store.Queries) error) error {
	err := db.runTx(ctx, fn)
	if err == nil {
		db.commits.Add(1)
	}
	return err
}

// SetExclusive records that this process is the database's only writer
// (the SQLite backend holds a lock on the file for it); release runs when
// the DB closes.
func (db *DB) SetExclusive(release func() error) {
	db.exclusive, db.release = true, release
}

// LocalCommits implements store.AccessFeed.
func (db *DB) LocalCommits() (n uint64, only bool) {
	return db.commits.Load(), db.exclusive
}

// AccessVersion implements store.AccessFeed: on SQLite the local commit
// count, exact because this process is the file's only writer; on
// PostgreSQL that count plus the changes other replicas announced, exact
// while this replica's coherence lease is valid (replicas.go).
func (db *DB) AccessVersion() (n uint64, exact bool) {
	if db.reps != nil {
		// Validity first: a join bumps the version before it makes the
		// replica valid, so a replica valid now has its version bumped.
		valid := db.reps.valid()
		return db.commits.Load() + db.reps.version.Load(), valid
	}
	return db.commits.Load(), db.exclusive
}

// FeedReads reports how many times the access feed was read (for tests
// and diagnostics: an entitlement index answering from memory reads it
// only after changes).
func (db *DB) FeedReads() uint64 { return db.feedReads.Load() }

// ReplicaState reports, for tests and diagnostics, whether this DB keeps
// replica coherence, whether it may answer from memory now, and how many
// peers it knows.
func (db *DB) ReplicaState() (coherent, valid bool, peers int) {
	if db.reps == nil {
		return false, false, 0
	}
	db.reps.mu.Lock()
	defer db.reps.mu.Unlock()
	return true, db.reps.valid(), len(db.reps.peers)
}

var _ store.SharedClock = (*DB)(nil)

// DatabaseTime implements store.SharedClock: PostgreSQL's
// clock_timestamp(); errors.ErrUnsupported on a database without replica
// coherence (SQLite), which no other replica shares.
func (db *DB) DatabaseTime(ctx context.Context) (time.Time, error) {
	if db.reps == nil {
		return time.Time{}, errors.ErrUnsupported
	}
	var t time.Time
	if err := db.r.QueryRowContext(ctx, `SELECT clock_timestamp()`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read database time: %w", err)
	}
	return t, nil
}

// HasPeers implements store.SharedClock: whether this replica knows a peer
// with a live lease (see replicas.go).
func (db *DB) HasPeers() bool {
	return db.reps != nil && db.reps.npeers.Load() > 0
}

var _ store.DevicePolls = (*DB)(nil)

// pollDeviceSQL records one poll (see DB.PollDevice). Every expression of
// the UPDATE reads the row as it was before the poll; clock_timestamp()
// is the one clock of all replicas.
const pollDeviceSQL = `INSERT INTO oauth_device_polls AS p (device_code_hash, last_ms, interval_ms, polls, slowed, expires_at)
VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, $2, 1, false, $3)
ON CONFLICT (device_code_hash) DO UPDATE SET
    slowed = p.polls >= $4 AND EXCLUDED.last_ms - p.last_ms < p.interval_ms * $5::float8,
    interval_ms = CASE WHEN p.polls >= $4 AND EXCLUDED.last_ms - p.last_ms < p.interval_ms * $5::float8
        THEN p.interval_ms + $6 ELSE p.interval_ms END,
    polls = p.polls + 1,
    last_ms = EXCLUDED.last_ms
RETURNING slowed`

// PollDevice implements store.DevicePolls on PostgreSQL (an UNLOGGED
// table, migration 0013): one statement, atomic per device code however
// many replicas poll it at once. errors.ErrUnsupported on SQLite.
func (db *DB) PollDevice(ctx context.Context, hash string, expires time.Time, rule store.PollRule) (bool, error) {
	if db.reps == nil {
		return false, errors.ErrUnsupported
	}
	var slowed bool
	err := db.w.QueryRowContext(ctx, pollDeviceSQL, hash, rule.Interval.Milliseconds(), ms(expires),
		rule.Free, 1-rule.Slack, rule.Step.Milliseconds()).Scan(&slowed)
	if err != nil {
		return false, fmt.Errorf("record device poll: %w", err)
	}
	return slowed, nil
}

func (db *DB) runTx(ctx context.Context, fn func(q store.Queries) error) error {
	if db.gw != nil {
		return db.gw.submit(ctx, fn)
	}
	const attempts = 8
	var err error
	for i := range attempts {
		err = db.tx(ctx, fn)
		if err == nil || !db.d.IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		// Back off a little, growing, before retrying a conflicted transaction.
		t := time.NewTimer(time.Duration(1<<i) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

func (db *DB) tx(ctx context.Context, fn func(q store.Queries) error) (err error) {
	var misses []string
	if db.wc != nil {
		// Runs last, after the commit or rollback below has given the
		// connection back: prepare the statements the transaction missed.
		defer func() {
			for _, q := range misses {
				db.wc.get(ctx, q)
			}
		}()
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	ended := false // committed, or its COMMIT failed
	defer func() {
		// Whatever ends the function without reaching COMMIT — an error,
		// a panic, runtime.Goexit (t.FailNow in a test) — must not leave
		// the transaction open: its connection, and every lock it took,
		// would be held for ever.
		if !ended {
			_ = tx.Rollback()
		}
	}()
	var ex execer = tx
	if db.wc != nil {
		ex = cachedTx{tx: tx, c: db.wc, misses: &misses}
	}
	if err = fn(queries{ex: ex, d: db.d, inTx: true}); err != nil {
		return err
	}
	var ticket commitTicket
	if db.reps != nil {
		if ticket, err = db.reps.beforeCommit(ctx, ex); err != nil {
			return err
		}
	}
	ended = true
	if err = tx.Commit(); err != nil {
		if !db.d.IsRetryable(err) {
			// The outcome is unknown (the connection failed, or the
			// context ended, with COMMIT on the wire): it may have
			// committed, so count it and tell the peers as if it had.
			db.commits.Add(1)
			if db.reps != nil {
				db.reps.uncertain(ctx, ticket)
			}
		} else if db.reps != nil && ticket.notified != 0 {
			db.reps.unregister(ticket.notified)
		}
		return fmt.Errorf("commit: %w", err)
	}
	if db.reps != nil {
		db.reps.afterCommit(ctx, ticket)
	}
	return nil
}

// execer is what *sql.DB and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements store.Queries on an execer.
type queries struct {
	ex execer
	d  *Dialect
	// inTx is set in a transaction of DB.Tx (where a failed statement
	// ends the PostgreSQL transaction unless a savepoint contains it).
	inTx bool
}

var _ store.Queries = queries{}

// exec runs a write and translates constraint errors to store errors.
func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.ex.ExecContext(ctx, query, args...)
	return res, q.wrap(err)
}

// wrap translates driver errors to the store's sentinels.
func (q queries) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case q.d.IsUnique(err):
		return fmt.Errorf("%w: %w", store.ErrDuplicate, err)
	case q.d.IsForeignKey(err):
		return fmt.Errorf("%w: %w", store.ErrReferenced, err)
	}
	return err
}

// definite reports whether err says for sure that a statement committed
// nothing: a conflict the database rolled back, a constraint violation, no
// row. Other errors (a broken connection, an ended context) leave the
// outcome unknown.
func (db *DB) definite(err error) bool {
	return db.d.IsRetryable(err) || db.d.IsUnique(err) || db.d.IsForeignKey(err) ||
		errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrDuplicate) || errors.Is(err, store.ErrReferenced)
}

// mustAffect returns store.ErrNotFound when a write touched no row.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Times are stored as Unix milliseconds (BIGINT) in both dialects.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// limit returns a safe LIMIT for a page.
func limit(p store.Page) int {
	if p.Limit <= 0 || p.Limit > 1000 {
		return 1000
	}
	return p.Limit
}

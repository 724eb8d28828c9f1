// Package sqlite opens idcenter's embedded store: a pure-Go SQLite database
// (modernc.org/sqlite, no cgo) in WAL mode with synchronous=FULL, so every
// acknowledged commit survives a crash or power loss.
//
// Writes go through a single connection (SQLite has one writer) whose
// transactions begin IMMEDIATE, so a writer never fails half-way with
// SQLITE_BUSY; reads use a separate pool that runs concurrently with it.
// This package owns the driver import; everything else is in sqldb.
//
// One process at a time may open a database file: Open takes an exclusive
// lock on a sidecar file (path + ".lock"), so the store can tell the
// entitlement index that every write goes through it (see
// store.AccessFeed.LocalCommits).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/idcenter/idcenter/internal/store/sqldb"
)

// Open opens (creating if needed) the database file at path and applies
// migrations.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	dsn := func(extra string) string {
		v := url.Values{}
		v.Add("_pragma", "journal_mode(WAL)")
		v.Add("_pragma", "synchronous(FULL)")
		v.Add("_pragma", "foreign_keys(1)")
		v.Add("_pragma", "busy_timeout(10000)")
		// temp_store stays FILE: with MEMORY, savepoint journals saved
		// the group writer a write(2) per page (~12 µs a create), but
		// closing each statement walks the in-memory journal from its
		// start, so a job of N statements cost O(N²) (5,000 inserts in
		// one transaction: 1.75 s more).
		v.Add("_time_format", "sqlite")
		return "file:" + path + "?" + v.Encode() + extra
	}
	release, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	unlock := func() {
		if release != nil {
			release()
		}
	}
	// The writer's page cache is 4 MiB (SQLite's default is 2). A larger
	// one held more of the index pages that inserts revisit, but a page
	// split that reorders sibling pages swaps their numbers through the
	// lock-byte page (number 262,145 at 4 KiB pages), and the commit then
	// drops every cached page above the database's end by scanning the
	// cache's whole hash table: at 32 MiB, 40–56 µs a create. The log is
	// checkpointed every 4,000 pages rather than 1,000, so a page rewritten
	// in between is copied once. Together, on CreateAccountAssignment at 4
	// clients, alternated with the previous 32 MiB / 1,000 settings: the
	// writer's CPU time 344–375 µs a create against 375–436 µs. The log
	// file keeps its size between checkpoints (about 16 MiB); if a long
	// read held a checkpoint back and it grew past 64 MiB, it is cut back
	// to that when it restarts (journal_size_limit).
	//
	// Tried and dropped: checkpointing from a connection of its own beside
	// the writer cut the p99 of a create's completion (9–10 ms to 6–7 ms)
	// but cost 8–15 % of the throughput on two cores, at any interval from
	// 100 ms to 3 s; and syncing the log from a goroutine of its own, off
	// the writer's path (synchronous=NORMAL, each batch acknowledged after
	// a later sync), made the writer, no longer waiting, commit smaller
	// batches, whose extra commits cost more CPU than the overlap saved.
	w, err := sql.Open("sqlite", dsn("&_txlock=immediate&_pragma=cache_size(-4096)&_pragma=wal_autocheckpoint(4000)&_pragma=journal_size_limit(67108864)"))
	if err != nil {
		unlock()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		unlock()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	db, err := sqldb.New(ctx, w, r, Dialect())
	if err != nil {
		w.Close()
		r.Close()
		unlock()
		return nil, err
	}
	if release != nil {
		db.SetExclusive(release)
	}
	return db, nil
}

func code(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// Dialect returns the SQLite dialect.
func Dialect() *sqldb.Dialect {
	return &sqldb.Dialect{
		Name: "sqlite",
		IsUnique: func(err error) bool {
			c := code(err)
			return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
		},
		IsForeignKey: func(err error) bool { return code(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY },
		IsRetryable: func(err error) bool {
			c := code(err) & 0xff
			return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
		},
		// The single writer connection serialises migrations within a
		// process, and BEGIN IMMEDIATE with busy_timeout serialises
		// processes sharing the file.
		Lock:            nil,
		CacheStatements: true,
		GroupCommit:     true,
	}
}

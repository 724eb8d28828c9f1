package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the statement cache; statements beyond it (only
// dynamically built SQL could get there) run unprepared.
const maxCachedStatements = 512

// stmtCache keeps one prepared statement per SQL text for a pool. Parsing
// and planning SQL is a large share of a small query's cost in the embedded
// SQLite; database/sql re-prepares a cached statement on each pooled
// connection on first use. (pgx caches prepared statements by itself, so the
// PostgreSQL backend does not use this.)
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// get returns the prepared statement for query, or nil if it cannot be
// cached (the caller then runs the query directly).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	s := c.m[query]
	c.mu.RUnlock()
	if s != nil {
		return s
	}
	c.mu.RLock()
	full := len(c.m) >= maxCachedStatements
	c.mu.RUnlock()
	if full {
		return nil
	}
	// Prepare without holding the lock: preparing needs a pooled connection,
	// and a transaction holding SQLite's only write connection may be
	// waiting for this lock (cachedTx.stmt).
	s, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil // let the direct call report the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		s.Close()
		return old
	}
	c.m[query] = s
	return s
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.m {
		s.Close()
		delete(c.m, k)
	}
}

// cachedDB runs statements on a pool through the cache.
type cachedDB struct{ c *stmtCache }

func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := d.c.get(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return d.c.db.ExecContext(ctx, query, args...)
}

func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := d.c.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return d.c.db.QueryContext(ctx, query, args...)
}

func (d cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := d.c.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return d.c.db.QueryRowContext(ctx, query, args...)
}

// cachedTx runs statements in a transaction through the cache of the pool
// the transaction belongs to. It never prepares while the transaction holds
// its connection (SQLite's write pool has exactly one, so preparing on the
// pool would wait for ever): a statement not cached yet runs directly and is
// noted in misses, and DB.tx prepares the misses once the transaction ends.
type cachedTx struct {
	tx     *sql.Tx
	c      *stmtCache
	misses *[]string
	// detach runs every statement on a context that is not cancelled with
	// the caller's (see groupWriter).
	detach bool
}

func (t cachedTx) stmt(ctx context.Context, query string) *sql.Stmt {
	t.c.mu.RLock()
	s := t.c.m[query]
	t.c.mu.RUnlock()
	if s == nil {
		*t.misses = append(*t.misses, query)
		return nil
	}
	return t.tx.StmtContext(ctx, s)
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.detach {
		ctx = context.WithoutCancel(ctx)
	}
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.detach {
		ctx = context.WithoutCancel(ctx)
	}
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if t.detach {
		ctx = context.WithoutCancel(ctx)
	}
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

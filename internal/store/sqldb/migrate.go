package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order. A file is
// named NNNN_name.sql; statements are separated by lines holding only ";".
// Where the dialects differ, a statement block may start with a line
// "-- sqlite" or "-- postgres" and then applies to that dialect only.
func migrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		name := e.Name()
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %q: bad version", name)
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %q and %q share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// statements splits a migration into the statements for dialect.
func statements(src, dialect string) []string {
	var out []string
	for _, block := range strings.Split(src, "\n;\n") {
		b := strings.TrimSpace(block)
		b = strings.TrimSuffix(b, ";")
		if b == "" {
			continue
		}
		first, rest, _ := strings.Cut(b, "\n")
		switch strings.TrimSpace(first) {
		case "-- sqlite", "-- postgres":
			if strings.TrimSpace(first) != "-- "+dialect {
				continue
			}
			b = rest
		}
		if strings.TrimSpace(stripComments(b)) == "" {
			continue
		}
		out = append(out, b)
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// migrate applies pending migrations, each in its own transaction, under the
// dialect's cross-process lock, so replicas starting at once are safe: the
// loser of the lock finds the work done.
func (db *DB) migrate(ctx context.Context) error {
	list, err := migrations()
	if err != nil {
		return err
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if db.d.Lock != nil {
		unlock, err := db.d.Lock(ctx, conn)
		if err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer unlock()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range list {
		if applied[m.version] {
			continue
		}
		if err := db.applyRetrying(ctx, conn, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// migrationTries bounds how often a migration that lost a deadlock is run
// again; the waits between tries double from 50 ms (≈ 6 s in all).
const migrationTries = 8

// applyRetrying applies m, running its transaction again when the
// database rolled it back as a deadlock victim or a serialization failure.
// A migration that locks tables waits for the transactions of replicas of
// the previous version still running during a rolling upgrade, and those
// take the same tables in other orders (migration 0020's own comment has
// an example), so either side may be chosen to break a cycle; nothing of a
// rolled-back migration has committed, so running it again is safe.
func (db *DB) applyRetrying(ctx context.Context, conn *sql.Conn, m migration) error {
	wait := 50 * time.Millisecond
	for try := 1; ; try++ {
		err := db.apply(ctx, conn, m)
		if err == nil || try == migrationTries || !db.d.IsRetryable(err) {
			return err
		}
		db.logger().Warn("migration rolled back; running it again", "migration", m.name, "try", try, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

// apply runs m and records it in one transaction, unless another process
// applied it first.
func (db *DB) apply(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	// Another process may have applied it since we looked (SQLite has no
	// advisory lock; its IMMEDIATE transaction is the serialisation point).
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	for _, s := range statements(m.sql, db.d.Name) {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.version, m.name, ms(db.now())); err != nil {
		return err
	}
	return tx.Commit()
}

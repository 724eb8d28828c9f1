// Package postgres opens idcenter's PostgreSQL store through pgx's
// database/sql driver. Any number of idcenter replicas may share one
// database: migrations run under a session advisory lock, and transactions
// that lose a serialization race are retried by sqldb.
//
// This package owns the driver import; everything else is in sqldb.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/idcenter/idcenter/internal/store/sqldb"
)

// migrationLockID is the advisory lock key that serialises migrations
// ("idcenter" in ASCII, as an int64).
const migrationLockID = 0x6964636e74657200

// Options tunes Open.
type Options struct {
	// ReplicaLease is the replica coherence lease (sqldb.DefaultReplicaLease
	// if zero); tests shorten it.
	ReplicaLease time.Duration
	// Logger receives the store's own warnings (replica coherence);
	// slog.Default() if nil.
	Logger *slog.Logger
}

// Open connects to the database named by dsn (a postgres:// URL) and
// applies migrations.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opt Options) (*sqldb.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	d := Dialect()
	d.Listen = listener(dsn)
	d.ReplicaLease = opt.ReplicaLease
	d.Logger = opt.Logger
	s, err := sqldb.New(ctx, db, db, d)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Dialect returns the PostgreSQL dialect.
func Dialect() *sqldb.Dialect {
	return &sqldb.Dialect{
		Name:         "postgres",
		IsUnique:     func(err error) bool { return sqlState(err) == "23505" },
		IsForeignKey: func(err error) bool { return sqlState(err) == "23503" },
		Constraint: func(err error) string {
			var e *pgconn.PgError
			if errors.As(err, &e) {
				return e.ConstraintName
			}
			return ""
		},
		IsRetryable: func(err error) bool {
			s := sqlState(err)
			return s == "40001" || s == "40P01"
		},
		Lock: func(ctx context.Context, conn *sql.Conn) (func(), error) {
			if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockID)); err != nil {
				return nil, err
			}
			return func() {
				_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLockID))
			}, nil
		},
	}
}

// listener opens, for replica coherence, a connection of its own to dsn
// (outside the pool: it spends its life waiting for notifications).
func listener(dsn string) func(ctx context.Context, channel, name string) (sqldb.Listener, error) {
	return func(ctx context.Context, channel, name string) (sqldb.Listener, error) {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		cfg.RuntimeParams["application_name"] = name
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			c.Close(context.Background())
			return nil, fmt.Errorf("listen: %w", err)
		}
		return &pgListener{c: c}, nil
	}
}

type pgListener struct{ c *pgx.Conn }

// Next implements sqldb.Listener. A wait that times out leaves the
// connection usable (pgx only closes it on errors other than timeouts).
func (l *pgListener) Next(ctx context.Context, d time.Duration) (string, bool, error) {
	wctx, cancel := context.WithTimeout(ctx, max(d, 0))
	defer cancel()
	n, err := l.c.WaitForNotification(wctx)
	if n != nil {
		return n.Payload, true, nil
	}
	if err != nil && ctx.Err() == nil && wctx.Err() != nil && !l.c.IsClosed() {
		return "", false, nil
	}
	return "", false, err
}

func (l *pgListener) Close() error { return l.c.Close(context.Background()) }

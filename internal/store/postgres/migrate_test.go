package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestMigrationFailsWhole (SECURITY.md ST-08): a migration that stops
// halfway — here 0006_oauth, whose fourth CREATE TABLE meets a table that
// is in the way, as a crash would stop it — leaves nothing of itself: the
// earlier migrations stay, its first three tables are rolled back, and Open
// fails, so a server on that database does not start. Once the obstacle is
// gone, the next Open applies the whole migration.
func TestMigrationFailsWhole(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TABLE oauth_grants (obstacle INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if s, err := postgres.Open(t.Context(), dsn); err == nil {
		s.Close()
		t.Fatal("Open on a database whose migration fails halfway succeeded")
	}
	var applied int
	var clients bool
	if err := raw.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT to_regclass('oauth_clients') IS NOT NULL`).Scan(&clients); err != nil {
		t.Fatal(err)
	}
	if applied != 5 || clients {
		t.Errorf("after the failed migration: version %d applied, oauth_clients exists %v; want 5 and no", applied, clients)
	}
	if _, err := raw.Exec(`DROP TABLE oauth_grants`); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open once the obstacle is gone = %v", err)
	}
	defer s.Close()
	if err := raw.QueryRow(`SELECT to_regclass('oauth_clients') IS NOT NULL`).Scan(&clients); err != nil || !clients {
		t.Errorf("oauth_clients after the retried migration: %v, %v", clients, err)
	}
}

// TestMigrationRunsAgainAfterDeadlock: a migration that locks tables can
// deadlock with a transaction of a replica of the previous version still
// running during a rolling upgrade (migration 0020 locks the role table
// first, the previous DeleteAccountAssignment read the permission set
// first). When PostgreSQL rolls the migration back to break the cycle, it
// runs again once the other transaction is through, and Open succeeds. The
// database holds an assignment whose pair has no role, which 0020's key
// (NOT VALID) leaves in place rather than failing the start.
func TestMigrationRunsAgainAfterDeadlock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := testenv.PostgresDSN(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	in, org, ps, users := assignmentFixture(t, s, "u")
	s.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Back to version 19, as a database of the previous version is.
	for _, stmt := range []string{
		`ALTER TABLE access_assignments DROP CONSTRAINT access_assignments_provisioned,
			ADD CONSTRAINT access_assignments_permission_set_arn_fkey FOREIGN KEY (permission_set_arn) REFERENCES access_permission_sets (permission_set_arn)`,
		`CREATE INDEX access_assignments_permission_set ON access_assignments (permission_set_arn, account_id)`,
		`DELETE FROM schema_migrations WHERE version >= 20`,
	} {
		if _, err := raw.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	// An assignment, and then its pair's role gone: what version 19 allowed.
	orphan := func() error {
		_, err := raw.ExecContext(ctx, `INSERT INTO access_assignments (account_id, permission_set_arn, principal_type, principal_id,
			instance_arn, identity_store_id, user_id, group_id, created_at) VALUES ($1, $2, 'USER', $3, $4, $5, $3, NULL, 0)`,
			org.ManagementAccountID, ps.ARN, users[0], in.InstanceARN, in.IdentityStoreID)
		return err
	}
	if err := orphan(); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `DELETE FROM access_provisioned WHERE permission_set_arn = $1`, ps.ARN); err != nil {
		t.Fatal(err)
	}
	// The old replica's transaction reads the permission sets, ...
	old, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = old.Rollback() }()
	if _, err := old.ExecContext(ctx, `SELECT 1 FROM access_permission_sets LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		s, err := postgres.Open(context.WithoutCancel(ctx), dsn)
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	// ... the migration takes the role table and waits for the permission
	// sets, ...
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE access_provisioned%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the migration never waited for the permission sets")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// ... and the old transaction then wants the role table: a cycle, which
	// PostgreSQL breaks after deadlock_timeout by rolling one of them back.
	if _, err := old.ExecContext(ctx, `SELECT 1 FROM access_provisioned LIMIT 1`); err != nil {
		t.Logf("the old transaction lost the deadlock: %v", err)
	} else if err := old.Commit(); err != nil {
		t.Fatal(err)
	}
	_ = old.Rollback()
	if err := <-opened; err != nil {
		t.Fatalf("Open during the old transaction = %v; want the migration run again", err)
	}
	var v int
	if err := raw.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil || v < 20 {
		t.Errorf("schema version after Open = %d, %v; want at least 20", v, err)
	}
	var left int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM access_assignments WHERE permission_set_arn = $1`, ps.ARN).Scan(&left); err != nil || left != 1 {
		t.Errorf("assignments without a role after the migration: %d, %v; want the one kept", left, err)
	}
	// New rows are held to the key.
	if _, err := raw.ExecContext(ctx, `DELETE FROM access_assignments WHERE permission_set_arn = $1`, ps.ARN); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := orphan(); !errors.As(err, &pgErr) || pgErr.ConstraintName != "access_assignments_provisioned" {
		t.Errorf("an assignment without a role after the migration = %v; want the role key's violation", err)
	}
}

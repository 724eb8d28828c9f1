package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/sqlite"
	"github.com/idcenter/idcenter/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "idcenter.db"))
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// openWithRaw opens a store on a fresh file and a plain connection to the
// same file beside it, for SQL the store would never run.
func openWithRaw(t *testing.T) (store.Store, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "idcenter.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return s, raw
}

// A job whose statement made SQLite roll the whole group-commit
// transaction back (RAISE(ROLLBACK) stands in for SQLITE_FULL, IOERR,
// NOMEM) and which swallows the error must not let the next job of its
// batch commit on its own while being reported failed: without a savepoint
// around the first job, the next job's SAVEPOINT opened a fresh
// transaction, its RELEASE committed it, and the batch's COMMIT failed.
func TestGroupCommitNoticesRolledBackTransaction(t *testing.T) {
	ctx := t.Context()
	s, raw := openWithRaw(t)
	if _, err := raw.Exec(`CREATE TRIGGER boom BEFORE INSERT ON settings WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	// Keep the group writer busy so that A and B form the next batch.
	started, release := make(chan struct{}), make(chan struct{})
	blocker := make(chan error, 1)
	go func() {
		blocker <- s.Tx(ctx, func(q store.Queries) error { close(started); <-release; return nil })
	}()
	<-started
	errA, errB := make(chan error, 1), make(chan error, 1)
	go func() {
		errA <- s.Tx(ctx, func(q store.Queries) error {
			_, err := q.PutSetting(ctx, "boom", "v") // best effort: error ignored
			t.Logf("A's swallowed error: %v", err)
			return nil
		})
	}()
	time.Sleep(50 * time.Millisecond)
	go func() {
		errB <- s.Tx(ctx, func(q store.Queries) error { _, err := q.PutSetting(ctx, "b-written", "v"); return err })
	}()
	time.Sleep(50 * time.Millisecond)
	close(release)
	<-blocker
	eA, eB := <-errA, <-errB
	_, getErr := s.GetSetting(ctx, "b-written")
	t.Logf("A: %v; B: %v; B's row present: %v", eA, eB, getErr == nil)
	if eB != nil && getErr == nil {
		t.Errorf("B was reported failed (%v) but its write committed", eB)
	}
}

// TestAssignmentPrincipalCheck: an assignment names its principal as
// exactly one of user_id / group_id, whose foreign keys cascade the
// principal's deletion to it. SQLite's table CHECK lets a row whose two
// columns are both NULL through (the comparison is NULL, and a NULL check
// passes); the triggers of migration 0019 refuse it, on INSERT and UPDATE.
func TestAssignmentPrincipalCheck(t *testing.T) {
	ctx := t.Context()
	// No foreign_keys pragma on the raw connection: only the principal's
	// shape is under test here.
	_, raw := openWithRaw(t)
	insert := func(typ, principal string, user, group any) error {
		_, err := raw.ExecContext(ctx, `INSERT INTO access_assignments (account_id, permission_set_arn, principal_type, principal_id,
			instance_arn, identity_store_id, user_id, group_id, created_at) VALUES ('111111111111', 'ps', $1, $2, 'i', 'd', $3, $4, 0)`,
			typ, principal, user, group)
		return err
	}
	for _, c := range []struct {
		name           string
		typ, principal string
		user, group    any
	}{
		{"USER without user_id", "USER", "u-1", nil, nil},
		{"GROUP without group_id", "GROUP", "g-1", nil, nil},
		{"USER with a group_id", "USER", "u-1", "u-1", "g-1"},
		{"user_id not the principal", "USER", "u-2", "u-1", nil},
		{"unknown type", "ROLE", "u-1", "u-1", nil},
	} {
		if err := insert(c.typ, c.principal, c.user, c.group); err == nil || !strings.Contains(err.Error(), "CHECK constraint failed") {
			t.Errorf("%s: INSERT = %v; want a CHECK failure", c.name, err)
		}
	}
	if err := insert("USER", "u-1", "u-1", nil); err != nil {
		t.Fatalf("a well-formed USER assignment: %v", err)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE access_assignments SET user_id = NULL WHERE principal_id = 'u-1'`); err == nil || !strings.Contains(err.Error(), "CHECK constraint failed") {
		t.Errorf("UPDATE to no user_id = %v; want a CHECK failure", err)
	}
}

package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
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

// The group writer never checkpoints (wal_autocheckpoint(0)); the
// background checkpointer must copy committed writes into the database file
// while the store stays open, or the write-ahead log would grow without end.
// A copy of the database file alone, without its log, shows what was
// checkpointed.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "idcenter.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	defer s.Close()
	for i := range 50 {
		if err := s.Tx(ctx, func(q store.Queries) error {
			_, err := q.PutSetting(ctx, fmt.Sprint("checkpointed-", i), "v")
			return err
		}); err != nil {
			t.Fatalf("PutSetting: %v", err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := countInFileAlone(t, path, filepath.Join(t.TempDir(), "copy.db"))
		if n == 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the database file alone holds %d of 50 committed settings: nothing checkpoints", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil {
		t.Logf("write-ahead log: %d bytes", fi.Size())
	}
}

// countInFileAlone copies the database file at path (not its log) to dst
// and counts the settings named checkpointed-… in the copy.
func countInFileAlone(t *testing.T, path, dst string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read database file: %v", err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatalf("write copy: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+dst+"?mode=ro")
	if err != nil {
		t.Fatalf("open copy: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM settings WHERE name LIKE 'checkpointed-%'`).Scan(&n); err != nil {
		return 0 // the copy may predate the settings table's checkpoint
	}
	return n
}

// A job whose statement made SQLite roll the whole group-commit
// transaction back (RAISE(ROLLBACK) stands in for SQLITE_FULL, IOERR,
// NOMEM) and which swallows the error must not let the next job of its
// batch commit on its own while being reported failed: without a savepoint
// around the first job, the next job's SAVEPOINT opened a fresh
// transaction, its RELEASE committed it, and the batch's COMMIT failed.
func TestGroupCommitNoticesRolledBackTransaction(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "idcenter.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
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

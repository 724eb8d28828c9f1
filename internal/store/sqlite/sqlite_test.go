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

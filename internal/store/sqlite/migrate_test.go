package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/idcenter/idcenter/internal/store/sqlite"
)

// TestMigrationFailsWhole (SECURITY.md ST-08): a migration that stops
// halfway — here 0006_oauth, whose fourth CREATE TABLE meets a table that
// is in the way, as a crash would stop it — leaves nothing of itself: the
// earlier migrations stay, its first three tables are rolled back, and Open
// fails, so a server on that database does not start. Once the obstacle is
// gone, the next Open applies the whole migration.
func TestMigrationFailsWhole(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "idcenter.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TABLE oauth_grants (obstacle INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open on a database whose migration fails halfway succeeded")
	}
	var applied, clients int
	if err := raw.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'oauth_clients'`).Scan(&clients); err != nil {
		t.Fatal(err)
	}
	if applied != 5 || clients != 0 {
		t.Errorf("after the failed migration: version %d applied, oauth_clients exists %v; want 5 and no", applied, clients == 1)
	}
	if _, err := raw.Exec(`DROP TABLE oauth_grants`); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open once the obstacle is gone = %v", err)
	}
	defer s.Close()
	if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'oauth_clients'`).Scan(&clients); err != nil || clients != 1 {
		t.Errorf("oauth_clients after the retried migration: %d, %v", clients, err)
	}
}

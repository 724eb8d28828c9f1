package postgres_test

import (
	"database/sql"
	"testing"

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

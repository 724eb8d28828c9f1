package testenv

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver, for creating test databases

	"github.com/idcenter/idcenter/internal/idc"
)

// PostgresEnv names the environment variable holding the DSN of a
// throw-away PostgreSQL server (scripts/test.sh starts one and sets it).
// Tests create and drop their own databases on it.
const PostgresEnv = "IDCENTER_TEST_POSTGRES"

// PostgresDSN creates a fresh, empty database on the test server and returns
// its DSN; the database is dropped when the test ends. Without
// IDCENTER_TEST_POSTGRES the test is skipped, except under CI=true, where
// its absence is a failure.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI=true: run the tests through scripts/test.sh", PostgresEnv)
		}
		t.Skipf("%s not set; run scripts/test.sh for the PostgreSQL half", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	name := "idct_" + strings.ReplaceAll(idc.UUID(), "-", "")[:20]
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

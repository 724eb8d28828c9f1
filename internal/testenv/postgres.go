package testenv

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// Cluster is a private throw-away PostgreSQL cluster that a test may stop
// and start again (SECURITY.md ST-05), unlike the shared one named by
// IDCENTER_TEST_POSTGRES. It runs scripts/pg.sh and is removed when the
// test ends.
type Cluster struct {
	// DSN is the cluster's postgres database.
	DSN    string
	dir    string
	script string
}

// PrivatePostgres starts a private cluster on a free loopback port. It
// skips or fails like PostgresDSN when IDCENTER_TEST_POSTGRES is unset:
// the PostgreSQL half of the suite runs where the shared cluster does.
// Its directory is made under os.TempDir, which the postgres user must be
// able to reach (TMPDIR, when set, must be world-searchable).
func PrivatePostgres(t testing.TB) *Cluster {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI=true: run the tests through scripts/test.sh", PostgresEnv)
		}
		t.Skipf("%s not set; run scripts/test.sh for the PostgreSQL half", PostgresEnv)
	}
	_, file, _, _ := runtime.Caller(0)
	c := &Cluster{script: filepath.Join(filepath.Dir(file), "..", "..", "scripts", "pg.sh")}
	if _, err := os.Stat(c.script); err != nil {
		t.Fatalf("scripts/pg.sh not found beside this source file (built with -trimpath?): %v", err)
	}
	var err error
	if c.dir, err = os.MkdirTemp("", "idcenter-pg-private-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command(c.script, "stop", c.dir).Run()
		os.RemoveAll(c.dir)
	})
	out, err := exec.Command(c.script, "start", c.dir).Output()
	if err != nil {
		t.Fatalf("pg.sh start: %v", err)
	}
	// pg.sh prints: export IDCENTER_TEST_POSTGRES='postgres://…'
	_, dsn, _ := strings.Cut(strings.TrimSpace(string(out)), "='")
	c.DSN = strings.TrimSuffix(dsn, "'")
	if !strings.HasPrefix(c.DSN, "postgres://") {
		t.Fatalf("pg.sh start printed %q", out)
	}
	return c
}

// Stop shuts the cluster down at once (pg_ctl -m immediate: like a
// crash, its clients' connections are cut).
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if out, err := exec.Command(c.script, "stop", c.dir).CombinedOutput(); err != nil {
		t.Fatalf("pg.sh stop: %v: %s", err, out)
	}
}

// Resume starts the stopped cluster again on the same port and waits
// until it accepts connections.
func (c *Cluster) Resume(t testing.TB) {
	t.Helper()
	if out, err := exec.Command(c.script, "resume", c.dir).CombinedOutput(); err != nil {
		t.Fatalf("pg.sh resume: %v: %s", err, out)
	}
}

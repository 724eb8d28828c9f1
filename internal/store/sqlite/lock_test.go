//go:build unix

package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/idcenter/idcenter/internal/store/sqlite"
)

// TestOneProcessPerFile: a second open of a database file fails with a
// clear error while the first is open (the entitlement index relies on
// seeing every write), and succeeds once it is closed.
func TestOneProcessPerFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "idcenter.db")
	first, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if n, only := first.LocalCommits(); !only || n != 0 {
		t.Errorf("LocalCommits() = %d, %v; want 0, true", n, only)
	}
	if second, err := sqlite.Open(ctx, path); err == nil {
		second.Close()
		t.Fatal("second Open of a file in use succeeded")
	} else if !strings.Contains(err.Error(), "in use by another idcenter process") {
		t.Errorf("second Open error = %v, want it to say the file is in use", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}

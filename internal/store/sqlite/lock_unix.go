//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on path+".lock" for as long as the store
// is open, so that one process at a time serves a database file: idcenter
// keeps in-memory state (the entitlement index) that is exact only while
// every write goes through it. A second server on the same file fails at
// start with a clear error instead of serving stale answers.
func lockFile(path string) (release func() error, err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sqlite lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sqlite database %s is in use by another idcenter process (lock %s.lock is held)", path, path)
		}
		return nil, fmt.Errorf("lock sqlite database: %w", err)
	}
	return f.Close, nil // closing the file releases the lock
}

package sqldb

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// CheckpointEvery is how often the background checkpointer looks for new
// commits to copy from SQLite's write-ahead log into the database file.
const CheckpointEvery = 100 * time.Millisecond

// checkpointer copies SQLite's write-ahead log into the database file from
// a connection of its own, so that the group writer never does.
//
// By default SQLite checkpoints inside the commit that takes the log past
// 1,000 pages: that commit's writer copies the pages and fsyncs the
// database file before it can start the next batch, and every caller
// queued behind it waits. A PASSIVE checkpoint on another connection runs
// beside the writer (it never blocks the writer or readers, and copies only
// frames no reader still needs), and checkpointing every CheckpointEvery
// copies a page rewritten by many commits once. The log stays short: the
// writer starts it over once a checkpoint has copied all of it.
type checkpointer struct {
	c       *sql.DB
	commits func() uint64
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// CheckpointInBackground makes c, a connection pool on the same SQLite
// database whose write connection has wal_autocheckpoint(0), run the
// database's checkpoints (see checkpointer). Close stops it and closes c.
func (db *DB) CheckpointInBackground(c *sql.DB) {
	c.SetMaxOpenConns(1)
	db.ckpt = &checkpointer{c: c, commits: db.commits.Load, stop: make(chan struct{}), stopped: make(chan struct{})}
	go db.ckpt.run(CheckpointEvery)
}

func (k *checkpointer) run(every time.Duration) {
	defer close(k.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	var done uint64
	var failing bool // the last checkpoint failed (logged once per streak)
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
		}
		n := k.commits()
		if n == done {
			continue
		}
		var busy, logged, copied int64
		err := k.c.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied)
		if err != nil {
			// A full disk fails every tick: say so once, not ten times a
			// second, and say when it recovers.
			if !failing {
				slog.Error("store: background checkpoint failing", "err", err)
			}
			failing = true
			continue
		}
		if failing {
			slog.Info("store: background checkpoint recovered")
			failing = false
		}
		if copied == logged {
			// Everything is in the database file; with more commits
			// pending (copied < logged, a reader still needs old frames)
			// the next tick tries again.
			done = n
		}
	}
}

// close stops the checkpointer; it is safe to call more than once.
func (k *checkpointer) close() error {
	var err error
	k.once.Do(func() {
		close(k.stop)
		<-k.stopped
		err = k.c.Close()
	})
	return err
}

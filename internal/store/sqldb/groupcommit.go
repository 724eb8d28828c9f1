package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/idcenter/idcenter/internal/store"
)

// maxBatch bounds how many transactions share one commit.
const maxBatch = 64

// errClosed is returned by Tx after Close.
var errClosed = errors.New("store: closed")

// groupWriter gives SQLite group commit. SQLite has one writer and every
// durable commit costs an fsync, so concurrent writers queue behind each
// other's fsyncs. The group writer is a single goroutine that owns the write
// connection: it takes every transaction waiting in its queue, runs each
// inside its own SAVEPOINT of one SQLite transaction — a transaction whose
// function fails is rolled back to its savepoint and leaves no trace — and
// commits them all with one fsync. Callers return only after that commit,
// so every acknowledged write is durable, and each caller sees exactly its
// own outcome: the batch behaves as the same transactions run one after
// another.
type groupWriter struct {
	db    *sql.DB
	cache *stmtCache
	d     *Dialect

	jobs    chan *job
	mu      sync.RWMutex // guards closed against submit
	closed  bool
	stop    chan struct{}
	stopped chan struct{}
}

type job struct {
	ctx  context.Context
	fn   func(store.Queries) error
	done chan result
}

type result struct {
	err   error
	panic any
}

func newGroupWriter(db *sql.DB, cache *stmtCache, d *Dialect) *groupWriter {
	g := &groupWriter{db: db, cache: cache, d: d, jobs: make(chan *job, 4*maxBatch), stop: make(chan struct{}), stopped: make(chan struct{})}
	go g.run()
	return g
}

// submit queues fn and waits for the commit of its batch. If ctx ends while
// the job is queued or running, submit still waits for the outcome, so a
// write is never acknowledged as failed and then committed.
func (g *groupWriter) submit(ctx context.Context, fn func(store.Queries) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan result, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return errClosed
	}
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	g.mu.RUnlock()
	r := <-j.done
	if r.panic != nil {
		panic(r.panic)
	}
	return r.err
}

// close stops the writer; it is safe to call more than once.
func (g *groupWriter) close() {
	g.mu.Lock()
	already := g.closed
	g.closed = true
	g.mu.Unlock()
	if !already {
		close(g.stop)
	}
	<-g.stopped
}

func (g *groupWriter) run() {
	defer close(g.stopped)
	for {
		var first *job
		select {
		case first = <-g.jobs:
		case <-g.stop:
			// No submitter can add jobs now; fail what is queued.
			for {
				select {
				case j := <-g.jobs:
					j.done <- result{err: errClosed}
				default:
					return
				}
			}
		}
		batch := []*job{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		g.commit(batch)
	}
}

// commit runs one batch in one transaction, each job in a savepoint of
// its own. (Running a batch's first job bare, without one, was tried: if
// SQLite itself rolled the transaction back under that job — a full disk,
// an I/O error — and the job swallowed the error, the next job's SAVEPOINT
// would silently open a new transaction; a savepoint's RELEASE notices.)
// The savepoint statements are prepared once, through the statement cache.
func (g *groupWriter) commit(batch []*job) {
	ctx := context.Background()
	results := make([]result, len(batch))
	fail := func(err error) {
		for i := range results {
			if results[i].err == nil && results[i].panic == nil {
				results[i].err = err
			}
		}
	}
	var misses []string
	defer func() {
		for _, q := range misses {
			g.cache.get(ctx, q)
		}
		for i, j := range batch {
			j.done <- results[i]
		}
	}()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	q := queries{ex: cachedTx{tx: tx, c: g.cache, misses: &misses, detach: true}, d: g.d}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if _, err := q.ex.ExecContext(ctx, `SAVEPOINT batch_item`); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("savepoint: %w", err))
			return
		}
		results[i] = run(j, q)
		if results[i].err != nil || results[i].panic != nil {
			if _, err := q.ex.ExecContext(ctx, `ROLLBACK TO batch_item`); err != nil {
				_ = tx.Rollback()
				fail(fmt.Errorf("rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := q.ex.ExecContext(ctx, `RELEASE batch_item`); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// run calls a job's function. Its queries run on a context that is not
// cancelled with the request: interrupting SQLite inside a write would roll
// back the whole shared transaction, not only this job.
func run(j *job, q queries) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{panic: p}
		}
	}()
	return result{err: j.fn(q)}
}

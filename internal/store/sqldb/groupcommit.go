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

// commit runs one batch, normally in one transaction. The first job of a
// transaction runs without a savepoint: statements inside a savepoint
// journal every page they first touch, which a batch of one (the common
// case at low concurrency) would pay for nothing. If that first job fails,
// its transaction is rolled back — it holds nothing else — and the rest of
// the batch starts a new one.
func (g *groupWriter) commit(batch []*job) {
	ctx := context.Background()
	results := make([]result, len(batch))
	var misses []string
	defer func() {
		for _, q := range misses {
			g.cache.get(ctx, q)
		}
		for i, j := range batch {
			j.done <- results[i]
		}
	}()
	for next := 0; next < len(batch); {
		next = g.commitFrom(ctx, batch, results, next, &misses)
	}
}

// commitFrom runs batch[from:] in one transaction and returns where the
// next transaction must start: len(batch) once the transaction has ended,
// or the job after a first job that failed and rolled it back.
func (g *groupWriter) commitFrom(ctx context.Context, batch []*job, results []result, from int, misses *[]string) int {
	fail := func(err error) int {
		for i := from; i < len(batch); i++ {
			if results[i].err == nil && results[i].panic == nil {
				results[i].err = err
			}
		}
		return len(batch)
	}
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return fail(fmt.Errorf("begin: %w", err))
	}
	q := queries{ex: cachedTx{tx: tx, c: g.cache, misses: misses, detach: true}, d: g.d}
	bare := true // no job has run in tx yet
	for i := from; i < len(batch); i++ {
		j := batch[i]
		if err := j.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if bare {
			bare = false
			if results[i] = run(j, q); results[i].err != nil || results[i].panic != nil {
				_ = tx.Rollback()
				return i + 1
			}
			continue
		}
		if _, err := q.ex.ExecContext(ctx, `SAVEPOINT batch_item`); err != nil {
			_ = tx.Rollback()
			return fail(fmt.Errorf("savepoint: %w", err))
		}
		results[i] = run(j, q)
		if results[i].err != nil || results[i].panic != nil {
			if _, err := q.ex.ExecContext(ctx, `ROLLBACK TO batch_item`); err != nil {
				_ = tx.Rollback()
				return fail(fmt.Errorf("rollback to savepoint: %w", err))
			}
		}
		if _, err := q.ex.ExecContext(ctx, `RELEASE batch_item`); err != nil {
			_ = tx.Rollback()
			return fail(fmt.Errorf("release savepoint: %w", err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fail(fmt.Errorf("commit: %w", err))
	}
	return len(batch)
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

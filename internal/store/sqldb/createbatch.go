package sqldb

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// maxAssignBatch bounds how many creates share one statement.
const maxAssignBatch = 64

// assignWriters is how many batch statements may run at once: one. With
// two, batches halved and both CPU per create and throughput got worse.
const assignWriters = 1

// assignBatcher gives PostgreSQL's CreateAssignmentIfProvisioned what the
// group writer gives SQLite: the creates that arrive while one statement
// runs are written together by the next, one statement and one COMMIT for
// them all.
//
// A create is cheap for PostgreSQL to do and dear to start: measured on
// our 2-core machines, one create alone costs its server about 500 µs of
// CPU, of which the row's own work (the inserts, the foreign-key checks,
// the change-feed trigger) is a fraction, and the rest is the statement's
// and the transaction's (executing a statement, re-preparing the tables'
// CHECK constraints, locking, the commit record and its flush). Four
// creates in one statement cost about 300 µs each.
//
// One goroutine runs the statements, so batches form by themselves: while
// it runs one, the next callers queue. Each caller still gets exactly its
// own outcome: the statement inserts every row whose pair is provisioned,
// tells which were, and commits them all or nothing; if it fails on a
// missing reference (a principal, account or permission set deleted since
// the caller looked), the batch is retried one create at a time so that
// only the caller whose reference is missing sees the error. Rows are
// written in key order, so two replicas' batches lock shared rows in the
// same order and cannot deadlock each other.
type assignBatcher struct {
	db *DB

	reqs    chan *assignReq
	mu      sync.RWMutex // guards closed against submit
	closed  bool
	stop    chan struct{}
	stopped chan struct{}
}

type assignReq struct {
	ctx  context.Context
	a    *idc.Assignment
	o    *idc.OperationStatus
	done chan assignResult
}

type assignResult struct {
	done bool
	err  error
}

func newAssignBatcher(db *DB) *assignBatcher {
	b := &assignBatcher{db: db, reqs: make(chan *assignReq, 4*maxAssignBatch), stop: make(chan struct{}), stopped: make(chan struct{})}
	var wg sync.WaitGroup
	for range assignWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.run()
		}()
	}
	go func() {
		wg.Wait()
		close(b.stopped)
	}()
	return b
}

// submit queues a create and waits for its outcome. Once queued, it waits
// even if ctx ends, so a create is never reported failed and then
// committed.
func (b *assignBatcher) submit(ctx context.Context, a *idc.Assignment, o *idc.OperationStatus) (bool, error) {
	r := &assignReq{ctx: ctx, a: a, o: o, done: make(chan assignResult, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return false, errClosed
	}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		b.mu.RUnlock()
		return false, ctx.Err()
	}
	b.mu.RUnlock()
	res := <-r.done
	return res.done, res.err
}

func (b *assignBatcher) close() {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	if !already {
		close(b.stop)
	}
	<-b.stopped
}

func (b *assignBatcher) run() {
	for {
		var first *assignReq
		select {
		case first = <-b.reqs:
		case <-b.stop:
			for {
				select {
				case r := <-b.reqs:
					r.done <- assignResult{err: errClosed}
				default:
					return
				}
			}
		}
		batch := []*assignReq{first}
	drain:
		for len(batch) < maxAssignBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		live := batch[:0]
		for _, r := range batch {
			if err := r.ctx.Err(); err != nil {
				r.done <- assignResult{err: err}
				continue
			}
			live = append(live, r)
		}
		if len(live) > 0 {
			b.write(live)
		}
	}
}

// write runs one batch and hands the outcomes over. A batch refused for a
// missing reference is written again one create at a time.
func (b *assignBatcher) write(batch []*assignReq) {
	slices.SortFunc(batch, func(x, y *assignReq) int {
		return cmp.Or(cmp.Compare(x.a.AccountID, y.a.AccountID), cmp.Compare(x.a.PermissionSetARN, y.a.PermissionSetARN),
			cmp.Compare(x.a.PrincipalType, y.a.PrincipalType), cmp.Compare(x.a.PrincipalID, y.a.PrincipalID))
	})
	done, ticket, counted, err := b.statement(batch)
	if err != nil && len(batch) > 1 && errors.Is(err, store.ErrReferenced) {
		for _, r := range batch {
			b.write([]*assignReq{r})
		}
		return
	}
	deliver := func() {
		if counted && b.db.reps != nil {
			if err == nil {
				b.db.reps.afterCommit(context.Background(), ticket)
			} else {
				b.db.reps.uncertain(context.Background(), ticket)
			}
		}
		for i, r := range batch {
			res := assignResult{err: err}
			if err == nil {
				res.done = done[i]
			}
			r.done <- res
		}
	}
	if counted && b.db.reps != nil {
		// Waiting for the other replicas' acknowledgements is not the
		// statement runner's business: the next batch may start.
		go deliver()
		return
	}
	deliver()
}

// statement runs the batch's statement, retrying a deadlock victim as Tx
// does. done[i] says whether batch[i]'s pair was provisioned (and so its
// assignment and status written); counted says the statement committed,
// or may have (err is then not definite), and was counted as a commit.
func (b *assignBatcher) statement(batch []*assignReq) (done []bool, ticket commitTicket, counted bool, err error) {
	db := b.db
	n := len(batch)
	var (
		acc, ps, ptype, pid, inst, store_, oid, oinst, okind, ostatus, oreason, oacc, ops, optype, opid = make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		created, ocreated = make([]int64, n), make([]int64, n)
	)
	for i, r := range batch {
		a, o := r.a, r.o
		acc[i], ps[i], ptype[i], pid[i], inst[i], store_[i], created[i] = a.AccountID, a.PermissionSetARN, a.PrincipalType, a.PrincipalID, a.InstanceARN, a.IdentityStoreID, ms(a.CreatedAt)
		oid[i], oinst[i], okind[i], ostatus[i], oreason[i] = o.RequestID, o.InstanceARN, o.Kind, o.Status, o.FailureReason
		oacc[i], ops[i], optype[i], opid[i], ocreated[i] = o.AccountID, o.PermissionSetARN, o.PrincipalType, o.PrincipalID, ms(o.CreatedAt)
	}
	ctx := context.Background()
	var ex execer = db.w
	if db.wc != nil {
		ex = cachedDB{db.wc}
	}
	q := queries{ex: ex, d: db.d}
	for attempt := range 8 {
		if db.reps != nil {
			ticket = db.reps.start()
		}
		done = make([]bool, n)
		err = func() error {
			rows, err := q.ex.QueryContext(ctx, createAssignmentsIfProvisionedPG,
				acc, ps, ptype, pid, inst, store_, created, oid, oinst, okind, ostatus, oreason, oacc, ops, optype, opid, ocreated)
			if err != nil {
				return q.wrap(err)
			}
			defer rows.Close()
			for rows.Next() {
				var ord int
				if err := rows.Scan(&ord); err != nil {
					return err
				}
				if ord < 1 || ord > n {
					return errors.New("store: batch create: row number out of range")
				}
				done[ord-1] = true
			}
			return q.wrap(rows.Err())
		}()
		switch {
		case err == nil && slices.Contains(done, true):
			db.commits.Add(1)
			return done, ticket, true, nil
		case err == nil:
			return done, ticket, false, nil
		case !db.definite(err):
			// The outcome is unknown (it may have committed as the
			// connection failed): count it, and tell the peers.
			db.commits.Add(1)
			return nil, ticket, true, err
		case !db.d.IsRetryable(err):
			return nil, ticket, false, err
		}
		// A deadlock victim (another writer locked rows in another
		// order): back off as Tx does, then retry.
		time.Sleep(time.Duration(1<<attempt) * time.Millisecond)
	}
	return nil, ticket, false, err
}

// createAssignmentsIfProvisionedPG writes a batch of creates: for each
// input row (numbered from 1) whose pair's role is provisioned, the
// assignment (nothing if it exists) and the status; it returns the numbers
// of those rows. The provisioned roles are locked shared, so that creates
// of one pair do not queue behind each other while a deprovisioning, which
// locks its role exclusively, waits.
const createAssignmentsIfProvisionedPG = `WITH i AS (
	SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BIGINT[],
		$8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::TEXT[], $14::TEXT[], $15::TEXT[], $16::TEXT[], $17::BIGINT[])
		WITH ORDINALITY AS t(account_id, permission_set_arn, principal_type, principal_id, instance_arn, identity_store_id, created_at,
			request_id, o_instance_arn, kind, status, failure_reason, o_account_id, o_permission_set_arn, o_principal_type, o_principal_id, o_created_at, ord)
), r AS (
	SELECT i.* FROM i JOIN access_provisioned p ON p.permission_set_arn = i.permission_set_arn AND p.account_id = i.account_id
	ORDER BY i.ord FOR SHARE OF p
), a AS (
	INSERT INTO access_assignments (` + assignmentCols + `, user_id, group_id)
	SELECT account_id, permission_set_arn, principal_type, principal_id, instance_arn, identity_store_id, created_at,
		CASE WHEN principal_type = 'USER' THEN principal_id END, CASE WHEN principal_type = 'GROUP' THEN principal_id END
	FROM r ORDER BY ord
	ON CONFLICT (account_id, permission_set_arn, principal_type, principal_id) DO NOTHING
), o AS (
	INSERT INTO access_operations (` + operationCols + `)
	SELECT request_id, o_instance_arn, kind, status, failure_reason, o_account_id, o_permission_set_arn, o_principal_type, o_principal_id, o_created_at
	FROM r ORDER BY ord
)
SELECT ord FROM r`

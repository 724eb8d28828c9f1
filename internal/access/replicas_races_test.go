package access_test

// Interleavings that once broke replica coherence (internal/store/sqldb/
// replicas.go): each test drives one with real replicas on PostgreSQL —
// holding a row lock, cutting a listener connection and refusing its
// logins for a while, slowing a COMMIT with a deferred trigger — and
// checks that once a write has returned, the other replica's index (or
// the writer's own) agrees with SQL. They were written in review, as
// reproducers; they failed on the first version of the protocol.

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/access/benchdata"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/store/sqldb"
	"github.com/idcenter/idcenter/internal/testenv"
)

func raceWaitState(t *testing.T, db *sqldb.DB, valid bool, peers int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, v, n := db.ReplicaState()
		if v == valid && (peers < 0 || n == peers) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica state: valid %v peers %d; want %v, %d", v, n, valid, peers)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type raceFixture struct {
	dsn   string
	admin *sql.DB
	d     *benchdata.Data
	p     benchdata.Pair
}

// raceSetup migrates and fills a fresh database through a store that is
// closed again (it leaves the replica registry), and picks a provisioned
// pair the benchmark user may not use yet.
func raceSetup(t *testing.T) *raceFixture {
	t.Helper()
	ctx := t.Context()
	dsn := testenv.PostgresDSN(t)
	setup, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "t", Status: "ACTIVE", CreatedAt: time.Now()}
	if err := setup.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, in) }); err != nil {
		t.Fatal(err)
	}
	d, err := benchdata.Generate(ctx, setup, in.InstanceARN, in.IdentityStoreID,
		benchdata.Spec{Accounts: 4, PermissionSets: 4, PairsPerAccount: 3, Groups: 4, AssignmentsPerGroup: 2, UserGroups: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	setup.Close()
	f := &raceFixture{dsn: dsn, d: d}
	found := false
	for _, p := range d.Pairs {
		if !d.Entitled[p] {
			f.p, found = p, true
			break
		}
	}
	if !found {
		t.Fatal("no unentitled pair")
	}
	f.admin, err = sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.admin.Close() })
	return f
}

// lockPair holds the pair's provisioned role exclusively (as a
// deprovisioning does) until the returned func runs.
func (f *raceFixture) lockPair(t *testing.T) func() {
	t.Helper()
	tx, err := f.admin.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := tx.QueryRowContext(t.Context(), `SELECT 1 FROM access_provisioned WHERE permission_set_arn = $1 AND account_id = $2 FOR UPDATE`,
		f.p.PermissionSetARN, f.p.AccountID).Scan(&one); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback() }
}

// createAsync starts CreateAssignmentIfProvisioned of the pair to the user
// on w and waits until the statement waits on the lock (its foreign-key
// check of the pair's role).
func (f *raceFixture) createAsync(t *testing.T, w *sqldb.DB) chan error {
	t.Helper()
	now := time.Now().UTC()
	a := &idc.Assignment{InstanceARN: f.d.InstanceARN, IdentityStoreID: f.d.IdentityStoreID, AccountID: f.p.AccountID,
		PermissionSetARN: f.p.PermissionSetARN, PrincipalType: idc.PrincipalUser, PrincipalID: f.d.UserID, CreatedAt: now}
	o := &idc.OperationStatus{RequestID: idc.UUID(), InstanceARN: f.d.InstanceARN, Kind: idc.OpCreateAssignment, Status: idc.StatusSucceeded,
		AccountID: f.p.AccountID, PermissionSetARN: f.p.PermissionSetARN, PrincipalType: idc.PrincipalUser, PrincipalID: f.d.UserID, CreatedAt: now}
	ch := make(chan error, 1)
	go func() {
		done, err := w.CreateAssignmentIfProvisioned(context.Background(), a, o)
		if err == nil && !done {
			err = errNotDone
		}
		ch <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := f.admin.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO access_assignments%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return ch
		}
		if time.Now().After(deadline) {
			t.Fatal("the create never waited on the lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ownReplica opens a replica W that logs in as a role of its own (so that
// a test can refuse its logins), joined and with a warm pool (so that its
// session can notify without new connections).
func (f *raceFixture) ownReplica(t *testing.T) (*sqldb.DB, string) {
	t.Helper()
	ctx := t.Context()
	role := "race_w_" + strings.ReplaceAll(idc.UUID(), "-", "")[:12]
	if _, err := f.admin.ExecContext(ctx, `CREATE ROLE `+role+` LOGIN SUPERUSER`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", f.dsn)
		if err == nil {
			_, _ = a.Exec(`DROP ROLE IF EXISTS ` + role)
			a.Close()
		}
	})
	u, _ := url.Parse(f.dsn)
	u.User = url.User(role)
	w, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	raceWaitState(t, w, true, 0)
	for range 4 {
		_ = w.Ping(ctx)
	}
	return w, role
}

// cutListener ends W's listener connection and refuses W's logins until
// the test allows them again (ALTER ROLE … LOGIN), then waits until W no
// longer trusts its memory.
func (f *raceFixture) cutListener(t *testing.T, w *sqldb.DB, role string) {
	t.Helper()
	ctx := t.Context()
	if _, err := f.admin.ExecContext(ctx, `ALTER ROLE `+role+` NOLOGIN`); err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := f.admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE usename = $1 AND application_name LIKE $2`, role, sqldb.ListenerName("")+"%").Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate W's listener: %d, %v", killed, err)
	}
	raceWaitState(t, w, false, -1)
}

// indexedReplica opens another replica N with a loaded entitlement index.
func (f *raceFixture) indexedReplica(t *testing.T) (*sqldb.DB, *access.Service) {
	t.Helper()
	n, err := postgres.Open(t.Context(), f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	svc := access.New(n)
	if err := svc.IndexReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	return n, svc
}

var errNotDone = errorString("CreateAssignmentIfProvisioned: not done")

type errorString string

func (e errorString) Error() string { return string(e) }

func (f *raceFixture) check(t *testing.T, n *sqldb.DB, svcN *access.Service, ch chan error, unlock func()) {
	t.Helper()
	ctx := t.Context()
	// N answers now (reading the feed if its version moved): not entitled.
	if ok, err := svcN.MayUse(ctx, f.d.UserID, f.p.AccountID, f.p.PermissionSetARN); err != nil || ok {
		t.Fatalf("before the write: MayUse = %v, %v", ok, err)
	}
	vBefore, exactBefore := n.AccessVersion()
	unlock()
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	// The write has returned to its client: N's next answer must include it.
	vAfter, exactAfter := n.AccessVersion()
	ok, err := svcN.MayUse(ctx, f.d.UserID, f.p.AccountID, f.p.PermissionSetARN)
	if err != nil {
		t.Fatal(err)
	}
	sqlOK, _ := svcN.MayUseSQL(ctx, f.d.UserID, f.p.AccountID, f.p.PermissionSetARN)
	t.Logf("N AccessVersion before %d/%v after %d/%v; index MayUse=%v SQL MayUse=%v", vBefore, exactBefore, vAfter, exactAfter, ok, sqlOK)
	if ok != sqlOK {
		t.Errorf("STALE: after the write returned, replica N's index says MayUse=%v, SQL says %v", ok, sqlOK)
	}
}

// TestRaceStartupFastPath: W starts while N is running; a
// CreateAssignmentIfProvisioned on W takes its ticket (no peers yet) before
// W's session has listed N, and commits after W has joined. W's listing
// added N to its peers without moving the epoch, so afterCommit takes the
// "alone" fast path and nobody tells N.
func TestRaceStartupFastPath(t *testing.T) {
	f := raceSetup(t)
	ctx := t.Context()
	n, svcN := f.indexedReplica(t)
	raceWaitState(t, n, true, 0)
	unlock := f.lockPair(t)
	defer unlock()
	w, err := postgres.Open(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, _, peers := w.ReplicaState(); peers != 0 {
		t.Skip("W listed N before the write took its ticket; run again")
	}
	ch := f.createAsync(t, w)
	raceWaitState(t, w, true, 1)
	raceWaitState(t, n, true, 1)
	f.check(t, n, svcN, ch, unlock)
}

// TestRaceSessionRestartFastPath: W is alone and joined when the write
// takes its ticket; W's listener is cut and cannot reconnect for a while;
// N starts meanwhile (its hello goes unheard by W); W's new session lists
// N (no epoch bump) and joins; the write commits; afterCommit sees alone,
// quiet, valid and returns without telling N.
func TestRaceSessionRestartFastPath(t *testing.T) {
	f := raceSetup(t)
	ctx := t.Context()
	w, role := f.ownReplica(t)
	unlock := f.lockPair(t)
	defer unlock()
	ch := f.createAsync(t, w)
	// Cut W's listener and keep it from reconnecting.
	f.cutListener(t, w, role)
	n, svcN := f.indexedReplica(t)
	time.Sleep(300 * time.Millisecond) // N's hello and k are long committed
	if _, err := f.admin.ExecContext(ctx, `ALTER ROLE `+role+` LOGIN`); err != nil {
		t.Fatal(err)
	}
	raceWaitState(t, w, true, 1)
	raceWaitState(t, n, true, 1)
	f.check(t, n, svcN, ch, unlock)
}

// TestRaceSessionRestartTxPath is TestRaceSessionRestartFastPath on
// the Tx path: W passes beforeCommit alone and valid (no notification in
// the transaction); its COMMIT is slow (a deferred trigger sleeps, as an
// fsync stall would); W's session restarts and lists newcomer N during the
// COMMIT; afterCommit sees alone, quiet, valid.
func TestRaceSessionRestartTxPath(t *testing.T) {
	f := raceSetup(t)
	ctx := t.Context()
	w, role := f.ownReplica(t)
	for _, q := range []string{
		`CREATE FUNCTION race_sleep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$`,
		`CREATE CONSTRAINT TRIGGER race_slow AFTER INSERT ON access_changes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION race_sleep()`,
	} {
		if _, err := f.admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	a := &idc.Assignment{InstanceARN: f.d.InstanceARN, IdentityStoreID: f.d.IdentityStoreID, AccountID: f.p.AccountID,
		PermissionSetARN: f.p.PermissionSetARN, PrincipalType: idc.PrincipalUser, PrincipalID: f.d.UserID, CreatedAt: time.Now().UTC()}
	ch := make(chan error, 1)
	go func() {
		ch <- w.Tx(context.Background(), func(q store.Queries) error { _, err := q.CreateAssignment(context.Background(), a); return err })
	}()
	// Wait until the COMMIT sleeps in the trigger.
	for deadline := time.Now().Add(10 * time.Second); ; {
		var n int
		_ = f.admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND wait_event = 'PgSleep'`, role).Scan(&n)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("COMMIT never slept")
		}
		time.Sleep(2 * time.Millisecond)
	}
	f.cutListener(t, w, role)
	n, svcN := f.indexedReplica(t)
	time.Sleep(200 * time.Millisecond)
	if _, err := f.admin.ExecContext(ctx, `ALTER ROLE `+role+` LOGIN`); err != nil {
		t.Fatal(err)
	}
	raceWaitState(t, w, true, 1)
	raceWaitState(t, n, true, 1)
	f.check(t, n, svcN, ch, func() {})
}

// TestRaceLoneWriterListenerDown: a replica with no peers at all whose
// listener cannot reconnect once made every entitlement write wait
// maxAckWait (30 s), and Close did not cut that wait short.
func TestRaceLoneWriterListenerDown(t *testing.T) {
	f := raceSetup(t)
	w, role := f.ownReplica(t)
	f.cutListener(t, w, role)
	defer f.admin.ExecContext(context.Background(), `ALTER ROLE `+role+` LOGIN`)
	a := &idc.Assignment{InstanceARN: f.d.InstanceARN, IdentityStoreID: f.d.IdentityStoreID, AccountID: f.p.AccountID,
		PermissionSetARN: f.p.PermissionSetARN, PrincipalType: idc.PrincipalUser, PrincipalID: f.d.UserID, CreatedAt: time.Now().UTC()}
	start := time.Now()
	ch := make(chan error, 1)
	go func() {
		ch <- w.Tx(context.Background(), func(q store.Queries) error { _, err := q.CreateAssignment(context.Background(), a); return err })
	}()
	time.Sleep(time.Second)
	closeStart := time.Now()
	w.Close()
	t.Logf("Close took %v", time.Since(closeStart))
	err := <-ch
	t.Logf("lone write with the listener down returned after %v (err %v)", time.Since(start), err)
	if time.Since(start) > 5*time.Second {
		t.Errorf("a lone replica's write waited %v", time.Since(start))
	}
}

// TestRaceAmbiguousCommit: the caller's context ends while COMMIT is on
// the wire (a deferred trigger sleeps at commit); the server commits, Tx
// returns an error, db.commits does not move and (alone) nobody is told:
// the writer's own index answers without the committed change.
func TestRaceAmbiguousCommit(t *testing.T) {
	f := raceSetup(t)
	ctx := t.Context()
	w, err := postgres.Open(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	raceWaitState(t, w, true, 0)
	svc := access.New(w)
	if err := svc.IndexReady(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		// Like a commit record's flush, during which a cancel request is
		// held off: the sleep ignores the cancel pgx sends.
		`CREATE FUNCTION race_sleep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
		   BEGIN PERFORM pg_sleep(1); EXCEPTION WHEN query_canceled THEN PERFORM pg_sleep(0.5); END; RETURN NULL; END $$`,
		`CREATE CONSTRAINT TRIGGER race_slow AFTER INSERT ON access_changes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION race_sleep()`,
	} {
		if _, err := f.admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := svc.MayUse(ctx, f.d.UserID, f.p.AccountID, f.p.PermissionSetARN); ok {
		t.Fatal("entitled before")
	}
	a := &idc.Assignment{InstanceARN: f.d.InstanceARN, IdentityStoreID: f.d.IdentityStoreID, AccountID: f.p.AccountID,
		PermissionSetARN: f.p.PermissionSetARN, PrincipalType: idc.PrincipalUser, PrincipalID: f.d.UserID, CreatedAt: time.Now().UTC()}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err = w.Tx(wctx, func(q store.Queries) error { _, err := q.CreateAssignment(wctx, a); return err })
	t.Logf("Tx: %v", err)
	time.Sleep(1500 * time.Millisecond) // the server finishes the COMMIT
	sqlOK, _ := svc.MayUseSQL(ctx, f.d.UserID, f.p.AccountID, f.p.PermissionSetARN)
	ok, _ := svc.MayUse(ctx, f.d.UserID, f.p.AccountID, f.p.PermissionSetARN)
	t.Logf("committed (SQL MayUse) = %v; index MayUse = %v", sqlOK, ok)
	if ok != sqlOK {
		t.Errorf("STALE: the writer's own index disagrees with SQL after an ambiguous commit")
	}
}

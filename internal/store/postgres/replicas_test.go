package postgres_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/store/sqldb"
	"github.com/idcenter/idcenter/internal/testenv"
)

// Replica coherence (internal/store/sqldb/replicas.go), tested with real
// replicas on one database: in this process, and in a child process the
// test can freeze with SIGSTOP.

const testLease = time.Second

// childEnv makes the test binary a replica that prints its AccessVersion
// every few milliseconds (see TestMain).
const childEnv = "IDCENTER_TEST_REPLICA_CHILD"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(childEnv); dsn != "" {
		os.Exit(runChildReplica(dsn))
	}
	os.Exit(m.Run())
}

// runChildReplica prints "<unix nanos> <version> <exact>" lines until its
// stdin closes.
func runChildReplica(dsn string) int {
	db, err := postgres.OpenWith(context.Background(), dsn, postgres.Options{ReplicaLease: testLease})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		db.Close()
		os.Exit(0)
	}()
	for {
		// The time first: a line stamped after a thaw reports a version
		// read after it.
		at := time.Now().UnixNano()
		n, exact := db.AccessVersion()
		fmt.Printf("%d %d %v\n", at, n, exact)
		time.Sleep(3 * time.Millisecond)
	}
}

func openReplica(t *testing.T, dsn string) *sqldb.DB {
	t.Helper()
	return openReplicaWith(t, dsn, postgres.Options{})
}

func openReplicaWith(t *testing.T, dsn string, opt postgres.Options) *sqldb.DB {
	t.Helper()
	opt.ReplicaLease = testLease
	db, err := postgres.OpenWith(t.Context(), dsn, opt)
	if err != nil {
		t.Fatalf("postgres.OpenWith: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitPeers waits until db may answer from memory and knows peers peers.
func waitPeers(t testing.TB, db *sqldb.DB, peers int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		coherent, valid, n := db.ReplicaState()
		if !coherent {
			t.Fatal("a PostgreSQL store keeps no replica coherence")
		}
		if valid && n == peers {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica state: valid %v with %d peers; want valid with %d", valid, n, peers)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustTx(t *testing.T, s store.Store, what string, fn func(ctx context.Context, q store.Queries) error) {
	t.Helper()
	if err := s.Tx(t.Context(), func(q store.Queries) error { return fn(t.Context(), q) }); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func newInstance(t *testing.T, s store.Store) *idc.Instance {
	t.Helper()
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "i", Status: "ACTIVE", CreatedAt: time.Now().UTC()}
	mustTx(t, s, "CreateInstance", func(ctx context.Context, q store.Queries) error { return q.CreateInstance(ctx, in) })
	return in
}

func newPermissionSet(t *testing.T, s store.Store, in *idc.Instance, name string) {
	t.Helper()
	ps := &idc.PermissionSet{ARN: idc.NewPermissionSetARN(in.InstanceARN), InstanceARN: in.InstanceARN, Name: name, SessionDuration: "PT1H", CreatedAt: time.Now().UTC()}
	mustTx(t, s, "CreatePermissionSet", func(ctx context.Context, q store.Queries) error { return q.CreatePermissionSet(ctx, ps) })
}

// TestReplicaAnnouncements: a change committed through one replica has
// moved every other replica's AccessVersion by the time the write returns;
// a write that changes no entitlement moves nothing; a lone replica is
// exact without anyone's help.
func TestReplicaAnnouncements(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	a := openReplica(t, dsn)
	waitPeers(t, a, 0)
	in := newInstance(t, a)
	// Alone, a is exact, and its own commits move its version.
	n0, _ := a.AccessVersion()
	newPermissionSet(t, a, in, "alone")
	if n, exact := a.AccessVersion(); n == n0 || !exact {
		t.Errorf("after a local change: AccessVersion = %d, %v; want moved from %d, exact", n, exact, n0)
	}

	b := openReplica(t, dsn)
	waitPeers(t, b, 1)
	waitPeers(t, a, 1)
	for i, pair := range [][2]*sqldb.DB{{a, b}, {b, a}} {
		w, r := pair[0], pair[1]
		before, _ := r.AccessVersion()
		reads := r.FeedReads()
		newPermissionSet(t, w, in, "ps"+strconv.Itoa(i))
		if n, exact := r.AccessVersion(); n == before || !exact {
			t.Errorf("write %d: the other replica's AccessVersion = %d, %v after the write returned; want moved from %d, exact", i, n, exact, before)
		}
		// Being told costs the other replica no read of the feed.
		if got := r.FeedReads(); got != reads {
			t.Errorf("write %d: the other replica read the feed %d times", i, got-reads)
		}
		// A write that is not an entitlement change is not announced.
		before, _ = r.AccessVersion()
		newInstance(t, w)
		if n, _ := r.AccessVersion(); n != before {
			t.Errorf("write %d: an instance created moved the other replica's AccessVersion", i)
		}
	}

	// A replica that leaves says so: the other stops counting it at once.
	b.Close()
	waitPeers(t, a, 0)
	newPermissionSet(t, a, in, "after")
}

// TestFrozenReplica freezes a replica (SIGSTOP, as a long GC pause or a
// suspended VM would): a write elsewhere waits for it only until its lease
// runs out, and the frozen replica, once thawed, never reports the old
// version as exact — it knows its lease ran out, hears the change, and
// rejoins before it trusts its memory again.
func TestFrozenReplica(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	a := openReplica(t, dsn)
	waitPeers(t, a, 0)
	in := newInstance(t, a)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dsn)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	type line struct {
		at    int64
		n     uint64
		exact bool
	}
	lines := make(chan line, 1<<16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 {
				continue
			}
			at, _ := strconv.ParseInt(f[0], 10, 64)
			n, _ := strconv.ParseUint(f[1], 10, 64)
			lines <- line{at, n, f[2] == "true"}
		}
		close(lines)
	}()
	next := func() line {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the child replica exited")
			}
			return l
		case <-time.After(20 * time.Second):
			t.Fatal("the child replica stopped reporting")
		}
		return line{}
	}

	// Both are joined and exact.
	waitPeers(t, a, 1)
	var last line
	for last = next(); !last.exact; last = next() {
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// Drain what it printed before it stopped.
	for {
		select {
		case l := <-lines:
			last = l
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
	if !last.exact {
		t.Fatalf("the child replica was not exact when frozen")
	}

	// The write returns once the frozen replica's lease has run out, and
	// the writer has stopped counting it as a peer.
	newPermissionSet(t, a, in, "while-frozen")
	if _, _, peers := a.ReplicaState(); peers != 0 {
		t.Errorf("after the write: the writer still counts %d peers", peers)
	}

	thawed := time.Now().UnixNano()
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	for {
		l := next()
		if l.at < thawed {
			continue // printed before the freeze, read late
		}
		if l.exact && l.n == last.n {
			t.Fatalf("thawed replica reports version %d as exact: it would answer from a stale index", l.n)
		}
		if l.exact {
			break // rejoined, with the change heard
		}
	}
	waitPeers(t, a, 1)
}

// BenchmarkAccessWrite measures what coherence costs a write that changes
// entitlements (a permission set created) and one that does not (an
// instance created): alone, and with one and two peers to tell.
//
//	go test -run '^$' -bench AccessWrite ./internal/store/postgres/
func BenchmarkAccessWrite(b *testing.B) {
	dsn := testenv.PostgresDSN(b)
	open := func() *sqldb.DB {
		db, err := postgres.OpenWith(b.Context(), dsn, postgres.Options{ReplicaLease: testLease})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	w := open()
	waitPeers(b, w, 0)
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "i", Status: "ACTIVE", CreatedAt: time.Now().UTC()}
	if err := w.Tx(b.Context(), func(q store.Queries) error { return q.CreateInstance(b.Context(), in) }); err != nil {
		b.Fatal(err)
	}
	for peers := range 3 {
		if peers > 0 {
			waitPeers(b, open(), peers)
			waitPeers(b, w, peers)
		}
		b.Run(fmt.Sprintf("peers=%d/entitlement", peers), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				ps := &idc.PermissionSet{ARN: idc.NewPermissionSetARN(in.InstanceARN), InstanceARN: in.InstanceARN, Name: fmt.Sprintf("p%d-%d", peers, i), SessionDuration: "PT1H", CreatedAt: time.Now().UTC()}
				if err := w.Tx(b.Context(), func(q store.Queries) error { return q.CreatePermissionSet(b.Context(), ps) }); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("peers=%d/other", peers), func(b *testing.B) {
			for b.Loop() {
				in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "i", Status: "ACTIVE", CreatedAt: time.Now().UTC()}
				if err := w.Tx(b.Context(), func(q store.Queries) error { return q.CreateInstance(b.Context(), in) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestListenerReconnect cuts every coherence listener connection, as a
// network blip or a restarted pooler would, just before a write: the write
// still completes (its notification is sent again once a session listens,
// and a peer that rejoins is covered by its own first feed read), and both
// replicas rejoin.
func TestListenerReconnect(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	// b's warnings go to the logger it was given, not to the process's
	// default one (which a server configured for JSON logs does not use).
	var blog testenv.LockedBuffer
	a, b := openReplica(t, dsn), openReplicaWith(t, dsn, postgres.Options{Logger: slog.New(slog.NewJSONHandler(&blog, nil))})
	waitPeers(t, a, 1)
	waitPeers(t, b, 1)
	in := newInstance(t, a)
	defer func() {
		if !strings.Contains(blog.String(), `"msg":"replica coherence: session ended; rejoining"`) {
			t.Errorf("b's logger got %q, want the session-ended warning", blog.String())
		}
	}()
	for round := range 2 {
		before, _ := b.AccessVersion()
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		var killed int
		err = admin.QueryRowContext(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE $1`, sqldb.ListenerName("")+"%").Scan(&killed)
		admin.Close()
		if err != nil || killed != 2 {
			t.Fatalf("terminating the listeners: %d, %v; want 2", killed, err)
		}
		newPermissionSet(t, a, in, "after-cut-"+strconv.Itoa(round))
		// The peer either heard of the change or has not rejoined yet (and
		// reads the feed until it has, its join moving the version).
		if n, exact := b.AccessVersion(); n == before && exact {
			t.Errorf("round %d: the peer's AccessVersion did not move, and it still trusts its memory", round)
		}
		waitPeers(t, a, 1)
		waitPeers(t, b, 1)
	}
}

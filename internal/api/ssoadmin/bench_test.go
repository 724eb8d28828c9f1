package ssoadmin_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/idcenter/idcenter/internal/access/benchdata"
	"github.com/idcenter/idcenter/internal/jsonclient"
	"github.com/idcenter/idcenter/internal/procstat"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/testenv"
)

// large adds the 1,000,000-assignment store to the HTTP benchmarks:
//
//	go test -run '^$' -bench SSOAdminHTTP -benchtime 5000x -timeout 60m ./internal/api/ssoadmin/ -args -large
var large = flag.Bool("large", false, "also benchmark on a store of 1,000,000 assignments")

// newClient is a lean SigV4 client of env's sso-admin (jsonclient), so
// that on a small machine the cores go to the server.
func newClient(env *testenv.Env) *jsonclient.Client {
	return jsonclient.New(env.URL, aws.Credentials{AccessKeyID: env.AdminKeyID, SecretAccessKey: env.AdminSecret}, "sso", env.AWSConfig.HTTPClient.(*http.Client))
}

// ssoAdmin is the X-Amz-Target prefix of sso-admin operations.
const ssoAdmin = "SWBExternalService."

// recorder collects latencies from parallel clients.
type recorder struct {
	mu  sync.Mutex
	all []time.Duration
}

func (r *recorder) add(l []time.Duration) {
	r.mu.Lock()
	r.all = append(r.all, l...)
	r.mu.Unlock()
}

func (r *recorder) report(b *testing.B, prefix string) {
	if len(r.all) == 0 {
		return
	}
	slices.Sort(r.all)
	b.ReportMetric(float64(r.all[len(r.all)/2].Microseconds())/1000, prefix+"p50-ms")
	b.ReportMetric(float64(r.all[len(r.all)*99/100].Microseconds())/1000, prefix+"p99-ms")
}

// cpuTime is the CPU time (user + system) the process has used: server and
// load clients alike, and far less sensitive to other tenants of a shared
// machine than wall-clock throughput.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clients is how many requests the benchmarks keep in flight: 4, the
// issue's measure, unless -clients says otherwise (Terraform's default
// parallelism is 10). It is rounded up to a multiple of GOMAXPROCS.
var clients = flag.Int("clients", 4, "concurrent clients of the HTTP benchmarks")

// measure runs body under b.RunParallel at *clients clients (4:
// SetParallelism(2) on 2 cores) and reports req/s (b.N over the wall time) and the process's CPU
// µs per request. On PostgreSQL it also reports the CPU µs per request of
// the database server's processes (pg-cpu-us/op), which share the machine
// but not the process: cpu-us/op alone would leave out most of a write's
// cost; and the bytes of log written per request (wal-B/op). With
// -pg-waits, a diagnostic mode, it also reports requests per sync of the
// log (ops/wal-sync; the syncs of every process, the WAL writer's and the
// checkpointer's included) and a sync's mean time (wal-sync-us), each
// acknowledged write waiting for at least one, and pg-busy and
// pg-wal-wait-% (samplePGWaits); it waits 11 s before and after the run
// for the statistics to settle (quiesceStats), and its CPU figures include
// the sampler's, so take those from runs without it.
func measure(b *testing.B, s benchStore, body func(pb *testing.PB)) {
	runtime.GC() // not the garbage of generating the stores
	if *pgWaits && s.dsn != "" {
		quiesceStats()
	}
	b.ResetTimer()
	cpu := cpuTime(b)
	pg := pgServerCPU(s.pgPID)
	wal := readWAL(b, s.dsn)
	stopWaits := samplePGWaits(b, s.dsn)
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism(max(1, (*clients+procs-1)/procs))
	b.RunParallel(body)
	b.StopTimer()
	cpuUsed, pgUsed := cpuTime(b)-cpu, pgServerCPU(s.pgPID)-pg
	busy, walShare := stopWaits()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(cpuUsed.Microseconds())/float64(b.N), "cpu-us/op")
	if s.pgPID != 0 {
		b.ReportMetric(float64(pgUsed.Microseconds())/float64(b.N), "pg-cpu-us/op")
	}
	if s.dsn == "" {
		return
	}
	if busy >= 0 {
		b.ReportMetric(busy, "pg-busy")
		b.ReportMetric(100*walShare, "pg-wal-wait-%")
		quiesceStats()
	}
	w2 := readWAL(b, s.dsn)
	b.ReportMetric(float64(w2.lsn-wal.lsn)/float64(b.N), "wal-B/op")
	if n := w2.syncs - wal.syncs; *pgWaits && wal.statsOK && w2.statsOK && n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "ops/wal-sync")
		if d := w2.syncTime - wal.syncTime; d > 0 {
			b.ReportMetric(float64(d.Microseconds())/float64(n), "wal-sync-us")
		}
	}
}

// quiesceStats waits until PostgreSQL's backends have published their
// statistics: a busy backend publishes at most once a second, and one
// that has gone idle within a second of its last publication holds the
// rest for up to 10 s (PGSTAT_MIN_INTERVAL, PGSTAT_IDLE_INTERVAL).
// pg_stat_wal read sooner would leave out up to a second of each backend's
// log syncs.
func quiesceStats() { time.Sleep(11 * time.Second) }

// postmasterPID returns the process id of the local PostgreSQL server
// behind dsn (the parent of a backend), or 0 if it cannot be found, as when
// the server is not on this machine or /proc is not there.
func postmasterPID(dsn string) int {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return 0
	}
	defer db.Close()
	var backend int
	if err := db.QueryRow(`SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0
	}
	st, ok := procstat.Read(backend)
	if !ok {
		return 0
	}
	return st.PPID
}

// walStats is PostgreSQL's log at one moment: the insert position in
// bytes (what a run wrote to the log, a measure of its write work that the
// host's noise does not move), and how many times the log was synced and
// for how long (pg_stat_wal up to PostgreSQL 17, which has the time only
// with track_wal_io_timing; scripts/pg.sh turns it on). Zero on SQLite.
type walStats struct {
	lsn, syncs int64
	syncTime   time.Duration
	statsOK    bool // the sync counters were read
}

func readWAL(b *testing.B, dsn string) walStats {
	var w walStats
	if dsn == "" {
		return w
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::BIGINT`).Scan(&w.lsn); err != nil {
		b.Fatalf("WAL position: %v", err)
	}
	// PostgreSQL 18 moved these counters to pg_stat_io; there the metrics
	// are left out.
	var ms float64
	if err := db.QueryRow(`SELECT wal_sync, wal_sync_time FROM pg_stat_wal`).Scan(&w.syncs, &ms); err == nil {
		w.syncTime, w.statsOK = time.Duration(ms*float64(time.Millisecond)), true
	}
	return w
}

// pgWaits, with -pg-waits, samples what PostgreSQL's busy backends are
// doing while a run goes on: stop it to get the mean number of backends
// busy with a statement and the share of those samples waiting for the log
// to be flushed (LWLock:WALWrite, another backend's flush under way;
// IO:WALWrite and IO:WALSync, its own write and sync). By Little's law,
// busy backends ÷ req/s is the time a request spends in a statement.
var pgWaits = flag.Bool("pg-waits", false, "diagnostic: sample PostgreSQL's wait events during each run (about 200 queries/s) and report log syncs")

func samplePGWaits(b *testing.B, dsn string) (stop func() (busy, walShare float64)) {
	if !*pgWaits || dsn == "" {
		return func() (float64, float64) { return -1, -1 }
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var samples, active, wal int64
	var firstErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var a, w int64
			err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE (wait_event_type, wait_event) IN
				(('LWLock', 'WALWrite'), ('IO', 'WALWrite'), ('IO', 'WALSync')))
				FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()`).Scan(&a, &w)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			samples, active, wal = samples+1, active+a, wal+w
		}
	})
	return func() (float64, float64) {
		close(done)
		wg.Wait()
		db.Close()
		if samples == 0 {
			b.Logf("no wait-event samples: %v", firstErr)
			return -1, -1
		}
		if active == 0 {
			return 0, 0
		}
		return float64(active) / float64(samples), float64(wal) / float64(active)
	}
}

// settle brings a freshly generated PostgreSQL database to the state of
// one that has been running: vacuumed (the visibility map set, the
// planner's statistics current) and checkpointed. Otherwise autovacuum's
// first passes over the generated tables, and the full-page images of a
// checkpoint, land in whichever measurement runs first.
func settle(b *testing.B, dsn string) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{`VACUUM (ANALYZE)`, `CHECKPOINT`} {
		if _, err := db.Exec(stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
}

// pgServerCPU is the CPU time of the PostgreSQL server process pid and of
// its children (backends and background workers), those still running and
// those that have exited; 0 if pid is 0 or /proc cannot say.
func pgServerCPU(pid int) time.Duration {
	d, _ := procstat.TreeCPU(pid)
	return d
}

// smallSpec is the 10,000-assignment store. Like benchdata.Large it holds
// 20 assignments per (account, permission set) pair, so that a
// ListAccountAssignments page is the same size on both stores and only the
// store's size differs.
func smallSpec() benchdata.Spec {
	return benchdata.Spec{Accounts: 50, PermissionSets: 50, PairsPerAccount: 10, Groups: 500, AssignmentsPerGroup: 20, UserGroups: 100, Seed: 1}
}

// largeSpec is benchdata.Large, or with -large-assignments a smaller store
// of the same shape (for quicker runs while developing).
func largeSpec() benchdata.Spec {
	s := benchdata.Large()
	if n := *largeAssignments; n > 0 {
		// Same shape: 20 assignments per pair, 50 pairs per account.
		s.Groups = max(1, n/s.AssignmentsPerGroup)
		s.Accounts = max(1, n/(s.AssignmentsPerGroup*s.PairsPerAccount))
	}
	return s
}

var largeAssignments = flag.Int("large-assignments", 0, "with -large, the size of the large store (default 1,000,000)")

// benchStore is one generated data set served over HTTP.
type benchStore struct {
	name string // the number of assignments
	d    *benchdata.Data
	c    *jsonclient.Client
	// pgPID is the local PostgreSQL server's process id, 0 on SQLite or
	// when it cannot be found.
	pgPID int
	// dsn is the PostgreSQL store's database ("" on SQLite).
	dsn string
}

// BenchmarkSSOAdminHTTP measures sso-admin over HTTP with SigV4, at 4
// concurrent clients, on SQLite and PostgreSQL. Every store is generated
// first; then ListAccountAssignments (MaxResults=100, pages of 20) runs on
// the 10,000-assignment store and, with -large, on the 1,000,000 one back
// to back, so that the two figures share the machine's conditions; then
// CreateAccountAssignment likewise, with the time until
// DescribeAccountAssignmentCreationStatus shows SUCCEEDED sampled on every
// 10th request.
func BenchmarkSSOAdminHTTP(b *testing.B) {
	// The garbage collector as `idcenter serve` sets it (GOGC=400, a 1 GiB
	// soft limit), so that the figures are the deployed server's.
	gc, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1)
	debug.SetGCPercent(gc)
	server.TuneGC()
	b.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })
	specs := []benchdata.Spec{smallSpec()}
	if *large {
		specs = append(specs, largeSpec())
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			var stores []benchStore
			for _, spec := range specs {
				var dsn string
				var o testenv.Options
				if backend == "postgres" {
					dsn = testenv.PostgresDSN(b)
					st, err := postgres.Open(context.Background(), dsn)
					if err != nil {
						b.Fatalf("postgres.Open: %v", err)
					}
					b.Cleanup(func() { st.Close() })
					o.Store = st
				}
				env := testenv.NewWith(b, backend, o)
				d, err := benchdata.Generate(context.Background(), env.Store, env.InstanceARN, env.IdentityStoreID, spec)
				if err != nil {
					b.Fatalf("generate: %v", err)
				}
				s := benchStore{name: fmt.Sprint(spec.Assignments()), d: d, c: newClient(env)}
				if backend == "postgres" {
					s.pgPID, s.dsn = postmasterPID(dsn), dsn
					settle(b, dsn)
				}
				stores = append(stores, s)
			}
			b.Run("ListAccountAssignments", func(b *testing.B) {
				for _, s := range stores {
					b.Run(s.name, func(b *testing.B) { benchList(b, s) })
				}
			})
			b.Run("CreateAccountAssignment", func(b *testing.B) {
				for _, s := range stores {
					b.Run(s.name, func(b *testing.B) { benchCreate(b, s) })
				}
			})
		})
	}
}

func benchList(b *testing.B, s benchStore) {
	ctx := context.Background()
	var rec recorder
	var next atomic.Int64
	measure(b, s, func(pb *testing.PB) {
		var lat []time.Duration
		for pb.Next() {
			p := s.d.Pairs[int(next.Add(7919))%len(s.d.Pairs)]
			var out struct{ AccountAssignments []any }
			t0 := time.Now()
			err := s.c.Call(ctx, ssoAdmin+"ListAccountAssignments", map[string]any{"InstanceArn": s.d.InstanceARN, "AccountId": p.AccountID, "PermissionSetArn": p.PermissionSetARN, "MaxResults": 100}, &out)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Error(err)
				return
			}
		}
		rec.add(lat)
	})
	rec.report(b, "")
}

func benchCreate(b *testing.B, s benchStore) {
	ctx := context.Background()
	d := s.d
	var accepted, done recorder
	var next atomic.Int64
	measure(b, s, func(pb *testing.PB) {
		var acc, comp []time.Duration
		for pb.Next() {
			// A new (group, pair) each time: group i takes pairs it is not assigned.
			i := int(next.Add(1))
			g := d.Groups[i%len(d.Groups)]
			p := d.Pairs[(i/len(d.Groups)*104729+i*31+len(d.Pairs)/2)%len(d.Pairs)]
			var out struct {
				AccountAssignmentCreationStatus struct{ RequestId, Status string }
			}
			t0 := time.Now()
			err := s.c.Call(ctx, ssoAdmin+"CreateAccountAssignment", map[string]any{"InstanceArn": d.InstanceARN, "TargetId": p.AccountID, "TargetType": "AWS_ACCOUNT",
				"PermissionSetArn": p.PermissionSetARN, "PrincipalType": "GROUP", "PrincipalId": g}, &out)
			acc = append(acc, time.Since(t0))
			if err != nil {
				b.Error(err)
				return
			}
			// Sample completion on every 10th request, as a client polling would.
			if i%10 != 0 {
				continue
			}
			var st struct {
				AccountAssignmentCreationStatus struct{ Status, FailureReason string }
			}
			if err := s.c.Call(ctx, ssoAdmin+"DescribeAccountAssignmentCreationStatus", map[string]any{"InstanceArn": d.InstanceARN,
				"AccountAssignmentCreationRequestId": out.AccountAssignmentCreationStatus.RequestId}, &st); err != nil {
				b.Error(err)
				return
			}
			if st.AccountAssignmentCreationStatus.Status != "SUCCEEDED" {
				b.Errorf("status = %+v", st)
				return
			}
			comp = append(comp, time.Since(t0))
		}
		accepted.add(acc)
		done.add(comp)
	})
	accepted.report(b, "")
	done.report(b, "done-")
}

package access_test

import (
	"context"
	"flag"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/access/benchdata"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// large selects the BENCHMARKS.md data set. Without it the benchmarks run
// on a small one, so that `go test -bench .` stays quick:
//
//	go test -run '^$' -bench . -benchtime 20000x -timeout 60m ./internal/access/ -args -large
var large = flag.Bool("large", false, "benchmark on the 1,000,000-assignment data set of BENCHMARKS.md")

func benchSpec() benchdata.Spec {
	if *large {
		return benchdata.Large()
	}
	return benchdata.Spec{Accounts: 100, PermissionSets: 50, PairsPerAccount: 10, Groups: 1000, AssignmentsPerGroup: 20, UserGroups: 100, Seed: 1}
}

// benchStore opens a fresh store of a backend with an instance and the
// benchmark data set in it.
func benchStore(b *testing.B, backend string) (store.Store, *benchdata.Data) {
	b.Helper()
	ctx := context.Background()
	st := testenv.OpenStore(b, backend)
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "bench", Status: "ACTIVE", CreatedAt: time.Now()}
	if err := st.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, in) }); err != nil {
		b.Fatalf("CreateInstance: %v", err)
	}
	spec := benchSpec()
	start := time.Now()
	d, err := benchdata.Generate(ctx, st, in.InstanceARN, in.IdentityStoreID, spec)
	if err != nil {
		b.Fatalf("generate: %v", err)
	}
	b.Logf("%s: generated %d accounts, %d permission sets, %d assignments (user in %d groups, %d entitlements) in %s",
		backend, spec.Accounts, spec.PermissionSets, spec.Assignments(), spec.UserGroups, len(d.Entitled), time.Since(start).Round(time.Second))
	return st, d
}

// latencies records per-call durations and reports p50/p99.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(l[len(l)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkEntitlements measures whole entitlement lists and single
// decisions for a user in 100 groups, on SQLite and PostgreSQL.
func BenchmarkEntitlements(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			st, d := benchStore(b, backend)
			ctx := context.Background()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			svc := access.New(st)
			start := time.Now()
			if err := svc.IndexReady(ctx); err != nil {
				b.Fatalf("IndexReady: %v", err)
			}
			loaded := time.Since(start)
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.Logf("%s: entitlement index loaded in %s, heap +%.1f MiB", backend, loaded.Round(time.Millisecond),
				float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20))
			runtime.KeepAlive(svc)
			es, err := svc.Entitlements(ctx, d.IdentityStoreID, d.UserID)
			if err != nil || len(es) != len(d.Entitled) {
				b.Fatalf("Entitlements = %d, %v; want %d", len(es), err, len(d.Entitled))
			}
			var entitled, denied []benchdata.Pair
			for _, p := range d.Pairs {
				if d.Entitled[p] {
					entitled = append(entitled, p)
				} else if len(denied) < 10000 {
					denied = append(denied, p)
				}
			}

			b.Run("List", func(b *testing.B) {
				var l latencies
				for b.Loop() {
					t0 := time.Now()
					if _, err := svc.Entitlements(ctx, d.IdentityStoreID, d.UserID); err != nil {
						b.Fatal(err)
					}
					l = append(l, time.Since(t0))
				}
				l.report(b)
			})
			b.Run("ListParallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := svc.Entitlements(ctx, d.IdentityStoreID, d.UserID); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			for _, c := range []struct {
				name  string
				pairs []benchdata.Pair
				want  bool
			}{{"MayUseAllowed", entitled, true}, {"MayUseDenied", denied, false}} {
				b.Run(c.name, func(b *testing.B) {
					var l latencies
					i := 0
					for b.Loop() {
						p := c.pairs[i%len(c.pairs)]
						i++
						t0 := time.Now()
						ok, err := svc.MayUse(ctx, d.UserID, p.AccountID, p.PermissionSetARN)
						l = append(l, time.Since(t0))
						if err != nil || ok != c.want {
							b.Fatalf("MayUse(%v) = %v, %v; want %v", p, ok, err, c.want)
						}
					}
					l.report(b)
				})
			}
			b.Run("MayUseParallel", func(b *testing.B) {
				var next atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						p := entitled[int(next.Add(1))%len(entitled)]
						if _, err := svc.MayUse(ctx, d.UserID, p.AccountID, p.PermissionSetARN); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

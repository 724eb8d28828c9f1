package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/trace"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/idcenter/idcenter/internal/auth"
)

// The sign-in storm scenario (issue #4: "password hashing is bounded by
// design") compares the token endpoint's and the portal API's latency at
// one fixed offered load without and with a storm of password sign-ins.
//
// Measuring it honestly takes an open-loop load: requests are due at fixed
// times (i/rate after the start) whatever happened to earlier ones, and
// each latency runs from the time the request was due, so a request that
// waits for a busy client, or a dispatcher that falls behind, counts as
// latency instead of silently lowering the offered load (coordinated
// omission). The idle and storm runs offer the same requests at the same
// rate; their p99 is over every request of the run. The storm's sign-ins
// (in process, through the auth service the web sign-in uses) are counted
// as completed, refused (ErrBusy: beyond the hashing bounds) and failed,
// per second of the storm.

// runOpen offers n requests at rate per second (for at most maxDur) to
// `clients` workers; request i is due at start + i/rate and its latency is
// measured from then.
func runOpen(name string, clients, n, rate int, maxDur time.Duration, do func(ctx context.Context, i int) (status int, ok bool)) *stats {
	ctx, cancel := context.WithTimeout(context.Background(), maxDur)
	defer cancel()
	type job struct {
		i   int
		due time.Time
	}
	jobs := make(chan job, n)
	var mu sync.Mutex
	st := &stats{name: name, clients: clients}
	var wg sync.WaitGroup
	t0, c0 := time.Now(), cpuTime()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				status, ok := do(ctx, j.i)
				lat := time.Since(j.due)
				mu.Lock()
				st.lat = append(st.lat, lat)
				if status >= 500 {
					st.five++
				}
				if !ok {
					st.errs++
				}
				mu.Unlock()
			}
		}()
	}
	period := time.Second / time.Duration(rate)
	for i := 0; i < n && ctx.Err() == nil; i++ {
		due := t0.Add(time.Duration(i) * period)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		jobs <- job{i: i, due: due}
	}
	close(jobs)
	wg.Wait()
	st.elapsed, st.cpu = time.Since(t0), cpuTime()-c0
	sort.Slice(st.lat, func(i, j int) bool { return st.lat[i] < st.lat[j] })
	return st
}

// signInStorm is `workers` goroutines signing in back to back until halted.
type signInStorm struct {
	done, refused, failed atomic.Int64
	mu                    sync.Mutex
	lat                   []time.Duration // of completed sign-ins
	start                 time.Time
	secs                  float64 // how long it ran, once halted
	cancel                context.CancelFunc
	wg                    sync.WaitGroup
}

func (h *harness) startStorm(workers int) *signInStorm {
	ctx, cancel := context.WithCancel(context.Background())
	s := &signInStorm{start: time.Now(), cancel: cancel}
	for w := range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for ctx.Err() == nil {
				t := time.Now()
				_, err := h.srv.Auth().SignIn(ctx, auth.SignInInput{IdentityStoreID: h.storeID,
					UserName: h.names[w%len(h.names)], Password: password, UserAgent: "storm"})
				switch {
				case err == nil:
					s.done.Add(1)
					s.mu.Lock()
					s.lat = append(s.lat, time.Since(t))
					s.mu.Unlock()
				case errors.Is(err, auth.ErrBusy):
					s.refused.Add(1)
					// A refused browser shows "try again in a moment"; a
					// person retries after a while, not in a busy loop.
					select {
					case <-time.After(250 * time.Millisecond):
					case <-ctx.Done():
					}
				case ctx.Err() == nil:
					s.failed.Add(1)
				}
			}
		}()
	}
	return s
}

// halt ends the storm.
func (s *signInStorm) halt() {
	s.secs = time.Since(s.start).Seconds()
	s.cancel()
	s.wg.Wait()
}

// summarize describes the sign-ins of the storms: completed, refused and
// failed per second of storm, and the completed ones' latency.
func summarize(workers int, storms []*signInStorm) string {
	var secs float64
	var done, refused, failed int64
	var lat []time.Duration
	for _, s := range storms {
		secs += s.secs
		done += s.done.Load()
		refused += s.refused.Load()
		failed += s.failed.Load()
		lat = append(lat, s.lat...)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return ms(lat[min(len(lat)-1, int(q*float64(len(lat))))])
	}
	return fmt.Sprintf("sign-in storm: %d workers, %.1f s in all: %.1f sign-ins/s completed (p50 %.0f ms, p99 %.0f ms), %.1f/s refused busy, %d failed otherwise",
		workers, secs, float64(done)/secs, p(0.5), p(0.99), float64(refused)/secs, failed)
}

// stormRounds is how many times the idle and storm phases alternate
// (-storm-rounds): on a machine shared with other work, alternating spreads
// the neighbours' varying load over both phases instead of biasing one, and
// more rounds make the p99s steadier.
var stormRounds = 5

// storm runs the idle and storm comparison at b.rate req/s with `workers`
// concurrent sign-ins: stormRounds rounds of an idle phase then a storm
// phase, each offering both operations, 2 s per operation and phase.
func (b *bench) storm(workers int, refreshOne, rolesOne func(ctx context.Context, i int) (int, bool)) {
	perPhase := b.rate * 2
	name := func(op, phase string) string { return fmt.Sprintf("%s at %d req/s, %s", op, b.rate, phase) }
	rows := map[string]*stats{}
	rt := map[string]*runtimeStats{} // per phase
	measure := func(op, phase string, do func(ctx context.Context, i int) (int, bool)) {
		r0 := readRuntime()
		st := runOpen(name(op, phase), b.clients, perPhase, b.rate, b.maxDur, do)
		if rt[phase] == nil {
			rt[phase] = &runtimeStats{}
		}
		rt[phase].add(r0, readRuntime())
		if r := rows[st.name]; r != nil {
			r.merge(st)
		} else {
			rows[st.name] = st
		}
	}
	var storms []*signInStorm
	for round := range stormRounds {
		if traceFile != "" && round == stormRounds-1 {
			stop := startTrace(traceFile)
			defer stop()
		}
		measure("CreateToken refresh_token", "idle", refreshOne)
		measure("ListAccountRoles", "idle", rolesOne)
		s := b.h.startStorm(workers)
		measure("CreateToken refresh_token", "sign-in storm", refreshOne)
		measure("ListAccountRoles", "sign-in storm", rolesOne)
		s.halt()
		storms = append(storms, s)
	}
	for _, op := range []string{"CreateToken refresh_token", "ListAccountRoles"} {
		for _, phase := range []string{"idle", "sign-in storm"} {
			fmt.Println(rows[name(op, phase)])
		}
	}
	// The process's CPU use (server and load clients) in each phase: what
	// the storm adds is its hashing and what that drives (GC, sign-in
	// writes), a figure far less sensitive to other tenants than p99.
	cores := func(phase string) float64 {
		var cpu, wall time.Duration
		for _, op := range []string{"CreateToken refresh_token", "ListAccountRoles"} {
			cpu += rows[name(op, phase)].cpu
			wall += rows[name(op, phase)].elapsed
		}
		return cpu.Seconds() / wall.Seconds()
	}
	fmt.Printf("\nprocess CPU: %.2f cores idle, %.2f cores during the storm\n", cores("idle"), cores("sign-in storm"))
	for _, phase := range []string{"idle", "sign-in storm"} {
		fmt.Printf("runtime, %s: %s\n", phase, rt[phase])
	}
	ratio := func(op string) float64 {
		return ms(rows[name(op, "sign-in storm")].pct(0.99)) / ms(rows[name(op, "idle")].pct(0.99))
	}
	fmt.Printf("%s\np99 storm/idle at %d req/s: CreateToken refresh %.2fx, ListAccountRoles %.2fx\n", summarize(workers, storms), b.rate,
		ratio("CreateToken refresh_token"), ratio("ListAccountRoles"))
}

// merge adds the requests of o, a run of the same scenario, to s.
func (s *stats) merge(o *stats) {
	s.lat = append(s.lat, o.lat...)
	sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
	s.errs += o.errs
	s.five += o.five
	s.elapsed += o.elapsed
	s.cpu += o.cpu
}

// traceFile, when set, receives an execution trace of the storm
// comparison's last round (-trace).
var traceFile string

// startTrace starts an execution trace into path and returns its stop.
func startTrace(path string) (stop func()) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	if err := trace.Start(f); err != nil {
		fail(err)
	}
	return func() {
		trace.Stop()
		f.Close()
	}
}

// The runtime's view of a phase, to tell where extra latency comes from:
// how long runnable goroutines waited for a P (scheduler latency), and how
// much garbage collection ran.
var runtimeMetrics = []string{
	"/sched/latencies:seconds",
	"/gc/cycles/total:gc-cycles",
	"/gc/heap/allocs:bytes",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/gc/mark/assist:cpu-seconds",
	"/sched/pauses/total/gc:seconds",
}

type runtimeSample struct {
	at  time.Time
	all []metrics.Sample
}

func readRuntime() runtimeSample {
	s := make([]metrics.Sample, len(runtimeMetrics))
	for i, n := range runtimeMetrics {
		s[i].Name = n
	}
	metrics.Read(s)
	return runtimeSample{at: time.Now(), all: s}
}

// runtimeStats sums the differences of runtime metrics over the runs of a
// phase.
type runtimeStats struct {
	secs             float64
	gcs              uint64
	allocs           uint64
	gcCPU, assistCPU float64
	lat, pause       []uint64 // histogram counts (deltas)
	latB, pauseB     []float64
}

func (r *runtimeStats) add(a, b runtimeSample) {
	r.secs += b.at.Sub(a.at).Seconds()
	r.gcs += b.all[1].Value.Uint64() - a.all[1].Value.Uint64()
	r.allocs += b.all[2].Value.Uint64() - a.all[2].Value.Uint64()
	r.gcCPU += b.all[3].Value.Float64() - a.all[3].Value.Float64()
	r.assistCPU += b.all[4].Value.Float64() - a.all[4].Value.Float64()
	addHist := func(into *[]uint64, bounds *[]float64, x, y *metrics.Float64Histogram) {
		if *into == nil {
			*into = make([]uint64, len(y.Counts))
			*bounds = y.Buckets
		}
		for i := range y.Counts {
			(*into)[i] += y.Counts[i] - x.Counts[i]
		}
	}
	addHist(&r.lat, &r.latB, a.all[0].Value.Float64Histogram(), b.all[0].Value.Float64Histogram())
	addHist(&r.pause, &r.pauseB, a.all[5].Value.Float64Histogram(), b.all[5].Value.Float64Histogram())
}

// histQ returns an upper bound of quantile q of a histogram.
func histQ(counts []uint64, bounds []float64, q float64) float64 {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(q * float64(total))
	var sum uint64
	for i, c := range counts {
		sum += c
		if sum > want {
			return bounds[i+1]
		}
	}
	return bounds[len(bounds)-1]
}

func (r *runtimeStats) String() string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("sched latency p99 %.2f ms p99.9 %.2f ms; %.1f GC/s, %.0f MB/s allocated, GC CPU %.2f cores (assists %.3f), GC pause p99 %.2f ms",
		1000*histQ(r.lat, r.latB, 0.99), 1000*histQ(r.lat, r.latB, 0.999), float64(r.gcs)/r.secs, float64(r.allocs)/r.secs/1e6,
		r.gcCPU/r.secs, r.assistCPU/r.secs, 1000*histQ(r.pause, r.pauseB, 0.99))
}

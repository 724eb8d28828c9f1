package auth

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/idcenter/idcenter/internal/argon2id"
)

// Password hashes run on a few dedicated OS threads of low scheduling
// priority, the hashing threads, so that a storm of sign-ins does not add
// latency to token and API requests beyond the CPU share the budget
// (hashBudget) grants it. Measured with tools/loadgen/oauth's sign-in
// storm, what remained after the budget came from four places:
//
//   - The length of a hash's bursts: a hash computed in one go holds a
//     core for its whole 35 ms, and on a two-core machine everything else
//     (requests, and PostgreSQL's backends, which are other processes and
//     which no priority of ours protects) shares the other core meanwhile.
//     The budget bounds how often that happens, not how long it lasts, so
//     p99 latency, which needs only 1 % of requests to be slow, saw it at
//     any budget: at a sixteenth of a core as at a quarter. A hashing thread
//     therefore paces each hash (pacer): it computes a slice of about half
//     a millisecond, then sleeps as long as the slice took. On a quiet
//     machine with PostgreSQL (tools/loadgen/oauth -only storm
//     -storm-rounds 6, alternated runs) refresh p99 storm/idle went from
//     2.9–3.5× to 1.2× and ListAccountRoles from 1.8–2.0× to 1.0–1.1×;
//     sleeping three times as long as each slice did no better, so the
//     duty cycle is not what matters. The price: a hash takes two to three
//     times its CPU time in wall time, and each pause costs a little CPU
//     (refilled caches, a thread wake-up), which the budget charges. A
//     hashing thread thus gives hashing at most about 0.4 of a CPU, so with
//     GOMAXPROCS/2 threads a budget above about GOMAXPROCS/5 CPUs is not
//     reached. Pacing needs a thread CPU clock (Linux); elsewhere hashes
//     run in one go, as before. Each pause ends with the Go runtime
//     handing a P to the hashing thread, which holds it until the kernel
//     runs the thread: what made the idle class unfit (below).
//   - The kernel: a request's thread woken while a hash runs waits for
//     the core like any other thread unless hashing yields. Hashing threads
//     run at nice 19 (Linux only; see lowerThreadPriority), so the kernel
//     favours request threads and PostgreSQL's backends over them. Before
//     pacing they were in the SCHED_IDLE class, which did better then (on
//     SQLite, median refresh p99 storm/idle 1.6× over seven runs against
//     5.4× at nice 19 over five, when a nice-19 thread kept the core for
//     a whole 35 ms hash), but the idle class never preempts a normal
//     thread, so on a machine saturated by other work its thread could
//     wait hundreds of milliseconds for a CPU while holding the P the
//     runtime handed it at the end of a pause; with a normal-priority busy
//     loop beside the PostgreSQL storm, refresh p99 storm/idle was 1.2×,
//     2.0×, 2.4× and once 36.9× (a 216 ms p99) in the idle class, against
//     1.3× and 0.8× at nice 19. Nor did the idle class protect PostgreSQL
//     on the Firecracker microVMs idcenter is measured on (guest kernel
//     built without preemption): an idle-class busy loop at a quarter duty
//     raised PostgreSQL's latency as much as a normal one. Pacing is what
//     bounds the latency; the nice value only tilts the kernel's choice.
//     The trade-off: on a machine saturated by other work sign-ins get a
//     small share of the CPU, so they wait and, beyond the queue, are
//     refused (ErrBusy) rather than slow the API.
//     The hashing goroutine is locked to its thread and never unlocks, so
//     the thread ends with the goroutine instead of returning to the Go
//     runtime at nice 19; threads the runtime creates meanwhile do not
//     inherit the nice value (it creates them from a template thread when
//     asked from a locked one).
//   - The Go scheduler: x/crypto/argon2 computes every segment on a new
//     goroutine, which runs on any thread at normal priority, so the
//     hashing thread could not keep the work; internal/argon2id computes on
//     the caller's goroutine. A running hash holds one of the GOMAXPROCS
//     Ps. Raising GOMAXPROCS by the number of hashing threads, so that
//     requests keep as many Ps as there are CPUs, was tried and made the
//     storm worse (on a quiet two-core machine, -storm-rounds 10: refresh
//     p99 storm/idle 2.0× and 2.1× with GOMAXPROCS 3, 0.9× and 0.6× with
//     2; closed-loop p99s rose too), presumably because with more Ps than
//     CPUs the kernel time-slices request threads. Known limit: on a
//     machine saturated by other work the nice-19 thread may wait for a CPU
//     while it holds its P, leaving requests the other Ps until the kernel
//     runs it (at nice 19 that is milliseconds, not the idle class's
//     hundreds).
//   - The garbage collector: x/crypto/argon2 allocates 19 MiB per hash,
//     more than the server's whole live heap, so a storm set off several
//     collections a second. Each hashing thread keeps one argon2id.Memory
//     and reuses it; it is released after hashIdleRelease without hashing,
//     and memory larger than the default parameters need (verifying an old
//     hash with larger parameters) is released at once.
//
// The cost of a hash charged to the budget is the hashing thread's own CPU
// time (CLOCK_THREAD_CPUTIME_ID), exact however busy the machine is; where
// that clock is missing it is bounded as before (see measureCost).
//
// If the priority cannot be lowered (another system, or a seccomp or
// container policy refusing setpriority) hashing runs at normal priority:
// the budget still bounds its CPU share, only the kernel no longer favours
// requests over it.

// pacer returns the argon2id.Memory.Pace of one hash: called after
// every slice of a hash (argon2id.PaceBlocks blocks, about half a
// millisecond), it sleeps as long as the slice took, so the thread never
// computes for more than a slice at a time and leaves its CPU at least as
// long as it held it. The slice's time is the thread's CPU time (what it
// held the CPU for, not what it waited for one); pacing is only done where
// the thread has a CPU clock (see newHashPool). A pause is capped at
// maxPause, so a clock gone wrong cannot stall sign-ins.
func pacer() func() {
	last, _ := threadCPUTime()
	return func() {
		if now, ok := threadCPUTime(); ok {
			if took := now - last; took > 0 {
				time.Sleep(min(took, maxPause))
			}
		}
		last, _ = threadCPUTime()
	}
}

// maxPause bounds one pause of a paced hash: ten times a slice's usual
// CPU time.
const maxPause = 5 * time.Millisecond

// hashIdleRelease is how long a hashing thread keeps its memory without
// hashing.
const hashIdleRelease = 30 * time.Second

// hashPool is a set of hashing threads taking jobs from one channel.
type hashPool struct {
	size  int
	lower func() error // lowers the calling thread's priority; nil: not done
	keep  int          // bytes of argon2id memory a thread may keep between hashes
	idle  time.Duration
	pace  bool // pause between slices of a hash (see pacer); only with a thread CPU clock

	start   sync.Once
	jobs    chan *hashJob
	lowered atomic.Int32 // threads whose priority was lowered
	failed  atomic.Int32 // threads whose priority could not be lowered
	held    atomic.Int64 // bytes of argon2id memory the threads keep
}

// hashJob is one argon2id computation.
type hashJob struct {
	pw, salt []byte
	p        Argon2Params
	keyLen   uint32

	key  []byte
	err  error
	cost time.Duration // CPU time of the computation
	done chan struct{}
}

// newHashPool returns a pool of size threads (started on first use) that
// call lower on themselves. Hashes are paced where the threads have a CPU
// clock: without one a pause could only be timed by the wall clock, and
// the budget, which then charges wall time (measureCost), would be charged
// for the pauses too.
func newHashPool(size int, lower func() error) *hashPool {
	return &hashPool{size: max(1, size), lower: lower, keep: int(DefaultArgon2.Memory) * 1024, idle: hashIdleRelease,
		pace: hasThreadCPUTime(), jobs: make(chan *hashJob)}
}

// key computes the argon2id tag of pw and salt on a hashing thread, and
// returns it with the CPU time it took.
func (p *hashPool) key(pw, salt []byte, params Argon2Params, keyLen uint32) ([]byte, time.Duration, error) {
	p.start.Do(func() {
		for range p.size {
			go p.worker()
		}
	})
	j := &hashJob{pw: pw, salt: salt, p: params, keyLen: keyLen, done: make(chan struct{})}
	p.jobs <- j
	<-j.done
	return j.key, j.cost, j.err
}

// worker is one hashing thread.
func (p *hashPool) worker() {
	// Never unlocked: with a lowered priority the thread must exit with
	// this goroutine rather than serve other goroutines.
	runtime.LockOSThread()
	if p.lower != nil {
		if err := p.lower(); err != nil {
			p.failed.Add(1)
		} else {
			p.lowered.Add(1)
		}
	}
	var mem argon2id.Memory
	drop := func() {
		p.held.Add(-int64(mem.Size()))
		mem = argon2id.Memory{}
	}
	for {
		var release <-chan time.Time
		if mem.Size() > 0 {
			release = time.After(p.idle)
		}
		select {
		case j, ok := <-p.jobs:
			if !ok {
				return
			}
			before := mem.Size()
			if p.pace {
				mem.Pace = pacer()
			}
			j.cost = measureCost(func() {
				j.key, j.err = mem.Key(j.pw, j.salt, j.p.Time, j.p.Memory, j.p.Threads, j.keyLen)
			})
			p.held.Add(int64(mem.Size() - before))
			if mem.Size() > p.keep {
				drop()
			}
			close(j.done)
		case <-release:
			drop()
		}
	}
}

// close stops the threads (tests; the process-wide pool is never closed).
func (p *hashPool) close() { close(p.jobs) }

// hasThreadCPUTime reports whether threads have a CPU clock here.
func hasThreadCPUTime() bool {
	_, ok := threadCPUTime()
	return ok
}

// measureCost runs fn on the calling thread and returns its CPU time: the
// thread's CPU clock where there is one; elsewhere the smaller of two upper
// bounds, the wall time (the work runs on one thread) and the CPU time the
// whole process used meanwhile (on a busy machine the wall time includes
// waiting for a CPU).
func measureCost(fn func()) time.Duration {
	if t0, ok := threadCPUTime(); ok {
		fn()
		if t1, ok := threadCPUTime(); ok {
			return t1 - t0
		}
	}
	start := time.Now()
	c0, ok0 := processCPUTime()
	fn()
	c1, ok1 := processCPUTime()
	cost := time.Since(start)
	if ok0 && ok1 {
		cost = min(cost, c1-c0)
	}
	return cost
}

// The process-wide hashing threads, shared by every Service: like CPUs,
// they are a resource of the process.
var (
	poolOnce sync.Once
	pool     *hashPool
)

// hashThreads returns the process's hashing threads: as many as the
// default number of concurrent hashes.
func hashThreads() *hashPool {
	poolOnce.Do(func() { pool = newHashPool(defaultHashSlots(), lowerThreadPriority) })
	return pool
}

// defaultHashSlots is the default number of concurrent hashes (and of
// hashing threads): half of GOMAXPROCS, at least one.
func defaultHashSlots() int { return max(1, runtime.GOMAXPROCS(0)/2) }

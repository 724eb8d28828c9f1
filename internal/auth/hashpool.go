package auth

import (
	"os"
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
// storm, what remained after the budget came from three places:
//
//   - The kernel: a hash keeps a core busy for tens of milliseconds, and
//     on a two-core machine a request's thread woken meanwhile waited for
//     that core like any other thread. A hashing thread puts itself in the
//     SCHED_IDLE class (Linux only; see lowerThreadPriority), so the kernel
//     preempts it whenever a request thread wakes and hashing gets what
//     requests leave, down to the budget. Measured alternately with the
//     previous design on a shared two-core machine (tools/loadgen/oauth
//     -only storm, seven runs each), SQLite refresh p99 storm/idle had a
//     median of 1.6× against 2.4× (the noise is large: single runs ranged
//     from 1.1× to 4.5×). Nice 19 instead of SCHED_IDLE was worse than the
//     previous design (median 5.4× in five runs); presumably because a
//     nice-19 thread is not preempted at once, and while it waits for a CPU
//     it may hold a runtime lock or a P handoff that request threads wait
//     for (not shown). The trade-off: on a machine
//     saturated by other work sign-ins get little CPU, so they wait and,
//     beyond the queue, are refused (ErrBusy) rather than slow the API.
//     The hashing goroutine is locked to its thread and never unlocks, so
//     the thread ends with the goroutine instead of returning to the Go
//     runtime in the idle class; threads the runtime creates meanwhile do
//     not inherit the class (it creates them from a template thread when
//     asked from a locked one).
//   - The Go scheduler: a running hash holds one of the GOMAXPROCS Ps,
//     and on two cores that leaves request goroutines one. ReserveHashProcs
//     (called by the server's main) raises GOMAXPROCS by the number of
//     hashing threads, so requests keep as many Ps as there are CPUs. This
//     is also why the work must stay on the hashing thread:
//     x/crypto/argon2 computes every segment on a new goroutine, which runs
//     on any thread at normal priority, so hashing uses internal/argon2id,
//     which computes on the caller's goroutine.
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
// container policy refusing sched_setattr) hashing runs at normal priority:
// the budget still bounds its CPU share, only the kernel no longer favours
// requests over it.

// hashIdleRelease is how long a hashing thread keeps its memory without
// hashing.
const hashIdleRelease = 30 * time.Second

// hashPool is a set of hashing threads taking jobs from one channel.
type hashPool struct {
	size  int
	lower func() error // lowers the calling thread's priority; nil: not done
	keep  int          // bytes of argon2id memory a thread may keep between hashes
	idle  time.Duration

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
// call lower on themselves.
func newHashPool(size int, lower func() error) *hashPool {
	return &hashPool{size: max(1, size), lower: lower, keep: int(DefaultArgon2.Memory) * 1024, idle: hashIdleRelease,
		jobs: make(chan *hashJob)}
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

// The process-wide hashing threads, shared by every Service: they, like
// the Ps reserved for them, are a resource of the process.
var (
	reservedProcs atomic.Int32
	poolOnce      sync.Once
	pool          *hashPool
)

// hashThreads returns the process's hashing threads: as many as the
// default number of concurrent hashes.
func hashThreads() *hashPool {
	poolOnce.Do(func() { pool = newHashPool(defaultHashSlots(), lowerThreadPriority) })
	return pool
}

// requestProcs returns the Ps that serve requests: GOMAXPROCS less those
// reserved for hashing.
func requestProcs() int {
	return max(1, runtime.GOMAXPROCS(0)-int(reservedProcs.Load()))
}

// defaultHashSlots is the default number of concurrent hashes (and of
// hashing threads): half the request Ps, at least one.
func defaultHashSlots() int { return max(1, requestProcs()/2) }

// ReserveHashProcs raises GOMAXPROCS by the number of hashing threads, so
// that a running hash does not take a P from requests (see hashPool), and
// returns how many it added. The server's main calls it once at start,
// before creating a Service; later calls add nothing. It does nothing if
// the GOMAXPROCS environment variable is set: the operator chose. Setting
// GOMAXPROCS stops the runtime from following later changes of the
// container's CPU limit.
func ReserveHashProcs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return 0
	}
	procs := runtime.GOMAXPROCS(0)
	add := max(1, procs/2)
	if !reservedProcs.CompareAndSwap(0, int32(add)) {
		return 0
	}
	runtime.GOMAXPROCS(procs + add)
	return add
}

package auth

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// TestHashPool checks that the hashing threads compute x/crypto's argon2id
// from several goroutines at once, charge a CPU time no longer than the
// call took, and keep only memory within their limit.
func TestHashPool(t *testing.T) {
	p := newHashPool(2, nil)
	p.keep = 256 << 10
	defer p.close()
	params := []Argon2Params{{Memory: 64, Time: 1, Threads: 1}, {Memory: 256, Time: 2, Threads: 1}, {Memory: 128, Time: 1, Threads: 4}}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pp := params[i%len(params)]
			pw, salt := []byte("password "+strconv.Itoa(i)), []byte("salt and pepper")
			start := time.Now()
			key, cost, err := p.key(pw, salt, pp, 32)
			took := time.Since(start)
			if err != nil {
				t.Errorf("%+v: %v", pp, err)
				return
			}
			if want := argon2.IDKey(pw, salt, pp.Time, pp.Memory, pp.Threads, 32); !bytes.Equal(key, want) {
				t.Errorf("%+v: key %x, x/crypto %x", pp, key, want)
			}
			if cost <= 0 || cost > took {
				t.Errorf("%+v: cost %v, want in (0, %v]", pp, cost, took)
			}
		}()
	}
	wg.Wait()
	if held := p.held.Load(); held <= 0 || held > 2*256<<10 {
		t.Errorf("threads hold %d bytes, want some but at most %d", held, 2*256<<10)
	}
	// A hash larger than keep does not stay.
	if _, _, err := p.key([]byte("pw"), []byte("saltsalt"), Argon2Params{Memory: 1024, Time: 1, Threads: 1}, 32); err != nil {
		t.Fatal(err)
	}
	if held := p.held.Load(); held > 2*256<<10 {
		t.Errorf("after a 1 MiB hash threads hold %d bytes, want at most %d", held, 2*256<<10)
	}
	if _, _, err := p.key([]byte("pw"), []byte("saltsalt"), Argon2Params{Memory: 64, Time: 0, Threads: 1}, 32); err == nil {
		t.Error("t=0 accepted")
	}
}

// TestHashPoolPaces checks that a hashing thread leaves its CPU between
// slices of a hash (pacer): it sleeps as long as each slice took, so a
// hash lasts at least about twice its CPU time. Only the last, partial
// slice (under 1/8 of this hash's blocks) is not followed by a pause, so
// the bound below holds however slow the machine: sleeping only adds time.
func TestHashPoolPaces(t *testing.T) {
	if !hasThreadCPUTime() {
		t.Skip("no thread CPU clock here: hashes are not paced")
	}
	p := newHashPool(1, nil)
	defer p.close()
	if !p.pace {
		t.Fatal("a pool with a thread CPU clock does not pace")
	}
	pw, salt := []byte("paced"), []byte("saltsalt")
	// 4094 computed blocks: 7 paced slices and a tail of 510 blocks, so
	// the pauses add at least 7·512/4094 of the CPU time.
	params := Argon2Params{Memory: 4096, Time: 1, Threads: 1}
	start := time.Now()
	key, cost, err := p.key(pw, salt, params, 32)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if want := argon2.IDKey(pw, salt, 1, 4096, 1, 32); !bytes.Equal(key, want) {
		t.Errorf("paced key %x, x/crypto %x", key, want)
	}
	if took < cost*3/2 {
		t.Errorf("hash took %v for %v of CPU: want at least 1.5× (paused between slices)", took, cost)
	}

}

// TestHashPoolPriorityFallback: a thread whose priority cannot be lowered
// hashes all the same, at normal priority.
func TestHashPoolPriorityFallback(t *testing.T) {
	refuse := errors.New("sched_setattr: operation not permitted")
	p := newHashPool(2, func() error { return refuse })
	defer p.close()
	for i := range 4 {
		pw := []byte("pw" + strconv.Itoa(i))
		key, _, err := p.key(pw, []byte("saltsalt"), Argon2Params{Memory: 64, Time: 1, Threads: 1}, 32)
		if err != nil || !bytes.Equal(key, argon2.IDKey(pw, []byte("saltsalt"), 1, 64, 1, 32)) {
			t.Fatalf("hash %d with the priority not lowered: %x, %v", i, key, err)
		}
	}
	waitFor(t, func() bool { return p.failed.Load() == 2 })
	if n := p.lowered.Load(); n != 0 {
		t.Errorf("%d threads lowered", n)
	}
}

// TestHashPoolLowersPriority checks on Linux that a hashing thread runs at
// nice 19 and that the caller's thread keeps its own nice value.
func TestHashPoolLowersPriority(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("per-thread nice values are Linux only")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	own, err := threadNice()
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		lowerErr, getErr error
		nice             int
	}
	var mu sync.Mutex
	var threads []seen
	p := newHashPool(1, func() error {
		err := lowerThreadPriority()
		nice, gerr := threadNice()
		mu.Lock()
		defer mu.Unlock()
		threads = append(threads, seen{err, gerr, nice})
		return err
	})
	defer p.close()
	if _, _, err := p.key([]byte("pw"), []byte("saltsalt"), Argon2Params{Memory: 64, Time: 1, Threads: 1}, 32); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(threads) != 1 {
		t.Fatalf("%d threads started, want 1", len(threads))
	}
	th := threads[0]
	if th.lowerErr != nil {
		t.Skipf("setpriority refused here (%v): hashing runs at normal priority", th.lowerErr)
	}
	if th.getErr != nil || th.nice != hashNice {
		t.Errorf("hashing thread's nice = %d (%v), want %d", th.nice, th.getErr, hashNice)
	}
	if p.lowered.Load() != 1 {
		t.Errorf("lowered = %d, want 1", p.lowered.Load())
	}
	if got, err := threadNice(); err != nil || got != own {
		t.Errorf("caller's nice changed from %d to %d (%v)", own, got, err)
	}
}

// waitFor waits until cond holds (threads start asynchronously).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition not reached")
}

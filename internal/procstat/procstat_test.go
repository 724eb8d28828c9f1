package procstat

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	s, ok := parse("4242 (post (gres) x) S 17 4242 4242 0 -1 4194560 90 0 0 0 7 3 11 13 20 0 1 0 100\n")
	want := Stat{PID: 4242, PPID: 17, Comm: "post (gres) x", UTime: 70 * time.Millisecond, STime: 30 * time.Millisecond,
		CUTime: 110 * time.Millisecond, CSTime: 130 * time.Millisecond}
	if !ok || s != want {
		t.Errorf("parse = %+v, %v; want %+v", s, ok, want)
	}
	for _, bad := range []string{"", "garbage", "12 (x) S 1 2 3", "(x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"} {
		if _, ok := parse(bad); ok {
			t.Errorf("parse(%q) ok", bad)
		}
	}
}

func TestReadSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	s, ok := Read(os.Getpid())
	if !ok || s.PID != os.Getpid() || s.PPID != os.Getppid() {
		t.Fatalf("Read(self) = %+v, %v", s, ok)
	}
	if _, ok := Read(-1); ok {
		t.Error("Read(-1) ok")
	}
	if _, ok := TreeCPU(0); ok {
		t.Error("TreeCPU(0) ok")
	}
}

// TestTreeCPU checks that a child's CPU counts while it runs and after it
// has been reaped, and only once.
func TestTreeCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	self := os.Getpid()
	t0, ok := TreeCPU(self)
	if !ok {
		t.Fatal("TreeCPU(self) failed")
	}
	// The child burns a few hundred milliseconds of CPU in the shell itself
	// (no subprocesses), then waits for its stdin to close, so that it can
	// be measured while alive.
	cmd := exec.Command("sh", "-c", `i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; read x || true`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var live time.Duration
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if live, _ = CPU(cmd.Process.Pid); live >= 150*time.Millisecond {
			break
		}
	}
	t1, ok := TreeCPU(self)
	if !ok || t1-t0 < live {
		t.Errorf("while the child runs: tree CPU grew by %v, the child alone used %v (%v)", t1-t0, live, ok)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	child := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	t2, ok := TreeCPU(self)
	// /proc counts in 10 ms ticks, user and system time each rounded down,
	// where the rusage of Wait is exact: allow three ticks. Our own CPU
	// only adds to the growth.
	if !ok || t2-t0 < child-3*clockTick {
		t.Errorf("after the child was reaped: tree CPU grew by %v, the child used %v (%v)", t2-t0, child, ok)
	}
	// Counted once: the growth is not twice the child's.
	own, _ := CPU(self)
	if t2-t0 > child+own {
		t.Errorf("tree CPU grew by %v, more than the child's %v and all of our own %v", t2-t0, child, own)
	}
}

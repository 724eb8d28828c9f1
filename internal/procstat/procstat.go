// Package procstat reads processes' CPU time from Linux's /proc, for the
// benchmarks and load generators that report the CPU a request cost each
// process it crossed: the load generator, the server and PostgreSQL, whose
// work happens in backends that come and go. Elsewhere than Linux every
// read reports !ok.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Stat is the part of /proc/<pid>/stat that CPU accounting needs.
type Stat struct {
	PID, PPID int
	Comm      string
	// UTime and STime are the process's own user and system time (all its
	// threads, live or exited); CUTime and CSTime those of the children it
	// has waited for.
	UTime, STime, CUTime, CSTime time.Duration
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// Read returns process pid's Stat.
func Read(pid int) (Stat, bool) {
	if pid <= 0 {
		return Stat{}, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, false
	}
	return parse(string(b))
}

// parse reads one stat line. The command name sits in parentheses and may
// itself hold spaces and parentheses, so it ends at the last ')'.
func parse(line string) (Stat, bool) {
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 1 || end < open {
		return Stat{}, false
	}
	f := strings.Fields(line[end+1:]) // f[0] is the state, field 3 of proc(5)
	if len(f) < 15 {
		return Stat{}, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return Stat{}, false
	}
	return Stat{PID: pid, PPID: int(n(1)), Comm: line[open+1 : end],
		UTime: time.Duration(n(11)) * clockTick, STime: time.Duration(n(12)) * clockTick,
		CUTime: time.Duration(n(13)) * clockTick, CSTime: time.Duration(n(14)) * clockTick}, true
}

// CPU returns process pid's own user and system time.
func CPU(pid int) (time.Duration, bool) {
	s, ok := Read(pid)
	return s.UTime + s.STime, ok
}

// TreeCPU returns the user and system time of process pid and of all its
// children: those alive (read one by one) and those it has reaped (its
// CUTime and CSTime). A child reaped while the children are being read
// would be counted twice or not at all, so the reaped total is read before
// and after, and the reading is taken again when it moved. Grandchildren
// count only once their parent has reaped them.
func TreeCPU(pid int) (time.Duration, bool) {
	for range 10 {
		before, ok := Read(pid)
		if !ok {
			return 0, false
		}
		var live time.Duration
		vanished := false
		for _, c := range children(pid) {
			s, ok := Read(c)
			if !ok || s.PPID != pid {
				vanished = true
				break
			}
			live += s.UTime + s.STime
		}
		after, ok := Read(pid)
		if !ok {
			return 0, false
		}
		if !vanished && after.CUTime == before.CUTime && after.CSTime == before.CSTime {
			return after.UTime + after.STime + after.CUTime + after.CSTime + live, true
		}
	}
	return 0, false
}

// children lists pid's children: from /proc/<pid>/task/<pid>/children
// where the kernel has it (CONFIG_PROC_CHILDREN; the children of the main
// thread, which for PostgreSQL's single-threaded postmaster are all), else
// by scanning /proc for processes whose parent is pid.
func children(pid int) []int {
	var out []int
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); err == nil {
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
		return out
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	for _, e := range ents {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, ok := Read(c); ok && s.PPID == pid {
			out = append(out, c)
		}
	}
	return out
}

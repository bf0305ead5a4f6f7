package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// fileLimit raises the soft limit on open files to at least need, if the
// hard limit allows, and returns the soft limit before and after.
func fileLimit(need uint64) (before, after uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, fmt.Errorf("reading the open-file limit: %w", err)
	}
	before = r.Cur
	if r.Cur >= need {
		return before, before, nil
	}
	r.Cur = min(need, r.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return before, before, fmt.Errorf("raising the open-file limit from %d to %d: %w", before, r.Cur, err)
	}
	if r.Cur < need {
		return before, r.Cur, fmt.Errorf("this run needs about %d open files but the hard limit is %d: raise it (ulimit -Hn) or lower -subscribers, -writers or -readers", need, r.Max)
	}
	return before, r.Cur, nil
}

// fsType names the file system that holds dir, as far as it is known.
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	switch uint64(st.Type) {
	case 0xEF53:
		return "ext2/3/4"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x01021994:
		return "tmpfs (in memory: disk syncs cost nothing)"
	case 0x794C7630:
		return "overlayfs"
	case 0x2FC12FC1:
		return "zfs"
	}
	return fmt.Sprintf("type %#x", uint64(st.Type))
}

// cpuModel returns the CPU model named in /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.TrimSpace(string(k)) == "model name" {
			return strings.TrimSpace(string(v))
		}
	}
	return "unknown"
}

// loadAverage returns the 1, 5 and 15 minute load averages of the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// processCPU returns the CPU time this process has used, user and system.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

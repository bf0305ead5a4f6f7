package web_test

import (
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPicturePages measures the pages that carry the pictures of
// docs/PICTURES.md on the benchmark's talks of 200 parties × 500 items,
// as the mediator and as a delegation's head: the history page (its
// first 100 lanes and the progress chart, then looked at from an event,
// then the next 100 lanes), the dashboard with an item explained beside
// its blocking graph and the viewer's stance form, the document view
// with a delegation's forms, and the timeline's changes of agreement.
// Each is asked once before it is timed, so that the replay of the
// history and the evaluation are kept as after any first view; each
// reports its bytes and the medians of its render's wall and CPU time
// (the process's, which on a machine shared with other work is steadier
// than the wall time), and fails past the 300 KB of a page (docs/UI.md,
// "Large talks") or a second of CPU.
func BenchmarkPicturePages(b *testing.B) {
	bt := loadBench(b)
	tp := "/talks/" + bt.id
	for _, p := range []struct{ name, path, token string }{
		{"history", tp + "/history", bt.token},
		{"history-at", tp + "/history?range=all&at=1000", bt.token},
		{"history-lanes-101", tp + "/history?range=all&lanes=100", bt.token},
		{"history-delegate", tp + "/history", bt.head},
		{"dashboard-graph", tp + "/dashboard?item=I001", bt.token},
		{"dashboard-graph-delegate", tp + "/dashboard?item=I001", bt.head},
		{"document-delegate", tp + "/items/I001", bt.head},
		{"timeline-changes", tp + "/timeline?changes=1", bt.token},
	} {
		b.Run(p.name, func(b *testing.B) {
			var n int
			var walls, cpus []float64
			saved := bt.token
			bt.token = p.token
			defer func() { bt.token = saved }()
			bt.get(b, p.path)
			for b.Loop() {
				start, c0 := time.Now(), cpuTime()
				n = len(bt.get(b, p.path))
				walls = append(walls, float64(time.Since(start).Microseconds())/1000)
				cpus = append(cpus, float64((cpuTime()-c0).Microseconds())/1000)
			}
			wall, cpu := medianOf(walls), medianOf(cpus)
			b.ReportMetric(float64(n), "page-bytes")
			b.ReportMetric(wall, "median-ms")
			b.ReportMetric(cpu, "median-cpu-ms")
			if n > 300<<10 {
				b.Errorf("%s weighs %d bytes, more than 300 KB", p.path, n)
			}
			if cpu > 1000 {
				b.Errorf("%s renders in %.0f ms of CPU (median), more than a second", p.path, cpu)
			}
		})
	}
}

// cpuTime returns the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

package bargain

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/measure"
)

// medians runs f b.N times and reports the median and the 90th percentile
// of its durations, and the process's CPU time per run, besides the mean
// that go test prints.
func medians(b *testing.B, f func()) {
	var ds []time.Duration
	cpu0 := measure.CPUTime()
	for b.Loop() {
		t := time.Now()
		f()
		ds = append(ds, time.Since(t))
	}
	b.ReportMetric(float64((measure.CPUTime()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(ds[len(ds)*9/10].Microseconds())/1000, "p90-ms")
}

// solveAll computes what the goals of docs/BENCHMARKS.md time: the
// problem from the instance, the whole frontier and the three solutions.
func solveAll(b *testing.B, inst *Instance) *Frontier {
	pb, err := NewProblem(inst)
	if err != nil {
		b.Fatal(err)
	}
	f, err := pb.Frontier(context.Background(), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	f.Nash()
	f.KalaiSmorodinsky()
	f.Maximin()
	return f
}

func benchSpec(b *testing.B, spec GenSpec, seed uint64) {
	inst := Generate(spec, seed)
	var f *Frontier
	medians(b, func() { f = solveAll(b, inst) })
	b.ReportMetric(float64(f.Len()), "points")
}

var correlations = []string{Independent, Correlated, AntiCorrelated}

// BenchmarkGoals measures the two goals: two parties, 50 issues of 10
// options (10^50 packages), and three parties, 20 issues of 5 options,
// with values independent, correlated and anti-correlated (Generate,
// seed 1).
func BenchmarkGoals(b *testing.B) {
	for _, spec := range []GenSpec{
		{Parties: 2, Issues: 50, Options: 10},
		{Parties: 3, Issues: 20, Options: 5},
	} {
		for _, c := range correlations {
			spec.Values = c
			b.Run(fmt.Sprintf("%dx%dx%d/%s", spec.Parties, spec.Issues, spec.Options, c), func(b *testing.B) {
				benchSpec(b, spec, 1)
			})
		}
	}
}

// BenchmarkResult measures writing the whole result of 2 × 50 × 10 as
// JSON, every frontier package listed, beside the computation.
func BenchmarkResult(b *testing.B) {
	for _, c := range correlations {
		b.Run(c, func(b *testing.B) {
			f := solveAll(b, Generate(GenSpec{Parties: 2, Issues: 50, Options: 10, Values: c}, 1))
			medians(b, func() {
				r, err := f.Result(ResultOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if err := json.NewEncoder(io.Discard).Encode(r); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkGrowth shows how the cost grows with the issues, the options
// and the parties, independent values (seed 1).
func BenchmarkGrowth(b *testing.B) {
	var specs []GenSpec
	for _, n := range []int{10, 25, 50, 100, 200} {
		specs = append(specs, GenSpec{Parties: 2, Issues: n, Options: 10})
	}
	for _, o := range []int{2, 5, 20, 40} {
		specs = append(specs, GenSpec{Parties: 2, Issues: 50, Options: o})
	}
	for _, n := range []int{10, 20, 30, 40} {
		specs = append(specs, GenSpec{Parties: 3, Issues: n, Options: 5})
	}
	for _, n := range []int{5, 10, 15} {
		specs = append(specs, GenSpec{Parties: 4, Issues: n, Options: 5})
	}
	for _, n := range []int{5, 10} {
		specs = append(specs, GenSpec{Parties: 5, Issues: n, Options: 5})
	}
	for _, spec := range specs {
		b.Run(fmt.Sprintf("%dx%dx%d", spec.Parties, spec.Issues, spec.Options), func(b *testing.B) {
			benchSpec(b, spec, 1)
		})
	}
}

// BenchmarkLarge measures where the exact frontier becomes expensive:
// hundreds of thousands of points (Generate, seed 1). The last takes
// minutes; run it alone with -benchtime 1x.
func BenchmarkLarge(b *testing.B) {
	for _, spec := range []GenSpec{
		{Parties: 2, Issues: 100, Options: 10, Values: AntiCorrelated},
		{Parties: 2, Issues: 200, Options: 10, Values: AntiCorrelated},
		{Parties: 3, Issues: 40, Options: 5, Values: AntiCorrelated},
		{Parties: 3, Issues: 60, Options: 5},
		{Parties: 4, Issues: 20, Options: 5},
		{Parties: 5, Issues: 15, Options: 5},
		{Parties: 6, Issues: 10, Options: 5},
		{Parties: 6, Issues: 15, Options: 5},
	} {
		name := fmt.Sprintf("%dx%dx%d", spec.Parties, spec.Issues, spec.Options)
		if spec.Values != "" {
			name += "/" + spec.Values
		}
		b.Run(name, func(b *testing.B) { benchSpec(b, spec, 1) })
	}
}

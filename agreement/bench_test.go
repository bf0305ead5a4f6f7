package agreement

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/measure"
)

var paris = sync.OnceValue(func() *Instance { return Generate(ParisScale, 1) })

// parisJSON is the Paris-scale instance in the interchange format.
var parisJSON = sync.OnceValue(func() []byte {
	b, err := json.Marshal(paris())
	if err != nil {
		panic(err)
	}
	return b
})

// medians runs f b.N times and reports the median and the 90th percentile
// of its durations besides the mean that go test prints.
func medians(b *testing.B, f func()) {
	var ds []time.Duration
	cpu0 := measure.CPUTime()
	for b.Loop() {
		t := time.Now()
		f()
		ds = append(ds, time.Since(t))
	}
	// The process's CPU time per operation (all threads, the collector's
	// included) tells the cost apart from waiting on a busy machine.
	b.ReportMetric(float64((measure.CPUTime()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(ds[len(ds)*9/10].Microseconds())/1000, "p90-ms")
}

// BenchmarkParis measures the Paris-scale instance of docs/AGREEMENT.md:
// compiling it from its interchange form, evaluating it from scratch,
// random stance changes on an Engine, and explaining every item.
func BenchmarkParis(b *testing.B) {
	inst := paris()
	b.Run("compile", func(b *testing.B) {
		medians(b, func() {
			if _, err := newModel(inst); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("evaluate", func(b *testing.B) {
		m, err := newModel(inst)
		if err != nil {
			b.Fatal(err)
		}
		s := newGState(m)
		medians(b, func() {
			s.reset()
			s.settle()
		})
	})
	b.Run("compile+evaluate", func(b *testing.B) {
		medians(b, func() {
			m, err := newModel(inst)
			if err != nil {
				b.Fatal(err)
			}
			greatest(m)
		})
	})
	// Random stance changes. On the Paris-scale instance four items in
	// five end up blocked, in one connected region; "change-or" joins
	// multi-item conditions with "or" only, which leaves 97% agreed.
	b.Run("change", func(b *testing.B) { benchChanges(b, inst) })
	b.Run("change-or", func(b *testing.B) {
		p := ParisScale
		p.AndShare = 0
		benchChanges(b, Generate(p, 1))
	})
	// Raising to support a vote that is not yes on an item not agreed:
	// the change that can unblock items, and the one that used to
	// re-examine the whole blocked region. The vote is put back after
	// each change, untimed.
	b.Run("raise-blocked", func(b *testing.B) { benchRaises(b, inst) })
	b.Run("evaluate-negation", func(b *testing.B) {
		// The same shape with 2% of conditions negating an item: the
		// engine decides what it can, then searches the rest.
		p := ParisScale
		p.NegShare = 0.02
		m, err := newModel(Generate(p, 1))
		if err != nil {
			b.Fatal(err)
		}
		medians(b, func() {
			if _, err := evaluate(m, Options{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	// From the interchange format to the result in the interchange
	// format: what parley agree does between reading and writing.
	b.Run("json", func(b *testing.B) {
		js := parisJSON()
		medians(b, func() {
			res, err := EvaluateJSON(js, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := res.WriteJSON(io.Discard); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("explain", func(b *testing.B) {
		m, err := newModel(inst)
		if err != nil {
			b.Fatal(err)
		}
		s := greatest(m)
		medians(b, func() { m.result(monotoneOut(m, s.in)) })
	})
}

// BenchmarkProcess runs "parley agree" and clingo, each as a whole process,
// on the same Paris-scale instance in the same run. clingo gets the
// completion encoding of DESIGN.md §4 and the domain heuristic that makes
// it enumerate the ⊆-maximal models.
func BenchmarkProcess(b *testing.B) {
	clingo, err := exec.LookPath("clingo")
	if err != nil {
		b.Skip("clingo not found")
	}
	dir := b.TempDir()
	parley := filepath.Join(dir, "parley")
	build := exec.Command("go", "build", "-o", parley, "../cmd/parley")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building parley: %v\n%s", err, out)
	}
	inst := paris()
	js, err := json.Marshal(inst)
	if err != nil {
		b.Fatal(err)
	}
	jsPath := filepath.Join(dir, "paris.json")
	lpPath := filepath.Join(dir, "paris.lp")
	asp := toASP(inst) + "#heuristic agreed(I) : item(I). [1,true]\n"
	if err := os.WriteFile(jsPath, js, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(lpPath, []byte(asp), 0o644); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, name string, args []string, stdin string) {
		var child time.Duration
		n := 0
		defer func() {
			if n > 0 {
				b.ReportMetric(float64(child.Microseconds())/1000/float64(n), "child-cpu-ms/op")
			}
		}()
		medians(b, func() {
			cmd := exec.Command(name, args...)
			if stdin != "" {
				f, err := os.Open(stdin)
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				cmd.Stdin = f
			}
			var out bytes.Buffer
			cmd.Stdout = &out
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				b.Fatal(err)
			}
			child += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			n++
			if out.Len() == 0 {
				b.Fatalf("%s wrote nothing", name)
			}
		})
	}
	b.Run("parley-agree", func(b *testing.B) { run(b, parley, []string{"agree", "-compact"}, jsPath) })
	b.Run("clingo", func(b *testing.B) {
		run(b, clingo, []string{"0", "--heuristic=Domain", "--enum-mode=domRec", "--outf=2", "--warn=none", lpPath}, "")
	})
}

func benchChanges(b *testing.B, inst *Instance) {
	e, err := NewEngine(inst)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	stances := []string{"support", "support", "oppose", "abstain", "conditional"}
	medians(b, func() {
		p := Position{
			Party:  inst.Parties[r.IntN(len(inst.Parties))],
			Item:   inst.Items[r.IntN(len(inst.Items))],
			Stance: stances[r.IntN(len(stances))],
		}
		if p.Stance == "conditional" {
			p.Condition = "agreed(" + inst.Items[r.IntN(len(inst.Items))] + ")"
		}
		if err := e.SetPosition(p); err != nil {
			b.Fatal(err)
		}
	})
}

func benchRaises(b *testing.B, inst *Instance) {
	e, err := NewEngine(inst)
	if err != nil {
		b.Fatal(err)
	}
	agreed, err := e.Agreed()
	if err != nil {
		b.Fatal(err)
	}
	in := map[string]bool{}
	for _, it := range agreed {
		in[it] = true
	}
	var olds []Position
	for _, p := range inst.Positions {
		if !in[p.Item] && p.Stance != "support" {
			olds = append(olds, p)
		}
	}
	if len(olds) == 0 {
		b.Skip("no vote to raise")
	}
	r := rand.New(rand.NewPCG(3, 4))
	var ds []time.Duration
	var cpu time.Duration
	for b.Loop() {
		old := olds[r.IntN(len(olds))]
		up := Position{Party: old.Party, Item: old.Item, Stance: "support"}
		c0, t := measure.CPUTime(), time.Now()
		if err := e.SetPosition(up); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
		cpu += measure.CPUTime() - c0
		if err := e.SetPosition(old); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(ds[len(ds)*9/10].Microseconds())/1000, "p90-ms")
}

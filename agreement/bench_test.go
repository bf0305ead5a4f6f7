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

// BenchmarkProcess runs "parley agree" and clingo, each as a whole
// process reading the Paris-scale instance from a file, in turns, in the
// same run: each round runs parley, clingo with the completion encoding of
// DESIGN.md §4 (toASP, one atom per subformula and per vote) and clingo
// with the tightest encoding we have (toASPTight: one fact per position
// and a fixed program that counts positions and objections), each with
// the domain heuristic that makes clingo enumerate the ⊆-maximal models.
// It reports the median wall time and child CPU time of each, and the
// ratios of the medians. Taking turns spreads the load of a shared
// machine evenly over the three.
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
	files := map[string]string{
		"paris.json":    string(parisJSON()),
		"completion.lp": toASP(inst) + clingoHeuristic,
		"tight.lp":      toASPTight(inst) + clingoHeuristic,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	clingoArgs := func(lp string) []string {
		return []string{"0", "--heuristic=Domain", "--enum-mode=domRec", "--outf=2", "--warn=none", filepath.Join(dir, lp)}
	}
	runs := []struct {
		name, path string
		args       []string
		stdin      string
	}{
		{"parley", parley, []string{"agree", "-compact"}, filepath.Join(dir, "paris.json")},
		{"clingo-completion", clingo, clingoArgs("completion.lp"), ""},
		{"clingo-tight", clingo, clingoArgs("tight.lp"), ""},
	}
	wall := make([][]time.Duration, len(runs))
	cpu := make([][]time.Duration, len(runs))
	agreed := make([]int, len(runs))
	for b.Loop() {
		for k, r := range runs {
			cmd := exec.Command(r.path, r.args...)
			if r.stdin != "" {
				f, err := os.Open(r.stdin)
				if err != nil {
					b.Fatal(err)
				}
				cmd.Stdin = f
				defer f.Close()
			}
			var out bytes.Buffer
			cmd.Stdout = &out
			t := time.Now()
			err := cmd.Run()
			d := time.Since(t)
			// clingo exits 30 once it has every model.
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				b.Fatal(err)
			}
			wall[k] = append(wall[k], d)
			cpu[k] = append(cpu[k], cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			agreed[k] = countAgreed(b, r.name, out.Bytes())
		}
	}
	if agreed[0] != agreed[1] || agreed[0] != agreed[2] {
		b.Fatalf("items agreed: parley %d, clingo %d and %d", agreed[0], agreed[1], agreed[2])
	}
	med := func(ds []time.Duration) float64 {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	for k, r := range runs {
		b.ReportMetric(med(wall[k]), r.name+"-ms")
		b.ReportMetric(med(cpu[k]), r.name+"-cpu-ms")
	}
	b.ReportMetric(med(wall[2])/med(wall[0]), "tight/parley")
	b.ReportMetric(med(cpu[2])/med(cpu[0]), "tight/parley-cpu")
	b.ReportMetric(med(wall[1])/med(wall[0]), "completion/parley")
	b.ReportMetric(med(cpu[1])/med(cpu[0]), "completion/parley-cpu")
}

// clingoHeuristic makes clingo, with --heuristic=Domain and
// --enum-mode=domRec, enumerate the ⊆-maximal models of agreed.
const clingoHeuristic = "#heuristic agreed(I) : item(I). [1,true]\n"

// countAgreed returns the number of items agreed in the first outcome of
// parley's output or the first model of clingo's (--outf=2).
func countAgreed(b *testing.B, name string, out []byte) int {
	if name == "parley" {
		var r struct{ Outcomes [][]string }
		if err := json.Unmarshal(out, &r); err != nil || len(r.Outcomes) == 0 {
			b.Fatalf("parley's output: %v", err)
		}
		return len(r.Outcomes[0])
	}
	var r struct {
		Call []struct{ Witnesses []struct{ Value []string } }
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Call) == 0 || len(r.Call[0].Witnesses) == 0 {
		b.Fatalf("%s's output: %v: %.200s", name, err, out)
	}
	return len(r.Call[0].Witnesses[0].Value)
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

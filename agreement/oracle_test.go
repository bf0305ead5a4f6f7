package agreement

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// clingoPath returns the clingo binary, skipping the test when it is
// missing unless PARLEY_REQUIRE_ALL=1.
func clingoPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("clingo")
	if err != nil {
		if os.Getenv("PARLEY_REQUIRE_ALL") == "1" {
			t.Fatalf("clingo is required (PARLEY_REQUIRE_ALL=1) but not found: install Debian's gringo package")
		}
		t.Skip("clingo not found; install Debian's gringo package to run the oracle test")
	}
	return p
}

// aspID quotes an id as an ASP string constant.
func aspID(s string) string { return `"` + s + `"` }

// toASP encodes inst for clingo with the completion encoding of
// DESIGN.md §4: agreed is chosen freely, and constraints keep exactly the
// sets S with S = F(S). Each condition becomes one atom per subformula.
func toASP(inst *Instance) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for _, it := range inst.Items {
		w("item(%s).", aspID(it))
	}
	for _, f := range inst.Facts {
		w("fact(%s).", aspID(f))
	}
	w("{agreed(I)} :- item(I).")
	w(":- agreed(I), not passes(I).")
	w(":- passes(I), not agreed(I).")
	w("#show agreed/1.")
	node := 0
	var cond func(c *Cond) string
	cond = func(c *Cond) string {
		node++
		a := fmt.Sprintf("c(%d)", node)
		switch c.Op {
		case OpAgreed:
			w("%s :- agreed(%s).", a, aspID(c.ID))
		case OpFact:
			w("%s :- fact(%s).", a, aspID(c.ID))
		case OpNot:
			w("%s :- not %s.", a, cond(c.X))
		case OpAnd:
			x, y := cond(c.X), cond(c.Y)
			w("%s :- %s, %s.", a, x, y)
		case OpOr:
			x, y := cond(c.X), cond(c.Y)
			w("%s :- %s.", a, x)
			w("%s :- %s.", a, y)
		}
		return a
	}
	recorded := map[string]int{}
	abstain := map[string]int{}
	for _, p := range inst.Positions {
		recorded[p.Item]++
		pi := aspID(p.Party) + "," + aspID(p.Item)
		switch p.Stance {
		case "support", "ad_referendum":
			w("yes(%s).", pi)
		case "oppose", "reserve":
			w("no(%s).", pi)
		case "abstain":
			abstain[p.Item]++
		case "conditional":
			c, err := ParseCondition(p.Condition)
			if err != nil {
				panic(err)
			}
			a := cond(c)
			w("yes(%s) :- %s.", pi, a)
			w("no(%s) :- not %s.", pi, a)
		}
	}
	// The rules, per item, as facts read by generic rules: gringo grounds
	// these in one pass, where one aggregate per item would scan every vote.
	w("blocked(I) :- no(_,I).")
	w("supported(I) :- yes(_,I).")
	w("ok(I) :- cons(I), supported(I), not blocked(I).")
	w("ok(I) :- minus(I,K), supported(I), #count{P: no(P,I)} <= K.")
	w("ok(I) :- maj(I,N), #count{P: yes(P,I)} >= N.")
	np := len(inst.Parties)
	for _, it := range inst.Items {
		r := inst.Rule
		if ir, ok := inst.ItemRules[it]; ok {
			r = ir
		}
		silent := np - recorded[it]
		i := aspID(it)
		switch r.Kind {
		case "consensus":
			if silent == 0 {
				w("cons(%s).", i)
			}
		case "consensus_minus":
			if n := min(r.N, np); silent <= n { // clingo's integers are 32 bits
				w("minus(%s,%d).", i, n-silent)
			}
		case "majority":
			m := np - abstain[it]
			need := 0
			for float64(need) < r.Threshold*float64(m) {
				need++
			}
			w("maj(%s,%d).", i, max(need, 1))
		}
	}
	pkgOf := map[string][]string{}
	for _, pk := range inst.Packages {
		for _, it := range pk {
			pkgOf[it] = pk
		}
	}
	for _, h := range inst.Holds {
		w("held(%s).", aspID(h.Item))
	}
	for _, it := range inst.Items {
		pk, ok := pkgOf[it]
		if !ok {
			pk = []string{it}
		}
		var body []string
		for _, j := range pk {
			body = append(body, "ok("+aspID(j)+")", "not held("+aspID(j)+")")
		}
		w("passes(%s) :- %s.", aspID(it), strings.Join(body, ", "))
	}
	return b.String()
}

// clingoOutcomes runs clingo on inst, enumerating every model, and returns
// the ⊆-maximal ones, each sorted, in sorted order.
func clingoOutcomes(ctx context.Context, clingo string, inst *Instance) ([][]string, error) {
	cmd := exec.CommandContext(ctx, clingo, "0", "--outf=2", "--warn=none")
	cmd.Stdin = strings.NewReader(toASP(inst))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// clingo exits 10 (satisfiable), 20 (unsatisfiable) or 30 (all models
	// found); only a failure to run or a stderr message is an error.
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok || errb.Len() > 0 {
			return nil, fmt.Errorf("clingo: %v: %s", err, errb.String())
		}
	}
	var res struct {
		Call []struct {
			Witnesses []struct{ Value []string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("clingo output: %v", err)
	}
	var models [][]string
	for _, c := range res.Call {
		for _, wt := range c.Witnesses {
			m := []string{}
			for _, v := range wt.Value {
				id := strings.TrimSuffix(strings.TrimPrefix(v, `agreed("`), `")`)
				m = append(m, id)
			}
			sort.Strings(m)
			models = append(models, m)
		}
	}
	return maximalSets(models), nil
}

// maximalSets keeps the sets not strictly contained in another, sorted.
func maximalSets(sets [][]string) [][]string {
	out := [][]string{}
	for a, s := range sets {
		maximal := true
		for b, u := range sets {
			if a != b && len(u) > len(s) && subset(s, u) {
				maximal = false
				break
			}
		}
		if maximal {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(a, b int) bool { return slices.Compare(out[a], out[b]) < 0 })
	return slices.CompactFunc(out, slices.Equal)
}

func subset(s, u []string) bool {
	for _, x := range s {
		if _, ok := slices.BinarySearch(u, x); !ok {
			return false
		}
	}
	return true
}

// TestOracleClingo compares the engine's outcomes with clingo's on the known
// cases and on 500 random instances with negation cycles, mutual support,
// packages, facts and every rule.
func TestOracleClingo(t *testing.T) {
	clingo := clingoPath(t)
	var insts []*Instance
	for _, c := range knownCases {
		insts = append(insts, c.inst)
	}
	r := rand.New(rand.NewPCG(2015, 4))
	for k := range 500 {
		g := genSpec{maxItems: 8, maxParties: 4, negation: k%4 != 0, packages: true, itemRules: true, holds: k%3 == 0}
		insts = append(insts, randomInstance(randDrawer{r}, g))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type failure struct {
		k   int
		msg string
	}
	var (
		mu       sync.Mutex
		failures []failure
		wg       sync.WaitGroup
	)
	jobs := make(chan int)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				inst := insts[k]
				want, err := clingoOutcomes(ctx, clingo, inst)
				msg := ""
				if err != nil {
					msg = err.Error()
				} else if got, err := EvaluateOptions(inst, Options{MaxOutcomes: 1 << 16}); err != nil {
					msg = fmt.Sprintf("Evaluate: %v", err)
				} else if !slices.EqualFunc(got.Outcomes, want, slices.Equal) {
					b, _ := json.Marshal(inst)
					msg = fmt.Sprintf("instance %s\noutcomes: got %q, clingo %q", b, got.Outcomes, want)
				}
				if msg != "" {
					mu.Lock()
					failures = append(failures, failure{k, msg})
					mu.Unlock()
				}
			}
		}()
	}
	for k := range insts {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	sort.Slice(failures, func(a, b int) bool { return failures[a].k < failures[b].k })
	for i, f := range failures {
		if i == 5 {
			t.Errorf("... and %d more", len(failures)-5)
			break
		}
		t.Errorf("instance %d: %s", f.k, f.msg)
	}
}

package agreement

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
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
	for _, s := range inst.Done {
		w("done(%s).", aspID(s))
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
		case OpDone:
			w("%s :- done(%s).", a, aspID(c.ID))
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

// tightRules is the program of toASPTight: the semantics of DESIGN.md §4
// over the facts of an instance. A rule is passed by counting positions
// and objections, with no atom per vote: consensus needs a position of
// every party, a yes, and no plain objection or failing condition;
// consensus minus k, a yes and at most k objections and silences;
// majority, at least need(R,M,K) yes votes among the M parties that do not
// abstain.
const tightRules = `{agreed(I)} :- item(I).
:- agreed(I), not passes(I).
:- passes(I), not agreed(I).
#show agreed/1.
np(N) :- N = #count{P: party(P)}.
rec(I,N) :- item(I), N = #count{P: sup(P,I); P: adr(P,I); P: abs(P,I); P: res(P,I); P: opp(P,I); P: con(P,I,_)}.
silent(I,S) :- rec(I,N), np(M), S = M-N.
supported(I) :- sup(_,I).
supported(I) :- adr(_,I).
supported(I) :- con(_,I,K), h(K).
blocked(I) :- opp(_,I).
blocked(I) :- res(_,I).
blocked(I) :- con(_,I,K), not h(K).
ok(I) :- cons(I), supported(I), not blocked(I), silent(I,0).
no(P,I) :- minus(I,_), opp(P,I).
no(P,I) :- minus(I,_), res(P,I).
no(P,I) :- minus(I,_), con(P,I,K), not h(K).
ok(I) :- minus(I,K), supported(I), silent(I,S), #count{P: no(P,I)} <= K-S.
ok(I) :- maj(I,R), np(M), A = #count{P: abs(P,I)}, need(R,M-A,K), #count{P: sup(P,I); P: adr(P,I); P: con(P,I,C), h(C)} >= K.
inpkg(I) :- pkg(I,_).
bad(G) :- pkg(J,G), not ok(J).
bad(G) :- pkg(J,G), held(J).
passes(I) :- ok(I), not held(I), not inpkg(I).
passes(I) :- pkg(I,G), not bad(G).
`

// toASPTight encodes inst for clingo as facts, one per party, item, fact,
// position and hold, read by the fixed program tightRules; a condition
// becomes one atom h(K) per and/or node, its position con(P,I,K) naming
// its root. The only things computed here are the ids of the nodes and,
// for a majority rule, the table need(R,M,K) of the yes votes it needs
// among M parties (⌈q·M⌉ as the engine computes it, and at least 1).
func toASPTight(inst *Instance) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	b.WriteString(tightRules)
	for _, p := range inst.Parties {
		w("party(%s).", aspID(p))
	}
	for _, it := range inst.Items {
		w("item(%s).", aspID(it))
	}
	for _, f := range inst.Facts {
		w("fact(%s).", aspID(f))
	}
	for _, s := range inst.Done {
		w("done(%s).", aspID(s))
	}
	np := len(inst.Parties)
	majority := map[float64]int{}
	for _, it := range inst.Items {
		r := inst.Rule
		if ir, ok := inst.ItemRules[it]; ok {
			r = ir
		}
		switch r.Kind {
		case "consensus":
			w("cons(%s).", aspID(it))
		case "consensus_minus":
			w("minus(%s,%d).", aspID(it), min(r.N, np)) // clingo's integers are 32 bits
		case "majority":
			k, ok := majority[r.Threshold]
			if !ok {
				k = len(majority)
				majority[r.Threshold] = k
				for m := 0; m <= np; m++ {
					w("need(%d,%d,%d).", k, m, max(1, int(math.Ceil(r.Threshold*float64(m)))))
				}
			}
			w("maj(%s,%d).", aspID(it), k)
		}
	}
	for g, pk := range inst.Packages {
		for _, it := range pk {
			w("pkg(%s,%d).", aspID(it), g)
		}
	}
	for _, h := range inst.Holds {
		w("held(%s).", aspID(h.Item))
	}
	node := 0
	var cond func(c *Cond) string
	cond = func(c *Cond) string {
		switch c.Op {
		case OpAgreed:
			return "agreed(" + aspID(c.ID) + ")"
		case OpFact:
			return "fact(" + aspID(c.ID) + ")"
		case OpDone:
			return "done(" + aspID(c.ID) + ")"
		case OpNot:
			return "not " + cond(c.X)
		}
		node++
		a := fmt.Sprintf("h(%d)", node)
		x, y := cond(c.X), cond(c.Y)
		if c.Op == OpAnd {
			w("%s :- %s, %s.", a, x, y)
		} else {
			w("%s :- %s.", a, x)
			w("%s :- %s.", a, y)
		}
		return a
	}
	short := map[string]string{"support": "sup", "ad_referendum": "adr", "abstain": "abs", "reserve": "res", "oppose": "opp"}
	for _, p := range inst.Positions {
		pi := aspID(p.Party) + "," + aspID(p.Item)
		if p.Stance != "conditional" {
			w("%s(%s).", short[p.Stance], pi)
			continue
		}
		c, err := ParseCondition(p.Condition)
		if err != nil {
			panic(err)
		}
		node++
		k := node
		w("h(%d) :- %s.", k, cond(c))
		w("con(%s,%d).", pi, k)
	}
	return b.String()
}

// clingoOutcomes runs clingo on inst, enumerating every model, and returns
// the ⊆-maximal ones, each sorted, in sorted order. With tight, clingo
// gets toASPTight's encoding, else toASP's.
func clingoOutcomes(ctx context.Context, clingo string, inst *Instance, tight bool) ([][]string, error) {
	cmd := exec.CommandContext(ctx, clingo, "0", "--outf=2", "--warn=none")
	if tight {
		cmd.Stdin = strings.NewReader(toASPTight(inst))
	} else {
		cmd.Stdin = strings.NewReader(toASP(inst))
	}
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
				// Every instance with the completion encoding, one in
				// two with the encoding of the benchmark too.
				msg := ""
				for _, tight := range []bool{false, true}[:1+k%2] {
					want, err := clingoOutcomes(ctx, clingo, inst, tight)
					if err != nil {
						msg = err.Error()
					} else if got, err := EvaluateOptions(inst, Options{MaxOutcomes: 1 << 16}); err != nil {
						msg = fmt.Sprintf("Evaluate: %v", err)
					} else if !slices.EqualFunc(got.Outcomes, want, slices.Equal) {
						b, _ := json.Marshal(inst)
						msg = fmt.Sprintf("instance %s\noutcomes: got %q, clingo (tight encoding: %v) %q", b, got.Outcomes, tight, want)
					}
					if msg != "" {
						break
					}
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

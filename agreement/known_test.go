package agreement

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// pos builds a position; a non-empty condition makes it conditional.
func pos(party, item, stance string) Position {
	return Position{Party: party, Item: item, Stance: stance}
}

func cond(party, item, c string) Position {
	return Position{Party: party, Item: item, Stance: "conditional", Condition: c}
}

var consensus = parley.Rule{Kind: parley.RuleConsensus}

// scenarioFinal is the Moscow round after oppA and oppB made their support
// of D1 conditional on a measure.
func scenarioFinal() *Instance {
	return &Instance{
		Rule:    consensus,
		Parties: []string{"gov", "oppA", "oppB", "oppC"},
		Items:   []string{"D1", "M1a", "M1b"},
		Positions: []Position{
			pos("gov", "D1", "support"), pos("gov", "M1a", "oppose"), pos("gov", "M1b", "support"),
			cond("oppA", "D1", "agreed(M1a) or agreed(M1b)"), pos("oppA", "M1a", "support"), pos("oppA", "M1b", "oppose"),
			cond("oppB", "D1", "agreed(M1a) or agreed(M1b)"), pos("oppB", "M1a", "support"), pos("oppB", "M1b", "oppose"),
			pos("oppC", "D1", "support"), pos("oppC", "M1a", "support"), pos("oppC", "M1b", "oppose"),
		},
	}
}

type knownCase struct {
	name     string
	inst     *Instance
	outcomes [][]string
	status   map[string]string
}

var knownCases = []knownCase{
	{
		name: "mutual support is a package deal: both agreed",
		inst: &Instance{Rule: consensus, Parties: []string{"A", "B"}, Items: []string{"X", "Y"}, Positions: []Position{
			cond("A", "X", "agreed(Y)"), pos("A", "Y", "support"),
			pos("B", "X", "support"), cond("B", "Y", "agreed(X)"),
		}},
		outcomes: [][]string{{"X", "Y"}},
		status:   map[string]string{"X": StatusAgreed, "Y": StatusAgreed},
	},
	{
		name: "odd negation cycle: no outcome",
		inst: &Instance{Rule: consensus, Parties: []string{"A"}, Items: []string{"X", "Y", "Z"}, Positions: []Position{
			cond("A", "X", "not agreed(Y)"), cond("A", "Y", "not agreed(Z)"), cond("A", "Z", "!agreed(X)"),
		}},
		outcomes: [][]string{},
		status:   map[string]string{"X": StatusOscillating, "Y": StatusOscillating, "Z": StatusOscillating},
	},
	{
		name: "self-negation beside a plain item: no outcome, the plain item keeps its status",
		inst: &Instance{Rule: consensus, Parties: []string{"A"}, Items: []string{"X", "P"}, Positions: []Position{
			cond("A", "X", "not agreed(X)"), pos("A", "P", "support"),
		}},
		outcomes: [][]string{},
		status:   map[string]string{"X": StatusOscillating, "P": StatusAgreed},
	},
	{
		name: "a self-negating condition naming a mutual-support pair: no outcome, the pair keeps its status",
		inst: &Instance{Rule: consensus, Parties: []string{"A", "B"}, Items: []string{"X", "P", "Q"}, Positions: []Position{
			cond("A", "X", "not agreed(X) and (agreed(P) or not agreed(Q))"), pos("B", "X", "support"),
			cond("A", "P", "agreed(Q)"), pos("B", "P", "support"),
			pos("A", "Q", "support"), cond("B", "Q", "agreed(P)"),
		}},
		outcomes: [][]string{},
		status:   map[string]string{"X": StatusOscillating, "P": StatusAgreed, "Q": StatusAgreed},
	},
	{
		name: "an item waiting on an odd cycle oscillates with it; what the cycle waits on does not",
		inst: &Instance{Rule: consensus, Parties: []string{"A"}, Items: []string{"X", "Y", "W", "V"}, Positions: []Position{
			cond("A", "X", "not agreed(Y) and agreed(V)"), cond("A", "Y", "agreed(X)"),
			cond("A", "W", "agreed(X)"), pos("A", "V", "support"),
		}},
		outcomes: [][]string{},
		status:   map[string]string{"X": StatusOscillating, "Y": StatusOscillating, "W": StatusOscillating, "V": StatusAgreed},
	},
	{
		name: "mutual exclusion: two maximal outcomes",
		inst: &Instance{Rule: consensus, Parties: []string{"A", "B"}, Items: []string{"X", "Y", "P"}, Positions: []Position{
			cond("A", "X", "not agreed(Y)"), pos("B", "X", "support"),
			cond("A", "Y", "not agreed(X)"), pos("B", "Y", "support"),
			pos("A", "P", "support"), pos("B", "P", "support"),
		}},
		outcomes: [][]string{{"P", "X"}, {"P", "Y"}},
		status:   map[string]string{"X": StatusContested, "Y": StatusContested, "P": StatusAgreed},
	},
	{
		name: "all-or-nothing package with one objection: nothing agreed",
		inst: &Instance{Rule: consensus, Parties: []string{"A", "B"}, Items: []string{"a", "b", "c", "d"},
			Packages: [][]string{{"a", "b", "c"}},
			Positions: []Position{
				pos("A", "a", "support"), pos("B", "a", "support"),
				pos("A", "b", "support"), pos("B", "b", "support"),
				pos("A", "c", "support"), pos("B", "c", "oppose"),
				pos("A", "d", "support"), pos("B", "d", "support"),
			}},
		outcomes: [][]string{{"d"}},
		status:   map[string]string{"a": StatusNotAgreed, "b": StatusNotAgreed, "c": StatusNotAgreed, "d": StatusAgreed},
	},
	{
		name: "all-or-nothing package fully supported: all agreed, ad referendum through the package",
		inst: &Instance{Rule: consensus, Parties: []string{"A"}, Items: []string{"a", "b"},
			Packages:  [][]string{{"a", "b"}},
			Positions: []Position{pos("A", "a", "support"), pos("A", "b", "ad_referendum")}},
		outcomes: [][]string{{"a", "b"}},
		status:   map[string]string{"a": StatusAgreedAdReferendum, "b": StatusAgreedAdReferendum}, // a rests on its package mate b
	},
	{
		name: "the example of DESIGN.md",
		inst: &Instance{Rule: consensus, Packages: [][]string{{"d1", "m1"}}, Parties: []string{"gov", "oppA"},
			Items: []string{"d1", "m1", "m2"}, Facts: []string{"m1.step1.verified"},
			Positions: []Position{
				pos("gov", "d1", "support"),
				cond("oppA", "d1", "agreed(m1) or (agreed(m2) and not fact(x))"),
			}},
		outcomes: [][]string{{}},
		status:   map[string]string{"d1": StatusNotAgreed, "m1": StatusNotAgreed, "m2": StatusNotAgreed},
	},
	{
		name:     "the Moscow round at its end: nothing agreed",
		inst:     scenarioFinal(),
		outcomes: [][]string{{}},
		status:   map[string]string{"D1": StatusNotAgreed, "M1a": StatusNotAgreed, "M1b": StatusNotAgreed},
	},
	{
		name: "ad referendum support carries to items that rest on it",
		inst: &Instance{Rule: consensus, Parties: []string{"A", "B"}, Items: []string{"X", "Y", "Z"}, Positions: []Position{
			pos("A", "X", "ad_referendum"), pos("B", "X", "support"),
			cond("A", "Y", "agreed(X)"), pos("B", "Y", "support"),
			pos("A", "Z", "support"), pos("B", "Z", "support"),
		}},
		outcomes: [][]string{{"X", "Y", "Z"}},
		status:   map[string]string{"X": StatusAgreedAdReferendum, "Y": StatusAgreedAdReferendum, "Z": StatusAgreed},
	},
	{
		name: "majority counts abstentions out and silence in",
		inst: &Instance{Rule: parley.Rule{Kind: parley.RuleMajority, Threshold: 2.0 / 3}, Parties: []string{"A", "B", "C", "D"},
			Items: []string{"X", "Y", "Z"}, Positions: []Position{
				pos("A", "X", "support"), pos("B", "X", "support"), pos("C", "X", "abstain"), pos("D", "X", "oppose"),
				pos("A", "Y", "support"), pos("B", "Y", "support"), pos("C", "Y", "reserve"),
				pos("A", "Z", "abstain"), pos("B", "Z", "abstain"), pos("C", "Z", "abstain"), pos("D", "Z", "abstain"),
			}},
		outcomes: [][]string{{"X"}},
		status:   map[string]string{"X": StatusAgreed, "Y": StatusNotAgreed, "Z": StatusNotAgreed},
	},
	{
		name: "consensus minus one tolerates one objection, per-item rules override",
		inst: &Instance{Rule: parley.Rule{Kind: parley.RuleConsensusMinus, N: 1}, Parties: []string{"A", "B", "C"},
			Items: []string{"X", "Y", "W"}, ItemRules: map[string]parley.Rule{"W": consensus}, Positions: []Position{
				pos("A", "X", "support"), pos("B", "X", "support"), pos("C", "X", "oppose"),
				pos("A", "Y", "support"), pos("B", "Y", "oppose"),
				pos("A", "W", "support"), pos("B", "W", "support"), pos("C", "W", "oppose"),
			}},
		outcomes: [][]string{{"X"}},
		status:   map[string]string{"X": StatusAgreed, "Y": StatusNotAgreed, "W": StatusNotAgreed},
	},
	{
		name: "consensus minus an n past 2^31 tolerates every objection, without wrapping",
		inst: &Instance{Rule: parley.Rule{Kind: parley.RuleConsensusMinus, N: 1 << 31}, Parties: []string{"A", "B", "C"},
			Items: []string{"X", "Y", "Z"}, ItemRules: map[string]parley.Rule{"Z": {Kind: parley.RuleConsensusMinus, N: 1<<32 + 1}},
			Positions: []Position{
				pos("A", "X", "support"), pos("B", "X", "oppose"),
				pos("A", "Y", "oppose"), pos("B", "Y", "reserve"), pos("C", "Y", "abstain"),
				pos("A", "Z", "support"), pos("B", "Z", "oppose"), pos("C", "Z", "oppose"),
			}},
		outcomes: [][]string{{"X", "Z"}},
		status:   map[string]string{"X": StatusAgreed, "Y": StatusNotAgreed, "Z": StatusAgreed},
	},
	{
		name: "facts decide conditions",
		inst: &Instance{Rule: consensus, Parties: []string{"A"}, Items: []string{"X", "Y"}, Facts: []string{"step1"},
			Positions: []Position{cond("A", "X", "fact(step1) && !fact(step2)"), cond("A", "Y", "fact(step2)")}},
		outcomes: [][]string{{"X"}},
		status:   map[string]string{"X": StatusAgreed, "Y": StatusNotAgreed},
	},
	{
		name: "steps done decide conditions",
		inst: &Instance{Rule: consensus, Parties: []string{"A", "B"}, Items: []string{"X", "D2"}, Done: []string{"X.t1.gov", "X.t1.opp"},
			Positions: []Position{pos("A", "X", "support"), pos("B", "X", "support"),
				cond("A", "D2", "done(X.t1.gov) and done(X.t2.gov)"), cond("B", "D2", "agreed(X) and done(X.t1.opp)")}},
		outcomes: [][]string{{"X"}},
		status:   map[string]string{"X": StatusAgreed, "D2": StatusNotAgreed},
	},
}

// exclusionPairs returns an instance of k pairs of mutually exclusive
// items X1/Y1, ..., Xk/Yk and an item H that one party supports if any
// of them is agreed, so that all are in one component with 2^k maximal
// outcomes, each holding H and one item of every pair.
func exclusionPairs(k int) *Instance {
	inst := &Instance{Rule: consensus, Parties: []string{"A", "B"}}
	var any []string
	for i := 1; i <= k; i++ {
		x, y := fmt.Sprintf("X%d", i), fmt.Sprintf("Y%d", i)
		inst.Items = append(inst.Items, x, y)
		inst.Positions = append(inst.Positions,
			cond("A", x, "not agreed("+y+")"), pos("B", x, "support"),
			cond("A", y, "not agreed("+x+")"), pos("B", y, "support"))
		any = append(any, "agreed("+x+")", "agreed("+y+")")
	}
	inst.Items = append(inst.Items, "H")
	inst.Positions = append(inst.Positions, cond("A", "H", strings.Join(any, " or ")), pos("B", "H", "support"))
	return inst
}

// TestStatusesExactWhenTruncated checks that the statuses do not depend on
// how many outcomes are listed: with 128 outcomes in one component, every
// Xi and Yi is contested and H agreed under any cap.
func TestStatusesExactWhenTruncated(t *testing.T) {
	inst := exclusionPairs(7)
	for _, max := range []int{1, 2, 3, 64, 127, 128, 200} {
		r, err := EvaluateOptions(inst, Options{MaxOutcomes: max})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(r.Outcomes), min(max, 128); got != want || r.Truncated != (max < 128) {
			t.Errorf("cap %d: %d outcomes, truncated %v; want %d, %v", max, got, r.Truncated, want, max < 128)
		}
		for _, it := range inst.Items {
			want := StatusContested
			if it == "H" {
				want = StatusAgreed
			}
			if got := r.Items[it].Status; got != want {
				t.Errorf("cap %d: %s is %s, want %s", max, it, got, want)
			}
		}
		if !slices.Equal(r.AgreedInAll, []string{"H"}) || len(r.AgreedInSome) != len(inst.Items) {
			t.Errorf("cap %d: agreed in all %q, in some %q", max, r.AgreedInAll, r.AgreedInSome)
		}
	}
	// The same on the enumeration's side, with a smaller instance.
	for _, max := range []int{1, 2, 3, 5, 8} {
		checkAgainstBruteCap(t, exclusionPairs(3), max)
	}
	// Unlock and impact take their statuses from the same evaluation: Y1
	// is contested, and it is agreed once A supports it outright or
	// either party opposes X1.
	opts, err := Unlock(inst, "Y1", UnlockLimits{MaxChanges: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range opts {
		got = append(got, optionText(o))
	}
	if want := []string{"A oppose X1", "B oppose X1", "A support Y1"}; !slices.Equal(got, want) {
		t.Errorf("unlock Y1: got %q, want %q", got, want)
	}
	imp, err := Impact(inst, pos("B", "X1", "oppose"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(imp.Pass, []string{"Y1"}) || len(imp.Fall) != 0 {
		t.Errorf("impact of B opposing X1: pass %q, fall %q; want pass [Y1]", imp.Pass, imp.Fall)
	}
}

// TestStatusesUnderSmallCaps compares, on random instances, the outcomes
// listed under caps of 1 to 3 and the exact statuses with enumeration.
func TestStatusesUnderSmallCaps(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		inst := randomInstance(rapidDrawer{rt}, genSpec{maxItems: 8, maxParties: 3, negation: true, packages: true, holds: true})
		checkAgainstBruteCap(rt, inst, rapid.IntRange(1, 3).Draw(rt, "cap"))
	})
}

func TestKnownCases(t *testing.T) {
	for _, c := range knownCases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Evaluate(c.inst)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(r.Outcomes, c.outcomes, slices.Equal) {
				t.Errorf("outcomes: got %q, want %q", r.Outcomes, c.outcomes)
			}
			for it, want := range c.status {
				if got := r.Items[it].Status; got != want {
					t.Errorf("status of %s: got %s, want %s", it, got, want)
				}
			}
			if len(c.outcomes) == 0 && len(r.Oscillating) == 0 {
				t.Errorf("no outcome, but no oscillating condition reported")
			}
			checkAgainstBrute(t, c.inst)
		})
	}
}

// TestPasses checks Passes, the decision rules for callers that tally
// votes themselves, against the definitions of docs/AGREEMENT.md.
func TestPasses(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		np := rapid.IntRange(1, 50).Draw(rt, "parties")
		yes := rapid.IntRange(0, np).Draw(rt, "yes")
		no := rapid.IntRange(0, np-yes).Draw(rt, "no")
		abst := rapid.IntRange(0, np-yes-no).Draw(rt, "abstain")
		tally := Tally{Yes: yes, No: no, Abstain: abst, Silent: np - yes - no - abst}
		var r parley.Rule
		var want bool
		switch rapid.IntRange(0, 2).Draw(rt, "kind") {
		case 0:
			r = parley.Rule{Kind: parley.RuleConsensus}
			want = yes >= 1 && tally.No+tally.Silent == 0
		case 1:
			n := rapid.OneOf(rapid.IntRange(0, 60), rapid.IntRange(math.MaxInt32-2, math.MaxInt32+2), rapid.IntRange(math.MaxInt-2, math.MaxInt)).Draw(rt, "n")
			r = parley.Rule{Kind: parley.RuleConsensusMinus, N: n}
			want = yes >= 1 && tally.No+tally.Silent <= n
		case 2:
			q := rapid.SampledFrom([]float64{0.5, 2.0 / 3, 0.6667, 0.75, 1, 0.1, 1e-300}).Draw(rt, "threshold")
			r = parley.Rule{Kind: parley.RuleMajority, Threshold: q}
			want = yes >= 1 && float64(yes) >= math.Ceil(q*float64(np-abst))
		}
		if got := Passes(r, tally); got != want {
			rt.Fatalf("Passes(%+v, %+v) = %v, want %v", r, tally, got, want)
		}
	})
	if Passes(parley.Rule{Kind: parley.RuleConsensusMinus, N: -1}, Tally{Yes: 1}) {
		t.Errorf("a rule that fails its check passes")
	}
}

// TestNoOutcomeNotTruncated: with no fixpoint at all, nothing is left
// out, whatever the cap cut in the parts searched for their statuses (a
// pair that excludes each other has two maximal fixpoints of its own).
func TestNoOutcomeNotTruncated(t *testing.T) {
	inst := &Instance{Rule: consensus, Parties: []string{"P"}, Items: []string{"a", "b", "z"}, Positions: []Position{
		cond("P", "a", "not agreed(b)"), cond("P", "b", "not agreed(a)"), cond("P", "z", "not agreed(z)")}}
	for _, max := range []int{1, 2, 64} {
		r, err := EvaluateOptions(inst, Options{MaxOutcomes: max})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Outcomes) != 0 || r.Truncated {
			t.Errorf("cap %d: outcomes %q, truncated %v; want none, not truncated", max, r.Outcomes, r.Truncated)
		}
		if r.Items["a"].Status != StatusContested || r.Items["z"].Status != StatusOscillating {
			t.Errorf("cap %d: a is %s, z is %s; want contested, oscillating", max, r.Items["a"].Status, r.Items["z"].Status)
		}
	}
}

// TestInputRefusals: facts and steps done are listed once each, and a
// withdrawal of a position that is not there says so.
func TestInputRefusals(t *testing.T) {
	base := func() *Instance {
		return &Instance{Rule: consensus, Parties: []string{"A", "B"}, Items: []string{"X"}, Positions: []Position{pos("A", "X", "support")}}
	}
	inst := base()
	inst.Facts = []string{"f1", "f2", "f1"}
	if _, err := Evaluate(inst); err == nil || !strings.Contains(err.Error(), `facts[2]: "f1" is listed twice`) {
		t.Errorf("a fact twice: %v", err)
	}
	inst = base()
	inst.Done = []string{"s1", "s1"}
	if _, err := Evaluate(inst); err == nil || !strings.Contains(err.Error(), `done[1]: "s1" is listed twice`) {
		t.Errorf("a step twice: %v", err)
	}
	if _, err := Impact(base(), Position{Party: "B", Item: "X"}); err == nil || !strings.Contains(err.Error(), "B has no position on X to withdraw") {
		t.Errorf("withdrawing a position that is not there: %v", err)
	}
	if _, err := Impact(base(), Position{Party: "C", Item: "X"}); err == nil || !strings.Contains(err.Error(), "C") {
		t.Errorf("withdrawing the position of a party not in the instance: %v", err)
	}
}

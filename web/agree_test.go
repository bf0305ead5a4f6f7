package web

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// TestLightVerdict checks the verdict computed without explanations
// against the full evaluation, on random instances with every stance,
// silences, packages, per-item rules (with an n past 2^32 among them),
// facts, open brackets and, in some, negations.
func TestLightVerdict(t *testing.T) {
	rules := []parley.Rule{
		{Kind: parley.RuleConsensus},
		{Kind: parley.RuleConsensusMinus, N: 1},
		{Kind: parley.RuleMajority, Threshold: 0.6},
		{Kind: parley.RuleConsensusMinus, N: 1<<32 + 1},
	}
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		p := agreement.GenParams{
			Parties: 2 + r.IntN(5), Items: 2 + r.IntN(8),
			CondShare: 0.4, MaxCondItems: 3, AndShare: 0.5, ObjectShare: 0.2,
			Rule: rules[r.IntN(len(rules))],
		}
		if seed%4 == 0 {
			p.NegShare = 0.3
		}
		inst := agreement.Generate(p, seed)
		kept := inst.Positions[:0]
		for _, pos := range inst.Positions {
			switch x := r.IntN(20); {
			case x == 0:
				continue // silent
			case x == 1:
				pos.Stance, pos.Condition = parley.StanceAbstain, ""
			case x == 2:
				pos.Stance, pos.Condition = parley.StanceReserve, ""
			case x == 3:
				pos.Stance, pos.Condition = parley.StanceAdReferendum, ""
			case x == 4 && pos.Stance == parley.StanceConditional:
				pos.Condition = "(" + pos.Condition + ") and fact(f1) or fact(f2)"
			}
			kept = append(kept, pos)
		}
		inst.Positions = kept
		if r.IntN(2) == 0 {
			inst.Facts = []string{"f1"}
		}
		if len(inst.Items) > 3 && r.IntN(2) == 0 {
			inst.Packages = [][]string{{inst.Items[0], inst.Items[1]}}
		}
		if r.IntN(3) == 0 {
			inst.ItemRules = map[string]parley.Rule{inst.Items[len(inst.Items)-1]: rules[r.IntN(len(rules))]}
		}
		if r.IntN(3) == 0 {
			inst.Holds = []agreement.Hold{{Item: inst.Items[r.IntN(len(inst.Items))], Kind: agreement.HoldOpenBrackets, Count: 1 + r.IntN(3)}}
		}
		res, err := agreement.Evaluate(inst)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		light, ok, err := lightVerdict(inst)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !ok {
			t.Fatalf("seed %d: lightVerdict declined", seed)
		}
		full := verdictOf(res)
		if !maps.Equal(light.Status, full.Status) {
			t.Errorf("seed %d: statuses\n got %v\nwant %v", seed, light.Status, full.Status)
		}
		if !maps.EqualFunc(light.Blocks, full.Blocks, maps.Equal) {
			t.Errorf("seed %d: blockers\n got %v\nwant %v", seed, light.Blocks, full.Blocks)
		}
	}
}

// TestResultCache checks that equal instances share an evaluation and
// different ones do not.
func TestResultCache(t *testing.T) {
	var c resultCache
	inst := func(stance string) *agreement.Instance {
		return &agreement.Instance{Rule: parley.Rule{Kind: parley.RuleConsensus}, Parties: []string{"a", "b"}, Items: []string{"x"},
			Positions: []agreement.Position{{Party: "a", Item: "x", Stance: parley.StanceSupport}, {Party: "b", Item: "x", Stance: stance}}}
	}
	r1, err := c.evaluate(inst(parley.StanceSupport))
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := c.evaluate(inst(parley.StanceSupport))
	r3, _ := c.evaluate(inst(parley.StanceOppose))
	if r1 != r2 {
		t.Errorf("the same instance was evaluated twice")
	}
	if r3 == r1 || r3.Items["x"].Status != agreement.StatusNotAgreed {
		t.Errorf("a different instance got the cached result")
	}
	held := inst(parley.StanceSupport)
	held.Holds = []agreement.Hold{{Item: "x", Kind: agreement.HoldOpenBrackets, Count: 1}}
	if r4, _ := c.evaluate(held); r4 == r1 || r4.Items["x"].Status != agreement.StatusNotAgreed {
		t.Errorf("an instance with a hold got the cached result of the same instance without")
	}
	for i := range cacheSize + 4 {
		in := inst(parley.StanceSupport)
		in.Items = append(in.Items, fmt.Sprintf("y%d", i))
		if _, err := c.evaluate(in); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.entries) > cacheSize || len(c.order) != len(c.entries) {
		t.Errorf("the cache holds %d entries (order %d), want at most %d", len(c.entries), len(c.order), cacheSize)
	}
}

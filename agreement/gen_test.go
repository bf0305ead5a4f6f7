package agreement

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// A drawer draws the choices that make a random instance, from rapid or
// from a seeded source.
type drawer interface {
	intn(n int) int
}

type rapidDrawer struct{ t *rapid.T }

func (d rapidDrawer) intn(n int) int { return rapid.IntRange(0, n-1).Draw(d.t, "choice") }

type randDrawer struct{ r *rand.Rand }

func (d randDrawer) intn(n int) int { return d.r.IntN(n) }

// genSpec shapes random instances.
type genSpec struct {
	maxItems, maxParties int
	negation             bool // conditions may negate
	packages             bool
	itemRules            bool
}

// randomInstance draws an instance: random rules, packages, facts and
// stances, with conditions over the items and three facts, of which some
// are confirmed.
func randomInstance(d drawer, g genSpec) *Instance {
	n := 1 + d.intn(g.maxItems)
	np := 1 + d.intn(g.maxParties)
	inst := &Instance{Rule: randomRule(d, np)}
	for i := range n {
		inst.Items = append(inst.Items, fmt.Sprintf("i%d", i))
	}
	for p := range np {
		inst.Parties = append(inst.Parties, fmt.Sprintf("p%d", p))
	}
	for _, f := range []string{"f0", "f1", "f2"} {
		if d.intn(2) == 0 {
			inst.Facts = append(inst.Facts, f)
		}
	}
	if g.itemRules && d.intn(3) == 0 {
		inst.ItemRules = map[string]parley.Rule{}
		for _, it := range inst.Items {
			if d.intn(3) == 0 {
				inst.ItemRules[it] = randomRule(d, np)
			}
		}
	}
	if g.packages && d.intn(2) == 0 {
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		for i := n - 1; i > 0; i-- {
			j := d.intn(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
		for k := 0; k < n; {
			size := 1 + d.intn(3)
			if k+size > n {
				size = n - k
			}
			if size > 1 && d.intn(2) == 0 {
				var pk []string
				for _, i := range perm[k : k+size] {
					pk = append(pk, inst.Items[i])
				}
				inst.Packages = append(inst.Packages, pk)
			}
			k += size
		}
	}
	stances := []string{"support", "ad_referendum", "abstain", "reserve", "oppose", "conditional", "conditional", "conditional", "none"}
	for _, p := range inst.Parties {
		for _, it := range inst.Items {
			st := stances[d.intn(len(stances))]
			if st == "none" {
				continue
			}
			pos := Position{Party: p, Item: it, Stance: st}
			if st == "conditional" {
				pos.Condition = randomCond(d, inst.Items, g.negation, 2).String()
			}
			inst.Positions = append(inst.Positions, pos)
		}
	}
	return inst
}

func randomRule(d drawer, np int) parley.Rule {
	switch d.intn(4) {
	case 0, 1:
		return parley.Rule{Kind: parley.RuleConsensus}
	case 2:
		return parley.Rule{Kind: parley.RuleConsensusMinus, N: d.intn(3)}
	}
	th := []float64{0.5, 2.0 / 3, 0.75, 1, 0.34, 0.1}
	return parley.Rule{Kind: parley.RuleMajority, Threshold: th[d.intn(len(th))]}
}

func randomCond(d drawer, items []string, negation bool, depth int) *Cond {
	k := d.intn(10)
	if depth == 0 || k < 4 {
		if k == 0 {
			return &Cond{Op: OpFact, ID: fmt.Sprintf("f%d", d.intn(3))}
		}
		return &Cond{Op: OpAgreed, ID: items[d.intn(len(items))]}
	}
	switch {
	case k < 6 && negation:
		return &Cond{Op: OpNot, X: randomCond(d, items, negation, depth-1)}
	case k < 8:
		return &Cond{Op: OpAnd, X: randomCond(d, items, negation, depth-1), Y: randomCond(d, items, negation, depth-1)}
	}
	return &Cond{Op: OpOr, X: randomCond(d, items, negation, depth-1), Y: randomCond(d, items, negation, depth-1)}
}

// bruteF applies F of DESIGN.md §4 to the set s, straight from the
// instance's strings.
func bruteF(t tb, inst *Instance, s map[string]bool) map[string]bool {
	facts := map[string]bool{}
	for _, f := range inst.Facts {
		facts[f] = true
	}
	stance := map[[2]string]Position{}
	for _, p := range inst.Positions {
		stance[[2]string{p.Party, p.Item}] = p
	}
	pass := map[string]bool{}
	for _, it := range inst.Items {
		r := inst.Rule
		if ir, ok := inst.ItemRules[it]; ok {
			r = ir
		}
		var yes, no, abst, silent int
		for _, party := range inst.Parties {
			p, ok := stance[[2]string{party, it}]
			if !ok {
				silent++
				continue
			}
			switch p.Stance {
			case "support", "ad_referendum":
				yes++
			case "oppose", "reserve":
				no++
			case "abstain":
				abst++
			case "conditional":
				c, err := ParseCondition(p.Condition)
				if err != nil {
					t.Fatal(err)
				}
				if c.Eval(func(id string) bool { return s[id] }, func(id string) bool { return facts[id] }) {
					yes++
				} else {
					no++
				}
			}
		}
		switch r.Kind {
		case "consensus":
			pass[it] = no == 0 && silent == 0 && yes >= 1
		case "consensus_minus":
			pass[it] = no+silent <= r.N && yes >= 1
		case "majority":
			pass[it] = float64(yes) >= r.Threshold*float64(len(inst.Parties)-abst) && yes >= 1
		}
	}
	out := map[string]bool{}
	inPkg := map[string][]string{}
	for _, pk := range inst.Packages {
		for _, it := range pk {
			inPkg[it] = pk
		}
	}
	for _, it := range inst.Items {
		pk, ok := inPkg[it]
		if !ok {
			pk = []string{it}
		}
		all := true
		for _, j := range pk {
			all = all && pass[j]
		}
		if all {
			out[it] = true
		}
	}
	return out
}

// bruteOutcomes enumerates every subset of the items and returns the
// ⊆-maximal fixpoints of F, each sorted, in sorted order.
func bruteOutcomes(t tb, inst *Instance) [][]string {
	n := len(inst.Items)
	var fix []uint32
	for mask := uint32(0); mask < 1<<n; mask++ {
		s := map[string]bool{}
		for i, it := range inst.Items {
			if mask&(1<<i) != 0 {
				s[it] = true
			}
		}
		if maps.Equal(bruteF(t, inst, s), s) {
			fix = append(fix, mask)
		}
	}
	out := [][]string{}
	for _, a := range fix {
		maximal := true
		for _, b := range fix {
			if a != b && a&b == a {
				maximal = false
				break
			}
		}
		if maximal {
			var o []string
			for i, it := range inst.Items {
				if a&(1<<i) != 0 {
					o = append(o, it)
				}
			}
			sort.Strings(o)
			if o == nil {
				o = []string{}
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(a, b int) bool { return slices.Compare(out[a], out[b]) < 0 })
	return out
}

// tb is the part of testing.TB that rapid.T has too.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

package agreement

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// TestExplanationsMatchDefinition checks, on random instances with and
// without negation, every item's tally and blockers under the reference
// outcome (the first) against the votes computed from the instance, and
// its root blockers against their definition: the plain objections,
// reservations and silences (and items nobody supports) of every item
// not agreed that it reaches by following the items its failing
// conditions wait on and its failing package mates.
func TestExplanationsMatchDefinition(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := rapidDrawer{rt}
		inst := randomInstance(d, genSpec{maxItems: 8, maxParties: 4, negation: d.intn(2) == 0, packages: true, itemRules: true, holds: true})
		res, err := Evaluate(inst)
		if err != nil {
			rt.Fatal(err)
		}
		if len(res.Outcomes) == 0 {
			return
		}
		ib, _ := json.Marshal(inst)
		ref := map[string]bool{}
		for _, it := range res.Outcomes[0] {
			ref[it] = true
		}
		facts := map[string]bool{}
		for _, f := range inst.Facts {
			facts[f] = true
		}
		stance := map[[2]string]Position{}
		for _, p := range inst.Positions {
			stance[[2]string{p.Party, p.Item}] = p
		}
		for _, it := range inst.Items {
			got := res.Items[it]
			var want Tally
			var blockers []string
			for _, party := range inst.Parties {
				p, ok := stance[[2]string{party, it}]
				vote := "no"
				switch {
				case !ok:
					vote = "silent"
					want.Silent++
				case p.Stance == "support" || p.Stance == "ad_referendum":
					vote = "yes"
				case p.Stance == "abstain":
					vote = "abstain"
				case p.Stance == "conditional":
					c, _ := ParseCondition(p.Condition)
					if c.Eval(func(id string) bool { return ref[id] }, func(id string) bool { return facts[id] }) {
						vote = "yes"
					}
				}
				switch vote {
				case "yes":
					want.Yes++
				case "abstain":
					want.Abstain++
				case "no":
					want.No++
				}
				if vote == "no" || vote == "silent" {
					st := "silent"
					if ok {
						st = p.Stance
					}
					blockers = append(blockers, party+" "+st)
				}
			}
			if got.Tally != want {
				rt.Fatalf("instance %s: %s: tally %+v, want %+v", ib, it, got.Tally, want)
			}
			if ref[it] || Passes(ruleOf(inst, it), want) {
				blockers = nil
			}
			var gotBlockers []string
			for _, b := range got.Blockers {
				gotBlockers = append(gotBlockers, b.Party+" "+b.Stance)
			}
			if !slices.Equal(gotBlockers, blockers) {
				rt.Fatalf("instance %s: %s: blockers %q, want %q", ib, it, gotBlockers, blockers)
			}
		}
		// Root blockers, by their definition over the explanations.
		own := func(it string) []string {
			var out []string
			cond := false
			for _, b := range res.Items[it].Blockers {
				switch b.Stance {
				case "conditional":
					cond = true
				default:
					out = append(out, b.Party+" "+it+" "+b.Stance)
				}
			}
			if res.Items[it].NoSupport && !cond {
				out = append(out, " "+it+" no_support")
			}
			for _, h := range inst.Holds {
				if h.Item == it {
					out = append(out, " "+it+" "+h.Kind)
				}
			}
			return out
		}
		for _, it := range inst.Items {
			if ref[it] {
				continue
			}
			seen := map[string]bool{it: true}
			var want []string
			for queue := []string{it}; len(queue) > 0; queue = queue[1:] {
				x := res.Items[queue[0]]
				want = append(want, own(queue[0])...)
				var next []string
				for _, b := range x.Blockers {
					next = append(next, b.WaitsOn...)
				}
				next = append(next, x.PackageBlockedBy...)
				for _, y := range next {
					if !ref[y] && !seen[y] {
						seen[y] = true
						queue = append(queue, y)
					}
				}
			}
			sort.Strings(want)
			want = slices.Compact(want)
			var got []string
			for _, r := range res.Items[it].RootBlockers {
				got = append(got, r.Party+" "+r.Item+" "+r.Stance)
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				rt.Fatalf("instance %s: %s: root blockers %q, want %q", ib, it, got, want)
			}
		}
	})
}

func ruleOf(inst *Instance, it string) parley.Rule {
	if ir, ok := inst.ItemRules[it]; ok {
		return ir
	}
	return inst.Rule
}

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
// reservations and silences (and items nobody supports, holds, and steps
// not done that failing conditions need done) of every item not agreed
// that it reaches by following the items its failing conditions wait on
// and its failing package mates.
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
		facts := constsOf(inst)
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
					if c.Eval(func(id string) bool { return ref[id] }, facts.fact, facts.isDone) {
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
				// The steps a failing condition needs done, or not done,
				// and that are not as it needs them.
				var missing, excluding []string
				if c, err := ParseCondition(b.Condition); err == nil && b.Stance == "conditional" {
					var walk func(c *Cond, neg bool)
					walk = func(c *Cond, neg bool) {
						switch c.Op {
						case OpDone:
							if !neg && !facts.done[c.ID] {
								missing = append(missing, c.ID)
							} else if neg && facts.done[c.ID] {
								excluding = append(excluding, c.ID)
							}
						case OpNot:
							walk(c.X, !neg)
						case OpAnd, OpOr:
							walk(c.X, neg)
							walk(c.Y, neg)
						}
					}
					walk(c, false)
				}
				slices.Sort(missing)
				slices.Sort(excluding)
				if !slices.Equal(slices.Compact(missing), b.MissingSteps) || !slices.Equal(slices.Compact(excluding), b.ExcludedBySteps) {
					rt.Fatalf("instance %s: %s: %s's blocker needs steps %q done and %q not done, want %q and %q", ib, it, b.Party, b.MissingSteps, b.ExcludedBySteps, missing, excluding)
				}
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
					for _, s := range b.MissingSteps {
						out = append(out, " "+it+" "+StanceNotDone+" "+s)
					}
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
				g := r.Party + " " + r.Item + " " + r.Stance
				if r.Step != "" {
					g += " " + r.Step
				}
				got = append(got, g)
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

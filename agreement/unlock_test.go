package agreement

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func optionText(o UnlockOption) string {
	var s []string
	for _, c := range o.Changes {
		s = append(s, c.Party+" "+c.Stance+" "+c.Item)
	}
	return strings.Join(s, ", ")
}

func TestUnlockScenario(t *testing.T) {
	opts, err := Unlock(scenarioFinal(), "D1", UnlockLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range opts {
		got = append(got, optionText(o))
	}
	want := []string{
		"gov support M1a",
		"oppA support D1, oppB support D1",
		"oppA support M1b, oppB support M1b, oppC support M1b",
	}
	if !slices.Equal(got, want) {
		t.Errorf("unlock D1: got %q, want %q", got, want)
	}
}

func TestUnlockAgreedItemNeedsNothing(t *testing.T) {
	inst := scenarioFinal()
	inst.Positions[1].Stance = "support" // gov supports M1a
	opts, err := Unlock(inst, "D1", UnlockLimits{})
	if err != nil || len(opts) != 0 {
		t.Errorf("unlock of an agreed item: got %v, %v, want no option", opts, err)
	}
	if _, err := Unlock(inst, "nosuch", UnlockLimits{}); err == nil {
		t.Errorf("unlock of an unknown item: got no error")
	}
}

func TestImpactScenario(t *testing.T) {
	r, err := Impact(scenarioFinal(), Position{Party: "gov", Item: "M1a", Stance: "support"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"D1", "M1a"}; !slices.Equal(r.Pass, want) || len(r.Fall) != 0 {
		t.Errorf("impact of gov supporting M1a: pass %q fall %q, want pass %q", r.Pass, r.Fall, want)
	}
	// Starting from the round's middle, oppC making D1 conditional on M1b
	// brings D1 down.
	inst := scenarioFinal()
	inst.Positions[3] = pos("oppA", "D1", "support")
	inst.Positions[6] = pos("oppB", "D1", "support")
	r, err = Impact(inst, cond("oppC", "D1", "agreed(M1b)"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"D1"}; !slices.Equal(r.Fall, want) || len(r.Pass) != 0 {
		t.Errorf("impact: pass %q fall %q, want fall %q", r.Pass, r.Fall, want)
	}
	r, err = Impact(inst, Position{Party: "oppC", Item: "D1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"D1"}; !slices.Equal(r.Fall, want) {
		t.Errorf("impact of a withdrawal: fall %q, want %q", r.Fall, want)
	}
}

// applyChanges returns inst with the changes made.
func applyChanges(inst *Instance, changes []Position) *Instance {
	out := *inst
	out.Positions = nil
	for _, p := range inst.Positions {
		if !slices.ContainsFunc(changes, func(c Position) bool { return c.Party == p.Party && c.Item == p.Item }) {
			out.Positions = append(out.Positions, p)
		}
	}
	out.Positions = append(out.Positions, changes...)
	return &out
}

// bruteAgreed reports whether item is agreed in every outcome of inst by
// enumeration, and there is one.
func bruteAgreed(t tb, inst *Instance, item string) bool {
	outs := bruteOutcomes(t, inst)
	for _, o := range outs {
		if !slices.Contains(o, item) {
			return false
		}
	}
	return len(outs) > 0
}

// TestUnlockMatchesEnumeration checks, without negation, that Unlock finds
// exactly the minimal sets of up to two support changes that enumeration
// finds, and, with negation, that every option works and no proper part
// of it does.
func TestUnlockMatchesEnumeration(t *testing.T) {
	t.Run("monotone", func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) {
			d := rapidDrawer{rt}
			inst := randomInstance(d, genSpec{maxItems: 5, maxParties: 3, packages: true, itemRules: true})
			item := inst.Items[d.intn(len(inst.Items))]
			got, err := Unlock(inst, item, UnlockLimits{MaxChanges: 2})
			if err != nil {
				rt.Fatal(err)
			}
			var want []string
			if !bruteAgreed(rt, inst, item) {
				var all []Position
				for _, it := range inst.Items {
					for _, p := range inst.Parties {
						all = append(all, Position{Party: p, Item: it, Stance: "support"})
					}
				}
				var found [][]Position
				works := func(cs []Position) bool {
					for _, f := range found {
						if len(f) < len(cs) && slices.ContainsFunc(cs, func(c Position) bool { return c == f[0] }) {
							return false
						}
					}
					return bruteAgreed(rt, applyChanges(inst, cs), item)
				}
				for _, a := range all {
					if works([]Position{a}) {
						found = append(found, []Position{a})
					}
				}
				for i := range all {
					for j := i + 1; j < len(all); j++ {
						cs := []Position{all[i], all[j]}
						if works(cs) {
							found = append(found, cs)
						}
					}
				}
				for _, f := range found {
					want = append(want, optionText(UnlockOption{Changes: f}))
				}
			}
			var gotText []string
			for _, o := range got {
				gotText = append(gotText, optionText(o))
			}
			slices.Sort(gotText)
			slices.Sort(want)
			if !slices.Equal(gotText, want) {
				b, _ := json.Marshal(inst)
				rt.Fatalf("unlock %s in %s:\ngot  %q\nwant %q", item, b, gotText, want)
			}
		})
	})
	t.Run("negation", func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) {
			d := rapidDrawer{rt}
			inst := randomInstance(d, genSpec{maxItems: 4, maxParties: 2, negation: true})
			item := inst.Items[d.intn(len(inst.Items))]
			got, err := Unlock(inst, item, UnlockLimits{MaxChanges: 2})
			if err != nil {
				rt.Fatal(err)
			}
			agreed := func(cs []Position) bool {
				r, err := Evaluate(applyChanges(inst, cs))
				if err != nil {
					rt.Fatal(err)
				}
				st := r.Items[item].Status
				return st == StatusAgreed || st == StatusAgreedAdReferendum
			}
			for _, o := range got {
				if !agreed(o.Changes) {
					rt.Fatalf("option %s does not unlock %s", optionText(o), item)
				}
				for k := range o.Changes {
					part := slices.Delete(slices.Clone(o.Changes), k, k+1)
					if agreed(part) {
						rt.Fatalf("option %s is not minimal: %s is enough", optionText(o), optionText(UnlockOption{part}))
					}
				}
			}
			if agreed(nil) && len(got) != 0 {
				rt.Fatalf("%s is agreed, but unlock gave %d options", item, len(got))
			}
		})
	})
}

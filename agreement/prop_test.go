package agreement

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"pgregory.net/rapid"
)

// checkAgainstBrute compares Evaluate with the enumeration of every subset.
func checkAgainstBrute(t tb, inst *Instance) {
	t.Helper()
	got, err := EvaluateOptions(inst, Options{MaxOutcomes: 1 << 16})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	want := bruteOutcomes(t, inst)
	if !slices.EqualFunc(got.Outcomes, want, slices.Equal) {
		b, _ := json.Marshal(inst)
		t.Fatalf("instance %s\noutcomes: got %q, want %q", b, got.Outcomes, want)
	}
	if got.Truncated {
		t.Fatalf("truncated with %d outcomes under a cap of %d", len(want), 1<<16)
	}
	all, some := map[string]int{}, map[string]bool{}
	for _, o := range want {
		for _, it := range o {
			all[it]++
			some[it] = true
		}
	}
	var wantAll, wantSome []string
	for _, it := range inst.Items {
		if len(want) > 0 && all[it] == len(want) {
			wantAll = append(wantAll, it)
		}
		if some[it] {
			wantSome = append(wantSome, it)
		}
	}
	sort.Strings(wantAll)
	sort.Strings(wantSome)
	if !slices.Equal(got.AgreedInAll, wantAll) && len(got.AgreedInAll)+len(wantAll) > 0 {
		t.Fatalf("agreed_in_all: got %q, want %q", got.AgreedInAll, wantAll)
	}
	if !slices.Equal(got.AgreedInSome, wantSome) && len(got.AgreedInSome)+len(wantSome) > 0 {
		t.Fatalf("agreed_in_some: got %q, want %q", got.AgreedInSome, wantSome)
	}
	if len(want) == 0 && len(got.Oscillating) == 0 {
		b, _ := json.Marshal(inst)
		t.Fatalf("instance %s has no outcome but no oscillating condition is reported", b)
	}
	for _, it := range inst.Items {
		st := got.Items[it].Status
		switch {
		case len(want) == 0:
		case all[it] == len(want):
			if st != StatusAgreed && st != StatusAgreedAdReferendum {
				t.Fatalf("%s: status %s, want agreed", it, st)
			}
		case some[it]:
			if st != StatusContested {
				t.Fatalf("%s: status %s, want contested", it, st)
			}
		default:
			if st != StatusNotAgreed {
				t.Fatalf("%s: status %s, want not_agreed", it, st)
			}
		}
	}
}

// TestOutcomesMatchEnumeration checks the engine against the enumeration
// of all subsets on instances of up to 12 items, without negation (where
// the greatest fixpoint is computed with counters) and with it (where the
// engine searches).
func TestOutcomesMatchEnumeration(t *testing.T) {
	specs := map[string]genSpec{
		"monotone": {maxItems: 12, maxParties: 4, packages: true, itemRules: true},
		"negation": {maxItems: 12, maxParties: 4, negation: true, packages: true, itemRules: true},
		"small":    {maxItems: 5, maxParties: 3, negation: true, packages: true},
	}
	for name, g := range specs {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				checkAgainstBrute(rt, randomInstance(rapidDrawer{rt}, g))
			})
		})
	}
}

// TestSummaryMatchesResult checks that Summarize gives the statuses and
// the blocking parties of a full evaluation.
func TestSummaryMatchesResult(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		inst := randomInstance(rapidDrawer{rt}, genSpec{maxItems: 8, maxParties: 4, negation: rapid.Bool().Draw(rt, "negation"), packages: true, itemRules: true})
		res, err := Evaluate(inst)
		if err != nil {
			rt.Fatal(err)
		}
		sum, err := Summarize(inst)
		if err != nil {
			rt.Fatal(err)
		}
		for id, it := range res.Items {
			if sum.Status[id] != it.Status {
				rt.Fatalf("%s: status %s, want %s", id, sum.Status[id], it.Status)
			}
			var want []string
			for _, b := range it.Blockers {
				want = append(want, b.Party)
			}
			if !slices.Equal(sum.Blockers[id], want) {
				rt.Fatalf("%s: blockers %q, want %q", id, sum.Blockers[id], want)
			}
		}
		if len(sum.Status) != len(res.Items) {
			rt.Fatalf("%d statuses for %d items", len(sum.Status), len(res.Items))
		}
	})
}

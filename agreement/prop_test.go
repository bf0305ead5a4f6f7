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
	checkAgainstBruteCap(t, inst, 1<<16)
}

// checkAgainstBruteCap compares Evaluate, with at most maxOut outcomes
// listed, with the enumeration of every subset: the outcomes listed are
// maximal fixpoints, as many as the cap allows; the statuses and the
// items agreed in all and in some outcomes are exact whatever the cap.
func checkAgainstBruteCap(t tb, inst *Instance, maxOut int) {
	t.Helper()
	got, err := EvaluateOptions(inst, Options{MaxOutcomes: maxOut})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	b, _ := json.Marshal(inst)
	want := bruteOutcomes(t, inst)
	if len(want) <= maxOut {
		if !slices.EqualFunc(got.Outcomes, want, slices.Equal) {
			t.Fatalf("instance %s\noutcomes: got %q, want %q", b, got.Outcomes, want)
		}
		if got.Truncated {
			t.Fatalf("instance %s: truncated with %d outcomes under a cap of %d", b, len(want), maxOut)
		}
	} else {
		if len(got.Outcomes) != maxOut || !got.Truncated {
			t.Fatalf("instance %s: %d outcomes listed, truncated %v, with %d outcomes under a cap of %d", b, len(got.Outcomes), got.Truncated, len(want), maxOut)
		}
		for _, o := range got.Outcomes {
			if !slices.ContainsFunc(want, func(w []string) bool { return slices.Equal(w, o) }) {
				t.Fatalf("instance %s: outcome %q is not a maximal fixpoint; they are %q", b, o, want)
			}
		}
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
		t.Fatalf("instance %s: agreed_in_all: got %q, want %q", b, got.AgreedInAll, wantAll)
	}
	if !slices.Equal(got.AgreedInSome, wantSome) && len(got.AgreedInSome)+len(wantSome) > 0 {
		t.Fatalf("instance %s: agreed_in_some: got %q, want %q", b, got.AgreedInSome, wantSome)
	}
	status, oscillating := bruteStatuses(t, inst)
	for _, it := range inst.Items {
		st := got.Items[it].Status
		if st == StatusAgreedAdReferendum {
			st = StatusAgreed
		}
		if st != status[it] {
			t.Fatalf("instance %s: %s: status %s, want %s", b, it, st, status[it])
		}
	}
	var gotOsc []string
	for _, p := range got.Oscillating {
		gotOsc = append(gotOsc, p.Party+" "+p.Item)
	}
	slices.Sort(gotOsc)
	if !slices.Equal(gotOsc, oscillating) {
		t.Fatalf("instance %s: oscillating positions %q, want %q", b, gotOsc, oscillating)
	}
	if len(want) == 0 && len(got.Oscillating) == 0 {
		t.Fatalf("instance %s has no outcome but no oscillating condition is reported", b)
	}
}

// TestOutcomesMatchEnumeration checks the engine against the enumeration
// of all subsets on instances of up to 12 items, without negation (where
// the greatest fixpoint is computed with counters) and with it (where the
// engine searches).
func TestOutcomesMatchEnumeration(t *testing.T) {
	specs := map[string]genSpec{
		"monotone": {maxItems: 12, maxParties: 4, packages: true, itemRules: true, holds: true},
		"negation": {maxItems: 12, maxParties: 4, negation: true, packages: true, itemRules: true, holds: true},
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
		inst := randomInstance(rapidDrawer{rt}, genSpec{maxItems: 8, maxParties: 4, negation: rapid.Bool().Draw(rt, "negation"), packages: true, itemRules: true, holds: true})
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

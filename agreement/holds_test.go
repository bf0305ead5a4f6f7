package agreement

import (
	"slices"
	"strings"
	"testing"
)

// bracketed is a talks where every party supports every item, but the
// latest version of d1 holds two open brackets; m2 is in a package with
// d1, and w waits on d1.
func bracketed() *Instance {
	return &Instance{
		Rule: consensus, Parties: []string{"gov", "opp"}, Items: []string{"d1", "m1", "m2", "w"},
		Packages: [][]string{{"d1", "m2"}},
		Holds:    []Hold{{Item: "d1", Kind: HoldOpenBrackets, Count: 2}},
		Positions: []Position{
			pos("gov", "d1", "support"), pos("opp", "d1", "support"),
			pos("gov", "m1", "support"), pos("opp", "m1", "support"),
			pos("gov", "m2", "support"), pos("opp", "m2", "support"),
			pos("gov", "w", "support"), cond("opp", "w", "agreed(d1)"),
		},
	}
}

// TestOpenBracketsAreNotAgreed checks that an item whose latest version
// holds open brackets is not agreed whatever the votes, nor what rests on
// it, and that its explanation says how many brackets are open.
func TestOpenBracketsAreNotAgreed(t *testing.T) {
	inst := bracketed()
	r, err := Evaluate(inst)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"d1": StatusNotAgreed, "m1": StatusAgreed, "m2": StatusNotAgreed, "w": StatusNotAgreed}
	for it, st := range want {
		if got := r.Items[it].Status; got != st {
			t.Errorf("%s: status %s, want %s", it, got, st)
		}
	}
	d1 := r.Items["d1"]
	if len(d1.Holds) != 1 || d1.Holds[0].Count != 2 || d1.Holds[0].Kind != HoldOpenBrackets || len(d1.Blockers) != 0 {
		t.Errorf("d1: holds %+v, blockers %+v; want the open brackets and no blocking vote", d1.Holds, d1.Blockers)
	}
	root := []RootBlocker{{Item: "d1", Stance: HoldOpenBrackets, Count: 2}}
	for _, it := range []string{"d1", "m2", "w"} {
		if got := r.Items[it].RootBlockers; !slices.Equal(got, root) {
			t.Errorf("%s: root blockers %+v, want %+v", it, got, root)
		}
	}
	if got := r.Items["m2"].PackageBlockedBy; !slices.Equal(got, []string{"d1"}) {
		t.Errorf("m2: package blocked by %q, want d1", got)
	}
	checkAgainstBrute(t, inst)

	// No stance changes alone unlock d1 or m2: every option lifts the
	// hold. w can do without d1 if opp supports it outright.
	for it, want := range map[string][]string{
		"d1": {"lift open_brackets d1"},
		"m2": {"lift open_brackets d1"},
		"w":  {"lift open_brackets d1", "opp support w"},
	} {
		opts, err := Unlock(inst, it, UnlockLimits{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range opts {
			got = append(got, optionText(o))
		}
		if !slices.Equal(got, want) {
			t.Errorf("unlock %s: %q, want %q", it, got, want)
		}
	}
	// With an objection on m2 too, m2 needs both moves.
	inst.Positions[5] = pos("opp", "m2", "oppose")
	opts, err := Unlock(inst, "m2", UnlockLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) != 1 || optionText(opts[0]) != "lift open_brackets d1, opp support m2" {
		t.Errorf("unlock m2: %+v, want the lift and opp's support", opts)
	}

	// The Engine follows a mediator tabling a clean version, and new
	// brackets.
	e, err := NewEngine(bracketed())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetHolds("d1", nil); err != nil {
		t.Fatal(err)
	}
	agreed, _ := e.Agreed()
	if want := []string{"d1", "m1", "m2", "w"}; !slices.Equal(agreed, want) {
		t.Errorf("after the clean version: agreed %q, want %q", agreed, want)
	}
	if err := e.SetHolds("m1", []Hold{{Item: "m1", Kind: HoldOpenBrackets, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	agreed, _ = e.Agreed()
	if want := []string{"d1", "m2", "w"}; !slices.Equal(agreed, want) {
		t.Errorf("after brackets in m1: agreed %q, want %q", agreed, want)
	}
	// Impact respects holds: opp's support of w cannot pass w while d1
	// is held.
	imp, err := Impact(bracketed(), pos("opp", "w", "support"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(imp.Pass, []string{"w"}) {
		t.Errorf("impact of opp supporting w: pass %q, want [w]", imp.Pass)
	}
	imp, err = Impact(bracketed(), pos("opp", "m2", "oppose"))
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Changed) != 0 {
		t.Errorf("impact of opp opposing m2, held by its package: %+v, want no change", imp.Changed)
	}
}

// TestHoldsAreChecked checks that holds are checked like the rest of the
// instance, naming the field.
func TestHoldsAreChecked(t *testing.T) {
	tests := []struct {
		holds []Hold
		want  string
	}{
		{[]Hold{{Item: "zz", Kind: HoldOpenBrackets, Count: 1}}, `holds[0].item: "zz" is not one of the items`},
		{[]Hold{{Kind: HoldOpenBrackets, Count: 1}}, `holds[0].item: missing`},
		{[]Hold{{Item: "d1", Kind: "brackets", Count: 1}}, `holds[0].kind: "brackets" is not open_brackets, incomplete_version or open_divergence`},
		{[]Hold{{Item: "d1", Count: 1}}, `holds[0].kind: missing`},
		{[]Hold{{Item: "d1", Kind: HoldOpenBrackets}}, `holds[0].count: 0 is not a count; give how many brackets are open, at least 1`},
		{[]Hold{{Item: "d1", Kind: HoldIncompleteVersion, Count: -1}}, `holds[0].count: -1 is not a count; give how many official languages the version is missing, at least 1`},
		{[]Hold{{Item: "d1", Kind: HoldOpenDivergence, Count: 1, Detail: strings.Repeat("x", MaxHoldDetail+1)}}, `holds[0].detail: longer than 1000 bytes`},
		{[]Hold{{Item: "d1", Kind: HoldOpenBrackets, Count: 1, Detail: "a\x1b[31mRED"}}, `holds[0].detail: holds the control character U+001B`},
		{[]Hold{{Item: "d1", Kind: HoldOpenBrackets, Count: 1, Detail: "two\nlines"}}, `holds[0].detail: holds the control character U+000A`},
		{[]Hold{{Item: "d1", Kind: HoldOpenBrackets, Count: 1, Detail: "c1\u0085"}}, `holds[0].detail: holds the control character U+0085`},
		{[]Hold{{Item: "d1", Kind: HoldOpenBrackets, Count: 1}, {Item: "m1", Kind: HoldOpenBrackets, Count: 1}, {Item: "d1", Kind: HoldOpenBrackets, Count: 3}},
			`holds[2]: item "d1" already has a hold of kind open_brackets (holds[0]); give one per item and kind`},
	}
	for _, tt := range tests {
		inst := bracketed()
		inst.Holds = tt.holds
		if err := inst.Validate(); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("holds %+v: got %v, want %q", tt.holds, err, tt.want)
		}
	}
	e, err := NewEngine(bracketed())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetHolds("d1", []Hold{{Item: "m1", Kind: HoldOpenBrackets, Count: 1}}); err == nil {
		t.Errorf("SetHolds took a hold on another item")
	}
	if err := e.SetHolds("d1", []Hold{{Item: "d1", Kind: HoldOpenBrackets, Count: 1}, {Item: "d1", Kind: HoldOpenBrackets, Count: 2}}); err == nil {
		t.Errorf("SetHolds took two holds of one kind")
	}
	if got := e.Holds("d1"); len(got) != 1 || got[0].Count != 2 {
		t.Errorf("refused holds changed the engine: %+v", got)
	}
}

package agreement

import (
	"slices"
	"testing"
)

// TestScenario follows the Moscow round through its stance changes on one
// Engine and checks the acceptance criteria of the scenario.
func TestScenario(t *testing.T) {
	inst := scenarioFinal()
	inst.Positions = nil
	e, err := NewEngine(inst)
	if err != nil {
		t.Fatal(err)
	}
	status := func(item string) string {
		t.Helper()
		r, err := e.Result()
		if err != nil {
			t.Fatal(err)
		}
		return r.Items[item].Status
	}
	set := func(ps ...Position) {
		t.Helper()
		for _, p := range ps {
			if err := e.SetPosition(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Step 3: all four support D1.
	set(pos("gov", "D1", "support"), pos("oppA", "D1", "support"), pos("oppB", "D1", "support"))
	if got := status("D1"); got != StatusNotAgreed {
		t.Errorf("D1 with oppC silent: got %s, want not agreed", got)
	}
	set(pos("oppC", "D1", "support"))
	if got := status("D1"); got != StatusAgreed {
		t.Errorf("D1 after step 3: got %s, want agreed", got)
	}
	// Step 5: the measures.
	set(pos("gov", "M1a", "oppose"), pos("gov", "M1b", "support"))
	for _, p := range []string{"oppA", "oppB", "oppC"} {
		set(pos(p, "M1a", "support"), pos(p, "M1b", "oppose"))
	}
	r, err := e.Result()
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Items["D1"].Status; got != StatusAgreed {
		t.Errorf("D1 after step 5: got %s, want agreed", got)
	}
	if got, want := blockerParties(r.Items["M1a"].Blockers), []string{"gov"}; !slices.Equal(got, want) {
		t.Errorf("M1a blockers: got %q, want %q", got, want)
	}
	if got, want := blockerParties(r.Items["M1b"].Blockers), []string{"oppA", "oppB", "oppC"}; !slices.Equal(got, want) {
		t.Errorf("M1b blockers: got %q, want %q", got, want)
	}
	// Step 6: oppA and oppB make D1 conditional.
	set(cond("oppA", "D1", "agreed(M1a) or agreed(M1b)"), cond("oppB", "D1", "agreed(M1a) or agreed(M1b)"))
	r, err = e.Result()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(r.Outcomes, [][]string{{}}, slices.Equal) {
		t.Errorf("outcomes after step 6: got %q, want [[]]", r.Outcomes)
	}
	d1 := r.Items["D1"]
	if d1.Status != StatusNotAgreed {
		t.Errorf("D1 after step 6: got %s, want not agreed", d1.Status)
	}
	if got, want := blockerParties(d1.Blockers), []string{"oppA", "oppB"}; !slices.Equal(got, want) {
		t.Errorf("D1 blockers: got %q, want %q", got, want)
	}
	for _, b := range d1.Blockers {
		if b.Stance != "conditional" || !slices.Equal(b.WaitsOn, []string{"M1a", "M1b"}) {
			t.Errorf("D1 blocker %+v: want a failed condition waiting on M1a and M1b", b)
		}
	}
	want := []RootBlocker{
		{Party: "gov", Item: "M1a", Stance: "oppose"},
		{Party: "oppA", Item: "M1b", Stance: "oppose"},
		{Party: "oppB", Item: "M1b", Stance: "oppose"},
		{Party: "oppC", Item: "M1b", Stance: "oppose"},
	}
	if !slices.Equal(d1.RootBlockers, want) {
		t.Errorf("D1 root blockers: got %+v, want %+v", d1.RootBlockers, want)
	}
	// The engine's instance gives the same result afresh.
	full, err := Evaluate(e.Instance())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(full.Items["D1"].RootBlockers, want) {
		t.Errorf("D1 root blockers afresh: got %+v", full.Items["D1"].RootBlockers)
	}
}

func blockerParties(bs []Blocker) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Party)
	}
	return out
}

// TestValidationNamesTheField checks the messages of invalid instances.
func TestValidationNamesTheField(t *testing.T) {
	base := func() *Instance { return scenarioFinal() }
	tests := []struct {
		name   string
		change func(*Instance)
		want   string
	}{
		{"condition", func(i *Instance) { i.Positions[3].Condition = "agreed(M1a) or" },
			"positions[3].condition: at column 15: expected agreed(ID), fact(ID), done(ID), \"not\" or \"(\", found the end of the condition"},
		{"unknown item in condition", func(i *Instance) { i.Positions[3].Condition = "agreed(M9)" },
			"positions[3].condition: agreed(M9) names no item of the instance; add it to \"items\" or fix the id"},
		{"condition without conditional", func(i *Instance) { i.Positions[0].Condition = "agreed(M1a)" },
			"positions[0].condition: only a conditional stance takes a condition; make the stance conditional or drop the condition"},
		{"missing condition", func(i *Instance) { i.Positions[0].Stance = "conditional" },
			"positions[0].condition: a conditional stance needs a condition, such as agreed(ITEM)"},
		{"stance", func(i *Instance) { i.Positions[2].Stance = "maybe" },
			"positions[2].stance: \"maybe\" is not support, ad_referendum, abstain, reserve, oppose or conditional"},
		{"item", func(i *Instance) { i.Positions[2].Item = "M2" },
			"positions[2].item: \"M2\" is not one of the items; add it to \"items\" or fix the id"},
		{"duplicate", func(i *Instance) { i.Positions[2].Item = "D1" },
			"positions[2]: party \"gov\" already has a position on \"D1\" (positions[0]); give one position per party and item"},
		{"threshold", func(i *Instance) { i.Rule.Kind, i.Rule.Threshold = "majority", 0 },
			"rule.threshold: 0 is not in (0, 1]; give the share of non-abstaining parties needed, such as 0.5 or 0.6667"},
		{"kind", func(i *Instance) { i.Rule.Kind = "unanimity" },
			"rule.kind: \"unanimity\" is not consensus, consensus_minus or majority"},
		{"party id", func(i *Instance) { i.Parties[1] = "opp A" },
			"parties[1]: \"opp A\" is not an id ([A-Za-z0-9_.:-]+, at most 64 characters)"},
		{"package", func(i *Instance) { i.Packages = [][]string{{"D1", "M1a"}, {"M1b", "D1"}} },
			"packages[1][1]: item \"D1\" is already in packages[0][0]; an item belongs to one package at most (merge the two)"},
	}
	for _, tt := range tests {
		inst := base()
		tt.change(inst)
		_, err := Evaluate(inst)
		if err == nil {
			t.Errorf("%s: no error, want %q", tt.name, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

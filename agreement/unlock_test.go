package agreement

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

func optionText(o UnlockOption) string {
	var s []string
	for _, h := range o.Lift {
		s = append(s, "lift "+h.Kind+" "+h.Item)
	}
	for _, c := range o.Changes {
		s = append(s, c.Party+" "+c.Stance+" "+c.Item)
	}
	return strings.Join(s, ", ")
}

// applyMoves returns inst with the changes made and the holds of lifts
// lifted.
func applyMoves(inst *Instance, changes []Position, lifts []Hold) *Instance {
	out := applyChanges(inst, changes)
	out.Holds = slices.DeleteFunc(slices.Clone(inst.Holds), func(h Hold) bool { return slices.Contains(lifts, h) })
	return out
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

// TestStepNotDone checks a support conditional on a step done: while the
// step is not done the explanation names it, as a root blocker, and no
// change of stance unlocks the item but the supporting party's support
// outright; once it is done the item is agreed.
func TestStepNotDone(t *testing.T) {
	inst := &Instance{Rule: parley.Rule{Kind: parley.RuleConsensus}, Parties: []string{"gov", "opp"}, Items: []string{"D2"}, Done: []string{"X.t1.gov"},
		Positions: []Position{{Party: "gov", Item: "D2", Stance: "support"}, {Party: "opp", Item: "D2", Stance: "conditional", Condition: "done(X.t1.gov) and done(X.t2.gov)"}}}
	res, err := Evaluate(inst)
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items["D2"]
	if it.Status != StatusNotAgreed || len(it.Blockers) != 1 || !slices.Equal(it.Blockers[0].MissingSteps, []string{"X.t2.gov"}) || len(it.Blockers[0].WaitsOn) != 0 {
		t.Fatalf("D2: %+v", it)
	}
	want := []RootBlocker{{Item: "D2", Stance: StanceNotDone, Step: "X.t2.gov"}}
	if !slices.Equal(it.RootBlockers, want) {
		t.Errorf("root blockers %+v, want %+v", it.RootBlockers, want)
	}
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"missing_steps":["X.t2.gov"]`) || !strings.Contains(b.String(), `{"item":"D2","stance":"not_done","step":"X.t2.gov"}`) {
		t.Errorf("JSON: %s", b.String())
	}
	opts, err := Unlock(inst, "D2", UnlockLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range opts {
		got = append(got, optionText(o))
	}
	if !slices.Equal(got, []string{"opp support D2"}) {
		t.Errorf("unlock D2: %q, want only opp's support outright", got)
	}
	inst.Done = append(inst.Done, "X.t2.gov")
	if res, err = Evaluate(inst); err != nil || res.Items["D2"].Status != StatusAgreed {
		t.Errorf("with X.t2.gov done: %v, %v; want D2 agreed", res.Items["D2"], err)
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
			inst := randomInstance(d, genSpec{maxItems: 5, maxParties: 3, packages: true, itemRules: true, holds: true})
			item := inst.Items[d.intn(len(inst.Items))]
			got, err := Unlock(inst, item, UnlockLimits{MaxChanges: 2})
			if err != nil {
				rt.Fatal(err)
			}
			var want []string
			if !bruteAgreed(rt, inst, item) {
				// A lift is written as a position with the stance
				// "lift" and the kind as its condition.
				var all []Position
				for _, it := range inst.Items {
					for _, p := range inst.Parties {
						all = append(all, Position{Party: p, Item: it, Stance: "support"})
					}
				}
				for _, h := range inst.Holds {
					all = append(all, Position{Item: h.Item, Stance: "lift", Condition: h.Kind})
				}
				var found [][]Position
				works := func(cs []Position) bool {
					for _, f := range found {
						if len(f) < len(cs) && slices.ContainsFunc(cs, func(c Position) bool { return c == f[0] }) {
							return false
						}
					}
					var changes []Position
					var lifts []Hold
					for _, c := range cs {
						if c.Stance == "lift" {
							lifts = append(lifts, inst.Holds[slices.IndexFunc(inst.Holds, func(h Hold) bool { return h.Item == c.Item && h.Kind == c.Condition })])
						} else {
							changes = append(changes, c)
						}
					}
					return bruteAgreed(rt, applyMoves(inst, changes, lifts), item)
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
					want = append(want, optionText(movesOption(f)))
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
			inst := randomInstance(d, genSpec{maxItems: 4, maxParties: 2, negation: true, packages: d.intn(3) == 0, holds: true})
			item := inst.Items[d.intn(len(inst.Items))]
			got, err := Unlock(inst, item, UnlockLimits{MaxChanges: 2})
			if err != nil {
				rt.Fatal(err)
			}
			var gotText []string
			for _, o := range got {
				gotText = append(gotText, optionText(o))
			}
			want := bruteUnlock(rt, inst, item, 2)
			slices.Sort(gotText)
			if !slices.Equal(gotText, want) {
				b, _ := json.Marshal(inst)
				rt.Fatalf("unlock %s in %s:\ngot  %q\nwant %q", item, b, gotText, want)
			}
		})
	})
}

// movesOption makes an option of moves written as positions, lifts with
// the stance "lift" and the kind as condition, sorted as Unlock sorts
// them.
func movesOption(moves []Position) UnlockOption {
	var o UnlockOption
	for _, c := range moves {
		if c.Stance == "lift" {
			o.Lift = append(o.Lift, Hold{Item: c.Item, Kind: c.Condition})
		} else {
			o.Changes = append(o.Changes, c)
		}
	}
	slices.SortFunc(o.Changes, func(a, b Position) int {
		return strings.Compare(a.Item+"\x00"+a.Party, b.Item+"\x00"+b.Party)
	})
	slices.SortFunc(o.Lift, func(a, b Hold) int {
		if a.Item != b.Item {
			return strings.Compare(a.Item, b.Item)
		}
		return slices.Index(holdKinds, a.Kind) - slices.Index(holdKinds, b.Kind)
	})
	return o
}

// hasNegation reports whether a condition of inst negates an item once
// its facts and steps done are folded.
func hasNegation(inst *Instance) bool {
	facts := constsOf(inst)
	for _, p := range inst.Positions {
		if p.Stance != "conditional" {
			continue
		}
		c, err := ParseCondition(p.Condition)
		if err != nil {
			continue
		}
		if k, lits := namedItems(c, false, facts); k < 0 && slices.ContainsFunc(lits, func(l literal) bool { return l.neg }) {
			return true
		}
	}
	return false
}

// bruteUnlock returns, by enumeration, the sets of at most max changes
// (one per party and item) that give item the status agreed and of which
// no proper part does, as option texts, sorted. A change makes a party
// support an item it does not support, or, when a condition negates an
// item, oppose an item it supports or is conditional on.
func bruteUnlock(t tb, inst *Instance, item string, max int) []string {
	agreed := func(moves []Position) bool {
		var changes []Position
		var lifts []Hold
		for _, c := range moves {
			if c.Stance == "lift" {
				lifts = append(lifts, inst.Holds[slices.IndexFunc(inst.Holds, func(h Hold) bool { return h.Item == c.Item && h.Kind == c.Condition })])
			} else {
				changes = append(changes, c)
			}
		}
		st, _ := bruteStatuses(t, applyMoves(inst, changes, lifts))
		return st[item] == StatusAgreed
	}
	if agreed(nil) {
		return nil
	}
	stance := map[[2]string]string{}
	for _, p := range inst.Positions {
		stance[[2]string{p.Party, p.Item}] = p.Stance
	}
	neg := hasNegation(inst)
	var cands []Position
	for _, it := range inst.Items {
		for _, p := range inst.Parties {
			st := stance[[2]string{p, it}]
			if st != "support" {
				cands = append(cands, Position{Party: p, Item: it, Stance: "support"})
			}
			if neg && (st == "support" || st == "ad_referendum" || st == "conditional") {
				cands = append(cands, Position{Party: p, Item: it, Stance: "oppose"})
			}
		}
	}
	for _, h := range inst.Holds {
		cands = append(cands, Position{Item: h.Item, Stance: "lift", Condition: h.Kind})
	}
	var found [][]Position
	try := func(set []Position) {
		for _, f := range found {
			if !slices.ContainsFunc(f, func(c Position) bool { return !slices.Contains(set, c) }) {
				return // it holds an option found already
			}
		}
		if agreed(set) {
			found = append(found, slices.Clone(set))
		}
	}
	// Every set of a size, one change per party and item, after every
	// smaller set.
	for size := 1; size <= max; size++ {
		var level func(from int, set []Position)
		level = func(from int, set []Position) {
			if len(set) == size {
				try(set)
				return
			}
			for k := from; k < len(cands); k++ {
				c := cands[k]
				if !slices.ContainsFunc(set, func(x Position) bool { return x.Party == c.Party && x.Item == c.Item && x.Condition == c.Condition }) {
					level(k+1, append(set, c))
				}
			}
		}
		level(0, nil)
	}
	var out []string
	for _, f := range found {
		out = append(out, optionText(movesOption(f)))
	}
	slices.Sort(out)
	return out
}

// TestImpactMatchesEnumeration checks Impact, with and without negation,
// against the statuses computed by enumeration before and after the
// change, a withdrawal or a new condition among them.
func TestImpactMatchesEnumeration(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := rapidDrawer{rt}
		g := genSpec{maxItems: 5, maxParties: 3, negation: d.intn(4) > 0, packages: true, itemRules: true, holds: true}
		inst := randomInstance(d, g)
		change := Position{
			Party:  inst.Parties[d.intn(len(inst.Parties))],
			Item:   inst.Items[d.intn(len(inst.Items))],
			Stance: []string{"support", "oppose", "abstain", "ad_referendum", "conditional", ""}[d.intn(6)],
		}
		if change.Stance == "conditional" {
			change.Condition = randomCond(d, inst.Items, g.negation, 2).String()
		}
		after := applyChanges(inst, []Position{change})
		if change.Stance == "" {
			after.Positions = after.Positions[:len(after.Positions)-1]
		}
		had := slices.ContainsFunc(inst.Positions, func(p Position) bool { return p.Party == change.Party && p.Item == change.Item })
		got, err := Impact(inst, change)
		if change.Stance == "" && !had {
			if err == nil {
				rt.Fatalf("impact of withdrawing no position: no error")
			}
			return
		}
		if err != nil {
			rt.Fatal(err)
		}
		before, _ := bruteStatuses(rt, inst)
		now, _ := bruteStatuses(rt, after)
		var changed, pass, fall []string
		for _, it := range inst.Items {
			b, a := before[it], now[it]
			if a == b {
				continue
			}
			changed = append(changed, it+": "+b+" -> "+a)
			if a == StatusAgreed {
				pass = append(pass, it)
			}
			if b == StatusAgreed {
				fall = append(fall, it)
			}
		}
		var gotChanged []string
		for _, c := range got.Changed {
			gotChanged = append(gotChanged, c.Item+": "+c.Before+" -> "+c.After)
		}
		if !slices.Equal(gotChanged, changed) || !slices.Equal(got.Pass, pass) && len(pass)+len(got.Pass) > 0 || !slices.Equal(got.Fall, fall) && len(fall)+len(got.Fall) > 0 {
			b, _ := json.Marshal(inst)
			c, _ := json.Marshal(change)
			rt.Fatalf("impact of %s on %s:\nchanged %q, want %q\npass %q, want %q\nfall %q, want %q", c, b, gotChanged, changed, got.Pass, pass, got.Fall, fall)
		}
	})
}

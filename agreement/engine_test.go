package agreement

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestEngineEqualsRecomputation applies random stance changes and
// withdrawals to an Engine and checks, after each, that its result equals
// a full evaluation of its current instance.
func TestEngineEqualsRecomputation(t *testing.T) {
	specs := map[string]genSpec{
		"monotone": {maxItems: 12, maxParties: 4, packages: true, itemRules: true, holds: true},
		"negation": {maxItems: 8, maxParties: 3, negation: true, packages: true, holds: true},
	}
	for name, g := range specs {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				d := rapidDrawer{rt}
				inst := randomInstance(d, g)
				e, err := NewEngine(inst)
				if err != nil {
					rt.Fatal(err)
				}
				// Changes are drawn from a second instance on the same
				// items and parties, so they are valid.
				pool := randomInstance(d, g)
				steps := 1 + d.intn(12)
				for range steps {
					party := inst.Parties[d.intn(len(inst.Parties))]
					item := inst.Items[d.intn(len(inst.Items))]
					var what string
					if d.intn(6) == 0 {
						// A mediator tables a version: its brackets
						// change, or it has none.
						var hs []Hold
						if n := d.intn(3); n > 0 {
							hs = append(hs, Hold{Item: item, Kind: HoldOpenBrackets, Count: n})
						}
						what = fmt.Sprintf("holds %s %v", item, hs)
						if err := e.SetHolds(item, hs); err != nil {
							rt.Fatal(err)
						}
					} else if d.intn(5) == 0 {
						what = "remove " + party + " " + item
						if _, ok := e.Position(party, item); ok {
							if err := e.RemovePosition(party, item); err != nil {
								rt.Fatal(err)
							}
						}
					} else {
						p := Position{Party: party, Item: item, Stance: "support"}
						for _, q := range pool.Positions {
							if q.Party == party && q.Item == item {
								p.Stance, p.Condition = q.Stance, q.Condition
							}
						}
						if p.Stance == "conditional" {
							c := randomCond(d, inst.Items, g.negation, 2)
							p.Condition = c.String()
						}
						b, _ := json.Marshal(p)
						what = "set " + string(b)
						if err := e.SetPosition(p); err != nil {
							rt.Fatal(err)
						}
					}
					got, err := e.Result()
					if err != nil {
						rt.Fatal(err)
					}
					want, err := Evaluate(e.Instance())
					if err != nil {
						rt.Fatal(err)
					}
					gb, _ := json.Marshal(got)
					wb, _ := json.Marshal(want)
					if string(gb) != string(wb) {
						ib, _ := json.Marshal(inst)
						rt.Fatalf("after %s on %s:\ngot  %s\nwant %s", what, ib, gb, wb)
					}
				}
			})
		})
	}
}

// TestEngineRaisesInCycles raises votes on items that are not agreed, in
// instances made of cycles of mutual conditions and packages, and checks
// after each change that the Engine's result equals a full evaluation.
// Each item has one conditional party that waits on the next items of its
// cycle, some items have a plain objection or are bundled with an item of
// another cycle, and the changes lift an objection, replace a condition
// with support or with a weaker one, or put an objection back.
func TestEngineRaisesInCycles(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := rapidDrawer{rt}
		n := 3 + d.intn(10)
		inst := &Instance{Rule: randomRule(d, 3), Parties: []string{"a", "b", "c"}}
		for i := range n {
			inst.Items = append(inst.Items, fmt.Sprintf("i%d", i))
		}
		next := func(i, k int) string { return inst.Items[(i+k)%n] }
		cycle := 2 + d.intn(3) // items i and i+cycle wait on each other through the ring
		for i, it := range inst.Items {
			cond := "agreed(" + next(i, 1) + ")"
			switch d.intn(3) {
			case 0:
				cond += " and agreed(" + next(i, cycle) + ")"
			case 1:
				cond += " or agreed(" + next(i, cycle) + ")"
			}
			inst.Positions = append(inst.Positions,
				Position{Party: "a", Item: it, Stance: "conditional", Condition: cond},
				Position{Party: "b", Item: it, Stance: []string{"support", "support", "oppose", "abstain"}[d.intn(4)]})
			if d.intn(3) > 0 {
				inst.Positions = append(inst.Positions, Position{Party: "c", Item: it, Stance: "support"})
			}
		}
		used := map[int]bool{}
		for range d.intn(3) {
			i, j := d.intn(n), d.intn(n)
			if i != j && !used[i] && !used[j] {
				used[i], used[j] = true, true
				inst.Packages = append(inst.Packages, []string{inst.Items[i], inst.Items[j]})
			}
		}
		e, err := NewEngine(inst)
		if err != nil {
			rt.Fatal(err)
		}
		for range 1 + d.intn(10) {
			agreed, err := e.Agreed()
			if err != nil {
				rt.Fatal(err)
			}
			var blocked []string
			for _, it := range inst.Items {
				if !slices.Contains(agreed, it) {
					blocked = append(blocked, it)
				}
			}
			it := inst.Items[d.intn(n)]
			if len(blocked) > 0 && d.intn(4) > 0 {
				it = blocked[d.intn(len(blocked))]
			}
			i := slices.Index(inst.Items, it)
			p := Position{Party: []string{"a", "b", "c"}[d.intn(3)], Item: it}
			switch d.intn(5) {
			case 0:
				p.Stance = "oppose"
			case 1:
				p.Stance = "conditional"
				p.Condition = "agreed(" + next(i, 1+d.intn(n-1)) + ") or agreed(" + next(i, cycle) + ")"
			case 2:
				p.Stance = "conditional"
				p.Condition = "agreed(" + next(i, d.intn(n)) + ")"
			default:
				p.Stance = "support"
			}
			if err := e.SetPosition(p); err != nil {
				rt.Fatal(err)
			}
			got, err := e.Result()
			if err != nil {
				rt.Fatal(err)
			}
			want, err := Evaluate(e.Instance())
			if err != nil {
				rt.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				b, _ := json.Marshal(p)
				rt.Fatalf("after %s:\ngot  %s\nwant %s", b, gb, wb)
			}
		}
	})
}

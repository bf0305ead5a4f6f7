package agreement

import (
	"encoding/json"
	"testing"

	"pgregory.net/rapid"
)

// TestEngineEqualsRecomputation applies random stance changes and
// withdrawals to an Engine and checks, after each, that its result equals
// a full evaluation of its current instance.
func TestEngineEqualsRecomputation(t *testing.T) {
	specs := map[string]genSpec{
		"monotone": {maxItems: 12, maxParties: 4, packages: true, itemRules: true},
		"negation": {maxItems: 8, maxParties: 3, negation: true, packages: true},
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
					if d.intn(5) == 0 {
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

package agreement

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/parleyhq/parley"
)

// GenParams shape a generated instance.
type GenParams struct {
	Parties, Items int
	// CondShare is the share of stances that are conditional, each on 1
	// to MaxCondItems items other than its own, joined by "and" or "or".
	CondShare    float64
	MaxCondItems int
	// AndShare is the share of conditions on several items that join them
	// with "and"; the others join them with "or".
	AndShare float64
	// ObjectShare is the share of items with one plain objection.
	ObjectShare float64
	// NegShare is the share of conditions that negate one of their atoms.
	NegShare float64
	Rule     parley.Rule
}

// ParisScale is the benchmark instance of docs/AGREEMENT.md: 200 parties,
// 5,000 items, 1% of stances conditional on 1 to 3 items, 1% of items with
// a plain objection, consensus.
var ParisScale = GenParams{
	Parties: 200, Items: 5000, CondShare: 0.01, MaxCondItems: 3, AndShare: 0.5, ObjectShare: 0.01,
	Rule: parley.Rule{Kind: parley.RuleConsensus},
}

// Generate returns a random instance shaped by p, the same for the same
// seed: every party takes a position on every item, support unless drawn
// conditional or, for one party on the objected items, oppose.
func Generate(p GenParams, seed uint64) *Instance {
	r := rand.New(rand.NewPCG(seed, 0x5061726c6579))
	inst := &Instance{Rule: p.Rule}
	if inst.Rule.Kind == "" {
		inst.Rule = parley.Rule{Kind: parley.RuleConsensus}
	}
	for i := range p.Parties {
		inst.Parties = append(inst.Parties, fmt.Sprintf("p%03d", i))
	}
	for i := range p.Items {
		inst.Items = append(inst.Items, fmt.Sprintf("para.%04d", i))
	}
	maxc := max(p.MaxCondItems, 1)
	inst.Positions = make([]Position, 0, p.Parties*p.Items)
	var b strings.Builder
	for i, it := range inst.Items {
		objector := -1
		if r.Float64() < p.ObjectShare {
			objector = r.IntN(p.Parties)
		}
		for k, party := range inst.Parties {
			pos := Position{Party: party, Item: it, Stance: parley.StanceSupport}
			switch {
			case k == objector:
				pos.Stance = parley.StanceOppose
			case r.Float64() < p.CondShare && p.Items > 1:
				b.Reset()
				n := 1 + r.IntN(maxc)
				op := " or "
				if r.Float64() < p.AndShare {
					op = " and "
				}
				for j := range n {
					if j > 0 {
						b.WriteString(op)
					}
					other := r.IntN(p.Items - 1)
					if other >= i {
						other++
					}
					if r.Float64() < p.NegShare {
						b.WriteString("not ")
					}
					b.WriteString("agreed(" + inst.Items[other] + ")")
				}
				pos.Stance, pos.Condition = parley.StanceConditional, b.String()
			}
			inst.Positions = append(inst.Positions, pos)
		}
	}
	return inst
}

package bargain

import (
	"fmt"
	"math/rand/v2"
)

// Correlations of the parties' values in generated instances.
const (
	Independent     = "independent"     // each party's values drawn on their own
	Correlated      = "correlated"      // every party near the first party's values
	AntiCorrelated  = "anti_correlated" // the second party near 1 − the first's; a third and more on their own
	maxMicro        = 1_000_000
	correlatedNoise = 100_000 // ±0.1
)

// A GenSpec describes a random instance in the style of the linear
// additive domains of the negotiation literature (GENIUS, ANAC): weights
// that sum to 1 and values between 0 and 1, each with six decimals.
type GenSpec struct {
	Parties int
	Issues  int
	Options int    // per issue
	Values  string // Independent (the default), Correlated or AntiCorrelated
	// Levels, if not 0, draws values among Levels equally spaced levels
	// from 0 to 1 (at least 2), so that many packages tie.
	Levels int
}

// Generate returns the instance of spec for seed, always the same for
// the same spec and seed. Issue k is "i<k>" with options "o0", "o1", …;
// party p is "p<p>". Every weight is a whole number of micro-units drawn
// uniformly, the last adjusted so that they sum to 1; every value is drawn
// uniformly in [0, 1] (or near the first party's value, within ±0.1, for
// Correlated; near 1 minus it for AntiCorrelated, for the second party),
// in micro-units; the reservation is drawn uniformly in [0, 0.5].
func Generate(spec GenSpec, seed uint64) *Instance {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	inst := &Instance{}
	for k := range spec.Issues {
		is := Issue{ID: fmt.Sprintf("i%d", k)}
		for o := range spec.Options {
			is.Options = append(is.Options, fmt.Sprintf("o%d", o))
		}
		inst.Issues = append(inst.Issues, is)
	}
	micro := func(n int64) Dec { return newDecInt(n, MaxDecimals) }
	draw := func() int64 {
		if spec.Levels >= 2 {
			l := int64(spec.Levels - 1)
			return r.Int64N(l+1) * maxMicro / l
		}
		return r.Int64N(maxMicro + 1)
	}
	var first [][]int64 // the first party's values, issue by issue
	for p := range spec.Parties {
		pr := Preferences{Party: fmt.Sprintf("p%d", p), Weights: map[string]Dec{}, Values: map[string]map[string]Dec{}}
		ws := make([]int64, spec.Issues)
		var sum int64
		for k := range ws {
			ws[k] = 1 + r.Int64N(maxMicro)
			sum += ws[k]
		}
		var left int64 = maxMicro
		for k := range ws {
			ws[k] = ws[k] * maxMicro / sum
			left -= ws[k]
		}
		ws[len(ws)-1] += left
		for k, is := range inst.Issues {
			pr.Weights[is.ID] = micro(ws[k])
			pr.Values[is.ID] = map[string]Dec{}
			if p == 0 {
				first = append(first, make([]int64, spec.Options))
			}
			for o, opt := range is.Options {
				v := draw()
				switch {
				case p == 0:
					first[k][o] = v
				case spec.Values == Correlated:
					v = clamp(first[k][o] + r.Int64N(2*correlatedNoise+1) - correlatedNoise)
				case spec.Values == AntiCorrelated && p == 1:
					v = clamp(maxMicro - first[k][o] + r.Int64N(2*correlatedNoise+1) - correlatedNoise)
				}
				pr.Values[is.ID][opt] = micro(v)
			}
		}
		pr.Reservation = micro(r.Int64N(maxMicro/2 + 1))
		inst.Parties = append(inst.Parties, pr)
	}
	return inst
}

func clamp(v int64) int64 { return max(0, min(maxMicro, v)) }

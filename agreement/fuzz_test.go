package agreement

import (
	"encoding/json"
	"maps"
	"testing"
)

// byteDrawer draws choices from fuzz input, then zeros.
type byteDrawer struct{ b []byte }

func (d *byteDrawer) intn(n int) int {
	if len(d.b) == 0 {
		return 0
	}
	v := int(d.b[0])
	d.b = d.b[1:]
	return v % n
}

// FuzzEvaluate draws an instance from the input and checks that the
// engine does not fail on it, that every outcome is a fixpoint, that no
// outcome contains another, and, for small instances, that the outcomes
// are those found by enumeration.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{3, 2, 0, 1, 5, 5, 5, 5, 5, 5, 7, 7, 7})
	f.Add([]byte{7, 3, 3, 1, 1, 0, 2, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Fuzz(func(t *testing.T, in []byte) {
		inst := randomInstance(&byteDrawer{in}, genSpec{maxItems: 10, maxParties: 4, negation: true, packages: true, itemRules: true, holds: true})
		r, err := EvaluateOptions(inst, Options{MaxOutcomes: 1 << 12})
		if err != nil {
			b, _ := json.Marshal(inst)
			t.Fatalf("Evaluate(%s): %v", b, err)
		}
		for k, o := range r.Outcomes {
			s := map[string]bool{}
			for _, it := range o {
				s[it] = true
			}
			if !maps.Equal(bruteF(t, inst, s), s) {
				t.Fatalf("outcome %q is not a fixpoint", o)
			}
			for j, o2 := range r.Outcomes {
				if j != k && len(o2) > len(o) && subset(o, o2) {
					t.Fatalf("outcome %q is inside outcome %q", o, o2)
				}
			}
		}
		if len(inst.Items) <= 8 {
			checkAgainstBrute(t, inst)
		}
	})
}

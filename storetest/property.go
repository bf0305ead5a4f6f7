package storetest

import (
	"fmt"
	"strings"

	"pgregory.net/rapid"
)

// testProperty appends random batches to two talks, some of them stale,
// some repeating a nonce, some with a failing seal, and checks after each
// that the store and the model agree on the outcome and on everything
// observable. Each run of the property uses talks of its own on the one
// store.
func testProperty(h *harness) {
	run := 0
	seen := map[outcome]int{}
	rapid.Check(h.t, func(t *rapid.T) {
		run++
		prefix := fmt.Sprintf("p%d-", run)
		names := []string{prefix + "a", prefix + "b"}
		m := newModel()
		steps := rapid.IntRange(1, 12).Draw(t, "steps")
		for step := range steps {
			talks := rapid.SampledFrom(names).Draw(t, "talks")
			size := m.size(talks)
			at := size + rapid.SampledFrom([]int64{0, 0, 0, 0, -1, 1, 3}).Draw(t, "at-size")
			if at < 0 {
				at = size + 1
			}
			n := rapid.IntRange(1, 5).Draw(t, "entries")
			entries := NewEntries(talks, fmt.Sprint("s", step), at, n)
			switch rapid.IntRange(0, 5).Draw(t, "nonce") {
			case 0: // a nonce already in the log
				if l := m.logs[talks]; l != nil {
					old := rapid.IntRange(0, len(l.entries)-1).Draw(t, "old")
					entries[rapid.IntRange(0, n-1).Draw(t, "at")].Nonce = l.entries[old].Nonce
				}
			case 1: // a nonce twice in the batch
				if n > 1 {
					i := rapid.IntRange(1, n-1).Draw(t, "second")
					entries[i].Nonce = entries[rapid.IntRange(0, i-1).Draw(t, "first")].Nonce
				}
			}
			sealOK := rapid.IntRange(0, 7).Draw(t, "seal") != 0

			o, _, err := appendBoth(h.ctx, h.s, m, talks, at, entries, sealOK)
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			seen[o]++
			got, err := readState(h.ctx, h.s, names, func(id string) bool { return strings.HasPrefix(id, prefix) })
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			if d := diffState(got, m.state(names)); d != "" {
				t.Fatalf("step %d, after an append %v: %s", step, o, d)
			}
		}
	})
	h.t.Logf("appends %v", seen)
	// The generator must reach every outcome, or the property says little.
	if run >= 50 {
		for _, o := range []outcome{accepted, refusedStale, refusedDuplicate, refusedSeal} {
			if seen[o] == 0 {
				h.t.Errorf("in %d runs, no append was %v", run, o)
			}
		}
	}
}

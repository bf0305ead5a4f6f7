package record

import (
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/parleyhq/parley"
)

// TestBundleProperty builds random logs with random visibility and random
// checkpoints: every bundle verifies, and changing the leaf of any one
// hidden entry, or the salt of a visible one, fails at the first
// checkpoint that covers it.
func TestBundleProperty(t *testing.T) {
	c := newCast()
	base := founded(t, c)
	rapid.Check(t, func(rt *rapid.T) {
		l := base.fork(len(base.entries))
		n := rapid.IntRange(0, 40).Draw(rt, "statements")
		hidden := map[int]bool{}
		for i := range n {
			vis := ""
			if rapid.Bool().Draw(rt, fmt.Sprint("hidden ", i)) {
				vis = parley.VisMediators
				hidden[len(l.entries)] = true
			}
			l.append(t, []*testActor{c.gov, c.opp, c.mediator}[i%3], parley.KindStatement, parley.Statement{Text: fmt.Sprint(i)}, vis)
			if rapid.IntRange(0, 4).Draw(rt, fmt.Sprint("seal ", i)) == 0 {
				l.seal(t)
			}
		}
		if len(l.cps) == 0 || l.cps[len(l.cps)-1].Size != int64(len(l.entries)) {
			l.seal(t)
		}
		b, err := NewBundle(l.origin, l.vkey, l.entries, l.cps, nil, visibleToPublic)
		if err != nil {
			rt.Fatal(err)
		}
		r, err := Verify(b, newRosterAuth(), nil)
		if err != nil {
			rt.Fatal(err)
		}
		if r.Hidden != len(hidden) || r.Events != len(l.entries)-len(hidden) || r.Checkpoints != len(l.cps) {
			rt.Fatalf("report %+v; want %d hidden of %d, %d checkpoints", r, len(hidden), len(l.entries), len(l.cps))
		}

		i := rapid.IntRange(0, len(l.entries)-1).Draw(rt, "changed entry")
		e := &b.Entries[i]
		if e.Hidden() {
			e.Leaf = flip(e.Leaf, 0)
		} else {
			e.Salt = flip(e.Salt, 0)
		}
		k := 0
		for l.cps[k].Size <= int64(i) {
			k++
		}
		want := fmt.Sprintf("checkpoint %d (size %d): root does not match the entries", k, l.cps[k].Size)
		_, err = Verify(b, newRosterAuth(), nil)
		var ve *VerifyError
		if !errors.As(err, &ve) || err.Error() != want {
			rt.Fatalf("Verify after changing entry %d = %v, want %s", i, err, want)
		}
	})
}

package state_test

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
)

// TestOpenBracketsHoldAnItem checks that an item whose latest version
// holds open brackets is held in the agreement instance, for the talks
// and for every viewer, and so not agreed whatever the stances; and that
// a clean version lifts the hold.
func TestOpenBracketsHoldAnItem(t *testing.T) {
	w := newWorld(t)
	w.setup() // D1, version 1: "The parties [[shall || should]] meet again."
	w.must("gov", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"})
	w.must("oppA", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "oppA", Stance: "support"})
	want := []agreement.Hold{{Item: "D1", Kind: agreement.HoldOpenBrackets, Count: 1, Detail: "version 1, paragraph 1"}}
	for name, inst := range map[string]*agreement.Instance{
		"talks":    w.st.Instance(),
		"observer": w.st.Seen(func(i int64) bool { return w.st.VisibleAt(w.st.ViewerOf(w.pub("observer")), i) }).Instance(),
	} {
		if !slices.Equal(inst.Holds, want) {
			t.Errorf("%s: holds %+v, want %+v", name, inst.Holds, want)
		}
		res, err := agreement.Evaluate(inst)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Items["D1"].Status; got != agreement.StatusNotAgreed {
			t.Errorf("%s: D1 with every party's support and an open bracket is %s, want not_agreed", name, got)
		}
	}
	// Nested brackets count, in every paragraph; escaped ones do not.
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{
		"The parties agree.",
		"They shall [[release [[all || some]] detainees || exchange lists]].",
		`Written \[[ as in the draft.`,
		"They meet [[at midnight || at noon]].",
	}})
	want = []agreement.Hold{{Item: "D1", Kind: agreement.HoldOpenBrackets, Count: 3, Detail: "version 2, paragraphs 2, 4"}}
	if got := w.st.Instance().Holds; !slices.Equal(got, want) {
		t.Errorf("version 2: holds %+v, want %+v", got, want)
	}
	// A clean version lifts the hold; with every party's support D1 is
	// agreed.
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 3, Paragraphs: []string{"The parties meet at noon.", `Written \[[ as in the draft.`}})
	w.must("gov", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 3, Party: "gov", Stance: "support"})
	w.must("oppA", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 3, Party: "oppA", Stance: "support"})
	inst := w.st.Instance()
	if len(inst.Holds) != 0 {
		t.Errorf("version 3: holds %+v, want none", inst.Holds)
	}
	_, tr, err := state.Replay("t1", w.events)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Agreed("D1") {
		t.Errorf("D1 without brackets and with every party's support is not agreed")
	}
	var agreedAt []int64
	for _, x := range tr.Transitions {
		if x.Item == "D1" && x.Agreed {
			agreedAt = append(agreedAt, x.Index)
		}
	}
	if len(agreedAt) != 1 || agreedAt[0] != int64(len(w.events)-1) {
		t.Errorf("D1 became agreed at %v, want once, at the last stance (%d)", agreedAt, len(w.events)-1)
	}
}

package record

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// TestCheckStored checks entries as a store gives them back: intact ones
// pass and reach apply in order; a changed one fails at its index, with
// the reason, whichever of the parallel and the ordered checks finds it.
func TestCheckStored(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	for i := range 1000 {
		l.statement(t, []*testActor{c.gov, c.opp}[i%2], fmt.Sprint("s", i))
	}
	const from = 5
	good := l.entries[from:]
	auth := func() func(*parley.Entry, *parley.Event) error {
		a := newRosterAuth()
		for _, en := range l.entries[:from] {
			e, _ := parley.DecodeEvent(en.Event)
			if err := a.Authorize(e, en.Index); err != nil {
				t.Fatal(err)
			}
		}
		return func(en *parley.Entry, e *parley.Event) error { return a.Authorize(e, en.Index) }
	}
	var order []int64
	apply := auth()
	err := CheckStored(l.origin, from, good, nil, func(en *parley.Entry, e *parley.Event) error {
		order = append(order, en.Index)
		return apply(en, e)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range order {
		if want := int64(from + i); got != want {
			t.Fatalf("apply saw entry %d in place %d, want %d", got, i, want)
		}
	}
	if len(order) != len(good) {
		t.Fatalf("apply saw %d entries, want %d", len(order), len(good))
	}

	leaves := map[int64]parley.Hash{}
	for _, en := range l.entries {
		leaves[en.Index] = en.Leaf
	}
	knownAll := func(i int64) (parley.Hash, bool) { h, ok := leaves[i]; return h, ok }

	for _, tc := range []struct {
		name   string
		change func(es []parley.Entry)
		known  func(int64) (parley.Hash, bool)
		apply  func(*parley.Entry, *parley.Event) error
		index  int64
		want   string
	}{
		{"a changed byte", func(es []parley.Entry) {
			es[700].Event = []byte(strings.Replace(string(es[700].Event), `"s698"`, `"s699"`, 1))
		}, nil, nil, 705, "signature does not verify"},
		{"a changed signature", func(es []parley.Entry) { es[3].Sig = flip(es[3].Sig, 1) }, nil, nil, 8, "signature does not verify"},
		{"a recomputed leaf over a changed byte", func(es []parley.Entry) {
			es[40].Event = []byte(strings.Replace(string(es[40].Event), `"s38"`, `"s99"`, 1))
			es[40].Leaf = LeafHash(es[40].Salt, es[40].Event, es[40].Sig)
		}, nil, nil, 45, "signature does not verify"},
		{"a changed leaf", func(es []parley.Entry) { es[900].Leaf[0] ^= 1 }, nil, nil, 905, "leaf hash is not the commitment"},
		{"a changed salt", func(es []parley.Entry) { es[10].Salt = flip(es[10].Salt, 0) }, nil, nil, 15, "leaf hash is not the commitment"},
		{"out of place", func(es []parley.Entry) { es[300].Index = 7 }, nil, nil, 305, "out of order"},
		{"not an event", func(es []parley.Entry) { es[2].Event = []byte("{}") }, nil, nil, 7, "does not decode"},
		{"refused by apply, before a later bad signature", func(es []parley.Entry) { es[990].Sig = flip(es[990].Sig, 1) }, nil,
			func(en *parley.Entry, e *parley.Event) error {
				if en.Index == 600 {
					return errors.New("not authorized")
				}
				return nil
			}, 600, "not authorized"},
		{"known and unchanged: the signature is not checked again", func(es []parley.Entry) {}, knownAll, nil, -1, ""},
		{"known but changed since", func(es []parley.Entry) {
			es[20].Salt = flip(es[20].Salt, 0)
			es[20].Leaf = LeafHash(es[20].Salt, es[20].Event, es[20].Sig)
		}, knownAll, nil, 25, "changed in the store since"},
	} {
		es := append([]parley.Entry(nil), good...)
		tc.change(es)
		ap := tc.apply
		if ap == nil {
			ap = auth()
		}
		err := CheckStored(l.origin, from, es, tc.known, ap, nil)
		if tc.index < 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Index != tc.index || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a failure of entry %d saying %q", tc.name, err, tc.index, tc.want)
		}
	}
	if err := CheckStored(l.origin, 0, nil, nil, nil, nil); err != nil {
		t.Errorf("no entries: %v", err)
	}
}

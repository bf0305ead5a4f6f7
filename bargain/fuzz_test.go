package bargain

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/parleyhq/parley"
)

// FuzzDecodeInstance checks that the decoder never fails but with an
// *parley.Error, that what it accepts encodes back to an instance that
// decodes to the same, and that small accepted instances have the
// frontier the enumeration gives.
func FuzzDecodeInstance(f *testing.F) {
	f.Add([]byte(`{"issues": [{"id": "a", "options": ["x", "y"]}], "parties": [{"id": "p", "weights": {"a": "1"}, "values": {"a": {"x": "0", "y": "1"}}, "reservation": "0"}]}`))
	f.Add([]byte(withParty(`"id": "gov", ` + goodWeights + `, ` + goodValues + `, "reservation": "0.2"`)))
	f.Add([]byte(withParty(`"id": "gov", "weights": {"a": "-0.5", "b": "999999999999999999.999999"}, ` + goodValues + `, "reservation": "-3"`)))
	f.Add([]byte(`{"issues": [{"id": "a", "options": ["x", "X"]}], "parties": []}`))
	f.Add([]byte(`{"issues": [{"id": "a", "options": ["x"]}], "parties": [{"id": "p", "weights": {"a": "1", "A": "2"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		inst, err := DecodeInstance(b)
		if err != nil {
			var pe *parley.Error
			if !asError(err, &pe) || pe.Code != parley.EINVALID && pe.Code != parley.ETOOLARGE {
				t.Fatalf("error %v (%T) is not an invalid or too_large *parley.Error", err, err)
			}
			return
		}
		enc, err := json.Marshal(inst)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := DecodeInstance(enc)
		if err != nil {
			t.Fatalf("the encoding of an accepted instance is refused: %v\n%s", err, enc)
		}
		if !sameInstance(inst, again) {
			t.Fatalf("decoding %s gives another instance", enc)
		}
		packages := 1
		for _, is := range inst.Issues {
			packages *= len(is.Options)
			if packages > 200 {
				return
			}
		}
		if len(inst.Parties) <= 4 {
			checkAgainstOracle(t, inst, Limits{}, nil)
		}
		pb, _ := NewProblem(inst)
		fr, err := pb.Frontier(context.Background(), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := fr.Result(ResultOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}

func asError(err error, pe **parley.Error) bool {
	e, ok := err.(*parley.Error)
	*pe = e
	return ok
}

// sameInstance compares two instances by value (a Dec by its value and
// its scale).
func sameInstance(a, b *Instance) bool {
	if !reflect.DeepEqual(a.Issues, b.Issues) || len(a.Parties) != len(b.Parties) {
		return false
	}
	same := func(x, y Dec) bool { return x.Cmp(y) == 0 }
	for k := range a.Parties {
		p, q := a.Parties[k], b.Parties[k]
		if p.Party != q.Party || !same(p.Reservation, q.Reservation) || len(p.Weights) != len(q.Weights) || len(p.Values) != len(q.Values) {
			return false
		}
		for id, w := range p.Weights {
			if !same(w, q.Weights[id]) {
				return false
			}
		}
		for id, vs := range p.Values {
			if len(vs) != len(q.Values[id]) {
				return false
			}
			for o, v := range vs {
				if !same(v, q.Values[id][o]) {
					return false
				}
			}
		}
	}
	return true
}

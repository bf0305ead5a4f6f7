package agreement

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// TestAppendJSONIsMarshal checks that AppendJSON writes what
// encoding/json writes, on the results of random instances (with
// conditions, holds, packages and rules of every kind, and strings JSON
// escapes) and on results made by hand.
func TestAppendJSONIsMarshal(t *testing.T) {
	check := func(t tb, r *Result) {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON([]byte("x")); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("AppendJSON:\n got %s\nwant %s", got[1:], want)
		}
		var buf bytes.Buffer
		if err := r.WriteJSON(&buf); err != nil || !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("WriteJSON: %v\n got %s\nwant %s", err, buf.Bytes(), want)
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		d := rapidDrawer{rt}
		inst := randomInstance(d, genSpec{maxItems: 8, maxParties: 4, negation: d.intn(2) == 0, packages: true, itemRules: true, holds: true})
		for k := range inst.Holds {
			// Any text a detail may hold: no control characters (refused
			// on input), quotes, backslashes, markup and the rest kept.
			inst.Holds[k].Detail = strings.Map(func(r rune) rune {
				if r < 0x20 || (r >= 0x7f && r < 0xa0) {
					return -1
				}
				return r
			}, rapid.StringN(0, 20, 200).Draw(rt, "detail"))
		}
		if d.intn(3) == 0 {
			inst.Rule = parley.Rule{Kind: parley.RuleMajority, Threshold: rapid.Float64Range(1e-9, 1).Draw(rt, "threshold")}
		}
		r, err := Evaluate(inst)
		if err != nil {
			rt.Fatal(err)
		}
		check(rt, r)
	})
	check(t, &Result{})
	check(t, &Result{Outcomes: [][]string{nil, {}}, Items: map[string]*ItemResult{"a": nil, "b": {
		Status:  "x<y>&z\u2028\u2029\x00\x1f\b\f\n\r\t\"\\é\xff",
		Rule:    parley.Rule{Kind: "k", N: -3, Threshold: 1e-7},
		Package: []string{}, Blockers: []Blocker{{Condition: "agreed(a) && agreed(b)", WaitsOn: []string{"a"}}},
		NoSupport: true, RootBlockers: []RootBlocker{{Item: "i", Stance: "open_brackets", Count: 2}},
		ReliesOn: []Reliance{{Party: "p", On: []string{"a"}, Without: []string{"b"}}},
	}}, Oscillating: []Position{{Party: "p", Item: "i", Stance: "conditional", Condition: "not agreed(i)"}}})
	check(t, &Result{Items: map[string]*ItemResult{"a": {Rule: parley.Rule{Threshold: 1e21}}, "b": {Rule: parley.Rule{Threshold: 123456.5}}}})
}

// TestEvaluateJSON checks that EvaluateJSON gives the result of
// EvaluateOptions on the instance DecodeInstance reads, with the fields
// in the order of Instance's encoding (positions read into the model)
// and with the positions first (read into an Instance).
func TestEvaluateJSON(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := rapidDrawer{rt}
		inst := randomInstance(d, genSpec{maxItems: 8, maxParties: 4, negation: d.intn(2) == 0, packages: true, itemRules: true, holds: true})
		b, err := json.Marshal(inst)
		if err != nil {
			rt.Fatal(err)
		}
		want, err := Evaluate(inst)
		if err != nil {
			rt.Fatal(err)
		}
		wb, _ := json.Marshal(want)
		// The same with the positions first.
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			rt.Fatal(err)
		}
		first := []byte(`{"positions":` + string(fields["positions"]))
		for k, v := range fields {
			if k != "positions" {
				first = append(first, `,"`+k+`":`+string(v)...)
			}
		}
		first = append(first, '}')
		for _, in := range [][]byte{b, first} {
			got, err := EvaluateJSON(in, Options{})
			if err != nil {
				rt.Fatalf("EvaluateJSON(%s): %v", in, err)
			}
			if gb, _ := json.Marshal(got); !bytes.Equal(gb, wb) {
				rt.Fatalf("EvaluateJSON(%s):\n got %s\nwant %s", in, gb, wb)
			}
		}
	})
}

// FuzzEvaluateJSON checks that EvaluateJSON accepts what DecodeInstance
// and EvaluateOptions accept, refuses what they refuse, and gives the
// same results.
func FuzzEvaluateJSON(f *testing.F) {
	f.Add([]byte(`{"rule":{"kind":"consensus"},"parties":["a","b"],"items":["x","y"],"positions":[{"party":"a","item":"x","stance":"support"},{"party":"b","item":"x","stance":"conditional","condition":"agreed(y)"},{"party":"a","item":"y","stance":"oppose"}]}`))
	f.Add([]byte(`{"rule":{"kind":"majority","threshold":0.5},"parties":["a"],"items":["x"],"positions":[{"item":"x","party":"a","condition":"not agreed(x)","stance":"conditional"}],"holds":[{"item":"x","kind":"open_brackets","count":1}]}`))
	f.Add([]byte(`{"rule":{"kind":"consensus"},"parties":["a"],"items":["x"],"positions":[null,{"party":"a","item":"x","stance":"support","stance":"oppose"}]}`))
	f.Add([]byte(`{"rule":{"kind":"consensus"},"parties":["a"],"items":["x"],"positions":[{"party":"\u0061","item":"x","stance":"abstain","condition":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gerr := EvaluateJSON(b, Options{MaxSteps: 1 << 14})
		inst, err := decodeJSON(b)
		var want *Result
		if err == nil {
			want, err = EvaluateOptions(inst, Options{MaxSteps: 1 << 14})
		}
		if (gerr == nil) != (err == nil) {
			t.Fatalf("EvaluateJSON(%q): %v; DecodeInstance and EvaluateOptions: %v", b, gerr, err)
		}
		if err != nil {
			return
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if !bytes.Equal(gb, wb) {
			t.Fatalf("EvaluateJSON(%q):\n got %s\nwant %s", b, gb, wb)
		}
	})
}

package agreement

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// normalize gives nil and empty lists one form, for comparisons.
func normalize(inst *Instance) *Instance {
	out := *inst
	if len(out.ItemRules) == 0 {
		out.ItemRules = nil
	}
	for _, p := range []*[]string{&out.Parties, &out.Items, &out.Facts, &out.Done} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	if len(out.Packages) == 0 {
		out.Packages = nil
	}
	for k, pk := range out.Packages {
		if len(pk) == 0 {
			out.Packages[k] = nil
		}
	}
	if len(out.Positions) == 0 {
		out.Positions = nil
	}
	if len(out.Holds) == 0 {
		out.Holds = nil
	}
	return &out
}

// TestDecodeRoundTrip encodes random instances, with ids and conditions
// full of characters JSON escapes, and decodes them back.
func TestDecodeRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		inst := randomInstance(rapidDrawer{rt}, genSpec{maxItems: 6, maxParties: 3, negation: true, packages: true, itemRules: true, holds: true})
		inst.Facts = append(inst.Facts, rapid.String().Draw(rt, "fact"))
		inst.Done = append(inst.Done, rapid.String().Draw(rt, "step"))
		if len(inst.Positions) > 0 {
			inst.Positions[0].Condition = rapid.String().Draw(rt, "condition")
		}
		b, err := json.Marshal(inst)
		if err != nil {
			rt.Fatal(err)
		}
		got, err := decodeJSON(b)
		if err != nil {
			rt.Fatalf("decodeJSON(%s): %v", b, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(inst)) {
			rt.Fatalf("decodeJSON(%s):\n got %+v\nwant %+v", b, got, inst)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"rule": {"kind": "consensus", "n": "one"}}`, "rule.n: want a number, found a string"},
		{`{"rule": {"kind": "consensus_minus", "n": 1.5}}`, "rule.n: want a whole number, such as 1, found 1.5"},
		{`{"rule": {"kind": "consensus_minus", "n": 1e2}}`, "rule.n: want a whole number, such as 1, found 1e2"},
		{`{"rule": {"kind": "consensus_minus", "n": 99999999999999999999}}`, "rule.n: 99999999999999999999 is larger than this machine's integers"},
		{`{"rule": {"kind": "consensus_minus", "n": -99999999999999999999}}`, "rule.n: -99999999999999999999 is negative"},
		{`{"rule": {"kind": "consensus_minus", "n": 01}}`, `rule: the JSON is malformed at byte 43: expected "," or "}", found '1'`},
		{`{"rule": {"kind": "consensus_minus", "n": +1}}`, "rule.n: want a number, found something else"},
		{`{"rule": {"kind": "majority", "threshold": .5}}`, "rule.threshold: want a number, found something else"},
		{`{"rule": {"kind": "majority", "threshold": 1.}}`, "rule.threshold: the JSON is malformed at byte 45: expected a digit after the decimal point"},
		{`{"rule": {"kind": "majority", "threshold": 1e}}`, "rule.threshold: the JSON is malformed at byte 45: expected a digit in the exponent"},
		{`{"rule": {"kind": "majority", "threshold": 1e400}}`, "rule.threshold: 1e400 is not in (0, 1]"},
		{`{"rule": {"kind": "majority", "threshold": 1e-400}}`, "rule.threshold: 1e-400 is not in (0, 1]"},
		{`{"stances": []}`, `unknown field "stances"`},
		{`{"positions": [{"party": "a", "votes": 1}]}`, "positions[0].votes: unknown field"},
		{`{"positions": [{"party": 7}]}`, "positions[0].party: want a string, found a number"},
		{`{"items": ["a", "b"], "items": []}`, "items: the key is given twice"},
		{`{"items": ["a" "b"]}`, `items: the JSON is malformed at byte 15: expected "," or "]", found '"'`},
		{`{"items": ["a"]} {}`, "unexpected data after the instance at byte 17"},
		{`{"items": ["a`, "items[0]: the JSON ends early, expected a closing quote"},
		{`{"packages": [["a"], "b"]}`, "packages[1]: want a list, found a string"},
		{`[]`, "the instance: want an object, found a list"},
		{`{"holds": {}}`, "holds: want a list, found an object"},
		{`{"holds": [{"item": "x", "count": 1.5}]}`, "holds[0].count: want a whole number, such as 1, found 1.5"},
		{`{"holds": [{"item": "x", "count": "2"}]}`, "holds[0].count: want a number, found a string"},
		{`{"holds": [{"item": "x", "count": 99999999999999999999}]}`, "holds[0].count: 99999999999999999999 is larger than this machine's integers"},
		{`{"holds": [{"item": "x", "kind": "open_brackets", "kind": "open_brackets"}]}`, "holds[0].kind: the key is given twice"},
		{`{"holds": [{"item": "x", "brackets": 2}]}`, "holds[0].brackets: unknown field; a hold has item, kind, count and detail"},
		{"{\"items\": [\"\xff\"]}", "items[0]: the string is not valid UTF-8"},
		{"{\"items\": [\"a\\n\xc3\"]}", "items[0]: the string is not valid UTF-8"},
		{"{\"positions\": [{\"party\": \"\xe9\"}]}", "positions[0].party: the string is not valid UTF-8"},
		{"{\"holds\": [{\"detail\": \"caf\xe9\"}]}", "holds[0].detail: the string is not valid UTF-8"},
		{"{\"\xff\": 1}", "the instance: the string is not valid UTF-8"},
		// The tokens are read by parley.JSONReader, as strictly as
		// parley.CheckJSON reads an event.
		{`{"items": ["\ud800"]}`, `items[0]: the JSON is malformed at byte 12: \uD800 is a lone UTF-16 surrogate`},
		{`{"items": ["\ud800\u0041"]}`, `items[0]: the JSON is malformed at byte 12: \uD800 is a lone UTF-16 surrogate`},
		{`{"positions": [{"party": "\udc00"}]}`, `positions[0].party: the JSON is malformed at byte 26: \uDC00 is a lone UTF-16 surrogate`},
		{"{\"items\": [\"a\tb\"]}", `items[0]: the JSON is malformed at byte 13: a control character (U+0009) in a string`},
		{`{"facts": ["\x41"]}`, `facts[0]: the JSON is malformed at byte 12: '\' followed by 'x' is not an escape`},
		{`{"rule": {"kind": "majority", "threshold": -x}}`, `rule.threshold: the JSON is malformed at byte 44: expected a digit after '-', found 'x'`},
	}
	for _, tt := range tests {
		_, err := decodeJSON([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("decodeJSON(%s): got %v, want an error with %q", tt.in, err, tt.want)
		}
	}
}

// TestDecodeRuleNumbers checks that rules are read exactly: any whole n
// that fits an int, a threshold as written, and that the checks of
// parley.Rule.Check name the field.
func TestDecodeRuleNumbers(t *testing.T) {
	ok := []struct {
		in   string
		want parley.Rule
	}{
		{`{"kind": "consensus_minus", "n": 2147483648}`, parley.Rule{Kind: "consensus_minus", N: 1 << 31}},
		{`{"kind": "consensus_minus", "n": 4294967297}`, parley.Rule{Kind: "consensus_minus", N: 1<<32 + 1}},
		{`{"kind": "consensus_minus", "n": 9223372036854775807}`, parley.Rule{Kind: "consensus_minus", N: math.MaxInt}},
		{`{"kind": "consensus_minus", "n": -0}`, parley.Rule{Kind: "consensus_minus"}},
		{`{"kind": "majority", "threshold": 0.6667}`, parley.Rule{Kind: "majority", Threshold: 0.6667}},
		{`{"kind": "majority", "threshold": 5e-1}`, parley.Rule{Kind: "majority", Threshold: 0.5}},
		{`{"kind": "majority", "threshold": 1E0, "n": null}`, parley.Rule{Kind: "majority", Threshold: 1}},
	}
	for _, tt := range ok {
		in := `{"rule": ` + tt.in + `, "parties": ["a"], "items": ["x"]}`
		inst, err := decodeJSON([]byte(in))
		if err != nil {
			t.Errorf("decodeJSON(%s): %v", in, err)
			continue
		}
		if inst.Rule != tt.want {
			t.Errorf("decodeJSON(%s): rule %+v, want %+v", in, inst.Rule, tt.want)
		}
		if err := inst.Validate(); err != nil {
			t.Errorf("Validate(%s): %v", in, err)
		}
	}
	bad := []struct{ in, want string }{
		{`{"kind": "consensus_minus", "n": -5}`, "rule.n: -5 is negative; give the number of objections or silences tolerated, 0 or more"},
		{`{"kind": "consensus", "n": 2}`, "rule.n: consensus takes no n"},
		{`{"kind": "majority", "threshold": 0}`, "rule.threshold: 0 is not in (0, 1]"},
		{`{"kind": "majority", "threshold": 1.5}`, "rule.threshold: 1.5 is not in (0, 1]"},
		{`{"kind": "majority", "threshold": 0.5, "n": 1}`, "rule.n: majority takes no n"},
		{`{"kind": "consensus_minus", "n": 1, "threshold": 0.5}`, "rule.threshold: consensus_minus takes no threshold"},
		{`{"kind": "unanimity"}`, `rule.kind: "unanimity" is not consensus, consensus_minus or majority`},
		{`{}`, "rule.kind: missing"},
	}
	for _, tt := range bad {
		in := `{"rule": ` + tt.in + `, "parties": ["a"], "items": ["x"]}`
		inst, err := decodeJSON([]byte(in))
		if err == nil {
			err = inst.Validate()
		}
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("decode and validate %s: got %v, want an error starting %q", in, err, tt.want)
		}
	}
	inst, err := decodeJSON([]byte(`{"rule": {"kind": "majority", "threshold": 0.5}, "parties": ["a"], "items": ["x"], "item_rules": {"x": {"kind": "consensus_minus", "n": -1}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Validate(); err == nil || !strings.HasPrefix(err.Error(), "item_rules.x.n: -1 is negative") {
		t.Errorf("Validate: got %v, want item_rules.x.n: -1 is negative", err)
	}
}

// FuzzDecodeInstance checks that whatever the fast reader accepts,
// encoding/json reads the same way.
func FuzzDecodeInstance(f *testing.F) {
	f.Add([]byte(`{"rule":{"kind":"consensus"},"parties":["a"],"items":["x"],"positions":[{"party":"a","item":"x","stance":"support"}]}`))
	f.Add([]byte(`{"rule":{"kind":"majority","threshold":0.5e0},"item_rules":{"x":{"kind":"consensus_minus","n":2}},"packages":[["x","y"]],"facts":["f\u00e9\n"]}`))
	f.Add([]byte(`{"positions":[{"party":"a\"b","condition":null}],"items":null}`))
	f.Add([]byte(`{"items":["x"],"holds":[{"item":"x","kind":"open_brackets","count":2,"detail":"version 3, paragraph 1"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeJSON(b)
		if err != nil {
			return
		}
		var want Instance
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&want); err != nil {
			t.Fatalf("decodeJSON accepted %q, encoding/json: %v", b, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(&want)) {
			t.Fatalf("decodeJSON(%q):\n got %+v\nwant %+v", b, got, want)
		}
	})
}

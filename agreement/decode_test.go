package agreement

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// normalize gives nil and empty lists one form, for comparisons.
func normalize(inst *Instance) *Instance {
	out := *inst
	if len(out.ItemRules) == 0 {
		out.ItemRules = nil
	}
	for _, p := range []*[]string{&out.Parties, &out.Items, &out.Facts} {
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
	return &out
}

// TestDecodeRoundTrip encodes random instances, with ids and conditions
// full of characters JSON escapes, and decodes them back.
func TestDecodeRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		inst := randomInstance(rapidDrawer{rt}, genSpec{maxItems: 6, maxParties: 3, negation: true, packages: true, itemRules: true})
		inst.Facts = append(inst.Facts, rapid.String().Draw(rt, "fact"))
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
		{`{"rule": {"kind": "consensus_minus", "n": 1.5}}`, "rule.n: want a whole number, found 1.5"},
		{`{"stances": []}`, `unknown field "stances"`},
		{`{"positions": [{"party": "a", "votes": 1}]}`, "positions[0].votes: unknown field"},
		{`{"positions": [{"party": 7}]}`, "positions[0].party: want a string, found a number"},
		{`{"items": ["a", "b"], "items": []}`, "items: the key is given twice"},
		{`{"items": ["a" "b"]}`, `items: the JSON is malformed at byte 15: expected "," or "]", found '"'`},
		{`{"items": ["a"]} {}`, "unexpected data after the instance at byte 17"},
		{`{"items": ["a`, "items[0]: the JSON ends early, expected a closing quote"},
		{`{"packages": [["a"], "b"]}`, "packages[1]: want a list, found a string"},
		{`[]`, "the instance: want an object, found a list"},
		{"{\"items\": [\"\xff\"]}", "the input is not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := decodeJSON([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("decodeJSON(%s): got %v, want an error with %q", tt.in, err, tt.want)
		}
	}
}

// FuzzDecodeInstance checks that whatever the fast reader accepts,
// encoding/json reads the same way.
func FuzzDecodeInstance(f *testing.F) {
	f.Add([]byte(`{"rule":{"kind":"consensus"},"parties":["a"],"items":["x"],"positions":[{"party":"a","item":"x","stance":"support"}]}`))
	f.Add([]byte(`{"rule":{"kind":"majority","threshold":0.5e0},"item_rules":{"x":{"kind":"consensus_minus","n":2}},"packages":[["x","y"]],"facts":["f\u00e9\n"]}`))
	f.Add([]byte(`{"positions":[{"party":"a\"b","condition":null}],"items":null}`))
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

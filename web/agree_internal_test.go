package web

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// TestFingerprintCoversInstance changes each value of an instance that
// has every member of agreement.Instance set, one at a time, and checks
// that the fingerprint the results are cached under changes with it: a
// member it left out would serve one instance's results for another (as
// the steps done once were).
func TestFingerprintCoversInstance(t *testing.T) {
	base := agreement.Instance{
		Rule:      parley.Rule{Kind: parley.RuleConsensusMinus, N: 1, Threshold: 0.5},
		ItemRules: map[string]parley.Rule{"D1": {Kind: parley.RuleMajority, N: 2, Threshold: 0.6}},
		Packages:  [][]string{{"D1", "D2"}},
		Parties:   []string{"gov", "opp"},
		Items:     []string{"D1", "D2"},
		Facts:     []string{"f1"},
		Done:      []string{"s1"},
		Positions: []agreement.Position{{Party: "gov", Item: "D1", Stance: "conditional", Condition: "done(s1)"}},
		Holds:     []agreement.Hold{{Item: "D2", Kind: agreement.HoldOpenBrackets, Count: 1, Detail: "x"}},
	}
	raw, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	json.Unmarshal(raw, &tree)
	// Every member of the type, nested ones too, is set in base.
	seen := map[string]bool{}
	var walk func(path string, v any, visit func(path string, set func(any)), set func(any))
	walk = func(path string, v any, visit func(string, func(any)), set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				seen[k] = true
				walk(path+"."+k, e, visit, func(n any) { x[k] = n })
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e, visit, func(n any) { x[i] = n })
			}
		default:
			visit(path, set)
		}
	}
	var leaves []string
	walk("", tree, func(path string, _ func(any)) { leaves = append(leaves, path) }, nil)
	var members func(t reflect.Type)
	members = func(rt reflect.Type) {
		for rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct {
			return
		}
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if !seen[name] {
				t.Errorf("the test's instance does not set %s.%s: set it, and check that the fingerprint covers it", rt.Name(), f.Name)
			}
			members(f.Type)
		}
	}
	members(reflect.TypeOf(base))
	want := fingerprint(&base, 'r')
	for _, leaf := range leaves {
		// Change the leaf: a string gains a letter, a number grows.
		var changed any
		json.Unmarshal(raw, &changed)
		walk("", changed, func(path string, set func(any)) {
			if path != leaf {
				return
			}
			var v any
			json.Unmarshal(raw, &v)
			set(bump(lookup(v, leaf)))
		}, nil)
		b, _ := json.Marshal(changed)
		var inst agreement.Instance
		if err := json.Unmarshal(b, &inst); err != nil {
			t.Fatalf("%s: %v", leaf, err)
		}
		if fingerprint(&inst, 'r') == want {
			t.Errorf("changing %s leaves the fingerprint as it was", leaf)
		}
	}
}

// lookup returns the value at a path of walk's form in a decoded tree.
func lookup(v any, path string) any {
	var out any
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(p+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", p, i), e)
			}
		default:
			if p == path {
				out = x
			}
		}
	}
	walk("", v)
	return out
}

func bump(v any) any {
	switch x := v.(type) {
	case string:
		return x + "x"
	case float64:
		return x + 1
	case bool:
		return !x
	}
	return v
}

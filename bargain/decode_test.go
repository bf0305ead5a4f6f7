package bargain

import (
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

const testIssues = `"issues": [{"id": "a", "options": ["x", "y"]}, {"id": "b", "options": ["1", "2", "3"]}]`

// withParty returns an instance of testIssues and one party, whose JSON
// members are given.
func withParty(members string) string {
	return `{` + testIssues + `, "parties": [{` + members + `}]}`
}

const (
	goodWeights = `"weights": {"a": "0.5", "b": "0.5"}`
	goodValues  = `"values": {"a": {"x": "1", "y": "0"}, "b": {"1": "0", "2": "0.5", "3": "1"}}`
)

func TestDecodeErrors(t *testing.T) {
	good := `"id": "gov", ` + goodWeights + `, ` + goodValues + `, "reservation": "0.2"`
	for _, c := range []struct{ in, want string }{
		{``, `the input is empty`},
		{`[]`, `the instance: want an object with issues and parties; found an array`},
		{`{"issues": [], "parties": []}`, `issues: no issues`},
		{`{"parties": []}`, `issues: no issues`},
		{`{"issues": [{"id": "a", "options": ["x"]}]}`, `parties: no parties`},
		{`{"issues": [{"id": "a", "options": ["x"]}, {"id": "a", "options": ["y"]}], "parties": []}`, `issues[1].id: "a" names the issue already given as issues[0]`},
		{`{"issues": [{"id": "a", "options": ["x"]}, {"id": "A", "options": ["y"]}], "parties": []}`, `issues[1].id: "A" names the issue already given as issues[0] ("a")`},
		{`{"issues": [{"id": "a", "options": ["x", "X"]}], "parties": []}`, `issues[0].options[1]: "X" repeats option "x" of issue "a"`},
		{`{"issues": [{"id": "a b", "options": ["x"]}], "parties": []}`, `issues[0].id: "a b" is not a valid ID`},
		{`{"issues": [{"options": ["x"]}], "parties": []}`, `issues[0].id: missing; give the issue an ID`},
		{`{"issues": [{"id": "a", "options": "x"}], "parties": []}`, `issues[0].options: want an array of option IDs; found the string "x"`},
		{`{"issues": [{"id": "a", "options": [1]}], "parties": []}`, `issues[0].options[0]: want an option ID as a string; found the number 1`},
		{`{"issues": [{"id": "a", "options": []}], "parties": []}`, `issues[0].options: issue "a" has no options`},
		{`{"issues": [{"id": "a", "options": ["x"], "weight": 1}], "parties": []}`, `issues[0].weight: unknown field; the fields of issues[0] are id, options`},
		{`{"issues": [{"id": "a", "options": ["x"]}], "parties": [], "x": 1}`, `x: unknown field; the fields of the instance are issues, parties`},
		{`{"issues": [{"id": "a", "options": ["x"]}], "issues": []}`, `the instance: the JSON has the key "issues" twice`},
		{`{"issues": [{"id": "a", "options": ["x"]}], "parties": [{}]}`, `parties[0].id: missing; give the party an ID, such as "gov"`},
		{`{` + testIssues + `, "parties": [{` + good + `}, {` + strings.Replace(good, `"gov"`, `"GOV"`, 1) + `}]}`, `parties[1].id: "GOV" names the party already given as parties[0] ("gov")`},
		{withParty(`"id": "gov", "weights": {"a": "0.5"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights: issue "b" has no weight`},
		{withParty(`"id": "gov", ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights: missing; give a weight for each issue (a, b)`},
		{withParty(`"id": "gov", "weights": {"a": "0.5", "b": "x"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights.b: "x" is not a decimal`},
		{withParty(`"id": "gov", "weights": {"a": 0.5, "b": "1"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights.a: 0.5 is a JSON number; write the decimal as a string, "0.5"`},
		{withParty(`"id": "gov", "weights": {"a": true, "b": "1"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights.a: want a decimal as a string, such as "0.25"; found a boolean`},
		{withParty(`"id": "gov", "weights": ["0.5"], ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights: want an object mapping IDs to weights; found an array`},
		{withParty(`"id": "gov", "weights": {"a": "0.5", "b": "0.1234567"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights.b: 0.1234567 has 7 decimals; give at most 6`},
		{withParty(`"id": "gov", "weights": {"a": "0.5", "b": "0.1000000"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights.b: 0.1 has 7 decimals; give at most 6`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}, "b": {"1": "0", "2": "0.5"}}, "reservation": "0.2"`), `parties[0].values.b: option "3" has no value`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}, "b": {"1": "0", "2": "0.5", "3": "1", "4": "1"}}, "reservation": "0.2"`), `parties[0].values.b.4: issue "b" has no option "4"; its options are 1, 2, 3`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}, "b": {"1": "0", "2": "0.1234567", "3": "1"}}, "reservation": "0.2"`), `parties[0].values.b.2: 0.1234567 has 7 decimals; give at most 6`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}, "b": {"1": "0", "2": ".5", "3": "1"}}, "reservation": "0.2"`), `parties[0].values.b.2: ".5" is not a decimal: it has no digit before the point`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}, "b": {"1": "0", "2": "5.", "3": "1"}}, "reservation": "0.2"`), `parties[0].values.b.2: "5." is not a decimal: it has no digit after the point`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}, "b": {"1": "0", "2": "+5", "3": "1"}}, "reservation": "0.2"`), `parties[0].values.b.2: "+5" is not a decimal: it holds '+'`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}, "b": null}, "reservation": "0.2"`), `parties[0].values.b: want an object mapping IDs to values; found null`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0"}}, "reservation": "0.2"`), `parties[0].values: issue "b" has no values`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"a": {"x": "1", "y": "0", "x": "2"}}, "reservation": "0.2"`), `parties[0].values.a: the JSON has the key "x" twice`},
		{withParty(`"id": "gov", "weights": {"a": "0.5", "b": "1", "A": "1"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights: the JSON has the keys "a" and "A" in one object`},
		{withParty(`"id": "gov", "weights": {"a": "0.5", "b": "1", "c": "1"}, ` + goodValues + `, "reservation": "0.2"`), `parties[0].weights.c: there is no issue "c"; the issues are a, b`},
		{withParty(`"id": "gov", ` + goodWeights + `, "values": {"c": {}}, "reservation": "0.2"`), `parties[0].values.c: there is no issue "c"`},
		{withParty(`"id": "gov", ` + goodWeights + `, ` + goodValues), `parties[0].reservation: missing`},
		{withParty(`"id": "gov", ` + goodWeights + `, ` + goodValues + `, "reservation": null`), `parties[0].reservation: want a decimal as a string`},
		{withParty(`"id": "gov", ` + goodWeights + `, ` + goodValues + `, "reservation": "1e3"`), `parties[0].reservation: "1e3" is not a decimal: it holds 'e'`},
		{withParty(`"id": "gov", ` + goodWeights + `, ` + goodValues + `, "reservation": "-1000000000000000000"`), `parties[0].reservation: -1000000000000000000 is too large`},
		{withParty(good + `, "extra": 1`), `parties[0].extra: unknown field; the fields of parties[0] are id, weights, values, reservation`},
		{`{"issues": [{"id": "a", "options": ["x"]}], "parties": {}}`, `parties: want an array of parties; found an object`},
		{`{"issues": "a", "parties": []}`, `issues: want an array of issues; found the string "a"`},
		{`{"issues": [], "parties": []} {}`, `unexpected data after the JSON value`},
		{`{"issues": [], "parties": [}`, `the JSON is malformed`},
		{"{\"issues\": [], \"parties\": [\"\xff\"]}", `not valid UTF-8`},
	} {
		_, err := DecodeInstance([]byte(c.in))
		if err == nil {
			t.Errorf("%s: no error, want %q", c.in, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.in, err, c.want)
		}
		if parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("%s: code %q, want %q", c.in, parley.ErrorCode(err), parley.EINVALID)
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"issues": [{"id": "a", "options": [`)
	for i := range MaxOptions + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"o` + strings.Repeat("x", i%7) + strconv.Itoa(i) + `"`)
	}
	b.WriteString(`]}], "parties": []}`)
	_, err := DecodeInstance([]byte(b.String()))
	if parley.ErrorCode(err) != parley.ETOOLARGE || !strings.Contains(err.Error(), "issues[0].options: 1001 options; give at most 1000") {
		t.Errorf("too many options: got %v", err)
	}
	if _, err := ReadInstance(strings.NewReader(strings.Repeat(" ", MaxInputSize+1))); parley.ErrorCode(err) != parley.ETOOLARGE {
		t.Errorf("too large an input: got %v", err)
	}
}

func TestDecodePackage(t *testing.T) {
	issues := []Issue{{ID: "a", Options: []string{"x", "y"}}, {ID: "b", Options: []string{"1", "2", "3"}}}
	pkg, err := DecodePackage([]byte(`{"b": "3", "a": "y"}`), issues, "--current")
	if err != nil || len(pkg) != 2 || pkg[0] != 1 || pkg[1] != 2 {
		t.Fatalf("got %v, %v; want [1 2]", pkg, err)
	}
	for _, c := range []struct{ in, want string }{
		{`{"a": "x"}`, `--current: issue "b" has no option; a package chooses one option for every issue (1, 2, 3)`},
		{`{"a": "x", "b": "4"}`, `--current.b: issue "b" has no option "4"; its options are 1, 2, 3`},
		{`{"a": "x", "b": "1", "c": "1"}`, `--current.c: there is no issue "c"; the issues are a, b`},
		{`{"a": "x", "b": 1}`, `--current.b: want the option as a string; found the number 1`},
		{`["x", "1"]`, `--current: want an object mapping each issue to an option`},
		{`{"a": "x", "a": "y"}`, `the JSON has the key "a" twice`},
	} {
		_, err := DecodePackage([]byte(c.in), issues, "--current")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.in, err, c.want)
		}
	}
}

func TestDecodePreferences(t *testing.T) {
	issues, err := DecodeIssues([]byte(`[{"id": "a", "options": ["x", "y"]}, {"id": "b", "options": ["1", "2", "3"]}]`), "issues")
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePreferences([]byte(`{"id": "gov", `+goodWeights+`, `+goodValues+`, "reservation": "0.20"}`), issues, "preferences")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Values["b"]["2"].String(); got != "0.5" {
		t.Errorf("values.b.2 = %s, want 0.5", got)
	}
	if got := p.Reservation.String(); got != "0.2" {
		t.Errorf("reservation = %s, want 0.2", got)
	}
	_, err = DecodePreferences([]byte(`{"id": "gov", `+goodWeights+`, "values": {"a": {"x": "1"}}, "reservation": "0"}`), issues, "preferences")
	if err == nil || !strings.Contains(err.Error(), `preferences.values.a: option "y" has no value`) {
		t.Errorf("got %v", err)
	}
	if _, err := DecodeIssues([]byte(`[{"id": "a", "options": ["x"]}, {"id": "a", "options": ["y"]}]`), "issues"); err == nil || !strings.Contains(err.Error(), `issues[1].id: "a" names the issue already given`) {
		t.Errorf("got %v", err)
	}
}

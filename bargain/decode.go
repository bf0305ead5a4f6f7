package bargain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/parleyhq/parley"
)

// The decoders below read JSON in two steps. parley.CheckJSON checks the
// text as it checks every signed payload (valid UTF-8, well formed, no
// member name twice in an object, not even under case folding, bounded
// depth); encoding/json then decodes it into generic values, which are
// walked here with the path of each, so that every error names its field
// in full (parley.DecodeStrict would name a mistyped field without its
// array indices or map keys).

// ReadInstance reads one instance in the interchange format of
// docs/PACKAGES.md from r, at most MaxInputSize bytes, and validates it.
func ReadInstance(r io.Reader) (*Instance, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the instance: %w", err)
	}
	if len(b) > MaxInputSize {
		return nil, parley.Errorf(parley.ETOOLARGE, "the instance is larger than %d bytes", MaxInputSize)
	}
	return DecodeInstance(b)
}

// DecodeInstance decodes an instance from JSON strictly (unknown or
// repeated fields, wrong types and decimals written as numbers are
// refused) and validates it. Every error is an *parley.Error naming the
// field, such as "parties[1].values.tranches: option "3" has no value".
func DecodeInstance(b []byte) (*Instance, error) {
	v, err := decodeGeneric(b, parley.Key("an instance"))
	if err != nil {
		return nil, err
	}
	var inst Instance
	if err := object(v, rootField, parley.Key("issues and parties"), func(key string, v any, f string) error {
		if key == "issues" {
			var err error
			inst.Issues, err = issuesFrom(v, f)
			return err
		}
		return array(v, f, parley.Key("an array of parties"), func(k int, v any, f string) error {
			p, err := preferencesFrom(v, f)
			inst.Parties = append(inst.Parties, p)
			return err
		})
	}, "issues", "parties"); err != nil {
		return nil, err
	}
	if err := inst.Validate(); err != nil {
		return nil, err
	}
	return &inst, nil
}

// DecodeIssues decodes a JSON array of issues and checks it with
// CheckIssues; errors name fields below field.
func DecodeIssues(b []byte, field string) ([]Issue, error) {
	v, err := decodeGeneric(b, parley.Key("a list of issues"))
	if err != nil {
		return nil, err
	}
	issues, err := issuesFrom(v, field)
	if err != nil {
		return nil, err
	}
	return issues, CheckIssues(issues, field)
}

// DecodePreferences decodes one party's preferences, an object with id,
// weights, values and reservation, and checks them against the issues;
// errors name fields below field.
func DecodePreferences(b []byte, issues []Issue, field string) (*Preferences, error) {
	v, err := decodeGeneric(b, parley.Key("a party's preferences"))
	if err != nil {
		return nil, err
	}
	p, err := preferencesFrom(v, field)
	if err != nil {
		return nil, err
	}
	if err := p.Check(issues, field); err != nil {
		return nil, err
	}
	return &p, nil
}

// DecodePackage decodes a package, an object mapping every issue to one
// of its options, such as {"tranches": "2", "verifier": "icrc"}; errors
// name fields below field.
func DecodePackage(b []byte, issues []Issue, field string) (Package, error) {
	v, err := decodeGeneric(b, parley.Key("a package"))
	if err != nil {
		return nil, inField(field, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, inField(field, parley.Errorf(parley.EINVALID, "want an object mapping each issue to an option, such as {\"tranches\": \"2\"}; found %s", kind(v)))
	}
	pm := map[string]string{}
	for _, id := range sortedKeys(m) {
		s, ok := m[id].(string)
		if !ok {
			return nil, inField(field+"."+id, parley.Errorf(parley.EINVALID, "want the option as a string; found %s", kind(m[id])))
		}
		pm[id] = s
	}
	return PackageOf(issues, pm, field)
}

func decodeGeneric(b []byte, what parley.Phrase) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, parley.Errorf(parley.EINVALID, "the input is empty: give %s as JSON (see docs/PACKAGES.md)", what)
	}
	if err := parley.CheckJSON(b); err != nil {
		if at := repeatedIn(b); at != "" {
			return nil, inField(at, err)
		}
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, parley.Errorf(parley.EINVALID, "reading %s: %v", what, err)
	}
	return v, nil
}

// repeatedIn returns the path of the first object of b that holds two
// member names equal under case folding, if any: parley.CheckJSON refuses
// them, and this names where.
func repeatedIn(b []byte) string {
	type frame struct {
		object bool
		path   string
		index  int
		names  map[string]bool
		key    string // the member whose value comes next
		inKey  bool   // key is set
	}
	d := json.NewDecoder(bytes.NewReader(b))
	var stack []*frame
	// child returns the path of the value that comes next.
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			if f.path == "" {
				return f.key
			}
			return f.path + "." + f.key
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	// done moves past the value just read.
	done := func() {
		if len(stack) > 0 {
			f := stack[len(stack)-1]
			if f.object {
				f.inKey = false
			} else {
				f.index++
			}
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && !top.inKey {
			folded := strings.ToLower(s)
			if top.names[folded] {
				if top.path == "" {
					return rootField
				}
				return top.path
			}
			top.names[folded] = true
			top.key, top.inKey = s, true
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, path: child(), names: map[string]bool{}})
		case json.Delim('['):
			stack = append(stack, &frame{path: child()})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
	}
}

// kind names the JSON type of a generic value for a message.
func kind(v any) any {
	switch v := v.(type) {
	case nil:
		return parley.Key("null")
	case bool:
		return parley.Key("a boolean")
	case json.Number:
		return parley.Key("the number %s", truncate(v.String(), 30))
	case string:
		return parley.Key("the string %s", quote(v))
	case []any:
		return parley.Key("an array")
	case map[string]any:
		return parley.Key("an object")
	}
	return fmt.Sprintf("%T", v)
}

// object walks the members of the object v, in sorted order, calling
// member for each field named in fields and refusing any other.
func object(v any, field string, desc parley.Phrase, member func(key string, v any, f string) error, fields ...string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return inField(field, parley.Errorf(parley.EINVALID, "want an object with %s; found %s", desc, kind(v)))
	}
	for _, key := range sortedKeys(m) {
		f := key
		if field != rootField {
			f = field + "." + key
		}
		known := false
		for _, k := range fields {
			known = known || k == key
		}
		if !known {
			return inField(f, parley.Errorf(parley.EINVALID, "unknown field; the fields of %s are %s", fieldArg(field), list(fields)))
		}
		if err := member(key, m[key], f); err != nil {
			return err
		}
	}
	return nil
}

func array(v any, field string, want parley.Phrase, elem func(k int, v any, f string) error) error {
	a, ok := v.([]any)
	if !ok {
		return inField(field, parley.Errorf(parley.EINVALID, "want %s; found %s", want, kind(v)))
	}
	for k, e := range a {
		if err := elem(k, e, fmt.Sprintf("%s[%d]", field, k)); err != nil {
			return err
		}
	}
	return nil
}

func str(v any, field string, what parley.Phrase) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", inField(field, parley.Errorf(parley.EINVALID, "want %s as a string; found %s", what, kind(v)))
	}
	return s, nil
}

func issuesFrom(v any, field string) ([]Issue, error) {
	issues := []Issue{}
	err := array(v, field, parley.Key("an array of issues"), func(k int, v any, f string) error {
		var is Issue
		err := object(v, f, parley.Key("id and options"), func(key string, v any, f string) error {
			var err error
			switch key {
			case "id":
				is.ID, err = str(v, f, parley.Key("the issue's ID"))
			case "options":
				is.Options = []string{}
				err = array(v, f, parley.Key("an array of option IDs"), func(k int, v any, f string) error {
					o, err := str(v, f, parley.Key("an option ID"))
					is.Options = append(is.Options, o)
					return err
				})
			}
			return err
		}, "id", "options")
		issues = append(issues, is)
		return err
	})
	return issues, err
}

func preferencesFrom(v any, field string) (Preferences, error) {
	var p Preferences
	err := object(v, field, parley.Key("id, weights, values and reservation"), func(key string, v any, f string) error {
		var err error
		switch key {
		case "id":
			p.Party, err = str(v, f, parley.Key("the party's ID"))
		case "weights":
			p.Weights, err = decMap(v, f, "weight")
		case "values":
			m, ok := v.(map[string]any)
			if !ok {
				return inField(f, parley.Errorf(parley.EINVALID, "want an object mapping each issue to the values of its options; found %s", kind(v)))
			}
			p.Values = map[string]map[string]Dec{}
			for _, id := range sortedKeys(m) {
				if p.Values[id], err = decMap(m[id], f+"."+id, "value"); err != nil {
					return err
				}
			}
		case "reservation":
			p.Reservation, err = decFrom(v, f)
		}
		return err
	}, "id", "weights", "values", "reservation")
	if err == nil && p.Party == "" {
		err = checkID(field+".id", p.Party, "party")
	}
	if err == nil && !hasKey(v, "reservation") {
		err = inField(field+".reservation", parley.Errorf(parley.EINVALID, "missing; give the party's utility of no agreement, such as \"0\""))
	}
	return p, err
}

func hasKey(v any, key string) bool {
	m, _ := v.(map[string]any)
	_, ok := m[key]
	return ok
}

func decMap(v any, field, what string) (map[string]Dec, error) {
	m, ok := v.(map[string]any)
	switch {
	case !ok && what == "weight":
		return nil, inField(field, parley.Errorf(parley.EINVALID, "want an object mapping IDs to weights; found %s", kind(v)))
	case !ok:
		return nil, inField(field, parley.Errorf(parley.EINVALID, "want an object mapping IDs to values; found %s", kind(v)))
	}
	out := make(map[string]Dec, len(m))
	for _, k := range sortedKeys(m) {
		d, err := decFrom(m[k], field+"."+k)
		if err != nil {
			return nil, err
		}
		out[k] = d
	}
	return out, nil
}

// decFrom reads a decimal given as a JSON string.
func decFrom(v any, field string) (Dec, error) {
	switch v := v.(type) {
	case string:
		d, err := ParseDec(v)
		if err != nil {
			return Dec{}, inField(field, err)
		}
		if err := d.checkInput(); err != nil {
			return Dec{}, inField(field, err)
		}
		return d, nil
	case json.Number:
		return Dec{}, inField(field, parley.Errorf(parley.EINVALID, "%s is a JSON number; write the decimal as a string, \"%s\", so that it is read exactly", truncate(v.String(), 30), truncate(v.String(), 30)))
	}
	return Dec{}, inField(field, parley.Errorf(parley.EINVALID, "want a decimal as a string, such as \"0.25\"; found %s", kind(v)))
}

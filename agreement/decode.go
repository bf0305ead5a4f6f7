package agreement

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// decodeJSON reads an instance from b with a reader made for the
// interchange format: a Paris-sized instance holds a million positions, and
// a reader that knows the fields decodes it several times faster than
// reflection. It is strict: unknown or repeated fields, wrong types and
// trailing data are errors that name the field, and it reads each token
// with parley.JSONReader, as strictly as an event is read (no control
// character in a string, no lone UTF-16 surrogate escape, numbers as RFC
// 8259 writes them). null stands for a missing value, as in encoding/json.
func decodeJSON(b []byte) (*Instance, error) {
	inst, _, err := readJSON(b, false)
	return inst, err
}

// EvaluateJSON evaluates the instance in the interchange format held in
// b, as EvaluateOptions does the instance DecodeInstance reads, with the
// same checks. It is the fast way from the interchange format to a result:
// when the input gives the parties and the items before the positions (as
// Instance's JSON encoding does), it compiles each position as it reads
// it, without making an Instance, and a Paris-sized instance takes a few
// times less time and memory than decoding it first.
func EvaluateJSON(b []byte, opt Options) (*Result, error) {
	inst, m, err := readJSON(b, true)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m, err = newModel(inst)
	} else if err = m.configure(inst); err == nil {
		err = m.compile()
	}
	if err != nil {
		return nil, err
	}
	o, err := evaluate(m, opt)
	if err != nil {
		return nil, err
	}
	return m.result(o), nil
}

// readJSON reads an instance from b. With compile, when the parties and
// the items come before the positions, it reads the positions into a
// model of those parties and items instead of the instance, and returns
// the model, for configure and compile to finish.
func readJSON(b []byte, compile bool) (*Instance, *model, error) {
	r := &jreader{}
	r.Reset(b)
	var inst Instance
	var m *model
	seen := map[string]bool{}
	if err := r.object(fpath{k: -1}, func(key string, field fpath) error {
		seen[key] = true
		if key == "positions" && compile && seen["parties"] && seen["items"] {
			var err error
			if m, err = newModelIDs(inst.Parties, inst.Items); err != nil {
				return err
			}
			return r.modelPositions(field, m)
		}
		return r.field(&inst, key, field)
	}); err != nil {
		return nil, nil, err
	}
	if r.Peek(); r.Offset() != len(b) {
		return nil, nil, parley.Errorf(parley.EINVALID, "unexpected data after the instance at byte %d: give one JSON object", r.Offset())
	}
	return &inst, m, nil
}

// field reads the top-level field key of an instance into inst.
func (r *jreader) field(inst *Instance, key string, field fpath) error {
	switch key {
	case "rule":
		return r.rule(field, &inst.Rule)
	case "item_rules":
		inst.ItemRules = map[string]parley.Rule{}
		return r.object(field, func(id string, f fpath) error {
			var rl parley.Rule
			if err := r.rule(f, &rl); err != nil {
				return err
			}
			inst.ItemRules[id] = rl
			return nil
		})
	case "packages":
		return r.array(field, func(k int, f fpath) error {
			var pk []string
			if err := r.strings(f, &pk); err != nil {
				return err
			}
			inst.Packages = append(inst.Packages, pk)
			return nil
		})
	case "parties":
		return r.strings(field, &inst.Parties)
	case "items":
		return r.strings(field, &inst.Items)
	case "facts":
		return r.strings(field, &inst.Facts)
	case "done":
		return r.strings(field, &inst.Done)
	case "holds":
		return r.array(field, func(k int, f fpath) error {
			var h Hold
			err := r.object(f, func(key string, f fpath) error {
				switch key {
				case "item":
					return r.str(f, &h.Item)
				case "kind":
					return r.str(f, &h.Kind)
				case "count":
					if r.Null() {
						return nil
					}
					v, lit, fits, err := r.integer(f)
					if err == nil && !fits {
						err = parley.Errorf(parley.EINVALID, "%s: %s is larger than this machine's integers", f, lit)
					}
					h.Count = v
					return err
				case "detail":
					return r.str(f, &h.Detail)
				}
				return parley.Errorf(parley.EINVALID, "%s: unknown field; a hold has item, kind, count and detail", f)
			})
			inst.Holds = append(inst.Holds, h)
			return err
		})
	case "positions":
		inst.Positions = make([]Position, 0, r.count())
		return r.array(field, func(k int, f fpath) error {
			var p Position
			err := r.object(f, func(key string, f fpath) error {
				switch key {
				case "party":
					return r.str(f, &p.Party)
				case "item":
					return r.str(f, &p.Item)
				case "stance":
					return r.str(f, &p.Stance)
				case "condition":
					return r.str(f, &p.Condition)
				}
				return parley.Errorf(parley.EINVALID, "%s: unknown field; a position has party, item, stance and condition", f)
			})
			inst.Positions = append(inst.Positions, p)
			return err
		})
	}
	return parley.Errorf(parley.EINVALID, "unknown field %q: the fields are rule, item_rules, packages, parties, items, facts, done, positions and holds", key)
}

// modelPositions reads the list of positions into m, whose parties and
// items are known: the same as reading them into an Instance and giving
// them to newModel, without making a string of any id.
func (r *jreader) modelPositions(field fpath, m *model) error {
	if r.Null() {
		return nil
	}
	if r.Peek() != '[' {
		return r.typeError(field, parley.Key("a list"))
	}
	r.skip()
	m.pos = make([]cpos, 0, r.count())
	if r.Peek() == ']' {
		r.skip()
		return nil
	}
	lastP, lastI := int32(-1), int32(-1)
	for k := 0; ; k++ {
		if err := r.modelPosition(field.index(k), k, m, &lastP, &lastI); err != nil {
			return err
		}
		switch r.Peek() {
		case ',':
			r.skip()
		case ']':
			r.skip()
			return nil
		default:
			return r.syntax(field, parley.Key(`"," or "]"`))
		}
	}
}

// Fields of a position, as bits.
const (
	fParty uint8 = 1 << iota
	fItem
	fStance
	fCondition
)

// modelPosition reads position k, at field, into m.
func (r *jreader) modelPosition(field fpath, k int, m *model, lastP, lastI *int32) error {
	party, item, stance, cond, ok := r.plainPosition()
	var seen uint8
	if !ok && !r.Null() {
		if r.Peek() != '{' {
			return r.typeError(field, parley.Key("an object"))
		}
		r.skip()
		if r.Peek() == '}' {
			r.skip()
		} else {
			for {
				if r.Peek() != '"' {
					return r.syntax(field, parley.Key("a key in quotes"))
				}
				key, err := r.rawBytes(field, nil)
				if err != nil {
					return err
				}
				var bit uint8
				var out *[]byte
				switch string(key) {
				case "party":
					bit, out = fParty, &party
				case "item":
					bit, out = fItem, &item
				case "stance":
					bit, out = fStance, &stance
				case "condition":
					bit, out = fCondition, &cond
				default:
					return parley.Errorf(parley.EINVALID, "%s: unknown field; a position has party, item, stance and condition", field.key(string(key)))
				}
				if seen&bit != 0 {
					return parley.Errorf(parley.EINVALID, "%s: the key is given twice", field.key(string(key)))
				}
				seen |= bit
				if r.Peek() != ':' {
					return r.syntax(field.key(string(key)), parley.Key(`":"`))
				}
				r.skip()
				if !r.Null() {
					if r.Peek() != '"' {
						return r.typeError(field.key(string(key)), parley.Key("a string"))
					}
					if *out, err = r.rawBytes(field, key); err != nil {
						return err
					}
				}
				switch r.Peek() {
				case ',':
					r.skip()
					continue
				case '}':
					r.skip()
				default:
					return r.syntax(field, parley.Key(`"," or "}"`))
				}
				break
			}
		}
	}
	p, ok := guessBytes(m.parties, m.partyIdx, party, *lastP)
	var i int32
	if ok {
		i, ok = guessBytes(m.items, m.itemIdx, item, *lastI)
	}
	var st uint8
	if ok {
		st, ok = stanceBytes(stance)
	}
	if !ok {
		pos := Position{Party: string(party), Item: string(item), Stance: string(stance), Condition: string(cond)}
		_, _, _, _, _, err := m.checkPosition(func() string { return field.String() }, pos)
		return err
	}
	*lastP, *lastI = p, i
	var c string
	if len(cond) > 0 {
		c = string(cond)
	}
	return m.input(k, p, i, st, c)
}

// plainPosition reads, if it is there, a position written as Instance's
// JSON encoding writes it, such as {"party":"a","item":"x","stance":"support"}:
// its fields in that order, with a condition last if any, no white space
// and no escape in a string. Otherwise it reads nothing and reports false,
// and modelPosition reads the position the long way.
func (r *jreader) plainPosition() (party, item, stance, cond []byte, ok bool) {
	b := r.Text()
	i := r.Offset()
	// field reads `prefix"value"`, where value has no escape.
	field := func(prefix string) []byte {
		if i < 0 || len(b)-i < len(prefix) || string(b[i:i+len(prefix)]) != prefix {
			i = -1
			return nil
		}
		i += len(prefix)
		for j := i; j < len(b); j++ {
			switch c := b[j]; {
			case c == '"':
				v := b[i:j:j]
				i = j + 1
				return v
			case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
				i = -1
				return nil
			}
		}
		i = -1
		return nil
	}
	party = field(`{"party":"`)
	item = field(`,"item":"`)
	stance = field(`,"stance":"`)
	if i >= 0 && i < len(b) && b[i] == ',' {
		cond = field(`,"condition":"`)
	}
	if i < 0 || i >= len(b) || b[i] != '}' {
		return nil, nil, nil, nil, false
	}
	r.SetOffset(i + 1)
	return party, item, stance, cond, true
}

// guessBytes is guess for an id given as bytes.
func guessBytes(ids []string, idx map[string]int32, id []byte, last int32) (int32, bool) {
	if n := int32(len(ids)); n > 0 {
		if next := (last + 1) % n; ids[next] == string(id) {
			return next, true
		}
		if last >= 0 && ids[last] == string(id) {
			return last, true
		}
	}
	i, ok := idx[string(id)]
	return i, ok
}

// stanceBytes is stanceCode for a stance given as bytes.
func stanceBytes(b []byte) (uint8, bool) {
	switch string(b) {
	case parley.StanceSupport:
		return stSupport, true
	case parley.StanceAdReferendum:
		return stAdRef, true
	case parley.StanceAbstain:
		return stAbstain, true
	case parley.StanceReserve:
		return stReserve, true
	case parley.StanceOppose:
		return stOppose, true
	case parley.StanceConditional:
		return stConditional, true
	}
	return 0, false
}

// rawBytes reads a string at the next byte, which is a quote, and returns
// its bytes: a part of the input unless the string holds escapes. It is
// the value of the key of field, if key is not nil, or else field itself.
func (r *jreader) rawBytes(field fpath, key []byte) ([]byte, error) {
	start := r.Offset()
	b, _, err := r.unescaped(field)
	if err != nil && key != nil {
		// Make the path of the field only for an error.
		r.SetOffset(start)
		b, _, err = r.unescaped(field.key(string(key)))
	}
	return b, err
}

// unescaped reads a string at the next byte, which is a quote, with the
// reader of package parley, and returns its contents unescaped: a part of
// the input unless the string holds escapes, which escaped reports.
func (r *jreader) unescaped(field fpath) (b []byte, escaped bool, err error) {
	raw, escaped, err := r.ReadString()
	switch {
	case err != nil:
		return nil, false, fieldError(field, err)
	case !utf8.Valid(raw):
		// Escapes are ASCII and stand for valid UTF-8: the string is
		// valid once unescaped if and only if it is as written.
		return nil, false, notUTF8(field)
	case escaped:
		return parley.AppendUnescapedJSON(nil, raw), true, nil
	}
	return raw, false, nil
}

// fieldError returns err, an error of the reader of package parley, as
// an error in field.
func fieldError(field fpath, err error) error {
	return parley.Wrapf(parley.EINVALID, "%s: %s", err, field.arg())
}

func notUTF8(field fpath) error {
	return parley.Errorf(parley.EINVALID, "%s: the string is not valid UTF-8", field)
}

// An fpath names a field, "a", "a[k]", "a.b" or "a[k].b", built into a
// string only for an error message.
type fpath struct {
	a string
	k int // -1 for none
	b string
}

func (p fpath) String() string {
	s := p.a
	if p.k >= 0 {
		s += "[" + strconv.Itoa(p.k) + "]"
	}
	if p.b != "" {
		if s != "" {
			s += "."
		}
		s += p.b
	}
	if s == "" {
		return "the instance"
	}
	return s
}

// arg is the path as an argument of an error: the instance itself is
// named in the reader's language.
func (p fpath) arg() any {
	if p.a == "" && p.k < 0 && p.b == "" {
		return parley.Key("the instance")
	}
	return p.String()
}

func (p fpath) key(b string) fpath {
	if p.b == "" {
		return fpath{a: p.a, k: p.k, b: b}
	}
	return fpath{a: p.String(), k: -1, b: b}
}

func (p fpath) index(k int) fpath {
	if p.b == "" && p.k < 0 {
		return fpath{a: p.a, k: k}
	}
	return fpath{a: p.String(), k: k}
}

// A jreader reads the interchange format with the JSON reader of package
// parley, which reads every token as strictly as parley.CheckJSON.
type jreader struct {
	parley.JSONReader
	seen [8192]string // short strings read so far, by hash
}

// skip reads the byte that Peek returned.
func (r *jreader) skip() { r.SetOffset(r.Offset() + 1) }

func (r *jreader) syntax(p fpath, want parley.Phrase) error {
	return fieldError(p, r.Syntax(want))
}

func (r *jreader) typeError(p fpath, want parley.Phrase) error {
	found := parley.Key("something else")
	switch r.Peek() {
	case '{':
		found = parley.Key("an object")
	case '[':
		found = parley.Key("a list")
	case '"':
		found = parley.Key("a string")
	case 't', 'f':
		found = parley.Key("a boolean")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		found = parley.Key("a number")
	case 0:
		return r.syntax(p, want)
	}
	return parley.Errorf(parley.EINVALID, "%s: want %s, found %s", p.arg(), want, found)
}

// object reads an object, calling f with each key and the key's field path.
func (r *jreader) object(field fpath, f func(key string, field fpath) error) error {
	if r.Null() {
		return nil
	}
	if r.Peek() != '{' {
		return r.typeError(field, parley.Key("an object"))
	}
	r.skip()
	var few [8]string
	seen := few[:0]
	var many map[string]bool
	if r.Peek() == '}' {
		r.skip()
		return nil
	}
	for {
		if r.Peek() != '"' {
			return r.syntax(field, parley.Key("a key in quotes"))
		}
		key, err := r.rawString(field)
		if err != nil {
			return err
		}
		sub := field.key(key)
		dup := false
		if many != nil {
			dup = many[key]
			many[key] = true
		} else {
			for _, k := range seen {
				dup = dup || k == key
			}
			if seen = append(seen, key); len(seen) == len(few) {
				many = map[string]bool{}
				for _, k := range seen {
					many[k] = true
				}
			}
		}
		if dup {
			return parley.Errorf(parley.EINVALID, "%s: the key is given twice", sub)
		}
		if r.Peek() != ':' {
			return r.syntax(sub, parley.Key(`":"`))
		}
		r.skip()
		if err := f(key, sub); err != nil {
			return err
		}
		switch r.Peek() {
		case ',':
			r.skip()
		case '}':
			r.skip()
			return nil
		default:
			return r.syntax(field, parley.Key(`"," or "}"`))
		}
	}
}

// array reads a list, calling f with each index and its field path.
func (r *jreader) array(field fpath, f func(k int, field fpath) error) error {
	if r.Null() {
		return nil
	}
	if r.Peek() != '[' {
		return r.typeError(field, parley.Key("a list"))
	}
	r.skip()
	if r.Peek() == ']' {
		r.skip()
		return nil
	}
	for k := 0; ; k++ {
		if err := f(k, field.index(k)); err != nil {
			return err
		}
		switch r.Peek() {
		case ',':
			r.skip()
		case ']':
			r.skip()
			return nil
		default:
			return r.syntax(field, parley.Key(`"," or "]"`))
		}
	}
}

// count estimates the number of elements of the list ahead, for capacity.
func (r *jreader) count() int {
	n := 0
	b, i := r.Text(), r.Offset()
	for _, c := range b[i:min(len(b), i+1<<16)] {
		if c == '{' {
			n++
		}
	}
	if i+1<<16 < len(b) {
		n = n * (len(b) - i) >> 16
	}
	return n
}

func (r *jreader) strings(field fpath, out *[]string) error {
	return r.array(field, func(k int, f fpath) error {
		var s string
		if err := r.str(f, &s); err != nil {
			return err
		}
		*out = append(*out, s)
		return nil
	})
}

func (r *jreader) str(field fpath, out *string) error {
	if r.Null() {
		return nil
	}
	if r.Peek() != '"' {
		return r.typeError(field, parley.Key("a string"))
	}
	s, err := r.rawString(field)
	*out = s
	return err
}

// rawString reads a string at the next byte, which is a quote. Strings
// seen before are shared rather than copied again: ids repeat a million
// times.
func (r *jreader) rawString(field fpath) (string, error) {
	raw, escaped, err := r.unescaped(field)
	switch {
	case err != nil:
		return "", err
	case escaped || len(raw) > 64:
		return string(raw), nil
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range raw {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &r.seen[h%uint32(len(r.seen))]
	if *slot == string(raw) && *slot != "" {
		return *slot, nil
	}
	*slot = string(raw)
	return *slot, nil
}

// number reads a number in the grammar of RFC 8259 and returns its text.
func (r *jreader) number(field fpath) ([]byte, error) {
	if c := r.Peek(); c != '-' && (c < '0' || c > '9') {
		return nil, r.typeError(field, parley.Key("a number"))
	}
	lit, err := r.Number()
	if err != nil {
		return nil, fieldError(field, err)
	}
	return lit, nil
}

// integer reads a whole number, written without a fraction or an
// exponent. fits is false when it does not fit an int; lit is its text.
func (r *jreader) integer(f fpath) (v int, lit []byte, fits bool, err error) {
	lit, err = r.number(f)
	if err != nil {
		return 0, nil, false, err
	}
	if bytes.ContainsAny(lit, ".eE") {
		return 0, lit, false, parley.Errorf(parley.EINVALID, "%s: want a whole number, such as 1, found %s", f, lit)
	}
	n, err := strconv.ParseInt(string(lit), 10, strconv.IntSize)
	return int(n), lit, err == nil, nil
}

func (r *jreader) rule(field fpath, out *parley.Rule) error {
	return r.object(field, func(key string, f fpath) error {
		switch key {
		case "kind":
			return r.str(f, &out.Kind)
		case "n":
			if r.Null() {
				return nil
			}
			v, lit, fits, err := r.integer(f)
			switch {
			case err != nil:
				return err
			case fits:
				out.N = v
				return nil
			case lit[0] == '-':
				return parley.Errorf(parley.EINVALID, "%s: %s is negative; give the number of objections or silences tolerated, 0 or more", f, lit)
			}
			return parley.Errorf(parley.EINVALID, "%s: %s is larger than this machine's integers; any n at least the number of parties already tolerates every objection and silence", f, lit)
		case "threshold":
			if r.Null() {
				return nil
			}
			lit, err := r.number(f)
			if err != nil {
				return err
			}
			v, err := strconv.ParseFloat(string(lit), 64)
			mantissa, _, _ := bytes.Cut(bytes.ToLower(lit), []byte("e"))
			if err != nil || v == 0 && bytes.ContainsAny(mantissa, "123456789") {
				return parley.Errorf(parley.EINVALID, "%s: %s is not in (0, 1]; give the share of non-abstaining parties needed, such as 0.5 or 0.6667", f, lit)
			}
			out.Threshold = v
			return nil
		}
		return parley.Errorf(parley.EINVALID, "%s: unknown field; a rule has kind, n and threshold", f)
	})
}

package agreement

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// decodeJSON reads an instance from b with a reader made for the
// interchange format: a Paris-sized instance holds a million positions, and
// a reader that knows the fields decodes it several times faster than
// reflection. It is strict: unknown or repeated fields, wrong types and
// trailing data are errors that name the field. null stands for a missing
// value, as in encoding/json.
func decodeJSON(b []byte) (*Instance, error) {
	if !utf8.Valid(b) {
		return nil, parley.Errorf(parley.EINVALID, "the input is not valid UTF-8")
	}
	r := &jreader{b: b}
	var inst Instance
	if err := r.object(fpath{k: -1}, func(key string, field fpath) error {
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
						if r.null() {
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
		return parley.Errorf(parley.EINVALID, "unknown field %q: the fields are rule, item_rules, packages, parties, items, facts, positions and holds", key)
	}); err != nil {
		return nil, err
	}
	r.space()
	if r.i != len(r.b) {
		return nil, parley.Errorf(parley.EINVALID, "unexpected data after the instance at byte %d: give one JSON object", r.i)
	}
	return &inst, nil
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

type jreader struct {
	b    []byte
	i    int
	seen [8192]string // short strings read so far, by hash
}

func (r *jreader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (r *jreader) peek() byte {
	r.space()
	if r.i == len(r.b) {
		return 0
	}
	return r.b[r.i]
}

func (r *jreader) syntax(p fpath, want string) error {
	field := p.String()
	if r.i >= len(r.b) {
		return parley.Errorf(parley.EINVALID, "%s: the JSON ends early, expected %s", field, want)
	}
	return parley.Errorf(parley.EINVALID, "%s: the JSON is malformed at byte %d: expected %s, found %q", field, r.i, want, r.b[r.i])
}

func (r *jreader) typeError(p fpath, want string) error {
	field := p.String()
	found := "something else"
	switch r.peek() {
	case '{':
		found = "an object"
	case '[':
		found = "a list"
	case '"':
		found = "a string"
	case 't', 'f':
		found = "a boolean"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		found = "a number"
	case 0:
		return r.syntax(p, want)
	}
	return parley.Errorf(parley.EINVALID, "%s: want %s, found %s", field, want, found)
}

// null consumes a null and reports whether there was one.
func (r *jreader) null() bool {
	if r.peek() == 'n' && len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// object reads an object, calling f with each key and the key's field path.
func (r *jreader) object(field fpath, f func(key string, field fpath) error) error {
	if r.null() {
		return nil
	}
	if r.peek() != '{' {
		return r.typeError(field, "an object")
	}
	r.i++
	var few [8]string
	seen := few[:0]
	var many map[string]bool
	if r.peek() == '}' {
		r.i++
		return nil
	}
	for {
		if r.peek() != '"' {
			return r.syntax(field, "a key in quotes")
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
		if r.peek() != ':' {
			return r.syntax(sub, `":"`)
		}
		r.i++
		if err := f(key, sub); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return nil
		default:
			return r.syntax(field, `"," or "}"`)
		}
	}
}

// array reads a list, calling f with each index and its field path.
func (r *jreader) array(field fpath, f func(k int, field fpath) error) error {
	if r.null() {
		return nil
	}
	if r.peek() != '[' {
		return r.typeError(field, "a list")
	}
	r.i++
	if r.peek() == ']' {
		r.i++
		return nil
	}
	for k := 0; ; k++ {
		if err := f(k, field.index(k)); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return nil
		default:
			return r.syntax(field, `"," or "]"`)
		}
	}
}

// count estimates the number of elements of the list ahead, for capacity.
func (r *jreader) count() int {
	n := 0
	for _, c := range r.b[r.i:min(len(r.b), r.i+1<<16)] {
		if c == '{' {
			n++
		}
	}
	if r.i+1<<16 < len(r.b) {
		n = n * (len(r.b) - r.i) >> 16
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
	if r.null() {
		return nil
	}
	if r.peek() != '"' {
		return r.typeError(field, "a string")
	}
	s, err := r.rawString(field)
	*out = s
	return err
}

// stops marks the bytes that end the plain part of a string.
var stops = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// rawString reads a string at r.i, which is a quote. Strings seen before
// are shared rather than copied again: ids repeat a million times.
func (r *jreader) rawString(field fpath) (string, error) {
	r.i++
	start := r.i
	b := r.b
	i := r.i
	for i < len(b) && !stops[b[i]] {
		i++
	}
	r.i = i
	if i == len(b) {
		return "", r.syntax(field, `a closing quote`)
	}
	switch c := b[i]; {
	case c == '\\':
		return r.escaped(field, start)
	case c < 0x20:
		return "", r.syntax(field, "no control character in a string")
	}
	r.i++
	raw := b[start:i]
	if len(raw) > 64 {
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

func (r *jreader) escaped(field fpath, start int) (string, error) {
	buf := append([]byte(nil), r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return string(buf), nil
		case c < 0x20:
			return "", r.syntax(field, "no control character in a string")
		case c != '\\':
			buf = append(buf, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.b) {
			break
		}
		e := r.b[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			c1, ok := r.hex4()
			if !ok {
				return "", r.syntax(field, "four hex digits after \\u")
			}
			ru := rune(c1)
			if utf16.IsSurrogate(ru) {
				if r.i+1 < len(r.b) && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
					r.i += 2
					c2, ok := r.hex4()
					if !ok {
						return "", r.syntax(field, "four hex digits after \\u")
					}
					ru = utf16.DecodeRune(ru, rune(c2))
				} else {
					ru = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, ru)
		default:
			r.i--
			return "", r.syntax(field, "an escape such as \\n or \\u00e9")
		}
	}
	return "", r.syntax(field, "a closing quote")
}

func (r *jreader) hex4() (int, bool) {
	if r.i+4 > len(r.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(r.b[r.i:r.i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	r.i += 4
	return int(v), true
}

// number reads a number in the grammar of RFC 8259 and returns its text.
func (r *jreader) number(field fpath) ([]byte, error) {
	c := r.peek()
	if c != '-' && (c < '0' || c > '9') {
		return nil, r.typeError(field, "a number")
	}
	b := r.b
	start := r.i
	i := start
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		r.i = i
		return nil, r.syntax(field, "a digit")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			r.i = i
			return nil, r.syntax(field, "a digit after the decimal point")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			r.i = i
			return nil, r.syntax(field, "a digit in the exponent")
		}
	}
	r.i = i
	return b[start:i], nil
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
			if r.null() {
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
			if r.null() {
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

package parley

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// CheckJSON checks that b is one JSON value in the grammar of RFC 8259,
// with nothing after it but white space, valid UTF-8, nested at most
// MaxJSONDepth deep, with no string holding a lone UTF-16 surrogate escape
// and no object holding two member names that are equal, or equal under
// case folding (strings.EqualFold), once unescaped. Decoders differ on
// repeated names, and Go's matches names without regard to case; refusing
// both keeps every verifier's reading of a signed event the same.
func CheckJSON(b []byte) error {
	return checkJSON(b, nil)
}

// checkJSON is CheckJSON that also checks member names against sh, the
// shape of the Go value b is to be decoded into: every member of an object
// decoded into a struct must be named exactly as one of its fields. A name
// that is not gives a *memberError.
func checkJSON(b []byte, sh *shape) error {
	return checkJSONInto(b, sh, nil)
}

// checkJSONInto is checkJSON that also notes, when b is an object of shape
// sh, where the value of each of its members is: spans[k] is the value of
// the member named as field k of sh, or zero if there is none, for k below
// maxSpans.
func checkJSONInto(b []byte, sh *shape, spans []span) error {
	if !utf8.Valid(b) {
		n := 0
		for n < len(b) {
			r, size := utf8.DecodeRune(b[n:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			n += size
		}
		return Errorf(EINVALID, "the JSON is not valid UTF-8 (at byte %d)", n)
	}
	s := scanners.Get().(*scanner)
	defer s.release()
	s.Reset(b)
	s.spans = min(len(spans), maxSpans)
	if err := s.value(sh); err != nil {
		return err
	}
	s.Space()
	if s.i != len(b) {
		return Errorf(EINVALID, "unexpected data after the JSON value at byte %d: give one JSON value", s.i)
	}
	copy(spans, s.top[:])
	return nil
}

// scanners holds scanners for reuse, so that a scan allocates nothing
// unless it meets an error, a name with escapes or a large object.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

// release resets s and returns it to scanners, unless it grew large.
func (s *scanner) release() {
	if cap(s.names) > 1024 || cap(s.arena) > 64<<10 {
		return
	}
	*s = scanner{names: s.names[:0], arena: s.arena[:0]}
	scanners.Put(s)
}

// A span is where a value is in the JSON text: b[start:end], or nowhere if
// end is 0.
type span struct{ start, end int }

// A scanner checks one JSON text. It reads it once, from the start, with
// a JSONReader, keeping only the member names of the objects it is in.
type scanner struct {
	JSONReader
	depth int       // objects and arrays open at i
	names []nameRef // the names of the open objects' members so far, innermost object's last
	arena []byte    // the names that hold escapes, unescaped
	spans int       // how many fields of the top-level object to note in top
	top   [maxSpans]span
}

// maxSpans is the most fields of a top-level object checkJSONInto notes.
const maxSpans = 8

// A nameRef is a member name: b[start:end] or, if it holds escapes,
// arena[start:end] unescaped.
type nameRef struct {
	start, end int
	escaped    bool
}

func (s *scanner) name(n nameRef) []byte {
	if n.escaped {
		return s.arena[n.start:n.end]
	}
	return s.b[n.start:n.end]
}

// foldMapAt is the number of members after which an object's names are
// compared through a map of their case-folded forms rather than one by one.
const foldMapAt = 24

// plain marks the bytes that stand for themselves in a JSON string: all but
// the quote, the backslash and the control characters. Bytes from 0x80 are
// parts of UTF-8 sequences, which the caller of JSONReader checks
// (CheckJSON before it reads).
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// A JSONReader reads a JSON text (RFC 8259) a token at a time, as
// strictly as CheckJSON: a string holds no control character, no escape
// but those of JSON and no lone UTF-16 surrogate escape; a number is in
// the grammar of RFC 8259. Its caller reads the objects and arrays and
// checks that the text is valid UTF-8. It is the one strict reader of
// JSON: CheckJSON reads events, payloads and request bodies with it, and
// package agreement its interchange format, field by field, into its own
// types. Its errors are *Error with code EINVALID that say at which byte
// the text goes wrong.
type JSONReader struct {
	b []byte
	i int // the next byte to read
}

// Reset makes r read b from its start.
func (r *JSONReader) Reset(b []byte) { r.b, r.i = b, 0 }

// Text returns the text r reads.
func (r *JSONReader) Text() []byte { return r.b }

// Offset returns the offset in the text of the next byte to read.
func (r *JSONReader) Offset() int { return r.i }

// SetOffset makes r read on from offset i of the text, for a caller that
// has read up to there itself.
func (r *JSONReader) SetOffset(i int) { r.i = i }

// Space skips white space.
func (r *JSONReader) Space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// Peek skips white space and returns the next byte, without reading it,
// or 0 at the end of the text.
func (r *JSONReader) Peek() byte {
	r.Space()
	if r.i == len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// Null skips white space and reads null if it comes next, reporting
// whether it did.
func (r *JSONReader) Null() bool {
	if r.Peek() == 'n' && len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// Syntax returns the error for finding something else than want next,
// a phrase such as Key("a value").
func (r *JSONReader) Syntax(want Phrase) error {
	if r.i >= len(r.b) {
		return Errorf(EINVALID, "the JSON ends early, expected %s", want)
	}
	return Errorf(EINVALID, "the JSON is malformed at byte %d: expected %s, found %s", r.i, want, quoteByte(r.b[r.i]))
}

// malformed returns an error for the JSON at byte i, what is wrong
// there a phrase such as Key("a comma before ']'; remove it").
func (r *JSONReader) malformed(i int, what Phrase) error {
	return Errorf(EINVALID, "the JSON is malformed at byte %d: %s", i, what)
}

// describeValue names the JSON value v for a message: a number as it is
// written, anything else by its type.
func describeValue(v []byte) Phrase {
	switch v[0] {
	case '"':
		return Key("a string")
	case '{':
		return Key("an object")
	case '[':
		return Key("an array")
	case 't', 'f':
		return Key("a boolean")
	case 'n':
		return Key("null")
	}
	return Key("the number %s", truncate(string(v), 40))
}

// quoteByte names a byte for a message: an ASCII character in quotes, or
// a phrase.
func quoteByte(c byte) any {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return Key("a non-ASCII character")
}

func (r *JSONReader) literal(lit string) error {
	if len(r.b)-r.i < len(lit) || string(r.b[r.i:r.i+len(lit)]) != lit {
		j := r.i
		for j < len(r.b) && j-r.i < len(lit) && r.b[j] == lit[j-r.i] {
			j++
		}
		if j == len(r.b) {
			return Errorf(EINVALID, "the JSON ends early, expected %s", lit)
		}
		return r.malformed(r.i, Key("expected %s", lit))
	}
	r.i += len(lit)
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Number reads the number that starts at the next byte, a minus sign or a
// digit, and returns its text: the longest that is a number in the grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, so that "01" is the
// number 0 followed by a 1 the caller refuses.
func (r *JSONReader) Number() ([]byte, error) {
	b, start := r.b, r.i
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && isDigit(b[i]):
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		r.i = i
		return nil, r.Syntax(Key("a digit after '-'"))
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			r.i = i
			return nil, r.Syntax(Key("a digit after the decimal point"))
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			r.i = i
			return nil, r.Syntax(Key("a digit in the exponent"))
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	r.i = i
	return b[start:i:i], nil
}

// ReadString reads the string whose opening quote is the next byte and
// returns its contents, quotes excluded, as they are in the text, and
// whether they hold an escape (AppendUnescapedJSON unescapes them).
func (r *JSONReader) ReadString() (raw []byte, escaped bool, err error) {
	b := r.b
	i := r.i + 1
	start := i
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			r.i = i
			return nil, false, r.Syntax(Key("a closing quote"))
		}
		switch c := b[i]; c {
		case '"':
			r.i = i + 1
			return b[start:i:i], escaped, nil
		case '\\':
			n, err := r.escape(i)
			if err != nil {
				return nil, false, err
			}
			i += n
			escaped = true
		default:
			return nil, false, r.malformed(i, Key("a control character (U+%[1]s) in a string; write it as an escape such as \\u%[1]s", hex4(rune(c))))
		}
	}
}

func hex4(r rune) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[r>>12&15], digits[r>>8&15], digits[r>>4&15], digits[r&15]})
}

// escape checks the escape at b[i] and returns its length in bytes: 2, 6
// for \uXXXX, or 12 for a surrogate pair.
func (r *JSONReader) escape(i int) (int, error) {
	b := r.b
	if i+1 >= len(b) {
		r.i = i + 1
		return 0, r.Syntax(Key("an escaped character after '\\'"))
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
	default:
		return 0, r.malformed(i, Key("'\\' followed by %s is not an escape; JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX", quoteByte(b[i+1])))
	}
	c, ok := hexRune(b, i+2)
	if !ok {
		return 0, r.badHex(i)
	}
	if !utf16.IsSurrogate(c) {
		return 6, nil
	}
	if c < 0xdc00 && i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
		c2, ok := hexRune(b, i+8)
		if !ok {
			return 0, r.badHex(i + 6)
		}
		if 0xdc00 <= c2 && c2 < 0xe000 {
			return 12, nil
		}
	}
	return 0, r.malformed(i, Key("\\u%s is a lone UTF-16 surrogate; a character above U+FFFF is escaped as a pair of them, high then low, or not escaped at all", hex4(c)))
}

func (r *JSONReader) badHex(i int) error {
	if i+6 > len(r.b) {
		r.i = len(r.b)
		return r.Syntax(Key("four hexadecimal digits after \\u"))
	}
	return r.malformed(i, Key("expected four hexadecimal digits after \\u"))
}

// hexRune decodes the four hexadecimal digits at b[i:].
func hexRune(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// AppendUnescapedJSON appends to dst the contents raw of a string that
// ReadString read, unescaped.
func AppendUnescapedJSON(dst, raw []byte) []byte {
	out, b := dst, raw
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch b[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hexRune(b, i+2)
			i += 6
			if utf16.IsSurrogate(r) {
				r2, _ := hexRune(b, i+2)
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // " \ /
			out = append(out, b[i+1])
		}
		i += 2
	}
	return out
}

// value scans one value, after optional white space.
func (s *scanner) value(sh *shape) error {
	s.Space()
	if s.i >= len(s.b) {
		return s.Syntax(Key("a value"))
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(sh)
	case c == '[':
		return s.array(sh)
	case c == '"':
		_, _, err := s.ReadString()
		return err
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.Syntax(Key("a value"))
}

// number scans a number, refusing one with a leading zero.
func (s *scanner) number() error {
	if _, err := s.Number(); err != nil {
		return err
	}
	if s.i < len(s.b) && isDigit(s.b[s.i]) {
		// Only a number whose integer part is a lone 0 stops before a
		// digit.
		return s.malformed(s.i-1, Key("a number starts with 0 and another digit; write it without leading zeros"))
	}
	return nil
}

func (s *scanner) open() error {
	if s.depth == MaxJSONDepth {
		return Errorf(EINVALID, "the JSON is nested more than %d deep (at byte %d)", MaxJSONDepth, s.i)
	}
	s.depth++
	s.i++
	return nil
}

// object scans an object whose members are checked against sh.
func (s *scanner) object(sh *shape) error {
	if err := s.open(); err != nil {
		return err
	}
	first, arena := len(s.names), len(s.arena)
	var folded map[string]int // the members' folded names, once there are many
	s.Space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			if s.i < len(s.b) && s.b[s.i] == '}' {
				return s.malformed(s.i, Key("a comma before '}'; remove it"))
			}
			return s.Syntax(Key("a member name in quotes"))
		}
		start := s.i + 1
		raw, escaped, err := s.ReadString()
		if err != nil {
			return err
		}
		ref := nameRef{start, start + len(raw), false}
		if escaped {
			ref = nameRef{len(s.arena), 0, true}
			s.arena = AppendUnescapedJSON(s.arena, raw)
			ref.end = len(s.arena)
		}
		name := s.name(ref)
		names := s.names[first:]
		if folded == nil && len(names) == foldMapAt {
			folded = make(map[string]int, 2*foldMapAt)
			for k, n := range names {
				folded[foldKey(s.name(n))] = k
			}
		}
		if folded == nil {
			for _, n := range names {
				if bytes.EqualFold(s.name(n), name) {
					return repeated(start-1, s.name(n), name)
				}
			}
		} else {
			key := foldKey(name)
			if k, ok := folded[key]; ok {
				return repeated(start-1, s.name(names[k]), name)
			}
			folded[key] = len(names)
		}
		s.names = append(s.names, ref)
		var child *shape
		k := -1
		if sh != nil {
			if child, k, err = sh.member(name); err != nil {
				return err
			}
		}
		s.Space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.Syntax(Key("':' after the member name"))
		}
		s.i++
		s.Space()
		at := s.i
		if err := s.value(child); err != nil {
			if me, ok := err.(*memberError); ok {
				me.path = append(me.path, string(s.name(ref)))
			}
			return err
		}
		if s.depth == 1 && k >= 0 && k < s.spans {
			s.top[k] = span{at, s.i}
		}
		s.Space()
		if s.i >= len(s.b) {
			return s.Syntax(Key("',' or '}'"))
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.Space()
			continue
		case '}':
			s.i++
			s.names, s.arena = s.names[:first], s.arena[:arena]
			s.depth--
			return nil
		}
		return s.Syntax(Key("',' or '}'"))
	}
}

// repeated returns the error for an object with the member names a and b
// (b at byte i), which fold together.
func repeated(i int, a, b []byte) error {
	if bytes.Equal(a, b) {
		return Errorf(EINVALID, "the JSON has the key %q twice in one object (at byte %d)", truncate(string(b), 60), i)
	}
	// Quoted in ASCII, names that look alike (K and the Kelvin sign K) show
	// how they differ.
	quote := strconv.Quote
	if !isASCII(a) || !isASCII(b) {
		quote = strconv.QuoteToASCII
	}
	return Errorf(EINVALID, "the JSON has the keys %s and %s in one object (at byte %d): they differ only in case, and decoders that ignore case take them for one; use one exact name", quote(truncate(string(a), 60)), quote(truncate(string(b), 60)), i)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldKey returns name with every character replaced by the least one it
// equals under simple case folding, so that foldKey(a) == foldKey(b)
// exactly when bytes.EqualFold(a, b).
func foldKey(name []byte) string {
	out := make([]byte, 0, len(name))
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(name[i:])
		i += size
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		out = utf8.AppendRune(out, least)
	}
	return string(out)
}

// array scans an array whose elements are checked against sh's elements.
func (s *scanner) array(sh *shape) error {
	if err := s.open(); err != nil {
		return err
	}
	var elem *shape
	if sh != nil && !sh.isMap && sh.fields == nil {
		elem = sh.elem
	}
	s.Space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return nil
	}
	for k := 0; ; k++ {
		if err := s.value(elem); err != nil {
			if me, ok := err.(*memberError); ok {
				me.path = append(me.path, "["+strconv.Itoa(k)+"]")
			}
			return err
		}
		s.Space()
		if s.i >= len(s.b) {
			return s.Syntax(Key("',' or ']'"))
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.Space()
			if s.i < len(s.b) && s.b[s.i] == ']' {
				return s.malformed(s.i, Key("a comma before ']'; remove it"))
			}
			continue
		case ']':
			s.i++
			s.depth--
			return nil
		}
		return s.Syntax(Key("',' or ']'"))
	}
}

// A shape is what checkJSON knows of the Go type a JSON value is decoded
// into: the names of a struct's fields, or the shape of a slice's, array's
// or map's elements. A nil *shape checks nothing.
type shape struct {
	fields []field // a struct's fields; nil for other types
	elem   *shape  // the shape of a slice's, array's or map's elements
	isMap  bool    // a map: any member name, with the values of shape elem
}

type field struct {
	name  string
	shape *shape
}

// member returns the shape of the member name of an object of shape sh,
// and the index of the field it names, or -1.
func (sh *shape) member(name []byte) (*shape, int, error) {
	switch {
	case sh.isMap:
		return sh.elem, -1, nil
	case sh.fields == nil && sh.elem != nil:
		return nil, -1, nil // an object where an array goes; the decoder refuses it
	}
	for k, f := range sh.fields {
		if f.name == string(name) {
			return f.shape, k, nil
		}
	}
	me := &memberError{path: []string{string(name)}}
	for _, f := range sh.fields {
		if strings.EqualFold(f.name, string(name)) {
			me.want = f.name
			return nil, -1, me
		}
		me.fields = append(me.fields, f.name)
	}
	return nil, -1, me
}

// A memberError reports a member name that is not exactly the name of a
// field.
type memberError struct {
	path   []string // the member, then the members and indices it is in, innermost first
	want   string   // the field the name differs from only in case, if any
	fields []string // the fields, if none
}

func (e *memberError) Error() string { return e.error().Message }

// member returns the member's path: "a.b[2].c".
func (e *memberError) member() string {
	var p strings.Builder
	for k := len(e.path) - 1; k >= 0; k-- {
		if p.Len() > 0 && !strings.HasPrefix(e.path[k], "[") {
			p.WriteByte('.')
		}
		p.WriteString(e.path[k])
	}
	return truncate(p.String(), 120)
}

// error returns the *Error that says e.
func (e *memberError) error() *Error {
	switch {
	case e.want != "":
		return Errorf(EINVALID, "member %q is not a field; did you mean %q?", e.member(), e.want)
	case len(e.fields) == 0:
		return Errorf(EINVALID, "member %q is an unknown field: this object has no fields", e.member())
	}
	return Errorf(EINVALID, "member %q is an unknown field: the fields are %s", e.member(), strings.Join(e.fields, ", "))
}

// eventError returns the *Error that says e in an event.
func (e *memberError) eventError() *Error {
	switch {
	case e.want != "":
		return Errorf(EINVALID, "event member %q is not a field; did you mean %q?", e.member(), e.want)
	case len(e.fields) == 0:
		return Errorf(EINVALID, "event member %q is an unknown field: this object has no fields", e.member())
	}
	return Errorf(EINVALID, "event member %q is an unknown field: the fields are %s", e.member(), strings.Join(e.fields, ", "))
}

// shapes caches shapeOf by type.
var shapes sync.Map // reflect.Type → *shape

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// shapeOf returns the shape of values of type t for checkJSON.
func shapeOf(t reflect.Type) *shape {
	if t == nil {
		return nil
	}
	if sh, ok := shapes.Load(t); ok {
		return sh.(*shape)
	}
	sh := buildShape(t, map[reflect.Type]*shape{})
	shapes.Store(t, sh)
	return sh
}

// buildShape returns the shape of t as encoding/json decodes it: the
// fields of structs, followed through pointers, slices, arrays and maps,
// and nothing for types that decode themselves (json.RawMessage,
// time.Time and other Unmarshalers) or for interfaces. building holds the
// shapes being built, for recursive types.
func buildShape(t reflect.Type, building map[reflect.Type]*shape) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	if sh, ok := building[t]; ok {
		return sh
	}
	switch t.Kind() {
	case reflect.Struct:
		sh := &shape{fields: []field{}}
		building[t] = sh
		sh.fields = structFields(t, building, sh.fields, map[string]bool{}, map[reflect.Type]bool{t: true})
		return sh
	case reflect.Slice, reflect.Array:
		sh := &shape{}
		building[t] = sh
		if sh.elem = buildShape(t.Elem(), building); sh.elem == nil {
			return nil
		}
		return sh
	case reflect.Map:
		sh := &shape{isMap: true}
		building[t] = sh
		if sh.elem = buildShape(t.Elem(), building); sh.elem == nil {
			return nil
		}
		return sh
	}
	return nil
}

// structFields appends the JSON fields of struct type t to fields: its
// exported fields under their tag names, then the fields of its untagged
// embedded structs that no field before them names. named holds the names
// so far; within, the embedded types being visited.
func structFields(t reflect.Type, building map[reflect.Type]*shape, fields []field, named map[string]bool, within map[reflect.Type]bool) []field {
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous {
			if !f.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
		} else if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !validTagName(name) {
			name = ""
		}
		if name == "" && f.Anonymous && ft.Kind() == reflect.Struct {
			embedded = append(embedded, ft)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if named[name] {
			continue
		}
		named[name] = true
		var sh *shape
		if !hasOption(opts, "string") {
			sh = buildShape(f.Type, building)
		}
		fields = append(fields, field{name, sh})
	}
	for _, et := range embedded {
		if within[et] {
			continue
		}
		within[et] = true
		fields = structFields(et, building, fields, named, within)
		delete(within, et)
	}
	return fields
}

func hasOption(opts, o string) bool {
	for opts != "" {
		var v string
		v, opts, _ = strings.Cut(opts, ",")
		if v == o {
			return true
		}
	}
	return false
}

// validTagName reports whether encoding/json takes name from a tag as the
// field's name: letters, digits and the punctuation it allows.
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", r):
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			return false
		}
	}
	return true
}

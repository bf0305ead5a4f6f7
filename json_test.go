package parley_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// validJSON is JSON that CheckJSON accepts.
var validJSON = []string{
	`{}`, `[]`, `1`, `"x"`, `true`, `false`, `null`, " \t\r\n{ } \t\r\n",
	`{"a":{"a":1},"b":[{"a":1},{"a":2}]}`,
	`0`, `-0`, `-1`, `10`, `1.5`, `-0.0e-0`, `1e5`, `1E+5`, `1e-5`, `123456789012345678901234567890`,
	`"\"\\\/\b\f\n\r\t"`, `"\u0000\u001f\u00e9\uFFFD"`, `"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"😀é€"`, "\"\x7f\"",
	`{"a":1,"b":2,"A_":3}`, `{"ss":1,"ß":2}`, `{"k":1,"ĸ":2}`, `{"":1," ":2}`,
	`{"\u006bind":1}`, `{"a\u0000":1,"a":2}`,
	`[1,"a",true,false,null,{},[],-1.5e3]`,
	strings.Repeat("[", parley.MaxJSONDepth) + strings.Repeat("]", parley.MaxJSONDepth),
	strings.Repeat(`{"a":`, parley.MaxJSONDepth-1) + "[]" + strings.Repeat("}", parley.MaxJSONDepth-1),
}

func TestCheckJSONAccepts(t *testing.T) {
	for _, ok := range validJSON {
		if err := parley.CheckJSON([]byte(ok)); err != nil {
			t.Errorf("CheckJSON(%s) = %v, want nil", ok, err)
		}
	}
}

// manyMembers returns the members "m0":0, ..., "m<n-1>":0 and a comma, to
// put before others in an object, so that CheckJSON compares names through
// its map.
func manyMembers(n int) string {
	var b strings.Builder
	for k := range n {
		fmt.Fprintf(&b, `"m%d":0,`, k)
	}
	return b.String()
}

// invalidJSON is JSON that CheckJSON refuses, with a part of the message
// it gives.
var invalidJSON = []struct {
	name, in, want string
}{
	{"empty", ``, "ends early"},
	{"white space", " \n", "ends early"},
	{"open object", `{`, "ends early"},
	{"open array", `[1`, "ends early"},
	{"open string", `"abc`, "ends early"},

	{"duplicate", `{"a":1,"a":1}`, "twice"},
	{"nested duplicate", `[{"a":1,"b":{"c":1,"c":2}}]`, "twice"},
	{"escaped duplicate", `{"kind":1,"\u006bind":2}`, "twice"},
	{"escaped duplicate, both", `{"\u006bind":1,"\u006Bind":2}`, "twice"},
	{"escaped slash duplicate", `{"a/b":1,"a\/b":2}`, "twice"},
	{"case variant", `{"kind":1,"Kind":2}`, "differ only in case"},
	{"upper case variant", `{"KIND":1,"kind":2}`, "differ only in case"},
	{"escaped case variant", `{"kind":1,"\u004bind":2}`, "differ only in case"},
	{"Kelvin sign", `{"kind":1,"\u212aind":2}`, "differ only in case"},
	{"Kelvin sign, unescaped", `{"Kind":1,"` + "\u212a" + `ind":2}`, "differ only in case"},
	{"long s", `{"s":1,"ſ":2}`, "differ only in case"},
	{"sigma", `{"σ":1,"ς":2}`, "differ only in case"},
	{"nested case variant", `{"payload":{"text":1,"Text":2}}`, "differ only in case"},
	{"case variant in an array", `[{},{"x":1,"X":1}]`, "differ only in case"},
	{"duplicate in a large object", `{` + manyMembers(40) + `"m7":1}`, "twice"},
	{"case variant in a large object", `{` + manyMembers(40) + `"M39":1}`, "differ only in case"},
	{"Kelvin sign in a large object", `{"k":0,` + manyMembers(40) + `"\u212a":1}`, "differ only in case"},

	{"lone high surrogate", `"\ud800"`, "surrogate"},
	{"lone low surrogate", `"\udc00"`, "surrogate"},
	{"high surrogate at the end", `"a\uDBFF"`, "surrogate"},
	{"high surrogate, then a character", `"\ud800\u0041"`, "surrogate"},
	{"high surrogate, then an escape", `"\ud800\n"`, "surrogate"},
	{"two high surrogates", `"\ud800\ud800"`, "surrogate"},
	{"surrogates reversed", `"\udc00\ud800"`, "surrogate"},
	{"lone surrogate in a name", `{"\ud800":1}`, "surrogate"},
	{"high surrogate, then bad hex", `"\ud800\u00g0"`, "hexadecimal"},

	{"invalid UTF-8", "\"\xff\"", "UTF-8"},
	{"invalid UTF-8 in a name", "{\"\xfe\":1}", "UTF-8"},
	{"overlong UTF-8", "\"\xc0\xaf\"", "UTF-8"},
	{"UTF-8 surrogate", "\"\xed\xa0\x80\"", "UTF-8"},
	{"truncated UTF-8", "\"\xe2\x82\"", "UTF-8"},
	{"non-ASCII after the value", "[1]\xc3\xa9", "after the JSON value"},
	{"non-ASCII for a value", "[\xc3\xa9]", "found a non-ASCII character"},

	{"leading zero", `01`, "leading zeros"},
	{"negative leading zero", `-01`, "leading zeros"},
	{"leading zeros in an array", `[00]`, "leading zeros"},
	{"point without digits", `1.`, "decimal point"},
	{"point, then an exponent", `1.e5`, "decimal point"},
	{"minus alone", `-`, "digit after '-'"},
	{"minus, then a point", `-.5`, "digit after '-'"},
	{"point first", `.5`, "value"},
	{"plus", `+1`, "value"},
	{"exponent without digits", `1e`, "exponent"},
	{"signed exponent without digits", `1e+`, "exponent"},
	{"hex", `0x10`, "after the JSON value"},
	{"NaN", `NaN`, "value"},
	{"Infinity", `-Infinity`, "digit after '-'"},

	{"trailing comma in an array", `[1,]`, "comma before ']'"},
	{"trailing comma in an object", `{"a":1,}`, "comma before '}'"},
	{"trailing comma after white space", "[1, \n]", "comma before ']'"},
	{"comma alone in an array", `[,]`, "value"},
	{"comma alone in an object", `{,}`, "member name"},
	{"two commas", `[1,,2]`, "value"},
	{"no comma", `[1 2]`, "',' or ']'"},
	{"no colon", `{"a" 1}`, "':'"},
	{"no value", `{"a":}`, "value"},
	{"bare name", `{a:1}`, "member name"},
	{"single quotes", `{'a':1}`, "member name"},
	{"number as a name", `{1:1}`, "member name"},
	{"unclosed", `{"a":1`, "ends early"},
	{"mismatched", `[1}`, "',' or ']'"},

	{"tru", `tru`, "ends early"},
	{"nul", `[nul]`, "null"},
	{"True", `True`, "value"},
	{"nulL", `nulL`, "null"},

	{"raw tab in a string", "\"a\tb\"", "control character"},
	{"raw newline in a name", "{\"a\nb\":1}", "control character"},
	{"NUL in a string", "\"\x00\"", "control character"},
	{"bad escape", `"\x41"`, "not an escape"},
	{"escaped quote", `"\'"`, "not an escape"},
	{"short \\u", `"\u12"`, "hexadecimal"},
	{"bad hex", `"\u12g4"`, "hexadecimal"},
	{"backslash at the end", `"\`, "ends early"},

	{"deep arrays", strings.Repeat("[", parley.MaxJSONDepth+1) + strings.Repeat("]", parley.MaxJSONDepth+1), "nested"},
	{"deep objects", strings.Repeat(`{"a":`, parley.MaxJSONDepth+1) + "1" + strings.Repeat("}", parley.MaxJSONDepth+1), "nested"},
	{"very deep", strings.Repeat("[", 100000), "nested"},

	{"two values", `{} {}`, "after the JSON value"},
	{"two numbers", `1 2`, "after the JSON value"},
	{"garbage after", `[]x`, "after the JSON value"},
	{"closing bracket after", `[]]`, "after the JSON value"},
}

func TestCheckJSONRefuses(t *testing.T) {
	for _, tt := range invalidJSON {
		t.Run(tt.name, func(t *testing.T) {
			err := parley.CheckJSON([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckJSON(%q) = %v, want an error mentioning %s", truncated(tt.in), err, tt.want)
			}
			if got := parley.ErrorCode(err); got != parley.EINVALID {
				t.Errorf("CheckJSON(%q): code %q, want %q", truncated(tt.in), got, parley.EINVALID)
			}
		})
	}
}

func truncated(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// TestCheckJSONFolding checks that two member names are refused exactly
// when strings.EqualFold says they are equal, both in a small object and
// in one large enough for CheckJSON to compare names through a map.
func TestCheckJSONFolding(t *testing.T) {
	names := []string{
		"k", "K", "\u212a", "s", "S", "\u017f", "ss", "ß", "ẞ", "σ", "Σ", "ς",
		"i", "I", "İ", "ı", "ǆ", "ǅ", "Ǆ", "Ω", "ω", "\u2126", "µ", "μ", "Μ",
		"kind", "Kind", "KIND", "\u212aind", "a", "é", "É", "\u0000", "",
	}
	for _, a := range names {
		for _, b := range names {
			if a == b {
				continue
			}
			for _, before := range []int{0, 40} {
				in := fmt.Sprintf(`{%s%s:1,%s:2}`, manyMembers(before), jsonString(t, a), jsonString(t, b))
				err := parley.CheckJSON([]byte(in))
				if want := strings.EqualFold(a, b); (err != nil) != want {
					t.Errorf("names %q and %q after %d others: CheckJSON = %v, want an error: %v", a, b, before, err, want)
				}
			}
		}
	}
}

func jsonString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// refCheckJSON is what CheckJSON checks, written with encoding/json's
// tokens: json.Valid and valid UTF-8, depth at most MaxJSONDepth, and no
// object with two names that strings.EqualFold finds equal.
func refCheckJSON(b []byte) error {
	if !utf8.Valid(b) || !json.Valid(b) {
		return fmt.Errorf("invalid")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	type frame struct {
		object bool
		keys   []string
		key    bool // the next token in an object is a key
	}
	var stack []frame
	for {
		t, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			top := &stack[n-1]
			if top.key {
				if k, ok := t.(string); ok {
					for _, seen := range top.keys {
						if strings.EqualFold(seen, k) {
							return fmt.Errorf("the names %q and %q", seen, k)
						}
					}
					top.keys = append(top.keys, k)
					top.key = false
					continue
				}
			} else {
				top.key = true
			}
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			if len(stack) == parley.MaxJSONDepth {
				return fmt.Errorf("too deep")
			}
			obj := t == json.Delim('{')
			stack = append(stack, frame{object: obj, key: obj})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].key = true
			}
		}
	}
}

var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F]`)

// FuzzCheckJSON compares CheckJSON with refCheckJSON. They must agree,
// except that CheckJSON refuses lone surrogate escapes, which encoding/json
// reads as U+FFFD.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range validJSON {
		f.Add([]byte(s))
	}
	for _, tt := range invalidJSON {
		if len(tt.in) < 1000 {
			f.Add([]byte(tt.in))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := parley.CheckJSON(b)
		ref := refCheckJSON(b)
		switch {
		case err == nil && ref != nil:
			t.Fatalf("CheckJSON accepts %q; the reference refuses it: %v (json.Valid %v, utf8.Valid %v)", b, ref, json.Valid(b), utf8.Valid(b))
		case err != nil && parley.ErrorCode(err) != parley.EINVALID:
			t.Fatalf("CheckJSON(%q) = %v, with code %q", b, err, parley.ErrorCode(err))
		case err != nil && ref == nil && !(strings.Contains(err.Error(), "lone UTF-16 surrogate") && surrogateEscape.Match(b)):
			t.Fatalf("CheckJSON refuses %q: %v; the reference accepts it", b, err)
		}
	})
}

// TestJSONReader reads tokens one at a time, as package agreement does.
func TestJSONReader(t *testing.T) {
	var r parley.JSONReader
	r.Reset([]byte(` null "a\u00e9\n" 01 -2.5e3 "b`))
	if !r.Null() || r.Offset() != 5 {
		t.Fatalf("Null: offset %d, want 5 after the null", r.Offset())
	}
	if c := r.Peek(); c != '"' {
		t.Fatalf("Peek = %q, want the quote", c)
	}
	raw, escaped, err := r.ReadString()
	if err != nil || string(raw) != `a\u00e9\n` || !escaped {
		t.Fatalf("ReadString = %q, %v, %v; want the escaped contents", raw, escaped, err)
	}
	if got := string(parley.AppendUnescapedJSON([]byte("x"), raw)); got != "xaé\n" {
		t.Errorf("AppendUnescapedJSON = %q, want %q", got, "xaé\n")
	}
	// A number is the longest the grammar allows: 0, before a 1 the
	// caller refuses.
	r.Peek()
	if n, err := r.Number(); err != nil || string(n) != "0" || r.Offset() != 19 {
		t.Fatalf("Number = %q, %v at %d; want 0, up to offset 19", n, err, r.Offset())
	}
	r.SetOffset(20)
	if r.Null() {
		t.Fatal("Null read something else than null")
	}
	if n, err := r.Number(); err != nil || string(n) != "-2.5e3" {
		t.Fatalf("Number = %q, %v; want -2.5e3", n, err)
	}
	r.Peek()
	if _, _, err := r.ReadString(); err == nil || err.Error() != "the JSON ends early, expected a closing quote" {
		t.Errorf("ReadString of an open string: %v", err)
	}
	if err := r.Syntax(parley.Key("a value")); err == nil || !strings.Contains(err.Error(), "ends early, expected a value") {
		t.Errorf("Syntax at the end: %v", err)
	}
}

// FuzzJSONReaderString checks that a string ReadString accepts reads,
// unescaped, as encoding/json reads it.
func FuzzJSONReaderString(f *testing.F) {
	for _, s := range []string{`a`, `\"\\\/\b\f\n\r\t`, `\u00e9\ud83d\ude00`, `é😀`, `\ud800`, `a\u00g0`, "\x01", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := []byte(`"` + s + `"`)
		var r parley.JSONReader
		r.Reset(in)
		raw, _, err := r.ReadString()
		if err != nil || r.Offset() != len(in) || !utf8.Valid(in) {
			return
		}
		var want string
		if err := json.Unmarshal(in, &want); err != nil {
			t.Fatalf("ReadString accepts %q; encoding/json: %v", in, err)
		}
		if got := string(parley.AppendUnescapedJSON(nil, raw)); got != want {
			t.Fatalf("%q unescaped: got %q, encoding/json %q", in, got, want)
		}
	})
}

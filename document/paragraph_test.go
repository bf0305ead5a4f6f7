package document

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// dump writes a tree unambiguously: text quoted, a bracket as {alt|alt},
// a label as @name= before its alternative.
func dump(p *Paragraph) string {
	var b strings.Builder
	dumpSegments(&b, p.Segments)
	return b.String()
}

func dumpSegments(b *strings.Builder, segs []Segment) {
	for _, s := range segs {
		if s.Bracket == nil {
			b.WriteString(strconv.Quote(s.Text))
			continue
		}
		b.WriteByte('{')
		for i, a := range s.Bracket.Alternatives {
			if i > 0 {
				b.WriteByte('|')
			}
			if a.Label != "" {
				b.WriteString("@" + a.Label + "=")
			}
			dumpSegments(b, a.Segments)
		}
		b.WriteByte('}')
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		in, tree, canonical string // canonical "" means in
	}{
		{"", ``, ""},
		{"Plain text.", `"Plain text."`, ""},
		{
			"The parties [[shall || should]] release [[all detainees || detainees on an agreed list]] within [[30]] days.",
			`"The parties "{"shall"|"should"}" release "{"all detainees"|"detainees on an agreed list"}" within "{"30"}" days."`,
			"",
		},
		{"[[ shall ||should\t ]]", `{"shall"|"should"}`, "[[shall || should]]"},
		{"[[a||b||c]]", `{"a"|"b"|"c"}`, "[[a || b || c]]"},
		{
			"[[release [[all || some]] detainees || exchange lists]] now",
			`{"release "{"all"|"some"}" detainees"|"exchange lists"}" now"`,
			"",
		},
		{"[[[[a]]]]", `{{"a"}}`, ""},
		{"[[@gov shall || @opp.A-1 should]]", `{@gov="shall"|@opp.A-1="should"}`, ""},
		{"[[@gov   shall||@opp should]]", `{@gov="shall"|@opp="should"}`, "[[@gov shall || @opp should]]"},
		{"[[@gov || @opp delete]]", `{@gov=|@opp="delete"}`, ""},
		{"[[x || @gov]]", `{"x"|@gov=}`, ""},
		{"[[@gov||x]]", `{@gov=|"x"}`, "[[@gov || x]]"},
		{"[[@gov @x]]", `{@gov="@x"}`, ""},
		{`[[\@home]]`, `{"@home"}`, ""},
		{`\@x and a@b and [[a @b]]`, `"@x and a@b and "{"a @b"}`, `@x and a@b and [[a @b]]`},
		{"[[shall || ]]", `{"shall"|}`, ""},
		{"[[ || shall]]", `{|"shall"}`, ""},
		{"[[a ||  || b]]", `{"a"||"b"}`, "[[a ||  || b]]"},
		{`a \[[b\]] c \|| d \\ e`, `"a [[b]] c || d \\ e"`, ""},
		{`\[\]\|`, `"[]|"`, `[]|`},
		{"Article 5 [sic] a|b [x] ]", `"Article 5 [sic] a|b [x] ]"`, ""},
		{"[[[a]]]", `{"[a"}"]"`, ""},
		{`a\[[[b]]`, `"a["{"b"}`, ""},
		{`[[a\]]]`, `{"a]"}`, ""},
		{`[[a| || b]]`, `{"a|"|"b"}`, ""},
		{`[[\|| || b]]`, `{"||"|"b"}`, ""},
		{`[[\ a\ ]]`, `{" a "}`, ""},
		{`[[\  a \ ]]`, `{"  a  "}`, ""},
		{"[[\\\tx]]", `{"\tx"}`, ""},
		{`[[\ ]]`, `{" "}`, ""},
		{"[[a [[b]] c]]", `{"a "{"b"}" c"}`, ""},
		{"  lead and trail\t ", `"  lead and trail\t "`, ""},
		{"a\tb", `"a\tb"`, ""},
		{
			"يلتزم الطرفان [[بالإفراج || بالنظر في الإفراج]] عن المحتجزين",
			`"يلتزم الطرفان "{"بالإفراج"|"بالنظر في الإفراج"}" عن المحتجزين"`,
			"",
		},
		{"Стороны [[обязуются || договорились]] освободить", `"Стороны "{"обязуются"|"договорились"}" освободить"`, ""},
		{"a\u202Eb\u2066c", `"a\u202eb\u2066c"`, ""},
		{strings.Repeat("[[", MaxDepth) + "x" + strings.Repeat("]]", MaxDepth), strings.Repeat("{", MaxDepth) + `"x"` + strings.Repeat("}", MaxDepth), ""},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := dump(p); got != tt.tree {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.tree)
		}
		want := tt.canonical
		if want == "" {
			want = tt.in
		}
		if got := p.String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in, code, msg string
	}{
		{"a\xffb", parley.EINVALID, "at column 2: invalid UTF-8 (byte 0xFF); send the text encoded as UTF-8"},
		{"عن\xc3", parley.EINVALID, "at column 3: invalid UTF-8 (byte 0xC3); send the text encoded as UTF-8"},
		{"one\ntwo", parley.EINVALID, "at column 4: line break (U+000A) inside a paragraph; make each line a paragraph of its own"},
		{"one\r\ntwo", parley.EINVALID, "at column 4: line break (U+000D) inside a paragraph; make each line a paragraph of its own"},
		{"one\u2029two", parley.EINVALID, "at column 4: line break (U+2029) inside a paragraph; make each line a paragraph of its own"},
		{"a\x00", parley.EINVALID, "at column 2: control character U+0000; remove it"},
		{"a\x1b[31m", parley.EINVALID, "at column 2: control character U+001B; remove it"},
		{"a\x7f", parley.EINVALID, "at column 2: control character U+007F; remove it"},
		{"a\u0085", parley.EINVALID, "at column 2: control character U+0085; remove it"},
		{
			"The party [[shall || should]] release [[all detainees",
			parley.EINVALID,
			`at column 54: unclosed bracket opened at column 39; close it with "]]"`,
		},
		{
			"The parties [[shall || [[should]] release",
			parley.EINVALID,
			`at column 42: unclosed bracket opened at column 13; close it with "]]"`,
		},
		{"عن [[x", parley.EINVALID, `at column 7: unclosed bracket opened at column 4; close it with "]]"`},
		{"a ]] b", parley.EINVALID, `at column 3: "]]" closes no bracket; remove it, or write \]] for literal "]]"`},
		{"[[a]]]]", parley.EINVALID, `at column 6: "]]" closes no bracket; remove it, or write \]] for literal "]]"`},
		{"shall || should", parley.EINVALID, `at column 7: "||" outside a bracket; put the alternatives between "[[" and "]]", or write \|| for literal "||"`},
		{"a [[]] b", parley.EINVALID, `at column 3: empty bracket; write its text between "[[" and "]]", or remove the bracket`},
		{"a [[ || ]] b", parley.EINVALID, `at column 3: empty bracket; write its text between "[[" and "]]", or remove the bracket`},
		{"[[@gov]]", parley.EINVALID, `at column 1: empty bracket; write its text between "[[" and "]]", or remove the bracket`},
		{`a\`, parley.EINVALID, `at column 2: "\" at the end of the paragraph; write \\ for a backslash`},
		{`C:\path`, parley.EINVALID, `at column 3: unknown escape "\p"; write \\ for a backslash (\ escapes only \ [ ] | @, space and tab)`},
		{`\ب`, parley.EINVALID, `at column 1: unknown escape "\ب"; write \\ for a backslash (\ escapes only \ [ ] | @, space and tab)`},
		{"[[@ x]]", parley.EINVALID, `at column 3: a label is "@", a name of letters, digits or _.:- and a space, as in "[[@gov shall || @opp should]]"; write \@ for a literal "@"`},
		{"[[x || @gov|x]]", parley.EINVALID, `at column 8: a label is "@", a name of letters, digits or _.:- and a space, as in "[[@gov shall || @opp should]]"; write \@ for a literal "@"`},
		{"[[@حكومة x]]", parley.EINVALID, `at column 3: a label is "@", a name of letters, digits or _.:- and a space, as in "[[@gov shall || @opp should]]"; write \@ for a literal "@"`},
		{"[[@" + strings.Repeat("g", 65) + " x]]", parley.EINVALID, "at column 3: label longer than 64 characters; shorten it"},
		{
			strings.Repeat("[[", MaxDepth+1) + "x" + strings.Repeat("]]", MaxDepth+1),
			parley.EINVALID,
			`at column 17: brackets nested more than 8 deep; simplify the text, or write \[[ for literal "[["`,
		},
		{strings.Repeat("a", parley.MaxTextSize+1), parley.ETOOLARGE, "the paragraph is 65537 bytes, more than the limit of 65536; split it into several paragraphs"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want error %q", tt.in, dump(p), tt.msg)
			continue
		}
		e, ok := err.(*parley.Error)
		if !ok {
			t.Errorf("Parse(%q) error is %T, want *parley.Error", tt.in, err)
			continue
		}
		if e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("Parse(%q) error = %s %q,\nwant %s %q", tt.in, e.Code, e.Message, tt.code, tt.msg)
		}
	}
}

func TestParseMaxTextSize(t *testing.T) {
	p := strings.Repeat("ب", parley.MaxTextSize/2)
	if _, err := Parse(p); err != nil {
		t.Errorf("Parse of %d bytes: %v", len(p), err)
	}
}

// The alphabet of generated text: markup characters, blanks, Arabic,
// Cyrillic, Chinese, a bidi control.
var textRunes = []rune{'a', 'b', 'x', ' ', ' ', '\t', '[', ']', '|', '\\', '@', ':', '-', 'ب', 'ж', '中', '\u202E'}

func genParagraph(t *rapid.T) *Paragraph {
	budget := rapid.IntRange(0, 40).Draw(t, "budget")
	return &Paragraph{Segments: genSegments(t, 0, &budget)}
}

// genSegments generates normalized segments inside depth brackets, making
// at most *budget segments and alternatives in all.
func genSegments(t *rapid.T, depth int, budget *int) []Segment {
	n := rapid.IntRange(0, 4).Draw(t, "segments")
	var segs []Segment
	for range n {
		if *budget <= 0 {
			break
		}
		*budget--
		text := len(segs) == 0 || segs[len(segs)-1].Bracket != nil
		if text && rapid.Bool().Draw(t, "text") || depth == MaxDepth {
			if !text {
				break
			}
			segs = append(segs, Segment{Text: rapid.StringOfN(rapid.SampledFrom(textRunes), 1, 6, -1).Draw(t, "text")})
			continue
		}
		segs = append(segs, Segment{Bracket: genBracket(t, depth+1, budget)})
	}
	return segs
}

func genBracket(t *rapid.T, depth int, budget *int) *Bracket {
	b := &Bracket{}
	for range rapid.IntRange(1, 3).Draw(t, "alternatives") {
		*budget--
		a := Alternative{Segments: genSegments(t, depth, budget)}
		if rapid.IntRange(0, 3).Draw(t, "labelled") == 0 {
			a.Label = rapid.StringMatching(`[A-Za-z0-9_.:-]{1,8}`).Draw(t, "label")
		}
		b.Alternatives = append(b.Alternatives, a)
	}
	if empty(b) {
		b.Alternatives[0].Segments = []Segment{{Text: "x"}}
	}
	return b
}

// TestRoundTripTree checks that Parse inverts String on trees.
func TestRoundTripTree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genParagraph(t)
		s := p.String()
		q, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) of %s: %v", s, dump(p), err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("Parse(%q) = %s, want %s", s, dump(q), dump(p))
		}
		if got := q.String(); got != s {
			t.Fatalf("String of Parse(%q) = %q", s, got)
		}
	})
}

// TestRoundTripString checks that String is canonical on what Parse
// accepts from random markup.
func TestRoundTripString(t *testing.T) {
	pieces := rapid.SliceOf(rapid.SampledFrom([]string{"[[", "]]", "||", "[", "]", "|", `\`, `\\`, `\[`, `\]`, `\|`, `\ `, `\@`, "@", "@gov", " ", "\t", "a", "ب"}))
	gen := rapid.Map(pieces, func(ps []string) string { return strings.Join(ps, "") })
	parsed := 0
	rapid.Check(t, func(t *rapid.T) {
		in := gen.Draw(t, "in")
		p, err := Parse(in)
		if err != nil {
			if parley.ErrorCode(err) != parley.EINVALID || !strings.HasPrefix(err.Error(), "at column ") {
				t.Fatalf("Parse(%q): %v (code %s)", in, err, parley.ErrorCode(err))
			}
			return
		}
		parsed++
		c := p.String()
		q, err := Parse(c)
		if err != nil {
			t.Fatalf("Parse(%q) of the canonical form of %q: %v", c, in, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("Parse(%q) = %s, want %s (from %q)", c, dump(q), dump(p), in)
		}
		if got := q.String(); got != c {
			t.Fatalf("canonical form not stable: %q -> %q", c, got)
		}
	})
	if parsed == 0 {
		t.Error("no generated input parsed")
	}
}

func TestStringNormalizes(t *testing.T) {
	p := &Paragraph{Segments: []Segment{
		{Text: "a ["}, {Text: ""}, {Text: "["},
		{Bracket: &Bracket{Alternatives: []Alternative{{Segments: []Segment{{Text: "x"}, {Text: "]"}}}}}},
	}}
	if got, want := p.String(), `a \[\[[[x\]]]`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	q, err := Parse(p.String())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(q), `"a [["{"x]"}`; got != want {
		t.Errorf("Parse(String()) = %s, want %s", got, want)
	}
	var nilp *Paragraph
	if got := nilp.String(); got != "" {
		t.Errorf("nil String() = %q", got)
	}
}

package document

import (
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// MaxDepth is how deep brackets may nest. A bracket in the running text of
// a paragraph has depth 1, a bracket inside one of its alternatives depth 2.
const MaxDepth = 8

// A Paragraph is a parsed paragraph: a sequence of segments, each literal
// text or a bracket. Parse returns paragraphs whose text segments are never
// empty and never adjacent to one another; String prints any Paragraph but
// only such normalized trees survive a round trip unchanged.
type Paragraph struct {
	Segments []Segment
}

// A Segment is literal text when Bracket is nil, and a bracket otherwise
// (Text is then ignored). Text holds the text itself, escapes resolved.
type Segment struct {
	Text    string
	Bracket *Bracket
}

// A Bracket is text not yet agreed: one alternative (bracketed text, to be
// kept or dropped) or several (options to choose from). At least one
// alternative is non-empty.
type Bracket struct {
	Alternatives []Alternative
}

// An Alternative is one option of a bracket. Label, when not empty, names
// the alternative, typically the party that proposed it; it has the syntax
// of parley.ValidID. Segments may be empty: an empty alternative proposes
// no text at all.
type Alternative struct {
	Label    string
	Segments []Segment
}

// Parse parses a paragraph written in the markup of docs/DOCUMENTS.md.
//
// The error is a *parley.Error: code parley.ETOOLARGE when p is longer than
// parley.MaxTextSize bytes, parley.EINVALID otherwise, with a message that
// gives the column (in characters, from 1) of the problem and what to write
// instead. Parse refuses invalid UTF-8, control characters other than tab
// (line breaks included: a paragraph is one line) and malformed markup. It
// accepts the empty paragraph; CheckVersion does not.
func Parse(p string) (*Paragraph, error) {
	if len(p) > parley.MaxTextSize {
		return nil, parley.Errorf(parley.ETOOLARGE,
			"the paragraph is %d bytes, more than the limit of %d; split it into several paragraphs",
			len(p), parley.MaxTextSize)
	}
	if err := checkChars(p); err != nil {
		return nil, err
	}
	return parse(p)
}

// errorAt returns err located at column col.
func errorAt(col int, err *parley.Error) *parley.Error {
	return parley.Wrapf(err.Code, "at column %d: %s", err, col)
}

// checkChars refuses invalid UTF-8 and control characters.
func checkChars(p string) error {
	col := 0
	for i := 0; i < len(p); {
		col++
		r, w := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			return errorAt(col, parley.Errorf(parley.EINVALID, "invalid UTF-8 (byte 0x%02X); send the text encoded as UTF-8", p[i]))
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f':
			return errorAt(col, parley.Errorf(parley.EINVALID, "line break (U+%04X) inside a paragraph; make each line a paragraph of its own", r))
		case r < 0x20 && r != '\t', r >= 0x7F && r <= 0x9F:
			return errorAt(col, parley.Errorf(parley.EINVALID, "control character U+%04X; remove it", r))
		}
		i += w
	}
	return nil
}

// A level is a bracket being parsed (or the paragraph itself, when br is
// nil) and the alternative of it being read.
type level struct {
	br      *Bracket
	openCol int
	segs    []Segment // segments of the alternative so far
	text    []byte    // text not yet in segs
	pad     []byte    // unescaped blanks that are padding unless content follows
	lead    bool      // at the start of an alternative: blanks are padding
	labelOK bool      // an unescaped '@' starts a label
	label   string
}

// add appends content to the alternative.
func (l *level) add(s string) {
	l.lead, l.labelOK = false, false
	l.text = append(l.text, l.pad...)
	l.pad = l.pad[:0]
	l.text = append(l.text, s...)
}

func (l *level) flush() {
	if len(l.text) > 0 {
		l.segs = append(l.segs, Segment{Text: string(l.text)})
		l.text = l.text[:0]
	}
}

// endAlt ends the alternative being read; trailing padding is dropped.
func (l *level) endAlt() {
	l.pad = l.pad[:0]
	l.flush()
	l.br.Alternatives = append(l.br.Alternatives, Alternative{Label: l.label, Segments: l.segs})
	l.segs, l.label = nil, ""
	l.lead, l.labelOK = true, true
}

func escapable(r rune) bool {
	switch r {
	case '\\', '[', ']', '|', '@', ' ', '\t':
		return true
	}
	return false
}

func isIDByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == ':' || c == '-'
}

// parse parses p, which holds valid UTF-8 and no control character but tab.
func parse(p string) (*Paragraph, error) {
	stack := []*level{{}}
	col := 0 // column of the character at i
	for i := 0; i < len(p); {
		col++
		top := stack[len(stack)-1]
		c := p[i]
		double := i+1 < len(p) && p[i+1] == c
		switch {
		case c == '\\':
			if i+1 == len(p) {
				return nil, errorAt(col, parley.Errorf(parley.EINVALID, `"\" at the end of the paragraph; write \\ for a backslash`))
			}
			r, w := utf8.DecodeRuneInString(p[i+1:])
			if !escapable(r) {
				return nil, errorAt(col, parley.Errorf(parley.EINVALID, `unknown escape "\%c"; write \\ for a backslash (\ escapes only \ [ ] | @, space and tab)`, r))
			}
			top.add(p[i+1 : i+1+w])
			col++
			i += 1 + w
		case c == '[' && double:
			if len(stack) > MaxDepth {
				return nil, errorAt(col, parley.Errorf(parley.EINVALID, "brackets nested more than %d deep; simplify the text, or write \\[[ for literal \"[[\"", MaxDepth))
			}
			top.add("")
			top.flush()
			stack = append(stack, &level{br: &Bracket{}, openCol: col, lead: true, labelOK: true})
			col++
			i += 2
		case c == '|' && double:
			if top.br == nil {
				return nil, errorAt(col, parley.Errorf(parley.EINVALID, `"||" outside a bracket; put the alternatives between "[[" and "]]", or write \|| for literal "||"`))
			}
			top.endAlt()
			col++
			i += 2
		case c == ']' && double:
			if top.br == nil {
				return nil, errorAt(col, parley.Errorf(parley.EINVALID, `"]]" closes no bracket; remove it, or write \]] for literal "]]"`))
			}
			top.endAlt()
			if empty(top.br) {
				return nil, errorAt(top.openCol, parley.Errorf(parley.EINVALID, `empty bracket; write its text between "[[" and "]]", or remove the bracket`))
			}
			stack = stack[:len(stack)-1]
			parent := stack[len(stack)-1]
			parent.segs = append(parent.segs, Segment{Bracket: top.br})
			col++
			i += 2
		case top.br != nil && (c == ' ' || c == '\t'):
			if !top.lead {
				top.pad = append(top.pad, c)
			}
			i++
		case c == '@' && top.labelOK:
			j := i + 1
			for j < len(p) && isIDByte(p[j]) {
				j++
			}
			rest := p[j:]
			if j == i+1 || !(rest == "" || rest[0] == ' ' || rest[0] == '\t' ||
				strings.HasPrefix(rest, "||") || strings.HasPrefix(rest, "]]")) {
				return nil, errorAt(col, parley.Errorf(parley.EINVALID, `a label is "@", a name of letters, digits or _.:- and a space, as in "[[@gov shall || @opp should]]"; write \@ for a literal "@"`))
			}
			if j-i-1 > parley.MaxIDLength {
				return nil, errorAt(col, parley.Errorf(parley.EINVALID, "label longer than %d characters; shorten it", parley.MaxIDLength))
			}
			top.label = p[i+1 : j]
			top.labelOK = false
			col += j - i - 1
			i = j
		default:
			_, w := utf8.DecodeRuneInString(p[i:])
			top.add(p[i : i+w])
			i += w
		}
	}
	if len(stack) > 1 {
		top := stack[len(stack)-1]
		return nil, errorAt(col+1, parley.Errorf(parley.EINVALID, `unclosed bracket opened at column %d; close it with "]]"`, top.openCol))
	}
	top := stack[0]
	top.flush()
	return &Paragraph{Segments: top.segs}, nil
}

// empty reports whether every alternative of b is empty.
func empty(b *Bracket) bool {
	for _, a := range b.Alternatives {
		if len(normalize(a.Segments)) > 0 {
			return false
		}
	}
	return true
}

// normalize returns segs with empty text segments dropped and adjacent text
// segments merged. It returns segs itself when there is nothing to do.
func normalize(segs []Segment) []Segment {
	ok := true
	for i, s := range segs {
		if s.Bracket == nil && (s.Text == "" || i > 0 && segs[i-1].Bracket == nil) {
			ok = false
			break
		}
	}
	if ok {
		return segs
	}
	var out []Segment
	for _, s := range segs {
		switch {
		case s.Bracket != nil:
			out = append(out, Segment{Bracket: s.Bracket})
		case s.Text == "":
		case len(out) > 0 && out[len(out)-1].Bracket == nil:
			out[len(out)-1].Text += s.Text
		default:
			out = append(out, Segment{Text: s.Text})
		}
	}
	return out
}

// String returns the canonical markup of p: Parse(p.String()) is p for
// every tree Parse returns, and p.String() is the input for every canonical
// input. The canonical form writes brackets as "[[a || b]]" (no padding
// inside the brackets, one space either side of "||"), labels as "@name "
// and escapes a character only where it would otherwise be read as markup.
//
// A tree that Parse would not return (an invalid label, an empty bracket,
// brackets nested too deep, invalid UTF-8 or control characters in text)
// prints as text that Parse refuses or reads as another tree.
func (p *Paragraph) String() string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	writeSegments(&b, p.Segments, 0, false, false)
	return b.String()
}

// writeSegments writes segs. next is the first byte written after them (0
// for none). inAlt says segs are the content of an alternative, whose
// leading and trailing blanks must be escaped; bareAt says a leading '@'
// must be escaped so as not to read as a label.
func writeSegments(b *strings.Builder, segs []Segment, next byte, inAlt, bareAt bool) {
	segs = normalize(segs)
	for i, s := range segs {
		if s.Bracket != nil {
			writeBracket(b, s.Bracket)
			continue
		}
		nx := next
		if i+1 < len(segs) {
			nx = '['
		}
		writeText(b, s.Text, nx, inAlt && i == 0, inAlt && i == len(segs)-1, bareAt && i == 0)
	}
}

func writeBracket(b *strings.Builder, br *Bracket) {
	b.WriteString("[[")
	for i, a := range br.Alternatives {
		if i > 0 {
			b.WriteString(" || ")
		}
		segs := normalize(a.Segments)
		if a.Label != "" {
			b.WriteByte('@')
			b.WriteString(a.Label)
			if len(segs) > 0 {
				b.WriteByte(' ')
			}
		}
		next := byte(' ')
		if i == len(br.Alternatives)-1 {
			next = ']'
		}
		writeSegments(b, segs, next, true, a.Label == "")
	}
	b.WriteString("]]")
}

// writeText writes text t escaped. next is the byte written after it; first
// and last say whether t starts or ends an alternative's content; at says a
// leading '@' must be escaped.
//
// A '[', ']' or '|' is escaped exactly when the byte after it is the same
// character: markup is read from left to right, so no other occurrence can
// form "[[", "]]" or "||".
func writeText(b *strings.Builder, t string, next byte, first, last, at bool) {
	for i := 0; i < len(t); {
		_, w := utf8.DecodeRuneInString(t[i:])
		c := t[i]
		start, end := i == 0, i+w == len(t)
		nx := next
		if !end {
			nx = t[i+w]
		}
		esc := false
		switch c {
		case '\\':
			esc = true
		case '[', ']', '|':
			esc = nx == c
		case ' ', '\t':
			esc = start && first || end && last
		case '@':
			esc = start && at
		}
		if esc {
			b.WriteByte('\\')
		}
		b.WriteString(t[i : i+w])
		i += w
	}
}

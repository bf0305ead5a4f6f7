// Package drawing builds SVG documents that are safe to inline in a page
// and to read without sight: every text escaped, bidirectional controls
// shown rather than obeyed, text written by people isolated, the inline
// axis mirrored for right-to-left languages, a title and description on
// the root for assistive technology, and presentation attributes only (no
// style, no script), so that a drawing passes the pages' Content Security
// Policy. The same calls always give the same bytes.
//
// Package picture draws the story of a talks with it, and package
// frontier the Pareto frontier of two parties' packages.
package drawing

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/document"
)

// A Doc is one drawing built in memory, so that it is written whole or
// not at all.
type Doc struct {
	b   bytes.Buffer
	w   float64 // width of the drawing, for mirroring
	rtl bool
	id  string // prefix of ids
}

// New starts a drawing. dir is "rtl" to mirror the inline axis, for a page
// in a right-to-left language; anything else is left to right. id
// prefixes the ids of the drawing's elements (its title, description and
// patterns), which must be unique in a page that shows several drawings;
// characters that could leave an attribute are percent-encoded.
func New(dir, id string) *Doc {
	return &Doc{rtl: dir == "rtl", id: Percent(id, "\"'<>&# ")}
}

// ID is the prefix of the drawing's ids.
func (d *Doc) ID() string { return d.id }

// RTL says whether the inline axis is mirrored.
func (d *Doc) RTL() bool { return d.rtl }

// X maps an inline position to the drawing: mirrored when right to left.
// Text anchors need no mapping: the root's direction="rtl" makes "start"
// the right end of a line.
func (d *Doc) X(v float64) float64 {
	if d.rtl {
		return d.w - v
	}
	return v
}

// Raw writes markup as it is: the caller escapes what it holds.
func (d *Doc) Raw(parts ...string) {
	for _, p := range parts {
		d.b.WriteString(p)
	}
}

// Text writes escaped text.
func (d *Doc) Text(t string) { d.b.WriteString(Escape(t)) }

// Open writes the root element with its title and description. The
// drawing is an image for assistive technology, whose text alternative is
// its title and description; desc should say everything the drawing
// shows.
func (d *Doc) Open(w, h float64, title, desc string) {
	d.w = w
	ws, hs := Num(w), Num(h)
	d.Raw(`<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 `, ws, " ", hs, `" width="`, ws, `" height="`, hs,
		`" aria-labelledby="`, d.id, `title `, d.id, `desc" font-family="sans-serif" font-size="12"`)
	if d.rtl {
		d.Raw(` direction="rtl"`)
	}
	d.Raw(">\n<title id=\"", d.id, "title\">")
	d.Text(title)
	d.Raw("</title>\n<desc id=\"", d.id, "desc\">")
	d.Text(desc)
	d.Raw("</desc>\n")
}

// Close ends the root element.
func (d *Doc) Close() { d.Raw("</svg>\n") }

// URL refers to an element of the drawing by its name after the prefix.
func (d *Doc) URL(name string) string { return "url(#" + d.id + name + ")" }

// WriteTo copies the drawing to w.
func (d *Doc) CopyTo(w io.Writer) error {
	if _, err := w.Write(d.b.Bytes()); err != nil {
		return parley.Errorf(parley.EINTERNAL, "writing a picture: %v", err)
	}
	return nil
}

// Num formats a coordinate with at most one decimal; NaN and coordinates
// beyond ±10⁹, never meant for a drawing, are written as 0.
func Num(v float64) string {
	if v != v || v > 1e9 || v < -1e9 {
		v = 0
	}
	half := 0.5
	if v < 0 {
		half = -0.5
	}
	r := float64(int64(v*10+half)) / 10
	s := strconv.FormatFloat(r, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// Escape escapes text for XML content and attributes; shows each
// bidirectional control as a visible marker, as the pages do ("⟨RLO⟩",
// document.ShowBidi), so that no text can reorder a drawing; and replaces
// what XML may not hold (control characters, invalid UTF-8, U+FFFE and
// U+FFFF) with U+FFFD.
func Escape(s string) string {
	s = document.ShowBidi(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				b.WriteRune('\uFFFD')
				continue
			}
			b.WriteRune(r)
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xfffe || r == 0xffff || (r >= 0xd800 && r < 0xe000):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Isolate escapes text written by people (a title, a name) for a label
// and isolates it (U+2068 … U+2069), so that a right-to-left name takes
// its direction from itself and does not reorder what surrounds it.
func Isolate(s string) string {
	if s == "" {
		return ""
	}
	return "\u2068" + Escape(s) + "\u2069"
}

// Percent percent-encodes the bytes of s outside printable ASCII, the
// quotes and angle brackets, and those in special.
func Percent(s, special string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c >= 0x7f || strings.IndexByte(special, c) >= 0 || c == '"' || c == '<' || c == '>' || c == '\'' {
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Shorten cuts s to at most n characters, ending it with an ellipsis when
// it cuts.
func Shorten(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// CharWidth is the width reckoned for one character of 12-unit
// sans-serif text: there are no font metrics on the server, so labels are
// cut to a number of characters that fits.
const CharWidth = 6.6

// Fits returns how many characters of text of the given size fit in
// width.
func Fits(width, size float64) int { return int(width / (CharWidth * size / 12)) }

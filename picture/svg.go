package picture

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/document"
)

// Options say how a picture is written.
type Options struct {
	// Links makes the addresses of the picture's links; the zero value
	// links to the pages of docs/UI.md.
	Links Links
	// Dir is "rtl" to mirror the inline axis, for a page in a
	// right-to-left language: time then runs from right to left and
	// labels stand on the right. Anything else is left to right.
	Dir string
	// ID prefixes the ids of the picture's elements (its title,
	// description and patterns), which must be unique in a page that
	// shows several pictures. Empty means a prefix of the picture's kind:
	// "pg-" for the graph, "pt-" for the timeline, "pp-" for progress.
	ID string
}

// Links makes the addresses the pictures link to. A nil function links
// to the pages of docs/UI.md under /talks/{id}.
type Links struct {
	// At is the dashboard as it was after the event at a log index.
	At func(talks string, index int64) string
	// Item is the dashboard explaining an item, in a view of the past
	// when at ≥ 0.
	Item func(talks, item string, at int64) string
	// Scrub is where a tick of the timeline's scrubber points, for a
	// page that moves its own cursor (the history page); nil links as
	// At does.
	Scrub func(talks string, index int64) string
}

func (l Links) at(talks string, index int64) string {
	if l.At != nil {
		return l.At(talks, index)
	}
	return "/talks/" + pathEscape(talks) + "/dashboard?at=" + strconv.FormatInt(index, 10)
}

func (l Links) scrub(talks string, index int64) string {
	if l.Scrub != nil {
		return l.Scrub(talks, index)
	}
	return l.at(talks, index)
}

func (l Links) item(talks, item string, at int64) string {
	if l.Item != nil {
		return l.Item(talks, item, at)
	}
	s := "/talks/" + pathEscape(talks) + "/dashboard?"
	if at >= 0 {
		s += "at=" + strconv.FormatInt(at, 10) + "&"
	}
	return s + "item=" + queryEscape(item) + "#explain"
}

// pathEscape and queryEscape escape what ids may hold (they are checked
// elsewhere to be [A-Za-z0-9_.:-]; anything else is percent-encoded).
func pathEscape(s string) string { return percent(s, "/?#&=%+ ") }

func queryEscape(s string) string { return percent(s, "/?#&=%+ ;") }

func percent(s, special string) string {
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

// svg builds one picture in memory, so that a picture is written whole
// or not at all, and the same input always gives the same bytes.
type svg struct {
	b   bytes.Buffer
	w   float64 // width of the picture, for mirroring
	rtl bool
	id  string // prefix of ids
}

func newSVG(o Options, kind string) *svg {
	s := &svg{rtl: o.Dir == "rtl", id: o.ID}
	if s.id == "" {
		s.id = kind
	}
	s.id = percent(s.id, "\"'<>&# ")
	return s
}

// x maps an inline position to the picture: mirrored when right to left.
// Text anchors need no mapping: the root's direction="rtl" makes "start"
// the right end of a line.
func (s *svg) x(v float64) float64 {
	if s.rtl {
		return s.w - v
	}
	return v
}

func (s *svg) raw(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
}

// text writes escaped text.
func (s *svg) text(t string) { s.b.WriteString(escape(t)) }

// open writes the root element with its title and description. The
// picture is an image for assistive technology, whose text alternative
// is its title and description; desc should say everything the picture
// shows.
func (s *svg) open(w, h float64, title, desc string) {
	s.w = w
	ws, hs := num(w), num(h)
	s.raw(`<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 `, ws, " ", hs, `" width="`, ws, `" height="`, hs,
		`" aria-labelledby="`, s.id, `title `, s.id, `desc" font-family="sans-serif" font-size="12"`)
	if s.rtl {
		s.raw(` direction="rtl"`)
	}
	s.raw(">\n<title id=\"", s.id, "title\">")
	s.text(title)
	s.raw("</title>\n<desc id=\"", s.id, "desc\">")
	s.text(desc)
	s.raw("</desc>\n")
}

func (s *svg) close() { s.raw("</svg>\n") }

// defs writes the patterns the pictures use, so that statuses stay apart
// in black and white: hatching for agreed spans and forecast bands.
func (s *svg) defs() {
	s.raw(`<defs><pattern id="`, s.id, `hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`,
		`<rect width="6" height="6" fill="#cfe8d2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#1b5e20" stroke-width="2"/></pattern>`,
		`<pattern id="`, s.id, `dots" width="5" height="5" patternUnits="userSpaceOnUse">`,
		`<rect width="5" height="5" fill="#fff3e0"/><circle cx="2.5" cy="2.5" r="1" fill="#8a4b00"/></pattern>`,
		`<marker id="`, s.id, `arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">`,
		`<path d="M0 0L10 5L0 10z" fill="#333"/></marker></defs>`, "\n")
}

func (s *svg) url(name string) string { return "url(#" + s.id + name + ")" }

// write copies the picture to w.
func (s *svg) write(w io.Writer) error {
	if _, err := w.Write(s.b.Bytes()); err != nil {
		return parley.Errorf(parley.EINTERNAL, "writing a picture: %v", err)
	}
	return nil
}

// num formats a coordinate with at most one decimal.
func num(v float64) string {
	if v != v || v > 1e9 || v < -1e9 { // NaN or out of range: never in a picture
		v = 0
	}
	r := float64(int64(v*10+copysignHalf(v))) / 10
	s := strconv.FormatFloat(r, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

func copysignHalf(v float64) float64 {
	if v < 0 {
		return -0.5
	}
	return 0.5
}

// escape escapes text for XML content and attributes; shows each
// bidirectional control as a visible marker, as the pages do ("⟨RLO⟩",
// document.ShowBidi), so that no text can reorder a picture; and replaces
// what XML may not hold (control characters, invalid UTF-8, U+FFFE and
// U+FFFF) with U+FFFD.
func escape(s string) string {
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

// content is text for a label: plain, or written by people and isolated.
type content interface{ markup() string }

// plain is text of the picture's own, escaped as it is.
type plain string

func (t plain) markup() string { return escape(string(t)) }

// isolated is text written by people (a title, a name), which a label
// isolates (U+2068 … U+2069) so that a right-to-left name takes its
// direction from itself and does not reorder what surrounds it.
type isolated string

func (t isolated) markup() string {
	if t == "" {
		return ""
	}
	return "\u2068" + escape(string(t)) + "\u2069"
}

// user marks text written by people for a label.
func user(s string) isolated { return isolated(s) }

// shorten cuts s to at most n characters, ending it with an ellipsis
// when it cuts.
func shorten(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// charWidth is the width the pictures reckon for one character of
// 12-unit sans-serif text: there are no font metrics on the server, so
// labels are cut to a number of characters that fits.
const charWidth = 6.6

// fits returns how many characters of text of the given size fit in
// width.
func fits(width, size float64) int { return int(width / (charWidth * size / 12)) }

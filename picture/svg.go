package picture

import (
	"strconv"

	"github.com/parleyhq/parley/drawing"
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
func pathEscape(s string) string { return drawing.Percent(s, "/?#&=%+ ") }

func queryEscape(s string) string { return drawing.Percent(s, "/?#&=%+ ;") }

// svg is one picture being drawn, with the patterns the pictures share.
type svg struct{ *drawing.Doc }

func newSVG(o Options, kind string) *svg {
	id := o.ID
	if id == "" {
		id = kind
	}
	return &svg{drawing.New(o.Dir, id)}
}

// defs writes the patterns the pictures use, so that statuses stay apart
// in black and white: hatching for agreed spans and forecast bands.
func (s *svg) defs() {
	id := s.ID()
	s.Raw(`<defs><pattern id="`, id, `hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`,
		`<rect width="6" height="6" fill="#cfe8d2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#1b5e20" stroke-width="2"/></pattern>`,
		`<pattern id="`, id, `dots" width="5" height="5" patternUnits="userSpaceOnUse">`,
		`<rect width="5" height="5" fill="#fff3e0"/><circle cx="2.5" cy="2.5" r="1" fill="#8a4b00"/></pattern>`,
		`<marker id="`, id, `arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">`,
		`<path d="M0 0L10 5L0 10z" fill="#333"/></marker></defs>`, "\n")
}

// The drawing's primitives under the names the pictures use.
var (
	num     = drawing.Num
	escape  = drawing.Escape
	shorten = drawing.Shorten
	fits    = drawing.Fits
)

const charWidth = drawing.CharWidth

// content is text for a label: plain, or written by people and isolated.
type content interface{ markup() string }

// plain is text of the picture's own, escaped as it is.
type plain string

func (t plain) markup() string { return escape(string(t)) }

// isolated is text written by people (a title, a name), which a label
// isolates so that a right-to-left name does not reorder what surrounds
// it (drawing.Isolate).
type isolated string

func (t isolated) markup() string { return drawing.Isolate(string(t)) }

// user marks text written by people for a label.
func user(s string) isolated { return isolated(s) }

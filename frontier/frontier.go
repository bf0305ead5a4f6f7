// Package frontier draws the Pareto frontier of two parties' packages
// (a bargain.Result) as SVG, on the server for `parley packages -svg` and
// in the mediator's browser through the WebAssembly build of
// cmd/parley-wasm: one party's utility across, the other's up, the
// reservations, the frontier as a staircase, and the Nash,
// Kalai–Smorodinsky and maximin packages, the package on the table and a
// proposal marked, each with its own shape. The chart is data first
// (Chart), then written (Write); its text (Text) says everything it shows,
// in the reader's language. It depends on bargain, i18n and drawing only,
// so that the WebAssembly build stays small. docs/PACKAGES.md says what
// the chart shows.
//
// Every function accepts any input without panicking; errors are
// *parley.Error values.
package frontier

import (
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
	"github.com/parleyhq/parley/drawing"
	"github.com/parleyhq/parley/i18n"
)

// The geometry of a frontier chart.
const (
	frWidth   = 640
	frLeft    = 72
	frRight   = 24
	frTop     = 44
	frPlot    = 360 // side of the plot
	frMaxDots = 400 // at most this many frontier points drawn as dots
)

// A Chart is the picture of the packages of an item for two
// parties: one party's utility across, the other's up; each party's
// reservation as a line, the region both prefer to no agreement shaded;
// the Pareto frontier as a staircase of points; the current package, a
// proposal, and the Nash, Kalai–Smorodinsky and maximin packages marked,
// each with its own shape. It is drawn from a bargain.Result of two
// parties; the numbers it shows are the result's exact decimals, and only
// the positions are rounded.
type Chart struct {
	Parties  [2]string
	Names    [2]string // the parties' names, as the talks gives them ("" if none)
	Points   []Point
	Nash     []Point
	KS       []Point
	Maximin  []Point
	Current  *Point
	Proposal *Point
	// Better are the frontier points that make both parties strictly
	// better off than the current package.
	Better      []Point
	Reservation [2]string
	Worst, Best [2]string
	// Count is the number of frontier packages; Truncated says that some
	// tied packages were not listed by the result.
	Count     string
	Truncated bool
}

// A Point is a utility vector of two parties, with the packages
// that reach it (as many as the result lists) and how many tie on it.
type Point struct {
	U        [2]string
	Packages []string // "detainees: 250, tranches: 2"
	Ties     string
}

func (p Point) xy() (float64, float64) { return decimal(p.U[0]), decimal(p.U[1]) }

// New reads the chart of a result of exactly two parties. names, if
// not nil, gives a party's name from its id.
func New(res *bargain.Result, names func(string) string) (*Chart, error) {
	if res == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "there is no result of packages to draw")
	}
	if len(res.Parties) != 2 {
		return nil, parley.Errorf(parley.EINVALID, "the frontier is drawn for two parties, but these preferences have %d; read the result as JSON instead", len(res.Parties))
	}
	c := &Chart{Parties: [2]string{res.Parties[0], res.Parties[1]}, Count: res.Count, Truncated: res.Truncated}
	for i, p := range c.Parties {
		if names != nil {
			if n := names(p); n != p {
				c.Names[i] = n
			}
		}
		b, _ := res.Bounds.Get(p)
		c.Reservation[i], c.Worst[i], c.Best[i] = b.Reservation, b.Worst, b.Best
	}
	c.Points = c.points(res.Frontier)
	c.Nash, c.KS, c.Maximin = c.points(res.Nash), c.points(res.KalaiSmorodinsky), c.points(res.Maximin)
	if a := res.Current; a != nil {
		c.Current = c.point(a.Package, a.Utilities)
		c.Better = c.points(a.Improvements)
	}
	if a := res.Proposal; a != nil {
		c.Proposal = c.point(a.Package, a.Utilities)
	}
	slices.SortFunc(c.Points, func(a, b Point) int {
		ax, ay := a.xy()
		bx, by := b.xy()
		if ax != bx {
			return cmpFloat(ax, bx)
		}
		return cmpFloat(by, ay)
	})
	return c, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// points groups entries by utility vector, in the order first seen.
func (c *Chart) points(es []bargain.Entry) []Point {
	var out []Point
	at := map[[2]string]int{}
	for _, e := range es {
		p := c.point(e.Package, e.Utilities)
		if i, ok := at[p.U]; ok {
			out[i].Packages = append(out[i].Packages, p.Packages...)
			continue
		}
		p.Ties = e.Ties
		at[p.U] = len(out)
		out = append(out, *p)
	}
	return out
}

func (c *Chart) point(pkg, u bargain.Ordered[string]) *Point {
	x, _ := u.Get(c.Parties[0])
	y, _ := u.Get(c.Parties[1])
	parts := make([]string, len(pkg))
	for i, m := range pkg {
		parts[i] = m.Name + ": " + m.Value
	}
	return &Point{U: [2]string{x, y}, Packages: []string{strings.Join(parts, ", ")}}
}

// decimal is the position of an exact decimal string; the pictures round
// only positions, never the numbers they print.
func decimal(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return f
}

// party is a party as the chart names it: "Government (gov)".
func (c *Chart) party(i int) string {
	if c.Names[i] != "" {
		return c.Names[i] + " (" + c.Parties[i] + ")"
	}
	return c.Parties[i]
}

// Text says everything the chart shows, a sentence each, for the
// picture's description and for readers without it.
func Text(c *Chart, p *i18n.Printer) []string {
	p = english(p)
	a, b := c.party(0), c.party(1)
	out := []string{p.T("Utility of %[1]s across, of %[2]s up; each party's reservation, its value of no agreement, is %[3]s for %[1]s and %[4]s for %[2]s.", a, b, c.Reservation[0], c.Reservation[1])}
	n := len(c.Points)
	out = append(out, p.T("%[1]d points on the Pareto frontier; packages that reach them: %[2]s.", n, c.Count))
	if c.Truncated {
		out = append(out, p.T("Some packages that tie on a point are counted but not listed."))
	}
	say := func(key, none string, ps []Point) {
		if len(ps) == 0 {
			out = append(out, p.T(none))
			return
		}
		for _, q := range ps {
			out = append(out, p.T(key, a, b, q.U[0], q.U[1], p.Alternatives(q.Packages)))
		}
	}
	say(i18n.Key("Nash package: %[5]s, worth %[3]s to %[1]s and %[4]s to %[2]s."), i18n.Key("No Nash package: no package gives every party more than its reservation."), c.Nash)
	say(i18n.Key("Kalai–Smorodinsky package: %[5]s, worth %[3]s to %[1]s and %[4]s to %[2]s."), i18n.Key("No Kalai–Smorodinsky package: no package gives every party at least its reservation."), c.KS)
	say(i18n.Key("Maximin package: %[5]s, worth %[3]s to %[1]s and %[4]s to %[2]s."), i18n.Key("No maximin package: no package gives every party at least its reservation."), c.Maximin)
	if q := c.Current; q != nil {
		out = append(out, p.T("Current package: %[5]s, worth %[3]s to %[1]s and %[4]s to %[2]s.", a, b, q.U[0], q.U[1], q.Packages[0]))
		if len(c.Better) == 0 {
			out = append(out, p.T("No package makes both parties better off than the current one."))
		} else {
			out = append(out, p.T("%[1]d points of the frontier make both parties better off than the current package.", len(c.Better)))
		}
	}
	if q := c.Proposal; q != nil {
		out = append(out, p.T("Proposal: %[5]s, worth %[3]s to %[1]s and %[4]s to %[2]s.", a, b, q.U[0], q.U[1], q.Packages[0]))
	}
	return out
}

// frame maps utilities to the plot.
type frame struct {
	x0, x1, y0, y1 float64 // utility ranges
}

func (f frame) px(v float64) float64 { return frLeft + (v-f.x0)/(f.x1-f.x0)*frPlot }
func (f frame) py(v float64) float64 { return frTop + frPlot - (v-f.y0)/(f.y1-f.y0)*frPlot }

func (c *Chart) frame() frame {
	f := frame{x0: decimal(c.Worst[0]), x1: decimal(c.Best[0]), y0: decimal(c.Worst[1]), y1: decimal(c.Best[1])}
	f.x0, f.y0 = math.Min(f.x0, decimal(c.Reservation[0])), math.Min(f.y0, decimal(c.Reservation[1]))
	f.x1, f.y1 = math.Max(f.x1, decimal(c.Reservation[0])), math.Max(f.y1, decimal(c.Reservation[1]))
	pad := func(lo, hi float64) (float64, float64) {
		if hi-lo < 1e-9 {
			return lo - 1, hi + 1
		}
		d := (hi - lo) * 0.05
		return lo - d, hi + d
	}
	f.x0, f.x1 = pad(f.x0, f.x1)
	f.y0, f.y1 = pad(f.y0, f.y1)
	return f
}

// marker draws a shape centred at (x, y): the shapes stay apart in black
// and white.
func marker(s *drawing.Doc, shape string, x, y float64, fill, stroke string) {
	switch shape {
	case "diamond":
		s.Raw(`<path d="M`, drawing.Num(x), " ", drawing.Num(y-7), "L", drawing.Num(x+7), " ", drawing.Num(y), "L", drawing.Num(x), " ", drawing.Num(y+7), "L", drawing.Num(x-7), " ", drawing.Num(y), `z" fill="`, fill, `" stroke="`, stroke, `" stroke-width="1.5"/>`)
	case "triangle":
		s.Raw(`<path d="M`, drawing.Num(x), " ", drawing.Num(y-7), "L", drawing.Num(x+6.5), " ", drawing.Num(y+5), "L", drawing.Num(x-6.5), " ", drawing.Num(y+5), `z" fill="`, fill, `" stroke="`, stroke, `" stroke-width="1.5"/>`)
	case "square":
		s.Raw(`<rect x="`, drawing.Num(x-5.5), `" y="`, drawing.Num(y-5.5), `" width="11" height="11" fill="`, fill, `" stroke="`, stroke, `" stroke-width="1.5"/>`)
	case "ring":
		s.Raw(`<circle cx="`, drawing.Num(x), `" cy="`, drawing.Num(y), `" r="8" fill="none" stroke="`, stroke, `" stroke-width="2.5"/>`)
	case "cross":
		s.Raw(`<path d="M`, drawing.Num(x-6), " ", drawing.Num(y-6), "L", drawing.Num(x+6), " ", drawing.Num(y+6), "M", drawing.Num(x-6), " ", drawing.Num(y+6), "L", drawing.Num(x+6), " ", drawing.Num(y-6), `" stroke="`, stroke, `" stroke-width="2.5"/>`)
	default:
		s.Raw(`<circle cx="`, drawing.Num(x), `" cy="`, drawing.Num(y), `" r="3" fill="`, fill, `"/>`)
	}
}

// Write writes a frontier chart as SVG in the language of p
// (English if nil). Its title and description say everything it shows.
func Write(w io.Writer, c *Chart, p *i18n.Printer, o Options) error {
	if c == nil || len(c.Points) == 0 {
		return parley.Errorf(parley.EINTERNAL, "there is no frontier to draw")
	}
	p = english(p)
	id := o.ID
	if id == "" {
		id = "pf-"
	}
	s := drawing.New(o.Dir, id)
	text := Text(c, p)
	legendTop := float64(frTop + frPlot + 44)
	height := legendTop + 6*18 + 8
	title := p.T("Packages for %[1]s and %[2]s: the Pareto frontier", c.party(0), c.party(1))
	s.Open(frWidth, height, title, strings.Join(text, " "))
	s.Raw(`<text x="`, drawing.Num(s.X(8)), `" y="20" text-anchor="start" font-size="13" font-weight="bold" fill="#111">`, drawing.Isolate(title), "</text>\n")
	f := c.frame()
	// The plot, its axes and the parties' names.
	s.Raw(`<rect x="`, drawing.Num(frLeft), `" y="`, drawing.Num(frTop), `" width="`, drawing.Num(frPlot), `" height="`, drawing.Num(frPlot), `" fill="#fafafa" stroke="#999"/>`, "\n")
	rx, ry := f.px(decimal(c.Reservation[0])), f.py(decimal(c.Reservation[1]))
	s.Raw(`<rect x="`, drawing.Num(rx), `" y="`, drawing.Num(frTop), `" width="`, drawing.Num(frLeft+frPlot-rx), `" height="`, drawing.Num(ry-frTop), `" fill="#e8f5e9"/>`, "\n")
	s.Raw(`<line x1="`, drawing.Num(rx), `" y1="`, drawing.Num(frTop), `" x2="`, drawing.Num(rx), `" y2="`, drawing.Num(frTop+frPlot), `" stroke="#1b5e20" stroke-dasharray="5 4"/>`)
	s.Raw(`<line x1="`, drawing.Num(frLeft), `" y1="`, drawing.Num(ry), `" x2="`, drawing.Num(frLeft+frPlot), `" y2="`, drawing.Num(ry), `" stroke="#1b5e20" stroke-dasharray="5 4"/>`, "\n")
	for i, v := range []string{c.Worst[0], c.Reservation[0], c.Best[0]} {
		x := f.px(decimal(v))
		anchor := []string{"start", "middle", "end"}[i]
		s.Raw(`<text x="`, drawing.Num(x), `" y="`, drawing.Num(frTop+frPlot+14), `" text-anchor="`, anchor, `" direction="ltr" font-size="10" fill="#333">`, drawing.Escape(v), "</text>")
	}
	for _, v := range []string{c.Worst[1], c.Reservation[1], c.Best[1]} {
		s.Raw(`<text x="`, drawing.Num(frLeft-4), `" y="`, drawing.Num(f.py(decimal(v))+3), `" text-anchor="end" direction="ltr" font-size="10" fill="#333">`, drawing.Escape(v), "</text>")
	}
	s.Raw("\n", `<text x="`, drawing.Num(frLeft+frPlot/2), `" y="`, drawing.Num(frTop+frPlot+30), `" text-anchor="middle" font-size="11" fill="#111">`, drawing.Escape(p.T("utility of %s →", c.party(0))), "</text>")
	s.Raw(`<text x="14" y="`, drawing.Num(frTop+frPlot/2), `" text-anchor="middle" font-size="11" fill="#111" transform="rotate(-90 14 `, drawing.Num(frTop+frPlot/2), `)">`, drawing.Escape(p.T("utility of %s →", c.party(1))), "</text>\n")
	// The packages better for both than the current one.
	if q := c.Current; q != nil && len(c.Better) > 0 {
		x, y := q.xy()
		cx, cy := f.px(x), f.py(y)
		s.Raw(`<rect x="`, drawing.Num(cx), `" y="`, drawing.Num(frTop), `" width="`, drawing.Num(frLeft+frPlot-cx), `" height="`, drawing.Num(cy-frTop), `" fill="#0d47a1" fill-opacity="0.07" stroke="#0d47a1" stroke-opacity="0.4" stroke-dasharray="2 3"/>`, "\n")
	}
	// The frontier: a staircase through its points, each point a dot
	// with its packages in a title.
	var d strings.Builder
	for i, q := range c.Points {
		x, y := q.xy()
		if i == 0 {
			d.WriteString("M" + drawing.Num(f.px(x)) + " " + drawing.Num(f.py(y)))
			continue
		}
		d.WriteString("H" + drawing.Num(f.px(x)) + "V" + drawing.Num(f.py(y)))
	}
	s.Raw(`<path d="`, d.String(), `" fill="none" stroke="#555" stroke-width="1.5"/>`, "\n")
	step := 1
	if len(c.Points) > frMaxDots {
		step = (len(c.Points) + frMaxDots - 1) / frMaxDots
	}
	for i, q := range c.Points {
		if i%step != 0 && i != len(c.Points)-1 {
			continue
		}
		x, y := q.xy()
		s.Raw("<g><title>", drawing.Escape(pointTitle(p, c, q)), "</title>")
		marker(s, "dot", f.px(x), f.py(y), "#333", "")
		s.Raw("</g>")
	}
	s.Raw("\n")
	type mark struct {
		name, shape, fill string
		ps                []Point
	}
	marks := []mark{
		{p.T("Nash package"), "diamond", "#b71c1c", c.Nash},
		{p.T("Kalai–Smorodinsky package"), "triangle", "#e65100", c.KS},
		{p.T("maximin package"), "square", "#4a148c", c.Maximin},
	}
	if c.Current != nil {
		marks = append(marks, mark{p.T("current package"), "ring", "#0d47a1", []Point{*c.Current}})
	}
	if c.Proposal != nil {
		marks = append(marks, mark{p.T("proposal"), "cross", "#006064", []Point{*c.Proposal}})
	}
	for _, m := range marks {
		fill := m.fill
		if m.shape == "square" {
			fill = "none"
		}
		for _, q := range m.ps {
			x, y := q.xy()
			s.Raw("<g><title>", drawing.Escape(m.name+": "+pointTitle(p, c, q)), "</title>")
			marker(s, m.shape, f.px(x), f.py(y), fill, m.fill)
			s.Raw("</g>")
		}
	}
	s.Raw("\n")
	// The legend, a line per mark.
	y := legendTop
	legend := func(shape, fill, stroke, label string) {
		marker(s, shape, s.X(20), y-4, fill, stroke)
		s.Raw(`<text x="`, drawing.Num(s.X(34)), `" y="`, drawing.Num(y), `" text-anchor="start" font-size="11" fill="#111">`, drawing.Escape(label), "</text>\n")
		y += 18
	}
	legend("dot", "#333", "", p.T("a point of the Pareto frontier: no package makes one party better off without making the other worse off"))
	for _, m := range marks {
		fill := m.fill
		if m.shape == "square" {
			fill = "none"
		}
		legend(m.shape, fill, m.fill, m.name)
	}
	s.Raw(`<text x="`, drawing.Num(s.X(8)), `" y="`, drawing.Num(y+2), `" text-anchor="start" font-size="11" fill="#111">`, drawing.Escape(p.T("Shaded green: better than no agreement for both; dashed lines: the reservations.")), "</text>\n")
	s.Close()
	return s.CopyTo(w)
}

// pointTitle says a point: its utilities and its packages.
func pointTitle(p *i18n.Printer, c *Chart, q Point) string {
	pk := p.Alternatives(q.Packages)
	if q.Ties != "" && q.Ties != strconv.Itoa(len(q.Packages)) {
		pk = p.T("%[1]s (%[2]s packages in all)", pk, q.Ties)
	}
	return p.T("%[1]s for %[2]s, %[3]s for %[4]s: %[5]s", q.U[0], c.Parties[0], q.U[1], c.Parties[1], pk)
}

// Options say how a chart is written.
type Options struct {
	// Dir is "rtl" to mirror the inline axis, for a page in a
	// right-to-left language; anything else is left to right.
	Dir string
	// ID prefixes the ids of the chart's elements, unique in a page that
	// shows several pictures; empty means "pf-".
	ID string
}

// english is p, or English if p is nil.
func english(p *i18n.Printer) *i18n.Printer {
	if p == nil {
		return i18n.For(i18n.English)
	}
	return p
}

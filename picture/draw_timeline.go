package picture

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/words"
)

// The geometry of a timeline.
const (
	tlWidth    = 960
	tlLabel    = 236 // the column of lane labels
	tlRight    = 16
	tlLane     = 24
	tlHead     = 92 // title, rounds, days and scrubber
	tlMinPixel = 6  // marks and ticks closer than this merge
)

// WriteTimeline writes a lane chart as SVG: the rounds shaded, the days
// along the top, a scrubber with a tick for each event that changed the
// agreement (each a link to the dashboard as it was after it, the one
// looked from drawn heavier, with its date in the banner), and a lane
// per item with its agreed spans hatched and a mark for each gain (a
// triangle pointing up, filled) and loss (pointing down, hollow), each a
// link to the dashboard as it was after the event.
func WriteTimeline(w io.Writer, c *LaneChart, o Options) error {
	if c == nil {
		return parley.Errorf(parley.EINTERNAL, "there is no timeline to draw")
	}
	s := newSVG(o, "pt-")
	p := c.printer()
	days := int(c.To.Sub(c.From)/dayLen) + 1
	end := c.To.Add(dayLen)
	if days < 1 { // a chart made by hand that ends before it starts
		days, end = 1, c.From.Add(dayLen)
	}
	x0, x1 := float64(tlLabel+8), float64(tlWidth-tlRight)
	xt := func(t time.Time) float64 {
		f := float64(t.Sub(c.From)) / float64(end.Sub(c.From))
		return x0 + math.Max(0, math.Min(1, f))*(x1-x0)
	}
	footer := timelineFooter(c)
	lanesTop := float64(tlHead)
	lanesBottom := lanesTop + float64(len(c.Lanes))*tlLane
	height := lanesBottom + 8 + float64(len(footer))*legendLine + 4
	s.Open(tlWidth, height, timelineTitle(c), strings.Join(c.Text(), " "))
	s.defs()
	// Title and banner.
	s.label(8, 18, 13, "start", true, "#111", plain(shorten(timelineTitle(c), 70)))
	if c.Cursor >= 0 {
		s.label(x1, 18, 12, "end", true, "#0d47a1", plain(p.T("As of %[1]s, after event %[2]s", c.dayWords(c.CursorAt), "#"+strconv.FormatInt(c.Cursor, 10))))
	}
	// Rounds, shaded behind everything.
	for _, r := range c.Rounds {
		a, b := xt(r.From), xt(r.To.Add(dayLen))
		s.rect(a, 28, b-a, lanesBottom-28, `fill="#eef2f7"`)
		s.rect(a, 28, b-a, 16, `fill="#d5dde8"`)
		s.label(a+4, 40, 10, "start", true, "#111", user(shorten(r.Title, fits(b-a-8, 10))))
	}
	// Days: a line at each day (or at each label when days are many),
	// and labels far enough apart to read.
	dayW := (x1 - x0) / float64(days)
	step := max(1, int(math.Ceil(64/dayW)))
	for d := 0; d <= days; d++ {
		x := x0 + float64(d)*dayW
		if days <= 62 || d%step == 0 {
			s.line(x, 46, x, lanesBottom, `stroke="#ccc" stroke-width="1"`)
		}
		if d < days && d%step == 0 {
			s.label(x+3, 58, 10, "start", false, "#333", plain(shortDate(p, c.From.Add(time.Duration(d)*dayLen), true)))
		}
	}
	// The scrubber.
	s.label(tlLabel, 78, 10, "end", false, "#333", plain(p.T("changes of agreement")))
	s.line(x0, 82, x1, 82, `stroke="#999" stroke-width="1"`)
	cur := int64(-1)
	for _, ch := range c.Changes {
		if c.Cursor >= 0 && ch.Index <= c.Cursor {
			cur = ch.Index
		}
	}
	// Changes too close to tell apart make one tick, which links to the
	// last of them, or to the one looked from if it is among them.
	for k := 0; k < len(c.Changes); {
		x := xt(c.Changes[k].At)
		j := k + 1
		for j < len(c.Changes) && xt(c.Changes[j].At)-x < tlMinPixel {
			j++
		}
		run := c.Changes[k:j]
		ch := run[len(run)-1]
		for _, r := range run {
			if r.Index == cur {
				ch = r
			}
		}
		s.Raw(`<a href="`, escape(o.Links.scrub(c.Talks, ch.Index)), `"><title>`)
		if len(run) > 1 {
			s.Text(p.T("%[1]d changes close together; %[2]s", len(run), changeWords(c, ch)))
		} else {
			s.Text(changeWords(c, ch))
		}
		s.Raw("</title>")
		if ch.Index == cur {
			s.rect(x-3, 68, 6, 18, `fill="#0d47a1"`)
		} else {
			s.rect(x-1.5, 72, 3, 12, `fill="#555"`)
		}
		s.Raw("</a>\n")
		k = j
	}
	// Lanes: the ids in a column wide enough for the longest shown.
	idCol := 0
	for _, l := range c.Lanes {
		idCol = max(idCol, len([]rune(shorten(l.Item, 12))))
	}
	titleX := 26 + float64(idCol)*charWidth*11/12*1.25 + 6
	// The shapes of the marks and badges, defined once and used by
	// reference: a lane costs its position and its text, not its shapes.
	s.Raw(`<defs>`)
	s.Raw(`<path id="`, s.ID(), `gain" d="M0 -7L6 5L-6 5z" fill="#1b5e20" stroke="#fff" stroke-width="1"/>`)
	s.Raw(`<path id="`, s.ID(), `loss" d="M0 7L6 -5L-6 -5z" fill="#fff" stroke="#b71c1c" stroke-width="2"/>`)
	used := map[string]bool{}
	for _, l := range c.Lanes {
		if id := badgeID(l.Badge.Kind); !used[id] {
			used[id] = true
			s.Raw(`<g id="`, s.ID(), "b-", badgeID(l.Badge.Kind), `">`)
			s.glyphAt(l.Badge.Kind, 0, 0, 6)
			s.Raw("</g>")
		}
	}
	s.Raw("</defs>\n")
	s.Raw(`<g font-size="11" fill="#111">`, "\n")
	for k, l := range c.Lanes {
		y := lanesTop + float64(k)*tlLane
		if k%2 == 1 {
			s.rect(0, y, tlWidth, tlLane, `fill="#000" fill-opacity="0.035"`)
		}
		s.Raw(`<a href="`, escape(o.Links.item(c.Talks, l.Item, -1)), `"><title>`)
		s.Text(p.T("%[1]s: %[2]s", laneName(p, l), l.Badge.Label))
		s.Raw(`</title><use href="#`, s.ID(), "b-", badgeID(l.Badge.Kind), `" x="`, num(s.X(14)), `" y="`, num(y+tlLane/2), `"/>`)
		s.Raw(`<text x="`, num(s.X(26)), `" y="`, num(y+16), `" font-weight="bold">`, plain(shorten(l.Item, 12)).markup(), "</text>")
		s.Raw(`<text x="`, num(s.X(titleX)), `" y="`, num(y+16), `">`, user(shorten(l.Title, fits(tlLabel-titleX, 11))).markup(), "</text></a>\n")
		for _, sp := range l.Spans {
			a, b := xt(sp.From), xt(sp.To)
			s.rect(a, y+6, math.Max(b-a, 1), tlLane-12, `fill="`+s.URL("hatch")+`" stroke="#1b5e20"`)
		}
		for m, mk := range l.Marks {
			x := xt(mk.At)
			if m+1 < len(l.Marks) && xt(l.Marks[m+1].At)-x < tlMinPixel {
				continue // the next mark stands for both
			}
			s.Raw(`<a href="`, escape(o.Links.at(c.Talks, mk.Index)), `"><title>`)
			s.Text(markTitle(p, l, mk))
			kind := "loss"
			if mk.Agreed {
				kind = "gain"
			}
			s.Raw(`</title><use href="#`, s.ID(), kind, `" x="`, num(s.X(x)), `" y="`, num(y+tlLane/2), `"/></a>`, "\n")
		}
	}
	s.Raw("</g>\n")
	if c.Cursor >= 0 && !c.CursorAt.Before(c.From) && c.CursorAt.Before(end) {
		x := xt(c.CursorAt)
		s.line(x, 66, x, lanesBottom, `stroke="#0d47a1" stroke-width="2" stroke-dasharray="4 3"`)
	}
	y := lanesBottom + 8
	for _, line := range footer {
		y += legendLine
		s.label(8, y-5, 11, "start", false, "#222", plain(shorten(line, fits(tlWidth-16, 11))))
	}
	s.Close()
	return s.CopyTo(w)
}

// badgeID is a badge's kind as it may stand in an id.
func badgeID(kind string) string {
	switch kind {
	case BadgeAgreed, BadgeAdReferendum, BadgeLost, BadgeNever, BadgeContested, BadgeOscillating:
		return kind
	}
	return "other"
}

// label writes one line of text at an inline position.
func (s *svg) label(x, y, size float64, anchor string, bold bool, fill string, t content) {
	s.Raw(`<text x="`, num(s.X(x)), `" y="`, num(y), `" text-anchor="`, anchor, `" font-size="`, num(size), `"`)
	if bold {
		s.Raw(` font-weight="bold"`)
	}
	s.Raw(` fill="`, fill, `">`, t.markup(), "</text>\n")
}

// rect writes a rectangle at an inline position.
func (s *svg) rect(x, y, w, h float64, attrs string) {
	left := s.X(x)
	if s.RTL() {
		left = s.X(x + w)
	}
	s.Raw(`<rect x="`, num(left), `" y="`, num(y), `" width="`, num(w), `" height="`, num(h), `" `, attrs, "/>")
}

func (s *svg) line(xa, ya, xb, yb float64, attrs string) {
	s.Raw(`<line x1="`, num(s.X(xa)), `" y1="`, num(ya), `" x2="`, num(s.X(xb)), `" y2="`, num(yb), `" `, attrs, "/>")
}

func timelineTitle(c *LaneChart) string {
	p := c.printer()
	return p.T("Agreement over time, %[1]s to %[2]s", p.Date(c.From), p.Date(c.To))
}

// dayWords writes a date, with the day of its round when it falls in one:
// "8 April 2015 (day 3 of Second round)".
func (c *LaneChart) dayWords(t time.Time) string {
	return dayInRound(c.printer(), t, c.Rounds)
}

func dayInRound(p *i18n.Printer, t time.Time, rs []RoundSpan) string {
	d := dayOf(t)
	for _, r := range rs {
		if !d.Before(r.From) && !d.After(r.To) {
			return p.T("%[1]s (day %[2]d of %[3]s)", p.Date(t), int(d.Sub(r.From)/dayLen)+1, r.Title)
		}
	}
	return p.Date(t)
}

// shortDate writes a day for the axis of a chart: "26 Jan 2015", or
// "26 Jan" without the year.
func shortDate(p *i18n.Printer, t time.Time, year bool) string {
	t = t.UTC()
	day, y := p.Digits(int64(t.Day())), p.Digits(int64(t.Year()))
	if year {
		return p.T(shortMonthsYear[t.Month()-1], day, y)
	}
	return p.T(shortMonths[t.Month()-1], day)
}

// The keys of a day on an axis, by month: with the year, and without.
var (
	shortMonthsYear = [12]string{
		i18n.Key("%[1]s Jan %[2]s"), i18n.Key("%[1]s Feb %[2]s"), i18n.Key("%[1]s Mar %[2]s"), i18n.Key("%[1]s Apr %[2]s"),
		i18n.Key("%[1]s May %[2]s"), i18n.Key("%[1]s Jun %[2]s"), i18n.Key("%[1]s Jul %[2]s"), i18n.Key("%[1]s Aug %[2]s"),
		i18n.Key("%[1]s Sep %[2]s"), i18n.Key("%[1]s Oct %[2]s"), i18n.Key("%[1]s Nov %[2]s"), i18n.Key("%[1]s Dec %[2]s"),
	}
	shortMonths = [12]string{
		i18n.Key("%s Jan"), i18n.Key("%s Feb"), i18n.Key("%s Mar"), i18n.Key("%s Apr"), i18n.Key("%s May"), i18n.Key("%s Jun"),
		i18n.Key("%s Jul"), i18n.Key("%s Aug"), i18n.Key("%s Sep"), i18n.Key("%s Oct"), i18n.Key("%s Nov"), i18n.Key("%s Dec"),
	}
)

func markWords(c *LaneChart, l *Lane, m Mark) string {
	p := c.printer()
	when, ref := c.dayWords(m.At), "#"+strconv.FormatInt(m.Index, 10)
	switch {
	case m.Agreed && m.Hidden:
		return p.T("agreed on %[1]s, event %[2]s, hidden from this viewer", when, ref)
	case m.Agreed && m.Party != "":
		return p.T("agreed on %[1]s, event %[2]s, a stance of %[3]s", when, ref, m.Party)
	case m.Agreed:
		return p.T("agreed on %[1]s, event %[2]s", when, ref)
	case m.Hidden:
		return p.T("lost agreement on %[1]s, event %[2]s, hidden from this viewer", when, ref)
	case m.Party != "":
		return p.T("lost agreement on %[1]s, event %[2]s, a stance of %[3]s", when, ref, m.Party)
	}
	return p.T("lost agreement on %[1]s, event %[2]s", when, ref)
}

// markTitle is a mark's tooltip, short: the description says it all.
func markTitle(p *i18n.Printer, l *Lane, m Mark) string {
	ref := "#" + strconv.FormatInt(m.Index, 10)
	if m.Agreed {
		return p.T("%[1]s agreed, %[2]s, %[3]s", l.Item, p.Date(m.At), ref)
	}
	return p.T("%[1]s lost agreement, %[2]s, %[3]s", l.Item, p.Date(m.At), ref)
}

func changeWords(c *LaneChart, ch Change) string {
	p := c.printer()
	var parts []string
	if ch.Gains > 0 {
		parts = append(parts, p.T("%d items agreed", ch.Gains))
	}
	if ch.Losses > 0 {
		parts = append(parts, p.T("%d items lost agreement", ch.Losses))
	}
	return p.T("%[1]s, %[2]s: %[3]s", "#"+strconv.FormatInt(ch.Index, 10), p.Date(ch.At), p.List(parts))
}

func laneName(p *i18n.Printer, l *Lane) string {
	if l.Title != "" {
		return l.Item + " " + words.Quote(p, l.Title)
	}
	return l.Item
}

func laneText(c *LaneChart, l *Lane) string {
	p := c.printer()
	var marks string
	for k, m := range l.Marks {
		if k == 0 {
			marks = markWords(c, l, m)
		} else {
			marks = p.T("%[1]s; %[2]s", marks, markWords(c, l, m))
		}
	}
	if marks == "" {
		return p.T("%[1]s; now %[2]s", laneName(p, l), l.Badge.Label)
	}
	return p.T("%[1]s: %[2]s; now %[3]s", laneName(p, l), marks, l.Badge.Label)
}

// Text returns what the chart shows, in sentences: its text alternative.
func (c *LaneChart) Text() []string {
	p := c.printer()
	out := []string{p.T("Agreement over time, %[1]s to %[2]s, %[3]s.", p.Date(c.From), p.Date(c.To), lanesWords(c))}
	for _, r := range c.Rounds {
		out = append(out, p.T("Round %[1]s: %[2]s to %[3]s.", words.Quote(p, r.Title), p.Date(r.From), p.Date(r.To)))
	}
	if c.Cursor >= 0 {
		out = append(out, p.T("Looked at as of %[1]s, after event %[2]s.", c.dayWords(c.CursorAt), "#"+strconv.FormatInt(c.Cursor, 10)))
	}
	for _, l := range c.Lanes {
		out = append(out, words.Sentence(laneText(c, l)))
	}
	return out
}

func lanesWords(c *LaneChart) string {
	p := c.printer()
	if c.Total == 0 {
		return p.T("no items")
	}
	if len(c.Lanes) == c.Total {
		return p.T("%d items", c.Total)
	}
	return p.T("items %[1]d to %[2]d of %[3]d", c.Offset+1, c.Offset+len(c.Lanes), c.Total)
}

// timelineFooter returns the lines under the lanes: the key and what the
// chart leaves out.
func timelineFooter(c *LaneChart) []string {
	p := c.printer()
	lines := []string{p.T("Hatched: agreed. ▲ agreement gained, ▽ lost; each links to the dashboard as it was after that event. Shown: %s.", lanesWords(c))}
	var out []string
	if c.Before > 0 {
		out = append(out, p.T("%[1]d changes before %[2]s", c.Before, p.Date(c.From)))
	}
	if c.After > 0 {
		out = append(out, p.T("%[1]d changes after %[2]s", c.After, p.Date(c.To)))
	}
	if len(out) > 0 {
		lines = append(lines, p.T("Not shown: %s.", p.List(out)))
	}
	if c.Truncated {
		lines = append(lines, p.T("The history stops at event %s: the record is too long to replay whole here.", "#"+strconv.FormatInt(c.Until, 10)))
	}
	return lines
}

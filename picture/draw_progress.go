package picture

import (
	"io"
	"math"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
)

// The geometry of a progress chart.
const (
	pgWidth  = 720
	pgLeft   = 56
	pgRight  = 24
	pgTop    = 44
	pgPlot   = 220 // height of the plot
	pgPoints = 320 // at most this many points per line: one per two units
)

// A series of a progress chart, with how it is drawn so that the lines
// stay apart in black and white: solid with discs, dashed with squares,
// dotted with triangles.
type series struct {
	name   string // in the chart's language: "open items"
	count  string // what it counts, for Forecast.Words
	per    string // the key of a day's count: "%d open items"
	value  func(Day) int
	fc     Forecast
	stroke string
	dash   string
	marker string
}

func (p *ProgressChart) series() []series {
	pr := p.printer()
	return []series{
		{pr.T("open items"), CountItems, i18n.Key("%d open items"), func(d Day) int { return d.Open }, p.Items, "#0d47a1", "", "disc"},
		{pr.T("open brackets"), CountBrackets, i18n.Key("%d open brackets"), func(d Day) int { return d.Brackets }, p.Brackets, "#8a4b00", "7 4", "square"},
		{pr.T("open divergences"), CountDivergences, i18n.Key("%d open divergences"), func(d Day) int { return d.Divergences }, p.Divergences, "#4a148c", "2 3", "triangle"},
	}
}

// printer is the language of the chart's words, English for a chart made
// by hand.
func (p *ProgressChart) printer() *i18n.Printer { return printer(p.lang) }

// WriteProgress writes a progress chart as SVG: each count per day (open
// items, open brackets, open divergences) as a line, the rounds shaded,
// and for each count that falls, its forecast: the line at the
// Theil–Sen pace from the last day to zero, in a band between the paces
// at the ends of its 95% interval; under the plot, each forecast in a
// sentence.
func WriteProgress(w io.Writer, p *ProgressChart, o Options) error {
	if p == nil || len(p.Days) == 0 {
		return parley.Errorf(parley.EINTERNAL, "there is no progress chart to draw")
	}
	s := newSVG(o, "pp-")
	pr := p.printer()
	n := len(p.Days)
	// Days after the last that the forecasts need, at most as many again
	// as the chart shows (and at least a week).
	ext := 0
	limit := max(7, n)
	for _, sr := range p.series() {
		if sr.fc.Trend == TrendFalling {
			ext = max(ext, min(limit, int(math.Ceil(sr.fc.Late))+1))
		}
	}
	total := float64(n + ext)
	x0, x1 := float64(pgLeft), float64(pgWidth-pgRight)
	xd := func(d float64) float64 { return x0 + (d+0.5)/total*(x1-x0) }
	top := 1
	for _, d := range p.Days {
		top = max(top, d.Open, d.Brackets, d.Divergences)
	}
	yMax, yStep := niceScale(top)
	y0, y1 := float64(pgTop), float64(pgTop+pgPlot)
	yv := func(v float64) float64 { return y1 - v/float64(yMax)*(y1-y0) }
	var sentences []string
	for _, line := range p.Sentences() {
		sentences = append(sentences, wrap(line, fits(pgWidth-16, 11), 4)...)
	}
	height := y1 + 40 + float64(len(sentences)+1)*legendLine
	title := pr.T("Open items, brackets and divergences by day, %[1]s to %[2]s", pr.Date(p.From), pr.Date(p.To))
	s.Open(pgWidth, height, title, strings.Join(p.Text(), " "))
	s.defs()
	s.label(8, 18, 13, "start", true, "#111", plain(shorten(title, 90)))
	// Rounds, and the days of the forecast.
	for _, r := range p.Rounds {
		a := xd(float64(r.From.Sub(p.From)/dayLen) - 0.5)
		b := xd(float64(r.To.Sub(p.From)/dayLen) + 0.5)
		s.rect(a, y0, b-a, y1-y0, `fill="#eef2f7"`)
		s.label(a+3, y0-4, 10, "start", true, "#333", user(shorten(r.Title, fits(b-a-4, 10))))
	}
	if ext > 0 {
		a := xd(float64(n) - 0.5)
		s.rect(a, y0, x1-a, y1-y0, `fill="#fafafa" stroke="#bbb" stroke-dasharray="3 3"`)
		s.label(a+3, y0+12, 10, "start", false, "#333", plain(pr.T("forecast")))
	}
	// Axes.
	for v := 0; v <= yMax; v += yStep {
		y := yv(float64(v))
		s.line(x0, y, x1, y, `stroke="#ddd" stroke-width="1"`)
		s.label(x0-6, y+4, 10, "end", false, "#333", plain(pr.Number(v)))
	}
	s.line(x0, y1, x1, y1, `stroke="#333" stroke-width="1"`)
	s.line(x0, y0, x0, y1, `stroke="#333" stroke-width="1"`)
	dayW := (x1 - x0) / total
	step := max(1, int(math.Ceil(64/dayW)))
	for d := 0; d < n+ext; d += step {
		x := xd(float64(d))
		s.line(x, y1, x, y1+4, `stroke="#333"`)
		s.label(x, y1+16, 10, "middle", false, "#333", plain(shortDate(pr, p.From.Add(time.Duration(d)*dayLen), false)))
	}
	// The forecasts, under the lines.
	last := float64(n - 1)
	for _, sr := range p.series() {
		f := sr.fc
		if f.Trend != TrendFalling {
			continue
		}
		clipX := func(days float64) (float64, float64) {
			// The point where the count reaches zero, or where the
			// chart ends if that is later, with the count there.
			if last+days <= total-0.5 {
				return xd(last + days), yv(0)
			}
			d := total - 0.5 - last
			return xd(last + d), yv(float64(f.Last) * (1 - d/days))
		}
		ax, ay := xd(last), yv(float64(f.Last))
		ex, ey := clipX(f.Early)
		lx, ly := clipX(f.Late)
		zx, zy := clipX(f.Zero)
		band := [][2]float64{{ax, ay}, {ex, ey}}
		if ey == yv(0) && ly != yv(0) {
			band = append(band, [2]float64{lx, yv(0)})
		}
		band = append(band, [2]float64{lx, ly})
		s.Raw(`<path d="`, s.polyline(band), `z" fill="`, s.URL("dots"), `" stroke="`, sr.stroke, `" stroke-width="1" stroke-dasharray="2 2"/>`, "\n")
		s.line(ax, ay, zx, zy, `stroke="`+sr.stroke+`" stroke-width="2" stroke-dasharray="6 3"`)
		s.Raw("\n")
	}
	// The lines, a point per day or, when days are many, per run of days.
	for _, sr := range p.series() {
		every := max(1, (n+pgPoints-1)/pgPoints)
		var pts [][2]float64
		for d := 0; d < n; d++ {
			if d%every != every-1 && d != n-1 {
				continue
			}
			pts = append(pts, [2]float64{xd(float64(d)), yv(float64(sr.value(p.Days[d])))})
		}
		s.Raw(`<path d="`, s.polyline(pts), `" fill="none" stroke="`, sr.stroke, `" stroke-width="2"`)
		if sr.dash != "" {
			s.Raw(` stroke-dasharray="`, sr.dash, `"`)
		}
		s.Raw("/>\n")
		if n <= 62 {
			for d, pt := range pts {
				s.Raw("<g><title>")
				s.Text(pr.T("%[1]s: %[2]s", pr.Date(p.Days[d].Date), pr.T(sr.per, sr.value(p.Days[d]))))
				s.Raw("</title>")
				s.marker(sr.marker, pt[0], pt[1], sr.stroke)
				s.Raw("</g>")
			}
			s.Raw("\n")
		}
	}
	// The key and the sentences.
	y := y1 + 40
	kx := x0
	for _, sr := range p.series() {
		s.line(kx, y-4, kx+28, y-4, `stroke="`+sr.stroke+`" stroke-width="2"`+dashAttr(sr.dash))
		s.marker(sr.marker, kx+14, y-4, sr.stroke)
		s.label(kx+34, y, 11, "start", false, "#111", plain(sr.name))
		kx += 200
	}
	for _, line := range sentences {
		y += legendLine
		s.label(8, y, 11, "start", false, "#111", plain(shorten(line, fits(pgWidth-16, 11))))
	}
	s.Close()
	return s.CopyTo(w)
}

func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

func (s *svg) polyline(pts [][2]float64) string {
	var b strings.Builder
	for i, p := range pts {
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString("L")
		}
		b.WriteString(num(s.X(p[0])) + " " + num(p[1]))
	}
	return b.String()
}

// marker writes a point's marker: a disc, a square or a triangle.
func (s *svg) marker(kind string, x, y float64, colour string) {
	x = s.X(x)
	switch kind {
	case "square":
		s.Raw(`<rect x="`, num(x-3.5), `" y="`, num(y-3.5), `" width="7" height="7" fill="#fff" stroke="`, colour, `" stroke-width="1.5"/>`)
	case "triangle":
		s.Raw(`<path d="M`, num(x), " ", num(y-4.5), "L", num(x+4.5), " ", num(y+3.5), "L", num(x-4.5), " ", num(y+3.5), `z" fill="`, colour, `"/>`)
	default:
		s.Raw(`<circle cx="`, num(x), `" cy="`, num(y), `" r="3.5" fill="`, colour, `"/>`)
	}
}

// niceScale returns the top of a count axis that holds v and the step of
// its ticks: 1, 2 or 5 times a power of ten, with at most 6 steps.
func niceScale(v int) (top, step int) {
	step = 1
	for {
		for _, m := range []int{1, 2, 5} {
			if st := step * m; (v+st-1)/st <= 6 {
				return (v + st - 1) / st * st, st
			}
		}
		if step > math.MaxInt/100 {
			return v, v
		}
		step *= 10
	}
}

// Sentences says each forecast in a sentence.
func (p *ProgressChart) Sentences() []string {
	pr := p.printer()
	var out []string
	for _, sr := range p.series() {
		out = append(out, sr.fc.Words(pr, sr.count, p.lastFitted()))
	}
	if p.Truncated {
		out = append(out, pr.T("The history stops before the end of the record: the last days may miss changes."))
	}
	return out
}

// lastFitted is the last day of the chart, the last the forecasts fit.
func (p *ProgressChart) lastFitted() time.Time { return p.To }

// Text returns what the chart shows, in sentences: its text alternative.
// It lists the counts of every day when there are at most 62, else of
// one day in seven and the last.
func (p *ProgressChart) Text() []string {
	pr := p.printer()
	out := []string{pr.T("Open items, brackets and divergences by day, %[1]s to %[2]s.", pr.Date(p.From), pr.Date(p.To))}
	every := 1
	if len(p.Days) > 62 {
		every = 7
	}
	for d, x := range p.Days {
		if d%every != 0 && d != len(p.Days)-1 {
			continue
		}
		out = append(out, pr.T("%[1]s: %[2]s, %[3]s, %[4]s (%[5]s on the agenda).", dayInRound(pr, x.Date, p.Rounds),
			pr.T("%d open items", x.Open), pr.T("%d open brackets", x.Brackets), pr.T("%d open divergences", x.Divergences), pr.T("%d items", x.Items)))
	}
	return append(out, p.Sentences()...)
}

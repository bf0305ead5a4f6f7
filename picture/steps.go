package picture

import (
	"io"
	"math"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/words"
)

// The steps of a measure on a time axis (StepsOf, WriteSteps): a row per
// step of the plan in force, the span from its entry into the plan to its
// due time shaded by its status, its due time marked, each report (a
// circle) and finding (a square, filled for a confirmation, half for a
// confirmation in part, a cross for a dispute) at its time and linking to
// the record as it was after it, and a line at the time the statuses are
// as of. It holds only counts, dates and verdicts, as the record does:
// never an annex.

// A StepChart is a measure's steps on a time axis, as of a mark.
type StepChart struct {
	Talks, Measure string
	Version        int
	InForce        bool
	At             time.Time // the time the statuses are as of
	From, To       time.Time // the axis
	Rows           []StepRow
}

// A StepRow is one step of the chart.
type StepRow struct {
	Step, Party, Status string
	Planned, Due        time.Time // its entry into the plan; its due time
	Quantity            int64
	Unit                string
	WaitingOn           []string
	Marks               []StepMark // its reports and findings, in log order
}

// A StepMark is a report or a finding on a step.
type StepMark struct {
	Index    int64
	Time     time.Time
	Report   bool   // a report; otherwise a finding
	Verdict  string // of a finding
	Quantity int64
	Annex    bool // it carried a sealed annex
}

// StepsOf builds the chart of a measure as of the mark its status is as
// of (at, the clock): the steps of its plan with their reports and
// findings (history, by step). The axis runs from the earliest entry into
// the plan to the latest due time or mark, with a day's margin, and
// reaches the clock only if it is within a month of them: a view of now
// long after the last step says where "now" is in words instead.
func StepsOf(talks string, ms measures.MeasureStatus, history map[string][]measures.Entry, at time.Time) *StepChart {
	c := &StepChart{Talks: talks, Measure: ms.Measure, Version: ms.Version, InForce: ms.InForce, At: at}
	var from, to time.Time
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if from.IsZero() || t.Before(from) {
			from = t
		}
		if to.IsZero() || t.After(to) {
			to = t
		}
	}
	widen(ms.Planned.Time)
	for _, s := range ms.Steps {
		r := StepRow{Step: s.Step.ID, Party: s.Step.Party, Status: s.Status, Planned: ms.Planned.Time, Due: s.Due,
			Quantity: s.Step.Quantity, Unit: s.Step.Unit, WaitingOn: s.WaitingOn}
		widen(s.Due)
		for _, e := range history[s.Step.ID] {
			r.Marks = append(r.Marks, StepMark{Index: e.Index, Time: e.Time, Report: e.Act == measures.KindReportStep, Verdict: e.Verdict, Quantity: e.Quantity, Annex: e.Annex})
			widen(e.Time)
			if e.Time.Before(r.Planned) || r.Planned.IsZero() {
				r.Planned = e.Time
			}
		}
		c.Rows = append(c.Rows, r)
	}
	if !to.IsZero() && at.After(to) && at.Sub(to) <= 31*dayLen {
		widen(at)
	}
	if from.IsZero() {
		from, to = at, at
	}
	c.From = from.Add(-dayLen / 2)
	c.To = to.Add(dayLen / 2)
	return c
}

// The geometry of a step chart.
const (
	stWidth = 760
	stLabel = 170 // the column of step ids
	stRight = 20
	stHead  = 52
	stRow   = 36
)

// WriteSteps writes a step chart as SVG in the language of p (English if
// nil). Its title and description say everything it shows.
func WriteSteps(w io.Writer, c *StepChart, p *i18n.Printer, o Options) error {
	if c == nil {
		return parley.Errorf(parley.EINTERNAL, "there is no chart of steps to draw")
	}
	p = printer(p)
	s := newSVG(o, "ps-")
	x0, x1 := float64(stLabel+8), float64(stWidth-stRight)
	span := c.To.Sub(c.From)
	if span <= 0 {
		span = dayLen
	}
	xt := func(t time.Time) float64 {
		f := float64(t.Sub(c.From)) / float64(span)
		return x0 + math.Max(0, math.Min(1, f))*(x1-x0)
	}
	legend := stepLegend(p)
	rowsTop := float64(stHead)
	rowsBottom := rowsTop + float64(len(c.Rows))*stRow
	height := rowsBottom + 10 + float64(len(legend))*legendLine + 6
	title := p.T("The steps of %[1]s, plan version %[2]d, as of %[3]s", c.Measure, c.Version, p.Time(c.At))
	s.Open(stWidth, height, title, strings.Join(StepsText(c, p), " "))
	s.Raw(`<defs><pattern id="`, s.ID(), `hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`,
		`<rect width="6" height="6" fill="#cfe8d2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#1b5e20" stroke-width="2"/></pattern></defs>`, "\n")
	s.label(8, 18, 13, "start", true, "#111", plain(shorten(title, 90)))
	// The days: ticks far enough apart to read.
	days := span.Hours() / 24
	step := 1.0
	for _, d := range []float64{1, 2, 7, 14, 28, 56, 112, 365} {
		step = d
		if (x1-x0)*d/days >= 96 {
			break
		}
	}
	first := time.Date(c.From.Year(), c.From.Month(), c.From.Day(), 0, 0, 0, 0, c.From.Location()).Add(dayLen)
	for t := first; !t.After(c.To); t = t.Add(time.Duration(step) * dayLen) {
		x := xt(t)
		s.line(x, 30, x, rowsBottom, `stroke="#ddd" stroke-width="1"`)
		s.label(x+3, 42, 10, "start", false, "#333", plain(p.Date(t)))
	}
	// The time the statuses are as of.
	if !c.At.Before(c.From) && !c.At.After(c.To) {
		x := xt(c.At)
		s.line(x, 26, x, rowsBottom, `stroke="#0d47a1" stroke-width="2" stroke-dasharray="4 3"`)
	} else if c.At.After(c.To) {
		s.label(x1, 18+14, 10, "end", false, "#0d47a1", plain(p.T("as of %s, after the end of this axis", p.Date(c.At))))
	}
	for k, r := range c.Rows {
		y := rowsTop + float64(k)*stRow
		if k%2 == 1 {
			s.rect(0, y, stWidth, stRow, `fill="#000" fill-opacity="0.035"`)
		}
		s.label(8, y+15, 12, "start", true, "#111", plain(shorten(r.Step, 22)))
		s.label(8, y+29, 10, "start", false, "#444", plain(shorten(p.T("%[1]s · %[2]s", r.Party, words.StepStatus(p, r.Status)), 28)))
		// The span from its entry into the plan to its due time.
		a, b := xt(r.Planned), xt(r.Due)
		if b < a {
			a, b = b, a
		}
		s.rect(a, y+12, math.Max(b-a, 2), 12, stepFill(s, r.Status))
		// Its due time.
		s.line(xt(r.Due), y+6, xt(r.Due), y+30, `stroke="#b71c1c" stroke-width="2"`)
		for _, m := range r.Marks {
			x := xt(m.Time)
			s.Raw(`<a href="`, escape(o.Links.at(c.Talks, m.Index)), `"><title>`)
			s.Text(stepMarkWords(p, r, m))
			s.Raw("</title>")
			switch {
			case m.Report:
				s.Raw(`<circle cx="`, num(s.X(x)), `" cy="`, num(y+18), `" r="5" fill="#fff" stroke="#0d47a1" stroke-width="2"/>`)
			case m.Verdict == parley.VerdictConfirmed:
				s.rect(x-5, y+13, 10, 10, `fill="#1b5e20" stroke="#fff" stroke-width="1"`)
			case m.Verdict == parley.VerdictPartial:
				s.rect(x-5, y+13, 10, 10, `fill="#fff" stroke="#8a4b00" stroke-width="2"`)
				s.rect(x-5, y+18, 10, 5, `fill="#8a4b00"`)
			default:
				s.Raw(`<path d="M`, num(s.X(x-5)), " ", num(y+13), "L", num(s.X(x+5)), " ", num(y+23), "M", num(s.X(x+5)), " ", num(y+13), "L", num(s.X(x-5)), " ", num(y+23),
					`" stroke="#b71c1c" stroke-width="3"/>`)
			}
			s.Raw("</a>\n")
		}
	}
	y := rowsBottom + 10 + 12
	for _, l := range legend {
		s.label(8, y, 11, "start", false, "#333", plain(l))
		y += legendLine
	}
	s.Close()
	return s.CopyTo(w)
}

// stepFill is the fill of a step's span by its status: done hatched,
// disputed red, done in part orange, reported or confirmed blue, due
// amber, overdue red-edged, waiting grey, not in force pale.
func stepFill(s *svg, status string) string {
	switch status {
	case measures.StatusDone:
		return `fill="` + s.URL("hatch") + `" stroke="#1b5e20"`
	case measures.StatusDisputed:
		return `fill="#f4c7c3" stroke="#b71c1c"`
	case measures.StatusPartial:
		return `fill="#fff3e0" stroke="#8a4b00"`
	case measures.StatusReported, measures.StatusConfirmed:
		return `fill="#d6e4f5" stroke="#0d47a1"`
	case measures.StatusDue:
		return `fill="#fff8d6" stroke="#8a6d00"`
	case measures.StatusOverdue:
		return `fill="#fff8d6" stroke="#b71c1c" stroke-width="2"`
	case measures.StatusWaiting:
		return `fill="#eeeeee" stroke="#757575"`
	}
	return `fill="#f7f7f7" stroke="#bdbdbd" stroke-dasharray="3 2"`
}

func stepLegend(p *i18n.Printer) []string {
	return []string{
		p.T("Each row is a step, from its entry into the plan to its due time (the red mark), shaded by its status."),
		p.T("A circle is a report; a filled square a confirmation; a half-filled square a confirmation in part; a cross a dispute. Each links to the record after it."),
		p.T("The dashed blue line is the time the statuses are as of. Sealed annexes are never shown: only that a report carried one."),
	}
}

// stepMarkWords says a report or a finding.
func stepMarkWords(p *i18n.Printer, r StepRow, m StepMark) string {
	q := words.Quantity(p, m.Quantity, r.Unit)
	when := p.Time(m.Time)
	switch {
	case m.Report && q != "" && m.Annex:
		return p.T("step %[1]s reported done, %[2]s, on %[3]s, with a sealed annex", r.Step, q, when)
	case m.Report && q != "":
		return p.T("step %[1]s reported done, %[2]s, on %[3]s", r.Step, q, when)
	case m.Report:
		return p.T("step %[1]s reported done on %[2]s", r.Step, when)
	case q != "" || m.Verdict != parley.VerdictConfirmed:
		if q == "" {
			q = p.Number(int(m.Quantity))
		}
		return p.T("step %[1]s: %[2]s by the verifier on %[3]s, %[4]s verified", r.Step, words.Verdict(p, m.Verdict), when, q)
	}
	return p.T("step %[1]s: %[2]s by the verifier on %[3]s", r.Step, words.Verdict(p, m.Verdict), when)
}

// StepsText says everything the chart shows, a sentence per step, for
// the picture's description and for readers without it.
func StepsText(c *StepChart, p *i18n.Printer) []string {
	p = printer(p)
	var out []string
	if c.InForce {
		out = append(out, p.T("Measure %[1]s is in force: its plan, version %[2]d, binds the parties.", c.Measure, c.Version))
	} else {
		out = append(out, p.T("Measure %[1]s is not in force: its plan, version %[2]d, binds no one until the parties agree it.", c.Measure, c.Version))
	}
	for _, r := range c.Rows {
		s := p.T("Step %[1]s, of %[2]s, due %[3]s: %[4]s.", r.Step, r.Party, p.Time(r.Due), words.StepStatus(p, r.Status))
		if len(r.WaitingOn) > 0 {
			s += " " + p.T("It waits for %s.", p.List(r.WaitingOn))
		}
		for _, m := range r.Marks {
			s += " " + words.Sentence(stepMarkWords(p, r, m))
		}
		out = append(out, s)
	}
	return out
}

package briefing

import (
	"strings"

	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/words"
)

// measures writes the section on measures carried out: for each measure
// with a plan the viewer sees, whether its plan is in force, each step's
// status with the reports and findings on it, who must move next and
// since when; then each party's record. It reads the view's record of
// measures (view.Measures), which holds counts, dates, verdicts and
// reasons and never an annex's content: it says only that an annex was
// sealed.
func (w *writer) measures() {
	m := w.t.Measures
	if m == nil || len(m.Statuses) == 0 {
		return
	}
	p := w.p
	w.heading(p.T("Measures carried out"))
	w.line(p.T("Where each step of the measures stands as of event %s. A step is done only when the verifier confirms it; the annexes of reports and findings, such as lists of persons, are sealed to the parties and the verifier and are not reproduced here.", w.ref(w.t.Size-1)))
	for _, ms := range m.Statuses {
		it := w.t.Item(ms.Measure)
		name := "**" + ms.Measure + "**"
		if it != nil {
			name = w.item(it)
		}
		w.line("")
		done := 0
		for _, s := range ms.Steps {
			if s.Status == measures.StatusDone {
				done++
			}
		}
		head := []string{}
		if ms.InForce {
			head = append(head, p.T("%[1]s: its plan, version %[2]d %[3]s, is in force: the parties agreed it.", name, ms.Version, w.ref(ms.Planned.Index)))
		} else {
			head = append(head, p.T("%[1]s: its plan, version %[2]d %[3]s, is not in force: it binds no one until the parties agree it.", name, ms.Version, w.ref(ms.Planned.Index)))
		}
		head = append(head, p.T("Steps done: %[1]d of %[2]d.", done, len(ms.Steps)))
		w.line(strings.Join(head, " "))
		w.line("")
		for _, s := range ms.Steps {
			what := s.Step.Action
			if q := words.Quantity(p, s.Step.Quantity, s.Step.Unit); q != "" {
				what = p.T("%[1]s, %[2]s", what, q)
			}
			sentences := []string{p.T("Step %[1]s, of %[2]s: %[3]s, due %[4]s: %[5]s.", "`"+s.Step.ID+"`", w.party(s.Step.Party), what, p.Time(s.Due), words.StepStatus(p, s.Status))}
			if len(s.WaitingOn) > 0 {
				sentences = append(sentences, p.T("It waits for %s.", p.List(s.WaitingOn)))
			}
			for _, e := range m.History[s.Step.ID] {
				sentences = append(sentences, w.entry(&e, s.Step.Unit))
			}
			w.line("- " + strings.Join(sentences, " "))
		}
		w.line("")
		switch {
		case ms.Complete:
			w.line(p.T("Every step is done: the measure is carried out."))
		case len(ms.Next) == 0:
			w.line(p.T("Who moves next: nobody, until the measure is in force or the steps it waits for are done."))
		default:
			var moves []string
			for _, mv := range ms.Next {
				moves = append(moves, words.Sentence(capitalize(words.Move(p, mv, w.party(mv.Party), w.actor(mv.Verifier)))))
			}
			w.line(p.T("Who moves next: %s", strings.Join(moves, " ")))
		}
	}
	if len(m.Records) == 0 {
		return
	}
	w.line("")
	w.line(p.T("The record of each party, over the steps of the plans in force:"))
	w.line("")
	for _, r := range m.Records {
		w.line("- " + p.T("%[1]s: %[2]s.", w.party(r.Party), words.Record(p, r)))
	}
}

// entry says a report or a finding on a step, citing its event, with the
// reason of a finding quoted and no more of an annex than that it was
// sealed.
func (w *writer) entry(e *measures.Entry, unit string) string {
	p := w.p
	q := words.Quantity(p, e.Quantity, unit)
	var s string
	switch {
	case e.Act == measures.KindReportStep && q != "":
		s = p.T("reported done, %[1]s, on %[2]s", q, p.Time(e.Time))
	case e.Act == measures.KindReportStep:
		s = p.T("reported done on %s", p.Time(e.Time))
	case q != "":
		s = p.T("%[1]s by the verifier on %[2]s, %[3]s verified", words.Verdict(p, e.Verdict), p.Time(e.Time), q)
	default:
		s = p.T("%[1]s by the verifier on %[2]s", words.Verdict(p, e.Verdict), p.Time(e.Time))
	}
	if e.Annex {
		s = p.T("%[1]s, %[2]s", s, p.T("with a sealed annex"))
	}
	s = capitalize(s) + " " + w.ref(e.Index)
	if e.Act == measures.KindVerifyStep && e.Note != "" {
		s += ": " + words.Quote(p, e.Note)
	}
	return words.Sentence(s)
}

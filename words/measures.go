package words

import (
	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/measures"
)

// The words of measures carried out (docs/MEASURES.md): the statuses of
// steps, the verifiers' verdicts, who must move next and each party's
// record, said the same way by the pages, the briefing, the command line
// and the pictures.

// StepStatus names the status of a step: "waiting", "due", "overdue",
// "reported", "confirmed", "done in part", "disputed", "done" or "not in
// force".
func StepStatus(p *i18n.Printer, s string) string {
	switch s {
	case measures.StatusNotInForce:
		return p.T("not in force")
	case measures.StatusWaiting:
		return p.T("waiting")
	case measures.StatusDue:
		return p.T("due")
	case measures.StatusOverdue:
		return p.T("overdue")
	case measures.StatusReported:
		return p.T("reported")
	case measures.StatusConfirmed:
		return p.T("share confirmed")
	case measures.StatusPartial:
		return p.T("done in part")
	case measures.StatusDisputed:
		return p.T("disputed")
	case measures.StatusDone:
		return p.T("done")
	}
	return s
}

// Verdict names a verifier's verdict: "confirmed", "confirmed in part",
// "disputed".
func Verdict(p *i18n.Printer, v string) string {
	switch v {
	case parley.VerdictConfirmed:
		return p.T("confirmed")
	case parley.VerdictPartial:
		return p.T("confirmed in part")
	case parley.VerdictDisputed:
		return p.T("disputed")
	}
	return v
}

// Quantity says a quantity of a step's unit, "50 detainees", or "" for a
// step that is not counted. The unit is the plan's own word, as written.
func Quantity(p *i18n.Printer, q int64, unit string) string {
	if q == 0 && unit == "" {
		return ""
	}
	return p.T("%[1]s %[2]s", p.Number(int(q)), unit)
}

// Move says who must move next on a step and since when: "Government
// (gov) must report step X.t2.gov; its move since 13 May 2015, overdue".
// party names the party, verifier the verifier.
func Move(p *i18n.Printer, m measures.Move, party, verifier string) string {
	since := p.Date(m.Since)
	switch {
	case m.Act == measures.KindVerifyStep:
		return p.T("%[1]s must verify the report of step %[2]s; its move since %[3]s", verifier, m.Step, since)
	case m.Overdue:
		return p.T("%[1]s must report step %[2]s, past its due time; its move since %[3]s", party, m.Step, since)
	}
	return p.T("%[1]s must report step %[2]s; its move since %[3]s", party, m.Step, since)
}

// Record says a party's record in counts: "on time: 1, disputed: 1 and
// open: 1". A party with no step in a plan in force has "no step".
func Record(p *i18n.Printer, r measures.PartyRecord) string {
	var parts []string
	if n := len(r.OnTime); n > 0 {
		parts = append(parts, p.T("on time: %d", n))
	}
	if n := len(r.Late); n > 0 {
		parts = append(parts, p.T("late: %d", n))
	}
	if n := len(r.InPart); n > 0 {
		parts = append(parts, p.T("done in part: %d", n))
	}
	if n := len(r.Disputed); n > 0 {
		parts = append(parts, p.T("disputed: %d", n))
	}
	if n := len(r.Open); n > 0 {
		parts = append(parts, p.T("open: %d", n))
	}
	if len(parts) == 0 {
		return p.T("no step")
	}
	return p.List(parts)
}

package measures

import (
	"slices"
	"sort"
	"time"
)

// Statuses of a step, as of a mark. docs/MEASURES.md defines each exactly.
const (
	StatusNotInForce = "not_in_force" // the measure is not agreed: its plan binds no one yet, or no longer
	StatusWaiting    = "waiting"      // it waits for steps not yet done
	StatusDue        = "due"          // its party's move, before its due time
	StatusOverdue    = "overdue"      // its party's move, past its due time
	StatusReported   = "reported"     // its report awaits the verifier
	StatusConfirmed  = "confirmed"    // its share of an exchange is confirmed; another share is not yet
	StatusPartial    = "done_in_part" // the verifier confirmed part of it
	StatusDisputed   = "disputed"     // the verifier disputed its report
	StatusDone       = "done"         // confirmed in full, with its whole exchange
)

// A StepStatus is a step and where it stands as of a mark.
type StepStatus struct {
	Measure string    `json:"measure"`
	Step    Step      `json:"step"` // as the plan in force at the mark gives it
	Status  string    `json:"status"`
	Since   time.Time `json:"since"` // when it came to stand so (see docs/MEASURES.md)
	Due     time.Time `json:"due"`
	// WaitingOn holds the steps not yet done that it waits for (its own
	// and, for an exchange, those of the other shares), when waiting.
	WaitingOn []string `json:"waiting_on,omitempty"`
	// Exchange holds the other steps of its exchange.
	Exchange []string `json:"exchange,omitempty"`
	// Report is its last report, Finding its last finding (which may be
	// on an earlier report), as of the mark.
	Report  *Entry `json:"report,omitempty"`
	Finding *Entry `json:"finding,omitempty"`
}

// A Move is what someone must do next for a measure: a party must report
// a step, or a verifier verify a report.
type Move struct {
	Step     string    `json:"step"`
	Act      string    `json:"act"`                // KindReportStep or KindVerifyStep
	Party    string    `json:"party,omitempty"`    // the party that must report
	Verifier string    `json:"verifier,omitempty"` // the key of the verifier that must verify
	Since    time.Time `json:"since"`              // since when it is theirs to move
	Overdue  bool      `json:"overdue,omitempty"`  // a party's move on a step past its due time
}

// A MeasureStatus is a measure's plan and where each step stands, as of a
// mark.
type MeasureStatus struct {
	Measure string `json:"measure"`
	Version int    `json:"version"` // of the plan in force
	Planned Mark   `json:"planned"` // the event that tabled it
	InForce bool   `json:"in_force"`
	// Since is when the measure last became agreed, or ceased to be;
	// zero if it never was agreed.
	Since    time.Time    `json:"since,omitzero"`
	Steps    []StepStatus `json:"steps"` // in plan order
	Next     []Move       `json:"next"`  // by Since, then plan order
	Complete bool         `json:"complete"`
}

// A PartyRecord is how a party has carried out its steps, as of a mark.
// Every step of the party in the plans in force is in exactly one of
// OnTime, Late, InPart, Disputed and Open.
type PartyRecord struct {
	Party string `json:"party"`
	// OnTime: its share verified in full, reported by the due time.
	OnTime []string `json:"on_time"`
	// Late: its share verified in full but reported after the due time,
	// or overdue.
	Late []string `json:"late"`
	// HeldUp: those of Late that, at their due time, still waited for
	// steps not done: the lateness began with those steps.
	HeldUp []string `json:"held_up,omitempty"`
	// InPart: the verifier confirmed part of it, and no new report awaits.
	InPart []string `json:"in_part"`
	// Disputed: the verifier disputed its report, and no new report awaits.
	Disputed []string `json:"disputed"`
	// Open: the rest, not yet decided: not in force, waiting, due, reported.
	Open []string `json:"open"`
	// Disputes counts the findings that disputed its reports.
	Disputes int `json:"disputes"`
}

// Measures returns the measures that have a plan, in the order of their
// first plans.
func (b *Book) Measures() []string {
	out := make([]string, len(b.order))
	for i, ms := range b.order {
		out[i] = ms.id
	}
	return out
}

// MeasureOf returns the measure a step belongs to: the one whose plan first
// held it, for good.
func (b *Book) MeasureOf(step string) (string, bool) {
	if l := b.steps[step]; l != nil {
		return l.measure, true
	}
	return "", false
}

// Plan returns a copy of the plan of a measure in force at the mark, and
// the mark of its event.
func (b *Book) Plan(item string, at Mark) (*PlanMeasure, Mark, bool) {
	ms := b.measures[item]
	if ms == nil {
		return nil, Mark{}, false
	}
	v := ms.versionAt(at.Index)
	if v == nil {
		return nil, Mark{}, false
	}
	return clonePlan(v.plan), v.at, true
}

// Measure returns where a measure stands as of the mark; false if it has no
// plan then.
func (b *Book) Measure(item string, at Mark) (MeasureStatus, bool) {
	ms := b.measures[item]
	if ms == nil {
		return MeasureStatus{}, false
	}
	return b.measureStatus(ms, at)
}

// Statuses returns where every measure with a plan stands as of the mark,
// in the order of Measures.
func (b *Book) Statuses(at Mark) []MeasureStatus {
	var out []MeasureStatus
	for _, ms := range b.order {
		if s, ok := b.measureStatus(ms, at); ok {
			out = append(out, s)
		}
	}
	return out
}

// Step returns where a step stands as of the mark; false if no plan in
// force then holds it.
func (b *Book) Step(id string, at Mark) (StepStatus, bool) {
	l := b.steps[id]
	if l == nil {
		return StepStatus{}, false
	}
	ms := b.measures[l.measure]
	v := ms.versionAt(at.Index)
	if v == nil || v.byID[id] == nil {
		return StepStatus{}, false
	}
	in, since := ms.forceAt(at.Index)
	return b.stepStatus(ms.id, v.byID[id], in, since, at), true
}

// IsDone reports whether a step is done as of the mark: what a condition's
// done(ID) reads.
func (b *Book) IsDone(id string, at Mark) bool {
	l := b.steps[id]
	return l != nil && l.doneBy(at.Index)
}

// DoneAt returns the mark of the act that made a step done (the last
// confirmation of its exchange, or a revision that ended the exchange),
// and false if it is not done as of anything applied.
func (b *Book) DoneAt(id string) (Mark, bool) {
	l := b.steps[id]
	if l == nil || !l.isDone {
		return Mark{}, false
	}
	return l.done, true
}

// Done returns the steps done as of the mark, sorted: the done(ID) atoms
// that hold.
func (b *Book) Done(at Mark) []string {
	n := sort.Search(len(b.done), func(k int) bool { return b.done[k].index > at.Index })
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for k, d := range b.done[:n] {
		out[k] = d.id
	}
	slices.Sort(out)
	return out
}

// History returns the reports and findings on a step up to the mark, in
// log order.
func (b *Book) History(id string, at Mark) []Entry {
	l := b.steps[id]
	if l == nil {
		return nil
	}
	return slices.Clone(l.entries[:l.count(at.Index)])
}

// Audience returns who an annex on the step is sealed to, as of the mark:
// the parties the measure's plan obliges (whose heads and delegates
// receive it) and the step's verifier.
func (b *Book) Audience(step string, at Mark) (parties []string, verifier string, ok bool) {
	l := b.steps[step]
	if l == nil {
		return nil, "", false
	}
	v := b.measures[l.measure].versionAt(at.Index)
	if v == nil || v.byID[step] == nil {
		return nil, "", false
	}
	for _, d := range v.steps {
		if !slices.Contains(parties, d.Party) {
			parties = append(parties, d.Party)
		}
	}
	slices.Sort(parties)
	return parties, v.byID[step].Verifier, true
}

// NextDeadline returns the earliest due time after the mark's time of a
// step that is due at the mark: when a status next changes without an
// event, from due to overdue.
func (b *Book) NextDeadline(at Mark) (time.Time, bool) {
	var next time.Time
	for _, ms := range b.Statuses(at) {
		for _, s := range ms.Steps {
			if s.Status == StatusDue && (next.IsZero() || s.Due.Before(next)) {
				next = s.Due
			}
		}
	}
	return next, !next.IsZero()
}

// Records returns each party's record as of the mark, by party id: every
// party that a plan in force then obliges.
func (b *Book) Records(at Mark) []PartyRecord {
	recs := map[string]*PartyRecord{}
	for _, ms := range b.Statuses(at) {
		for _, s := range ms.Steps {
			r := recs[s.Step.Party]
			if r == nil {
				r = &PartyRecord{Party: s.Step.Party, OnTime: []string{}, Late: []string{}, InPart: []string{}, Disputed: []string{}, Open: []string{}}
				recs[s.Step.Party] = r
			}
			b.classify(r, s, at)
		}
	}
	out := make([]PartyRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y PartyRecord) int {
		switch {
		case x.Party < y.Party:
			return -1
		case x.Party > y.Party:
			return 1
		}
		return 0
	})
	return out
}

func (b *Book) classify(r *PartyRecord, s StepStatus, at Mark) {
	id := s.Step.ID
	l := b.steps[id]
	for _, e := range l.entries[:l.count(at.Index)] {
		if e.Verdict == Disputed {
			r.Disputes++
		}
	}
	late := false
	switch s.Status {
	case StatusDone, StatusConfirmed:
		late = s.Report.Time.After(s.Due)
		if !late {
			r.OnTime = append(r.OnTime, id)
			return
		}
	case StatusOverdue:
		late = true
	case StatusPartial:
		r.InPart = append(r.InPart, id)
		return
	case StatusDisputed:
		r.Disputed = append(r.Disputed, id)
		return
	default:
		r.Open = append(r.Open, id)
		return
	}
	if late {
		r.Late = append(r.Late, id)
		if b.heldUp(s, at) {
			r.HeldUp = append(r.HeldUp, id)
		}
	}
}

// heldUp reports whether a step still waited, at its due time, for steps
// not done then.
func (b *Book) heldUp(s StepStatus, at Mark) bool {
	ms := b.measures[s.Measure]
	d := ms.versionAt(at.Index).byID[s.Step.ID]
	for _, a := range d.after {
		l := b.steps[a]
		if l == nil || !l.doneBy(at.Index) || l.done.Time.After(d.due) {
			return true
		}
	}
	return false
}

func (b *Book) measureStatus(ms *measure, at Mark) (MeasureStatus, bool) {
	v := ms.versionAt(at.Index)
	if v == nil {
		return MeasureStatus{}, false
	}
	in, since := ms.forceAt(at.Index)
	out := MeasureStatus{Measure: ms.id, Version: v.plan.Version, Planned: v.at, InForce: in, Since: since,
		Steps: make([]StepStatus, len(v.steps)), Next: []Move{}, Complete: true}
	for i, d := range v.steps {
		s := b.stepStatus(ms.id, d, in, since, at)
		out.Steps[i] = s
		if s.Status != StatusDone {
			out.Complete = false
		}
		switch s.Status {
		case StatusReported:
			out.Next = append(out.Next, Move{Step: d.ID, Act: KindVerifyStep, Verifier: d.Verifier, Since: s.Report.Time})
		case StatusDue, StatusOverdue:
			out.Next = append(out.Next, Move{Step: d.ID, Act: KindReportStep, Party: d.Party, Since: b.ready(d, in, since, at), Overdue: s.Status == StatusOverdue})
		case StatusPartial, StatusDisputed:
			if in {
				out.Next = append(out.Next, Move{Step: d.ID, Act: KindReportStep, Party: d.Party, Since: s.Since, Overdue: at.Time.After(d.due)})
			}
		}
	}
	slices.SortStableFunc(out.Next, func(x, y Move) int { return x.Since.Compare(y.Since) })
	return out, true
}

// ready returns since when a step in force has had nothing to wait for:
// the latest of the measure's agreement, the step's entry into the plan and
// the completion of the steps it waits for.
func (b *Book) ready(d *stepDef, in bool, since time.Time, at Mark) time.Time {
	r := d.since.Time
	if in && since.After(r) {
		r = since
	}
	for _, a := range d.after {
		if l := b.steps[a]; l != nil && l.doneBy(at.Index) && l.done.Time.After(r) {
			r = l.done.Time
		}
	}
	return r
}

func (b *Book) stepStatus(item string, d *stepDef, in bool, since time.Time, at Mark) StepStatus {
	l := b.steps[d.ID]
	s := StepStatus{Measure: item, Step: d.Step, Due: d.due}
	s.Step.After = slices.Clone(d.After)
	s.Step.Together = slices.Clone(d.Together)
	if d.group != nil {
		for _, id := range d.group {
			if id != d.ID {
				s.Exchange = append(s.Exchange, id)
			}
		}
	}
	rep, fin := l.latest(l.count(at.Index))
	if rep != nil {
		c := *rep
		s.Report = &c
	}
	if fin != nil {
		c := *fin
		s.Finding = &c
	}
	pending := rep != nil && (fin == nil || rep.Index > fin.Index)
	switch {
	case l.doneBy(at.Index):
		s.Status, s.Since = StatusDone, l.done.Time
	case pending:
		s.Status, s.Since = StatusReported, rep.Time
	case fin != nil && fin.Verdict == Confirmed:
		s.Status, s.Since = StatusConfirmed, fin.Time
	case fin != nil && fin.Verdict == Partial:
		s.Status, s.Since = StatusPartial, fin.Time
	case fin != nil && fin.Verdict == Disputed:
		s.Status, s.Since = StatusDisputed, fin.Time
	case !in:
		s.Status, s.Since = StatusNotInForce, later(d.since.Time, since)
	default:
		for _, a := range d.after {
			if al := b.steps[a]; al == nil || !al.doneBy(at.Index) {
				s.WaitingOn = append(s.WaitingOn, a)
			}
		}
		switch ready := b.ready(d, in, since, at); {
		case len(s.WaitingOn) > 0:
			s.Status, s.Since = StatusWaiting, later(d.since.Time, since)
		case !at.Time.After(d.due):
			s.Status, s.Since = StatusDue, ready
		default:
			s.Status, s.Since = StatusOverdue, later(ready, d.due)
		}
	}
	return s
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

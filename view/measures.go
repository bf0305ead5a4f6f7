package view

import (
	"context"
	"slices"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/state"
)

// Measures is the record of the measures carried out as one viewer sees
// it, as of the view's mark: each measure's plan and the status of each
// step, who must move next and since when, each party's record, the steps
// done and every report and finding. Its answers never hold an annex's
// content: the record keeps only that a report or finding carried one,
// sealed.
//
// The acts of measures take the talks' default visibility (the state
// refuses any other), so a viewer sees all of the record or none of it: a
// view holds Measures only when its viewer may see every plan's event and
// every measure's item.
type Measures struct {
	// At is the mark the answers are as of: the view's last event and, for
	// a view of now, the clock when it was built; for a view of the past,
	// the time of its last event.
	At       measures.Mark
	Statuses []measures.MeasureStatus // in the order of their first plans
	Records  []measures.PartyRecord   // by party
	Done     []string                 // the steps done, sorted: the done(ID) atoms that hold
	// Deadline is the next time a status changes without an event (a step
	// turning overdue), zero if none: when a page showing the statuses
	// goes stale.
	Deadline time.Time
	// History holds the reports and findings on each step, by step id, in
	// log order.
	History map[string][]measures.Entry
}

// Measure returns where a measure stands, or nil if the view holds no plan
// of it.
func (m *Measures) Measure(item string) *measures.MeasureStatus {
	if m == nil {
		return nil
	}
	for i := range m.Statuses {
		if m.Statuses[i].Measure == item {
			return &m.Statuses[i]
		}
	}
	return nil
}

// Step returns where a step stands and its measure, or nil.
func (m *Measures) Step(id string) (*measures.StepStatus, *measures.MeasureStatus) {
	if m == nil {
		return nil, nil
	}
	for i := range m.Statuses {
		ms := &m.Statuses[i]
		for k := range ms.Steps {
			if ms.Steps[k].Step.ID == id {
				return &ms.Steps[k], ms
			}
		}
	}
	return nil, nil
}

// Record returns a party's record, or nil if no plan in force obliges it.
func (m *Measures) Record(party string) *measures.PartyRecord {
	if m == nil {
		return nil
	}
	for i := range m.Records {
		if m.Records[i].Party == party {
			return &m.Records[i]
		}
	}
	return nil
}

// IsDone reports whether a step is done.
func (m *Measures) IsDone(step string) bool {
	if m == nil {
		return false
	}
	_, ok := slices.BinarySearch(m.Done, step)
	return ok
}

// measuresOf copies the record of measures out of st for a viewer for whom
// visible(i) says whether the event at log index i is visible, as of at;
// nil when the viewer may not see it all, or there is none.
func measuresOf(st *state.Talks, seen state.Seen, at measures.Mark) *Measures {
	b := st.Measures()
	ids := b.Measures()
	if len(ids) == 0 {
		return nil
	}
	statuses := b.Statuses(at)
	if len(statuses) == 0 {
		return nil // no plan as of the mark
	}
	for _, ms := range statuses {
		it := st.Item(ms.Measure)
		if !seen.Visible(ms.Planned.Index) || !seen.Item(it) {
			return nil
		}
	}
	m := &Measures{At: at, Statuses: statuses, Records: b.Records(at), Done: b.Done(at), History: map[string][]measures.Entry{}}
	if m.Done == nil {
		m.Done = []string{}
	}
	m.Deadline, _ = b.NextDeadline(at)
	for _, ms := range statuses {
		for _, s := range ms.Steps {
			if h := b.History(s.Step.ID, at); len(h) > 0 {
				m.History[s.Step.ID] = h
			} else {
				m.History[s.Step.ID] = nil // none up to the mark, though some may come after it
			}
		}
	}
	return m
}

// AnnexRecipients returns whom an annex on a step is sealed to now, by the
// roster (which is public) and the step's plan as the view holds it: the
// heads and delegates of the parties the plan obliges and the step's
// verifier, not revoked, in the order of their keys.
func (t *Talks) AnnexRecipients(step string) []*state.Actor {
	s, ms := t.Measures.Step(step)
	if s == nil {
		return nil
	}
	var parties []string
	for _, x := range ms.Steps {
		if !slices.Contains(parties, x.Step.Party) {
			parties = append(parties, x.Step.Party)
		}
	}
	as := make([]*state.Actor, len(t.Actors))
	for i := range t.Actors {
		as[i] = &t.Actors[i]
	}
	return state.AnnexRecipientsAmong(as, parties, s.Step.Verifier)
}

// ReadsAnnexes reports whether the viewer is among whom the annexes on a
// step are sealed to now; a later recipient reads the earlier ones
// through a re-wrap.
func (t *Talks) ReadsAnnexes(step string) bool {
	if t.Viewer.Actor == nil {
		return false
	}
	for _, a := range t.AnnexRecipients(step) {
		if a.Key == t.Viewer.Actor.Key {
			return true
		}
	}
	return false
}

// measureMark is the mark a view's record of measures is as of: for a
// view of now, everything recorded as of the clock; for a view of the
// past, its last event and that event's time.
func measureMark(st *state.Talks, past bool) measures.Mark {
	if past {
		return measures.Mark{Index: st.Size - 1, Time: st.LastTime()}
	}
	return measures.At(time.Now())
}

// LoadMeasures returns a light view of a talks for its record of measures
// carried out as of the event at, or now if at is -1: its Measures as the
// viewer of key sees them, with Size and At as of that event, and the rest
// of the view as of now, without the agreement. Unlike Load, it does not
// replay the log for a view of the past, which on a large talks costs
// seconds: the Book answers as of any mark, here the event's index and
// time, with the viewer's visibility of now, as a view of the past has it.
func LoadMeasures(ctx context.Context, l *ledger.Ledger, id, key string, at int64) (*Talks, error) {
	var when time.Time
	if at >= 0 {
		if _, events, err := l.Read(ctx, id, at, at+1); err == nil && len(events) == 1 {
			when = events[0].At()
		}
	}
	var t *Talks
	err := l.View(ctx, id, func(st *state.Talks, cp parley.Checkpoint) error {
		if at < -1 || at >= st.Size || (at >= 0 && when.IsZero()) {
			return parley.Errorf(parley.EINVALID, "at=%d is not a log index of talks %q: give one from 0 to %d", at, id, st.Size-1)
		}
		t = build(st, st.ViewerOf(key), l.Origin(id), cp, st.Size, nil, false)
		mark := measureMark(st, false)
		if at >= 0 {
			mark = measures.Mark{Index: at, Time: when}
			t.Size, t.At = at+1, at
		}
		t.Measures = measuresOf(st, st.Seen(t.Visible), mark)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

package picture

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/view"
)

// MaxDays bounds the days a timeline or a progress chart spans: ten years.
const MaxDays = 3660

const dayLen = 24 * time.Hour

// dayOf returns the UTC midnight that starts t's day. Days are UTC days,
// as the briefings count them.
func dayOf(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// A RoundSpan is a round's days, shaded on the pictures over time.
type RoundSpan struct {
	ID, Title string
	From, To  time.Time // first and last day
}

// An anchor is a log index whose time the view knows.
type anchor struct {
	index int64
	at    time.Time
}

// anchors returns the dated events of a view and a history, by index:
// versions, divergence flags, amendments, stances, statements, caucus
// messages, rounds opened and closed, invitations answered, the plans of
// measures, the reports and findings on their steps, and the events that
// changed the agreement. The time of another event is taken as that of the
// latest dated event before it (the log is in the order of signing).
func anchors(t *view.Talks, h *view.History) []anchor {
	n := len(t.Statements) + len(t.Caucus) + 3*len(t.Rounds)
	for _, it := range t.Items {
		n += len(it.Versions) + len(it.Amendments) + len(it.History)
	}
	if h != nil {
		n += len(h.Transitions)
	}
	out := make([]anchor, 0, n)
	add := func(i int64, at time.Time) {
		if i >= 0 && !at.IsZero() {
			out = append(out, anchor{i, at})
		}
	}
	for _, it := range t.Items {
		for _, v := range it.Versions {
			add(v.Index, v.At)
			for _, f := range v.Flags {
				add(f.Index, f.At)
			}
		}
		for _, a := range it.Amendments {
			add(a.Index, a.At)
		}
		for _, x := range it.History {
			add(x.Index, x.At)
		}
	}
	for _, m := range t.Statements {
		add(m.Index, m.At)
	}
	for _, m := range t.Caucus {
		add(m.Index, m.At)
	}
	for _, r := range t.Rounds {
		add(r.OpenedAt, r.Opened)
		add(r.ClosedAt, r.Closed)
		for _, inv := range r.Invitations {
			add(inv.Index, inv.Answered)
		}
	}
	if m := t.Measures; m != nil {
		for _, st := range m.Statuses {
			add(st.Planned.Index, st.Planned.Time)
		}
		for _, es := range m.History {
			for _, e := range es {
				add(e.Index, e.Time)
			}
		}
	}
	if h != nil {
		for _, tr := range h.Transitions {
			add(tr.Index, tr.At)
		}
	}
	slices.SortFunc(out, func(a, b anchor) int { return cmp.Compare(a.index, b.index) })
	return out
}

// timeAt returns the time of the event at index i: its own if dated, else
// that of the latest dated event before it, else the talks' founding.
func timeAt(as []anchor, i int64, founded time.Time) time.Time {
	k := sort.Search(len(as), func(k int) bool { return as[k].index > i })
	if k == 0 {
		return founded
	}
	return as[k-1].at
}

// after returns a time no earlier than that of the event at index i: the
// time of the first dated event at or after it, or, when there is none,
// of the latest dated event.
func after(as []anchor, i int64) time.Time {
	k := sort.Search(len(as), func(k int) bool { return as[k].index >= i })
	if k < len(as) {
		return as[k].at
	}
	if len(as) > 0 {
		return as[len(as)-1].at
	}
	return time.Time{}
}

// itemStart returns when an item was on the agenda by: the time of the
// first dated event at or after its addition (its first version, say),
// or, without one, the latest dated event of the view.
func itemStart(as []anchor, added int64, founded time.Time) time.Time {
	if len(as) == 0 {
		return founded
	}
	return after(as, added)
}

// span returns the first and last day of a picture over time: from and
// to as given, or by default from the talks' founding to the last dated
// event or the end of the last round, whichever is later.
func span(t *view.Talks, as []anchor, from, to time.Time) (time.Time, time.Time, error) {
	if from.IsZero() {
		from = t.Founded
		if from.IsZero() && len(as) > 0 {
			from = as[0].at
		}
	}
	if to.IsZero() {
		to = from
		for _, a := range as {
			if a.at.After(to) {
				to = a.at
			}
		}
		for _, r := range rounds(t) {
			if r.To.After(to) {
				to = r.To
			}
		}
	}
	from, to = dayOf(from), dayOf(to)
	if to.Before(from) {
		return from, to, parley.Errorf(parley.EINVALID, "the range ends (%s) before it starts (%s): give a start on or before the end", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	if n := int(to.Sub(from)/dayLen) + 1; n > MaxDays {
		return from, to, parley.Errorf(parley.EINVALID, "the range spans %d days; give one of at most %d days", n, MaxDays)
	}
	return from, to, nil
}

// rounds returns the rounds of the view with their days: the dates they
// were planned for, or, where those do not read as dates, when they were
// opened and closed.
func rounds(t *view.Talks) []RoundSpan {
	var out []RoundSpan
	for _, r := range t.Rounds {
		a, err1 := time.Parse(time.DateOnly, r.Starts)
		b, err2 := time.Parse(time.DateOnly, r.Ends)
		if err1 != nil {
			a = r.Opened
		}
		if err2 != nil {
			b = r.Closed
		}
		if a.IsZero() {
			continue
		}
		if b.IsZero() || b.Before(a) {
			b = a
		}
		out = append(out, RoundSpan{ID: r.ID, Title: r.Title, From: dayOf(a), To: dayOf(b)})
	}
	return out
}

// clipRounds keeps the rounds that meet [from, to], cut to it.
func clipRounds(rs []RoundSpan, from, to time.Time) []RoundSpan {
	var out []RoundSpan
	for _, r := range rs {
		if r.To.Before(from) || r.From.After(to) {
			continue
		}
		if r.From.Before(from) {
			r.From = from
		}
		if r.To.After(to) {
			r.To = to
		}
		out = append(out, r)
	}
	return out
}

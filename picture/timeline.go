package picture

import (
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/view"
)

// DefaultLanes is the number of lanes a timeline shows at once, as the
// overview lists items 100 at a time (docs/UI.md, "Large talks").
const DefaultLanes = 100

// A LaneChart is the agreement over time: one lane per item the viewer
// may see, across the days of the talks, with the spans in which the item
// was agreed and a mark for each gain and loss, and the events that
// changed the agreement as a scrubber.
type LaneChart struct {
	Talks    string
	From, To time.Time // the first and last day shown (UTC midnights)
	Rounds   []RoundSpan
	// Lanes are the lanes shown: [Offset, Offset+len(Lanes)) of Total.
	Lanes         []*Lane
	Offset, Total int
	// Changes are the events in the range that changed the agreement,
	// in log order.
	Changes []Change
	// Cursor is the log index the chart is looked at from (a view of the
	// past), -1 for none; CursorAt its time.
	Cursor   int64
	CursorAt time.Time
	// Truncated: the history stops at Until (view.History).
	Truncated bool
	Until     int64
	// Before and After count the changes of agreement outside the range.
	Before, After int
	all           []*Lane // every lane
	p             *i18n.Printer
	anchors       []anchor
	founded       time.Time
}

// A Lane is one item over time.
type Lane struct {
	Item, Title string
	Badge       Badge // from the history: agreed, lost or never agreed
	Spans       []Span
	Marks       []Mark
}

// A Span is a stretch of time in which an item was agreed.
type Span struct {
	From, To time.Time // cut to the chart's range
	// Gain and Loss are the log indexes of the events that began and
	// ended it, -1 when that lies before the range (Gain) or the item is
	// still agreed at its end (Loss).
	Gain, Loss int64
}

// A Mark is an item gaining or losing agreement.
type Mark struct {
	Index  int64
	At     time.Time
	Day    int // from 0, the chart's first day
	Agreed bool
	Party  string // the party whose stance did it, when the viewer may see it
	Hidden bool   // the event is hidden from the viewer
}

// A Change is an event that changed the agreement.
type Change struct {
	Index         int64
	At            time.Time
	Gains, Losses int
}

// Timeline builds the agreement over time, its words in the language of p,
// of the view t from the history
// h of the same viewer (view.Histories.Of): every item of t, in the order
// of the agenda, between the days from and to (zero: from the talks'
// founding to the last dated event or the end of the last round). The
// lanes shown are the first DefaultLanes; Page shows others. Its cursor is
// the view's index when t is a view of the past.
func Timeline(p *i18n.Printer, h *view.History, t *view.Talks, from, to time.Time) (*LaneChart, error) {
	if h == nil || t == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "a timeline needs the history of a view and the view")
	}
	as := anchors(t, h)
	from, to, err := span(t, as, from, to)
	if err != nil {
		return nil, err
	}
	end := to.Add(dayLen)
	c := &LaneChart{Talks: t.ID, From: from, To: to, Rounds: clipRounds(rounds(t), from, to), Cursor: -1,
		Truncated: h.Truncated, Until: h.Until, p: printer(p), anchors: as, founded: t.Founded}
	byItem := map[string][]view.Transition{}
	for _, tr := range h.Transitions {
		byItem[tr.Item] = append(byItem[tr.Item], tr)
		if !tr.At.Before(from) && tr.At.Before(end) {
			if n := len(c.Changes); n > 0 && c.Changes[n-1].Index == tr.Index {
				addChange(&c.Changes[n-1], tr.Agreed)
			} else {
				ch := Change{Index: tr.Index, At: tr.At}
				addChange(&ch, tr.Agreed)
				c.Changes = append(c.Changes, ch)
			}
		}
	}
	seen := map[int64]bool{}
	for _, tr := range h.Transitions {
		if seen[tr.Index] {
			continue
		}
		seen[tr.Index] = true
		switch {
		case tr.At.Before(from):
			c.Before++
		case !tr.At.Before(end):
			c.After++
		}
	}
	for _, it := range t.Items {
		trs := byItem[it.ID]
		l := &Lane{Item: it.ID, Title: it.Title}
		status := agreement.StatusNotAgreed
		gain := int64(-1)
		var since time.Time
		agreed := false
		for _, tr := range trs {
			if tr.Agreed == agreed {
				continue
			}
			agreed = tr.Agreed
			if tr.Agreed {
				gain, since = tr.Index, tr.At
			} else {
				l.addSpan(since, tr.At, gain, tr.Index, from, end)
			}
			if !tr.At.Before(from) && tr.At.Before(end) {
				m := Mark{Index: tr.Index, At: tr.At, Day: int(dayOf(tr.At).Sub(from) / dayLen), Agreed: tr.Agreed, Hidden: !tr.Visible()}
				if tr.Stance != nil {
					m.Party = tr.Stance.Party
				}
				l.Marks = append(l.Marks, m)
			}
		}
		if agreed {
			status = agreement.StatusAgreed
			l.addSpan(since, end, gain, -1, from, end)
		}
		l.Badge = badgeFrom(c.p, it.ID, status, trs, t)
		c.all = append(c.all, l)
	}
	c.Total = len(c.all)
	if t.At >= 0 {
		c.SetCursor(t.At)
	}
	return c.Page(0, DefaultLanes), nil
}

func addChange(c *Change, agreed bool) {
	if agreed {
		c.Gains++
	} else {
		c.Losses++
	}
}

// addSpan adds the span [a, b) cut to [from, end), if any of it is left.
func (l *Lane) addSpan(a, b time.Time, gain, loss int64, from, end time.Time) {
	if !b.After(from) || !a.Before(end) {
		return
	}
	if a.Before(from) {
		a, gain = from, -1
	}
	if b.After(end) {
		b, loss = end, -1
	}
	l.Spans = append(l.Spans, Span{From: a, To: b, Gain: gain, Loss: loss})
}

// badgeFrom is BadgeOf for the transitions of one item.
func badgeFrom(p *i18n.Printer, item, status string, trs []view.Transition, t *view.Talks) Badge {
	return BadgeOf(p, item, status, &view.History{Transitions: trs}, t)
}

// printer is the language of the chart's words, English for a chart made
// by hand.
func (c *LaneChart) printer() *i18n.Printer { return printer(c.p) }

// Page returns the chart with the lanes [offset, offset+n) of all its
// lanes (n ≤ 0 means DefaultLanes).
func (c *LaneChart) Page(offset, n int) *LaneChart {
	if n <= 0 {
		n = DefaultLanes
	}
	all := c.all
	d := *c
	offset = max(0, min(offset, len(all)))
	d.Offset = offset
	d.Lanes = all[offset:min(len(all), offset+n)]
	return &d
}

// SetCursor sets the log index the chart is looked at from (-1 for none).
func (c *LaneChart) SetCursor(index int64) {
	c.Cursor, c.CursorAt = index, time.Time{}
	if index >= 0 {
		c.CursorAt = timeAt(c.anchors, index, c.founded)
	}
}

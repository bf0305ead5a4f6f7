package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/picture"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
)

// The history page tells the story of a talks over time: the agreement
// over time as lanes, with a scrubber whose ticks move the page's cursor
// (?at=N), and what stays open day by day with a forecast, beside the
// same facts as text. It is a page of its own rather than a part of the
// overview: the overview is where a chair convenes and everyone reads the
// state of the items; the lanes of a large agenda, the range of days
// shown and the cursor need a page, and its address names what it shows.

// A dayRange is the days a history page shows: the whole talks, or the
// days of a round.
type dayRange struct {
	Key      string // "all" or a round's id
	Label    string
	From, To time.Time // UTC midnights; zero for the whole talks
}

// historyData is the history page.
type historyData struct {
	Range   dayRange
	Default string // the key of the default range
	Ranges  []dayRange

	Lanes     template.HTML
	Chart     *picture.LaneChart
	LanePrev  int // the offset of the previous page of lanes, -1 for none
	LaneNext  int
	Progress  template.HTML
	Forecasts []string
	Days      []picture.Day
	Truncated bool
	Until     int64

	Changes    []transition       // the changes of agreement in the range, latest last
	Earlier    int                // changes in the range not listed
	Statements []*state.Statement // the public statements made in the range
	Cursor     *cursorView
	At         int64 // the cursor's index, -1 for none
}

// A cursorView is the moment the page is looked at from (?at=N).
type cursorView struct {
	At         int64
	When       time.Time
	Changes    []transition // made by the event at the cursor
	Prev, Next int64        // the changes before and after it, -1 for none
	Agreed     int          // the items agreed after it
}

// historyChanges is how many changes of agreement the history page lists
// beside its pictures; historyStatements how many statements.
const (
	historyChanges    = 100
	historyStatements = 50
)

func (h *handler) historyPage(r *http.Request) (*page, error) {
	ctx := r.Context()
	q := r.URL.Query()
	// Every number and name the reader sends is checked before the page
	// costs anything.
	rangeKey := q.Get("range")
	if len(rangeKey) > 64 {
		return nil, parley.Errorf(parley.EINVALID, "range=%.20q… is too long; give all or a round's id", rangeKey)
	}
	at, err := queryIndex(r, "at")
	if err != nil {
		return nil, err
	}
	offset := 0
	if v := q.Get("lanes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return nil, parley.Errorf(parley.EINVALID, "lanes=%q is not the number of the first item shown; follow the links to the other items", v)
		}
		offset = n
	}
	s, err := h.load(ctx, h.printer(r), r.PathValue("id"), server.ViewerKey(r), -1)
	if err != nil {
		return nil, err
	}
	if at >= s.Size {
		return nil, parley.Errorf(parley.EINVALID, "at=%d is past the end of the log, which has %d events", at, s.Size)
	}
	if offset > 0 && offset >= len(s.Items) {
		return nil, parley.Errorf(parley.EINVALID, "lanes=%d: the talks has %d items you may see", offset, len(s.Items))
	}
	hist, err := h.history(ctx, s)
	if err != nil {
		return nil, err
	}
	d := &historyData{Truncated: hist.Truncated, Until: hist.Until, LanePrev: -1, LaneNext: -1, At: at}
	d.Ranges = rangesOf(s, hist)
	d.Default = defaultRange(s, hist, d.Ranges).Key
	switch rangeKey {
	case "":
		rangeKey = d.Default
	case "all":
	default:
		found := false
		for _, rg := range d.Ranges {
			found = found || rg.Key == rangeKey
		}
		if !found {
			return nil, parley.Errorf(parley.ENOTFOUND, "range=%q: talks %q has no round %q that you may see; choose one of the list", rangeKey, s.ID, rangeKey)
		}
	}
	for _, rg := range d.Ranges {
		if rg.Key == rangeKey {
			d.Range = rg
		}
	}
	if d.Range.Key == "" {
		return nil, parley.Errorf(parley.EINVALID, "range=all: the talks spans more than %d days, too many to draw; choose a round", picture.MaxDays)
	}
	c, err := picture.Timeline(s.P, hist.History, s.Talks, d.Range.From, d.Range.To)
	if err != nil {
		return nil, err
	}
	c = c.Page(offset, picture.DefaultLanes)
	if offset > 0 {
		d.LanePrev = max(0, offset-picture.DefaultLanes)
	}
	if offset+len(c.Lanes) < c.Total {
		d.LaneNext = offset + len(c.Lanes)
	}
	if at >= 0 {
		c.SetCursor(at)
		d.Cursor = &cursorView{At: at, When: c.CursorAt, Changes: hist.At(at), Prev: -1, Next: -1, Agreed: len(hist.AgreedAt(at))}
		for _, i := range hist.Changes() {
			if i < at {
				d.Cursor.Prev = i
			}
			if i > at && d.Cursor.Next < 0 {
				d.Cursor.Next = i
			}
		}
	}
	d.Chart = c
	opts := pictureOptions(s.P, "pt-")
	key := d.Range.Key
	opts.Links.Scrub = func(talks string, index int64) string { return historyLink(talks, key, index, offset) + "#lanes" }
	if d.Lanes, err = svgHTML(func(b *bytes.Buffer) error { return picture.WriteTimeline(b, c, opts) }); err != nil {
		return nil, err
	}
	pc, err := picture.Progress(s.P, hist.History, s.Talks, d.Range.From, d.Range.To, nil)
	if err != nil {
		return nil, err
	}
	d.Days, d.Forecasts = dayRows(pc.Days), pc.Sentences()
	if d.Progress, err = svgHTML(func(b *bytes.Buffer) error { return picture.WriteProgress(b, pc, pictureOptions(s.P, "pp-")) }); err != nil {
		return nil, err
	}
	end := c.To.Add(24 * time.Hour)
	for _, tr := range hist.Transitions {
		if !tr.At.Before(c.From) && tr.At.Before(end) {
			d.Changes = append(d.Changes, tr)
		}
	}
	if n := len(d.Changes); n > historyChanges {
		d.Changes, d.Earlier = d.Changes[n-historyChanges:], n-historyChanges
	}
	for _, st := range s.Statements {
		if !st.At.Before(c.From) && st.At.Before(end) && len(d.Statements) < historyStatements {
			d.Statements = append(d.Statements, st)
		}
	}
	return &page{Name: "history", Title: s.P.T("Agreement over time · %s", s.Title), S: s, Tab: "history", Live: true, Data: d}, nil
}

// historyLink returns the URL of the history page over a range of days,
// looked at from a log index (at ≥ 0), from the lane offset.
func historyLink(talks, rangeKey string, at int64, offset int) string {
	q := url.Values{}
	if rangeKey != "" {
		q.Set("range", rangeKey)
	}
	if at >= 0 {
		q.Set("at", strconv.FormatInt(at, 10))
	}
	if offset > 0 {
		q.Set("lanes", strconv.Itoa(offset))
	}
	u := "/talks/" + talks + "/history"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// dayOf returns the UTC midnight that starts t's day.
func dayOf(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// lastDated returns the time of the latest dated event of the view.
func lastDated(s *snap, hist *history) time.Time {
	var last time.Time
	see := func(t time.Time) {
		if t.After(last) {
			last = t
		}
	}
	see(s.Founded)
	for _, it := range s.Items {
		for _, v := range it.Versions {
			see(v.At)
		}
		for _, x := range it.History {
			see(x.At)
		}
		for _, a := range it.Amendments {
			see(a.At)
		}
	}
	for _, st := range s.Statements {
		see(st.At)
	}
	for _, rd := range s.Rounds {
		see(rd.Opened)
		see(rd.Closed)
	}
	if hist != nil {
		for _, tr := range hist.Transitions {
			see(tr.At)
		}
	}
	return last
}

// rangesOf returns the ranges a reader may choose: the whole talks, when
// it spans no more days than a picture draws, then each round's days: the
// dates it was planned for (or those it was opened and closed), to the
// latest event while it is open, and, once closed, to the last change of
// agreement made before the next round starts (a capital's answer after
// the round).
func rangesOf(s *snap, hist *history) []dayRange {
	last := lastDated(s, hist)
	var out []dayRange
	if !s.Founded.IsZero() && int(dayOf(last).Sub(dayOf(s.Founded))/(24*time.Hour))+1 <= picture.MaxDays {
		out = append(out, dayRange{Key: "all", Label: s.P.T("All the talks, from %[1]s to %[2]s", s.P.Date(s.Founded), s.P.Date(last))})
	}
	type span struct {
		r        *roundView
		from, to time.Time
	}
	var spans []span
	for i := range s.Rounds {
		rd := &s.Rounds[i]
		from, err1 := time.Parse(time.DateOnly, rd.Starts)
		to, err2 := time.Parse(time.DateOnly, rd.Ends)
		if err1 != nil {
			from = rd.Opened
		}
		if err2 != nil {
			to = rd.Closed
		}
		if from.IsZero() {
			continue
		}
		if rd.Status == state.RoundOpen && last.After(to) {
			to = last
		}
		if rd.Closed.After(to) {
			to = rd.Closed
		}
		spans = append(spans, span{rd, dayOf(from), dayOf(to)})
	}
	for k, sp := range spans {
		if hist != nil && sp.r.Status == state.RoundClosed {
			var next time.Time
			for _, o := range spans {
				if o.from.After(sp.from) && (next.IsZero() || o.from.Before(next)) {
					next = o.from
				}
			}
			for _, tr := range hist.Transitions {
				if d := dayOf(tr.At); d.After(sp.to) && (next.IsZero() || d.Before(next)) {
					sp.to = d
				}
			}
		}
		if sp.to.Before(sp.from) {
			sp.to = sp.from
		}
		if limit := sp.from.AddDate(0, 0, picture.MaxDays-1); sp.to.After(limit) {
			sp.to = limit
		}
		spans[k] = sp
		out = append(out, dayRange{Key: sp.r.ID, Label: s.P.T("%[1]s (%[2]s), from %[3]s to %[4]s", sp.r.Title, sp.r.ID, s.P.Date(sp.from), s.P.Date(sp.to)), From: sp.from, To: sp.to})
	}
	return out
}

// defaultRange is the range a history page shows unless asked: the round
// in which the agreement last changed (the latest that started on or
// before that change), so that the page opens on the latest part of the
// story; without rounds or changes, the whole talks.
func defaultRange(s *snap, hist *history, ranges []dayRange) dayRange {
	var whole dayRange
	for _, rg := range ranges {
		if rg.Key == "all" {
			whole = rg
		}
	}
	if hist == nil || len(hist.Transitions) == 0 {
		if whole.Key == "" && len(ranges) > 0 {
			return ranges[len(ranges)-1]
		}
		return whole
	}
	last := dayOf(hist.Transitions[len(hist.Transitions)-1].At)
	pick := -1
	for k, rg := range ranges {
		if rg.Key != "all" && !rg.From.After(last) && (pick < 0 || !rg.From.Before(ranges[pick].From)) {
			pick = k
		}
	}
	if pick < 0 {
		if whole.Key == "" && len(ranges) > 0 {
			return ranges[len(ranges)-1]
		}
		return whole
	}
	return ranges[pick]
}

// historyDays bounds the rows of the table of days beside the progress
// chart.
const historyDays = 120

// dayRows returns the days the table of counts lists: the first, the last
// and each on which a count changed; past historyDays of them, one in
// so many, and always the last.
func dayRows(days []picture.Day) []picture.Day {
	var out []picture.Day
	for k, d := range days {
		if k == 0 || k == len(days)-1 {
			out = append(out, d)
			continue
		}
		p := days[k-1]
		if d.Items != p.Items || d.Open != p.Open || d.Brackets != p.Brackets || d.Divergences != p.Divergences {
			out = append(out, d)
		}
	}
	if len(out) > historyDays {
		every := (len(out) + historyDays - 1) / historyDays
		var thin []picture.Day
		for k, d := range out {
			if k%every == 0 || k == len(out)-1 {
				thin = append(thin, d)
			}
		}
		out = thin
	}
	return out
}

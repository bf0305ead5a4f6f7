package picture_test

import (
	"bytes"
	"fmt"
	"html"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/drawing/drawingtest"
	"github.com/parleyhq/parley/picture"
)

// TestMoscowTimeline checks the lanes and marks of the Moscow round: D1
// agreed on day 3 (8 April) by oppC's support and lost on day 5 (10
// April) by oppA's conditional support, at the log indexes of those
// stances (43 and 57 in the record as scripted when this was written),
// M1a and M1b never agreed.
func TestMoscowTimeline(t *testing.T) {
	m := loadMoscow(t)
	c, err := picture.Timeline(nil, m.h, m.t, moscowDay(6), moscowDay(10))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lanes) != 3 || c.Total != 3 || len(c.Rounds) != 1 || c.Rounds[0].ID != "r2" {
		t.Fatalf("%d lanes of %d, rounds %+v; want D1, M1a, M1b and round r2", len(c.Lanes), c.Total, c.Rounds)
	}
	d1 := c.Lanes[0]
	gain, loss := m.stanceIndex(t, "oppC", "D1", "support"), m.stanceIndex(t, "oppA", "D1", "conditional")
	wantMarks := []picture.Mark{
		{Index: gain, At: time.Date(2015, 4, 8, 10, 15, 0, 0, time.UTC), Day: 2, Agreed: true, Party: "oppC"},
		{Index: loss, At: time.Date(2015, 4, 10, 10, 0, 0, 0, time.UTC), Day: 4, Agreed: false, Party: "oppA"},
	}
	if d1.Item != "D1" || !slices.Equal(d1.Marks, wantMarks) {
		t.Errorf("D1's marks %+v, want %+v", d1.Marks, wantMarks)
	}
	wantSpans := []picture.Span{{From: wantMarks[0].At, To: wantMarks[1].At, Gain: gain, Loss: loss}}
	if !slices.Equal(d1.Spans, wantSpans) {
		t.Errorf("D1's spans %+v, want %+v", d1.Spans, wantSpans)
	}
	for _, l := range c.Lanes[1:] {
		if len(l.Marks)+len(l.Spans) != 0 || l.Badge.Kind != picture.BadgeNever {
			t.Errorf("lane %s: marks %v, spans %v, badge %s; want none, never agreed", l.Item, l.Marks, l.Spans, l.Badge.Kind)
		}
	}
	if d1.Badge.Kind != picture.BadgeLost || d1.Badge.Index != loss {
		t.Errorf("D1's badge %+v, want lost at #%d", d1.Badge, loss)
	}
	wantChanges := []picture.Change{{Index: gain, At: wantMarks[0].At, Gains: 1}, {Index: loss, At: wantMarks[1].At, Losses: 1}}
	if !slices.Equal(c.Changes, wantChanges) || c.Before != 0 || c.After != 0 {
		t.Errorf("changes %+v (before %d, after %d), want %+v", c.Changes, c.Before, c.After, wantChanges)
	}
	// Looked at from gov's objection to M1a, the day after D1 was agreed.
	at := m.stanceIndex(t, "gov", "M1a", "oppose")
	c.SetCursor(at)
	var buf bytes.Buffer
	if err := picture.WriteTimeline(&buf, c, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	checkSVG(t, svg)
	for _, s := range []string{fmt.Sprintf(`<a href="/talks/moscow-consultations/dashboard?at=%d">`, gain), fmt.Sprintf(`<a href="/talks/moscow-consultations/dashboard?at=%d">`, loss)} {
		if strings.Count(svg, s) != 2 {
			t.Errorf("the timeline does not link the scrubber's tick and D1's mark to %s", s)
		}
	}
	for _, s := range []string{
		fmt.Sprintf("As of 9 April 2015 (day 4 of Second round), after event #%d", at),
		fmt.Sprintf("D1 “Assessment of the political situation”: agreed on 8 April 2015 (day 3 of Second round), event #%d, a stance of oppC; lost agreement on 10 April 2015 (day 5 of Second round), event #%d, a stance of oppA; now lost agreement", gain, loss),
	} {
		if !strings.Contains(svg, html.EscapeString(s)) {
			t.Errorf("the timeline does not hold %q", s)
		}
	}
	golden(t, "moscow-timeline.svg", svg)
	// The whole talks by default: from its founding in January.
	all, err := picture.Timeline(nil, m.h, m.t, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := all.From.Format(time.DateOnly) + " " + all.To.Format(time.DateOnly); got != "2015-01-15 2015-04-10" || len(all.Rounds) != 2 {
		t.Errorf("the default range is %s with %d rounds, want 2015-01-15 2015-04-10 with 2", got, len(all.Rounds))
	}
}

func moscowDay(d int) time.Time { return time.Date(2015, 4, d, 0, 0, 0, 0, time.UTC) }

// TestTimelinePages checks that lanes come a page at a time.
func TestTimelinePages(t *testing.T) {
	b := chain(150).build(t)
	c, err := picture.Timeline(nil, b.h, b.t, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lanes) != picture.DefaultLanes || c.Total != 150 || c.Offset != 0 {
		t.Errorf("first page: %d lanes from %d of %d", len(c.Lanes), c.Offset, c.Total)
	}
	p := c.Page(120, 50)
	if len(p.Lanes) != 30 || p.Offset != 120 || p.Lanes[0].Item != "I121" {
		t.Errorf("page from 120: %d lanes from %d, first %s", len(p.Lanes), p.Offset, p.Lanes[0].Item)
	}
	if p := c.Page(500, 10); len(p.Lanes) != 0 || p.Offset != 150 {
		t.Errorf("page beyond the end: %d lanes from %d", len(p.Lanes), p.Offset)
	}
	var buf bytes.Buffer
	if err := picture.WriteTimeline(&buf, p, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
	if !strings.Contains(buf.String(), "Shown: items 121 to 150 of 150.") {
		t.Errorf("the timeline does not say which lanes it shows")
	}
}

// TestTimelineRange checks the ranges a timeline refuses.
func TestTimelineRange(t *testing.T) {
	m := loadMoscow(t)
	for _, tc := range []struct {
		name     string
		from, to time.Time
	}{
		{"ends before it starts", moscowDay(10), moscowDay(6)},
		{"too long", moscowDay(1), moscowDay(1).AddDate(11, 0, 0)},
	} {
		if _, err := picture.Timeline(nil, m.h, m.t, tc.from, tc.to); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("Timeline %s: %v, want an invalid range", tc.name, err)
		}
	}
	if _, err := picture.Timeline(nil, nil, m.t, time.Time{}, time.Time{}); parley.ErrorCode(err) != parley.EINTERNAL {
		t.Errorf("Timeline without a history: %v", err)
	}
}

func randomTimeline(r *mrand.Rand) *picture.LaneChart {
	from := time.Date(2026, 1, 1+r.IntN(20), 0, 0, 0, 0, time.UTC)
	days := 1 + r.IntN(400)
	c := &picture.LaneChart{Talks: pick(r, nasty), From: from, To: from.AddDate(0, 0, days-1), Cursor: -1, Total: 0}
	if r.IntN(20) == 0 {
		c.To = from.AddDate(0, 0, -days) // made by hand, ending before it starts
	}
	at := func() time.Time { return from.Add(time.Duration(r.Int64N(int64(days+2) * int64(24*time.Hour)))) }
	for range r.IntN(3) {
		c.Rounds = append(c.Rounds, picture.RoundSpan{ID: "r", Title: pick(r, nasty), From: at(), To: at()})
	}
	for k := range r.IntN(40) {
		c.Changes = append(c.Changes, picture.Change{Index: int64(k), At: at(), Gains: r.IntN(3), Losses: r.IntN(3)})
	}
	for range r.IntN(30) {
		l := &picture.Lane{Item: pick(r, nasty), Title: pick(r, nasty), Badge: picture.Badge{Kind: pick(r, []string{"agreed", "lost", "never_agreed", ""}), Label: pick(r, nasty)}}
		for range r.IntN(4) {
			l.Spans = append(l.Spans, picture.Span{From: at(), To: at(), Gain: -1, Loss: -1})
		}
		for k := range r.IntN(10) {
			l.Marks = append(l.Marks, picture.Mark{Index: int64(k), At: at(), Agreed: r.IntN(2) == 0, Party: pick(r, nasty)})
		}
		c.Lanes = append(c.Lanes, l)
	}
	c.Total = len(c.Lanes) + r.IntN(3)
	if r.IntN(2) == 0 {
		c.Cursor, c.CursorAt = int64(r.IntN(40)), at()
	}
	c.Truncated = r.IntN(5) == 0
	return c
}

// TestTimelineSVGWellFormed writes random timelines, in both directions, and checks that each
// is a well-formed picture.
func TestTimelineSVGWellFormed(t *testing.T) {
	for seed := range uint64(300) {
		r := mrand.New(mrand.NewPCG(seed, 7))
		var buf bytes.Buffer
		if err := picture.WriteTimeline(&buf, randomTimeline(r), picture.Options{Dir: pick(r, []string{"", "rtl", "ltr"}), ID: pick(r, []string{"", "p1-", `"><x`})}); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := drawingtest.Check(buf.String()); err != nil {
			t.Fatalf("seed %d: %v in:\n%s", seed, err, buf.String())
		}
	}
}

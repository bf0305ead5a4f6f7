package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/server"
)

// The timeline lists the events of the record, newest first, grouped by
// day, each signer and checkpoint said once for the events in a row that
// share it. Filters narrow it to an item, a party, a kind of event, or
// the events that changed the agreement.

// timelineRow is one entry of the log as the viewer may see it.
type timelineRow struct {
	Index       int64
	Hidden      bool
	Leaf        string
	Kind        string
	At          time.Time
	Time        string
	Signer      string
	SameSigner  bool // signed by the signer of the row above it, in the same day
	Vis         string
	Text        parley.Description
	Transitions []transition
	Checkpoint  *checkpointView
	SameCover   bool // covered by the checkpoint of the row above it
}

// A timelineDay is the rows of one day (UTC); a hidden event, which the
// view does not date, goes with the event above it.
type timelineDay struct {
	Date time.Time // zero for events before any dated one
	Rows []timelineRow
}

type checkpointView struct {
	Size int64
	Root string
	Note string
}

func newCheckpointView(cp parley.Checkpoint) *checkpointView {
	return &checkpointView{Size: cp.Size, Root: base64.StdEncoding.EncodeToString(cp.Root[:]), Note: string(cp.Note)}
}

// A timelineFilter narrows the timeline.
type timelineFilter struct {
	Item    string
	Party   string
	Kind    string
	Changes bool // only the events that changed the agreement
}

// On reports whether any filter is set.
func (f timelineFilter) On() bool { return f.Item != "" || f.Party != "" || f.Kind != "" || f.Changes }

// query returns the filter as the query of a link, with from or before.
func (f timelineFilter) query(name string, n int64) string {
	q := url.Values{}
	if f.Item != "" {
		q.Set("item", f.Item)
	}
	if f.Party != "" {
		q.Set("party", f.Party)
	}
	if f.Kind != "" {
		q.Set("kind", f.Kind)
	}
	if f.Changes {
		q.Set("changes", "1")
	}
	if name != "" && n >= 0 {
		q.Set(name, strconv.FormatInt(n, 10))
	}
	return q.Encode()
}

type timelineData struct {
	Days       []timelineDay
	Rows       int   // the rows listed
	From, To   int64 // the events looked through, from From to To−1
	Prev, Next int64 // -1 when there is none
	PrevLink   string
	NextLink   string
	Latest     *checkpointView
	History    *history
	Filter     timelineFilter
	Items      []string // the items the viewer may see, to filter by
	Parties    []partyView
	Kinds      []string
}

// timelinePage is how many events the timeline shows at once;
// timelineScan how many a filtered timeline looks through for them.
const (
	timelinePage = 200
	timelineScan = 20_000
)

func (h *handler) timeline(r *http.Request) (*page, error) {
	ctx := r.Context()
	q := r.URL.Query()
	var f timelineFilter
	f.Item, f.Party, f.Kind = q.Get("item"), q.Get("party"), q.Get("kind")
	f.Changes = q.Get("changes") != "" && q.Get("changes") != "0"
	if len(f.Item) > 64 || len(f.Party) > 64 {
		return nil, parley.Errorf(parley.EINVALID, "an item or party id is at most 64 characters")
	}
	if f.Kind != "" && !parley.KnownKind(f.Kind) {
		return nil, parley.Errorf(parley.EINVALID, "kind=%.40q is not a kind of event; choose one of the list", f.Kind)
	}
	from, err := queryIndex(r, "from")
	if err != nil {
		return nil, err
	}
	before, err := queryIndex(r, "before")
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	s, err := h.load(ctx, h.printer(r), id, server.ViewerKey(r), -1)
	if err != nil {
		return nil, err
	}
	// An item or party the viewer may not see is refused as one that
	// does not exist.
	if f.Item != "" && s.Item(f.Item) == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no item %q that you may see", s.ID, f.Item)
	}
	if f.Party != "" && !s.HasParty(f.Party) {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no party %q that you may see", s.ID, f.Party)
	}
	if from > s.Size {
		return nil, parley.Errorf(parley.EINVALID, "from=%d is past the end of the log, which has %d events", from, s.Size)
	}
	if before > s.Size {
		return nil, parley.Errorf(parley.EINVALID, "before=%d is past the end of the log, which has %d events", before, s.Size)
	}
	hist, err := h.history(ctx, s)
	if err != nil {
		return nil, err
	}
	d := &timelineData{Prev: -1, Next: -1, Latest: newCheckpointView(s.Checkpoint), History: hist, Filter: f, Kinds: parley.Kinds()}
	for _, it := range s.Items {
		d.Items = append(d.Items, it.ID)
	}
	for _, p := range s.Parties {
		d.Parties = append(d.Parties, partyView{ID: p.ID, Name: p.Name})
	}
	base := "/talks/" + s.ID + "/timeline?"
	var rows []timelineRow
	if !f.On() {
		if from < 0 {
			from = max(0, s.Size-timelinePage) // the latest events first
		}
		from = min(from, max(0, s.Size-1))
		to := min(s.Size, from+timelinePage)
		d.From, d.To = from, to
		if from > 0 {
			d.Prev = max(0, from-timelinePage)
			d.PrevLink = base + "from=" + strconv.FormatInt(d.Prev, 10)
		}
		if to < s.Size {
			d.Next = to
			d.NextLink = base + "from=" + strconv.FormatInt(to, 10)
		}
		if rows, err = h.timelineRows(r, s, hist, from, to, nil); err != nil {
			return nil, err
		}
	} else {
		// Filtered: the latest matching events before the mark, looked
		// for in at most timelineScan events.
		if before < 0 {
			before = s.Size
		}
		to := before
		lo := max(0, to-timelineScan)
		if f.Changes {
			// The events that changed the agreement are known without
			// reading the log.
			lo = 0
		}
		match := func(row *timelineRow, e *parley.Event) bool { return timelineMatch(s, hist, f, row, e) }
		if f.Changes {
			var idx []int64
			for _, i := range hist.Changes() {
				if i < to {
					idx = append(idx, i)
				}
			}
			if len(idx) > timelinePage {
				idx = idx[len(idx)-timelinePage:]
				lo = idx[0] // older changes are left for the next page
			}
			for _, i := range idx {
				got, err := h.timelineRows(r, s, hist, i, i+1, match)
				if err != nil {
					return nil, err
				}
				rows = append(rows, got...)
			}
		} else {
			for hi := to; hi > lo && len(rows) < timelinePage; {
				start := max(lo, hi-timelinePage)
				got, err := h.timelineRows(r, s, hist, start, hi, match)
				if err != nil {
					return nil, err
				}
				rows = append(got, rows...)
				hi = start
				if len(rows) >= timelinePage {
					lo = start
				}
			}
			if n := len(rows); n > timelinePage {
				rows = rows[n-timelinePage:]
				lo = rows[0].Index
			}
		}
		d.From, d.To = lo, to
		if lo > 0 {
			d.Prev = lo
			d.PrevLink = base + f.query("before", lo)
		}
		if to < s.Size {
			d.Next = to
			d.NextLink = base + f.query("", -1)
		}
	}
	// Newest first: people look for what just happened.
	slices.Reverse(rows)
	d.Rows = len(rows)
	d.Days = groupByDay(rows)
	return &page{Name: "timeline", Title: s.P.T("Timeline · %s", s.Title), S: s, Tab: "timeline", Live: true, Data: d}, nil
}

// timelineRows reads the events from to to−1 as rows, those match keeps
// (all when nil), oldest first.
func (h *handler) timelineRows(r *http.Request, s *snap, hist *history, from, to int64, match func(*timelineRow, *parley.Event) bool) ([]timelineRow, error) {
	if from >= to {
		return nil, nil
	}
	ctx := r.Context()
	entries, events, err := h.l.Read(ctx, s.ID, from, to)
	if err != nil {
		return nil, err
	}
	var out []timelineRow
	for i, en := range entries {
		row := timelineRow{Index: en.Index}
		var e *parley.Event
		if !s.Visible(en.Index) {
			row.Hidden = true
			row.Leaf = base64.StdEncoding.EncodeToString(en.Leaf[:])
		} else {
			e = events[i]
			row.Kind, row.At, row.Vis = e.Kind, e.At(), s.VisibilityOf(en.Index)
			row.Time = formatTime(s.P, row.At)
			row.Signer = s.ActorName(e.Actor)
			row.Text = parley.Describe(e, s)
			if st := stanceAt(s, row.Text.Item, en.Index); st != nil && st.Between {
				row.Text.Summary = s.P.T("%[1]s, between rounds, after round %[2]s closed", row.Text.Summary, st.Round)
			}
			row.Transitions = hist.At(en.Index)
		}
		if match != nil && !match(&row, e) {
			continue
		}
		if cp, err := h.l.Store().Checkpoint(ctx, s.ID, en.Index+1); err == nil {
			row.Checkpoint = newCheckpointView(cp)
		}
		out = append(out, row)
	}
	return out, nil
}

// timelineMatch reports whether a row passes the filter: an event hidden
// from the viewer passes none, since nothing of it may be told.
func timelineMatch(s *snap, hist *history, f timelineFilter, row *timelineRow, e *parley.Event) bool {
	if row.Hidden || e == nil {
		return false
	}
	if f.Changes && len(row.Transitions) == 0 {
		return false
	}
	if f.Kind != "" && e.Kind != f.Kind {
		return false
	}
	if f.Item != "" && row.Text.Item != f.Item && !slices.ContainsFunc(row.Transitions, func(t transition) bool { return t.Item == f.Item }) {
		if !payloadNames(e, "items", f.Item) {
			return false
		}
	}
	if f.Party != "" {
		a := s.Actor(e.Actor)
		if (a == nil || a.Party != f.Party) && !payloadNames(e, "party", f.Party) {
			return false
		}
	}
	return true
}

// payloadNames reports whether an event's payload names an id in a field
// ("party": "gov", or "items": ["D1", "D2"]).
func payloadNames(e *parley.Event, field, id string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(e.Payload, &m) != nil {
		return false
	}
	raw, ok := m[field]
	if !ok {
		return false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == id
	}
	var many []string
	return json.Unmarshal(raw, &many) == nil && slices.Contains(many, id)
}

// groupByDay groups rows, newest first, by their UTC day, and marks the
// signers and checkpoints each row shares with the one above it.
func groupByDay(rows []timelineRow) []timelineDay {
	var days []timelineDay
	for _, row := range rows {
		day := time.Time{}
		if !row.Hidden {
			day = dayOf(row.At)
		} else if n := len(days); n > 0 {
			day = days[n-1].Date
		}
		if n := len(days); n == 0 || !days[n-1].Date.Equal(day) {
			days = append(days, timelineDay{Date: day})
		}
		cur := &days[len(days)-1]
		if k := len(cur.Rows); k > 0 {
			prev := cur.Rows[k-1]
			row.SameSigner = !row.Hidden && !prev.Hidden && prev.Signer == row.Signer
			row.SameCover = row.Checkpoint != nil && prev.Checkpoint != nil && prev.Checkpoint.Size == row.Checkpoint.Size
		}
		cur.Rows = append(cur.Rows, row)
	}
	return days
}

package server

import (
	"math"
	"net/http"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/view"
)

// The routes of measures carried out (docs/MEASURES.md): where every
// measure stands, and one measure with every report and finding on its
// steps, as of now or of any event, as the caller's view holds them.

// MeasuresView is the record of measures carried out as one viewer sees
// it, as of a mark.
type MeasuresView struct {
	AsOf     measures.Mark            `json:"as_of"` // the last event counted, and the clock
	Measures []measures.MeasureStatus `json:"measures"`
	Records  []measures.PartyRecord   `json:"records"`
	Done     []string                 `json:"done"`
	// Deadline is the next time a status changes without an event (a step
	// turning overdue), if any.
	Deadline time.Time `json:"deadline,omitzero"`
	Size     int64     `json:"size"` // events in the view
}

// MeasureView is one measure as one viewer sees it, as of a mark: its
// plan's steps and their statuses, who moves next, the reports and
// findings on each step, and the records of the parties it obliges. No
// annex is in it: a report or finding says only that it carried one,
// sealed to the parties and the verifier.
type MeasureView struct {
	AsOf    measures.Mark               `json:"as_of"`
	Measure measures.MeasureStatus      `json:"measure"`
	History map[string][]measures.Entry `json:"history"` // by step
	Records []measures.PartyRecord      `json:"records"`
	// Deadline is the next time a status of the talks' measures changes
	// without an event, if any.
	Deadline time.Time `json:"deadline,omitzero"`
	Size     int64     `json:"size"`
}

// measuresView loads the caller's view of the measures as of the event
// ?at= names, or now, without replaying the log (view.LoadMeasures).
func (s *Server) measuresView(r *http.Request) (*view.Talks, error) {
	at, err := queryIndex(r, "at", -1, 0, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	return view.LoadMeasures(r.Context(), s.l, r.PathValue("id"), viewerKey(r), at)
}

// asOf is the mark a view's measures answer as of, with the index of its
// last event rather than "everything".
func asOf(v *view.Talks) measures.Mark {
	m := v.Measures.At
	m.Index = v.Size - 1
	return m
}

func (s *Server) handleMeasures(w http.ResponseWriter, r *http.Request) error {
	v, err := s.measuresView(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, MeasuresOf(v))
}

func (s *Server) handleMeasure(w http.ResponseWriter, r *http.Request) error {
	v, err := s.measuresView(r)
	if err != nil {
		return err
	}
	out, err := MeasureOf(v, r.PathValue("item"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// MeasuresOf is the record of measures carried out in a viewer's view,
// as GET /api/v1/talks/{id}/measures answers it.
func MeasuresOf(v *view.Talks) *MeasuresView {
	out := &MeasuresView{Measures: []measures.MeasureStatus{}, Records: []measures.PartyRecord{}, Done: []string{}, Size: v.Size}
	if m := v.Measures; m != nil {
		out.AsOf, out.Measures, out.Records, out.Done, out.Deadline = asOf(v), m.Statuses, m.Records, m.Done, m.Deadline
	} else {
		out.AsOf = measures.Mark{Index: v.Size - 1, Time: time.Now()}
	}
	return out
}

// MeasureOf is one measure in a viewer's view, as GET
// /api/v1/talks/{id}/measures/{item} answers it.
func MeasureOf(v *view.Talks, item string) (*MeasureView, error) {
	ms := v.Measures.Measure(item)
	if ms == nil {
		if it := v.Item(item); it != nil && it.Kind == parley.ItemMeasure {
			return nil, parley.Errorf(parley.ENOTFOUND, "measure %q has no plan of steps yet, or none that you may see", item)
		}
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no measure %q", v.ID, item)
	}
	out := &MeasureView{AsOf: asOf(v), Measure: *ms, History: map[string][]measures.Entry{}, Records: []measures.PartyRecord{}, Deadline: v.Measures.Deadline, Size: v.Size}
	for _, st := range ms.Steps {
		h := v.Measures.History[st.Step.ID]
		if h == nil {
			h = []measures.Entry{}
		}
		out.History[st.Step.ID] = h
		if rec := v.Measures.Record(st.Step.Party); rec != nil && !hasRecord(out.Records, rec.Party) {
			out.Records = append(out.Records, *rec)
		}
	}
	return out, nil
}

func hasRecord(rs []measures.PartyRecord, party string) bool {
	for _, r := range rs {
		if r.Party == party {
			return true
		}
	}
	return false
}

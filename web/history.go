package web

import (
	"context"
	"sort"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
)

// maxHistoryEvaluations bounds the evaluations of the agreement that the
// history of a talks may take: one per event that can change it.
const maxHistoryEvaluations = 3000

// A transition is an item gaining or losing agreement, as the viewer may
// see it, and the event that did it.
type transition struct {
	Index   int64
	At      time.Time
	Item    string
	Title   string
	Agreed  bool   // it became agreed; otherwise it lost agreement
	Status  string // its status after the event
	Visible bool   // the viewer may see the event
	By      string // the signer's name, when visible
	Cause   eventText
}

// A history is the agreement over a talks' log as one viewer may see it:
// it replays the log and evaluates the agreement, with the stances the
// viewer may see, after every event that can change it.
type history struct {
	Transitions []transition
	// Truncated is set when the log has more changes than the history
	// evaluates; the transitions then stop at Until.
	Truncated bool
	Until     int64
	points    []point
	byIndex   map[int64][]transition
}

// A point is the statuses of the items after one event.
type point struct {
	index    int64
	statuses map[string]string
}

// agreedish reports whether a status counts as agreed.
func agreedish(status string) bool {
	return status == agreement.StatusAgreed || status == agreement.StatusAgreedAdReferendum
}

// history computes the history of the talks for the viewer holding key.
// s gives the names.
func (h *handler) history(ctx context.Context, s *snap, key string) (*history, error) {
	var bits []bool
	var size int64
	err := h.l.View(ctx, s.ID, func(st *state.Talks, _ parley.Checkpoint) error {
		size = st.Size
		bits = viewerBits(st, st.ViewerOf(key), st.Size)
		return nil
	})
	if err != nil {
		return nil, err
	}
	_, events, err := h.l.Entries(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	events = events[:min(int64(len(events)), size)]
	visible := func(i int64) bool { return i >= 0 && i < int64(len(bits)) && bits[i] }
	hs := &history{byIndex: map[int64][]transition{}, Until: int64(len(events)) - 1}
	st := state.New(s.ID)
	prev := map[string]string{}
	evals := 0
	for i, e := range events {
		idx := int64(i)
		if err := st.Apply(e, idx); err != nil {
			return nil, parley.Errorf(parley.EINTERNAL, "replaying event %d of %s: %v", i, s.ID, err)
		}
		if !state.AffectsAgreement(e.Kind) {
			continue
		}
		if evals++; evals > maxHistoryEvaluations {
			hs.Truncated, hs.Until = true, idx-1
			break
		}
		inst, _ := instanceFor(st, visible)
		res, err := agreement.Evaluate(inst)
		if err != nil {
			return nil, err
		}
		now := make(map[string]string, len(res.Items))
		for _, it := range st.Items {
			if !visible(it.Added) {
				continue
			}
			ir := res.Items[it.ID]
			if ir == nil {
				continue
			}
			now[it.ID] = ir.Status
			if agreedish(ir.Status) == agreedish(prev[it.ID]) {
				continue
			}
			t := transition{Index: idx, At: e.At(), Item: it.ID, Title: it.Title, Agreed: agreedish(ir.Status), Status: ir.Status, Visible: visible(idx)}
			if t.Visible {
				t.By, t.Cause = s.ActorName(e.Actor), describe(e, s)
			}
			hs.Transitions = append(hs.Transitions, t)
			hs.byIndex[idx] = append(hs.byIndex[idx], t)
		}
		prev = now
		hs.points = append(hs.points, point{index: idx, statuses: now})
	}
	return hs, nil
}

// At returns the transitions caused by the event at a log index.
func (hs *history) At(index int64) []transition { return hs.byIndex[index] }

// StatusesAt returns the statuses of the items after the event at a log
// index, or nil if the history does not reach it.
func (hs *history) StatusesAt(index int64) map[string]string {
	if hs.Truncated && index > hs.Until {
		return nil
	}
	k := sort.Search(len(hs.points), func(k int) bool { return hs.points[k].index > index })
	if k == 0 {
		return map[string]string{}
	}
	return hs.points[k-1].statuses
}

// Changes returns the log indexes of the events that changed what is
// agreed, in order.
func (hs *history) Changes() []int64 {
	var out []int64
	for _, t := range hs.Transitions {
		if len(out) == 0 || out[len(out)-1] != t.Index {
			out = append(out, t.Index)
		}
	}
	return out
}

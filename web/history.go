package web

import (
	"context"
	"sort"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
)

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
// it replays the log and follows, with the stances the viewer may see,
// which items are agreed after every event that can change it. An
// agreement.Engine carries the agreement from one stance to the next; any
// other change rebuilds it.
type history struct {
	Transitions []transition
	// Truncated is set when the log holds more work than the history
	// does; the transitions then stop at Until.
	Truncated bool
	Until     int64
	points    []point
	byIndex   map[int64][]transition
}

// A point is the items agreed after an event that changed them.
type point struct {
	index  int64
	agreed map[string]bool
}

// maxHistoryWork bounds the work of a history: positions compiled into
// engines, plus one for each stance carried into one.
const maxHistoryWork = 4_000_000

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
	prev := map[string]bool{}
	var eng *agreement.Engine
	at := map[string]bool{} // the parties at the table when eng was built
	perChange := 1          // work of one stance carried into eng
	work := 0
	for i, e := range events {
		idx := int64(i)
		if err := st.Apply(e, idx); err != nil {
			return nil, parley.Errorf(parley.EINTERNAL, "replaying event %d of %s: %v", i, s.ID, err)
		}
		if !state.AffectsAgreement(e.Kind) {
			continue
		}
		if work > maxHistoryWork {
			hs.Truncated, hs.Until = true, idx-1
			break
		}
		carried := false
		if e.Kind == parley.KindSetStance && eng != nil {
			carried, err = carry(eng, st, e, visible(idx), at)
			if err != nil {
				return nil, err
			}
			work += perChange
		}
		if !carried {
			inst, _ := instanceFor(st, visible)
			if eng, err = agreement.NewEngine(inst); err != nil {
				return nil, err
			}
			clear(at)
			for _, p := range inst.Parties {
				at[p] = true
			}
			perChange = 1
			for _, p := range inst.Positions {
				if c, err := agreement.ParseCondition(p.Condition); err == nil && negatesItems(c, false) {
					perChange = len(inst.Positions) // each change searches afresh
					break
				}
			}
			work += len(inst.Positions) + len(inst.Items)
		}
		list, err := eng.Agreed()
		if err != nil {
			return nil, err
		}
		now := make(map[string]bool, len(list))
		for _, id := range list {
			now[id] = true
		}
		changed := false
		for _, it := range st.Items {
			if !visible(it.Added) || now[it.ID] == prev[it.ID] {
				continue
			}
			changed = true
			status := agreement.StatusNotAgreed
			if now[it.ID] {
				status = agreement.StatusAgreed
			}
			t := transition{Index: idx, At: e.At(), Item: it.ID, Title: it.Title, Agreed: now[it.ID], Status: status, Visible: visible(idx)}
			if t.Visible {
				t.By, t.Cause = s.ActorName(e.Actor), describe(e, s)
			}
			hs.Transitions = append(hs.Transitions, t)
			hs.byIndex[idx] = append(hs.byIndex[idx], t)
		}
		if changed || len(hs.points) == 0 {
			hs.points = append(hs.points, point{index: idx, agreed: now})
		}
		prev = now
	}
	return hs, nil
}

// carry applies the stance event e, just applied to st, to the engine as
// instanceFor would include it, and reports whether it could.
func carry(eng *agreement.Engine, st *state.Talks, e *parley.Event, visible bool, at map[string]bool) (bool, error) {
	var p parley.SetStance
	if parley.DecodePayload(e, &p) != nil {
		return false, nil
	}
	it := st.Item(p.Item)
	if it == nil {
		return false, nil
	}
	x, latest := it.Stances[p.Party], it.Latest()
	if visible && at[p.Party] && x != nil && latest != nil && x.Version == latest.N {
		return true, eng.SetPosition(agreement.Position{Party: p.Party, Item: p.Item, Stance: x.Stance, Condition: x.Condition})
	}
	if _, ok := eng.Position(p.Party, p.Item); ok {
		return true, eng.RemovePosition(p.Party, p.Item)
	}
	return true, nil
}

// At returns the transitions caused by the event at a log index.
func (hs *history) At(index int64) []transition { return hs.byIndex[index] }

// AgreedAt returns the items agreed after the event at a log index, or
// nil if the history does not reach it.
func (hs *history) AgreedAt(index int64) map[string]bool {
	if hs.Truncated && index > hs.Until {
		return nil
	}
	k := sort.Search(len(hs.points), func(k int) bool { return hs.points[k].index > index })
	if k == 0 {
		return map[string]bool{}
	}
	return hs.points[k-1].agreed
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

package web

import (
	"context"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/view"
)

// A transition is an item gaining or losing agreement, as the viewer may
// see it, and the event that did it, told for people.
type transition struct {
	Index   int64
	At      time.Time
	Item    string
	Title   string
	Agreed  bool   // it became agreed; otherwise it lost agreement
	Status  string // its status after the event
	Visible bool   // the viewer may see the event
	By      string // the signer's name, when visible
	Cause   parley.Description
}

// A history is the agreement over a talks' log as one viewer sees it
// (view.History), told for people.
type history struct {
	*view.History
	Transitions []transition
	byIndex     map[int64][]transition
}

// history returns the history of the snap's talks for its viewer.
func (h *handler) history(ctx context.Context, s *snap) (*history, error) {
	vh, err := h.replays.Of(ctx, s.Talks, view.StoreSource(h.l, s.ID))
	if err != nil {
		return nil, err
	}
	hs := &history{History: vh, byIndex: map[int64][]transition{}}
	for _, t := range vh.Transitions {
		tr := transition{Index: t.Index, At: t.At, Item: t.Item, Title: t.Title, Agreed: t.Agreed, Status: t.Status, Visible: t.Visible()}
		if t.Visible() {
			tr.By, tr.Cause = s.ActorName(t.Event.Actor), parley.Describe(t.Event, s)
		}
		hs.Transitions = append(hs.Transitions, tr)
		hs.byIndex[t.Index] = append(hs.byIndex[t.Index], tr)
	}
	return hs, nil
}

// At returns the transitions caused by the event at a log index.
func (hs *history) At(index int64) []transition { return hs.byIndex[index] }

// agreedish reports whether a status counts as agreed.
func agreedish(status string) bool { return view.Agreedish(status) }

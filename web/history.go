package web

import (
	"context"
	"crypto/sha256"
	"slices"
	"sort"
	"sync"
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

// A replay is a history being built: the state and the engine after the
// events applied so far, for one talks and one set of visible events. A
// later view extends it with the events appended since, as long as the
// viewer's visibility of the events it applied is unchanged (a release can
// change it).
type replay struct {
	mu        sync.Mutex
	talks     string
	size      int64    // events applied
	sum       [32]byte // of the visibility of those events
	st        *state.Talks
	eng       *agreement.Engine
	at        map[string]bool // the parties at the table when eng was built
	prev      map[string]bool // the items agreed
	perChange int             // work of one stance carried into eng
	work      int
	truncated bool
	until     int64
	trans     []transition
	points    []point
}

// A replayCache keeps the latest replays.
type replayCache struct {
	mu   sync.Mutex
	runs []*replay // the most recently used last
}

const replayCacheSize = 4

func bitsSum(bits []bool) [32]byte {
	b := make([]byte, len(bits))
	for i, v := range bits {
		if v {
			b[i] = 1
		}
	}
	return sha256.Sum256(b)
}

// find returns a replay of the talks that bits extend, or a new one.
func (c *replayCache) find(talks string, bits []bool) *replay {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := len(c.runs) - 1; k >= 0; k-- {
		r := c.runs[k]
		r.mu.Lock()
		ok := r.talks == talks && r.size <= int64(len(bits)) && r.sum == bitsSum(bits[:r.size])
		r.mu.Unlock()
		if ok {
			c.runs = append(slices.Delete(c.runs, k, k+1), r)
			return r
		}
	}
	r := &replay{talks: talks, st: state.New(talks), at: map[string]bool{}, prev: map[string]bool{}, perChange: 1, sum: bitsSum(nil), until: -1}
	c.runs = append(c.runs, r)
	if len(c.runs) > replayCacheSize {
		c.runs = c.runs[1:]
	}
	return r
}

// history returns the history of the talks for the viewer holding key. s
// gives the names.
func (h *handler) history(ctx context.Context, s *snap, key string) (*history, error) {
	var bits []bool
	err := h.l.View(ctx, s.ID, func(st *state.Talks, _ parley.Checkpoint) error {
		bits = viewerBits(st, st.ViewerOf(key), st.Size)
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := h.replays.find(s.ID, bits)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.extend(ctx, h, s, bits); err != nil {
		// The replay may be half applied: let no view use it again.
		r.talks = ""
		return nil, err
	}
	hs := &history{Transitions: r.trans, Truncated: r.truncated, Until: r.until, points: r.points, byIndex: map[int64][]transition{}}
	if !r.truncated {
		hs.Until = r.size - 1
	}
	for _, t := range hs.Transitions {
		hs.byIndex[t.Index] = append(hs.byIndex[t.Index], t)
	}
	return hs, nil
}

// extend applies the events from r.size up to len(bits).
func (r *replay) extend(ctx context.Context, h *handler, s *snap, bits []bool) error {
	visible := func(i int64) bool { return i >= 0 && i < int64(len(bits)) && bits[i] }
	size := int64(len(bits))
	for from := r.size; from < size && !r.truncated; {
		to := min(size, from+pageSize)
		entries, err := h.l.Store().Entries(ctx, s.ID, from, to)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			return parley.Errorf(parley.EINTERNAL, "the store has no events %d to %d of %s", from, to, s.ID)
		}
		for _, en := range entries {
			e, err := parley.DecodeEvent(en.Event)
			if err != nil {
				return err
			}
			if err := r.apply(e, en.Index, visible, s); err != nil {
				return err
			}
			if r.truncated {
				break
			}
		}
		from = r.size
	}
	r.sum = bitsSum(bits[:r.size])
	return nil
}

// pageSize is how many events a replay reads from the store at once.
const pageSize = 5000

// apply applies one event to the replay and records the changes of the
// agreement it makes.
func (r *replay) apply(e *parley.Event, idx int64, visible func(int64) bool, s *snap) error {
	if err := r.st.Apply(e, idx); err != nil {
		return parley.Errorf(parley.EINTERNAL, "replaying event %d of %s: %v", idx, r.talks, err)
	}
	r.size = idx + 1
	if !state.AffectsAgreement(e.Kind) {
		return nil
	}
	if r.work > maxHistoryWork {
		r.truncated, r.until = true, idx-1
		r.size = idx // the event is not accounted for
		return nil
	}
	carried := false
	var err error
	if e.Kind == parley.KindSetStance && r.eng != nil {
		if carried, err = carry(r.eng, r.st, e, visible(idx), r.at); err != nil {
			return err
		}
		r.work += r.perChange
	}
	if !carried {
		inst, _ := instanceFor(r.st, visible)
		if r.eng, err = agreement.NewEngine(inst); err != nil {
			return err
		}
		clear(r.at)
		for _, p := range inst.Parties {
			r.at[p] = true
		}
		r.perChange = 1
		for _, p := range inst.Positions {
			if c, err := agreement.ParseCondition(p.Condition); err == nil && negatesItems(c, false) {
				r.perChange = len(inst.Positions) // each change searches afresh
				break
			}
		}
		r.work += len(inst.Positions) + len(inst.Items)
	}
	list, err := r.eng.Agreed()
	if err != nil {
		return err
	}
	now := make(map[string]bool, len(list))
	for _, id := range list {
		now[id] = true
	}
	changed := false
	for _, it := range r.st.Items {
		if !visible(it.Added) || now[it.ID] == r.prev[it.ID] {
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
		r.trans = append(r.trans, t)
	}
	if changed || len(r.points) == 0 {
		r.points = append(r.points, point{index: idx, agreed: now})
	}
	r.prev = now
	return nil
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

package view

import (
	"context"
	"crypto/sha256"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/state"
)

// A Transition is an item gaining or losing agreement as a viewer sees it,
// and the event that did it.
type Transition struct {
	Index  int64
	At     time.Time
	Item   string
	Title  string
	Agreed bool   // it became agreed; otherwise it lost agreement
	Status string // its status after the event
	// Event is the event that made the change, when the viewer may see
	// it; nil otherwise (the change then came from an event hidden from
	// the viewer, such as a new version it may not read).
	Event *parley.Event
	// Stance is the stance the event recorded, for a stance the viewer
	// may see.
	Stance *state.Stance
}

// Visible reports whether the viewer may see the event of the transition.
func (t Transition) Visible() bool { return t.Event != nil }

// A History is the agreement over a talks' log as one viewer sees it: the
// log replayed with, after every event that can change it, the agreement
// computed from what the viewer may see then (state.Seen), so that every
// change it reports is one the viewer's own view would show.
type History struct {
	Transitions []Transition
	// Truncated is set when the log holds more work than the history
	// does; the transitions then stop at Until.
	Truncated bool
	Until     int64
	points    []point
	byIndex   map[int64][]Transition
}

// A point is the items agreed after an event that changed them.
type point struct {
	index  int64
	agreed map[string]bool
}

// MaxHistoryWork bounds the work of a history: positions compiled into
// engines, plus one for each stance carried into one.
const MaxHistoryWork = 4_000_000

// Agreedish reports whether a status counts as agreed.
func Agreedish(status string) bool {
	return status == agreement.StatusAgreed || status == agreement.StatusAgreedAdReferendum
}

// At returns the transitions caused by the event at a log index.
func (h *History) At(index int64) []Transition { return h.byIndex[index] }

// AgreedAt returns the items agreed after the event at a log index, or
// nil if the history does not reach it.
func (h *History) AgreedAt(index int64) map[string]bool {
	if h.Truncated && index > h.Until {
		return nil
	}
	k := sort.Search(len(h.points), func(k int) bool { return h.points[k].index > index })
	if k == 0 {
		return map[string]bool{}
	}
	return h.points[k-1].agreed
}

// Changes returns the log indexes of the events that changed what is
// agreed, in order.
func (h *History) Changes() []int64 {
	var out []int64
	for _, t := range h.Transitions {
		if len(out) == 0 || out[len(out)-1] != t.Index {
			out = append(out, t.Index)
		}
	}
	return out
}

// A Source reads the decoded events [from, to) of a talks' log.
type Source func(ctx context.Context, from, to int64) ([]*parley.Event, error)

// StoreSource reads a talks' events from a ledger's store.
func StoreSource(l *ledger.Ledger, talks string) Source {
	return func(ctx context.Context, from, to int64) ([]*parley.Event, error) {
		_, events, err := l.Read(ctx, talks, from, to)
		return events, err
	}
}

// EventsSource reads a talks' events from a slice of them in log order.
func EventsSource(events []*parley.Event) Source {
	return func(_ context.Context, from, to int64) ([]*parley.Event, error) {
		to = min(to, int64(len(events)))
		if from >= to {
			return nil, nil
		}
		return events[from:to], nil
	}
}

// A replay is a history being built: the state and the engine after the
// events applied so far, for one talks and one set of visible events. A
// later history extends it with the events appended since, as long as the
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
	trans     []Transition
	points    []point
}

// Histories keeps the latest histories built, so that the pages and
// routes of many viewers who see the same events share one replay.
type Histories struct {
	mu   sync.Mutex
	runs []*replay // the most recently used last
}

const historiesKept = 4

// longReplay is how many events a history may apply without taking a
// replay slot.
const longReplay = 2000

func bitsSum(bits []bool) [32]byte {
	b := make([]byte, len(bits))
	for i, v := range bits {
		if v {
			b[i] = 1
		}
	}
	return sha256.Sum256(b)
}

// find returns a replay of the talks that bits extend, or a new one,
// which the cache keeps if keep is set.
func (c *Histories) find(talks string, bits []bool, keep bool) *replay {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := len(c.runs) - 1; k >= 0; k-- {
		r := c.runs[k]
		// A replay another request is extending is passed over rather
		// than waited for with the cache locked, which would hold every
		// history of every talks behind it.
		if !r.mu.TryLock() {
			continue
		}
		ok := r.fits(talks, bits)
		r.mu.Unlock()
		if ok {
			c.runs = append(slices.Delete(c.runs, k, k+1), r)
			return r
		}
	}
	r := newReplay(talks)
	if !keep {
		return r
	}
	c.runs = append(c.runs, r)
	if len(c.runs) > historiesKept {
		c.runs = c.runs[1:]
	}
	return r
}

// fits reports whether the replay is of the talks and has applied only
// events the viewer whose visibility bits gives may see as it sees them:
// a prefix of the log no longer than bits, with the same events visible.
// The caller holds r.mu.
func (r *replay) fits(talks string, bits []bool) bool {
	return r.talks == talks && r.size <= int64(len(bits)) && r.sum == bitsSum(bits[:r.size])
}

func newReplay(talks string) *replay {
	return &replay{talks: talks, st: state.New(talks), at: map[string]bool{}, prev: map[string]bool{}, perChange: 1, sum: bitsSum(nil), until: -1}
}

// Of returns the history of the view's talks, up to the view's size, as
// its viewer sees it. A nil cache replays afresh.
func (c *Histories) Of(ctx context.Context, t *Talks, src Source) (*History, error) {
	bits := make([]bool, t.Size)
	for i := range bits {
		bits[i] = t.Visible(int64(i))
	}
	// Another request may extend the replay found with its own viewer's
	// events between find and the lock: it is used only if it still
	// fits this viewer's, else it is looked up again, and after a few
	// tries a replay of this request's own is made.
	//
	// A view of the past uses a replay kept if one fits, but one it has
	// to start is not kept: the views of now, which pages of every reader
	// need, keep their replays, and requests for many points of the past
	// cannot push them out.
	past := t.At >= 0
	var r *replay
	for try := 0; ; try++ {
		if c != nil && try < 3 {
			r = c.find(t.ID, bits, !past)
		} else {
			r = newReplay(t.ID)
		}
		r.mu.Lock()
		if r.fits(t.ID, bits) {
			break
		}
		r.mu.Unlock()
	}
	defer r.mu.Unlock()
	// A long replay for a view of the past takes its turn with the
	// replays of the past; one for a view of now does not wait behind
	// them.
	if past && int64(len(bits))-r.size > longReplay {
		release, err := replaySlot(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if err := r.extend(ctx, src, bits); err != nil {
		// The replay may be half applied: let no history use it again.
		r.talks = ""
		return nil, err
	}
	h := &History{Transitions: r.trans, Truncated: r.truncated, Until: r.until, points: r.points, byIndex: map[int64][]Transition{}}
	if !r.truncated {
		h.Until = r.size - 1
	}
	for _, tr := range h.Transitions {
		h.byIndex[tr.Index] = append(h.byIndex[tr.Index], tr)
	}
	return h, nil
}

// extend applies the events from r.size up to len(bits).
func (r *replay) extend(ctx context.Context, src Source, bits []bool) error {
	visible := func(i int64) bool { return i >= 0 && i < int64(len(bits)) && bits[i] }
	size := int64(len(bits))
	for from := r.size; from < size && !r.truncated; {
		to := min(size, from+pageSize)
		events, err := src(ctx, from, to)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return parley.Errorf(parley.EINTERNAL, "the record has no events %d to %d of %s", from, to, r.talks)
		}
		for k, e := range events {
			if err := r.apply(e, from+int64(k), visible); err != nil {
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

// apply applies one event to the replay and records the changes of the
// agreement it makes.
func (r *replay) apply(e *parley.Event, idx int64, visible func(int64) bool) error {
	if err := r.st.Apply(e, idx); err != nil {
		return parley.Errorf(parley.EINTERNAL, "replaying event %d of %s: %v", idx, r.talks, err)
	}
	r.size = idx + 1
	if !state.AffectsAgreement(e.Kind) {
		return nil
	}
	if r.work > MaxHistoryWork {
		r.truncated, r.until = true, idx-1
		r.size = idx // the event is not accounted for
		return nil
	}
	seen := r.st.Seen(visible)
	carried := false
	var err error
	var stance *state.Stance
	if p, ok := e.Act.(*parley.SetStance); ok {
		if it := r.st.Item(p.Item); it != nil && visible(idx) {
			stance = it.Stances[p.Party]
		}
		if r.eng != nil {
			if carried, err = carry(r.eng, seen, p, r.at); err != nil {
				return err
			}
			r.work += r.perChange
		}
	}
	if !carried {
		inst := seen.Instance()
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
		if !seen.Item(it) || now[it.ID] == r.prev[it.ID] {
			continue
		}
		changed = true
		status := agreement.StatusNotAgreed
		if now[it.ID] {
			status = agreement.StatusAgreed
		}
		t := Transition{Index: idx, At: e.At(), Item: it.ID, Title: it.Title, Agreed: now[it.ID], Status: status}
		if visible(idx) {
			t.Event, t.Stance = e, stance
		}
		r.trans = append(r.trans, t)
	}
	if changed || len(r.points) == 0 {
		r.points = append(r.points, point{index: idx, agreed: now})
	}
	r.prev = now
	return nil
}

// carry applies the stance p, just applied to the state, to the engine as
// seen.Instance would include it, and reports whether it could.
func carry(eng *agreement.Engine, seen state.Seen, p *parley.SetStance, at map[string]bool) (bool, error) {
	pos, ok := Position(seen, p.Party, p.Item, at)
	if !ok {
		return false, nil
	}
	if pos.Stance != "" {
		return true, eng.SetPosition(pos)
	}
	if _, had := eng.Position(p.Party, p.Item); had {
		return true, eng.RemovePosition(p.Party, p.Item)
	}
	return true, nil
}

// Position returns the position that the instance seen would give a party
// on an item (Stance "" for none), with at the parties at the table; ok is
// false when the item is unknown.
func Position(seen state.Seen, party, item string, at map[string]bool) (agreement.Position, bool) {
	pos := agreement.Position{Party: party, Item: item}
	it := seen.Talks().Item(item)
	if it == nil {
		return pos, false
	}
	if !seen.Item(it) || !at[party] {
		return pos, true
	}
	latest := seen.Latest(it)
	if x := seen.Stance(it, party); x != nil && latest != nil && x.Version == latest.N && covers(x.Langs, seen.Langs(latest)) {
		pos.Stance, pos.Condition = x.Stance, x.Condition
	}
	return pos, true
}

// covers reports whether a stance taken on the languages had covers the
// languages want, as the instance counts it: a stance taken before a
// language was tabled counts no more.
func covers(had, want []string) bool {
	for _, l := range want {
		if !slices.Contains(had, l) {
			return false
		}
	}
	return true
}

// negatesItems reports whether c names an item under a negation, the
// case in which the agreement may have several outcomes or none.
func negatesItems(c *agreement.Cond, neg bool) bool {
	switch c.Op {
	case agreement.OpAgreed:
		return neg
	case agreement.OpNot:
		return negatesItems(c.X, !neg)
	case agreement.OpAnd, agreement.OpOr:
		return negatesItems(c.X, neg) || negatesItems(c.Y, neg)
	}
	return false
}

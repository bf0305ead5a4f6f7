package agreement

import (
	"encoding/binary"
	"slices"
	"sort"
	"time"

	"github.com/parleyhq/parley"
)

// Defaults and bounds of UnlockLimits.
const (
	MaxUnlockChanges         = 3
	DefaultUnlockEvaluations = 20000
	DefaultUnlockDuration    = 3 * time.Second
)

// UnlockLimits bound an unlock analysis.
type UnlockLimits struct {
	// MaxChanges is the largest set of changes considered, at most
	// MaxUnlockChanges; zero means MaxUnlockChanges.
	MaxChanges int
	// MaxEvaluations bounds the sets of changes tried; zero means
	// DefaultUnlockEvaluations.
	MaxEvaluations int
	// MaxDuration bounds the time spent; zero means DefaultUnlockDuration.
	MaxDuration time.Duration
}

// An UnlockOption is a set of moves that would make an item agreed and of
// which no smaller part would: stance changes, and holds lifted by a
// mediator (a version tabled without brackets, say).
type UnlockOption struct {
	Changes []Position `json:"changes"`
	// Lift lists the holds to lift: for open_brackets, a mediator tables
	// a version of the item without brackets; for incomplete_version,
	// the missing language versions; for open_divergence, the language
	// versions are brought into agreement.
	Lift []Hold `json:"lift,omitempty"`
}

// ErrUnlockIncomplete is returned with the options found so far when an
// unlock analysis stops at its budget before it has tried every set.
var ErrUnlockIncomplete = parley.Errorf(parley.ETOOLARGE, "the unlock analysis stopped at its limit of evaluations or time; the options listed are minimal but there may be others")

// A change is a move of an unlock option: a party's stance on an item,
// or, with party -1, lifting the hold of kind holdKinds[stance] on it.
type change struct {
	party, item int32
	stance      uint8 // stSupport or stOppose
}

// lift returns the move that lifts hold h of item i.
func lift(i int32, h Hold) change {
	return change{party: -1, item: i, stance: uint8(slices.Index(holdKinds, h.Kind))}
}

// lifts returns the moves that lift the holds of item i.
func (m *model) lifts(i int32) []change {
	var out []change
	for _, h := range m.holds[i] {
		out = append(out, lift(i, h))
	}
	return out
}

func changeLess(a, b change) int {
	if a.item != b.item {
		return int(a.item - b.item)
	}
	if a.party != b.party {
		return int(a.party - b.party)
	}
	return int(a.stance) - int(b.stance)
}

// Unlock finds the smallest sets of moves, up to lim.MaxChanges of them,
// that would give item the status agreed (or agreed ad referendum):
// agreed in every outcome, or, when other items oscillate, in every outcome
// of its own part of the instance. It reports
// every such set of which no proper part works, smallest first. A move
// makes a party support an item, or, where conditions negate the item,
// oppose it; or it lifts a hold (a mediator tables a version without
// brackets, say), the only way past a hold: no stance changes alone
// unlock an item whose blocking chain holds one. When the item is already
// agreed there is nothing to unlock and the list is empty.
//
// Without negation, it builds a tree of hitting sets: every set of
// moves that unlocks the item must change a vote that blocks it now, or
// lift a hold, directly or down its blocking chain (docs/AGREEMENT.md
// proves this), so each node branches only on those. With negation, it tries the
// candidate changes on the items connected to the item by conditions or
// packages, in sets of growing size. Both stop after lim.MaxEvaluations
// sets or lim.MaxDuration, returning what they found with
// ErrUnlockIncomplete.
func Unlock(inst *Instance, item string, lim UnlockLimits) ([]UnlockOption, error) {
	e, err := NewEngine(inst)
	if err != nil {
		return nil, err
	}
	x, ok := e.m.itemIdx[item]
	if !ok {
		return nil, parley.Errorf(parley.ENOTFOUND, "%q is not one of the items", item)
	}
	if lim.MaxChanges <= 0 || lim.MaxChanges > MaxUnlockChanges {
		lim.MaxChanges = MaxUnlockChanges
	}
	if lim.MaxEvaluations <= 0 {
		lim.MaxEvaluations = DefaultUnlockEvaluations
	}
	if lim.MaxDuration <= 0 {
		lim.MaxDuration = DefaultUnlockDuration
	}
	u := &unlocker{e: e, x: x, lim: lim, seen: map[string]bool{}, start: time.Now()}
	if ok, err := e.agreedInAll(x); err != nil || ok {
		return []UnlockOption{}, err
	}
	if e.s != nil {
		err = u.hittingSets()
	} else {
		err = u.combinations()
	}
	return u.options(), err
}

type unlocker struct {
	e     *Engine
	x     int32
	lim   UnlockLimits
	evals int
	seen  map[string]bool
	found [][]change
	start time.Time
}

func key(t []change) string {
	b := make([]byte, 0, 9*len(t))
	for _, c := range t {
		b = binary.LittleEndian.AppendUint32(b, uint32(c.party))
		b = binary.LittleEndian.AppendUint32(b, uint32(c.item))
		b = append(b, c.stance)
	}
	return string(b)
}

// try applies the changes t, reports whether they unlock the item, and
// undoes them. Before undoing, it calls during, if not nil.
func (u *unlocker) try(t []change, during func()) (bool, error) {
	e, m := u.e, u.e.m
	u.evals++
	var undo []func() error
	for _, c := range t {
		if c.party < 0 {
			old := m.holds[c.item]
			kind := holdKinds[c.stance]
			e.setHolds(c.item, slices.DeleteFunc(slices.Clone(old), func(h Hold) bool { return h.Kind == kind }))
			undo = append(undo, func() error { e.setHolds(c.item, old); return nil })
			continue
		}
		party, item := m.parties[c.party], m.items[c.item]
		if old, ok := e.Position(party, item); ok {
			undo = append(undo, func() error { return e.SetPosition(old) })
		} else {
			undo = append(undo, func() error { return e.RemovePosition(party, item) })
		}
		st := parley.StanceSupport
		if c.stance == stOppose {
			st = parley.StanceOppose
		}
		if err := e.SetPosition(Position{Party: party, Item: item, Stance: st}); err != nil {
			return false, err
		}
	}
	ok, err := e.agreedInAll(u.x)
	if err == nil && during != nil {
		during()
	}
	for k := len(undo) - 1; k >= 0; k-- {
		if uerr := undo[k](); uerr != nil && err == nil {
			err = uerr
		}
	}
	return ok, err
}

// covers reports whether t contains a set already found.
func (u *unlocker) covers(t []change) bool {
	for _, f := range u.found {
		if len(f) <= len(t) && isSubset(f, t) {
			return true
		}
	}
	return false
}

func isSubset(f, t []change) bool {
	for _, c := range f {
		if !slices.Contains(t, c) {
			return false
		}
	}
	return true
}

// hittingSets searches without negation, level by level. A node's
// conflict is computed only when the node is expanded.
func (u *unlocker) hittingSets() error {
	level := [][]change{{}}
	for size := 1; size <= u.lim.MaxChanges; size++ {
		var next [][]change
		for _, t := range level {
			if u.covers(t) {
				continue
			}
			var conf []change
			if _, err := u.try(t, func() { conf = u.conflict() }); err != nil {
				return err
			}
			for _, c := range conf {
				if slices.Contains(t, c) {
					continue
				}
				t2 := append(slices.Clone(t), c)
				slices.SortFunc(t2, changeLess)
				k := key(t2)
				if u.seen[k] || u.covers(t2) {
					continue
				}
				u.seen[k] = true
				if u.spent() {
					return ErrUnlockIncomplete
				}
				ok, err := u.try(t2, nil)
				if err != nil {
					return err
				}
				if ok {
					u.found = append(u.found, t2)
				} else if size < u.lim.MaxChanges {
					next = append(next, t2)
				}
			}
		}
		level = next
	}
	return nil
}

// spent reports whether the budget of evaluations or time is used up.
func (u *unlocker) spent() bool {
	return u.evals >= u.lim.MaxEvaluations || time.Since(u.start) > u.lim.MaxDuration
}

// conflict returns a set of changes of which every set that unlocks the
// item must hold one, given the current state. If the item or a package
// mate fails even with all its conditional votes yes, one of its other
// votes must change: those votes are the conflict. Otherwise it is every
// vote that is not yes on the item's blocking chain: the item, the items
// its failing conditions wait on, their package mates, and so on.
func (u *unlocker) conflict() []change {
	m, s := u.e.m, u.e.s
	var best []change
	mates := []int32{u.x}
	if pk := m.pkgOf[u.x]; pk >= 0 {
		mates = m.pkgs[pk]
	}
	for _, i := range mates {
		if s.pass[i] || !s.hopeless(i) {
			continue
		}
		if len(m.holds[i]) > 0 {
			// Every option lifts every hold of i.
			return m.lifts(i)[:1]
		}
		c := u.staticVotes(i)
		if best == nil || len(c) < len(best) {
			best = c
		}
	}
	if best != nil {
		return best
	}
	return u.chainConflict()
}

// staticVotes returns the support changes of the votes on item i that are
// not yes and not conditional: no, reserve, abstain and silent.
func (u *unlocker) staticVotes(i int32) []change {
	m := u.e.m
	has := make([]bool, len(m.parties))
	var out []change
	for _, k := range m.byPos[i] {
		p := &m.pos[k]
		has[p.party] = true
		if p.stance == stOppose || p.stance == stReserve || p.stance == stAbstain || p.stance == stConditional && p.konst == 0 {
			out = append(out, change{party: p.party, item: i, stance: stSupport})
		}
	}
	for pi, h := range has {
		if !h {
			out = append(out, change{party: int32(pi), item: i, stance: stSupport})
		}
	}
	slices.SortFunc(out, changeLess)
	return out
}

// chainConflict returns the support changes of every vote that is not yes
// on the blocking chain of the item, and the lifts of its holds: the item,
// the items its failing conditions wait on, their package mates, and so
// on. A hold counts as a vote that is not yes.
func (u *unlocker) chainConflict() []change {
	m, s := u.e.m, u.e.s
	region := []int32{u.x}
	inRegion := map[int32]bool{u.x: true}
	add := func(j int32) {
		if !s.in[j] && !inRegion[j] {
			inRegion[j] = true
			region = append(region, j)
		}
	}
	for q := 0; q < len(region); q++ {
		i := region[q]
		if pk := m.pkgOf[i]; pk >= 0 {
			for _, j := range m.pkgs[pk] {
				add(j)
			}
		}
		for _, k := range m.byPos[i] {
			p := &m.pos[k]
			if !p.dynamic() || s.val[m.root(p)] {
				continue
			}
			n0, n1 := m.span(p)
			for j := n0; j < n1; j++ {
				if nd := &m.nodes[j]; nd.op == nLit {
					add(nd.item)
				}
			}
		}
	}
	var out []change
	for _, i := range region {
		yes := make([]bool, len(m.parties))
		for _, k := range m.byPos[i] {
			p := &m.pos[k]
			switch {
			case p.stance == stSupport || p.stance == stAdRef:
				yes[p.party] = true
			case p.stance == stConditional && p.konst == 1:
				yes[p.party] = true
			case p.dynamic() && s.val[m.root(p)]:
				yes[p.party] = true
			}
		}
		for pi, y := range yes {
			if !y {
				out = append(out, change{party: int32(pi), item: i, stance: stSupport})
			}
		}
		out = append(out, m.lifts(i)...)
	}
	slices.SortFunc(out, changeLess)
	return out
}

// combinations searches with negation: every set of up to MaxChanges
// candidate changes, smallest first.
func (u *unlocker) combinations() error {
	m := u.e.m
	// The items connected to x by dependencies, either way.
	comp := []int32{u.x}
	inComp := map[int32]bool{u.x: true}
	for q := 0; q < len(comp); q++ {
		visit := func(j int32) {
			if !inComp[j] {
				inComp[j] = true
				comp = append(comp, j)
			}
		}
		m.deps(comp[q], func(j int32, _ bool) { visit(j) })
		m.dependents(comp[q], visit)
	}
	var cands []change
	for _, i := range comp {
		stance := make([]int8, len(m.parties))
		for pi := range stance {
			stance[pi] = -1
		}
		for _, k := range m.byPos[i] {
			stance[m.pos[k].party] = int8(m.pos[k].stance)
		}
		for pi, st := range stance {
			if st != int8(stSupport) {
				cands = append(cands, change{party: int32(pi), item: i, stance: stSupport})
			}
			if st == int8(stSupport) || st == int8(stAdRef) || st == int8(stConditional) {
				cands = append(cands, change{party: int32(pi), item: i, stance: stOppose})
			}
		}
		cands = append(cands, m.lifts(i)...)
	}
	slices.SortFunc(cands, changeLess)
	var walk func(size, from int, t []change) error
	walk = func(size, from int, t []change) error {
		if len(t) == size {
			if u.covers(t) {
				return nil
			}
			if u.spent() {
				return ErrUnlockIncomplete
			}
			ok, err := u.try(t, nil)
			if err != nil {
				return err
			}
			if ok {
				u.found = append(u.found, slices.Clone(t))
			}
			return nil
		}
		for k := from; k < len(cands); k++ {
			c := cands[k]
			// One change per party and item; one lift per hold.
			if slices.ContainsFunc(t, func(d change) bool {
				return d.party == c.party && d.item == c.item && (c.party >= 0 || d.stance == c.stance)
			}) {
				continue
			}
			if err := walk(size, k+1, append(t, c)); err != nil {
				return err
			}
		}
		return nil
	}
	for size := 1; size <= u.lim.MaxChanges; size++ {
		if err := walk(size, 0, nil); err != nil {
			return err
		}
	}
	return nil
}

func (u *unlocker) options() []UnlockOption {
	m := u.e.m
	sort.SliceStable(u.found, func(a, b int) bool {
		if len(u.found[a]) != len(u.found[b]) {
			return len(u.found[a]) < len(u.found[b])
		}
		return slices.CompareFunc(u.found[a], u.found[b], changeLess) < 0
	})
	out := make([]UnlockOption, len(u.found))
	for k, t := range u.found {
		out[k].Changes = []Position{}
		for _, c := range t {
			if c.party < 0 {
				kind := holdKinds[c.stance]
				h := m.holds[c.item][slices.IndexFunc(m.holds[c.item], func(h Hold) bool { return h.Kind == kind })]
				out[k].Lift = append(out[k].Lift, h)
				continue
			}
			st := parley.StanceSupport
			if c.stance == stOppose {
				st = parley.StanceOppose
			}
			out[k].Changes = append(out[k].Changes, Position{Party: m.parties[c.party], Item: m.items[c.item], Stance: st})
		}
	}
	return out
}

// ImpactResult is what one hypothetical change would do.
type ImpactResult struct {
	Change Position `json:"change"`
	// Pass lists the items that would become agreed (in every outcome),
	// Fall those that would no longer be.
	Pass []string `json:"pass"`
	Fall []string `json:"fall"`
	// Changed lists every item whose status would change.
	Changed []StatusChange `json:"changed"`
}

// A StatusChange is an item's status before and after a change.
type StatusChange struct {
	Item   string `json:"item"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Impact evaluates inst with one position changed: change replaces the
// party's position on the item, or, when its Stance is empty, withdraws it.
func Impact(inst *Instance, change Position) (*ImpactResult, error) {
	e, err := NewEngine(inst)
	if err != nil {
		return nil, err
	}
	before, err := e.statuses()
	if err != nil {
		return nil, err
	}
	if change.Stance == "" {
		if _, ok := e.Position(change.Party, change.Item); ok {
			err = e.RemovePosition(change.Party, change.Item)
		} else {
			_, party := e.m.partyIdx[change.Party]
			_, item := e.m.itemIdx[change.Item]
			if party && item {
				err = inField("change.stance", parley.Errorf(parley.EINVALID, "%s has no position on %s to withdraw; give a stance to take", change.Party, change.Item))
			} else {
				err = e.SetPosition(change) // reports the party or item that is not in the instance
			}
		}
	} else {
		err = e.SetPosition(change)
	}
	if err != nil {
		return nil, err
	}
	after, err := e.statuses()
	if err != nil {
		return nil, err
	}
	r := &ImpactResult{Change: change, Pass: []string{}, Fall: []string{}, Changed: []StatusChange{}}
	for i, id := range e.m.items {
		b, a := before[i], after[i]
		if b == a {
			continue
		}
		r.Changed = append(r.Changed, StatusChange{Item: id, Before: b, After: a})
		switch {
		case a == StatusAgreed:
			r.Pass = append(r.Pass, id)
		case b == StatusAgreed:
			r.Fall = append(r.Fall, id)
		}
	}
	sort.Strings(r.Pass)
	sort.Strings(r.Fall)
	sort.Slice(r.Changed, func(a, b int) bool { return r.Changed[a].Item < r.Changed[b].Item })
	return r, nil
}

// statuses returns each item's status, without telling ad referendum
// agreement apart.
func (e *Engine) statuses() ([]string, error) {
	o, err := e.evalOut()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(e.m.items))
	for i := range out {
		switch {
		case o.oscItem[i]:
			out[i] = StatusOscillating
		case o.inAll[i]:
			out[i] = StatusAgreed
		case o.inSome[i]:
			out[i] = StatusContested
		default:
			out[i] = StatusNotAgreed
		}
	}
	return out, nil
}

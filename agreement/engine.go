package agreement

import (
	"fmt"
	"slices"

	"github.com/parleyhq/parley"
)

// An Engine keeps an instance and its evaluation up to date as positions
// change. Without negation it updates the greatest fixpoint in place: a
// change that can only lower votes continues the descent from the current
// fixpoint; a change that can raise a vote on an item not agreed looks
// for the items that could newly pass with it, upstream of it first, and
// settles each such group by a descent restricted to it (docs/AGREEMENT.md
// proves both reach the greatest fixpoint). With negation it evaluates
// afresh.
// Its results equal those of Evaluate on Instance(). An Engine is not safe
// for concurrent use.
type Engine struct {
	base *Instance // rule, parties, items, packages, facts; positions come from m
	m    *model
	s    *gstate // the greatest fixpoint, while there is no negation
	opt  Options
}

// NewEngine compiles inst and evaluates it.
func NewEngine(inst *Instance) (*Engine, error) {
	return NewEngineOptions(inst, Options{})
}

// NewEngineOptions is NewEngine with options for evaluations with negation.
func NewEngineOptions(inst *Instance, opt Options) (*Engine, error) {
	m, err := newModel(inst)
	if err != nil {
		return nil, err
	}
	base := *inst
	base.Positions, base.Holds = nil, nil
	e := &Engine{base: &base, m: m, opt: opt}
	if m.nonMono == 0 {
		e.s = greatest(m)
	}
	return e, nil
}

// Instance returns the current instance: the one given with every change
// applied. Positions and holds come in no particular order.
func (e *Engine) Instance() *Instance {
	inst := *e.base
	inst.Positions = make([]Position, 0, e.m.nlive)
	for k := range e.m.pos {
		if e.m.pos[k].live {
			inst.Positions = append(inst.Positions, e.m.position(int32(k)))
		}
	}
	for _, hs := range e.m.holds {
		inst.Holds = append(inst.Holds, hs...)
	}
	return &inst
}

// Holds returns the holds on item.
func (e *Engine) Holds(item string) []Hold {
	if i, ok := e.m.itemIdx[item]; ok {
		return slices.Clone(e.m.holds[i])
	}
	return nil
}

// SetHolds replaces the holds on item, all of which must name it, with
// holds; an empty list lifts them all. Invalid holds are refused with an
// *parley.Error that names the field, and change nothing.
func (e *Engine) SetHolds(item string, holds []Hold) error {
	m := e.m
	i, ok := m.itemIdx[item]
	if !ok {
		return inField("item", parley.Errorf(parley.EINVALID, "%q is not one of the items", item))
	}
	var hs []Hold
	for k, h := range holds {
		f := fmt.Sprintf("holds[%d]", k)
		if h.Item != item {
			return inField(f+".item", parley.Errorf(parley.EINVALID, "%q is not %q, whose holds are being set", h.Item, item))
		}
		if _, err := m.checkHold(f, h); err != nil {
			return err
		}
		if slices.ContainsFunc(hs, func(g Hold) bool { return g.Kind == h.Kind }) {
			return inField(f, parley.Errorf(parley.EINVALID, "a second hold of kind %s; give one per kind", h.Kind))
		}
		hs = append(hs, h)
	}
	e.setHolds(i, sortHolds(hs))
	return nil
}

// setHolds replaces the holds on item i. Lifting the last hold is a rise
// of the item's vote, and adding the first a fall: the fixpoint is
// brought up to date as for a change of position.
func (e *Engine) setHolds(i int32, hs []Hold) {
	m := e.m
	was := len(m.holds[i]) > 0
	m.holds[i] = hs
	s := e.s
	if s == nil || was == (len(hs) > 0) {
		return
	}
	s.recheck(i)
	s.settle()
	if was && !s.in[i] {
		s.raise(i)
	}
}

// Position returns the position of party on item, if it has one.
func (e *Engine) Position(party, item string) (Position, bool) {
	pi, ok1 := e.m.partyIdx[party]
	ii, ok2 := e.m.itemIdx[item]
	if !ok1 || !ok2 {
		return Position{}, false
	}
	k, ok := e.m.slot(pi, ii)
	if !ok {
		return Position{}, false
	}
	return e.m.position(k), true
}

// SetPosition records p, replacing the party's earlier position on the
// item. An invalid position is refused with an *parley.Error that names
// its field, and changes nothing.
func (e *Engine) SetPosition(p Position) error {
	m := e.m
	party, item, st, c, t, err := m.checkPosition(func() string { return "position" }, p)
	if err != nil {
		return err
	}
	old, had := m.slot(party, item)
	if had {
		if q := &m.pos[old]; q.stance == st && m.condText(old) == p.Condition {
			return nil // the same position: nothing changes
		}
	}
	// The new vote is at least the old one under every set of agreed
	// items (no < abstain < yes) when it is a plain yes or the old one was
	// a plain no or silence; at most the old one when it is a plain no or
	// the old one was a plain yes.
	raise := !had || isYes(st) || isNo(m.pos[old].stance)
	lower := had && (isNo(st) || isYes(m.pos[old].stance))
	s := e.s
	if had {
		if s != nil && (raise || lower) {
			// Swap the votes without settling in between: F only rises
			// or only falls.
			if m.pos[old].dynamic() {
				s.dropCond(old)
			}
			m.removePosition(old)
			s.recheck(item)
		} else {
			e.remove(old)
		}
	}
	k := m.addPosition(party, item, st, c, t, p.Condition)
	if m.nonMono > 0 {
		e.s = nil
		return nil
	}
	if s == nil {
		e.s = greatest(m)
		return nil
	}
	s.grow()
	if m.pos[k].dynamic() {
		s.initCond(k)
	}
	s.recheck(item)
	s.settle()
	if !lower && !s.in[item] {
		s.raise(item)
	}
	return nil
}

func isYes(st uint8) bool { return st == stSupport || st == stAdRef }
func isNo(st uint8) bool  { return st == stOppose || st == stReserve }

// hopeless reports whether item i fails its rule even with every
// conditional vote on it yes.
func (s *gstate) hopeless(i int32) bool {
	m := s.m
	return !m.passes(i, m.sYes[i]+s.dcnt[i], m.sNo[i])
}

// RemovePosition withdraws the position of party on item: the party
// becomes silent on it. It is an error if there is none.
func (e *Engine) RemovePosition(party, item string) error {
	m := e.m
	pi, ok := m.partyIdx[party]
	if !ok {
		return inField("party", parley.Errorf(parley.EINVALID, "%q is not one of the parties", party))
	}
	ii, ok := m.itemIdx[item]
	if !ok {
		return inField("item", parley.Errorf(parley.EINVALID, "%q is not one of the items", item))
	}
	k, ok := m.slot(pi, ii)
	if !ok {
		return parley.Errorf(parley.ENOTFOUND, "%s has no position on %s to withdraw", party, item)
	}
	e.remove(k)
	if m.nonMono == 0 && e.s == nil {
		e.s = greatest(m)
	}
	return nil
}

// remove takes position k out, descending from the current fixpoint when
// there is no negation: the party becomes silent, which lowers its vote.
func (e *Engine) remove(k int32) {
	m := e.m
	p := m.pos[k]
	if e.s != nil && p.dynamic() {
		e.s.dropCond(k)
	}
	m.removePosition(k)
	if e.s != nil {
		e.s.recheck(p.item)
		e.s.settle()
	}
}

// evalOut returns the current evaluation.
func (e *Engine) evalOut() (*evalOut, error) {
	if e.s != nil {
		return monotoneOut(e.m, slices.Clone(e.s.in)), nil
	}
	return searchAll(e.m, e.opt)
}

// Result evaluates the current instance with explanations. It fails only
// when a search with negation exceeds its budget.
func (e *Engine) Result() (*Result, error) {
	o, err := e.evalOut()
	if err != nil {
		return nil, err
	}
	return e.m.result(o), nil
}

// Agreed returns the items agreed in every outcome, sorted.
func (e *Engine) Agreed() ([]string, error) {
	o, err := e.evalOut()
	if err != nil {
		return nil, err
	}
	if len(o.outcomes) == 0 {
		return []string{}, nil
	}
	return e.m.setNames(o.inAll), nil
}

// agreedInAll reports whether item i has the status agreed: it is agreed
// in every outcome, or, when some items oscillate, in every outcome of its
// part of the instance.
func (e *Engine) agreedInAll(i int32) (bool, error) {
	if e.s != nil {
		return e.s.in[i], nil
	}
	o, err := searchAll(e.m, e.opt)
	if err != nil {
		return false, err
	}
	return !o.oscItem[i] && o.inAll[i], nil
}

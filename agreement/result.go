package agreement

import (
	"slices"
	"sort"

	"github.com/parleyhq/parley"
)

// Item statuses.
const (
	StatusAgreed             = "agreed"               // in every outcome
	StatusAgreedAdReferendum = "agreed_ad_referendum" // agreed, but some yes it rests on awaits a capital's confirmation
	StatusContested          = "contested"            // in some outcomes, not in others
	StatusNotAgreed          = "not_agreed"           // in no outcome
	StatusOscillating        = "oscillating"          // its conditions admit no outcome
)

// Result is what Evaluate finds. Its JSON form is the output of parley
// agree; docs/AGREEMENT.md describes it.
type Result struct {
	// Outcomes are the ⊆-maximal fixpoints, each a sorted list of item ids,
	// sorted; [] when there is none, [[]] when the only one is empty.
	Outcomes  [][]string `json:"outcomes"`
	Truncated bool       `json:"truncated"` // there are more outcomes than reported
	// AgreedInAll and AgreedInSome list the items agreed in every outcome
	// and in at least one; both are empty when there is no outcome.
	AgreedInAll  []string `json:"agreed_in_all"`
	AgreedInSome []string `json:"agreed_in_some"`
	// Oscillating lists, when there is no outcome, the conditional
	// positions whose conditions keep some items from settling.
	Oscillating []Position `json:"oscillating,omitempty"`
	// Items explains every item, by id. The votes, blockers and reliances
	// refer to one outcome: the first (or, when there is none, the items
	// decided outside the oscillating conditions).
	Items map[string]*ItemResult `json:"items"`
}

// ItemResult is the status of one item and why.
type ItemResult struct {
	Status  string      `json:"status"`
	Rule    parley.Rule `json:"rule"`
	Package []string    `json:"package,omitempty"` // the items of its package, itself included
	Tally   Tally       `json:"tally"`
	// Blockers are the votes that make the item fail its rule: no,
	// reserve, silent and failing conditions. Empty when it passes.
	Blockers []Blocker `json:"blockers,omitempty"`
	// NoSupport is set when the item fails for lack of any yes vote.
	NoSupport bool `json:"no_support,omitempty"`
	// PackageBlockedBy lists the package mates that fail their rule and
	// so keep this item from being agreed.
	PackageBlockedBy []string `json:"package_blocked_by,omitempty"`
	// RootBlockers are the plain objections, reservations and silences
	// (and items with no support at all) that the blockers lead to,
	// following failing conditions through the items they wait on.
	RootBlockers []RootBlocker `json:"root_blockers,omitempty"`
	// ReliesOn lists, for an agreed item, the conditional supports it has.
	ReliesOn []Reliance `json:"relies_on,omitempty"`
	// DependsOn lists the items whose status an agreed item's agreement
	// rests on directly: those its conditional supports name and its
	// package mates.
	DependsOn []string `json:"depends_on,omitempty"`
	// AdReferendum lists the parties whose yes on this item is ad
	// referendum.
	AdReferendum []string `json:"ad_referendum,omitempty"`
}

// Tally counts the votes on an item.
type Tally struct {
	Yes     int `json:"yes"`
	No      int `json:"no"`
	Abstain int `json:"abstain"`
	Silent  int `json:"silent"`
}

// A Blocker is one vote that keeps an item from passing.
type Blocker struct {
	Party     string `json:"party"`
	Stance    string `json:"stance"` // oppose, reserve, conditional, or silent
	Condition string `json:"condition,omitempty"`
	// WaitsOn lists the items the failing condition needs agreed and that
	// are not; ExcludedBy the agreed items it needs not agreed.
	WaitsOn    []string `json:"waits_on,omitempty"`
	ExcludedBy []string `json:"excluded_by,omitempty"`
	// MissingFacts lists the unconfirmed facts the condition needs;
	// ExcludedByFacts the confirmed facts it needs unconfirmed.
	MissingFacts    []string `json:"missing_facts,omitempty"`
	ExcludedByFacts []string `json:"excluded_by_facts,omitempty"`
}

// A RootBlocker is a vote at the end of a blocking chain: a plain
// objection, reservation or silence on Item, or, with Stance "no_support"
// and no Party, an item that no party supports.
type RootBlocker struct {
	Party  string `json:"party,omitempty"`
	Item   string `json:"item"`
	Stance string `json:"stance"`
}

// A Reliance is a conditional support that holds.
type Reliance struct {
	Party     string   `json:"party"`
	Condition string   `json:"condition"`
	On        []string `json:"on,omitempty"`      // agreed items the condition names positively
	Without   []string `json:"without,omitempty"` // items not agreed that it names negated
}

// Evaluate computes the outcomes of inst with the default options.
func Evaluate(inst *Instance) (*Result, error) {
	return EvaluateOptions(inst, Options{})
}

// EvaluateOptions computes the outcomes of inst: every ⊆-maximal fixpoint
// of F (DESIGN.md §4), the items agreed in all and in some of them, and an
// explanation of every item.
func EvaluateOptions(inst *Instance, opt Options) (*Result, error) {
	m, err := newModel(inst)
	if err != nil {
		return nil, err
	}
	o, err := evaluate(m, opt)
	if err != nil {
		return nil, err
	}
	return m.result(o), nil
}

func (m *model) names(idx []int32) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = m.items[i]
	}
	return out
}

func (m *model) setNames(set []bool) []string {
	out := []string{}
	for i, v := range set {
		if v {
			out = append(out, m.items[i])
		}
	}
	sort.Strings(out)
	return out
}

func stanceName(st uint8) string { return stanceNames[st] }

// result builds the Result of an evaluation.
func (m *model) result(o *evalOut) *Result {
	r := &Result{Truncated: o.truncated, Outcomes: make([][]string, len(o.outcomes))}
	for k, t := range o.outcomes {
		r.Outcomes[k] = m.names(t)
		sort.Strings(r.Outcomes[k])
	}
	ref := o.ref
	if len(o.outcomes) > 0 {
		order := make([]int, len(o.outcomes))
		for k := range order {
			order[k] = k
		}
		sort.SliceStable(order, func(a, b int) bool {
			return slices.Compare(r.Outcomes[order[a]], r.Outcomes[order[b]]) < 0
		})
		sorted := make([][]string, len(order))
		for k, j := range order {
			sorted[k] = r.Outcomes[j]
		}
		first := o.outcomes[order[0]]
		r.Outcomes = sorted
		ref = make([]bool, len(m.items))
		for _, i := range first {
			ref[i] = true
		}
		r.AgreedInAll = m.setNames(o.inAll)
		r.AgreedInSome = m.setNames(o.inSome)
	} else {
		r.AgreedInAll, r.AgreedInSome = []string{}, []string{}
	}
	for _, k := range o.oscillating {
		r.Oscillating = append(r.Oscillating, m.position(k))
	}
	sort.Slice(r.Oscillating, func(a, b int) bool {
		x, y := r.Oscillating[a], r.Oscillating[b]
		if x.Item != y.Item {
			return x.Item < y.Item
		}
		return x.Party < y.Party
	})
	x := m.explain(ref)
	r.Items = make(map[string]*ItemResult, len(m.items))
	for i, id := range m.items {
		it := x.items[i]
		switch {
		case o.oscItem[i]:
			it.Status = StatusOscillating
		case o.inAll[i]:
			it.Status = StatusAgreed
			if x.adref[i] {
				it.Status = StatusAgreedAdReferendum
			}
		case o.inSome[i]:
			it.Status = StatusContested
		default:
			it.Status = StatusNotAgreed
		}
		r.Items[id] = it
	}
	return r
}

// position returns the live position k as given.
func (m *model) position(k int32) Position {
	p := &m.pos[k]
	_, text := m.condOf(k)
	return Position{Party: m.parties[p.party], Item: m.items[p.item], Stance: stanceName(p.stance), Condition: text}
}

// condTrue evaluates the dynamic condition of position k with the items of
// set agreed.
func (m *model) condTrue(k int32, set []bool, scratch []bool) bool {
	n0, n1 := m.span(&m.pos[k])
	v := scratch[:0]
	for j := n0; j < n1; j++ {
		nd := &m.nodes[j]
		var x bool
		switch nd.op {
		case nLit:
			x = set[nd.item] != nd.neg
		case nAnd:
			x = true
			for _, kid := range m.kids[nd.kid0 : nd.kid0+nd.nkid] {
				if !v[kid-n0] {
					x = false
					break
				}
			}
		case nOr:
			for _, kid := range m.kids[nd.kid0 : nd.kid0+nd.nkid] {
				if v[kid-n0] {
					x = true
					break
				}
			}
		}
		v = append(v, x)
	}
	return v[n1-1-n0]
}

// vote returns the vote of position k under set: 1 yes, 0 no, 2 abstain.
func (m *model) vote(k int32, set []bool, scratch []bool) int8 {
	p := &m.pos[k]
	switch p.stance {
	case stSupport, stAdRef:
		return 1
	case stAbstain:
		return 2
	case stConditional:
		if p.konst >= 0 {
			return p.konst
		}
		if m.condTrue(k, set, scratch) {
			return 1
		}
	}
	return 0
}

// literals returns the items a condition names positively that are not in
// set and those it names negated that are, or, when holds, the reverse:
// what it relies on.
func (m *model) literals(k int32, set []bool, holds bool) (pos, neg []string) {
	n0, n1 := m.span(&m.pos[k])
	seenP, seenN := map[int32]bool{}, map[int32]bool{}
	for j := n0; j < n1; j++ {
		nd := &m.nodes[j]
		if nd.op != nLit {
			continue
		}
		in := set[nd.item]
		switch {
		case !nd.neg && in == holds && !seenP[nd.item]:
			seenP[nd.item] = true
			pos = append(pos, m.items[nd.item])
		case nd.neg && in != holds && !seenN[nd.item]:
			seenN[nd.item] = true
			neg = append(neg, m.items[nd.item])
		}
	}
	sort.Strings(pos)
	sort.Strings(neg)
	return pos, neg
}

// factLiterals returns the facts a failing condition needs confirmed and
// are not, and those it needs unconfirmed and are.
func (m *model) factLiterals(c *Cond) (missing, excluding []string) {
	var walk func(c *Cond, neg bool)
	walk = func(c *Cond, neg bool) {
		switch c.Op {
		case OpFact:
			if !neg && !m.facts[c.ID] {
				missing = append(missing, c.ID)
			}
			if neg && m.facts[c.ID] {
				excluding = append(excluding, c.ID)
			}
		case OpNot:
			walk(c.X, !neg)
		case OpAnd, OpOr:
			walk(c.X, neg)
			walk(c.Y, neg)
		}
	}
	walk(c, false)
	return uniq(missing), uniq(excluding)
}

func uniq(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}

// explanation is the per-item part of a result.
type explanation struct {
	items []*ItemResult
	adref []bool
}

// explain explains every item with respect to the set ref of agreed items.
func (m *model) explain(ref []bool) *explanation {
	n := len(m.items)
	x := &explanation{items: make([]*ItemResult, n), adref: make([]bool, n)}
	scratch := make([]bool, 0, 64)
	passes := make([]bool, n)
	ownAdRef := make([]bool, n)
	// Per item not agreed: the items it waits on and its own roots.
	waits := make([][]int32, n)
	roots := make([][]int64, n)
	rootKey := func(party, item int32) int64 { return int64(item)*int64(len(m.parties)+1) + int64(party) }
	noSupport := int32(len(m.parties))
	for i := range n {
		it := &ItemResult{Rule: m.rules[i].r}
		x.items[i] = it
		var t Tally
		var condNo int
		for _, k := range m.byPos[i] {
			p := &m.pos[k]
			switch m.vote(k, ref, scratch) {
			case 1:
				t.Yes++
				if p.stance == stAdRef {
					it.AdReferendum = append(it.AdReferendum, m.parties[p.party])
					ownAdRef[i] = true
				}
			case 2:
				t.Abstain++
			default:
				t.No++
				if p.stance == stConditional {
					condNo++
				}
			}
		}
		t.Silent = int(m.silent(int32(i)))
		it.Tally = t
		sort.Strings(it.AdReferendum)
		passes[i] = m.rules[i].passes(int32(t.Yes), int32(t.No), int32(t.Silent))
		if passes[i] {
			continue
		}
		it.NoSupport = t.Yes == 0
		if it.NoSupport && condNo == 0 {
			roots[i] = append(roots[i], rootKey(noSupport, int32(i)))
		}
		recorded := make([]bool, len(m.parties))
		for _, k := range m.byPos[i] {
			p := &m.pos[k]
			recorded[p.party] = true
			if m.vote(k, ref, scratch) != 0 {
				continue
			}
			c, text := m.condOf(k)
			b := Blocker{Party: m.parties[p.party], Stance: stanceName(p.stance), Condition: text}
			if p.stance == stConditional {
				if p.dynamic() {
					b.WaitsOn, b.ExcludedBy = m.literals(k, ref, false)
					for _, id := range b.WaitsOn {
						waits[i] = append(waits[i], m.itemIdx[id])
					}
				}
				b.MissingFacts, b.ExcludedByFacts = m.factLiterals(c)
			} else {
				roots[i] = append(roots[i], rootKey(p.party, int32(i)))
			}
			it.Blockers = append(it.Blockers, b)
		}
		if t.Silent > 0 {
			for pi, rec := range recorded {
				if !rec {
					it.Blockers = append(it.Blockers, Blocker{Party: m.parties[pi], Stance: "silent"})
					roots[i] = append(roots[i], rootKey(int32(pi), int32(i)))
				}
			}
		}
		sort.Slice(it.Blockers, func(a, b int) bool { return it.Blockers[a].Party < it.Blockers[b].Party })
	}
	// Packages.
	for i := range n {
		it := x.items[i]
		if pk := m.pkgOf[i]; pk >= 0 {
			it.Package = m.names(m.pkgs[pk])
			sort.Strings(it.Package)
			if ref[i] {
				continue
			}
			for _, j := range m.pkgs[pk] {
				if !passes[j] && int(j) != i {
					it.PackageBlockedBy = append(it.PackageBlockedBy, m.items[j])
					waits[i] = append(waits[i], j)
				}
			}
			sort.Strings(it.PackageBlockedBy)
		}
	}
	m.rootBlockers(x, ref, waits, roots)
	m.reliances(x, ref, ownAdRef)
	return x
}

// rootBlockers follows, for every item not agreed, the items it waits on
// down to the votes no condition explains. It finds the strongly connected
// parts of the waiting graph (Tarjan), so that each part's roots are
// gathered once.
func (m *model) rootBlockers(x *explanation, ref []bool, waits [][]int32, roots [][]int64) {
	n := len(m.items)
	index := make([]int32, n)
	low := make([]int32, n)
	on := make([]bool, n)
	done := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	acc := make([][]int64, n) // roots of an item's part, once it is done
	var stack []int32
	next := int32(0)
	var visit func(v int32)
	visit = func(v int32) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		for _, w := range waits[v] {
			if ref[w] {
				continue
			}
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var part []int32
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			on[w] = false
			part = append(part, w)
			if w == v {
				break
			}
		}
		var set []int64
		for _, w := range part {
			set = append(set, roots[w]...)
			for _, u := range waits[w] {
				if !ref[u] && done[u] {
					set = append(set, acc[u]...)
				}
			}
		}
		slices.Sort(set)
		set = slices.Compact(set)
		for _, w := range part {
			acc[w] = set
			done[w] = true
		}
	}
	for i := int32(0); i < int32(n); i++ {
		if !ref[i] && index[i] < 0 {
			visit(i)
		}
	}
	np := int64(len(m.parties) + 1)
	for i := range n {
		if ref[i] || len(acc[i]) == 0 {
			continue
		}
		rb := make([]RootBlocker, len(acc[i]))
		for k, key := range acc[i] {
			item, party := key/np, key%np
			if int(party) == len(m.parties) {
				rb[k] = RootBlocker{Item: m.items[item], Stance: "no_support"}
				continue
			}
			st := "silent"
			if k, ok := m.slot(int32(party), int32(item)); ok {
				st = stanceName(m.pos[k].stance)
			}
			rb[k] = RootBlocker{Party: m.parties[party], Item: m.items[item], Stance: st}
		}
		sort.Slice(rb, func(a, b int) bool {
			if rb[a].Item != rb[b].Item {
				return rb[a].Item < rb[b].Item
			}
			return rb[a].Party < rb[b].Party
		})
		x.items[i].RootBlockers = rb
	}
}

// reliances records, for every agreed item, the conditional supports that
// hold and the items they rest on, and marks as ad referendum every agreed
// item that rests, directly or through other items, on an ad referendum yes.
func (m *model) reliances(x *explanation, ref []bool, ownAdRef []bool) {
	n := len(m.items)
	scratch := make([]bool, 0, 64)
	dependents := make([][]int32, n)
	for i := range n {
		if !ref[i] {
			continue
		}
		it := x.items[i]
		var deps []string
		for _, k := range m.byPos[i] {
			p := &m.pos[k]
			if p.stance != stConditional || m.vote(k, ref, scratch) != 1 {
				continue
			}
			_, text := m.condOf(k)
			r := Reliance{Party: m.parties[p.party], Condition: text}
			if p.dynamic() {
				r.On, r.Without = m.literals(k, ref, true)
			}
			deps = append(deps, r.On...)
			deps = append(deps, r.Without...)
			it.ReliesOn = append(it.ReliesOn, r)
		}
		sort.Slice(it.ReliesOn, func(a, b int) bool { return it.ReliesOn[a].Party < it.ReliesOn[b].Party })
		for _, id := range it.Package {
			if id != m.items[i] {
				deps = append(deps, id)
			}
		}
		it.DependsOn = uniq(deps)
		for _, id := range it.DependsOn {
			j := m.itemIdx[id]
			if ref[j] {
				dependents[j] = append(dependents[j], int32(i))
			}
		}
	}
	var work []int32
	for i := range n {
		if ref[i] && ownAdRef[i] {
			x.adref[i] = true
			work = append(work, int32(i))
		}
	}
	for len(work) > 0 {
		j := work[len(work)-1]
		work = work[:len(work)-1]
		for _, i := range dependents[j] {
			if !x.adref[i] {
				x.adref[i] = true
				work = append(work, i)
			}
		}
	}
}

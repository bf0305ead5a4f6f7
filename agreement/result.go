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
// agree; docs/AGREEMENT.md describes it. Items may share lists (those of
// root blockers, when equal): treat a Result as read-only.
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
	// Holds are the holds on the item, which keep it from passing
	// whatever the votes: open brackets in its latest version and so on.
	Holds []Hold `json:"holds,omitempty"`
	// PackageBlockedBy lists the package mates that fail their rule or
	// are held, and so keep this item from being agreed.
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
	// MissingSteps lists the steps of measures not done that the
	// condition needs done; ExcludedBySteps the steps done that it needs
	// not done.
	MissingSteps    []string `json:"missing_steps,omitempty"`
	ExcludedBySteps []string `json:"excluded_by_steps,omitempty"`
}

// A RootBlocker is what lies at the end of a blocking chain: a plain
// objection, reservation or silence on Item; or, with no Party, an item
// that no party supports (Stance "no_support"), a hold on Item (Stance
// the kind of hold, such as "open_brackets", and its Count), or a step of
// a measure not done (Stance "not_done", and the Step) that a failing
// condition on Item needs done: only its party's report and its
// verifier's confirmation move it.
type RootBlocker struct {
	Party  string `json:"party,omitempty"`
	Item   string `json:"item"`
	Stance string `json:"stance"`
	Count  int    `json:"count,omitempty"` // of a hold: how many are open
	Step   string `json:"step,omitempty"`  // of a step not done
}

// StanceNotDone is the Stance of a root blocker that is a step not done.
const StanceNotDone = "not_done"

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

// outcomeNames returns the outcomes of o by name, each sorted, in sorted
// order, and the reference outcome of the explanations: the first of them,
// or, when there is none, o.ref.
func (m *model) outcomeNames(o *evalOut) ([][]string, []bool) {
	names := make([][]string, len(o.outcomes))
	for k, t := range o.outcomes {
		names[k] = m.names(t)
		sort.Strings(names[k])
	}
	if len(o.outcomes) == 0 {
		return names, o.ref
	}
	order := make([]int, len(o.outcomes))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool {
		return slices.Compare(names[order[a]], names[order[b]]) < 0
	})
	sorted := make([][]string, len(order))
	for k, j := range order {
		sorted[k] = names[j]
	}
	ref := make([]bool, len(m.items))
	for _, i := range o.outcomes[order[0]] {
		ref[i] = true
	}
	return sorted, ref
}

// status returns the status of item i; adref tells whether its agreement,
// if agreed, rests on an ad referendum yes.
func (o *evalOut) status(i int, adref bool) string {
	switch {
	case o.oscItem[i]:
		return StatusOscillating
	case o.inAll[i]:
		if adref {
			return StatusAgreedAdReferendum
		}
		return StatusAgreed
	case o.inSome[i]:
		return StatusContested
	}
	return StatusNotAgreed
}

// result builds the Result of an evaluation.
func (m *model) result(o *evalOut) *Result {
	r := &Result{Truncated: o.truncated}
	var ref []bool
	r.Outcomes, ref = m.outcomeNames(o)
	if len(o.outcomes) > 0 {
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
		it.Status = o.status(i, x.adref[i])
		r.Items[id] = it
	}
	return r
}

// A Summary is what most views need of an evaluation: every item's status
// and the parties whose votes keep it from passing its rule, as
// EvaluateOptions reports them (Status, and the parties of Blockers), but
// computed without the rest of the explanations.
type Summary struct {
	Status   map[string]string   // by item
	Blockers map[string][]string // by item with blockers: their parties, sorted
}

// Summarize evaluates inst and returns its Summary.
func Summarize(inst *Instance) (*Summary, error) {
	m, err := newModel(inst)
	if err != nil {
		return nil, err
	}
	o, err := evaluate(m, Options{})
	if err != nil {
		return nil, err
	}
	_, ref := m.outcomeNames(o)
	n := len(m.items)
	sum := &Summary{Status: make(map[string]string, n), Blockers: map[string][]string{}}
	scratch := make([]int8, 0, 64)
	ownAdRef := make([]bool, n)
	recorded := make([]bool, len(m.parties))
	for i := range n {
		t, adref := m.tally(int32(i), ref, &scratch, nil)
		ownAdRef[i] = adref
		if m.rulePasses(int32(i), int32(t.Yes), int32(t.No)) {
			continue
		}
		var ps []string
		m.blockers(int32(i), ref, &scratch, recorded, func(party, _ int32) {
			ps = append(ps, m.parties[party])
		})
		if len(ps) > 0 {
			sort.Strings(ps)
			sum.Blockers[m.items[i]] = ps
		}
	}
	adref := m.spreadAdRef(ref, ownAdRef, func(i int32, f func(j int32)) { m.reliedOn(i, ref, &scratch, f) })
	for i, id := range m.items {
		sum.Status[id] = o.status(i, adref[i])
	}
	return sum, nil
}

// tally counts the votes on item i under set and reports whether a yes
// among them is ad referendum; it calls adref, if not nil, with the
// party of each.
func (m *model) tally(i int32, set []bool, scratch *[]int8, adref func(party int32)) (Tally, bool) {
	var t Tally
	own := false
	for _, k := range m.byPos[i] {
		p := &m.pos[k]
		switch m.vote(k, set, scratch) {
		case 1:
			t.Yes++
			if p.stance == stAdRef {
				own = true
				if adref != nil {
					adref(p.party)
				}
			}
		case 2:
			t.Abstain++
		default:
			t.No++
		}
	}
	t.Silent = int(m.silent(i))
	return t, own
}

// blockers calls f with the party and the position (-1 for a silence) of
// every vote on item i that is no under set: plain no, failing
// conditions and silences, the silences last. recorded is scratch, one
// entry per party.
func (m *model) blockers(i int32, set []bool, scratch *[]int8, recorded []bool, f func(party, k int32)) {
	clear(recorded)
	for _, k := range m.byPos[i] {
		p := &m.pos[k]
		recorded[p.party] = true
		if m.vote(k, set, scratch) == 0 {
			f(p.party, k)
		}
	}
	if m.silent(i) > 0 {
		for pi, rec := range recorded {
			if !rec {
				f(int32(pi), -1)
			}
		}
	}
}

// reliedOn calls f with the items that the agreement of item i, agreed
// under set, rests on directly: the agreed items that its holding
// conditional supports name positively, and its package mates.
func (m *model) reliedOn(i int32, set []bool, scratch *[]int8, f func(j int32)) {
	for _, k := range m.dyn[i] {
		if !m.condTrue(k, set, scratch) {
			continue
		}
		n0, n1 := m.span(&m.pos[k])
		for j := n0; j < n1; j++ {
			if nd := &m.nodes[j]; nd.op == nLit && !nd.neg && set[nd.item] {
				f(nd.item)
			}
		}
	}
	if pk := m.pkgOf[i]; pk >= 0 {
		for _, j := range m.pkgs[pk] {
			if j != i {
				f(j)
			}
		}
	}
}

// spreadAdRef returns the items of set whose agreement rests, directly or
// through other agreed items (relied calls f with those an item rests on
// directly), on an ad referendum yes; own tells the items that have one.
func (m *model) spreadAdRef(set, own []bool, relied func(i int32, f func(j int32))) []bool {
	n := len(m.items)
	dependents := make([][]int32, n)
	adref := make([]bool, n)
	var work []int32
	for i := range n {
		if !set[i] {
			continue
		}
		relied(int32(i), func(j int32) {
			if set[j] {
				dependents[j] = append(dependents[j], int32(i))
			}
		})
		if own[i] {
			adref[i] = true
			work = append(work, int32(i))
		}
	}
	for len(work) > 0 {
		j := work[len(work)-1]
		work = work[:len(work)-1]
		for _, i := range dependents[j] {
			if !adref[i] {
				adref[i] = true
				work = append(work, i)
			}
		}
	}
	return adref
}

// position returns the live position k as given.
func (m *model) position(k int32) Position {
	p := &m.pos[k]
	_, text := m.condOf(k)
	return Position{Party: m.parties[p.party], Item: m.items[p.item], Stance: stanceName(p.stance), Condition: text}
}

// condTrue evaluates the dynamic condition of position k with the items of
// set agreed.
func (m *model) condTrue(k int32, set []bool, scratch *[]int8) bool {
	return m.eval(k, &valuation{in: set}, scratch) == 1
}

// vote returns the vote of position k under set: 1 yes, 0 no, 2 abstain.
func (m *model) vote(k int32, set []bool, scratch *[]int8) int8 {
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
	return constLiterals(c, OpFact, m.facts)
}

// stepLiterals returns the steps a failing condition needs done and are
// not, and those it needs not done and are.
func (m *model) stepLiterals(c *Cond) (missing, excluding []string) {
	return constLiterals(c, OpDone, m.done)
}

// constLiterals returns the atoms of op (facts or steps done, which hold
// when set has them) that c needs true and are false, and those it needs
// false and are true.
func constLiterals(c *Cond, op Op, set map[string]bool) (missing, excluding []string) {
	var walk func(c *Cond, neg bool)
	walk = func(c *Cond, neg bool) {
		switch c.Op {
		case op:
			if !neg && !set[c.ID] {
				missing = append(missing, c.ID)
			}
			if neg && set[c.ID] {
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
	scratch := make([]int8, 0, 64)
	passes := make([]bool, n)
	ownAdRef := make([]bool, n)
	// Per item not agreed: the items it waits on and its own roots.
	waits := make([][]int32, n)
	roots := make([][]int64, n)
	// A root is a party's vote on an item, or, with party noSupport, an
	// item no party supports, or, with party noSupport+1+k, a hold of
	// kind holdKinds[k] on an item, or, with party
	// noSupport+1+len(holdKinds)+s, the step m.stepIDs[s] not done that a
	// condition on the item needs.
	rootKey := func(party, item int32) int64 { return int64(item)*m.rootBase() + int64(party) }
	noSupport := int32(len(m.parties))
	recorded := make([]bool, len(m.parties))
	for i := range n {
		it := &ItemResult{Rule: m.rules[i].r, Holds: slices.Clone(m.holds[i])}
		x.items[i] = it
		var adrefParties []string
		t, own := m.tally(int32(i), ref, &scratch, func(party int32) { adrefParties = append(adrefParties, m.parties[party]) })
		it.Tally = t
		ownAdRef[i] = own
		it.AdReferendum = adrefParties
		sort.Strings(it.AdReferendum)
		passes[i] = m.passes(int32(i), int32(t.Yes), int32(t.No))
		if passes[i] {
			continue
		}
		for _, h := range m.holds[i] {
			roots[i] = append(roots[i], rootKey(noSupport+1+int32(slices.Index(holdKinds, h.Kind)), int32(i)))
		}
		if m.rulePasses(int32(i), int32(t.Yes), int32(t.No)) {
			continue // held back by its holds only
		}
		it.NoSupport = t.Yes == 0
		condNo := 0
		m.blockers(int32(i), ref, &scratch, recorded, func(party, k int32) {
			if k < 0 {
				it.Blockers = append(it.Blockers, Blocker{Party: m.parties[party], Stance: "silent"})
				roots[i] = append(roots[i], rootKey(party, int32(i)))
				return
			}
			p := &m.pos[k]
			c, text := m.condOf(k)
			b := Blocker{Party: m.parties[party], Stance: stanceName(p.stance), Condition: text}
			if p.stance == stConditional {
				condNo++
				if p.dynamic() {
					b.WaitsOn, b.ExcludedBy = m.literals(k, ref, false)
					for _, id := range b.WaitsOn {
						waits[i] = append(waits[i], m.itemIdx[id])
					}
				}
				b.MissingFacts, b.ExcludedByFacts = m.factLiterals(c)
				b.MissingSteps, b.ExcludedBySteps = m.stepLiterals(c)
				for _, id := range b.MissingSteps {
					roots[i] = append(roots[i], rootKey(noSupport+1+int32(len(holdKinds))+m.stepIdx[id], int32(i)))
				}
			} else {
				roots[i] = append(roots[i], rootKey(party, int32(i)))
			}
			it.Blockers = append(it.Blockers, b)
		})
		if it.NoSupport && condNo == 0 {
			roots[i] = append(roots[i], rootKey(noSupport, int32(i)))
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
		// Most parts of a blocked region have the roots of a part they
		// wait on: share its list.
	share:
		for _, w := range part {
			for _, u := range waits[w] {
				if !ref[u] && done[u] && slices.Equal(acc[u], set) {
					set = acc[u]
					break share
				}
			}
		}
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
	base := m.rootBase()
	// Items with the same list of roots share their RootBlockers.
	built := map[*int64][]RootBlocker{}
	for i := range n {
		if ref[i] || len(acc[i]) == 0 {
			continue
		}
		if rb, ok := built[&acc[i][0]]; ok {
			x.items[i].RootBlockers = rb
			continue
		}
		rb := make([]RootBlocker, len(acc[i]))
		for k, key := range acc[i] {
			item, party := key/base, key%base
			if int(party) == len(m.parties) {
				rb[k] = RootBlocker{Item: m.items[item], Stance: "no_support"}
				continue
			}
			if s := int(party) - len(m.parties) - 1 - len(holdKinds); s >= 0 {
				rb[k] = RootBlocker{Item: m.items[item], Stance: StanceNotDone, Step: m.stepIDs[s]}
				continue
			}
			if int(party) > len(m.parties) {
				kind := holdKinds[int(party)-len(m.parties)-1]
				h := m.holds[item][slices.IndexFunc(m.holds[item], func(h Hold) bool { return h.Kind == kind })]
				rb[k] = RootBlocker{Item: m.items[item], Stance: kind, Count: h.Count}
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
			if rb[a].Party != rb[b].Party {
				return rb[a].Party < rb[b].Party
			}
			if rb[a].Stance != rb[b].Stance {
				return rb[a].Stance < rb[b].Stance
			}
			return rb[a].Step < rb[b].Step
		})
		x.items[i].RootBlockers = rb
		built[&acc[i][0]] = rb
	}
}

// rootBase is the number of roots per item in the keys of explain: one
// per party, one for an item with no support, one per kind of hold and
// one per step that a condition names.
func (m *model) rootBase() int64 {
	return int64(len(m.parties) + 1 + len(holdKinds) + len(m.stepIDs))
}

// reliances records, for every agreed item, the conditional supports that
// hold and the items they rest on, and marks as ad referendum every agreed
// item that rests, directly or through other items, on an ad referendum yes.
func (m *model) reliances(x *explanation, ref []bool, ownAdRef []bool) {
	n := len(m.items)
	scratch := make([]int8, 0, 64)
	for i := range n {
		if !ref[i] {
			continue
		}
		it := x.items[i]
		var deps []string
		for _, k := range m.byPos[i] {
			p := &m.pos[k]
			if p.stance != stConditional || m.vote(k, ref, &scratch) != 1 {
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
	}
	x.adref = m.spreadAdRef(ref, ownAdRef, func(i int32, f func(j int32)) { m.reliedOn(i, ref, &scratch, f) })
}

package agreement

import (
	"fmt"
	"math"

	"github.com/parleyhq/parley"
)

// A model is an instance compiled for evaluation: items and parties are
// interned as indexes, each item keeps counters of its static votes, and
// each condition is compiled, with facts substituted and constants folded,
// into negation normal form: a flat array of and/or nodes over literals.
// Every item keeps the literals that watch it, so a change of one item's
// status reaches exactly the conditions that mention it.
type model struct {
	items    []string
	itemIdx  map[string]int32
	parties  []string
	partyIdx map[string]int32
	facts    map[string]bool

	rules []rule    // per item
	pkgOf []int32   // per item: its package, or -1
	pkgs  [][]int32 // members of each package

	pos   []cpos
	slot  map[[2]int32]int32 // (party, item) -> index in pos of its live position
	byPos [][]int32          // per item: indexes in pos of its live positions (unordered)

	// Static votes per item: plain stances and conditionals folded to a
	// constant. Dynamic conditionals are counted by the evaluators.
	sYes, sNo, sAbst, nRec []int32

	nodes []cnode
	kids  []int32
	watch [][]int32 // per item: literal nodes of live conditions that name it

	nonMono int // live positions whose condition has a negative literal
}

// Node operators of compiled conditions.
const (
	nLit uint8 = iota
	nAnd
	nOr
)

type cnode struct {
	op     uint8
	neg    bool  // nLit: the literal is "not agreed(item)"
	item   int32 // nLit
	parent int32 // -1 at the root
	pos    int32 // the position whose condition holds the node
	kid0   int32 // nAnd, nOr: first child in model.kids
	nkid   int32
}

// A cpos is a compiled position.
type cpos struct {
	party, item int32
	stance      uint8
	cond        *Cond
	text        string // the condition as given
	root        int32  // root node of a dynamic condition, or -1
	konst       int8   // conditional folded to a constant: 0 or 1; -1 otherwise
	n0, n1      int32  // the nodes of the condition: nodes[n0:n1], children before parents
	neg         bool   // the condition has a negative literal
	live        bool
}

// dynamic reports whether the vote of p depends on which items are agreed.
func (p *cpos) dynamic() bool { return p.stance == stConditional && p.konst < 0 }

// A rule is a decision rule prepared for counting.
type rule struct {
	r    parley.Rule
	need []int32 // majority: need[m] yes votes when m parties do not abstain
}

func newRule(r parley.Rule, nparties int) rule {
	out := rule{r: r}
	if r.Kind == parley.RuleMajority {
		out.need = make([]int32, nparties+1)
		for m := range out.need {
			out.need[m] = int32(math.Ceil(r.Threshold * float64(m)))
		}
	}
	return out
}

// passes applies the rule to a tally; silent counts the parties with no
// position. It is monotone: more yes or fewer no never makes it fail.
func (r *rule) passes(yes, no, silent int32) bool {
	if yes < 1 {
		return false
	}
	switch r.r.Kind {
	case parley.RuleConsensus:
		return no+silent == 0
	case parley.RuleConsensusMinus:
		return no+silent <= int32(r.r.N)
	case parley.RuleMajority:
		return yes >= r.need[yes+no+silent] // |P| − abstain
	}
	return false
}

func newModel(inst *Instance) (*model, error) {
	m := &model{
		itemIdx:  make(map[string]int32, len(inst.Items)),
		partyIdx: make(map[string]int32, len(inst.Parties)),
		facts:    make(map[string]bool, len(inst.Facts)),
		slot:     make(map[[2]int32]int32, len(inst.Positions)),
	}
	for i, p := range inst.Parties {
		f := fmt.Sprintf("parties[%d]", i)
		if !parley.ValidID(p) {
			return nil, invalidf(f, "%q is not an id ([A-Za-z0-9_.:-]+, at most %d characters)", p, parley.MaxIDLength)
		}
		if _, dup := m.partyIdx[p]; dup {
			return nil, invalidf(f, "party %q is listed twice", p)
		}
		m.partyIdx[p] = int32(len(m.parties))
		m.parties = append(m.parties, p)
	}
	for i, it := range inst.Items {
		f := fmt.Sprintf("items[%d]", i)
		if !parley.ValidID(it) {
			return nil, invalidf(f, "%q is not an id ([A-Za-z0-9_.:-]+, at most %d characters)", it, parley.MaxIDLength)
		}
		if _, dup := m.itemIdx[it]; dup {
			return nil, invalidf(f, "item %q is listed twice", it)
		}
		m.itemIdx[it] = int32(len(m.items))
		m.items = append(m.items, it)
	}
	for i, f := range inst.Facts {
		if !parley.ValidID(f) {
			return nil, invalidf(fmt.Sprintf("facts[%d]", i), "%q is not an id ([A-Za-z0-9_.:-]+, at most %d characters)", f, parley.MaxIDLength)
		}
		m.facts[f] = true
	}
	if err := checkRule("rule", inst.Rule); err != nil {
		return nil, err
	}
	n := len(m.items)
	base := newRule(inst.Rule, len(m.parties))
	m.rules = make([]rule, n)
	for i := range m.rules {
		m.rules[i] = base
	}
	for id, r := range inst.ItemRules {
		f := "item_rules." + id
		i, ok := m.itemIdx[id]
		if !ok {
			return nil, invalidf(f, "%q is not one of the items", id)
		}
		if err := checkRule(f, r); err != nil {
			return nil, err
		}
		m.rules[i] = newRule(r, len(m.parties))
	}
	m.pkgOf = make([]int32, n)
	for i := range m.pkgOf {
		m.pkgOf[i] = -1
	}
	where := map[int32]string{}
	for k, pk := range inst.Packages {
		var members []int32
		for j, id := range pk {
			f := fmt.Sprintf("packages[%d][%d]", k, j)
			i, ok := m.itemIdx[id]
			if !ok {
				return nil, invalidf(f, "%q is not one of the items", id)
			}
			if w, dup := where[i]; dup {
				return nil, invalidf(f, "item %q is already in %s; an item belongs to one package at most (merge the two)", id, w)
			}
			where[i] = f
			m.pkgOf[i] = int32(len(m.pkgs))
			members = append(members, i)
		}
		if len(members) > 0 {
			m.pkgs = append(m.pkgs, members)
		}
	}
	m.byPos = make([][]int32, n)
	m.sYes = make([]int32, n)
	m.sNo = make([]int32, n)
	m.sAbst = make([]int32, n)
	m.nRec = make([]int32, n)
	m.watch = make([][]int32, n)
	for k, p := range inst.Positions {
		f := fmt.Sprintf("positions[%d]", k)
		party, item, st, c, err := m.checkPosition(f, p)
		if err != nil {
			return nil, err
		}
		if prev, dup := m.slot[[2]int32{party, item}]; dup {
			return nil, invalidf(f, "party %q already has a position on %q (positions[%d]); give one position per party and item", p.Party, p.Item, prev)
		}
		m.addPosition(party, item, st, c, p.Condition)
	}
	return m, nil
}

// addPosition adds a live position, which must not exist yet, and returns
// its index. Its dynamic condition's nodes are left for the evaluator to
// initialize.
func (m *model) addPosition(party, item int32, st uint8, c *Cond, text string) int32 {
	k := int32(len(m.pos))
	m.pos = append(m.pos, cpos{party: party, item: item, stance: st, cond: c, text: text, root: -1, konst: -1, live: true})
	p := &m.pos[k]
	m.slot[[2]int32{party, item}] = k
	m.byPos[item] = append(m.byPos[item], k)
	m.nRec[item]++
	switch st {
	case stSupport, stAdRef:
		m.sYes[item]++
	case stOppose, stReserve:
		m.sNo[item]++
	case stAbstain:
		m.sAbst[item]++
	case stConditional:
		t := m.fold(c, false)
		switch t.konst {
		case 0:
			p.konst = 0
			m.sNo[item]++
		case 1:
			p.konst = 1
			m.sYes[item]++
		default:
			p.n0 = int32(len(m.nodes))
			p.root = m.emit(t, -1, k)
			p.n1 = int32(len(m.nodes))
			for j := p.n0; j < p.n1; j++ {
				nd := &m.nodes[j]
				if nd.op == nLit {
					m.watch[nd.item] = append(m.watch[nd.item], j)
					if nd.neg {
						p.neg = true
					}
				}
			}
			if p.neg {
				m.nonMono++
			}
		}
	}
	return k
}

// removePosition takes the live position k out of the model.
func (m *model) removePosition(k int32) {
	p := &m.pos[k]
	item := p.item
	p.live = false
	delete(m.slot, [2]int32{p.party, item})
	m.byPos[item] = removeValue(m.byPos[item], k)
	m.nRec[item]--
	switch p.stance {
	case stSupport, stAdRef:
		m.sYes[item]--
	case stOppose, stReserve:
		m.sNo[item]--
	case stAbstain:
		m.sAbst[item]--
	case stConditional:
		switch p.konst {
		case 0:
			m.sNo[item]--
		case 1:
			m.sYes[item]--
		default:
			for j := p.n0; j < p.n1; j++ {
				if nd := &m.nodes[j]; nd.op == nLit {
					m.watch[nd.item] = removeValue(m.watch[nd.item], j)
				}
			}
			if p.neg {
				m.nonMono--
			}
		}
	}
}

func removeValue(s []int32, v int32) []int32 {
	for i, x := range s {
		if x == v {
			s[i] = s[len(s)-1]
			return s[:len(s)-1]
		}
	}
	return s
}

// ftree is a condition in negation normal form, before it is laid out.
type ftree struct {
	op    uint8
	neg   bool
	item  int32
	konst int8 // 0 or 1 for a constant, -1 otherwise
	kids  []*ftree
}

var (
	fTrue  = &ftree{konst: 1}
	fFalse = &ftree{konst: 0}
)

// fold compiles c, negated when neg, into negation normal form with the
// facts substituted, constants folded and nested and/or flattened.
func (m *model) fold(c *Cond, neg bool) *ftree {
	switch c.Op {
	case OpAgreed:
		return &ftree{op: nLit, neg: neg, item: m.itemIdx[c.ID], konst: -1}
	case OpFact:
		if m.facts[c.ID] != neg {
			return fTrue
		}
		return fFalse
	case OpNot:
		return m.fold(c.X, !neg)
	}
	op := nAnd
	if (c.Op == OpOr) != neg {
		op = nOr
	}
	// The absorbing constant of the operator and its unit.
	absorb, unit := int8(0), int8(1)
	if op == nOr {
		absorb, unit = 1, 0
	}
	t := &ftree{op: op, konst: -1}
	for _, x := range []*ftree{m.fold(c.X, neg), m.fold(c.Y, neg)} {
		switch {
		case x.konst == absorb:
			return x
		case x.konst == unit:
		case x.op == op && x.konst < 0:
			t.kids = append(t.kids, x.kids...)
		default:
			t.kids = append(t.kids, x)
		}
	}
	switch len(t.kids) {
	case 0:
		if unit == 1 {
			return fTrue
		}
		return fFalse
	case 1:
		return t.kids[0]
	}
	return t
}

// emit lays t out in m.nodes, children before parents, and returns the
// index of its root.
func (m *model) emit(t *ftree, parent, pos int32) int32 {
	if t.op == nLit {
		m.nodes = append(m.nodes, cnode{op: nLit, neg: t.neg, item: t.item, parent: parent, pos: pos})
		return int32(len(m.nodes) - 1)
	}
	ids := make([]int32, len(t.kids))
	for i, k := range t.kids {
		ids[i] = m.emit(k, -2, pos) // parent set below
	}
	id := int32(len(m.nodes))
	kid0 := int32(len(m.kids))
	m.kids = append(m.kids, ids...)
	m.nodes = append(m.nodes, cnode{op: t.op, parent: parent, pos: pos, kid0: kid0, nkid: int32(len(ids))})
	for _, k := range ids {
		m.nodes[k].parent = id
	}
	return id
}

// deps calls f for each item that item i's status depends on directly: the
// items named in the dynamic conditions of its positions and its package
// mates. Items may repeat.
func (m *model) deps(i int32, f func(j int32, neg bool)) {
	for _, k := range m.byPos[i] {
		p := &m.pos[k]
		if p.root < 0 {
			continue
		}
		for j := p.n0; j < p.n1; j++ {
			if nd := &m.nodes[j]; nd.op == nLit {
				f(nd.item, nd.neg)
			}
		}
	}
	if pk := m.pkgOf[i]; pk >= 0 {
		for _, j := range m.pkgs[pk] {
			if j != i {
				f(j, false)
			}
		}
	}
}

// dependents calls f for each item whose status depends directly on item i.
// Items may repeat.
func (m *model) dependents(i int32, f func(j int32)) {
	for _, l := range m.watch[i] {
		f(m.pos[m.nodes[l].pos].item)
	}
	if pk := m.pkgOf[i]; pk >= 0 {
		for _, j := range m.pkgs[pk] {
			if j != i {
				f(j)
			}
		}
	}
}

// silent returns the number of parties with no position on item i.
func (m *model) silent(i int32) int32 { return int32(len(m.parties)) - m.nRec[i] }

package agreement

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/parleyhq/parley"
)

// A model is an instance compiled for evaluation: items and parties are
// interned as indexes, each item keeps counters of its static votes, and
// each condition is compiled, with facts and steps done substituted and
// constants folded,
// into negation normal form: a flat array of and/or nodes over literals.
// Every item keeps the literals that watch it, so a change of one item's
// status reaches exactly the conditions that mention it.
type model struct {
	items    []string
	itemIdx  map[string]int32
	parties  []string
	partyIdx map[string]int32
	facts    map[string]bool
	done     map[string]bool // the steps done: done(ID) atoms that hold
	stepIDs  []string        // the steps that compiled conditions name, each once
	stepIdx  map[string]int32

	rules []rule    // per item
	holds [][]Hold  // per item: its holds, in the order of holdKinds
	pkgOf []int32   // per item: its package, or -1
	pkgs  [][]int32 // members of each package

	pos    []cpos
	conds  []condInfo         // the conditions of conditional positions
	dense  []int32            // per item × party: 1 + index in pos of its live position, or 0
	sparse map[[2]int32]int32 // the same, when parties × items is too large for dense
	nlive  int                // live positions
	byPos  [][]int32          // per item: indexes in pos of its live positions (unordered)
	dyn    [][]int32          // per item: those of them with a dynamic condition

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
	owner  int32 // the item of that position
	kid0   int32 // nAnd, nOr: first child in model.kids
	nkid   int32
}

// A cpos is a compiled position. It holds no pointers, so that a million
// of them cost the garbage collector nothing.
type cpos struct {
	party, item int32
	cond        int32 // index in model.conds, or -1
	stance      uint8
	konst       int8 // conditional folded to a constant: 0 or 1; -1 otherwise
	neg         bool // the condition has a negative literal
	live        bool
}

// condInfo is the condition of a conditional position.
type condInfo struct {
	cond *Cond
	text string // as given
	tree *ftree // compiled, until it is laid out in nodes
	// A dynamic condition's nodes: nodes[n0:n1], children before parents,
	// the root last.
	n0, n1 int32
}

// condText returns the condition text of position k, or "".
func (m *model) condText(k int32) string {
	if c := m.pos[k].cond; c >= 0 {
		return m.conds[c].text
	}
	return ""
}

// span returns the nodes of the dynamic condition of p: nodes[n0:n1],
// children before parents.
func (m *model) span(p *cpos) (n0, n1 int32) {
	c := &m.conds[p.cond]
	return c.n0, c.n1
}

// root returns the root node of the dynamic condition of p.
func (m *model) root(p *cpos) int32 { return m.conds[p.cond].n1 - 1 }

// A valuation gives the literals of conditions their values: with val, an
// item's value in a three-valued assignment (1 agreed, 0 not, -1 not
// known); otherwise, an item is agreed if it is in in, or, when dead is
// set, if it is not dead in epoch (what a raise hopes for: its conditions
// are monotone, so no literal it evaluates is negated).
type valuation struct {
	in    []bool
	dead  []uint32
	epoch uint32
	val   []int8
}

// eval evaluates the dynamic condition of position k under a, in
// Kleene's three-valued logic: the one evaluator of a compiled condition
// of the evaluations that start from scratch (explanations, the search
// with negation, the exploration of a raise); the greatest fixpoint keeps
// counters instead. It returns 1 (true), 0 (false) or -1 (not known), and
// under a two-valued a, 1 or 0. With false < not known < true, an and node
// takes the least value of its children and an or node the greatest, and
// negation swaps true and false: inside, the values are 0, 1 and 2 in that
// order. scratch holds one value per node; eval grows it as needed.
func (m *model) eval(k int32, a *valuation, scratch *[]int8) int8 {
	n0, n1 := m.span(&m.pos[k])
	n := int(n1 - n0)
	if cap(*scratch) < n {
		*scratch = make([]int8, n, 2*n)
	}
	v := (*scratch)[:n]
	val, in, dead, epoch := a.val, a.in, a.dead, a.epoch
	for j := n0; j < n1; j++ {
		nd := &m.nodes[j]
		var x int8
		switch nd.op {
		case nLit:
			if val != nil {
				if x = fromVal[val[nd.item]+1]; nd.neg {
					x = 2 - x
				}
			} else if in[nd.item] != nd.neg || dead != nil && dead[nd.item] != epoch {
				x = 2
			}
		case nAnd:
			x = 2
			for _, kid := range m.kids[nd.kid0 : nd.kid0+nd.nkid] {
				if x = min(x, v[kid-n0]); x == 0 {
					break
				}
			}
		case nOr:
			for _, kid := range m.kids[nd.kid0 : nd.kid0+nd.nkid] {
				if x = max(x, v[kid-n0]); x == 2 {
					break
				}
			}
		}
		v[j-n0] = x
	}
	return toVal[v[n-1]]
}

// fromVal and toVal map a three-valued assignment's values, -1 (not
// known), 0 and 1, shifted up by one, to those of eval, 0 (false), 1 (not
// known) and 2 (true), and back.
var (
	fromVal = [3]int8{1, 0, 2}
	toVal   = [3]int8{0, -1, 1}
)

// maxDense bounds parties × items for the dense table of positions.
const maxDense = 1 << 24

// slot returns the index of the live position of party on item.
func (m *model) slot(party, item int32) (int32, bool) {
	if m.sparse != nil {
		k, ok := m.sparse[[2]int32{party, item}]
		return k, ok
	}
	k := m.dense[int(item)*len(m.parties)+int(party)]
	return k - 1, k > 0
}

func (m *model) setSlot(party, item, k int32) {
	if m.sparse != nil {
		if k < 0 {
			delete(m.sparse, [2]int32{party, item})
		} else {
			m.sparse[[2]int32{party, item}] = k
		}
		return
	}
	m.dense[int(item)*len(m.parties)+int(party)] = k + 1
}

// condOf returns the condition of position k and its text.
func (m *model) condOf(k int32) (*Cond, string) {
	if c := m.pos[k].cond; c >= 0 {
		return m.conds[c].cond, m.conds[c].text
	}
	return nil, ""
}

// dynamic reports whether the vote of p depends on which items are agreed.
func (p *cpos) dynamic() bool { return p.stance == stConditional && p.konst < 0 }

// A rule is a decision rule prepared for counting.
type rule struct {
	r    parley.Rule
	kind uint8   // ruleConsensus, ruleMinus or ruleMajority
	n    int     // consensus_minus: the objections and silences tolerated
	need []int32 // majority: need[m] yes votes when m parties do not abstain, for m up to the parties
}

// Rule kinds, as codes.
const (
	ruleNone uint8 = iota
	ruleConsensus
	ruleMinus
	ruleMajority
)

// newRule prepares r, which has passed r.Check, for an instance of
// nparties parties.
func newRule(r parley.Rule, nparties int) rule {
	out := rule{r: r, n: r.N}
	switch r.Kind {
	case parley.RuleConsensus:
		out.kind = ruleConsensus
	case parley.RuleConsensusMinus:
		out.kind = ruleMinus
	case parley.RuleMajority:
		out.kind = ruleMajority
		out.need = make([]int32, nparties+1)
		for m := range out.need {
			out.need[m] = int32(majorityNeed(r.Threshold, m))
		}
	}
	return out
}

// majorityNeed is the number of yes votes a majority of threshold q needs
// when m parties do not abstain: ⌈q·m⌉, computed in float64.
func majorityNeed(q float64, m int) float64 { return math.Ceil(q * float64(m)) }

// passes applies the rule to a tally; silent counts the parties with no
// position. It is monotone: more yes or fewer no never makes it fail. It
// is the one implementation of the decision rules of docs/AGREEMENT.md:
// the engine, Passes and every other package use it. The counts are ints,
// so no n, however large, wraps.
func (r *rule) passes(yes, no, silent int) bool {
	if yes < 1 {
		return false
	}
	switch r.kind {
	case ruleConsensus:
		return no+silent == 0
	case ruleMinus:
		return no+silent <= r.n
	case ruleMajority:
		m := yes + no + silent // |P| − abstain
		if m < len(r.need) {
			return int(r.need[m]) <= yes
		}
		return float64(yes) >= majorityNeed(r.r.Threshold, m)
	}
	return false
}

// Passes reports whether an item with the votes t passes the rule r, as
// docs/AGREEMENT.md defines the rules: t.Silent counts the participating
// parties with no position, and t.Abstain does not count. It is what the
// engine computes for every item, for callers that tally votes
// themselves; r must pass r.Check (a rule that does not never passes).
func Passes(r parley.Rule, t Tally) bool {
	if r.Check() != nil {
		return false
	}
	rl := newRule(r, 0)
	return rl.passes(t.Yes, t.No, t.Silent)
}

func newModel(inst *Instance) (*model, error) {
	m, err := newModelIDs(inst.Parties, inst.Items)
	if err != nil {
		return nil, err
	}
	if err := m.configure(inst); err != nil {
		return nil, err
	}
	m.pos = make([]cpos, 0, len(inst.Positions))
	lastP, lastI := int32(-1), int32(-1)
	for k := range inst.Positions {
		p := &inst.Positions[k]
		// Positions usually come grouped by item or by party: try the
		// neighbours of the last ones before the maps.
		party, ok := guess(m.parties, m.partyIdx, p.Party, lastP)
		var item int32
		if ok {
			item, ok = guess(m.items, m.itemIdx, p.Item, lastI)
		}
		var st uint8
		if ok {
			st, ok = stanceCode(p.Stance)
		}
		if !ok {
			if _, _, _, _, _, err := m.checkPosition(func() string { return fmt.Sprintf("positions[%d]", k) }, *p); err != nil {
				return nil, err
			}
		}
		if err := m.input(k, party, item, st, p.Condition); err != nil {
			return nil, err
		}
		lastP, lastI = party, item
	}
	return m, m.compile()
}

// newModelIDs starts a model with its parties and items, checked.
func newModelIDs(parties, items []string) (*model, error) {
	m := &model{
		itemIdx:  make(map[string]int32, len(items)),
		partyIdx: make(map[string]int32, len(parties)),
	}
	for i, p := range parties {
		f := fmt.Sprintf("parties[%d]", i)
		if !validID(p) {
			return nil, inField(f, parley.Errorf(parley.EINVALID, "%q is not an id ([A-Za-z0-9_.:-]+, at most %d characters)", p, parley.MaxIDLength))
		}
		if _, dup := m.partyIdx[p]; dup {
			return nil, inField(f, parley.Errorf(parley.EINVALID, "party %q is listed twice", p))
		}
		m.partyIdx[p] = int32(len(m.parties))
		m.parties = append(m.parties, p)
	}
	for i, it := range items {
		if !validID(it) {
			return nil, inField(fmt.Sprintf("items[%d]", i), parley.Errorf(parley.EINVALID, "%q is not an id ([A-Za-z0-9_.:-]+, at most %d characters)", it, parley.MaxIDLength))
		}
		if _, dup := m.itemIdx[it]; dup {
			return nil, inField(fmt.Sprintf("items[%d]", i), parley.Errorf(parley.EINVALID, "item %q is listed twice", it))
		}
		m.itemIdx[it] = int32(len(m.items))
		m.items = append(m.items, it)
	}
	return m, nil
}

// configure checks and compiles everything of inst but its parties, items
// and positions: the facts, the steps done, the rules, the packages and the
// holds.
func (m *model) configure(inst *Instance) error {
	m.facts = make(map[string]bool, len(inst.Facts))
	for i, f := range inst.Facts {
		if !validID(f) {
			return inField(fmt.Sprintf("facts[%d]", i), parley.Errorf(parley.EINVALID, "%q is not an id ([A-Za-z0-9_.:-]+, at most %d characters)", f, parley.MaxIDLength))
		}
		if m.facts[f] {
			return inField(fmt.Sprintf("facts[%d]", i), parley.Errorf(parley.EINVALID, "%q is listed twice; list each fact once", f))
		}
		m.facts[f] = true
	}
	m.done = make(map[string]bool, len(inst.Done))
	for i, id := range inst.Done {
		if !validID(id) {
			return inField(fmt.Sprintf("done[%d]", i), parley.Errorf(parley.EINVALID, "%q is not an id ([A-Za-z0-9_.:-]+, at most %d characters)", id, parley.MaxIDLength))
		}
		if m.done[id] {
			return inField(fmt.Sprintf("done[%d]", i), parley.Errorf(parley.EINVALID, "%q is listed twice; list each step once", id))
		}
		m.done[id] = true
	}
	if err := checkRule("rule", inst.Rule); err != nil {
		return err
	}
	n := len(m.items)
	base := newRule(inst.Rule, len(m.parties))
	m.rules = make([]rule, n)
	for i := range m.rules {
		m.rules[i] = base
	}
	ids := make([]string, 0, len(inst.ItemRules))
	for id := range inst.ItemRules {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the first offending one, the same each time
	for _, id := range ids {
		f := "item_rules." + id
		i, ok := m.itemIdx[id]
		if !ok {
			return inField(f, parley.Errorf(parley.EINVALID, "%q is not one of the items", id))
		}
		if err := checkRule(f, inst.ItemRules[id]); err != nil {
			return err
		}
		m.rules[i] = newRule(inst.ItemRules[id], len(m.parties))
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
				return inField(f, parley.Errorf(parley.EINVALID, "%q is not one of the items", id))
			}
			if w, dup := where[i]; dup {
				return inField(f, parley.Errorf(parley.EINVALID, "item %q is already in %s; an item belongs to one package at most (merge the two)", id, w))
			}
			where[i] = f
			m.pkgOf[i] = int32(len(m.pkgs))
			members = append(members, i)
		}
		if len(members) > 0 {
			m.pkgs = append(m.pkgs, members)
		}
	}
	m.holds = make([][]Hold, n)
	for k, h := range inst.Holds {
		i, err := m.checkHold(fmt.Sprintf("holds[%d]", k), h)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(m.holds[i], func(g Hold) bool { return g.Kind == h.Kind }) {
			j := slices.IndexFunc(inst.Holds, func(g Hold) bool { return g.Item == h.Item && g.Kind == h.Kind })
			return inField(fmt.Sprintf("holds[%d]", k), parley.Errorf(parley.EINVALID, "item %q already has a hold of kind %s (holds[%d]); give one per item and kind", h.Item, h.Kind, j))
		}
		m.holds[i] = sortHolds(append(m.holds[i], h))
	}
	return nil
}

// input adds position k of the input: party's stance st on item, both
// known, with its condition text, which is compiled later, by compile.
func (m *model) input(k int, party, item int32, st uint8, cond string) error {
	c := cpos{party: party, item: item, stance: st, cond: -1, konst: -1}
	if st == stConditional || cond != "" {
		if st != stConditional {
			return inField(fmt.Sprintf("positions[%d].condition", k), parley.Errorf(parley.EINVALID, "only a conditional stance takes a condition; make the stance conditional or drop the condition"))
		}
		if strings.TrimSpace(cond) == "" {
			return inField(fmt.Sprintf("positions[%d].condition", k), parley.Errorf(parley.EINVALID, "a conditional stance needs a condition, such as agreed(ITEM)"))
		}
		c.cond = int32(len(m.conds))
		m.conds = append(m.conds, condInfo{text: cond})
	}
	m.pos = append(m.pos, c)
	return nil
}

// compile compiles the conditions of the positions input, checks that no
// party has two positions on an item, lays out the positions of each
// item in one array and counts the votes.
func (m *model) compile() error {
	n := len(m.items)
	m.byPos = make([][]int32, n)
	m.dyn = make([][]int32, n)
	m.sYes = make([]int32, n)
	m.sNo = make([]int32, n)
	m.sAbst = make([]int32, n)
	m.nRec = make([]int32, n)
	m.watch = make([][]int32, n)
	if len(m.parties)*n <= maxDense {
		m.dense = make([]int32, len(m.parties)*n)
	} else {
		m.sparse = make(map[[2]int32]int32, len(m.pos))
	}
	// A condition text is parsed and folded once, however many
	// positions repeat it.
	parsed := make(map[string]parsedCond)
	start := make([]int32, n+1) // start[i+1]: positions on item i, then where they start
	for k := range m.pos {
		p := &m.pos[k]
		start[p.item+1]++
		if p.cond < 0 {
			continue
		}
		ci := &m.conds[p.cond]
		pc, ok := parsed[ci.text]
		if !ok {
			c, err := parseCondition(ci.text)
			if err != nil {
				return inField(fmt.Sprintf("positions[%d].condition", k), err)
			}
			t := m.fold(c, false)
			if t == nil {
				for _, id := range c.Items() {
					if _, ok := m.itemIdx[id]; !ok {
						return inField(fmt.Sprintf("positions[%d].condition", k), parley.Errorf(parley.EINVALID, "agreed(%s) names no item of the instance; add it to \"items\" or fix the id", id))
					}
				}
			}
			pc = parsedCond{c, t}
			parsed[ci.text] = pc
		}
		ci.cond, ci.tree = pc.c, pc.t
	}
	for i := range n {
		start[i+1] += start[i]
	}
	flat := make([]int32, len(m.pos))
	fill := slices.Clone(start[:n])
	np := len(m.parties)
	for k := range m.pos {
		p := &m.pos[k]
		if m.dense != nil {
			d := &m.dense[int(p.item)*np+int(p.party)]
			if *d != 0 {
				return m.dupError(k, *d-1)
			}
			*d = int32(k) + 1
		} else {
			if prev, dup := m.slot(p.party, p.item); dup {
				return m.dupError(k, prev)
			}
			m.setSlot(p.party, p.item, int32(k))
		}
		flat[fill[p.item]] = int32(k)
		fill[p.item]++
		m.count(int32(k))
	}
	for i := range n {
		m.byPos[i] = flat[start[i]:start[i+1]:start[i+1]]
	}
	m.nlive = len(m.pos)
	return nil
}

// dupError reports that position k repeats position prev.
func (m *model) dupError(k int, prev int32) error {
	q := &m.pos[k]
	return inField(fmt.Sprintf("positions[%d]", k), parley.Errorf(parley.EINVALID, "party %q already has a position on %q (positions[%d]); give one position per party and item", m.parties[q.party], m.items[q.item], prev))
}

// guess finds id in ids, trying the index after last and last itself
// before the index maps.
func guess(ids []string, idx map[string]int32, id string, last int32) (int32, bool) {
	if n := int32(len(ids)); n > 0 {
		if next := (last + 1) % n; ids[next] == id {
			return next, true
		}
		if last >= 0 && ids[last] == id {
			return last, true
		}
	}
	i, ok := idx[id]
	return i, ok
}

// addPosition adds a live position, which must not exist yet, and returns
// its index. Its dynamic condition's nodes are left for the evaluator to
// initialize.
func (m *model) addPosition(party, item int32, st uint8, c *Cond, t *ftree, text string) int32 {
	k := int32(len(m.pos))
	m.pos = append(m.pos, cpos{party: party, item: item, stance: st, cond: -1, konst: -1})
	if c != nil {
		m.pos[k].cond = int32(len(m.conds))
		m.conds = append(m.conds, condInfo{cond: c, text: text, tree: t})
	}
	m.register(k)
	return k
}

// register makes position k, already in m.pos, live.
func (m *model) register(k int32) {
	p := &m.pos[k]
	m.setSlot(p.party, p.item, k)
	m.nlive++
	m.byPos[p.item] = append(m.byPos[p.item], k)
	m.count(k)
}

// count marks position k live and counts its vote: in the static counters
// of its item, or, for a dynamic condition, by compiling the condition and
// watching the items it names.
func (m *model) count(k int32) {
	p := &m.pos[k]
	item, st := p.item, p.stance
	p.live = true
	m.nRec[item]++
	switch st {
	case stSupport, stAdRef:
		m.sYes[item]++
	case stOppose, stReserve:
		m.sNo[item]++
	case stAbstain:
		m.sAbst[item]++
	case stConditional:
		ci := &m.conds[p.cond]
		t := ci.tree
		ci.tree = nil
		switch t.konst {
		case 0:
			p.konst = 0
			m.sNo[item]++
		case 1:
			p.konst = 1
			m.sYes[item]++
		default:
			ci.n0 = int32(len(m.nodes))
			m.emit(t, -1, k) // the root comes last
			ci.n1 = int32(len(m.nodes))
			m.dyn[item] = append(m.dyn[item], k)
			for j := ci.n0; j < ci.n1; j++ {
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
}

// removePosition takes the live position k out of the model.
func (m *model) removePosition(k int32) {
	p := &m.pos[k]
	item := p.item
	p.live = false
	m.setSlot(p.party, item, -1)
	m.nlive--
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
			m.dyn[item] = removeValue(m.dyn[item], k)
			n0, n1 := m.span(p)
			for j := n0; j < n1; j++ {
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
// facts substituted, constants folded and nested and/or flattened. It
// returns nil if c names an item that is not in the model.
func (m *model) fold(c *Cond, neg bool) *ftree {
	switch c.Op {
	case OpAgreed:
		i, ok := m.itemIdx[c.ID]
		if !ok {
			return nil
		}
		return &ftree{op: nLit, neg: neg, item: i, konst: -1}
	case OpFact:
		if m.facts[c.ID] != neg {
			return fTrue
		}
		return fFalse
	case OpDone:
		if _, ok := m.stepIdx[c.ID]; !ok {
			if m.stepIdx == nil {
				m.stepIdx = map[string]int32{}
			}
			m.stepIdx[c.ID] = int32(len(m.stepIDs))
			m.stepIDs = append(m.stepIDs, c.ID)
		}
		if m.done[c.ID] != neg {
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
	x, y := m.fold(c.X, neg), m.fold(c.Y, neg)
	if x == nil || y == nil {
		return nil
	}
	for _, x := range [2]*ftree{x, y} {
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
		m.nodes = append(m.nodes, cnode{op: nLit, neg: t.neg, item: t.item, parent: parent, pos: pos, owner: m.pos[pos].item})
		return int32(len(m.nodes) - 1)
	}
	var buf [8]int32
	ids := buf[:0]
	for _, k := range t.kids {
		ids = append(ids, m.emit(k, -2, pos)) // parent set below
	}
	id := int32(len(m.nodes))
	kid0 := int32(len(m.kids))
	m.kids = append(m.kids, ids...)
	m.nodes = append(m.nodes, cnode{op: t.op, parent: parent, pos: pos, owner: m.pos[pos].item, kid0: kid0, nkid: int32(len(ids))})
	for _, k := range ids {
		m.nodes[k].parent = id
	}
	return id
}

// deps calls f for each item that item i's status depends on directly: the
// items named in the dynamic conditions of its positions and its package
// mates. Items may repeat.
func (m *model) deps(i int32, f func(j int32, neg bool)) {
	for _, k := range m.dyn[i] {
		n0, n1 := m.span(&m.pos[k])
		for j := n0; j < n1; j++ {
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
		f(m.nodes[l].owner)
	}
	if pk := m.pkgOf[i]; pk >= 0 {
		for _, j := range m.pkgs[pk] {
			if j != i {
				f(j)
			}
		}
	}
}

// passes reports whether item i passes with yes and no votes, the parties
// with no position counting as no: it has no hold and passes its rule.
func (m *model) passes(i, yes, no int32) bool {
	return len(m.holds[i]) == 0 && m.rulePasses(i, yes, no)
}

// rulePasses reports whether item i passes its rule with yes and no votes,
// whatever its holds.
func (m *model) rulePasses(i, yes, no int32) bool {
	return m.rules[i].passes(int(yes), int(no), int(m.silent(i)))
}

// checkHold checks a hold against the model's items and returns the
// index of its item. field names the hold in messages.
func (m *model) checkHold(field string, h Hold) (int32, error) {
	i, ok := m.itemIdx[h.Item]
	switch {
	case h.Item == "":
		return 0, inField(field+".item", parley.Errorf(parley.EINVALID, "missing"))
	case !ok:
		return 0, inField(field+".item", parley.Errorf(parley.EINVALID, "%q is not one of the items; add it to \"items\" or fix the id", h.Item))
	case !slices.Contains(holdKinds, h.Kind):
		if h.Kind == "" {
			return 0, inField(field+".kind", parley.Errorf(parley.EINVALID, "missing; use open_brackets, incomplete_version or open_divergence"))
		}
		return 0, inField(field+".kind", parley.Errorf(parley.EINVALID, "%q is not open_brackets, incomplete_version or open_divergence", h.Kind))
	case h.Count < 1:
		switch h.Kind {
		case HoldIncompleteVersion:
			return 0, inField(field+".count", parley.Errorf(parley.EINVALID, "%d is not a count; give how many official languages the version is missing, at least 1", h.Count))
		case HoldOpenDivergence:
			return 0, inField(field+".count", parley.Errorf(parley.EINVALID, "%d is not a count; give how many divergences between language versions are open, at least 1", h.Count))
		}
		return 0, inField(field+".count", parley.Errorf(parley.EINVALID, "%d is not a count; give how many brackets are open, at least 1", h.Count))
	case len(h.Detail) > MaxHoldDetail:
		return 0, inField(field+".detail", parley.Errorf(parley.EINVALID, "longer than %d bytes; shorten it", MaxHoldDetail))
	}
	// The detail is printed in explanations, on terminals too: one line
	// of text, with no control character that could act on a terminal.
	for _, r := range h.Detail {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return 0, inField(field+".detail", parley.Errorf(parley.EINVALID, "holds the control character U+%04X; a detail is one line of plain text", r))
		}
	}
	return i, nil
}

// sortHolds orders the holds of one item by kind, as holdKinds lists them.
func sortHolds(hs []Hold) []Hold {
	slices.SortFunc(hs, func(a, b Hold) int {
		return slices.Index(holdKinds, a.Kind) - slices.Index(holdKinds, b.Kind)
	})
	return hs
}

// silent returns the number of parties with no position on item i.
func (m *model) silent(i int32) int32 { return int32(len(m.parties)) - m.nRec[i] }

package agreement

import (
	"sort"

	"github.com/parleyhq/parley"
)

// Defaults of Options.
const (
	DefaultMaxOutcomes = 64
	DefaultMaxSteps    = 4 << 20
)

// Options bound an evaluation.
type Options struct {
	// MaxOutcomes caps the outcomes reported; Result.Truncated says when
	// there were more. Zero means DefaultMaxOutcomes.
	MaxOutcomes int
	// MaxSteps bounds the search of instances with negation, in evaluations
	// of an item's rule; past it, Evaluate fails with code ETOOLARGE rather
	// than report outcomes it has not proved maximal. Zero means
	// DefaultMaxSteps.
	MaxSteps int
}

func (o Options) maxOutcomes() int {
	if o.MaxOutcomes <= 0 {
		return DefaultMaxOutcomes
	}
	return o.MaxOutcomes
}

func (o Options) maxSteps() int {
	if o.MaxSteps <= 0 {
		return DefaultMaxSteps
	}
	return o.MaxSteps
}

// evalOut is what an evaluation finds, in item indexes.
type evalOut struct {
	outcomes    [][]int32 // ⊆-maximal fixpoints, each sorted by index
	truncated   bool
	inAll       []bool  // agreed in every outcome (when there is none: in every outcome of its part)
	inSome      []bool  // agreed in some outcome (likewise)
	oscItem     []bool  // the item is in a part of the instance with no fixpoint
	oscillating []int32 // positions whose conditions oscillate
	ref         []bool  // the outcome explanations refer to
}

// evaluate computes the outcomes of m.
func evaluate(m *model, opt Options) (*evalOut, error) {
	if m.nonMono == 0 {
		s := greatest(m)
		return monotoneOut(m, s.in), nil
	}
	return searchAll(m, opt)
}

func monotoneOut(m *model, in []bool) *evalOut {
	o := &evalOut{inAll: in, inSome: in, ref: in, oscItem: make([]bool, len(m.items))}
	out := []int32{}
	for i, v := range in {
		if v {
			out = append(out, int32(i))
		}
	}
	o.outcomes = [][]int32{out}
	return o
}

// A solver decides instances with negation. It assigns items three-valued
// (-1 unknown, 0 not agreed, 1 agreed) and evaluates F three-valued: an
// item surely passes if it passes when every undecided conditional votes
// no, surely fails if it fails when they all vote yes.
type solver struct {
	m        *model
	val      []int8
	comp     []int32 // per item: its component among undecided items, or -1
	scratch  []int8  // of eval
	trail    []int32
	steps    int
	maxSteps int
}

// condVal is the value of the condition of position k under the current
// assignment, in which an undecided item is not known.
func (sv *solver) condVal(k int32) int8 {
	return sv.m.eval(k, &valuation{val: sv.val}, &sv.scratch)
}

func (sv *solver) pass3(i int32) int8 {
	m := sv.m
	sv.steps++
	yes, no, unk := m.sYes[i], m.sNo[i], int32(0)
	for _, k := range m.dyn[i] {
		switch sv.condVal(k) {
		case 1:
			yes++
		case 0:
			no++
		default:
			unk++
		}
	}
	if m.passes(i, yes, no+unk) {
		return 1
	}
	if !m.passes(i, yes+unk, no) {
		return 0
	}
	return -1
}

// f3 is item i's value in F of the current assignment.
func (sv *solver) f3(i int32) int8 {
	pk := sv.m.pkgOf[i]
	if pk < 0 {
		return sv.pass3(i)
	}
	out := int8(1)
	for _, j := range sv.m.pkgs[pk] {
		switch sv.pass3(j) {
		case 0:
			return 0
		case -1:
			out = -1
		}
	}
	return out
}

var errBudget = parley.Errorf(parley.ETOOLARGE, "search budget exceeded")

// searchAll evaluates a model with negation: it decides what every fixpoint
// agrees on, splits the rest into independent components, takes the
// greatest fixpoint of each monotone component and searches the others.
func searchAll(m *model, opt Options) (*evalOut, error) {
	n := len(m.items)
	sv := &solver{m: m, val: make([]int8, n), comp: make([]int32, n), maxSteps: opt.maxSteps()}
	for i := range sv.val {
		sv.val[i] = -1
	}
	// Decide what every fixpoint agrees on.
	queue := make([]int32, n)
	for i := range queue {
		queue[i] = int32(n - 1 - i)
	}
	queued := make([]bool, n)
	for i := range queued {
		queued[i] = true
	}
	for len(queue) > 0 {
		x := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		queued[x] = false
		if sv.val[x] >= 0 {
			continue
		}
		if f := sv.f3(x); f >= 0 {
			sv.val[x] = f
			m.dependents(x, func(y int32) {
				if sv.val[y] < 0 && !queued[y] {
					queued[y] = true
					queue = append(queue, y)
				}
			})
		}
	}
	comps := sv.components()
	maxOut := opt.maxOutcomes()
	o := &evalOut{
		inAll: make([]bool, n), inSome: make([]bool, n), ref: make([]bool, n),
		oscItem: make([]bool, n),
	}
	var base []int32
	for i, v := range sv.val {
		if v == 1 {
			base = append(base, int32(i))
			o.inAll[i], o.inSome[i], o.ref[i] = true, true, true
		}
	}
	budget := func(c []int32, err error) error {
		if err == errBudget {
			return parley.Errorf(parley.ETOOLARGE, "%d items (%s among them) depend on each other through negated conditions in ways too intertwined to search within %d steps; simplify the conditions or raise the limit", len(c), m.items[c[0]], sv.maxSteps)
		}
		return err
	}
	var parts [][][]int32 // per component, its maximal fixpoints
	oscillates := false
	nextComp := int32(len(comps))
	for _, c := range comps {
		outs, trunc, err := sv.maximal(c, maxOut)
		if err != nil {
			return nil, budget(c, err)
		}
		o.truncated = o.truncated || trunc
		if len(outs) > 0 {
			if err := sv.statuses(c, outs, trunc, o); err != nil {
				return nil, budget(c, err)
			}
			for _, i := range outs[0] {
				o.ref[i] = true
			}
			parts = append(parts, outs)
			continue
		}
		// No fixpoint: the items that depend on a strongly connected
		// part holding a negation oscillate; the others, which form a
		// part of the instance on their own, keep the statuses they
		// have in it.
		oscillates = true
		positions, osc := sv.oscillation(c)
		o.oscillating = append(o.oscillating, positions...)
		var rest []int32
		for _, i := range c {
			if osc[i] {
				o.oscItem[i] = true
				sv.comp[i] = -2 // outside every component searched below
			} else {
				rest = append(rest, i)
			}
		}
		for _, d := range sv.split(rest, &nextComp) {
			outs, trunc, err := sv.maximal(d, maxOut)
			if err != nil {
				return nil, budget(d, err)
			}
			if len(outs) == 0 {
				// Unreachable: a part with no negation inside a
				// strongly connected part has a fixpoint.
				return nil, parley.Errorf(parley.EINTERNAL, "items %s and others have no fixpoint without oscillating conditions", m.items[d[0]])
			}
			o.truncated = o.truncated || trunc
			if err := sv.statuses(d, outs, trunc, o); err != nil {
				return nil, budget(d, err)
			}
			for _, i := range outs[0] {
				o.ref[i] = true
			}
		}
	}
	sort.Slice(o.oscillating, func(a, b int) bool { return o.oscillating[a] < o.oscillating[b] })
	if oscillates {
		// No outcome at all: none was left out, whatever the cap cut in
		// the parts searched for their statuses.
		o.outcomes = [][]int32{}
		o.truncated = false
		return o, nil
	}
	outs := [][]int32{base}
	for _, p := range parts {
		var next [][]int32
	product:
		for _, a := range outs {
			for _, b := range p {
				if len(next) == maxOut {
					o.truncated = true
					break product
				}
				u := append(append(make([]int32, 0, len(a)+len(b)), a...), b...)
				next = append(next, u)
			}
		}
		outs = next
	}
	for _, t := range outs {
		sort.Slice(t, func(a, b int) bool { return t[a] < t[b] })
	}
	o.outcomes = outs
	if len(outs) > 0 {
		o.ref = make([]bool, n)
		for _, i := range outs[0] {
			o.ref[i] = true
		}
	}
	return o, nil
}

// statuses sets, for the items of component c, whether they are agreed in
// every ⊆-maximal fixpoint of c and in some. outs are maximal fixpoints of
// c, all of them unless truncated. When the list is truncated it does not
// guess from it: an item in none of outs is agreed in some fixpoint if a
// search finds one with it, and an item in all of outs is agreed in every
// maximal fixpoint unless a search finds a maximal fixpoint without it.
func (sv *solver) statuses(c []int32, outs [][]int32, truncated bool, o *evalOut) error {
	count := map[int32]int{}
	for _, t := range outs {
		for _, i := range t {
			count[i]++
		}
	}
	for _, i := range c {
		o.inSome[i] = count[i] > 0
		o.inAll[i] = count[i] == len(outs)
		if !truncated {
			continue
		}
		if !o.inSome[i] {
			_, ok, err := sv.solve(c, []int32{i}, nil, nil)
			if err != nil {
				return err
			}
			o.inSome[i] = ok
		}
		if o.inAll[i] {
			without, err := sv.maximalWithout(c, i)
			if err != nil {
				return err
			}
			o.inAll[i] = !without
		}
	}
	return nil
}

// maximalWithout reports whether component c has a ⊆-maximal fixpoint
// without item x. It takes a fixpoint without x, grows it to one that no
// fixpoint without x strictly contains, and checks whether any fixpoint
// strictly contains it (it would hold x). If one does, every fixpoint
// without x inside it is not maximal either, and the search goes on
// among the fixpoints without x that are not inside it.
func (sv *solver) maximalWithout(c []int32, x int32) (bool, error) {
	off := []int32{x}
	var clauses [][]int32
	for {
		t, ok, err := sv.solve(c, nil, off, clauses)
		if err != nil || !ok {
			return false, err
		}
		for {
			t2, ok, err := sv.solve(c, t, off, append(clauses, outside(c, t)))
			if err != nil {
				return false, err
			}
			if !ok {
				break
			}
			t = t2
		}
		more := outside(c, t)
		_, bigger, err := sv.solve(c, t, nil, [][]int32{more})
		if err != nil {
			return false, err
		}
		if !bigger {
			return true, nil
		}
		clauses = append(clauses, more)
	}
}

// components groups the undecided items into components: two items are in
// one component when one depends on the other. Components are independent,
// so the fixpoints of the whole are the products of theirs.
func (sv *solver) components() [][]int32 {
	var items []int32
	for i, v := range sv.val {
		sv.comp[i] = -1
		if v < 0 {
			items = append(items, int32(i))
		}
	}
	next := int32(0)
	return sv.split(items, &next)
}

// split groups items, undecided and none of them in a component, into
// the components they form among themselves, and labels them *next,
// *next+1 and so on in sv.comp. Each component lists its items in the
// order of items.
func (sv *solver) split(items []int32, next *int32) [][]int32 {
	m := sv.m
	in := make(map[int32]int32, len(items)) // item → its union-find parent
	for _, i := range items {
		in[i] = i
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for in[x] != x {
			in[x] = in[in[x]]
			x = in[x]
		}
		return x
	}
	for _, i := range items {
		m.deps(i, func(j int32, _ bool) {
			if _, ok := in[j]; ok {
				if a, b := find(i), find(j); a != b {
					in[a] = b
				}
			}
		})
	}
	idx := map[int32]int{}
	var comps [][]int32
	for _, i := range items {
		r := find(i)
		k, ok := idx[r]
		if !ok {
			k = len(comps)
			idx[r] = k
			comps = append(comps, nil)
		}
		comps[k] = append(comps[k], i)
		sv.comp[i] = *next + int32(k)
	}
	*next += int32(len(comps))
	return comps
}

// monotone reports whether no condition on an item of c negates an item of c.
func (sv *solver) monotone(c []int32) bool {
	for _, i := range c {
		neg := false
		sv.m.deps(i, func(j int32, n bool) {
			if n && sv.comp[j] == sv.comp[i] {
				neg = true
			}
		})
		if neg {
			return false
		}
	}
	return true
}

// maximal returns the ⊆-maximal fixpoints of component c, at most max of
// them, and whether there were more. It leaves c undecided.
func (sv *solver) maximal(c []int32, max int) ([][]int32, bool, error) {
	if sv.monotone(c) {
		t := sv.greatestIn(c)
		return [][]int32{t}, false, nil
	}
	var outs [][]int32
	var clauses [][]int32
	for {
		t, ok, err := sv.solve(c, nil, nil, clauses)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return outs, false, nil
		}
		if len(outs) == max {
			return outs, true, nil
		}
		for {
			more := outside(c, t)
			t2, ok, err := sv.solve(c, t, nil, append(clauses, more))
			if err != nil {
				return nil, false, err
			}
			if !ok {
				clauses = append(clauses, more)
				break
			}
			t = t2
		}
		outs = append(outs, t)
	}
}

// outside returns the items of c not in t (t sorted as c is).
func outside(c, t []int32) []int32 {
	in := map[int32]bool{}
	for _, i := range t {
		in[i] = true
	}
	var out []int32
	for _, i := range c {
		if !in[i] {
			out = append(out, i)
		}
	}
	return out
}

// greatestIn computes the greatest fixpoint of a monotone component, with
// the other items decided, and leaves the component undecided.
func (sv *solver) greatestIn(c []int32) []int32 {
	for _, i := range c {
		sv.val[i] = 1
	}
	work := append([]int32(nil), c...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if sv.val[x] == 1 && sv.f3(x) == 0 {
			sv.val[x] = 0
			sv.m.dependents(x, func(y int32) {
				if sv.comp[y] == sv.comp[x] && sv.val[y] == 1 {
					work = append(work, y)
				}
			})
		}
	}
	var t []int32
	for _, i := range c {
		if sv.val[i] == 1 {
			t = append(t, i)
		}
		sv.val[i] = -1
	}
	return t
}

// solve searches for a fixpoint of component c in which the items of on
// are agreed, those of off are not, and each clause has an agreed item.
// It leaves c undecided.
func (sv *solver) solve(c, on, off []int32, clauses [][]int32) ([]int32, bool, error) {
	sv.trail = sv.trail[:0]
	defer sv.undo(0)
	for _, cl := range clauses {
		if len(cl) == 0 {
			return nil, false, nil
		}
	}
	for _, i := range on {
		if sv.val[i] == 0 || sv.val[i] < 0 && !sv.assign(i, 1) {
			return nil, false, nil
		}
	}
	for _, i := range off {
		if sv.val[i] == 1 || sv.val[i] < 0 && !sv.assign(i, 0) {
			return nil, false, nil
		}
	}
	if sv.steps > sv.maxSteps {
		return nil, false, errBudget
	}
	if violated(sv.val, clauses) {
		return nil, false, nil
	}
	var found []int32
	var dfs func(from int) (bool, error)
	dfs = func(from int) (bool, error) {
		for from < len(c) && sv.val[c[from]] >= 0 {
			from++
		}
		if from == len(c) {
			for _, i := range c {
				if sv.f3(i) != sv.val[i] {
					return false, nil
				}
			}
			for _, i := range c {
				if sv.val[i] == 1 {
					found = append(found, i)
				}
			}
			return true, nil
		}
		x := c[from]
		for _, v := range []int8{1, 0} {
			mark := len(sv.trail)
			if sv.assign(x, v) && !violated(sv.val, clauses) {
				if sv.steps > sv.maxSteps {
					return false, errBudget
				}
				if ok, err := dfs(from + 1); ok || err != nil {
					return ok, err
				}
			}
			sv.undo(mark)
		}
		return false, nil
	}
	ok, err := dfs(0)
	return found, ok, err
}

// assign sets item x to v and propagates: every item of x's component whose
// value in F becomes known takes it. It reports false on a contradiction.
func (sv *solver) assign(x int32, v int8) bool {
	sv.val[x] = v
	sv.trail = append(sv.trail, x)
	for q := len(sv.trail) - 1; q < len(sv.trail); q++ {
		y := sv.trail[q]
		if f := sv.f3(y); f >= 0 && f != sv.val[y] {
			return false
		}
		ok := true
		sv.m.dependents(y, func(z int32) {
			if !ok || sv.comp[z] != sv.comp[x] {
				return
			}
			f := sv.f3(z)
			switch {
			case f < 0:
			case sv.val[z] < 0:
				sv.val[z] = f
				sv.trail = append(sv.trail, z)
			case sv.val[z] != f:
				ok = false
			}
		})
		if !ok {
			return false
		}
	}
	return true
}

func (sv *solver) undo(mark int) {
	for _, x := range sv.trail[mark:] {
		sv.val[x] = -1
	}
	sv.trail = sv.trail[:mark]
}

func violated(val []int8, clauses [][]int32) bool {
	for _, cl := range clauses {
		all := true
		for _, i := range cl {
			if val[i] != 0 {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// oscillation looks into component c, which has no fixpoint, for what
// keeps it from settling. It returns the dynamic positions on items of c
// whose conditions name an item of the same strongly connected part of
// c, when that part holds a negated condition on an item of its own (the
// odd cycles lie in such parts: a component without one has a fixpoint),
// and the items of c that depend, directly or not, on an item of such a
// part, these included. The other items of c depend on none of them.
func (sv *solver) oscillation(c []int32) ([]int32, map[int32]bool) {
	m := sv.m
	// Tarjan's algorithm over the dependencies inside c.
	index := map[int32]int{}
	low := map[int32]int{}
	on := map[int32]bool{}
	scc := map[int32]int{}
	var stack []int32
	next, nscc := 0, 0
	var visit func(v int32)
	visit = func(v int32) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		m.deps(v, func(w int32, _ bool) {
			if sv.comp[w] != sv.comp[v] {
				return
			}
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], index[w])
			}
		})
		if low[v] == index[v] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				scc[w] = nscc
				if w == v {
					break
				}
			}
			nscc++
		}
	}
	for _, v := range c {
		if _, seen := index[v]; !seen {
			visit(v)
		}
	}
	negSCC := map[int]bool{}
	for _, v := range c {
		m.deps(v, func(w int32, neg bool) {
			if neg && sv.comp[w] == sv.comp[v] && scc[w] == scc[v] {
				negSCC[scc[v]] = true
			}
		})
	}
	var out []int32
	osc := map[int32]bool{}
	var work []int32
	for _, v := range c {
		if !negSCC[scc[v]] {
			continue
		}
		osc[v] = true
		work = append(work, v)
		for _, k := range m.byPos[v] {
			p := &m.pos[k]
			if !p.dynamic() {
				continue
			}
			n0, n1 := m.span(p)
			for j := n0; j < n1; j++ {
				nd := &m.nodes[j]
				if nd.op == nLit && sv.comp[nd.item] == sv.comp[v] && scc[nd.item] == scc[v] {
					out = append(out, k)
					break
				}
			}
		}
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		m.dependents(v, func(w int32) {
			if sv.comp[w] == sv.comp[v] && !osc[w] {
				osc[w] = true
				work = append(work, w)
			}
		})
	}
	return out, osc
}

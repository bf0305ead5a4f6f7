package bargain

import (
	"context"
	"math/big"
	"math/bits"
	"slices"

	"github.com/parleyhq/parley"
)

// The exact Pareto frontier, issue by issue.
//
// A vector u weakly dominates v if u ≥ v in every coordinate; it
// dominates v if moreover u ≠ v. The frontier of a set of packages is the
// set of utility vectors of its packages that no package's vector
// dominates, with every package achieving each.
//
// Let F_k be the frontier of the packages of issues 1..k (the other issues
// left out). Adding an option of issue k+1 adds the same vector to every
// package of issues 1..k, which keeps dominance: if a prefix is
// dominated, so is every package that extends it with the same choices.
// Hence every package on the frontier of issues 1..k+1 extends a package
// whose vector is in F_k, and F_{k+1} is the frontier of the candidates
// { u + c(k+1, o) : u ∈ F_k, o an option of issue k+1 }. By induction
// every package of a final frontier vector is a path through the levels:
// at each level it chose an option that led from one frontier vector to
// the next. The computation keeps, for each vector of F_{k+1}, every
// (vector of F_k, option) that reaches it, so that no tie is lost; the
// packages of a vector are the paths that end at it, counted by a
// forward sum and listed on demand.
//
// F_k is kept in decreasing lexicographic order (party 1's utility
// first). Each translate F_k + c is in that order too and holds no two
// vectors one of which dominates the other, so only candidates of
// different options can dominate each other. In decreasing lexicographic
// order a vector can only be dominated by one before it (a dominating
// vector is lexicographically greater), and equal vectors are adjacent,
// which is where ties are joined. How each level is made depends on the
// number of parties:
//   - 2 parties (merge2): F_k is a staircase, increasing in the second
//     party's utility as the first's decreases; each option's translate
//     is merged into the running staircase in one linear pass, keeping a
//     vector when its second coordinate exceeds every one before it;
//   - 1 and 3 parties (mergeHeap): the translates are merged with a heap;
//     for 1 party only the first vector is kept; for 3, the kept vectors'
//     (second, third) coordinates form a staircase, ordered by the second
//     ascending and the third descending, and a candidate is dominated if
//     the first step whose second coordinate is at least its own has a
//     third coordinate at least its own (a binary search);
//   - 4 parties and more (mergeTree): each candidate is checked by orthant
//     queries on a k-d tree of F_k, then the survivors are sorted.

// An edge says that a frontier vector of one level is reached from the
// vector parent of the level before with the option opt of the level's
// issue.
type edge struct{ parent, opt int32 }

// A level describes the frontier after one more issue: the edges of its
// vector i are edges[start[i]:start[i+1]].
type level struct {
	start []int32
	edges []edge
}

func (l *level) of(i int32) []edge { return l.edges[l.start[i]:l.start[i+1]] }

// A dag is the result of the merge: levels[k] is the frontier of issues
// 0..k; the parents of level 0 are the one empty package (0).
type dag struct {
	levels []level
	counts []*big.Int // packages of each final vector
}

// tooLarge is the error of a partial frontier that grew past the limit
// of points: the exact frontier is then out of reach within that limit,
// and no answer is given rather than an approximate one.
func tooLarge(issues, of, limit int) error {
	return parley.Errorf(parley.ETOOLARGE, "the frontier of the first %d of the %d issues already has more than %d points, the limit: the exact frontier is out of reach within it; raise the limit (the memory needed grows with it) or settle some issues first", issues, of, limit)
}

// build computes the frontier of the packages of all issues. contrib[k]
// holds, option by option, the P utilities that issue k's option adds.
// It returns the levels and the final vectors, P words each, in
// decreasing lexicographic order.
func build[T word](ctx context.Context, contrib [][]T, P, maxPoints int) (*dag, []T, error) {
	cur := make([]T, P) // the empty package: all zeros
	curCount := []uint64{1}
	var curBig map[int32]*big.Int // counts that overflowed uint64
	d := &dag{levels: make([]level, len(contrib))}
	var next []T
	var mh *mergeHeap[T]
	var m2 *merge2[T]
	var mt *mergeTree[T]
	switch {
	case P == 2:
		m2 = &merge2[T]{}
	case P >= 4:
		mt = &mergeTree[T]{P: P}
	default:
		mh = &mergeHeap[T]{P: P}
	}
	for k, c := range contrib {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		var lv level
		var ok bool
		switch {
		case m2 != nil:
			next, lv, ok = m2.level(ctx, cur, c, next[:0], maxPoints)
		case mt != nil:
			next, lv, ok = mt.level(ctx, cur, c, next[:0], maxPoints)
		default:
			next, lv, ok = mh.level(ctx, cur, c, next[:0], maxPoints)
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, tooLarge(k+1, len(contrib), maxPoints)
		}
		// The packages of each vector: those of its parents.
		n := len(next) / P
		nextCount := make([]uint64, n)
		var nextBig map[int32]*big.Int
		for i := range int32(n) {
			var t tally
			for _, e := range lv.of(i) {
				if b := curBig[e.parent]; b != nil {
					t.addBig(b)
				} else {
					t.add(curCount[e.parent])
				}
			}
			if t.big != nil {
				if nextBig == nil {
					nextBig = map[int32]*big.Int{}
				}
				nextBig[i] = t.big
			}
			nextCount[i] = t.small
		}
		d.levels[k] = lv
		cur, next = next, cur
		curCount, curBig = nextCount, nextBig
	}
	d.counts = make([]*big.Int, len(curCount))
	for i, c := range curCount {
		if b := curBig[int32(i)]; b != nil {
			d.counts[i] = b
		} else {
			d.counts[i] = new(big.Int).SetUint64(c)
		}
	}
	return d, cur, nil
}

// merge2 makes the levels of two parties. The frontier of two parties is a
// staircase: decreasing in the first party's utility, increasing in the
// second's. The candidates of one option are a staircase too, so the
// frontier of the first o options' candidates and the candidates of
// option o+1 merge into the frontier of the first o+1 in one linear pass,
// keeping a vector when its second coordinate exceeds the largest before
// it. Each kept vector holds the list of its (parent, option) edges in a
// pool, so that joining two equal vectors appends one edge.
type merge2[T word] struct {
	run, out []point2[T]
	pool     []node
}

type point2[T word] struct {
	x, y       T
	head, tail int32 // the vector's edges in the pool
}

type node struct {
	edge
	next int32 // -1 at the end
}

func (mg *merge2[T]) edge(parent, opt int) int32 {
	mg.pool = append(mg.pool, node{edge{int32(parent), int32(opt)}, -1})
	return int32(len(mg.pool) - 1)
}

func (mg *merge2[T]) level(ctx context.Context, cur, c, next []T, maxPoints int) ([]T, level, bool) {
	m := len(cur) / 2
	nopt := len(c) / 2
	mg.pool = mg.pool[:0]
	run := mg.run[:0]
	for i := range m {
		e := mg.edge(i, 0)
		run = append(run, point2[T]{wadd(cur[2*i], c[0]), wadd(cur[2*i+1], c[1]), e, e})
	}
	out := mg.out[:0]
	for o := 1; o < nopt; o++ {
		if o&7 == 0 && ctx.Err() != nil {
			return next, level{}, true
		}
		cx, cy := c[2*o], c[2*o+1]
		out = out[:0]
		var maxY T
		// kept reports whether a vector of second coordinate y, coming
		// next in decreasing lexicographic order, is not dominated.
		kept := func(y T) bool {
			if len(out) == 0 || wcmp(y, maxY) > 0 {
				maxY = y
				return true
			}
			return false
		}
		i, j := 0, 0
		for i < m || j < len(run) {
			if i == m {
				if kept(run[j].y) {
					out = append(out, run[j])
				}
				j++
				continue
			}
			bx, by := wadd(cur[2*i], cx), wadd(cur[2*i+1], cy)
			cmp := -1
			if j < len(run) {
				if cmp = wcmp(run[j].x, bx); cmp == 0 {
					cmp = wcmp(run[j].y, by)
				}
			}
			switch {
			case cmp > 0:
				if kept(run[j].y) {
					out = append(out, run[j])
				}
				j++
			case cmp < 0:
				if kept(by) {
					e := mg.edge(i, o)
					out = append(out, point2[T]{bx, by, e, e})
				}
				i++
			default: // equal vectors: one point with the edges of both
				if kept(by) {
					p := run[j]
					e := mg.edge(i, o)
					mg.pool[p.tail].next = e
					p.tail = e
					out = append(out, p)
				}
				i++
				j++
			}
		}
		run, out = out, run
	}
	mg.run, mg.out = run, out
	if len(run) > maxPoints {
		return next, level{}, false
	}
	lv := level{start: make([]int32, 1, len(run)+1)}
	for _, p := range run {
		next = append(next, p.x, p.y)
		for e := p.head; e >= 0; e = mg.pool[e].next {
			lv.edges = append(lv.edges, mg.pool[e].edge)
		}
		lv.start = append(lv.start, int32(len(lv.edges)))
	}
	return next, lv, true
}

// mergeHeap makes the levels of one party or three: it merges
// the candidates of all the options in decreasing lexicographic order
// with a heap, joins equal vectors, and keeps those that no vector kept
// before dominates.
type mergeHeap[T word] struct {
	P     int
	cand  []T
	stair []step[T]
	h     merger[T]
}

func (mh *mergeHeap[T]) level(ctx context.Context, cur, c, next []T, maxPoints int) ([]T, level, bool) {
	P := mh.P
	m := len(cur) / P
	nopt := len(c) / P
	// The candidates: the translate of cur by each option, one after the
	// other; each is in decreasing lexicographic order.
	cand := slices.Grow(mh.cand[:0], m*nopt*P)[:m*nopt*P]
	mh.cand = cand
	for o := 0; o < nopt; o++ {
		co := c[o*P : o*P+P]
		dst := cand[o*m*P : (o+1)*m*P]
		for i := 0; i < m; i++ {
			for p := 0; p < P; p++ {
				dst[i*P+p] = wadd(cur[i*P+p], co[p])
			}
		}
	}
	h := &mh.h
	h.P = P
	h.reset(cand, m, nopt)
	stair := mh.stair[:0]
	lv := level{start: make([]int32, 1, m+1)}
	groupStart := -1 // index in lv.edges where the current group starts
	var group []T    // the current group's vector
	// flush decides on the current group and reports whether the level
	// is within maxPoints.
	flush := func() bool {
		if groupStart < 0 {
			return true
		}
		n := len(next) / P
		keep := false
		if P == 1 {
			keep = n == 0
		} else {
			keep = stairInsert(&stair, group[1], group[2])
		}
		if !keep {
			lv.edges = lv.edges[:groupStart]
			return true
		}
		next = append(next, group...)
		lv.start = append(lv.start, int32(len(lv.edges)))
		return n+1 <= maxPoints
	}
	for pops := 1; ; pops++ {
		o, i, ok := h.pop()
		if !ok {
			break
		}
		if pops&(1<<14-1) == 0 && ctx.Err() != nil {
			return next, level{}, true
		}
		v := cand[(o*m+i)*P : (o*m+i)*P+P]
		if groupStart < 0 || !slices.Equal(v, group) {
			if !flush() {
				return next, level{}, false
			}
			group = v
			groupStart = len(lv.edges)
		}
		lv.edges = append(lv.edges, edge{parent: int32(i), opt: int32(o)})
	}
	mh.stair = stair
	return next, lv, flush()
}

// A tally counts packages in a uint64 until it overflows, then in a
// big.Int.
type tally struct {
	small uint64
	big   *big.Int
}

func (t *tally) add(n uint64) {
	if t.big != nil {
		t.big.Add(t.big, new(big.Int).SetUint64(n))
		return
	}
	var carry uint64
	if t.small, carry = bits.Add64(t.small, n, 0); carry != 0 {
		t.big = new(big.Int).SetUint64(t.small)
		t.big.SetBit(t.big, 64, 1)
	}
}

func (t *tally) addBig(n *big.Int) {
	if t.big == nil {
		t.big = new(big.Int).SetUint64(t.small)
	}
	t.big.Add(t.big, n)
}

// A step of the staircase of 3 parties: the (second, third) coordinates
// of a kept vector that no other kept vector weakly dominates in them.
type step[T word] struct{ y, z T }

// stairInsert reports whether (y, z) is not weakly dominated by a step of
// s, and if so inserts it, removing the steps it weakly dominates. The
// steps are in increasing y, hence decreasing z.
func stairInsert[T word](s *[]step[T], y, z T) bool {
	st := *s
	lo, hi := 0, len(st)
	for lo < hi { // the first step with y' ≥ y
		mid := int(uint(lo+hi) >> 1)
		if wcmp(st[mid].y, y) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	i := lo
	if i < len(st) && wge(st[i].z, z) {
		return false
	}
	// The steps that (y, z) weakly dominates: the one at i if its y is y
	// (its z is smaller), and those before i whose z is at most z.
	end := i
	if end < len(st) && st[end].y == y {
		end++
	}
	begin := i
	for begin > 0 && wge(z, st[begin-1].z) {
		begin--
	}
	*s = slices.Replace(st, begin, end, step[T]{y, z})
	return true
}

// mergeTree makes the levels of four parties and more. A candidate
// f + c(o), f in the frontier F of the issues so far, is dominated if and
// only if some candidate g + c(o') dominates it; for o' = o that never
// happens (F holds no two vectors one of which dominates the other), and
// for o' ≠ o it happens if and only if F holds a g ≥ t = f + c(o) − c(o')
// other than t itself (and if t is in F, F holds no other g ≥ t). So each
// candidate is checked with nopt − 1 queries "is some g ≥ t?" on a k-d
// tree of F, which every subtree's greatest coordinates prune; the
// survivors are then sorted and equal ones joined.
type mergeTree[T word] struct {
	P     int
	tree  kdTree[T]
	delta []T // c(o) − c(o'), for o, o'
	t     []T
	surv  []survivor
}

type survivor struct{ parent, opt int32 }

func (mt *mergeTree[T]) level(ctx context.Context, cur, c, next []T, maxPoints int) ([]T, level, bool) {
	P := mt.P
	m := len(cur) / P
	nopt := len(c) / P
	mt.tree.build(cur, P)
	mt.delta = slices.Grow(mt.delta[:0], nopt*nopt*P)[:nopt*nopt*P]
	for o := range nopt {
		for o2 := range nopt {
			for p := range P {
				mt.delta[(o*nopt+o2)*P+p] = wsub(c[o*P+p], c[o2*P+p])
			}
		}
	}
	mt.t = slices.Grow(mt.t[:0], P)[:P]
	t := mt.t
	surv := mt.surv[:0]
	for o := range nopt {
		if ctx.Err() != nil {
			return next, level{}, true
		}
		for i := range m {
			if i&4095 == 4095 && ctx.Err() != nil {
				return next, level{}, true
			}
			f := cur[i*P : i*P+P]
			dominated := false
			for o2 := 0; o2 < nopt && !dominated; o2++ {
				if o2 == o {
					continue
				}
				d := mt.delta[(o*nopt+o2)*P : (o*nopt+o2)*P+P]
				for p := range P {
					t[p] = wadd(f[p], d[p])
				}
				g := mt.tree.atLeast(t)
				dominated = g >= 0 && !slices.Equal(cur[int(g)*P:int(g)*P+P], t)
			}
			if !dominated {
				surv = append(surv, survivor{int32(i), int32(o)})
			}
		}
	}
	mt.surv = surv
	vec := func(s survivor, p int) T { return wadd(cur[int(s.parent)*P+p], c[int(s.opt)*P+p]) }
	slices.SortFunc(surv, func(a, b survivor) int {
		for p := range P {
			if x := wcmp(vec(a, p), vec(b, p)); x != 0 {
				return -x
			}
		}
		return int(a.opt - b.opt)
	})
	lv := level{start: make([]int32, 1, len(surv)+1)}
	for k, s := range surv {
		if k > 0 {
			same := true
			for p := 0; p < P && same; p++ {
				same = vec(s, p) == vec(surv[k-1], p)
			}
			if !same {
				lv.start = append(lv.start, int32(len(lv.edges)))
			}
		}
		if k == 0 || lv.start[len(lv.start)-1] == int32(len(lv.edges)) {
			for p := range P {
				next = append(next, vec(s, p))
			}
			if len(next)/P > maxPoints {
				return next, level{}, false
			}
		}
		lv.edges = append(lv.edges, edge(s))
	}
	if len(surv) > 0 {
		lv.start = append(lv.start, int32(len(lv.edges)))
	}
	return next, lv, true
}

// A kdTree holds the points of a frontier for the query "is some point at
// least t in every coordinate?". It is implicit in an array: the node of
// the range [lo, hi) is the point at mid = (lo+hi)/2, those before it
// have at most its coordinate depth mod P, those after at least, and
// max holds, at mid, the greatest coordinates over the range.
type kdTree[T word] struct {
	P     int
	pts   []T     // the points, P words each
	order []int32 // the points by position in the tree
	max   []T     // per position, P words
}

func (kt *kdTree[T]) build(pts []T, P int) {
	kt.P, kt.pts = P, pts
	n := len(pts) / P
	kt.order = slices.Grow(kt.order[:0], n)[:n]
	for i := range kt.order {
		kt.order[i] = int32(i)
	}
	kt.max = slices.Grow(kt.max[:0], n*P)[:n*P]
	kt.split(0, n, 0)
}

func (kt *kdTree[T]) split(lo, hi, depth int) {
	if lo >= hi {
		return
	}
	P := kt.P
	dim := depth % P
	part := kt.order[lo:hi]
	slices.SortFunc(part, func(a, b int32) int { return wcmp(kt.pts[int(a)*P+dim], kt.pts[int(b)*P+dim]) })
	mid := (lo + hi) / 2
	kt.split(lo, mid, depth+1)
	kt.split(mid+1, hi, depth+1)
	mx := kt.max[mid*P : mid*P+P]
	copy(mx, kt.pts[int(kt.order[mid])*P:int(kt.order[mid])*P+P])
	for _, child := range [2][2]int{{lo, mid}, {mid + 1, hi}} {
		if child[0] < child[1] {
			cm := (child[0] + child[1]) / 2
			for p := range P {
				if c := kt.max[cm*P+p]; wcmp(c, mx[p]) > 0 {
					mx[p] = c
				}
			}
		}
	}
}

// atLeast returns the index of a point at least t in every coordinate,
// or -1.
func (kt *kdTree[T]) atLeast(t []T) int32 {
	return kt.find(t, 0, len(kt.order), 0)
}

func (kt *kdTree[T]) find(t []T, lo, hi, depth int) int32 {
	P := kt.P
	for lo < hi {
		mid := (lo + hi) / 2
		mx := kt.max[mid*P : mid*P+P]
		for p := range P {
			if wcmp(mx[p], t[p]) < 0 {
				return -1
			}
		}
		i := kt.order[mid]
		pt := kt.pts[int(i)*P : int(i)*P+P]
		if dominatesOrEqual(pt, t) {
			return i
		}
		dim := depth % P
		// The points before mid have at most pt's coordinate dim: if it
		// is below t's, none of them will do.
		if wcmp(pt[dim], t[dim]) >= 0 {
			if g := kt.find(t, lo, mid, depth+1); g >= 0 {
				return g
			}
		}
		lo, depth = mid+1, depth+1
	}
	return -1
}

// dominatesOrEqual reports q ≥ p in every coordinate.
func dominatesOrEqual[T word](q, p []T) bool {
	for i := range p {
		if wcmp(q[i], p[i]) < 0 {
			return false
		}
	}
	return true
}

// A merger merges the nopt translates of m vectors each, every one in
// decreasing lexicographic order, into one such order. Equal vectors come
// out by increasing option.
type merger[T word] struct {
	P    int
	cand []T
	m    int
	pos  []int // the next vector of each translate
	heap []int // translates, greatest next vector first
}

func (h *merger[T]) reset(cand []T, m, nopt int) {
	h.cand, h.m = cand, m
	h.pos = slices.Grow(h.pos[:0], nopt)[:nopt]
	h.heap = h.heap[:0]
	for o := range nopt {
		h.pos[o] = 0
		if m > 0 {
			h.heap = append(h.heap, o)
		}
	}
	for i := len(h.heap)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *merger[T]) vec(o int) []T {
	at := (o*h.m + h.pos[o]) * h.P
	return h.cand[at : at+h.P]
}

// before reports whether translate a's next vector comes before b's.
func (h *merger[T]) before(a, b int) bool {
	va, vb := h.vec(a), h.vec(b)
	for p := range va {
		if c := wcmp(va[p], vb[p]); c != 0 {
			return c > 0
		}
	}
	return a < b
}

func (h *merger[T]) down(i int) {
	n := len(h.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && h.before(h.heap[r], h.heap[l]) {
			j = r
		}
		if !h.before(h.heap[j], h.heap[i]) {
			return
		}
		h.heap[i], h.heap[j] = h.heap[j], h.heap[i]
		i = j
	}
}

// pop returns the translate and index of the next vector.
func (h *merger[T]) pop() (o, i int, ok bool) {
	if len(h.heap) == 0 {
		return 0, 0, false
	}
	o = h.heap[0]
	i = h.pos[o]
	h.pos[o]++
	if h.pos[o] == h.m {
		last := len(h.heap) - 1
		h.heap[0] = h.heap[last]
		h.heap = h.heap[:last]
	}
	if len(h.heap) > 0 {
		h.down(0)
	}
	return o, i, true
}

// packages returns the packages of the final vector pt, at most max of
// them, in lexicographic order of their options' indexes (issue 0 first).
func (d *dag) packages(pt int32, max int) []Package {
	if max <= 0 {
		return nil
	}
	if c := d.counts[pt]; c.IsInt64() && c.Int64() <= int64(max) {
		return d.allPackages(pt)
	}
	return d.firstPackages(pt, max)
}

// allPackages returns every package of pt, walking the edges back from
// it: every vector of a level has an edge to the level before, so every
// walk reaches the empty package.
func (d *dag) allPackages(pt int32) []Package {
	n := len(d.levels)
	var out []Package
	path := make(Package, n)
	at := make([]int32, n) // at[k]: the vector of level k the walk is at
	next := make([]int, n) // next[k]: the next of its edges to take
	at[n-1] = pt
	k := n - 1
	for k < n {
		es := d.levels[k].of(at[k])
		if next[k] == len(es) {
			next[k] = 0
			k++
			continue
		}
		e := es[next[k]]
		next[k]++
		path[k] = int(e.opt)
		if k == 0 {
			out = append(out, slices.Clone(path))
			continue
		}
		at[k-1] = e.parent
		k--
	}
	slices.SortFunc(out, func(a, b Package) int { return slices.Compare(a, b) })
	return out
}

// firstPackages returns the first max packages of pt in lexicographic
// order. It finds the vectors from which pt can be reached, level by
// level, then walks forward from the empty package by increasing option
// through them only: every step leads on to pt, so the walk meets the
// packages in order without dead ends.
func (d *dag) firstPackages(pt int32, max int) []Package {
	n := len(d.levels)
	// sets[k] lists the vectors of level k that reach pt; up[k] their
	// edges, with parents as positions in sets[k-1] (0 for the root).
	sets := make([][]int32, n)
	up := make([][]edge, n)
	upStart := make([][]int32, n)
	sets[n-1] = []int32{pt}
	pos := map[int32]int32{}
	for k := n - 1; k >= 0; k-- {
		clear(pos)
		var parents []int32
		upStart[k] = make([]int32, 0, len(sets[k])+1)
		for _, v := range sets[k] {
			upStart[k] = append(upStart[k], int32(len(up[k])))
			for _, e := range d.levels[k].of(v) {
				pi, ok := pos[e.parent]
				if !ok {
					pi = int32(len(parents))
					pos[e.parent] = pi
					parents = append(parents, e.parent)
				}
				up[k] = append(up[k], edge{parent: pi, opt: e.opt})
			}
		}
		upStart[k] = append(upStart[k], int32(len(up[k])))
		if k > 0 {
			sets[k-1] = parents
		}
	}
	// down[k][j]: the (position in sets[k], option) edges leaving
	// position j of level k-1, by increasing option.
	down := make([][][]edge, n)
	for k := range n {
		size := 1
		if k > 0 {
			size = len(sets[k-1])
		}
		down[k] = make([][]edge, size)
		for j := range sets[k] {
			for _, e := range up[k][upStart[k][j]:upStart[k][j+1]] {
				down[k][e.parent] = append(down[k][e.parent], edge{parent: int32(j), opt: e.opt})
			}
		}
		for _, es := range down[k] {
			slices.SortFunc(es, func(a, b edge) int { return int(a.opt - b.opt) })
		}
	}
	var out []Package
	path := make(Package, n)
	cursor := make([]int, n)
	at := make([]int32, n+1) // at[k]: the position in sets[k-1] the walk is at (at[0] the root)
	k := 0
	for k >= 0 {
		es := down[k][at[k]]
		if cursor[k] == len(es) {
			cursor[k] = 0
			k--
			continue
		}
		e := es[cursor[k]]
		cursor[k]++
		path[k] = int(e.opt)
		at[k+1] = e.parent
		if k == n-1 {
			out = append(out, slices.Clone(path))
			if len(out) == max {
				return out
			}
			continue
		}
		k++
	}
	return out
}

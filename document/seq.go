package document

// This file aligns two sequences of symbols (paragraphs or words, interned
// as integers). The result is an edit script: one op per element of either
// sequence, in order.

const (
	opEq  byte = iota // the next element of a equals the next of b
	opDel             // the next element of a is deleted
	opIns             // the next element of b is inserted
)

// A limit bounds the search for a shortest edit script: at most maxD
// deletions plus insertions, and at most (len(a)+len(b))·D ≤ work steps.
type limit struct {
	maxD, work int
}

func (l limit) bound(n int) int {
	d := l.maxD
	if n > 0 && l.work/n < d {
		d = l.work / n
	}
	if d < 32 {
		d = 32
	}
	return d
}

// align returns an edit script from a to b. Within the limit it is a
// shortest one, so its equal elements form a longest common subsequence.
// Past the limit it is coarser: elements that occur once in a and once in b
// anchor the alignment (the "patience" method), and the stretches between
// anchors are aligned within the limit or else wholly deleted and inserted.
func align(a, b []int32, lim limit) []byte {
	s := make([]byte, 0, len(a)+len(b))
	s, p, tail := trim(s, a, b)
	ma, mb := a[p:len(a)-tail], b[p:len(b)-tail]
	if m, ok := myers(ma, mb, lim.bound(len(ma)+len(mb))); ok {
		s = append(s, m...)
	} else {
		s = patience(s, ma, mb, lim)
	}
	return appendN(s, opEq, tail)
}

// trim appends to s the common prefix of a and b as equal ops and returns
// the length of their common suffix (not overlapping the prefix).
func trim(s []byte, a, b []int32) ([]byte, int, int) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	q := 0
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
		q++
	}
	return appendN(s, opEq, p), p, q
}

func appendN(s []byte, op byte, n int) []byte {
	for range n {
		s = append(s, op)
	}
	return s
}

// bounded appends a script from a to b: a shortest one when it is within
// maxD edits, else all of a deleted and all of b inserted.
func bounded(s []byte, a, b []int32, maxD int) []byte {
	s, p, q := trim(s, a, b)
	ma, mb := a[p:len(a)-q], b[p:len(b)-q]
	if m, ok := myers(ma, mb, maxD); ok {
		s = append(s, m...)
	} else {
		s = appendN(s, opDel, len(ma))
		s = appendN(s, opIns, len(mb))
	}
	return appendN(s, opEq, q)
}

// myers returns a shortest edit script from a to b by Myers' O((N+M)·D)
// greedy algorithm, or false when it needs more than maxD edits. Its memory
// is O(D²) for the trace.
func myers(a, b []int32, maxD int) ([]byte, bool) {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return appendN(appendN(nil, opDel, n), opIns, m), true
	}
	maxD = min(maxD, n+m)
	size := min(maxD, 16) // v holds diagonals -size-1 to size+1, and grows
	off := size + 1
	v := make([]int, 2*size+3)
	var trace [][]int32 // trace[d][k+d] is v[k] after step d
	for d := 0; d <= maxD; d++ {
		if d > size {
			grown := min(maxD, 2*size)
			w := make([]int, 2*grown+3)
			copy(w[grown-size:], v)
			v, size, off = w, grown, grown+1
		}
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, n, m), true
			}
		}
		snap := make([]int32, 2*d+1)
		for k := -d; k <= d; k++ {
			snap[k+d] = int32(v[off+k])
		}
		trace = append(trace, snap)
	}
	return nil, false
}

// backtrack rebuilds the script that ends at (n, m) after len(trace) edits.
func backtrack(trace [][]int32, n, m int) []byte {
	s := make([]byte, 0, n+m)
	x, y := n, m
	for d := len(trace); d > 0; d-- {
		prev := trace[d-1]
		at := func(k int) int { return int(prev[k+d-1]) }
		k := x - y
		var pk int
		if k == -d || k != d && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		mx := px // where the edit of step d ends, before its snake
		if pk == k-1 {
			mx++
		}
		for x > mx {
			s = append(s, opEq)
			x--
			y--
		}
		if pk == k+1 {
			s = append(s, opIns)
		} else {
			s = append(s, opDel)
		}
		x, y = px, py
	}
	for x > 0 {
		s = append(s, opEq)
		x--
	}
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
	return s
}

// patience appends a script from a to b anchored on the elements that occur
// exactly once in each, aligned as a longest increasing subsequence.
func patience(s []byte, a, b []int32, lim limit) []byte {
	type pair struct{ i, j int }
	count := make(map[int32]int, len(a))
	posB := make(map[int32]int, len(b))
	for _, x := range a {
		count[x]++
	}
	for j, x := range b {
		if c := count[x]; c == 1 {
			count[x] = -1 // once in a, once in b so far
			posB[x] = j
		} else if c == -1 {
			count[x] = 2 // twice in b
		}
	}
	var cand []pair
	for i, x := range a {
		if count[x] == -1 {
			cand = append(cand, pair{i, posB[x]})
		}
	}
	// Longest increasing subsequence of cand by j.
	tails := []int{}               // tails[l] = index in cand of the smallest tail of an increasing run of length l+1
	prev := make([]int, len(cand)) // predecessor in the run
	for c, p := range cand {
		lo, hi := 0, len(tails)
		for lo < hi {
			h := (lo + hi) / 2
			if cand[tails[h]].j < p.j {
				lo = h + 1
			} else {
				hi = h
			}
		}
		prev[c] = -1
		if lo > 0 {
			prev[c] = tails[lo-1]
		}
		if lo == len(tails) {
			tails = append(tails, c)
		} else {
			tails[lo] = c
		}
	}
	anchors := make([]pair, len(tails))
	if len(tails) > 0 {
		for c, l := tails[len(tails)-1], len(tails)-1; c >= 0; c, l = prev[c], l-1 {
			anchors[l] = cand[c]
		}
	}
	if len(anchors) == 0 {
		// align has just found a too far apart.
		return appendN(appendN(s, opDel, len(a)), opIns, len(b))
	}
	i, j := 0, 0
	for _, p := range anchors {
		sa, sb := a[i:p.i], b[j:p.j]
		s = bounded(s, sa, sb, lim.bound(len(sa)+len(sb)))
		s = append(s, opEq)
		i, j = p.i+1, p.j+1
	}
	sa, sb := a[i:], b[j:]
	return bounded(s, sa, sb, lim.bound(len(sa)+len(sb)))
}

// slideLeft moves each run of deletions alone or insertions alone as far
// left as it can go without changing what it deletes or inserts: while the
// element before the run equals its last element, the two trade places. The
// script keeps its length and its number of equal elements; the diff reads
// the same whichever of several equivalent places the search ended in, as
// "shall[- || should]]] release" rather than "shall [-|| should]] ]release".
func slideLeft(s []byte, a, b []int32) {
	i, j := 0, 0 // elements of a and b before s[x]
	for x := 0; x < len(s); {
		if s[x] == opEq {
			i, j, x = i+1, j+1, x+1
			continue
		}
		y, di, dj := x, 0, 0
		for ; y < len(s) && s[y] != opEq; y++ {
			if s[y] == opDel {
				di++
			} else {
				dj++
			}
		}
		for (di == 0) != (dj == 0) {
			// A run that slid next to another of its kind joins it.
			for ; x > 0 && s[x-1] == s[x]; x-- {
				if s[x] == opDel {
					i, di = i-1, di+1
				} else {
					j, dj = j-1, dj+1
				}
			}
			if !(x > 0 && s[x-1] == opEq && (di > 0 && a[i-1] == a[i+di-1] || dj > 0 && b[j-1] == b[j+dj-1])) {
				break
			}
			s[x-1], s[y-1] = s[y-1], s[x-1]
			x, y, i, j = x-1, y-1, i-1, j-1
		}
		i, j, x = i+di, j+dj, y
	}
}

package agreement

// gstate keeps a set S of items and, with counters, everything F(S) needs:
// the value of every condition node (an and node counts its false children,
// an or node its true children), the dynamic yes votes of every item, whether
// it passes its rule, and how many members of each package fail. Changing
// whether one item is in S costs time proportional to the conditions that
// mention it and the nodes that change value.
//
// With monotone conditions (no negative literal), removing from S every
// item not in F(S) until none is left reaches the greatest fixpoint from any
// superset of it; see docs/AGREEMENT.md.
type gstate struct {
	m      *model
	in     []bool  // per item: in S
	cnt    []int32 // per node
	val    []bool  // per node
	dyes   []int32 // per item: dynamic conditionals that currently vote yes
	dcnt   []int32 // per item: dynamic conditionals
	pass   []bool  // per item: passes its rule under S
	pkgBad []int32 // per package: members that do not pass
	work   []int32 // items that may have to leave S

	rs raiseState // scratch of raise
}

func newGState(m *model) *gstate {
	s := &gstate{m: m}
	s.reset()
	return s
}

// reset sets S to every item and recomputes every counter.
func (s *gstate) reset() {
	m := s.m
	n := len(m.items)
	s.in = make([]bool, n)
	for i := range s.in {
		s.in[i] = true
	}
	s.cnt = make([]int32, len(m.nodes))
	s.val = make([]bool, len(m.nodes))
	s.dyes = make([]int32, n)
	s.dcnt = make([]int32, n)
	s.pass = make([]bool, n)
	s.pkgBad = make([]int32, len(m.pkgs))
	for k := range m.pos {
		p := &m.pos[k]
		if p.live && p.dynamic() {
			s.initCond(int32(k))
		}
	}
	for i := range s.pass {
		s.pass[i] = s.passes(int32(i))
		if !s.pass[i] {
			if pk := m.pkgOf[i]; pk >= 0 {
				s.pkgBad[pk]++
			}
		}
	}
	s.work = s.work[:0]
	for i := range s.in {
		if !s.inF(int32(i)) {
			s.work = append(s.work, int32(i))
		}
	}
}

// grow makes room for nodes added to the model since the last reset.
func (s *gstate) grow() {
	if d := len(s.m.nodes) - len(s.cnt); d > 0 {
		s.cnt = append(s.cnt, make([]int32, d)...)
		s.val = append(s.val, make([]bool, d)...)
	}
}

// initCond computes the node values of position k's condition under S and
// counts its vote. It does not recheck the item.
func (s *gstate) initCond(k int32) {
	m := s.m
	p := &m.pos[k]
	n0, n1 := m.span(p)
	for j := n0; j < n1; j++ {
		nd := &m.nodes[j]
		switch nd.op {
		case nLit:
			s.val[j] = s.in[nd.item] != nd.neg
		case nAnd:
			c := int32(0)
			for _, kid := range m.kids[nd.kid0 : nd.kid0+nd.nkid] {
				if !s.val[kid] {
					c++
				}
			}
			s.cnt[j], s.val[j] = c, c == 0
		case nOr:
			c := int32(0)
			for _, kid := range m.kids[nd.kid0 : nd.kid0+nd.nkid] {
				if s.val[kid] {
					c++
				}
			}
			s.cnt[j], s.val[j] = c, c > 0
		}
	}
	s.dcnt[p.item]++
	if s.val[n1-1] {
		s.dyes[p.item]++
	}
}

// dropCond uncounts the vote of position k, whose condition is dynamic.
func (s *gstate) dropCond(k int32) {
	p := &s.m.pos[k]
	s.dcnt[p.item]--
	if s.val[s.m.root(p)] {
		s.dyes[p.item]--
	}
}

// passes computes whether item i passes its rule under S.
func (s *gstate) passes(i int32) bool {
	m := s.m
	yes := m.sYes[i] + s.dyes[i]
	no := m.sNo[i] + s.dcnt[i] - s.dyes[i]
	return m.passes(i, yes, no)
}

// inF reports whether item i is in F(S).
func (s *gstate) inF(i int32) bool {
	if pk := s.m.pkgOf[i]; pk >= 0 {
		return s.pkgBad[pk] == 0
	}
	return s.pass[i]
}

// recheck updates whether item i passes, queueing the items that may have
// to leave S.
func (s *gstate) recheck(i int32) {
	now := s.passes(i)
	if now == s.pass[i] {
		return
	}
	s.pass[i] = now
	pk := s.m.pkgOf[i]
	if pk < 0 {
		if !now {
			s.work = append(s.work, i)
		}
		return
	}
	if now {
		s.pkgBad[pk]--
		return
	}
	s.pkgBad[pk]++
	if s.pkgBad[pk] == 1 {
		s.work = append(s.work, s.m.pkgs[pk]...)
	}
}

// set puts item i in S or takes it out, updating the conditions that
// mention it.
func (s *gstate) set(i int32, v bool) {
	if s.in[i] == v {
		return
	}
	s.in[i] = v
	m := s.m
	for _, l := range m.watch[i] {
		nv := v != m.nodes[l].neg
		if s.val[l] != nv {
			s.val[l] = nv
			s.flipped(l)
		}
	}
}

// flipped propagates the change of node j's value to its ancestors and, at
// the root, to the vote it decides.
func (s *gstate) flipped(j int32) {
	m := s.m
	for {
		nd := &m.nodes[j]
		v := s.val[j]
		if nd.parent < 0 {
			item := nd.owner
			if v {
				s.dyes[item]++
			} else {
				s.dyes[item]--
			}
			s.recheck(item)
			return
		}
		p := nd.parent
		pn := &m.nodes[p]
		var pv bool
		if pn.op == nAnd {
			if v {
				s.cnt[p]--
			} else {
				s.cnt[p]++
			}
			pv = s.cnt[p] == 0
		} else {
			if v {
				s.cnt[p]++
			} else {
				s.cnt[p]--
			}
			pv = s.cnt[p] > 0
		}
		if pv == s.val[p] {
			return
		}
		s.val[p] = pv
		j = p
	}
}

// settle removes from S every queued item not in F(S), and those its removal
// brings down, until S ⊆ F(S).
func (s *gstate) settle() {
	for len(s.work) > 0 {
		i := s.work[len(s.work)-1]
		s.work = s.work[:len(s.work)-1]
		if s.in[i] && !s.inF(i) {
			s.set(i, false)
		}
	}
}

// greatest computes the greatest fixpoint of a model with monotone
// conditions.
func greatest(m *model) *gstate {
	s := newGState(m)
	s.settle()
	return s
}

package agreement

// raiseState is the scratch of gstate.raise, kept between calls.
type raiseState struct {
	epoch   uint32
	seen    []uint32 // items explored in the current epoch
	dead    []uint32 // items known, in the current epoch, not to be in the new fixpoint
	queue   []int32  // items to explore, breadth first
	cand    []int32  // items explored and not found dead, in the current round
	trigger []int32  // items to explore next
	visited []int32  // items seen in the current round
	deaths  []int32  // items found dead whose death is still to pass on
	scratch []int8   // of eval
}

// raise brings S up to the greatest fixpoint after the votes on item x
// rose, while S is the greatest fixpoint of the rules before the rise, or
// any post-fixpoint of the new ones that holds that greatest fixpoint and
// is below the new one. The conditions must be monotone.
//
// The items that join S are x's package and items that depend, directly or
// not, on items that join. raise explores from x, and then from each
// dependent of an item that joined, the items that the explored item
// needs: those not in S that its failing conditions name, and its package
// mates not in S. An item that could not pass even if every item not known
// to stay out joined is known to stay out (dead), and so is, then, every
// item of its package; the exploration does not go past it, and stops when
// the item it started from dies. Otherwise the explored items not dead are
// put in S together and the descent takes out those that fail: what
// remains is exactly the part of the new greatest fixpoint among them, and
// the items taken out stay out. docs/AGREEMENT.md proves it.
func (s *gstate) raise(x int32) {
	m := s.m
	r := &s.rs
	if len(r.seen) < len(m.items) {
		r.seen = make([]uint32, len(m.items))
		r.dead = make([]uint32, len(m.items))
	}
	r.epoch++
	if r.epoch == 0 {
		clear(r.seen)
		clear(r.dead)
		r.epoch = 1
	}
	r.trigger = append(r.trigger[:0], x)
	for len(r.trigger) > 0 {
		y := r.trigger[len(r.trigger)-1]
		r.trigger = r.trigger[:len(r.trigger)-1]
		if s.in[y] || r.seen[y] == r.epoch {
			continue
		}
		s.explore(y)
		if len(r.cand) == 0 {
			continue
		}
		// An item may have died after it was explored, with its package.
		live := r.cand[:0]
		for _, j := range r.cand {
			if r.dead[j] != r.epoch {
				live = append(live, j)
				s.set(j, true)
			}
		}
		r.cand = live
		s.work = append(s.work, live...)
		s.settle()
		for _, j := range r.cand {
			if !s.in[j] {
				r.dead[j] = r.epoch
				continue
			}
			s.m.dependents(j, func(w int32) {
				if !s.in[w] && r.seen[w] != r.epoch && !s.hopeless(w) {
					r.trigger = append(r.trigger, w)
				}
			})
		}
	}
}

// explore looks, breadth first from y, for the items that y needs,
// transitively: the items not in S that its failing conditions name, and
// its package mates not in S. An item that could not pass even if every
// item not known dead joined S is marked dead, with its package, and its
// death is passed on to the explored items whose conditions name it. If y
// dies the exploration stops and forgets the items it explored that are
// not dead; otherwise rs.cand receives the explored items not dead, y
// included. Breadth first finds first the dead items nearest to y, which
// are the likeliest to make y die.
func (s *gstate) explore(y int32) {
	r := &s.rs
	r.cand = r.cand[:0]
	r.visited = r.visited[:0]
	r.queue = append(r.queue[:0], y)
	for q := 0; q < len(r.queue) && r.dead[y] != r.epoch; q++ {
		if c := r.queue[q]; !s.in[c] && r.seen[c] != r.epoch {
			s.enter(c)
		}
		// An item seen already is either dead, or explored or about
		// to be, and then assumed to join.
	}
	for _, j := range r.visited {
		switch {
		case r.dead[j] == r.epoch:
		case r.dead[y] == r.epoch:
			r.seen[j] = 0 // to be explored again from another item
		default:
			r.cand = append(r.cand, j)
		}
	}
}

// enter explores item y: it kills y if y could not pass, and otherwise
// queues the items it needs.
func (s *gstate) enter(y int32) {
	m := s.m
	r := &s.rs
	r.seen[y] = r.epoch
	r.visited = append(r.visited, y)
	if s.hopeless(y) || !s.couldPass(y) {
		s.kill(y)
		return
	}
	for _, k := range m.dyn[y] {
		p := &m.pos[k]
		n0, n1 := m.span(p)
		if s.val[n1-1] {
			continue
		}
		for j := n0; j < n1; j++ {
			if nd := &m.nodes[j]; nd.op == nLit && !s.in[nd.item] && r.seen[nd.item] != r.epoch {
				r.queue = append(r.queue, nd.item)
			}
		}
	}
	if pk := m.pkgOf[y]; pk >= 0 {
		for _, j := range m.pkgs[pk] {
			if !s.in[j] && r.seen[j] != r.epoch {
				r.queue = append(r.queue, j)
			}
		}
	}
}

// kill marks y dead, with the members of its package not in S, and passes
// the deaths on: an explored item, not dead, whose condition names a dead
// item dies too if it could no longer pass.
func (s *gstate) kill(y int32) {
	m := s.m
	r := &s.rs
	r.deaths = r.deaths[:0]
	s.markDead(y)
	for len(r.deaths) > 0 {
		d := r.deaths[len(r.deaths)-1]
		r.deaths = r.deaths[:len(r.deaths)-1]
		for _, l := range m.watch[d] {
			o := m.nodes[l].owner
			if !s.in[o] && r.seen[o] == r.epoch && r.dead[o] != r.epoch && !s.couldPass(o) {
				s.markDead(o)
			}
		}
	}
}

// markDead marks y and the members of its package not in S dead and
// queues them in rs.deaths.
func (s *gstate) markDead(y int32) {
	r := &s.rs
	if pk := s.m.pkgOf[y]; pk >= 0 {
		for _, j := range s.m.pkgs[pk] {
			if !s.in[j] && r.dead[j] != r.epoch {
				r.dead[j] = r.epoch
				r.deaths = append(r.deaths, j)
			}
		}
		return
	}
	r.dead[y] = r.epoch
	r.deaths = append(r.deaths, y)
}

// couldPass reports whether item y would pass its rule if every item not
// known dead were in S: its dynamic conditions that fail under S are
// evaluated with the items not in S and not dead taken as agreed.
func (s *gstate) couldPass(y int32) bool {
	m := s.m
	r := &s.rs
	if pk := m.pkgOf[y]; pk >= 0 {
		for _, j := range m.pkgs[pk] {
			if r.dead[j] == r.epoch {
				return false
			}
		}
	}
	a := &valuation{in: s.in, dead: r.dead, epoch: r.epoch}
	yes := s.dyes[y]
	for _, k := range m.dyn[y] {
		if s.val[m.root(&m.pos[k])] {
			continue
		}
		if m.eval(k, a, &r.scratch) == 1 {
			yes++
		}
	}
	return m.passes(y, m.sYes[y]+yes, m.sNo[y]+s.dcnt[y]-yes)
}

package agreement

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// A drawer draws the choices that make a random instance, from rapid or
// from a seeded source.
type drawer interface {
	intn(n int) int
}

type rapidDrawer struct{ t *rapid.T }

func (d rapidDrawer) intn(n int) int { return rapid.IntRange(0, n-1).Draw(d.t, "choice") }

type randDrawer struct{ r *rand.Rand }

func (d randDrawer) intn(n int) int { return d.r.IntN(n) }

// genSpec shapes random instances.
type genSpec struct {
	maxItems, maxParties int
	negation             bool // conditions may negate
	packages             bool
	itemRules            bool
	holds                bool // some items are held: open brackets, an incomplete version
}

// randomInstance draws an instance: random rules, packages, facts and
// stances, with conditions over the items, three facts, of which some
// are confirmed, and three steps of measures, of which some are done.
func randomInstance(d drawer, g genSpec) *Instance {
	n := 1 + d.intn(g.maxItems)
	np := 1 + d.intn(g.maxParties)
	inst := &Instance{Rule: randomRule(d, np)}
	for i := range n {
		inst.Items = append(inst.Items, fmt.Sprintf("i%d", i))
	}
	for p := range np {
		inst.Parties = append(inst.Parties, fmt.Sprintf("p%d", p))
	}
	for _, f := range []string{"f0", "f1", "f2"} {
		if d.intn(2) == 0 {
			inst.Facts = append(inst.Facts, f)
		}
	}
	for _, s := range []string{"M.s0", "M.s1", "M.s2"} {
		if d.intn(2) == 0 {
			inst.Done = append(inst.Done, s)
		}
	}
	if g.itemRules && d.intn(3) == 0 {
		inst.ItemRules = map[string]parley.Rule{}
		for _, it := range inst.Items {
			if d.intn(3) == 0 {
				inst.ItemRules[it] = randomRule(d, np)
			}
		}
	}
	if g.packages && d.intn(2) == 0 {
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		for i := n - 1; i > 0; i-- {
			j := d.intn(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
		for k := 0; k < n; {
			size := 1 + d.intn(3)
			if k+size > n {
				size = n - k
			}
			if size > 1 && d.intn(2) == 0 {
				var pk []string
				for _, i := range perm[k : k+size] {
					pk = append(pk, inst.Items[i])
				}
				inst.Packages = append(inst.Packages, pk)
			}
			k += size
		}
	}
	if g.holds && d.intn(2) == 0 {
		for _, it := range inst.Items {
			if d.intn(4) == 0 {
				inst.Holds = append(inst.Holds, Hold{Item: it, Kind: HoldOpenBrackets, Count: 1 + d.intn(3)})
			}
			if d.intn(8) == 0 {
				inst.Holds = append(inst.Holds, Hold{Item: it, Kind: HoldIncompleteVersion, Count: 1, Detail: "ar"})
			}
		}
	}
	stances := []string{"support", "ad_referendum", "abstain", "reserve", "oppose", "conditional", "conditional", "conditional", "none"}
	for _, p := range inst.Parties {
		for _, it := range inst.Items {
			st := stances[d.intn(len(stances))]
			if st == "none" {
				continue
			}
			pos := Position{Party: p, Item: it, Stance: st}
			if st == "conditional" {
				pos.Condition = randomCond(d, inst.Items, g.negation, 2).String()
			}
			inst.Positions = append(inst.Positions, pos)
		}
	}
	return inst
}

func randomRule(d drawer, np int) parley.Rule {
	switch d.intn(4) {
	case 0, 1:
		return parley.Rule{Kind: parley.RuleConsensus}
	case 2:
		return parley.Rule{Kind: parley.RuleConsensusMinus, N: d.intn(3)}
	}
	th := []float64{0.5, 2.0 / 3, 0.75, 1, 0.34, 0.1}
	return parley.Rule{Kind: parley.RuleMajority, Threshold: th[d.intn(len(th))]}
}

func randomCond(d drawer, items []string, negation bool, depth int) *Cond {
	k := d.intn(10)
	if depth == 0 || k < 4 {
		switch k {
		case 0:
			return &Cond{Op: OpFact, ID: fmt.Sprintf("f%d", d.intn(3))}
		case 1:
			return &Cond{Op: OpDone, ID: fmt.Sprintf("M.s%d", d.intn(3))}
		}
		return &Cond{Op: OpAgreed, ID: items[d.intn(len(items))]}
	}
	switch {
	case k < 6 && negation:
		return &Cond{Op: OpNot, X: randomCond(d, items, negation, depth-1)}
	case k < 8:
		return &Cond{Op: OpAnd, X: randomCond(d, items, negation, depth-1), Y: randomCond(d, items, negation, depth-1)}
	}
	return &Cond{Op: OpOr, X: randomCond(d, items, negation, depth-1), Y: randomCond(d, items, negation, depth-1)}
}

// bruteF applies F of DESIGN.md §4 to the set s, straight from the
// instance's strings.
func bruteF(t tb, inst *Instance, s map[string]bool) map[string]bool {
	facts := constsOf(inst)
	stance := map[[2]string]Position{}
	for _, p := range inst.Positions {
		stance[[2]string{p.Party, p.Item}] = p
	}
	pass := map[string]bool{}
	for _, it := range inst.Items {
		r := inst.Rule
		if ir, ok := inst.ItemRules[it]; ok {
			r = ir
		}
		var yes, no, abst, silent int
		for _, party := range inst.Parties {
			p, ok := stance[[2]string{party, it}]
			if !ok {
				silent++
				continue
			}
			switch p.Stance {
			case "support", "ad_referendum":
				yes++
			case "oppose", "reserve":
				no++
			case "abstain":
				abst++
			case "conditional":
				c, err := ParseCondition(p.Condition)
				if err != nil {
					t.Fatal(err)
				}
				if c.Eval(func(id string) bool { return s[id] }, facts.fact, facts.isDone) {
					yes++
				} else {
					no++
				}
			}
		}
		switch r.Kind {
		case "consensus":
			pass[it] = no == 0 && silent == 0 && yes >= 1
		case "consensus_minus":
			pass[it] = no+silent <= r.N && yes >= 1
		case "majority":
			pass[it] = float64(yes) >= r.Threshold*float64(len(inst.Parties)-abst) && yes >= 1
		}
	}
	for _, h := range inst.Holds {
		pass[h.Item] = false
	}
	out := map[string]bool{}
	inPkg := map[string][]string{}
	for _, pk := range inst.Packages {
		for _, it := range pk {
			inPkg[it] = pk
		}
	}
	for _, it := range inst.Items {
		pk, ok := inPkg[it]
		if !ok {
			pk = []string{it}
		}
		all := true
		for _, j := range pk {
			all = all && pass[j]
		}
		if all {
			out[it] = true
		}
	}
	return out
}

// bruteOutcomes enumerates every subset of the items and returns the
// ⊆-maximal fixpoints of F, each sorted, in sorted order.
func bruteOutcomes(t tb, inst *Instance) [][]string {
	n := len(inst.Items)
	var fix []uint32
	for mask := uint32(0); mask < 1<<n; mask++ {
		s := map[string]bool{}
		for i, it := range inst.Items {
			if mask&(1<<i) != 0 {
				s[it] = true
			}
		}
		if maps.Equal(bruteF(t, inst, s), s) {
			fix = append(fix, mask)
		}
	}
	out := [][]string{}
	for _, a := range fix {
		maximal := true
		for _, b := range fix {
			if a != b && a&b == a {
				maximal = false
				break
			}
		}
		if maximal {
			var o []string
			for i, it := range inst.Items {
				if a&(1<<i) != 0 {
					o = append(o, it)
				}
			}
			sort.Strings(o)
			if o == nil {
				o = []string{}
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(a, b int) bool { return slices.Compare(out[a], out[b]) < 0 })
	return out
}

// tb is the part of testing.TB that rapid.T has too.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// kleene evaluates c three-valued (1 true, 0 false, -1 unknown) with the
// items of val decided as given and the others unknown.
func kleene(c *Cond, val map[string]int8, facts consts) int8 {
	switch c.Op {
	case OpAgreed:
		if v, ok := val[c.ID]; ok {
			return v
		}
		return -1
	case OpFact, OpDone:
		if facts.holds(c) {
			return 1
		}
		return 0
	case OpNot:
		if v := kleene(c.X, val, facts); v >= 0 {
			return 1 - v
		}
		return -1
	}
	x, y := kleene(c.X, val, facts), kleene(c.Y, val, facts)
	absorb := int8(0) // and
	if c.Op == OpOr {
		absorb = 1
	}
	switch {
	case x == absorb || y == absorb:
		return absorb
	case x < 0 || y < 0:
		return -1
	}
	return 1 - absorb
}

// literal is an item a condition names, negated or not.
type literal struct {
	item string
	neg  bool
}

// namedItems folds the facts and steps of c, negated when neg, and returns
// the constant it folds to (0 or 1) or -1 and the items it still names.
func namedItems(c *Cond, neg bool, facts consts) (int8, []literal) {
	switch c.Op {
	case OpAgreed:
		return -1, []literal{{c.ID, neg}}
	case OpFact, OpDone:
		if facts.holds(c) != neg {
			return 1, nil
		}
		return 0, nil
	case OpNot:
		return namedItems(c.X, !neg, facts)
	}
	isOr := (c.Op == OpOr) != neg
	absorb := int8(0)
	if isOr {
		absorb = 1
	}
	kx, lx := namedItems(c.X, neg, facts)
	ky, ly := namedItems(c.Y, neg, facts)
	switch {
	case kx == absorb || ky == absorb:
		return absorb, nil
	case kx >= 0 && ky >= 0:
		return 1 - absorb, nil
	}
	return -1, append(lx, ly...)
}

// bruteStatuses returns every item's status by enumeration, as
// docs/AGREEMENT.md defines it, and, when there is no outcome, the
// oscillating positions as "party item". With outcomes, an item's status
// comes from the ⊆-maximal fixpoints. Without, the items decided by
// three-valued evaluation from nothing decided keep their value; the
// others fall into components of the dependency graph among them (the
// items named by conditions that do not fold to a constant, and package
// mates); a component with fixpoints takes its statuses from its maximal
// ones; in a component without, the items that depend on a strongly
// connected part holding a negated dependency inside it oscillate, and the
// rest take their statuses from their own maximal fixpoints.
func bruteStatuses(t tb, inst *Instance) (map[string]string, []string) {
	outs := bruteOutcomes(t, inst)
	status := map[string]string{}
	fromOutcomes := func(items []string, outs [][]string) {
		for _, it := range items {
			n := 0
			for _, o := range outs {
				if slices.Contains(o, it) {
					n++
				}
			}
			switch {
			case n == len(outs):
				status[it] = StatusAgreed
			case n > 0:
				status[it] = StatusContested
			default:
				status[it] = StatusNotAgreed
			}
		}
	}
	if len(outs) > 0 {
		fromOutcomes(inst.Items, outs)
		return status, nil
	}
	facts := constsOf(inst)
	mates := map[string][]string{}
	for _, pk := range inst.Packages {
		for _, it := range pk {
			mates[it] = pk
		}
	}
	conds := map[[2]string]*Cond{}
	for _, p := range inst.Positions {
		if p.Stance == "conditional" {
			c, err := ParseCondition(p.Condition)
			if err != nil {
				t.Fatal(err)
			}
			conds[[2]string{p.Party, p.Item}] = c
		}
	}
	stance := map[[2]string]string{}
	for _, p := range inst.Positions {
		stance[[2]string{p.Party, p.Item}] = p.Stance
	}
	rulePasses := func(it string, yes, no, abst, silent int) bool {
		r := inst.Rule
		if ir, ok := inst.ItemRules[it]; ok {
			r = ir
		}
		switch r.Kind {
		case "consensus":
			return no == 0 && silent == 0 && yes >= 1
		case "consensus_minus":
			return no+silent <= r.N && yes >= 1
		}
		return float64(yes) >= r.Threshold*float64(len(inst.Parties)-abst) && yes >= 1
	}
	// Decide what three-valued evaluation decides.
	val := map[string]int8{}
	held := map[string]bool{}
	for _, h := range inst.Holds {
		held[h.Item] = true
	}
	pass3 := func(it string) int8 {
		if held[it] {
			return 0
		}
		var yes, no, abst, silent, unk int
		for _, party := range inst.Parties {
			k := [2]string{party, it}
			switch stance[k] {
			case "":
				silent++
			case "support", "ad_referendum":
				yes++
			case "oppose", "reserve":
				no++
			case "abstain":
				abst++
			case "conditional":
				switch kleene(conds[k], val, facts) {
				case 1:
					yes++
				case 0:
					no++
				default:
					unk++
				}
			}
		}
		switch {
		case rulePasses(it, yes, no+unk, abst, silent):
			return 1
		case !rulePasses(it, yes+unk, no, abst, silent):
			return 0
		}
		return -1
	}
	for changed := true; changed; {
		changed = false
		for _, it := range inst.Items {
			if _, ok := val[it]; ok {
				continue
			}
			pk := mates[it]
			if pk == nil {
				pk = []string{it}
			}
			f := int8(1)
			for _, j := range pk {
				switch pass3(j) {
				case 0:
					f = 0
				case -1:
					if f == 1 {
						f = -1
					}
				}
			}
			if f >= 0 {
				val[it] = f
				changed = true
			}
		}
	}
	var undecided []string
	for _, it := range inst.Items {
		switch v, ok := val[it]; {
		case !ok:
			undecided = append(undecided, it)
		case v == 1:
			status[it] = StatusAgreed
		default:
			status[it] = StatusNotAgreed
		}
	}
	// The dependencies among undecided items.
	deps := map[string][]literal{}
	for _, it := range undecided {
		for _, party := range inst.Parties {
			if c := conds[[2]string{party, it}]; c != nil {
				if k, lits := namedItems(c, false, facts); k < 0 {
					for _, l := range lits {
						if _, decided := val[l.item]; !decided {
							deps[it] = append(deps[it], l)
						}
					}
				}
			}
		}
		for _, j := range mates[it] {
			if j != it {
				deps[it] = append(deps[it], literal{j, false})
			}
		}
	}
	reach := map[[2]string]bool{}
	for _, a := range undecided {
		reach[[2]string{a, a}] = true
		for _, l := range deps[a] {
			reach[[2]string{a, l.item}] = true
		}
	}
	for _, k := range undecided {
		for _, a := range undecided {
			for _, b := range undecided {
				if reach[[2]string{a, k}] && reach[[2]string{k, b}] {
					reach[[2]string{a, b}] = true
				}
			}
		}
	}
	connected := func(a, b string) bool { return reach[[2]string{a, b}] || reach[[2]string{b, a}] }
	// Components: the classes of the undirected dependencies.
	comp := map[string]int{}
	ncomp := 0
	for _, a := range undecided {
		if _, ok := comp[a]; ok {
			continue
		}
		comp[a] = ncomp
		for queue := []string{a}; len(queue) > 0; queue = queue[1:] {
			for _, b := range undecided {
				if _, ok := comp[b]; !ok && connected(queue[0], b) {
					comp[b] = ncomp
					queue = append(queue, b)
				}
			}
		}
		ncomp++
	}
	decidedTrue := map[string]bool{}
	for it, v := range val {
		if v == 1 {
			decidedTrue[it] = true
		}
	}
	// maximal returns the ⊆-maximal fixpoints of the part items, which
	// depends on nothing else undecided.
	maximal := func(items []string) [][]string {
		var fix [][]string
		for mask := 0; mask < 1<<len(items); mask++ {
			s := maps.Clone(decidedTrue)
			var set []string
			for i, it := range items {
				if mask&(1<<i) != 0 {
					s[it] = true
					set = append(set, it)
				}
			}
			f := bruteF(t, inst, s)
			ok := true
			for _, it := range items {
				ok = ok && f[it] == s[it]
			}
			if ok {
				fix = append(fix, set)
			}
		}
		var out [][]string
		for _, a := range fix {
			if !slices.ContainsFunc(fix, func(b []string) bool { return len(b) > len(a) && subset(sorted(a), sorted(b)) }) {
				out = append(out, a)
			}
		}
		return out
	}
	var oscillating []string
	for k := range ncomp {
		var items []string
		for _, it := range undecided {
			if comp[it] == k {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			continue
		}
		if outs := maximal(items); len(outs) > 0 {
			fromOutcomes(items, outs)
			continue
		}
		scc := func(a, b string) bool { return reach[[2]string{a, b}] && reach[[2]string{b, a}] }
		negPart := map[string]bool{}
		for _, a := range items {
			for _, l := range deps[a] {
				if l.neg && scc(a, l.item) {
					for _, b := range items {
						if scc(a, b) {
							negPart[b] = true
						}
					}
				}
			}
		}
		var rest []string
		for _, a := range items {
			osc := false
			for _, b := range items {
				osc = osc || negPart[b] && reach[[2]string{a, b}]
			}
			if osc {
				status[a] = StatusOscillating
			} else {
				rest = append(rest, a)
			}
			if !negPart[a] {
				continue
			}
			for _, party := range inst.Parties {
				c := conds[[2]string{party, a}]
				if c == nil {
					continue
				}
				if kk, lits := namedItems(c, false, facts); kk < 0 && slices.ContainsFunc(lits, func(l literal) bool { return comp[l.item] == k && scc(a, l.item) }) {
					oscillating = append(oscillating, party+" "+a)
				}
			}
		}
		fromOutcomes(rest, maximal(rest))
	}
	slices.Sort(oscillating)
	return status, oscillating
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// consts are the atoms of an instance that conditions read as constants:
// its confirmed facts and its steps done.
type consts struct{ facts, done map[string]bool }

func constsOf(inst *Instance) consts {
	c := consts{facts: map[string]bool{}, done: map[string]bool{}}
	for _, f := range inst.Facts {
		c.facts[f] = true
	}
	for _, s := range inst.Done {
		c.done[s] = true
	}
	return c
}

func (c consts) fact(id string) bool   { return c.facts[id] }
func (c consts) isDone(id string) bool { return c.done[id] }

// holds returns the value of a fact(ID) or done(ID) atom.
func (c consts) holds(a *Cond) bool {
	if a.Op == OpDone {
		return c.done[a.ID]
	}
	return c.facts[a.ID]
}

package web

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
	"sync"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// A verdict is what most pages need of the agreement: each item's status
// and the parties whose votes keep it from passing its rule. For a large
// talks it costs far less than a full evaluation with explanations, which
// only the explanation of one item needs.
type verdict struct {
	Status map[string]string
	Blocks map[string]map[string]bool
}

// verdictOf takes the verdict from a full evaluation.
func verdictOf(res *agreement.Result) *verdict {
	v := &verdict{Status: make(map[string]string, len(res.Items)), Blocks: map[string]map[string]bool{}}
	for id, ir := range res.Items {
		v.Status[id] = ir.Status
		if len(ir.Blockers) > 0 {
			m := make(map[string]bool, len(ir.Blockers))
			for _, b := range ir.Blockers {
				m[b.Party] = true
			}
			v.Blocks[id] = m
		}
	}
	return v
}

// lightVerdict computes the verdict of an instance whose conditions hold
// no negation of agreed(…): such an instance has exactly one outcome, the
// greatest fixpoint, which an agreement.Engine finds without explaining
// anything. The votes under that outcome then give the blockers and the
// ad referendum statuses, as agreement.Evaluate defines them
// (docs/AGREEMENT.md). It returns false when the instance has negation.
func lightVerdict(inst *agreement.Instance) (*verdict, bool, error) {
	conds := make([]*agreement.Cond, len(inst.Positions))
	for k, p := range inst.Positions {
		if p.Stance != parley.StanceConditional {
			continue
		}
		c, err := agreement.ParseCondition(p.Condition)
		if err != nil {
			return nil, false, err
		}
		if negatesItems(c, false) {
			return nil, false, nil
		}
		conds[k] = c
	}
	e, err := agreement.NewEngine(inst)
	if err != nil {
		return nil, false, err
	}
	agreedList, err := e.Agreed()
	if err != nil {
		return nil, false, err
	}
	agreed := make(map[string]bool, len(agreedList))
	for _, id := range agreedList {
		agreed[id] = true
	}
	facts := make(map[string]bool, len(inst.Facts))
	for _, f := range inst.Facts {
		facts[f] = true
	}
	inS := func(id string) bool { return agreed[id] }
	hasFact := func(id string) bool { return facts[id] }
	byItem := make(map[string][]int, len(inst.Items))
	for k, p := range inst.Positions {
		byItem[p.Item] = append(byItem[p.Item], k)
	}
	mates := map[string][]string{}
	for _, pk := range inst.Packages {
		for _, id := range pk {
			mates[id] = pk
		}
	}
	v := &verdict{Status: make(map[string]string, len(inst.Items)), Blocks: map[string]map[string]bool{}}
	adref := map[string]bool{}
	deps := map[string][]string{} // agreed item → the agreed items its agreement rests on
	n := len(inst.Parties)
	for _, id := range inst.Items {
		rule := inst.Rule
		if r, ok := inst.ItemRules[id]; ok {
			rule = r
		}
		var yes, no, abstain int
		recorded := make(map[string]bool, len(byItem[id]))
		var noes []string
		for _, k := range byItem[id] {
			p := inst.Positions[k]
			recorded[p.Party] = true
			switch p.Stance {
			case parley.StanceSupport:
				yes++
			case parley.StanceAdReferendum:
				yes++
				if agreed[id] {
					adref[id] = true
				}
			case parley.StanceAbstain:
				abstain++
			case parley.StanceConditional:
				if conds[k].Eval(inS, hasFact) {
					yes++
					if agreed[id] {
						deps[id] = append(deps[id], positiveItems(conds[k], agreed)...)
					}
				} else {
					no++
					noes = append(noes, p.Party)
				}
			default: // oppose, reserve
				no++
				noes = append(noes, p.Party)
			}
		}
		silent := n - len(recorded)
		if agreed[id] {
			v.Status[id] = agreement.StatusAgreed
			for _, m := range mates[id] {
				if m != id {
					deps[id] = append(deps[id], m)
				}
			}
			continue
		}
		v.Status[id] = agreement.StatusNotAgreed
		if passes(rule, yes, no, silent, abstain) {
			continue // held back by its package
		}
		b := make(map[string]bool, len(noes)+silent)
		for _, p := range noes {
			b[p] = true
		}
		if silent > 0 {
			for _, p := range inst.Parties {
				if !recorded[p] {
					b[p] = true
				}
			}
		}
		if len(b) > 0 {
			v.Blocks[id] = b
		}
	}
	// An agreed item resting on an ad referendum yes, directly or through
	// the items its agreement rests on, is agreed ad referendum.
	for changed := true; changed; {
		changed = false
		for id, ds := range deps {
			if adref[id] {
				continue
			}
			for _, d := range ds {
				if adref[d] {
					adref[id], changed = true, true
					break
				}
			}
		}
	}
	for id := range adref {
		v.Status[id] = agreement.StatusAgreedAdReferendum
	}
	return v, true, nil
}

// negatesItems reports whether c holds agreed(…) under a negation.
func negatesItems(c *agreement.Cond, neg bool) bool {
	switch c.Op {
	case agreement.OpAgreed:
		return neg
	case agreement.OpNot:
		return negatesItems(c.X, !neg)
	case agreement.OpAnd, agreement.OpOr:
		return negatesItems(c.X, neg) || negatesItems(c.Y, neg)
	}
	return false
}

// positiveItems returns the items c names that are agreed.
func positiveItems(c *agreement.Cond, agreed map[string]bool) []string {
	var out []string
	for _, id := range c.Items() {
		if agreed[id] {
			out = append(out, id)
		}
	}
	return out
}

// passes applies a decision rule to a tally, as the engine does.
func passes(r parley.Rule, yes, no, silent, abstain int) bool {
	if yes < 1 {
		return false
	}
	switch r.Kind {
	case parley.RuleConsensus:
		return no+silent == 0
	case parley.RuleConsensusMinus:
		return no+silent <= r.N
	case parley.RuleMajority:
		return float64(yes) >= math.Ceil(r.Threshold*float64(yes+no+silent))
	}
	return false
}

// A resultCache keeps the latest full evaluations, so that the page, its
// data and its explanations, and every viewer who sees the same instance,
// share one evaluation of a state.
type resultCache struct {
	mu      sync.Mutex
	entries map[[32]byte]*cacheEntry
	order   [][32]byte
}

type cacheEntry struct {
	done chan struct{}
	res  *agreement.Result
	ver  *verdict
	err  error
}

const cacheSize = 16

// evaluate returns the evaluation of inst, computing it once.
func (c *resultCache) evaluate(inst *agreement.Instance) (*agreement.Result, error) {
	e := c.entry(fingerprint(inst, 'r'), func(e *cacheEntry) { e.res, e.err = agreement.Evaluate(inst) })
	return e.res, e.err
}

// verdict returns the verdict of inst, computing it once: the light way
// when it can, else from the full evaluation.
func (c *resultCache) verdict(inst *agreement.Instance) (*verdict, error) {
	e := c.entry(fingerprint(inst, 'v'), func(e *cacheEntry) {
		var ok bool
		e.ver, ok, e.err = lightVerdict(inst)
		if e.err == nil && !ok {
			var res *agreement.Result
			if res, e.err = c.evaluate(inst); e.err == nil {
				e.ver = verdictOf(res)
			}
		}
	})
	return e.ver, e.err
}

// entry returns the entry of a key, calling compute to fill it once.
func (c *resultCache) entry(key [32]byte, compute func(*cacheEntry)) *cacheEntry {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[[32]byte]*cacheEntry{}
	}
	if e, ok := c.entries[key]; ok {
		c.mu.Unlock()
		<-e.done
		return e
	}
	e := &cacheEntry{done: make(chan struct{})}
	c.entries[key] = e
	c.order = append(c.order, key)
	if len(c.order) > cacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()
	compute(e)
	close(e.done)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
			c.order = slices.DeleteFunc(c.order, func(k [32]byte) bool { return k == key })
		}
		c.mu.Unlock()
	}
	return e
}

// fingerprint hashes everything of an instance that its evaluation
// depends on, and the kind of answer.
func fingerprint(inst *agreement.Instance, kind byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{kind})
	var buf [8]byte
	str := func(s string) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	list := func(ss []string) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(ss)))
		h.Write(buf[:])
		for _, s := range ss {
			str(s)
		}
	}
	rule := func(r parley.Rule) {
		str(r.Kind)
		binary.BigEndian.PutUint64(buf[:], uint64(r.N))
		h.Write(buf[:])
		binary.BigEndian.PutUint64(buf[:], math.Float64bits(r.Threshold))
		h.Write(buf[:])
	}
	rule(inst.Rule)
	list(inst.Parties)
	list(inst.Items)
	list(inst.Facts)
	for _, id := range inst.Items {
		if r, ok := inst.ItemRules[id]; ok {
			str(id)
			rule(r)
		}
	}
	str("packages")
	for _, pk := range inst.Packages {
		list(pk)
	}
	str("positions")
	for _, p := range inst.Positions {
		str(p.Party)
		str(p.Item)
		str(p.Stance)
		str(p.Condition)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

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

// lightVerdict computes the verdict with agreement.Summarize, which gives
// each item's status and the parties that keep it from passing its rule
// as agreement.Evaluate does, without building the explanations that
// only the explanation of one item needs. The decision rules are applied
// there, in one place, for the engine and for every page. It reports true
// (the verdict is computed whatever the conditions hold).
func lightVerdict(inst *agreement.Instance) (*verdict, bool, error) {
	sum, err := agreement.Summarize(inst)
	if err != nil {
		return nil, false, err
	}
	v := &verdict{Status: sum.Status, Blocks: make(map[string]map[string]bool, len(sum.Blockers))}
	for id, parties := range sum.Blockers {
		b := make(map[string]bool, len(parties))
		for _, p := range parties {
			b[p] = true
		}
		v.Blocks[id] = b
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
	list(inst.Done)
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
	str("holds")
	for _, hd := range inst.Holds {
		str(hd.Item)
		str(hd.Kind)
		binary.BigEndian.PutUint64(buf[:], uint64(hd.Count))
		h.Write(buf[:])
		str(hd.Detail)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

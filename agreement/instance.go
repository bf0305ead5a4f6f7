package agreement

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/parleyhq/parley"
)

// An Instance is what the engine decides on: the participating parties, the
// items, the decision rule, the packages, the confirmed facts, the steps
// of measures done and the parties' positions. Its JSON form is the interchange format of DESIGN.md
// §4, with the optional extension "item_rules" for per-item rules.
type Instance struct {
	Rule      parley.Rule            `json:"rule"`
	ItemRules map[string]parley.Rule `json:"item_rules,omitempty"` // overrides Rule for the items named
	Packages  [][]string             `json:"packages,omitempty"`   // items agreed together or not at all
	Parties   []string               `json:"parties"`              // the participating parties
	Items     []string               `json:"items"`
	Facts     []string               `json:"facts,omitempty"` // confirmed facts; any other fact(ID) is false
	Done      []string               `json:"done,omitempty"`  // steps of measures done; any other done(ID) is false
	Positions []Position             `json:"positions"`
	// Holds keep items from passing whatever the votes: an item with a
	// hold is never agreed, nor is any item of its package.
	Holds []Hold `json:"holds,omitempty"`
}

// Kinds of hold.
const (
	// HoldOpenBrackets: the item's latest version holds open brackets
	// (Count of them); nothing in brackets is agreed, and a mediator
	// lifts it by tabling a version without brackets.
	HoldOpenBrackets = "open_brackets"
	// HoldIncompleteVersion: the item's latest version is not yet tabled
	// in every official language (Count of them missing); a mediator
	// lifts it by tabling the missing language versions.
	HoldIncompleteVersion = "incomplete_version"
	// HoldOpenDivergence: two language versions of the item diverge
	// (Count divergences open); it is lifted when they are resolved.
	HoldOpenDivergence = "open_divergence"
)

// A Hold keeps an item from passing, whatever the votes, until a mediator
// lifts it by a move that is not a stance: Kind says why, Count how many
// of what it names are open (at least 1), Detail, if any, says which, for
// people. An item has at most one hold of each kind.
type Hold struct {
	Item   string `json:"item"`
	Kind   string `json:"kind"`
	Count  int    `json:"count"`
	Detail string `json:"detail,omitempty"`
}

// MaxHoldDetail bounds the length in bytes of a hold's detail.
const MaxHoldDetail = 1000

// holdKinds are the kinds of hold, in the order they are listed.
var holdKinds = []string{HoldOpenBrackets, HoldIncompleteVersion, HoldOpenDivergence}

// A Position is one party's stance on one item. Condition is set for the
// conditional stance only. A party with no position on an item is silent.
type Position struct {
	Party     string `json:"party"`
	Item      string `json:"item"`
	Stance    string `json:"stance"`
	Condition string `json:"condition,omitempty"`
}

// MaxInputSize bounds the JSON that DecodeInstance reads.
const MaxInputSize = 256 << 20

// DecodeInstance reads one instance in the interchange format from r,
// strictly: unknown fields, trailing data and wrong types are errors that
// name the field. It leaves the rest of the checks (unknown parties and
// items, malformed conditions and so on) to Validate, Evaluate, NewEngine,
// Unlock and Impact, which all make them, naming the field too.
func DecodeInstance(r io.Reader) (*Instance, error) {
	b, err := ReadInput(r)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// ReadInput reads the JSON of an instance from r, for DecodeInstance or
// EvaluateJSON: at most MaxInputSize bytes, and not only white space.
func ReadInput(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() <= MaxInputSize {
			buf.Grow(int(fi.Size()) + bytes.MinRead + 1)
		}
	}
	_, err := buf.ReadFrom(io.LimitReader(r, MaxInputSize+1))
	b := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("reading the instance: %w", err)
	}
	if len(b) > MaxInputSize {
		return nil, parley.Errorf(parley.ETOOLARGE, "the instance is larger than %d bytes", MaxInputSize)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, parley.Errorf(parley.EINVALID, "the input is empty: give an instance as JSON (see docs/AGREEMENT.md)")
	}
	return b, nil
}

// Validate checks the instance and returns an *parley.Error naming the
// first offending field, such as positions[3].condition or rule.threshold.
func (inst *Instance) Validate() error {
	_, err := newModel(inst)
	return err
}

// inField returns err, a *parley.Error, as an error in field, keeping its
// code.
func inField(field string, err error) error {
	return parley.Wrapf(parley.ErrorCode(err), "%s: %s", err, field)
}

// checkRule checks a rule with parley.Rule.Check, the one check of rules,
// and names the field.
func checkRule(field string, r parley.Rule) error {
	if err := r.Check(); err != nil {
		return parley.Wrapf(parley.EINVALID, "%s.%s", err, field)
	}
	return nil
}

// Stance codes.
const (
	stSupport uint8 = iota
	stAdRef
	stAbstain
	stReserve
	stOppose
	stConditional
)

var stanceNames = [...]string{
	stSupport:     parley.StanceSupport,
	stAdRef:       parley.StanceAdReferendum,
	stAbstain:     parley.StanceAbstain,
	stReserve:     parley.StanceReserve,
	stOppose:      parley.StanceOppose,
	stConditional: parley.StanceConditional,
}

func stanceCode(s string) (uint8, bool) {
	switch s {
	case parley.StanceSupport:
		return stSupport, true
	case parley.StanceAdReferendum:
		return stAdRef, true
	case parley.StanceAbstain:
		return stAbstain, true
	case parley.StanceReserve:
		return stReserve, true
	case parley.StanceOppose:
		return stOppose, true
	case parley.StanceConditional:
		return stConditional, true
	}
	return 0, false
}

// checkPosition checks one position against the model's parties and items
// and parses its condition, which it also returns compiled (see fold).
// field names the position in messages.
func (m *model) checkPosition(fieldOf func() string, p Position) (party, item int32, st uint8, c *Cond, t *ftree, err error) {
	party, okp := m.partyIdx[p.Party]
	item, oki := m.itemIdx[p.Item]
	st, oks := stanceCode(p.Stance)
	if okp && oki && oks && st != stConditional && p.Condition == "" {
		return party, item, st, nil, nil, nil
	}
	var ok bool
	field := fieldOf()
	if party, ok = m.partyIdx[p.Party]; !ok {
		if p.Party == "" {
			return 0, 0, 0, nil, nil, inField(field+".party", parley.Errorf(parley.EINVALID, "missing"))
		}
		return 0, 0, 0, nil, nil, inField(field+".party", parley.Errorf(parley.EINVALID, "%q is not one of the parties; add it to \"parties\" or fix the id", p.Party))
	}
	if item, ok = m.itemIdx[p.Item]; !ok {
		if p.Item == "" {
			return 0, 0, 0, nil, nil, inField(field+".item", parley.Errorf(parley.EINVALID, "missing"))
		}
		return 0, 0, 0, nil, nil, inField(field+".item", parley.Errorf(parley.EINVALID, "%q is not one of the items; add it to \"items\" or fix the id", p.Item))
	}
	if st, ok = stanceCode(p.Stance); !ok {
		return 0, 0, 0, nil, nil, inField(field+".stance", parley.Errorf(parley.EINVALID, "%q is not support, ad_referendum, abstain, reserve, oppose or conditional", p.Stance))
	}
	if st != stConditional {
		if p.Condition != "" {
			return 0, 0, 0, nil, nil, inField(field+".condition", parley.Errorf(parley.EINVALID, "only a conditional stance takes a condition; make the stance conditional or drop the condition"))
		}
		return party, item, st, nil, nil, nil
	}
	if strings.TrimSpace(p.Condition) == "" {
		return 0, 0, 0, nil, nil, inField(field+".condition", parley.Errorf(parley.EINVALID, "a conditional stance needs a condition, such as agreed(ITEM)"))
	}
	c, err = parseCondition(p.Condition)
	if err != nil {
		return 0, 0, 0, nil, nil, inField(field+".condition", err)
	}
	if t = m.fold(c, false); t == nil {
		for _, id := range c.Items() {
			if _, ok := m.itemIdx[id]; !ok {
				return 0, 0, 0, nil, nil, inField(field+".condition", parley.Errorf(parley.EINVALID, "agreed(%s) names no item of the instance; add it to \"items\" or fix the id", id))
			}
		}
	}
	return party, item, st, c, t, nil
}

// A parsedCond is a condition parsed and compiled.
type parsedCond struct {
	c *Cond
	t *ftree
}

// validID reports whether s is an id: [A-Za-z0-9_.:-]+, at most
// parley.MaxIDLength bytes. It is parley.ValidID without a regular
// expression.
func validID(s string) bool {
	if len(s) == 0 || len(s) > parley.MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIDByte(s[i]) {
			return false
		}
	}
	return true
}

package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/words"
)

// Bounds of an explanation, so that an item blocked across a large
// agenda explains in a page of reasonable size: how deep it follows the
// blocking chains, how many items it explains in all, how many blockers it
// lists for one item and how many root blockers.
const (
	maxExplainDepth    = 8
	maxExplainNodes    = 12
	maxExplainBlockers = 12
	maxRootBlockers    = 50
)

// An explanation is why an item has its status, what would unlock it and
// what a hypothetical change would do.
type explanation struct {
	Talks    string
	At       int64
	Item     *itemView
	Result   *agreement.ItemResult
	No       int    // votes no that are not unmet conditions
	Unmet    int    // conditional supports whose condition fails
	Votes    string // the tally, in words
	Tree     *explainNode
	Roots    []rootView
	More     int // root blockers not listed
	Relies   []relianceView
	Unlock   []unlockView
	Complete bool // the unlock analysis tried every set within its bounds
	// opts are the unlock options, in the order Unlock lists them, which
	// the blocking graph numbers as the page does (pictures.go).
	opts []agreement.UnlockOption
	// Graph is the blocking graph drawn (pictures.go), Badge the item's
	// badge, MyStance the viewer's own stance form (acting.go).
	Graph    template.HTML
	Badge    itemBadge
	MyStance *stanceForm
	Why      string // why there is no unlock analysis

	Parties []partyView // who may be changed in the impact form
	Form    impactForm
	Impact  *agreement.ImpactResult
	Err     string // the impact form's error
}

type explainNode struct {
	Talks, Link         string
	Item, Title, Status string
	Holds               []string // what holds it back whatever the votes, in words
	Blockers            []blockerView
	Packaged            []*explainNode // package mates that fail their rule
	NoSupport           bool
	Repeat              bool // explained above
	Deep                bool // the chain goes on below what is shown
	More                int  // blockers not listed
}

type blockerView struct {
	Party, PartyName string
	Stance           string
	Condition        string
	Reason           string
	Index            int64 // of the stance, -1 for silence
	Version          int   // of the stance
	Outdated         bool
	WaitsOn          []*explainNode
	ExcludedBy       []string
	MissingFacts     []string
	ExcludedByFacts  []string
	Root             bool // not a condition: the end of a chain
}

type rootView struct {
	Party, PartyName, Item, Stance, Reason string
	Hold                                   string // a hold, in words, when the root is one
	Index                                  int64
}

type relianceView struct {
	Party, PartyName, Condition string
	On, Without                 []string
}

type unlockView struct {
	Changes []template.HTML
	// One is the change of a one-change option, for the impact form.
	One *agreement.Position
}

type impactForm struct {
	Party, Stance, Condition string
}

// explain builds the explanation of an item for the dashboard.
func explain(s *snap, res *agreement.Result, id string, r *http.Request) (*explanation, error) {
	it := s.Item(id)
	ir := res.Items[id]
	if it == nil || ir == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no item %q that you may see", s.ID, id)
	}
	x := &explanation{Talks: s.ID, At: s.At, Item: it, Result: ir}
	// A conditional support whose condition fails votes no; say so,
	// rather than count it among the objections.
	for _, b := range ir.Blockers {
		if b.Stance == parley.StanceConditional {
			x.Unmet++
		}
	}
	x.No = max(0, ir.Tally.No-x.Unmet)
	votes := []string{s.P.T("%d yes", ir.Tally.Yes), s.P.T("%d no", x.No)}
	if x.Unmet > 0 {
		votes = append(votes, s.P.T("%d conditional and not met", x.Unmet))
	}
	x.Votes = s.P.List(append(votes, s.P.T("%d abstaining", ir.Tally.Abstain), s.P.T("%d silent", ir.Tally.Silent)))
	x.Tree = node(s, res, id, map[string]bool{}, 0)
	roots := ir.RootBlockers
	if len(roots) > maxRootBlockers {
		roots, x.More = roots[:maxRootBlockers], len(roots)-maxRootBlockers
	}
	for _, rb := range roots {
		rv := rootView{Party: rb.Party, PartyName: s.PartyName(rb.Party), Item: rb.Item, Stance: rb.Stance, Index: -1}
		if words.IsHold(rb.Stance) {
			rv.Hold = words.Hold(s.P, rb.Stance, rb.Count, rb.Item)
		}
		if st := s.Item(rb.Item); st != nil && rb.Party != "" {
			if x := st.Stances[rb.Party]; x != nil {
				rv.Reason, rv.Index = x.Reason, x.Index
			}
		}
		x.Roots = append(x.Roots, rv)
	}
	for _, rl := range ir.ReliesOn {
		x.Relies = append(x.Relies, relianceView{Party: rl.Party, PartyName: s.PartyName(rl.Party), Condition: rl.Condition, On: rl.On, Without: rl.Without})
	}
	for _, p := range s.Parties {
		if p.Participant {
			x.Parties = append(x.Parties, p)
		}
	}
	if agreedish(ir.Status) {
		x.Why = s.P.T("It is agreed: there is nothing to unlock.")
	} else {
		// The search's budget shrinks as the instance grows, to keep the
		// page's answer within a second or two.
		budget := min(agreement.DefaultUnlockEvaluations, max(100, 2_000_000/max(1, len(s.Inst.Positions))))
		opts, err := agreement.Unlock(s.Inst, id, agreement.UnlockLimits{MaxEvaluations: budget})
		x.Complete, x.opts = true, opts
		if errors.Is(err, agreement.ErrUnlockIncomplete) {
			x.Complete, err = false, nil
		}
		if err != nil {
			return nil, err
		}
		for _, o := range opts {
			var uv unlockView
			for _, c := range o.Changes {
				uv.Changes = append(uv.Changes, changeWords(s, c))
			}
			for _, h := range o.Lift {
				uv.Changes = append(uv.Changes, template.HTML(template.HTMLEscapeString(liftWords(s.P, h))))
			}
			if len(o.Changes) == 1 && len(o.Lift) == 0 {
				c := o.Changes[0]
				uv.One = &c
			}
			x.Unlock = append(x.Unlock, uv)
		}
	}
	q := r.URL.Query()
	x.Form = impactForm{Party: q.Get("party"), Stance: q.Get("stance"), Condition: q.Get("condition")}
	if x.Form.Party != "" {
		change := agreement.Position{Party: x.Form.Party, Item: id, Stance: x.Form.Stance}
		if change.Stance == parley.StanceConditional {
			change.Condition = x.Form.Condition
		}
		if change.Stance == "withdraw" {
			change.Stance = ""
		}
		imp, err := agreement.Impact(s.Inst, change)
		if err != nil {
			x.Err = s.P.Error(err)
		} else {
			x.Impact = imp
		}
	}
	return x, nil
}

// node explains one item not agreed, following failing conditions down to
// the votes no condition explains.
func node(s *snap, res *agreement.Result, id string, seen map[string]bool, depth int) *explainNode {
	ir := res.Items[id]
	n := &explainNode{Talks: s.ID, Link: explainLink(s.ID, s.At, id), Item: id}
	if it := s.Item(id); it != nil {
		n.Title = it.Title
	}
	if ir == nil {
		return n
	}
	n.Status, n.NoSupport = ir.Status, ir.NoSupport && len(ir.Holds) == 0
	for _, h := range ir.Holds {
		n.Holds = append(n.Holds, words.Hold(s.P, h.Kind, h.Count, id))
	}
	if seen[id] {
		n.Repeat = true
		return n
	}
	if depth >= maxExplainDepth || len(seen) >= maxExplainNodes {
		n.Deep = true
		return n
	}
	seen[id] = true
	it := s.Item(id)
	blockers := ir.Blockers
	if len(blockers) > maxExplainBlockers {
		blockers, n.More = blockers[:maxExplainBlockers], len(blockers)-maxExplainBlockers
	}
	for _, b := range blockers {
		bv := blockerView{Party: b.Party, PartyName: s.PartyName(b.Party), Stance: b.Stance, Condition: b.Condition, Index: -1,
			ExcludedBy: b.ExcludedBy, MissingFacts: b.MissingFacts, ExcludedByFacts: b.ExcludedByFacts}
		if it != nil {
			if x := it.Stances[b.Party]; x != nil {
				bv.Reason, bv.Index, bv.Version = x.Reason, x.Index, x.Version
				bv.Outdated = x.Version != it.LatestN
			}
		}
		if b.Stance == parley.StanceConditional {
			for _, w := range b.WaitsOn {
				bv.WaitsOn = append(bv.WaitsOn, node(s, res, w, seen, depth+1))
			}
		} else {
			bv.Root = true
		}
		n.Blockers = append(n.Blockers, bv)
	}
	for _, p := range ir.PackageBlockedBy {
		n.Packaged = append(n.Packaged, node(s, res, p, seen, depth+1))
	}
	return n
}

// changeWords says a stance change: "Government (gov) supports M1a".
func changeWords(s *snap, c agreement.Position) template.HTML {
	name, p := userHTML(s.P, "span", s.PartyName(c.Party)), htmlPrinter{s.P}
	switch c.Stance {
	case parley.StanceOppose:
		return p.T("%[1]s (%[2]s) opposes %[3]s", name, c.Party, c.Item)
	case parley.StanceAbstain:
		return p.T("%[1]s (%[2]s) abstains on %[3]s", name, c.Party, c.Item)
	case parley.StanceReserve:
		return p.T("%[1]s (%[2]s) reserves its position on %[3]s", name, c.Party, c.Item)
	case parley.StanceAdReferendum:
		return p.T("%[1]s (%[2]s) supports %[3]s ad referendum", name, c.Party, c.Item)
	case parley.StanceConditional:
		return p.T("%[1]s (%[2]s) supports %[3]s if %[4]s", name, c.Party, c.Item, c.Condition)
	}
	return p.T("%[1]s (%[2]s) supports %[3]s", name, c.Party, c.Item)
}

// blockerHTML says why one vote blocks, naming the party: "Government
// (gov) opposes it", "… supports it only if …".
func blockerHTML(p *i18n.Printer, b blockerView) template.HTML {
	hp, name := htmlPrinter{p}, userHTML(p, "strong", b.PartyName)
	switch b.Stance {
	case "silent":
		if b.Index >= 0 && b.Outdated {
			return hp.T("%[1]s (%[2]s) has no stance on the current version (its stance is on an earlier version)", name, b.Party)
		}
		return hp.T("%[1]s (%[2]s) has taken no stance", name, b.Party)
	case parley.StanceConditional:
		return hp.T("%[1]s (%[2]s) supports it only if %[3]s, which does not hold", name, b.Party, words.ConditionText(p, b.Condition))
	case parley.StanceOppose:
		return hp.T("%[1]s (%[2]s) opposes it", name, b.Party)
	case parley.StanceReserve:
		return hp.T("%[1]s (%[2]s) reserves its position", name, b.Party)
	case parley.StanceAbstain:
		return hp.T("%[1]s (%[2]s) abstains", name, b.Party)
	}
	return hp.T("%[1]s (%[2]s) takes the stance “%[3]s”", name, b.Party, words.StanceName(p, b.Stance))
}

// liftWords says the move that lifts a hold: "a mediator tables a version
// of D1 without brackets".
func liftWords(p *i18n.Printer, h agreement.Hold) string {
	switch h.Kind {
	case agreement.HoldOpenBrackets:
		return p.T("a mediator tables a version of %s without brackets", h.Item)
	case agreement.HoldIncompleteVersion:
		return p.T("a mediator tables %s in every official language", h.Item)
	case agreement.HoldOpenDivergence:
		return p.T("the divergences between the language versions of %s are resolved", h.Item)
	}
	return p.T("the %[1]s hold on %[2]s is lifted", h.Kind, h.Item)
}

// rootHTML says what a root blocker does about an item, naming the
// party and linking the item: "Government (gov) opposes M1a".
func rootHTML(p *i18n.Printer, r rootView, item template.HTML) template.HTML {
	hp, name := htmlPrinter{p}, userHTML(p, "strong", r.PartyName)
	switch r.Stance {
	case parley.StanceOppose:
		return hp.T("%[1]s (%[2]s) opposes %[3]s", name, r.Party, item)
	case parley.StanceReserve:
		return hp.T("%[1]s (%[2]s) reserves its position on %[3]s", name, r.Party, item)
	case parley.StanceAbstain:
		return hp.T("%[1]s (%[2]s) abstains on %[3]s", name, r.Party, item)
	case "silent":
		return hp.T("%[1]s (%[2]s) has taken no stance on %[3]s", name, r.Party, item)
	}
	return hp.T("%[1]s (%[2]s) takes the stance “%[3]s” on %[4]s", name, r.Party, words.StanceName(p, r.Stance), item)
}

// explainLink returns the URL of the dashboard explaining an item, in a
// view of the past when at ≥ 0.
func explainLink(talks string, at int64, item string) string {
	q := url.Values{}
	if at >= 0 {
		q.Set("at", strconv.FormatInt(at, 10))
	}
	q.Set("item", item)
	return "/talks/" + talks + "/dashboard?" + q.Encode() + "#explain"
}

// impactLink returns the URL of the dashboard weighing one change.
func impactLink(talks string, at int64, item string, c *agreement.Position) string {
	q := url.Values{}
	if at >= 0 {
		q.Set("at", strconv.FormatInt(at, 10))
	}
	q.Set("item", item)
	q.Set("party", c.Party)
	q.Set("stance", c.Stance)
	if c.Item != item {
		// The impact form changes the explained item only; explain the
		// item the change is on.
		q.Set("item", c.Item)
	}
	return "/talks/" + talks + "/dashboard?" + q.Encode() + "#impact"
}

// eventLink returns the URL of an event in the timeline.
func eventLink(talks string, index int64) string {
	from := index - index%timelinePage
	return "/talks/" + talks + "/timeline?from=" + strconv.FormatInt(from, 10) + "#e" + strconv.FormatInt(index, 10)
}

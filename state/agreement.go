package state

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/document"
)

// Instance returns the agreement instance of the talks now: the parties at
// the current round's table, every item, the packages, the confirmed facts,
// and each participating party's stance on the latest version of each item.
// A stance on an earlier version does not count: support for a text is not
// support for the text that replaced it. An item whose latest version holds
// open brackets is held (agreement.HoldOpenBrackets): nothing in brackets
// is agreed, whatever the stances.
func (t *Talks) Instance() *agreement.Instance {
	inst := &agreement.Instance{
		Rule:    t.Rule,
		Parties: t.Participants(),
	}
	at := map[string]bool{}
	for _, p := range inst.Parties {
		at[p] = true
	}
	for _, it := range t.Items {
		inst.Items = append(inst.Items, it.ID)
		if it.Rule != nil {
			if inst.ItemRules == nil {
				inst.ItemRules = map[string]parley.Rule{}
			}
			inst.ItemRules[it.ID] = *it.Rule
		}
		latest := it.Latest()
		if h, ok := bracketHold(it.ID, latest); ok {
			inst.Holds = append(inst.Holds, h)
		}
		for _, p := range t.PartyOrder {
			s := it.Stances[p]
			if s == nil || !at[p] || latest == nil || s.Version != latest.N {
				continue
			}
			inst.Positions = append(inst.Positions, agreement.Position{Party: p, Item: it.ID, Stance: s.Stance, Condition: s.Condition})
		}
	}
	names := make([]string, 0, len(t.Packages))
	for n := range t.Packages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		inst.Packages = append(inst.Packages, slices.Clone(t.Packages[n]))
	}
	for f := range t.Facts {
		inst.Facts = append(inst.Facts, f)
	}
	sort.Strings(inst.Facts)
	return inst
}

// Outdated returns the stances of participating parties that refer to an
// earlier version of their item than the latest, by item.
func (t *Talks) Outdated() map[string][]*Stance {
	out := map[string][]*Stance{}
	for _, it := range t.Items {
		latest := it.Latest()
		for _, p := range t.PartyOrder {
			if s := it.Stances[p]; s != nil && latest != nil && s.Version != latest.N {
				out[it.ID] = append(out[it.ID], s)
			}
		}
	}
	return out
}

// bracketHold returns the hold of an item whose version v holds open
// brackets: how many (document.Paragraph.Brackets, nested ones included)
// and in which paragraphs.
func bracketHold(item string, v *Version) (agreement.Hold, bool) {
	if v == nil {
		return agreement.Hold{}, false
	}
	n := 0
	var where []string
	for k, p := range v.Paragraphs {
		if !strings.Contains(p, "[[") {
			continue // no bracket opens without "[["
		}
		c := 1 // a paragraph the markup does not read is not agreed either
		if par, err := document.Parse(p); err == nil {
			c = par.Brackets()
		}
		if c > 0 {
			n += c
			where = append(where, strconv.Itoa(k+1))
		}
	}
	if n == 0 {
		return agreement.Hold{}, false
	}
	detail := "version " + strconv.Itoa(v.N) + ", paragraph " + where[0]
	if len(where) > 1 {
		detail = "version " + strconv.Itoa(v.N) + ", paragraphs " + strings.Join(where, ", ")
	}
	if len(detail) > agreement.MaxHoldDetail {
		detail = detail[:strings.LastIndex(detail[:agreement.MaxHoldDetail-4], ",")] + ", …"
	}
	return agreement.Hold{Item: item, Kind: agreement.HoldOpenBrackets, Count: n, Detail: detail}, true
}

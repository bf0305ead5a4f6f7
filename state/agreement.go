package state

import (
	"slices"
	"sort"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// Instance returns the agreement instance of the talks now: the parties at
// the current round's table, every item, the packages, the confirmed facts,
// and each participating party's stance on the latest version of each item.
// A stance on an earlier version does not count: support for a text is not
// support for the text that replaced it.
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

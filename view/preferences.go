package view

import "github.com/parleyhq/parley/state"

// Preferences is what a viewer sees of the private preferences over the
// packages of one item (docs/PACKAGES.md): the latest definition of its
// issues and options it may see, and the latest preferences of each party
// that it may read the sealed payload of. A mediator (and the convener,
// who sees them given but cannot open them) gets every party's; a party's
// actor only its own party's; anyone else none. The payloads are sealed
// as stored: the host cannot read them, and the view holds nothing it
// could.
type Preferences struct {
	Item       string
	Definition *state.IssueDefinition    // nil before any the viewer may see
	Parties    []*state.PartyPreferences // in the order of the parties
}

// preferencesOf copies out of st the preferences of every item that has a
// definition or preferences the viewer may see.
func preferencesOf(st *state.Talks, seen state.Seen, v state.Viewer) map[string]*Preferences {
	keep := func(party string) bool {
		// A mediator's release of a party's preferences to another party
		// shows it nothing it could read: it is not shown at all.
		return v.Chair() || (v.Actor != nil && v.Actor.Party == party)
	}
	var out map[string]*Preferences
	for _, it := range st.Items {
		d := seen.Definition(it)
		ps := seen.PartyPreferences(it, keep)
		if d == nil && len(ps) == 0 {
			continue
		}
		if out == nil {
			out = map[string]*Preferences{}
		}
		out[it.ID] = &Preferences{Item: it.ID, Definition: d, Parties: ps}
	}
	return out
}

// PreferencesOf returns what the viewer sees of the preferences over the
// packages of an item, or nil when it sees neither a definition nor any
// preferences.
func (t *Talks) PreferencesOf(item string) *Preferences { return t.Preferences[item] }

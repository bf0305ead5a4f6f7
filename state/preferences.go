package state

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// The room of private preferences over packages (docs/PACKAGES.md): a
// mediator's definition of the issues of an item and their options
// (issues.define), and each party's preferences over them
// (preferences.give), sealed to the mediators and the party's own heads
// and delegates, which the host checks without a key, as it does a caucus
// message (keys.go), and keeps as it received them. A later definition of
// an item replaces the earlier one, and a party's later preferences its
// earlier ones; every one stays in the record.
//
// A definition is seen as its item is; a party's preferences by that
// party and the mediators (visibility party:ID), and read by those they
// are sealed to. The host never reads them: the frontier and the
// bargaining solutions are computed on a mediator's own device.

// An IssueDefinition is a definition of the issues of an item and their
// options, as a mediator recorded it.
type IssueDefinition struct {
	Item    string                `json:"item"`
	Issues  []parley.IssueOptions `json:"issues"`
	Current map[string]string     `json:"current,omitempty"`
	Note    string                `json:"note,omitempty"`
	By      string                `json:"by"`
	At      time.Time             `json:"at"`
	Index   int64                 `json:"index"`
}

// PartyPreferences are a party's preferences on an item as the record
// holds them: sealed, as the party's actor sent them.
type PartyPreferences struct {
	Item       string          `json:"item"`
	Party      string          `json:"party"`
	Definition int64           `json:"definition"` // the log index of the definition they answer
	Sealed     json.RawMessage `json:"sealed"`     // the sealed payload, as stored
	By         string          `json:"by"`
	At         time.Time       `json:"at"`
	Index      int64           `json:"index"`
}

// bargaining is the part of a talks' state the acts of preferences make.
type bargaining struct {
	IssueDefs map[string][]*IssueDefinition  `json:"issue_definitions,omitempty"` // by item, in log order
	Given     map[string][]*PartyPreferences `json:"preferences,omitempty"`       // by item, in log order
}

func init() {
	on(parley.KindDefineIssues, (*Talks).defineIssues)
	on(parley.KindGivePreferences, (*Talks).givePreferences)
}

// Definitions returns every definition of the issues of an item, in log
// order; the last is the current one.
func (t *Talks) Definitions(item string) []*IssueDefinition { return t.IssueDefs[item] }

// Preferences returns every preferences.give on an item, in log order.
func (t *Talks) Preferences(item string) []*PartyPreferences { return t.Given[item] }

// CurrentDefinition returns the current definition of the issues of an
// item, or nil.
func (t *Talks) CurrentDefinition(item string) *IssueDefinition {
	ds := t.IssueDefs[item]
	if len(ds) == 0 {
		return nil
	}
	return ds[len(ds)-1]
}

// PreferencesRecipients returns whom a party's preferences are sealed to
// now: the mediators and the party's heads and delegates, not revoked, in
// the order of their keys as written. The convener, another party, an
// observer and a verifier are not among them.
func (r *Roster) PreferencesRecipients(party string) []*Actor {
	return PreferencesRecipientsAmong(slices.Collect(maps.Values(r.Actors)), party)
}

// PreferencesRecipientsAmong returns those of the actors of a roster whom
// a party's preferences are sealed to, as Roster.PreferencesRecipients.
func PreferencesRecipientsAmong(actors []*Actor, party string) []*Actor {
	var out []*Actor
	for _, a := range actors {
		own := party != "" && a.Party == party && (a.Role == parley.RoleHead || a.Role == parley.RoleDelegate)
		if !a.Revoked && (a.Role == parley.RoleMediator || own) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *Actor) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// seenItem returns the item an act names if its signer may see it.
func (t *Talks) seenItem(c act, item string) (*Item, error) {
	it := t.items[item]
	if it == nil || !t.VisibleAt(t.signer(c.e), it.Added) {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q", item)
	}
	return it, nil
}

func (t *Talks) defineIssues(c act, p *parley.DefineIssues) (func(), error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	it, err := t.seenItem(c, p.Item)
	if err != nil {
		return nil, err
	}
	if vis := t.vis[it.Added]; c.e.Vis != "" && c.e.Vis != vis {
		return nil, parley.Errorf(parley.EINVALID, "event field \"vis\": the issues of an item are seen by whoever sees the item (%s); leave \"vis\" out", vis)
	}
	if err := checkText("note", p.Note, false); err != nil {
		return nil, err
	}
	return func() {
		if t.IssueDefs == nil {
			t.IssueDefs = map[string][]*IssueDefinition{}
		}
		d := &IssueDefinition{Item: p.Item, Issues: p.Issues, Current: p.Current, Note: p.Note, By: c.by, At: c.at, Index: c.index}
		t.IssueDefs[p.Item] = append(t.IssueDefs[p.Item], d)
	}, nil
}

func (t *Talks) givePreferences(c act, p *parley.GivePreferences) (func(), error) {
	if err := t.checkParty(p.Party); err != nil {
		return nil, err
	}
	if _, err := t.seenItem(c, p.Item); err != nil {
		return nil, err
	}
	if c.e.Vis != "" && c.e.Vis != parley.VisParty(p.Party) {
		return nil, parley.Errorf(parley.EINVALID, "event field \"vis\": a party's preferences are seen by that party and the mediators only; leave \"vis\" out")
	}
	d := t.CurrentDefinition(p.Item)
	if d == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no issues are defined for %q yet; a mediator defines them first (issues.define)", p.Item)
	}
	if p.Definition != d.Index {
		return nil, parley.Errorf(parley.ECONFLICT, "payload field \"definition\": the current definition of the issues of %[1]q is the one at index %[2]d, not %[3]d; give preferences over the current issues", p.Item, d.Index, p.Definition)
	}
	if len(p.Sealed) == 0 || string(p.Sealed) == "null" {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"sealed\" is required: a party's preferences are sent sealed, never in plain text")
	}
	required := t.Roster.PreferencesRecipients(p.Party)
	if !slices.ContainsFunc(required, func(a *Actor) bool { return a.Role == parley.RoleMediator }) {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"sealed\": the talks has no mediator to give preferences to")
	}
	s, err := t.Roster.checkSealedField(t.origin, c.e, "sealed", parley.PreferencesChannel(p.Item, p.Party), p.Sealed, required)
	if err != nil {
		return nil, err
	}
	return func() {
		if t.Given == nil {
			t.Given = map[string][]*PartyPreferences{}
		}
		pp := &PartyPreferences{Item: p.Item, Party: p.Party, Definition: p.Definition, Sealed: p.Sealed, By: c.by, At: c.at, Index: c.index}
		t.Given[p.Item] = append(t.Given[p.Item], pp)
		party := p.Party
		t.keepSealed(c, s, required, func(r *Roster) []*Actor { return r.PreferencesRecipients(party) })
	}, nil
}

// Definition returns the latest definition of the issues of an item that
// the viewer may see, or nil.
func (s Seen) Definition(it *Item) *IssueDefinition {
	if !s.Item(it) {
		return nil
	}
	ds := s.t.IssueDefs[it.ID]
	for k := len(ds) - 1; k >= 0; k-- {
		if s.Visible(ds[k].Index) {
			return ds[k]
		}
	}
	return nil
}

// PartyPreferences returns the latest preferences of each party on an
// item that the viewer may see, in the order of the parties, for the
// parties keep(party) accepts.
func (s Seen) PartyPreferences(it *Item, keep func(party string) bool) []*PartyPreferences {
	if !s.Item(it) {
		return nil
	}
	latest := map[string]*PartyPreferences{}
	for _, p := range s.t.Given[it.ID] {
		if s.Visible(p.Index) && keep(p.Party) {
			latest[p.Party] = p
		}
	}
	var out []*PartyPreferences
	for _, party := range s.t.PartyOrder {
		if p := latest[party]; p != nil {
			out = append(out, p)
		}
	}
	return out
}

package parley

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The kinds of event of private preferences over packages
// (docs/PACKAGES.md): a mediator's definition of the issues of an item and
// their options, and a party's preferences over them, sealed. Package
// state keeps them (state/preferences.go); package bargain computes on
// them, on a mediator's own device.
const (
	KindDefineIssues    = "issues.define"    // DefineIssues; a mediator; seen as the item is
	KindGivePreferences = "preferences.give" // GivePreferences; a head or delegate of the party; sealed, seen by the party and the mediators only
)

// Limits on a definition of issues. The interchange format of `parley
// packages` allows more; a definition in the record stays well within one
// event.
const (
	MaxDefinedIssues = 200 // issues of one item
	MaxIssueOptions  = 100 // options of one issue
)

// DefineIssues defines, for an item, the issues to settle and the options
// of each, in the form of the interchange format's "issues"
// (docs/PACKAGES.md), and optionally the current package: the current
// text's choice of an option for every issue. A later definition of the
// item replaces it; the parties' preferences then answer the new one.
type DefineIssues struct {
	Item    string            `json:"item"`
	Issues  []IssueOptions    `json:"issues"`
	Current map[string]string `json:"current,omitempty"`
	Note    string            `json:"note,omitempty"`
}

// IssueOptions is one issue to settle and its options, in the order
// packages are listed in.
type IssueOptions struct {
	ID      string   `json:"id"`
	Options []string `json:"options"`
}

// GivePreferences gives a party's private preferences over the packages
// of an item: Sealed is a sealed payload (docs/RECORD.md §11) on the
// channel PreferencesChannel(Item, Party), sealed to the mediators and the
// party's own heads and delegates, whose content is the party's entry of
// the interchange format ({"id", "weights", "values", "reservation"},
// docs/PACKAGES.md). Definition is the log index of the definition of the
// item's issues the preferences answer, which must be the current one. A
// later one replaces it.
type GivePreferences struct {
	Item       string          `json:"item"`
	Party      string          `json:"party"`
	Definition int64           `json:"definition"`
	Sealed     json.RawMessage `json:"sealed"`
}

func (*DefineIssues) act()    {}
func (*GivePreferences) act() {}

// ActParty returns the party whose preferences these are: the table of
// kinds lets a head or delegate of that party sign them.
func (p *GivePreferences) ActParty() string { return p.Party }

// PreferencesChannel is the channel a party's preferences on an item are
// sealed on (docs/RECORD.md §11.2): "preferences:ITEM:PARTY".
func PreferencesChannel(item, party string) string {
	return "preferences:" + item + ":" + party
}

// Check checks a definition on its own, without the talks: the item's
// id, the issues' and options' ids (two that differ only in case count as
// the same, as in the interchange format), their counts, and that the
// current package, if given, chooses one option of every issue. It names
// the offending field.
func (p *DefineIssues) Check() error {
	if !ValidID(p.Item) {
		return Errorf(EINVALID, "payload field %q: %q is not an id ([A-Za-z0-9_.:-], at most %d characters)", "item", p.Item, MaxIDLength)
	}
	if len(p.Issues) == 0 || len(p.Issues) > MaxDefinedIssues {
		return Errorf(EINVALID, "payload field %q: give 1 to %d issues, not %d", "issues", MaxDefinedIssues, len(p.Issues))
	}
	issues := map[string]int{}
	for k, is := range p.Issues {
		f := "issues[" + strconv.Itoa(k) + "]"
		if !ValidID(is.ID) {
			return Errorf(EINVALID, "payload field %q: %q is not an id ([A-Za-z0-9_.:-], at most %d characters)", f+".id", is.ID, MaxIDLength)
		}
		if j, ok := issues[strings.ToLower(is.ID)]; ok {
			return Errorf(EINVALID, "payload field %q: %q names the issue already given as issues[%d]; give each issue once", f+".id", is.ID, j)
		}
		issues[strings.ToLower(is.ID)] = k
		if len(is.Options) == 0 || len(is.Options) > MaxIssueOptions {
			return Errorf(EINVALID, "payload field %q: give 1 to %d options, not %d", f+".options", MaxIssueOptions, len(is.Options))
		}
		opts := map[string]int{}
		for i, o := range is.Options {
			fo := f + ".options[" + strconv.Itoa(i) + "]"
			if !ValidID(o) {
				return Errorf(EINVALID, "payload field %q: %q is not an id ([A-Za-z0-9_.:-], at most %d characters)", fo, o, MaxIDLength)
			}
			if j, ok := opts[strings.ToLower(o)]; ok {
				return Errorf(EINVALID, "payload field %q: %q repeats options[%d]; give each option once", fo, o, j)
			}
			opts[strings.ToLower(o)] = i
		}
	}
	if p.Current == nil {
		return nil
	}
	for _, is := range p.Issues {
		o, ok := p.Current[is.ID]
		if !ok {
			return Errorf(EINVALID, "payload field %q: the current package chooses no option of issue %q; choose one for every issue", "current", is.ID)
		}
		if !slices.Contains(is.Options, o) {
			return Errorf(EINVALID, "payload field %q: %q is not an option of issue %q", "current."+is.ID, o, is.ID)
		}
	}
	for id := range p.Current {
		if _, ok := issues[strings.ToLower(id)]; !ok || !p.hasIssue(id) {
			return Errorf(EINVALID, "payload field %q: %q is not an issue of the definition", "current", id)
		}
	}
	return nil
}

func (p *DefineIssues) hasIssue(id string) bool {
	for _, is := range p.Issues {
		if is.ID == id {
			return true
		}
	}
	return false
}

func describeDefineIssues(a Act, n Namer, _ string) Description {
	p := a.(*DefineIssues)
	if p.Current != nil {
		return Description{Summary: n.T("defined the issues to settle on %[1]s and the options of each (issues: %[2]d), with the package of the current text", p.Item, len(p.Issues)), Quote: p.Note, Item: p.Item}
	}
	return Description{Summary: n.T("defined the issues to settle on %[1]s and the options of each (issues: %[2]d)", p.Item, len(p.Issues)), Quote: p.Note, Item: p.Item}
}

func describeGivePreferences(a Act, n Namer, _ string) Description {
	p := a.(*GivePreferences)
	return Description{Summary: n.T("gave the preferences of %[1]s over the packages of %[2]s, sealed to the mediators and its own delegation", partyName(n, p.Party), p.Item), Item: p.Item}
}

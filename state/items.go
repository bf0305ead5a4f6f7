package state

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// An Item is anything that can be agreed: a document or a measure, with its
// versions, amendments and the parties' stances.
type Item struct {
	ID         string             `json:"id"`
	Title      string             `json:"title"`
	Titles     map[string]string  `json:"titles,omitempty"` // in official languages, by tag
	Kind       string             `json:"kind"`
	Rule       *parley.Rule       `json:"rule,omitempty"`
	Versions   []*Version         `json:"versions"`
	Amendments []*Amendment       `json:"amendments"`
	Stances    map[string]*Stance `json:"stances"` // current, by party
	History    []*Stance          `json:"history"` // every stance in log order
	Added      int64              `json:"added"`   // log index
}

// Latest returns the item's latest version, or nil before the first.
func (it *Item) Latest() *Version {
	if len(it.Versions) == 0 {
		return nil
	}
	return it.Versions[len(it.Versions)-1]
}

// Amendment returns the amendment of a party with the given id, or nil:
// two parties may choose one id, each unaware of the other's.
func (it *Item) Amendment(party, id string) *Amendment {
	for _, a := range it.Amendments {
		if a.ID == id && a.Party == party {
			return a
		}
	}
	return nil
}

// A Version is one tabled text of an item.
type Version struct {
	N int `json:"n"`
	// Paragraphs is the text; in talks with official languages, the text
	// in the first of them that the version has.
	Paragraphs []string `json:"paragraphs"`
	// Texts, in talks with official languages, holds the text in each
	// language tabled so far, and TextAt the log index of the event that
	// tabled it; Flags the divergences flagged between them.
	Texts      map[string][]string `json:"texts,omitempty"`
	TextAt     map[string]int64    `json:"text_at,omitempty"`
	Flags      []*Divergence       `json:"flags,omitempty"`
	Amendments []string            `json:"amendments,omitempty"`
	Note       string              `json:"note,omitempty"`
	Plan       bool                `json:"plan,omitempty"` // a measure's plan of steps (measure.plan), without text: package measures holds it
	By         string              `json:"by"`
	At         time.Time           `json:"at"`
	Index      int64               `json:"index"`
}

// A RuleChange is a decision rule set for the talks (Item "") or one item.
type RuleChange struct {
	Item  string      `json:"item,omitempty"`
	Rule  parley.Rule `json:"rule"`
	Index int64       `json:"index"`
}

// A PackageChange makes items a package, or dissolves it (no items).
type PackageChange struct {
	Package string   `json:"package"`
	Items   []string `json:"items"`
	Index   int64    `json:"index"`
}

// Item returns the item with the given id, or nil.
func (t *Talks) Item(id string) *Item { return t.items[id] }

func init() {
	on(parley.KindAddItem, (*Talks).addItem)
	on(parley.KindSetPackage, (*Talks).setPackage)
	on(parley.KindSetRule, (*Talks).setRule)
	on(parley.KindTableVersion, (*Talks).tableVersion)
}

func (t *Talks) addItem(c act, p *parley.AddItem) (func(), error) {
	if err := checkID("item", p.Item); err != nil {
		return nil, err
	}
	if t.items[p.Item] != nil {
		return nil, parley.Errorf(parley.ECONFLICT, "item %q is already on the agenda", p.Item)
	}
	if err := checkName("title", p.Title); err != nil {
		return nil, err
	}
	if err := checkTitles(p.Titles, t.Languages); err != nil {
		return nil, err
	}
	if p.Kind != parley.ItemDocument && p.Kind != parley.ItemMeasure {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"kind\": %q is not document or measure", p.Kind)
	}
	if p.Rule != nil {
		if err := p.Rule.Check(); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"rule\": %v", err)
		}
	}
	return func() {
		it := &Item{ID: p.Item, Title: p.Title, Titles: p.Titles, Kind: p.Kind, Rule: p.Rule, Stances: map[string]*Stance{}, Added: c.index}
		t.Items = append(t.Items, it)
		t.items[it.ID] = it
		if p.Rule != nil {
			t.RuleChanges = append(t.RuleChanges, &RuleChange{Item: p.Item, Rule: *p.Rule, Index: c.index})
		}
	}, nil
}

func (t *Talks) setPackage(c act, p *parley.SetPackage) (func(), error) {
	if err := checkID("package", p.Package); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, id := range p.Items {
		if t.items[id] == nil {
			return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"items[%d]\": no item %q", i, id)
		}
		if seen[id] {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"items[%d]\": item %q is listed twice", i, id)
		}
		seen[id] = true
		if other := t.packageOf[id]; other != "" && other != p.Package {
			return nil, parley.Errorf(parley.ECONFLICT, "item %q is already in package %q; an item belongs to one package at most", id, other)
		}
	}
	if len(p.Items) == 0 && t.Packages[p.Package] == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "there is no package %q to dissolve", p.Package)
	}
	return func() {
		t.PackageChanges = append(t.PackageChanges, &PackageChange{Package: p.Package, Items: slices.Clone(p.Items), Index: c.index})
		for _, id := range t.Packages[p.Package] {
			delete(t.packageOf, id)
		}
		if len(p.Items) == 0 {
			delete(t.Packages, p.Package)
			return
		}
		t.Packages[p.Package] = slices.Clone(p.Items)
		for _, id := range p.Items {
			t.packageOf[id] = p.Package
		}
	}, nil
}

func (t *Talks) setRule(c act, p *parley.SetRule) (func(), error) {
	if err := p.Rule.Check(); err != nil {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"rule\": %v", err)
	}
	change := &RuleChange{Item: p.Item, Rule: p.Rule, Index: c.index}
	if p.Item == "" {
		return func() { t.Rule = p.Rule; t.RuleChanges = append(t.RuleChanges, change) }, nil
	}
	it := t.items[p.Item]
	if it == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q", p.Item)
	}
	return func() { r := p.Rule; it.Rule = &r; t.RuleChanges = append(t.RuleChanges, change) }, nil
}

func (t *Talks) tableVersion(c act, p *parley.TableVersion) (func(), error) {
	it := t.items[p.Item]
	if it == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q; add it to the agenda first", p.Item)
	}
	if want := len(it.Versions) + 1; p.Version != want {
		return nil, parley.Errorf(parley.ECONFLICT, "payload field \"version\": the next version of %q is %d, not %d", it.ID, want, p.Version)
	}
	paragraphs, texts, err := t.versionTexts(p)
	if err != nil {
		return nil, err
	}
	for i, a := range p.Amendments {
		var parties []string
		for _, x := range it.Amendments {
			if x.ID == a {
				parties = append(parties, x.Party)
			}
		}
		switch {
		case len(parties) == 0:
			return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"amendments[%d]\": no amendment %q to %q", i, a, it.ID)
		case len(parties) > 1:
			// Two parties chose one id, each unaware of the other's.
			return nil, parley.Errorf(parley.ECONFLICT, "payload field \"amendments[%d]\": %q names amendments to %q of %s; ask one of them to propose its amendment again under another id", i, a, it.ID, strings.Join(parties, ", "))
		}
	}
	if err := checkText("note", p.Note, false); err != nil {
		return nil, err
	}
	return func() {
		v := &Version{N: p.Version, Paragraphs: paragraphs, Amendments: p.Amendments, Note: p.Note, By: c.by, At: c.at, Index: c.index}
		if texts != nil {
			v.Texts, v.TextAt = texts, map[string]int64{}
			for lang := range texts {
				v.TextAt[lang] = c.index
			}
		}
		it.Versions = append(it.Versions, v)
	}, nil
}

// version returns an item and one of its versions, as the viewer v sees
// them: an item or version v may not see is answered exactly as one that
// does not exist, so that a refused act tells nothing hidden.
func (t *Talks) version(v Viewer, item string, n int) (*Item, *Version, error) {
	it := t.items[item]
	if it == nil || !t.VisibleAt(v, it.Added) {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q", item)
	}
	var seen []*Version
	for _, ver := range it.Versions {
		if t.VisibleAt(v, ver.Index) {
			seen = append(seen, ver)
		}
	}
	for _, ver := range seen {
		if ver.N == n {
			return it, ver, nil
		}
	}
	switch len(seen) {
	case 0:
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "payload field \"version\": item %q has no version yet; a mediator tables one first", item)
	case 1:
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "payload field \"version\": item %q has version %d only, not %d", item, seen[0].N, n)
	}
	nums := make([]string, len(seen))
	for i, ver := range seen {
		nums[i] = strconv.Itoa(ver.N)
	}
	return nil, nil, parley.Errorf(parley.ENOTFOUND, "payload field \"version\": item %q has versions %s, not %d", item, strings.Join(nums, ", "), n)
}

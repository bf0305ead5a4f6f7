package state

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// A Viewer is who is looking at a talks: the public (nil Actor) or an actor
// on its roster.
type Viewer struct {
	Actor *Actor
}

// Public is the viewer without a key.
var Public = Viewer{}

// ViewerOf returns the viewer holding key, or the public viewer if the key
// is not on the roster or was revoked.
func (t *Talks) ViewerOf(key string) Viewer {
	a := t.Roster.Actors[key]
	if a == nil || a.Revoked {
		return Public
	}
	return Viewer{Actor: a}
}

// Chair reports whether the viewer is the convener or a mediator.
func (v Viewer) Chair() bool {
	return v.Actor != nil && (v.Actor.Role == parley.RoleConvener || v.Actor.Role == parley.RoleMediator)
}

// Name describes the viewer for messages.
func (v Viewer) Name() parley.Phrase {
	if v.Actor == nil {
		return parley.Key("the public")
	}
	return parley.Key("%s (%s)", v.Actor.Name, describe(v.Actor))
}

// VisibilityOf returns the visibility of an event in this talks: its own
// "vis", else the talks' default; roster events and witnessing are always
// public (the table of kinds). A caucus message is seen by its party and
// the mediators, and so is a release by default. In proximity talks a
// party's stances and amendments are seen only by that party and the
// mediators.
func (t *Talks) VisibilityOf(e *parley.Event) string {
	if parley.AlwaysPublic(e.Kind) {
		return parley.VisPublic
	}
	party := ""
	if pa, ok := e.Act.(parley.PartyAct); ok {
		party = pa.ActParty()
	}
	if e.Kind == parley.KindCaucus || (e.Kind == parley.KindRelease && e.Vis == "") {
		return parley.VisParty(party)
	}
	if e.Kind == parley.KindRewrap {
		return t.rewrapVisibility(e)
	}
	if e.Kind == parley.KindGivePreferences {
		return parley.VisParty(party)
	}
	if p, ok := e.Act.(*parley.DefineIssues); ok {
		if it := t.items[p.Item]; it != nil && it.Added < int64(len(t.vis)) {
			return t.vis[it.Added] // seen as its item is
		}
	}
	if e.Vis != "" {
		return e.Vis
	}
	if e.Kind == parley.KindStatement {
		return parley.VisPublic // a public statement, unless narrowed
	}
	if t.Proximity && party != "" && (e.Kind == parley.KindSetStance || e.Kind == parley.KindProposeAmendment) {
		return parley.VisParty(party)
	}
	if t.Visibility == "" {
		return parley.VisParticipants
	}
	return t.Visibility
}

// Sees reports whether the viewer may see an event of the given visibility.
func (v Viewer) Sees(vis string) bool {
	switch {
	case vis == parley.VisPublic:
		return true
	case v.Actor == nil:
		return false
	case v.Chair():
		return true
	case vis == parley.VisParticipants:
		return true
	}
	p, ok := parley.PartyOfVis(vis)
	return ok && v.Actor.Party == p
}

// Visible reports whether the viewer may see event e of this talks.
func (t *Talks) Visible(v Viewer, e *parley.Event) bool { return v.Sees(t.VisibilityOf(e)) }

// VisibilityAt returns the visibility of the event at a log index, or "" if
// there is none.
func (t *Talks) VisibilityAt(index int64) string {
	if index < 0 || index >= int64(len(t.vis)) {
		return ""
	}
	return t.vis[index]
}

// Narrowed reports whether an event that can change what is agreed was
// shown to a party's actors but not to every participant: its own stance
// in proximity talks, an event narrowed to it, or one released to it.
func (t *Talks) Narrowed(party string) bool { return t.narrowed[party] }

func init() {
	on(parley.KindRelease, (*Talks).release)
}

// release checks a mediator's release of an event to a party, which then
// sees it: in proximity talks, how the mediator carries a position across
// rooms.
func (t *Talks) release(c act, p *parley.Release) (func(), error) {
	if err := t.checkParty(p.Party); err != nil {
		return nil, err
	}
	if p.Index < 0 || p.Index >= t.Size {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"index\": the log has events 0 to %d", t.Size-1)
	}
	if slices.Contains(t.Releases[p.Index], p.Party) {
		return nil, parley.Errorf(parley.ECONFLICT, "event %d is already released to %q", p.Index, p.Party)
	}
	if err := checkText("note", p.Note, false); err != nil {
		return nil, err
	}
	return func() {
		t.Releases[p.Index] = append(t.Releases[p.Index], p.Party)
		if _, narrow := parley.PartyOfVis(t.vis[p.Index]); narrow || t.vis[p.Index] == parley.VisMediators {
			t.narrowed[p.Party] = true // conservatively: it may be agreement-relevant
		}
	}, nil
}

// Visibilities returns the visibility of every event, by log index. The
// slice is shared: the visibility of an event never changes once it is
// applied, and the caller must not change it.
func (t *Talks) Visibilities() []string { return t.vis[:t.Size:t.Size] }

// VisibleAt reports whether the viewer may see the event at a log index of
// this talks: by its visibility, or because a mediator released it to the
// viewer's party.
func (t *Talks) VisibleAt(v Viewer, index int64) bool {
	if index < 0 || index >= int64(len(t.vis)) {
		return false
	}
	if v.Sees(t.vis[index]) {
		return true
	}
	return v.Actor != nil && v.Actor.Party != "" && slices.Contains(t.Releases[index], v.Actor.Party)
}

// Seen is what one viewer sees of a talks, as state.Talks.Seen builds it:
// each thing that events made (a round's opening and closing, an answer to
// an invitation, a version, a stance, a rule, a package) counts only if
// its event is visible; where several events made it, the latest visible
// one decides. It is how a view of the talks and the agreement it shows
// are computed from what the viewer may see, and nothing else.
type Seen struct {
	t       *Talks
	visible func(int64) bool
}

// Seen returns what a viewer for whom visible(i) reports whether the event
// at log index i is visible sees of the talks. visible nil sees every
// event.
func (t *Talks) Seen(visible func(int64) bool) Seen { return Seen{t: t, visible: visible} }

// Talks returns the talks seen.
func (s Seen) Talks() *Talks { return s.t }

// Visible reports whether the event at a log index is visible.
func (s Seen) Visible(i int64) bool { return s.visible == nil || s.visible(i) }

// Round is a round as the viewer sees it: its status and times, and its
// closing note, from the events the viewer may see. ok is false when the
// viewer may not see the round at all.
func (s Seen) Round(r *Round) (status string, opened, closed time.Time, note string, ok bool) {
	if !s.Visible(r.Planned) {
		return "", time.Time{}, time.Time{}, "", false
	}
	status = RoundPlanned
	if r.OpenedAt > 0 && s.Visible(r.OpenedAt) {
		status, opened = RoundOpen, r.Opened
	}
	switch {
	case r.ClosedAt > 0 && s.Visible(r.ClosedAt):
		status, closed, note = RoundClosed, r.Closed, r.Note
	case r.ClosedAt > 0 && status == RoundOpen && s.openedAfter(r.ClosedAt):
		// Rounds never overlap: a round the viewer sees opened after
		// this one closed says that it closed, though not when or with
		// what note.
		status = RoundClosed
	}
	return status, opened, closed, note, true
}

// openedAfter reports whether the viewer sees a round opened after the
// event at a log index.
func (s Seen) openedAfter(index int64) bool {
	for _, o := range s.t.Rounds {
		if o.OpenedAt > index && s.Visible(o.OpenedAt) {
			return true
		}
	}
	return false
}

// Invitation returns the latest event about an invitation that the viewer
// may see, or false when it may not see the invitation itself.
func (s Seen) Invitation(inv *Invitation) (InvitationEvent, bool) {
	var last InvitationEvent
	ok := false
	for _, h := range inv.History {
		if s.Visible(h.Index) {
			last, ok = h, true
		}
	}
	if len(inv.History) > 0 && !s.Visible(inv.History[0].Index) {
		return InvitationEvent{}, false
	}
	return last, ok
}

// CurrentRound returns the round the viewer sees open, else the one it
// saw close last, else nil.
func (s Seen) CurrentRound() *Round {
	var cur *Round
	var curOpened time.Time
	for _, r := range s.t.Rounds {
		status, opened, _, _, ok := s.Round(r)
		switch {
		case !ok:
		case status == RoundOpen:
			return r
		case status == RoundClosed && (cur == nil || opened.After(curOpened)):
			cur, curOpened = r, opened
		}
	}
	return cur
}

// Participants returns the parties the viewer sees at the current round's
// table: invited and not declined. Before any round, every party.
func (s Seen) Participants() []string {
	r := s.CurrentRound()
	if r == nil {
		return slices.Clone(s.t.PartyOrder)
	}
	var ps []string
	for _, inv := range r.Invitations {
		if ev, ok := s.Invitation(inv); ok && ev.Status != Declined {
			ps = append(ps, inv.Party)
		}
	}
	return ps
}

// Item reports whether the viewer may see an item.
func (s Seen) Item(it *Item) bool { return it != nil && s.Visible(it.Added) }

// Latest returns the latest version of an item the viewer may see, or nil.
func (s Seen) Latest(it *Item) *Version {
	for k := len(it.Versions) - 1; k >= 0; k-- {
		if s.Visible(it.Versions[k].Index) {
			return it.Versions[k]
		}
	}
	return nil
}

// Stance returns a party's latest stance on an item that the viewer may
// see, or nil.
func (s Seen) Stance(it *Item, party string) *Stance {
	if x := it.Stances[party]; x == nil || s.Visible(x.Index) {
		return x
	}
	for k := len(it.History) - 1; k >= 0; k-- {
		if x := it.History[k]; x.Party == party && s.Visible(x.Index) {
			return x
		}
	}
	return nil
}

// Langs returns the official languages of a version the viewer may see
// the text of.
func (s Seen) Langs(v *Version) []string {
	var out []string
	for _, l := range v.Langs(s.t.Languages) {
		if s.Visible(v.TextAt[l]) {
			out = append(out, l)
		}
	}
	return out
}

// OpenFlags returns the divergence flags of a version the viewer sees
// raised and not withdrawn.
func (s Seen) OpenFlags(v *Version) []*Divergence {
	var out []*Divergence
	for _, f := range v.Flags {
		if s.Visible(f.Index) && (f.Withdrawn == 0 || !s.Visible(f.Withdrawn)) {
			out = append(out, f)
		}
	}
	return out
}

// languageHolds returns the holds of an item whose latest version, as the
// viewer sees it, lacks official languages or has open divergences.
func (s Seen) languageHolds(item string, v *Version) []agreement.Hold {
	if len(s.t.Languages) == 0 || v.Plan {
		return nil // a plan of steps has no text to write in each language
	}
	var out []agreement.Hold
	have := s.Langs(v)
	var missing []string
	for _, l := range s.t.Languages {
		if !slices.Contains(have, l) {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		out = append(out, agreement.Hold{Item: item, Kind: agreement.HoldIncompleteVersion, Count: len(missing),
			Detail: "version " + strconv.Itoa(v.N) + " has no text in " + strings.Join(missing, ", ")})
	}
	if flags := s.OpenFlags(v); len(flags) > 0 {
		var ids []string
		for _, f := range flags {
			ids = append(ids, f.ID+" ("+f.Party+", paragraph "+strconv.Itoa(f.Paragraph)+", "+f.Langs[0]+"/"+f.Langs[1]+")")
		}
		detail := "version " + strconv.Itoa(v.N) + ": " + strings.Join(ids, "; ")
		if len(detail) > agreement.MaxHoldDetail {
			// Many flags: as many as fit, then an ellipsis; Count says how many.
			detail = detail[:strings.LastIndex(detail[:agreement.MaxHoldDetail-5], "; ")] + "; …"
		}
		out = append(out, agreement.Hold{Item: item, Kind: agreement.HoldOpenDivergence, Count: len(flags), Detail: detail})
	}
	return out
}

// covers reports whether a stance taken on the languages had covers the
// languages want: every text of the version, as its signer saw it, is
// every text the viewer sees now.
func covers(had, want []string) bool {
	for _, l := range want {
		if !slices.Contains(had, l) {
			return false
		}
	}
	return true
}

// Rule returns the decision rule of the talks (item "") or of an item as
// the viewer sees it, and whether it is the item's own rule.
func (s Seen) Rule(it *Item) (parley.Rule, bool) {
	var talks, own *parley.Rule
	for _, c := range s.t.RuleChanges {
		if !s.Visible(c.Index) {
			continue
		}
		switch {
		case c.Item == "":
			talks = &c.Rule
		case it != nil && c.Item == it.ID:
			own = &c.Rule
		}
	}
	if own != nil {
		return *own, true
	}
	if talks != nil {
		return *talks, false
	}
	return s.t.Rule, false // not reached: the founding's rule is public
}

// Packages returns the packages the viewer sees, each with the items of
// it that the viewer may see; a package none of whose items it may see is
// left out.
func (s Seen) Packages() map[string][]string {
	latest := map[string][]string{}
	var names []string
	for _, c := range s.t.PackageChanges {
		if !s.Visible(c.Index) {
			continue
		}
		if _, ok := latest[c.Package]; !ok {
			names = append(names, c.Package)
		}
		latest[c.Package] = c.Items
	}
	out := map[string][]string{}
	for _, n := range names {
		var ids []string
		for _, id := range latest[n] {
			if s.Item(s.t.items[id]) {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			out[n] = ids
		}
	}
	return out
}

// Facts returns the confirmed facts the viewer may see, sorted.
func (s Seen) Facts() []string {
	var out []string
	for f, x := range s.t.Facts {
		if s.Visible(x.Index) || slices.ContainsFunc(x.Later, func(g *Fact) bool { return s.Visible(g.Index) }) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// Instance returns the agreement instance of the talks as the viewer sees
// it: the parties it sees at the table, the items it may see with their
// rules, each participating party's latest visible stance on the latest
// visible version of each item, the packages and facts it sees. With
// every event visible it is Talks.Instance.
func (s Seen) Instance() *agreement.Instance {
	inst := &agreement.Instance{Parties: s.Participants()}
	inst.Rule, _ = s.Rule(nil)
	at := make(map[string]bool, len(inst.Parties))
	for _, p := range inst.Parties {
		at[p] = true
	}
	for _, it := range s.t.Items {
		if !s.Item(it) {
			continue
		}
		inst.Items = append(inst.Items, it.ID)
		if r, own := s.Rule(it); own {
			if inst.ItemRules == nil {
				inst.ItemRules = map[string]parley.Rule{}
			}
			inst.ItemRules[it.ID] = r
		}
		latest := s.Latest(it)
		if latest == nil {
			continue
		}
		if h, ok := bracketHold(it.ID, latest); ok {
			inst.Holds = append(inst.Holds, h)
		}
		inst.Holds = append(inst.Holds, s.languageHolds(it.ID, latest)...)
		langs := s.Langs(latest)
		for _, p := range s.t.PartyOrder {
			if !at[p] {
				continue
			}
			if x := s.Stance(it, p); x != nil && x.Version == latest.N && covers(x.Langs, langs) {
				inst.Positions = append(inst.Positions, agreement.Position{Party: p, Item: it.ID, Stance: x.Stance, Condition: x.Condition})
			}
		}
	}
	pk := s.Packages()
	names := make([]string, 0, len(pk))
	for n := range pk {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		inst.Packages = append(inst.Packages, slices.Clone(pk[n]))
	}
	inst.Facts = s.Facts()
	inst.Done = s.Done()
	return inst
}

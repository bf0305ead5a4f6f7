// Package view is what one viewer may see of a talks. Every route of the
// API, every page, briefing, export, stream message, explanation and
// unlock analysis reads a talks through a Talks of this package, built for
// its viewer, and nothing else: a handler cannot forget to filter, because
// what it holds is already filtered.
//
// A view holds a thing only if the viewer may see the event that recorded
// it (state.Talks.VisibleAt: the event's visibility, or a mediator's
// release to the viewer's party). Where several events made a thing (a
// round opened and closed, an invitation answered, a party's stance
// changed, a rule or a package set again), the latest event the viewer may
// see decides. The agreement a view shows is computed from what it holds
// (state.Seen.Instance), so that it never rests on a stance, an item or a
// package the viewer may not see.
package view

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/state"
)

// Talks is one viewer's view of a talks at one point of its log, copied out
// of the state under the talks' lock so that it can be read without it.
type Talks struct {
	ID, Title, Description string
	Visibility             string
	Proximity              bool
	Rule                   parley.Rule // the talks' rule as the viewer sees it
	Founded                time.Time
	Languages              []string // the official languages, if any
	// Titles is the title in official languages, by tag; Localize puts
	// the reader's in Title.
	Titles     map[string]string
	Origin     string
	Size       int64 // events in this view
	LogSize    int64 // events in the log now
	At         int64 // the last index of a view of the past, or -1
	Checkpoint parley.Checkpoint

	Viewer      state.Viewer // its Actor is a copy
	SeesDefault bool         // the viewer may see events of the talks' default visibility

	Parties    []Party
	Actors     []state.Actor // the roster, which is public
	Rounds     []Round
	Items      []*Item
	Packages   map[string][]string
	Statements []*state.Statement
	Caucus     []*state.CaucusMessage
	Rewraps    []*state.Rewrapped // content keys of sealed payloads wrapped again for later recipients
	Facts      []string
	Cosigned   []*state.Cosignature // public
	Forks      []int64              // public

	// Preferences holds, by item, the issues defined and the sealed
	// preferences over packages the viewer may see (preferences.go).
	Preferences map[string]*Preferences

	// Inst is the agreement instance as the viewer sees it; nil in a view
	// loaded by LoadRecord.
	Inst *agreement.Instance
	// Measures is the record of measures carried out as the viewer sees
	// it, as of the view's mark (measures.go); nil when there is none,
	// when the viewer may not see it, and in a view loaded by LoadRecord.
	Measures *Measures
	// Hidden counts the events of the view's log that the viewer may not
	// see. Anyone can count them: the log shows their leaf hashes.
	Hidden int64

	vis        []string       // visibility of each event, by log index (shared with the state: never changed)
	released   map[int64]bool // events released to the viewer's party
	bits       []bool         // in a view of the past: the events the viewer may see now
	partyNames map[string]string
	actors     map[string]*state.Actor
	items      map[string]*Item
}

// A Party is a party of the talks, and whether the viewer sees it at the
// current round's table.
type Party struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Participant bool   `json:"participant"`
}

// A Round is a round as the viewer sees it. Its JSON is the API's.
type Round struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Starts      string       `json:"starts"`
	Ends        string       `json:"ends"`
	Venue       string       `json:"venue"`
	Status      string       `json:"status"`
	Planned     int64        `json:"planned"`
	Opened      time.Time    `json:"opened,omitzero"`
	Closed      time.Time    `json:"closed,omitzero"`
	Note        string       `json:"note,omitempty"`
	Invitations []Invitation `json:"invitations"`
	Sandbox     bool         `json:"sandbox,omitempty"` // a round for practice (parley.PlanRound)
	// OpenedAt and ClosedAt are the log indexes of the events that opened
	// and closed the round, -1 when the viewer does not see them.
	OpenedAt int64 `json:"-"`
	ClosedAt int64 `json:"-"`
}

// An Invitation is a party's invitation to a round and the latest answer
// the viewer may see. Its JSON is the API's.
type Invitation struct {
	Party     string    `json:"party"`
	PartyName string    `json:"-"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	Answered  time.Time `json:"answered,omitzero"`
	Index     int64     `json:"index"` // of the latest event about it that the viewer may see
}

// An Item is an item as the viewer may see it.
type Item struct {
	ID, Title, Kind string
	Titles          map[string]string // in official languages, by tag
	Rule            parley.Rule       // the rule that applies to it
	OwnRule         bool              // the rule is the item's own
	Package         string
	Added           int64
	Versions        []*state.Version
	Amendments      []*state.Amendment
	Stances         map[string]*state.Stance // the latest the viewer may see, by party
	History         []*state.Stance
	LatestN         int // the number of the latest version the viewer may see, 0 before the first
}

// Localize gives the talks and its items their titles in the language
// lang (a BCP 47 tag, such as "ar"), where they have one: the pages,
// briefings and pictures for a reader of that language show those. A
// view is its reader's own copy, so this changes nothing else.
func (t *Talks) Localize(lang string) {
	if s := titleIn(t.Titles, lang); s != "" {
		t.Title = s
	}
	for _, it := range t.Items {
		if s := titleIn(it.Titles, lang); s != "" {
			it.Title = s
		}
	}
}

// titleIn returns the title in lang, or in a regional form of it ("ar"
// finds "ar-SY"), or "".
func titleIn(titles map[string]string, lang string) string {
	if s := titles[lang]; s != "" || lang == "" {
		return s
	}
	for _, k := range slices.Sorted(maps.Keys(titles)) {
		if strings.HasPrefix(k, lang+"-") {
			return titles[k]
		}
	}
	return ""
}

// Latest returns the latest version the viewer may see, or nil.
func (it *Item) Latest() *state.Version {
	if len(it.Versions) == 0 {
		return nil
	}
	return it.Versions[len(it.Versions)-1]
}

// Version returns the version numbered n, if the viewer may see it.
func (it *Item) Version(n int) *state.Version {
	for _, v := range it.Versions {
		if v.N == n {
			return v
		}
	}
	return nil
}

// Amendment returns the amendment with the given id, if the viewer may see
// it.
func (it *Item) Amendment(id string) *state.Amendment {
	for _, a := range it.Amendments {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// New returns what viewer v may see of st now. origin and cp are the log's
// origin and latest checkpoint. Call it under the talks' lock.
func New(st *state.Talks, v state.Viewer, origin string, cp parley.Checkpoint) *Talks {
	return build(st, v, origin, cp, st.Size, nil, true)
}

// build copies what viewer v may see of st, and computes the agreement
// instance it sees if inst is set. bits, when not nil, says which events
// the viewer may see (a view of the past, with the viewer's visibility of
// now); otherwise st decides.
func build(st *state.Talks, v state.Viewer, origin string, cp parley.Checkpoint, logSize int64, bits []bool, inst bool) *Talks {
	t := &Talks{
		ID: st.ID, Title: st.Title, Description: st.Description, Visibility: st.Visibility,
		Proximity: st.Proximity, Founded: st.Founded, Languages: st.Languages, Titles: st.Titles, Origin: origin,
		Size: st.Size, LogSize: logSize, At: -1, Checkpoint: cp,
		Packages:   map[string][]string{},
		partyNames: map[string]string{}, actors: map[string]*state.Actor{}, items: map[string]*Item{},
		released: map[int64]bool{},
	}
	if v.Actor != nil {
		a := *v.Actor
		t.Viewer = state.Viewer{Actor: &a}
	}
	t.vis = st.Visibilities()
	var visible func(int64) bool
	if bits != nil {
		visible = func(i int64) bool { return i >= 0 && i < int64(len(bits)) && bits[i] }
	} else {
		if p := t.party(); p != "" {
			for i, parties := range st.Releases {
				for _, q := range parties {
					if q == p {
						t.released[i] = true
					}
				}
			}
		}
		visible = t.Visible
	}
	seen := st.Seen(visible)
	t.SeesDefault = t.Viewer.Sees(st.Visibility)
	t.Rule, _ = seen.Rule(nil)
	for i := int64(0); i < st.Size; i++ {
		if !visible(i) {
			t.Hidden++
		}
	}
	at := map[string]bool{}
	for _, p := range seen.Participants() {
		at[p] = true
	}
	for _, p := range st.PartyOrder {
		name := st.Roster.Parties[p]
		t.partyNames[p] = name
		t.Parties = append(t.Parties, Party{ID: p, Name: name, Participant: at[p]})
	}
	for _, a := range st.Roster.Actors {
		t.Actors = append(t.Actors, *a)
	}
	sort.Slice(t.Actors, func(i, j int) bool { return t.Actors[i].Since < t.Actors[j].Since })
	for i := range t.Actors {
		t.actors[t.Actors[i].Key] = &t.Actors[i]
	}
	for _, r := range st.Rounds {
		status, opened, closed, note, ok := seen.Round(r)
		if !ok {
			continue
		}
		rv := Round{ID: r.ID, Title: r.Title, Starts: r.Starts, Ends: r.Ends, Venue: r.Venue, Status: status, Planned: r.Planned,
			Opened: opened, Closed: closed, Note: note, Invitations: []Invitation{}, OpenedAt: -1, ClosedAt: -1, Sandbox: r.Sandbox}
		if !opened.IsZero() {
			rv.OpenedAt = r.OpenedAt
		}
		if status == state.RoundClosed {
			rv.ClosedAt = r.ClosedAt
		}
		for _, inv := range r.Invitations {
			ev, ok := seen.Invitation(inv)
			if !ok {
				continue
			}
			rv.Invitations = append(rv.Invitations, Invitation{Party: inv.Party, PartyName: t.partyNames[inv.Party],
				Status: ev.Status, Reason: ev.Reason, Answered: answered(ev), Index: ev.Index})
		}
		t.Rounds = append(t.Rounds, rv)
	}
	t.Packages = seen.Packages()
	pkgOf := map[string]string{}
	for name, ids := range t.Packages {
		for _, id := range ids {
			pkgOf[id] = name
		}
	}
	for _, it := range st.Items {
		if !seen.Item(it) {
			continue
		}
		iv := &Item{ID: it.ID, Title: it.Title, Titles: it.Titles, Kind: it.Kind, Added: it.Added, Package: pkgOf[it.ID], Stances: make(map[string]*state.Stance, len(it.Stances))}
		iv.Rule, iv.OwnRule = seen.Rule(it)
		for _, ver := range it.Versions {
			if visible(ver.Index) {
				iv.Versions = append(iv.Versions, seenVersion(seen, st.Languages, ver))
			}
		}
		if l := iv.Latest(); l != nil {
			iv.LatestN = l.N
		}
		for _, a := range it.Amendments {
			if visible(a.Index) {
				iv.Amendments = append(iv.Amendments, a)
			}
		}
		for p := range it.Stances {
			if x := seen.Stance(it, p); x != nil {
				iv.Stances[p] = x
			}
		}
		iv.History = make([]*state.Stance, 0, len(it.History))
		for _, x := range it.History {
			if visible(x.Index) {
				iv.History = append(iv.History, x)
			}
		}
		t.Items = append(t.Items, iv)
		t.items[iv.ID] = iv
	}
	for _, m := range st.Statements {
		if visible(m.Index) {
			t.Statements = append(t.Statements, m)
		}
	}
	for _, m := range st.Caucus {
		if visible(m.Index) {
			t.Caucus = append(t.Caucus, m)
		}
	}
	for _, r := range st.Rewraps {
		if visible(r.Index) {
			t.Rewraps = append(t.Rewraps, r)
		}
	}
	t.Facts = seen.Facts()
	t.Preferences = preferencesOf(st, seen, t.Viewer)
	t.Cosigned = st.Cosigned
	t.Forks = st.Forks
	if inst {
		t.Inst = seen.Instance()
		t.Measures = measuresOf(st, seen, measureMark(st, bits != nil))
	}
	if bits != nil {
		t.released = nil
		t.bits = bits
	}
	return t
}

// answered is when an invitation was answered: never, while it is only an
// invitation.
func answered(ev state.InvitationEvent) time.Time {
	if ev.Status == state.Invited {
		return time.Time{}
	}
	return ev.At
}

// Past returns what viewer v sees of past, the state of a talks after the
// first events of its log: visible(i) says whether the viewer may see the
// event at log index i (as it may now), logSize is the log's size now.
func Past(past *state.Talks, v state.Viewer, visible func(int64) bool, origin string, cp parley.Checkpoint, logSize int64) *Talks {
	bits := make([]bool, past.Size)
	for i := range bits {
		bits[i] = visible(int64(i))
	}
	t := build(past, v, origin, cp, logSize, bits, true)
	if past.Size < logSize {
		t.At = past.Size - 1
	}
	return t
}

// Load returns the view of the talks id for the actor holding key ("" for
// the public): of now, or, when at ≥ 0, of the log's first at+1 events (a
// view of the past, with the events the viewer may see now).
func Load(ctx context.Context, l *ledger.Ledger, id, key string, at int64) (*Talks, error) {
	return load(ctx, l, id, key, at, true)
}

// LoadRecord is Load without the agreement: the view's Inst is nil. The
// routes that show the record and not what is agreed read it, and are
// spared the instance, which in a large talks is most of a view's cost (a
// stance for every party on every item, each the latest the viewer may
// see).
func LoadRecord(ctx context.Context, l *ledger.Ledger, id, key string, at int64) (*Talks, error) {
	return load(ctx, l, id, key, at, false)
}

// load is Load, with the agreement instance if inst is set.
func load(ctx context.Context, l *ledger.Ledger, id, key string, at int64, inst bool) (*Talks, error) {
	if !parley.ValidTalksID(id) {
		return nil, parley.Errorf(parley.ENOTFOUND, "%q is not the id of a talks", id)
	}
	origin := l.Origin(id)
	var t *Talks
	var bits []bool
	var v state.Viewer
	var cp parley.Checkpoint
	var size int64
	err := l.View(ctx, id, func(st *state.Talks, c parley.Checkpoint) error {
		v, cp, size = st.ViewerOf(key), c, st.Size
		if at < -1 || at >= st.Size {
			return parley.Errorf(parley.EINVALID, "at=%d is not a log index of talks %q: give one from 0 to %d", at, id, st.Size-1)
		}
		if at < 0 || at == st.Size-1 {
			t = build(st, v, origin, cp, st.Size, nil, inst)
			if at >= 0 && t.Measures != nil {
				// As of the event asked for, at its time, not now.
				t.Measures = measuresOf(st, st.Seen(t.Visible), measureMark(st, true))
			}
			return nil
		}
		bits = make([]bool, at+1)
		for i := range bits {
			bits[i] = st.VisibleAt(v, int64(i))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t, nil
	}
	past, err := pastState(ctx, l, id, at)
	if err != nil {
		return nil, err
	}
	t = build(past, v, origin, cp, size, bits, inst)
	t.At = at
	return t, nil
}

// pageSize is how many events a replay reads from the store at once.
const pageSize = 5000

// party returns the party the viewer belongs to, or "".
func (t *Talks) party() string {
	if t.Viewer.Actor == nil {
		return ""
	}
	return t.Viewer.Actor.Party
}

// Visible reports whether the viewer may see the event at a log index of
// the view.
func (t *Talks) Visible(i int64) bool {
	if i < 0 || i >= int64(len(t.vis)) {
		return false
	}
	if t.bits != nil {
		return i < int64(len(t.bits)) && t.bits[i]
	}
	return t.Viewer.Sees(t.vis[i]) || t.released[i]
}

// VisibilityOf returns the visibility of the event at a log index if the
// viewer may see the event, else "".
func (t *Talks) VisibilityOf(i int64) string {
	if !t.Visible(i) {
		return ""
	}
	return t.vis[i]
}

// Item returns the item with the given id if the viewer may see it.
func (t *Talks) Item(id string) *Item { return t.items[id] }

// PartyName returns the name of a party, or its id.
func (t *Talks) PartyName(id string) string {
	if n := t.partyNames[id]; n != "" {
		return n
	}
	return id
}

// HasParty reports whether id is a party of the talks.
func (t *Talks) HasParty(id string) bool {
	_, ok := t.partyNames[id]
	return ok
}

// Actor returns the roster entry of a key, or nil.
func (t *Talks) Actor(key string) *state.Actor { return t.actors[key] }

// Participants returns the ids of the parties the viewer sees at the
// current round's table.
func (t *Talks) Participants() []string {
	var out []string
	for _, p := range t.Parties {
		if p.Participant {
			out = append(out, p.ID)
		}
	}
	return out
}

// Round returns the round with the given id if the viewer may see it.
func (t *Talks) Round(id string) *Round {
	for i := range t.Rounds {
		if t.Rounds[i].ID == id {
			return &t.Rounds[i]
		}
	}
	return nil
}

// OpenRound returns the round the viewer sees open, or nil.
func (t *Talks) OpenRound() *Round {
	for i := range t.Rounds {
		if t.Rounds[i].Status == state.RoundOpen {
			return &t.Rounds[i]
		}
	}
	return nil
}

// CurrentRound returns the open round, else the latest opened, else nil.
func (t *Talks) CurrentRound() *Round {
	var cur *Round
	for i := range t.Rounds {
		r := &t.Rounds[i]
		if r.Status == state.RoundOpen {
			return r
		}
		if r.Status == state.RoundClosed && (cur == nil || r.Opened.After(cur.Opened)) {
			cur = r
		}
	}
	return cur
}

// Chair reports whether the viewer is the convener or a mediator.
func (t *Talks) Chair() bool { return t.Viewer.Chair() }

// Delegation returns the party the viewer acts for, or "".
func (t *Talks) Delegation() string {
	a := t.Viewer.Actor
	if a == nil || a.Revoked || (a.Role != parley.RoleHead && a.Role != parley.RoleDelegate) {
		return ""
	}
	return a.Party
}

// SeesCaucus reports whether the viewer may read the caucus of a party:
// that party's actors and the mediators.
func (t *Talks) SeesCaucus(party string) bool {
	return t.HasParty(party) && t.Viewer.Sees(parley.VisParty(party))
}

// CaucusOf returns the caucus messages of a party that the viewer may
// read, in log order.
func (t *Talks) CaucusOf(party string) []*state.CaucusMessage {
	var out []*state.CaucusMessage
	for _, m := range t.Caucus {
		if m.Party == party {
			out = append(out, m)
		}
	}
	return out
}

// CaucusRecipients returns whom a caucus message of a party is sealed to
// now, by the roster (which is public): the party's actors and the
// mediators, not revoked, in the order of their keys as written.
func (t *Talks) CaucusRecipients(party string) []*state.Actor {
	as := make([]*state.Actor, len(t.Actors))
	for i := range t.Actors {
		as[i] = &t.Actors[i]
	}
	return state.CaucusRecipientsAmong(as, party)
}

// RewrapsOf returns the content keys wrapped again, for later recipients,
// of the sealed payload at a log index, that the viewer may see.
func (t *Talks) RewrapsOf(index int64) []*state.Rewrapped {
	var out []*state.Rewrapped
	for _, r := range t.Rewraps {
		if r.Of == index {
			out = append(out, r)
		}
	}
	return out
}

// Evaluate computes the agreement as the viewer sees it, with
// explanations.
// It needs the instance: a view loaded by LoadRecord has none.
func (t *Talks) Evaluate() (*agreement.Result, error) {
	if t.Inst == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "the view of %s was loaded without the agreement", t.ID)
	}
	return agreement.Evaluate(t.Inst)
}

// Audience returns the viewer that stands for an audience, for a record
// read offline: "public" (anyone), "participants" (every actor on the
// roster, not a party's own room), "mediators" (the convener and the
// mediators, who see everything), or "party:ID" (that party's actors).
func Audience(name string) (state.Viewer, error) {
	switch name {
	case "public":
		return state.Public, nil
	case "participants":
		return state.Viewer{Actor: &state.Actor{Name: "the participants", Role: parley.RoleObserver}}, nil
	case "mediators":
		return state.Viewer{Actor: &state.Actor{Name: "the mediators", Role: parley.RoleMediator}}, nil
	}
	if p, ok := parley.PartyOfVis(name); ok {
		return state.Viewer{Actor: &state.Actor{Name: p, Role: parley.RoleDelegate, Party: p}}, nil
	}
	return state.Viewer{}, parley.Errorf(parley.EINVALID, "%q is not an audience: use public, participants, mediators or party:ID", name)
}

// Window returns, for the events [from, to) of st's log, the visibility of
// each that viewer v may see and "" for the others: how a live stream
// filters its backlog a page at a time, with the same rule as a view.
// Call it under the talks' lock.
func Window(st *state.Talks, v state.Viewer, from, to int64) []string {
	from, to = max(0, from), min(to, st.Size)
	if from >= to {
		return nil
	}
	out := make([]string, to-from)
	for i := range out {
		if idx := from + int64(i); st.VisibleAt(v, idx) {
			out[i] = st.VisibilityAt(idx)
		}
	}
	return out
}

// AudienceOf returns the audience whose view of the agreement viewer v
// shares in st: "public", "mediators", "participants", or "party:ID" for
// a party some of whose agreement-relevant events (its stances in
// proximity talks, events narrowed or released to it) the other
// participants may not see. Viewers of one audience see the same
// agreement, so a live stream computes it once per audience.
func AudienceOf(st *state.Talks, v state.Viewer) string {
	switch {
	case v.Actor == nil:
		return "public"
	case v.Chair():
		return "mediators"
	case v.Actor.Party != "" && st.Narrowed(v.Actor.Party):
		return parley.VisParty(v.Actor.Party)
	}
	return "participants"
}

// Declined returns the invitations of the current round that the viewer
// sees declined.
func (t *Talks) Declined() []Invitation {
	r := t.CurrentRound()
	if r == nil {
		return nil
	}
	var out []Invitation
	for _, inv := range r.Invitations {
		if inv.Status == state.Declined {
			out = append(out, inv)
		}
	}
	return out
}

// seenVersion returns a version as the viewer sees it: without the
// language texts and divergence flags whose events it may not see. A
// version the viewer sees whole is shared with the state, which never
// changes a version in place.
func seenVersion(seen state.Seen, official []string, v *state.Version) *state.Version {
	whole := true
	for _, i := range v.TextAt {
		whole = whole && seen.Visible(i)
	}
	for _, f := range v.Flags {
		whole = whole && seen.Visible(f.Index) && (f.Withdrawn == 0 || seen.Visible(f.Withdrawn))
	}
	if whole {
		return v
	}
	w := *v
	w.Texts, w.TextAt, w.Flags = map[string][]string{}, map[string]int64{}, nil
	for _, l := range seen.Langs(v) {
		w.Texts[l], w.TextAt[l] = v.Texts[l], v.TextAt[l]
	}
	if langs := w.Langs(official); len(langs) > 0 {
		w.Paragraphs = w.Texts[langs[0]]
	}
	for _, f := range v.Flags {
		if !seen.Visible(f.Index) {
			continue
		}
		if f.Withdrawn != 0 && !seen.Visible(f.Withdrawn) {
			g := *f
			g.Withdrawn, g.Reason = 0, ""
			f = &g
		}
		w.Flags = append(w.Flags, f)
	}
	return &w
}

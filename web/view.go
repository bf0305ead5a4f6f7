package web

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
)

// A snap is what one viewer may see of a talks at one point of its log,
// copied out of the state under the talks' lock so that pages render
// without holding it. Everything in it is filtered by visibility the way
// the JSON API filters it: an item, version, amendment, stance, statement
// or invitation answer shows only if the viewer may see the event that
// recorded it (state.Talks.VisibleAt), and the agreement is computed from
// the stances the viewer may see.
type snap struct {
	ID, Title, Description string
	Visibility             string
	Proximity              bool
	Rule                   parley.Rule
	Founded                time.Time
	Origin                 string
	Size                   int64 // events in this view
	LogSize                int64 // events in the log now
	At                     int64 // the last index of a view of the past, or -1
	Checkpoint             parley.Checkpoint

	Viewer      state.Viewer // its Actor is a copy
	SeesDefault bool         // the viewer may see events of the talks' default visibility

	Parties    []partyView
	Actors     []state.Actor
	Rounds     []roundView
	Items      []*itemView
	Packages   map[string][]string
	Statements []*state.Statement
	Facts      []string

	// Inst is the agreement instance as the viewer may see it; Hidden
	// counts the stances left out of it.
	Inst   *agreement.Instance
	Hidden int

	partyNames map[string]string
	actors     map[string]*state.Actor
	items      map[string]*itemView
	cache      *resultCache
	res        *agreement.Result
	resErr     error
	ver        *verdict
}

type partyView struct {
	ID, Name    string
	Participant bool
}

type roundView struct {
	ID, Title, Starts, Ends, Venue, Status, Note string
	Opened, Closed                               time.Time
	Invitations                                  []invitationView
}

type invitationView struct {
	Party, PartyName string
	Status, Reason   string
	Answered         time.Time
	Index            int64
	Hidden           bool // the latest event about it is hidden from the viewer
}

// An itemView is an item as the viewer may see it.
type itemView struct {
	ID, Title, Kind string
	Rule            parley.Rule // the rule that applies to it
	OwnRule         bool        // the rule is the item's own
	Package         string
	Added           int64
	Versions        []*state.Version
	Amendments      []*state.Amendment
	Stances         map[string]*state.Stance // current, by party
	History         []*state.Stance
	LatestN         int // the latest version, visible or not
}

// Latest returns the latest version the viewer may see, or nil.
func (it *itemView) Latest() *state.Version {
	if len(it.Versions) == 0 {
		return nil
	}
	return it.Versions[len(it.Versions)-1]
}

// newSnap copies what viewer v may see of st. visible reports whether the
// viewer may see the event at a log index; viewLatest is the log's size
// now (st.Size, unless st is a view of the past).
func newSnap(st *state.Talks, v state.Viewer, visible func(int64) bool, origin string, cp parley.Checkpoint, logSize int64) *snap {
	s := &snap{
		ID: st.ID, Title: st.Title, Description: st.Description, Visibility: st.Visibility,
		Proximity: st.Proximity, Rule: st.Rule, Founded: st.Founded, Origin: origin,
		Size: st.Size, LogSize: logSize, At: -1, Checkpoint: cp,
		Packages:   map[string][]string{},
		partyNames: map[string]string{}, actors: map[string]*state.Actor{}, items: map[string]*itemView{},
	}
	if v.Actor != nil {
		a := *v.Actor
		s.Viewer = state.Viewer{Actor: &a}
	}
	s.SeesDefault = s.Viewer.Sees(st.Visibility)
	at := map[string]bool{}
	for _, p := range st.Participants() {
		at[p] = true
	}
	for _, p := range st.PartyOrder {
		name := st.Roster.Parties[p]
		s.partyNames[p] = name
		s.Parties = append(s.Parties, partyView{ID: p, Name: name, Participant: at[p]})
	}
	for _, a := range st.Roster.Actors {
		s.Actors = append(s.Actors, *a)
	}
	sort.Slice(s.Actors, func(i, j int) bool { return s.Actors[i].Since < s.Actors[j].Since })
	for i := range s.Actors {
		s.actors[s.Actors[i].Key] = &s.Actors[i]
	}
	if s.SeesDefault {
		for _, r := range st.Rounds {
			rv := roundView{ID: r.ID, Title: r.Title, Starts: r.Starts, Ends: r.Ends, Venue: r.Venue, Status: r.Status, Note: r.Note, Opened: r.Opened, Closed: r.Closed}
			for _, inv := range r.Invitations {
				iv := invitationView{Party: inv.Party, PartyName: s.partyNames[inv.Party], Index: inv.Index}
				if visible(inv.Index) {
					iv.Status, iv.Reason, iv.Answered = inv.Status, inv.Reason, inv.Answered
				} else {
					iv.Hidden = true
				}
				rv.Invitations = append(rv.Invitations, iv)
			}
			s.Rounds = append(s.Rounds, rv)
		}
	}
	pkgOf := map[string]string{}
	for name, ids := range st.Packages {
		for _, id := range ids {
			pkgOf[id] = name
		}
	}
	for _, it := range st.Items {
		if !visible(it.Added) {
			continue
		}
		iv := &itemView{ID: it.ID, Title: it.Title, Kind: it.Kind, Rule: st.Rule, Added: it.Added, Package: pkgOf[it.ID], Stances: make(map[string]*state.Stance, len(it.Stances)), LatestN: len(it.Versions)}
		if it.Rule != nil {
			iv.Rule, iv.OwnRule = *it.Rule, true
		}
		for _, ver := range it.Versions {
			if visible(ver.Index) {
				iv.Versions = append(iv.Versions, ver)
			}
		}
		for _, a := range it.Amendments {
			if visible(a.Index) {
				iv.Amendments = append(iv.Amendments, a)
			}
		}
		for p, x := range it.Stances {
			if visible(x.Index) {
				iv.Stances[p] = x
			}
		}
		iv.History = make([]*state.Stance, 0, len(it.History))
		for _, x := range it.History {
			if visible(x.Index) {
				iv.History = append(iv.History, x)
			}
		}
		s.Items = append(s.Items, iv)
		s.items[iv.ID] = iv
	}
	for name, ids := range st.Packages {
		var vis []string
		for _, id := range ids {
			if s.items[id] != nil {
				vis = append(vis, id)
			}
		}
		if len(vis) > 0 {
			s.Packages[name] = vis
		}
	}
	for _, m := range st.Statements {
		if visible(m.Index) {
			s.Statements = append(s.Statements, m)
		}
	}
	for f, x := range st.Facts {
		if visible(x.Index) {
			s.Facts = append(s.Facts, f)
		}
	}
	sort.Strings(s.Facts)
	s.Inst, s.Hidden = instanceFor(st, visible)
	return s
}

// instanceFor returns the agreement instance of st with the stances the
// viewer may not see left out, and how many were left out.
func instanceFor(st *state.Talks, visible func(int64) bool) (*agreement.Instance, int) {
	inst := st.Instance()
	kept := inst.Positions[:0]
	hidden := 0
	for _, p := range inst.Positions {
		if x := st.Item(p.Item).Stances[p.Party]; x != nil && !visible(x.Index) {
			hidden++
			continue
		}
		kept = append(kept, p)
	}
	inst.Positions = kept
	return inst, hidden
}

// result evaluates the viewer's agreement instance with explanations.
func (s *snap) result() (*agreement.Result, error) {
	if s.res == nil && s.resErr == nil {
		if s.cache != nil {
			s.res, s.resErr = s.cache.evaluate(s.Inst)
		} else {
			s.res, s.resErr = agreement.Evaluate(s.Inst)
		}
	}
	return s.res, s.resErr
}

// verdict returns each item's status and who blocks it, the cheap way when
// the instance allows it.
func (s *snap) verdict() (*verdict, error) {
	if s.ver != nil {
		return s.ver, nil
	}
	var err error
	if s.cache != nil {
		s.ver, err = s.cache.verdict(s.Inst)
		return s.ver, err
	}
	v, ok, err := lightVerdict(s.Inst)
	if err != nil {
		return nil, err
	}
	if !ok {
		res, err := s.result()
		if err != nil {
			return nil, err
		}
		v = verdictOf(res)
	}
	s.ver = v
	return v, nil
}

// Item returns the item with the given id if the viewer may see it.
func (s *snap) Item(id string) *itemView { return s.items[id] }

// PartyName returns the name of a party, or its id.
func (s *snap) PartyName(id string) string {
	if n := s.partyNames[id]; n != "" {
		return n
	}
	return id
}

// Actor returns the roster entry of a key, or nil.
func (s *snap) Actor(key string) *state.Actor { return s.actors[key] }

// ActorName describes the holder of a key: "Name, head of oppA".
func (s *snap) ActorName(key string) string {
	a := s.actors[key]
	if a == nil {
		return "unknown key " + shortKey(key)
	}
	return a.Name + ", " + roleText(a)
}

// Participants returns the ids of the parties at the current round's
// table.
func (s *snap) Participants() []string {
	var out []string
	for _, p := range s.Parties {
		if p.Participant {
			out = append(out, p.ID)
		}
	}
	return out
}

// OpenRound returns the open round, or nil.
func (s *snap) OpenRound() *roundView {
	for i := range s.Rounds {
		if s.Rounds[i].Status == state.RoundOpen {
			return &s.Rounds[i]
		}
	}
	return nil
}

// CurrentRound returns the open round, else the latest opened, else nil.
func (s *snap) CurrentRound() *roundView {
	var cur *roundView
	for i := range s.Rounds {
		r := &s.Rounds[i]
		if r.Status == state.RoundOpen {
			return r
		}
		if r.Status == state.RoundClosed && (cur == nil || r.Opened.After(cur.Opened)) {
			cur = r
		}
	}
	return cur
}

// Declined returns the invitations of the current round that were
// declined.
func (s *snap) Declined() []invitationView {
	r := s.CurrentRound()
	if r == nil {
		return nil
	}
	var out []invitationView
	for _, inv := range r.Invitations {
		if inv.Status == state.Declined {
			out = append(out, inv)
		}
	}
	return out
}

// Chair reports whether the viewer is the convener or a mediator.
func (s *snap) Chair() bool { return s.Viewer.Chair() }

// Delegation returns the party the viewer acts for, or "".
func (s *snap) Delegation() string {
	a := s.Viewer.Actor
	if a == nil || a.Revoked || (a.Role != parley.RoleHead && a.Role != parley.RoleDelegate) {
		return ""
	}
	return a.Party
}

// roleText describes an actor's role: "head of oppA", "mediator".
func roleText(a *state.Actor) string {
	role := a.Role
	if a.Revoked {
		role = "revoked " + role
	}
	if a.Party != "" {
		return role + " of " + a.Party
	}
	return role
}

func shortKey(k string) string {
	if len(k) > 10 {
		return k[:10] + "…"
	}
	return k
}

// viewerBits returns, under the talks' lock, whether the viewer may see
// each event up to n.
func viewerBits(st *state.Talks, v state.Viewer, n int64) []bool {
	bits := make([]bool, n)
	for i := range n {
		bits[i] = st.VisibleAt(v, i)
	}
	return bits
}

// load returns the snap of the talks named in the request's path for the
// signed-in viewer: of now, or, when at ≥ 0, of the log's first at+1
// events (a view of the past, with visibility as the viewer has it now).
func (h *handler) load(ctx context.Context, id, key string, at int64) (*snap, error) {
	if !parley.ValidTalksID(id) {
		return nil, parley.Errorf(parley.ENOTFOUND, "%q is not the id of a talks", id)
	}
	origin := h.l.Origin(id)
	var s *snap
	var bits []bool
	var v state.Viewer
	var cp parley.Checkpoint
	var size int64
	err := h.l.View(ctx, id, func(st *state.Talks, c parley.Checkpoint) error {
		v, cp, size = st.ViewerOf(key), c, st.Size
		if at < 0 || at >= st.Size-1 {
			s = newSnap(st, v, func(i int64) bool { return st.VisibleAt(v, i) }, origin, cp, st.Size)
			s.cache = &h.results
			return nil
		}
		bits = viewerBits(st, v, at+1)
		return nil
	})
	if err != nil {
		return nil, notFound(err, id)
	}
	if s != nil {
		return s, nil
	}
	past := state.New(id)
	for from := int64(0); from <= at; from += pageSize {
		entries, err := h.l.Store().Entries(ctx, id, from, min(at+1, from+pageSize))
		if err != nil {
			return nil, err
		}
		for _, en := range entries {
			e, err := parley.DecodeEvent(en.Event)
			if err == nil {
				err = past.Apply(e, en.Index)
			}
			if err != nil {
				return nil, parley.Errorf(parley.EINTERNAL, "replaying event %d of %s: %v", en.Index, id, err)
			}
		}
	}
	s = newSnap(past, v, func(i int64) bool { return i >= 0 && i < int64(len(bits)) && bits[i] }, origin, cp, size)
	s.At, s.cache = at, &h.results
	return s, nil
}

// notFound turns the store's answer for an unknown talks into a message
// for people.
func notFound(err error, id string) error {
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return parley.Errorf(parley.ENOTFOUND, "there is no talks %q on this server; see the list of talks", id)
	}
	return err
}

// stanceWords describes a stance for people: "support", "conditional on
// agreed(M1a)".
func stanceWords(x *state.Stance) string {
	if x == nil {
		return "no stance"
	}
	if x.Stance == parley.StanceConditional {
		return "conditional: " + x.Condition
	}
	return strings.ReplaceAll(x.Stance, "_", " ")
}

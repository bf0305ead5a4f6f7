package state

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/record"
)

// Round statuses.
const (
	RoundPlanned = "planned"
	RoundOpen    = "open"
	RoundClosed  = "closed"
)

// Invitation statuses.
const (
	Invited  = "invited"
	Accepted = "accepted"
	Declined = "declined"
)

// Talks is the state of one talks after the events applied so far.
type Talks struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Visibility  string      `json:"visibility"`
	Proximity   bool        `json:"proximity,omitempty"`
	Rule        parley.Rule `json:"rule"`
	Founded     time.Time   `json:"founded"`
	Size        int64       `json:"size"` // number of events applied

	Roster     *Roster             `json:"roster"`
	PartyOrder []string            `json:"party_order"`
	Rounds     []*Round            `json:"rounds"`
	Items      []*Item             `json:"items"`
	Packages   map[string][]string `json:"packages"`
	Facts      map[string]*Fact    `json:"facts"`
	Statements []*Statement        `json:"statements"`
	Releases   map[int64][]string  `json:"releases,omitempty"` // log index → parties it was released to
	Cosigned   []*Cosignature      `json:"cosigned,omitempty"` // witnesses' cosignatures, in log order
	Forks      []int64             `json:"forks,omitempty"`    // log indexes of fork evidence
	Caucus     []*CaucusMessage    `json:"caucus,omitempty"`   // caucus messages, in log order
	// The changes of rules and packages in log order, each with the index
	// of its event, so that a view of the talks can take the latest
	// change its viewer may see (see package view).
	RuleChanges    []*RuleChange     `json:"rule_changes,omitempty"`
	PackageChanges []*PackageChange  `json:"package_changes,omitempty"`
	vis            []string          // visibility of each event, by log index
	items          map[string]*Item  // by id
	packageOf      map[string]string // item → package
	nonces         map[string]bool   // nonces seen
	rounds         map[string]*Round // by id
	narrowed       map[string]bool   // parties shown agreement-relevant events others are not (see Narrowed)
}

// A Round is a meeting of the talks.
type Round struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Starts      string        `json:"starts"`
	Ends        string        `json:"ends"`
	Venue       string        `json:"venue"`
	Status      string        `json:"status"`
	Planned     int64         `json:"planned"` // log index of the event that planned it
	Opened      time.Time     `json:"opened,omitzero"`
	Closed      time.Time     `json:"closed,omitzero"`
	OpenedAt    int64         `json:"opened_index,omitempty"` // log index of the event that opened it, 0 if none
	ClosedAt    int64         `json:"closed_index,omitempty"` // log index of the event that closed it (and its note), 0 if none
	Note        string        `json:"note,omitempty"`
	Invitations []*Invitation `json:"invitations"`
}

// Invitation returns the invitation of a party to the round, or nil.
func (r *Round) Invitation(party string) *Invitation {
	for _, inv := range r.Invitations {
		if inv.Party == party {
			return inv
		}
	}
	return nil
}

// An Invitation is a party asked to a round and its answer.
type Invitation struct {
	Party    string    `json:"party"`
	Status   string    `json:"status"`
	Reason   string    `json:"reason,omitempty"`
	Answered time.Time `json:"answered,omitzero"`
	Index    int64     `json:"index"` // of the latest event about it
	// History holds every event about the invitation in log order: the
	// invitation itself (status invited), then each answer.
	History []InvitationEvent `json:"history"`
}

// An InvitationEvent is the invitation of a party to a round, or an answer
// to it.
type InvitationEvent struct {
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	Index  int64     `json:"index"`
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

// A CaucusMessage is a message in the caucus channel of one party with the
// mediators.
type CaucusMessage struct {
	Party string    `json:"party"`
	Text  string    `json:"text"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Index int64     `json:"index"`
}

// An Item is anything that can be agreed: a document or a measure, with its
// versions, amendments and the parties' stances.
type Item struct {
	ID         string             `json:"id"`
	Title      string             `json:"title"`
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

// Amendment returns the amendment with the given id, or nil.
func (it *Item) Amendment(id string) *Amendment {
	for _, a := range it.Amendments {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// A Version is one tabled text of an item.
type Version struct {
	N          int       `json:"n"`
	Paragraphs []string  `json:"paragraphs"`
	Amendments []string  `json:"amendments,omitempty"`
	Note       string    `json:"note,omitempty"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Index      int64     `json:"index"`
}

// An Amendment is a change to a version proposed by a party.
type Amendment struct {
	ID         string          `json:"id"`
	Party      string          `json:"party"`
	Version    int             `json:"version"`
	Changes    []parley.Change `json:"changes"`
	Paragraphs []string        `json:"paragraphs"` // the base version with the changes applied
	Reason     string          `json:"reason,omitempty"`
	By         string          `json:"by"`
	At         time.Time       `json:"at"`
	Index      int64           `json:"index"`
}

// A Stance is a party's position on a version of an item.
type Stance struct {
	Item      string `json:"item"`
	Party     string `json:"party"`
	Version   int    `json:"version"`
	Stance    string `json:"stance"`
	Condition string `json:"condition,omitempty"` // canonical form
	Reason    string `json:"reason,omitempty"`
	Round     string `json:"round"`
	// Between is set on a stance taken while no round was open, after
	// Round closed: a capital's answer between rounds.
	Between bool      `json:"between,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Index   int64     `json:"index"`
}

// A Statement is a public statement by an actor.
type Statement struct {
	Text  string    `json:"text"`
	Lang  string    `json:"lang,omitempty"`
	Round string    `json:"round,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Index int64     `json:"index"`
}

// A Cosignature is an actor's cosignature of the checkpoint at a size.
type Cosignature struct {
	Size    int64  `json:"size"`
	Witness string `json:"witness"` // the name in the cosignature line
	Key     string `json:"key"`     // the actor's key
	Note    string `json:"note"`    // the checkpoint with the cosignature
	Index   int64  `json:"index"`
}

// A Fact is a fact confirmed by a verifier; conditions name it fact(ID).
type Fact struct {
	Note  string    `json:"note,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Index int64     `json:"index"`
}

// New returns the state of a talks before its founding event.
func New(talks string) *Talks {
	return &Talks{
		ID:        talks,
		Roster:    NewRoster(talks),
		Packages:  map[string][]string{},
		Facts:     map[string]*Fact{},
		items:     map[string]*Item{},
		packageOf: map[string]string{},
		nonces:    map[string]bool{},
		rounds:    map[string]*Round{},
		Releases:  map[int64][]string{},
		narrowed:  map[string]bool{},
	}
}

// Item returns the item with the given id, or nil.
func (t *Talks) Item(id string) *Item { return t.items[id] }

// Round returns the round with the given id, or nil.
func (t *Talks) Round(id string) *Round { return t.rounds[id] }

// OpenRound returns the round that is open, or nil.
func (t *Talks) OpenRound() *Round {
	for _, r := range t.Rounds {
		if r.Status == RoundOpen {
			return r
		}
	}
	return nil
}

// CurrentRound returns the open round, else the latest round that was
// opened, else nil.
func (t *Talks) CurrentRound() *Round {
	var cur *Round
	for _, r := range t.Rounds {
		if r.Status == RoundOpen {
			return r
		}
		if r.Status == RoundClosed && (cur == nil || r.Opened.After(cur.Opened)) {
			cur = r
		}
	}
	return cur
}

// Participants returns the parties taking part in the current round:
// invited and not declined. Before any round, every party takes part.
func (t *Talks) Participants() []string {
	r := t.CurrentRound()
	if r == nil {
		return slices.Clone(t.PartyOrder)
	}
	var ps []string
	for _, inv := range r.Invitations {
		if inv.Status != Declined {
			ps = append(ps, inv.Party)
		}
	}
	return ps
}

// HasNonce reports whether an event with this nonce was applied.
func (t *Talks) HasNonce(nonce string) bool { return t.nonces[nonce] }

// Apply checks e, the event at log index index, against the state and, if
// it is valid, applies it. The signature must have been checked already. On
// error the state is unchanged.
func (t *Talks) Apply(e *parley.Event, index int64) error {
	if index != t.Size {
		return parley.Errorf(parley.EINTERNAL, "event applied at index %d of a state of size %d", index, t.Size)
	}
	if t.nonces[e.Nonce] {
		return parley.ErrDuplicate
	}
	if e.Vis != "" {
		if AlwaysPublic(e.Kind) && e.Vis != parley.VisPublic {
			return parley.Errorf(parley.EINVALID, "event field \"vis\": %s events are always public so that anyone can check the roster; leave \"vis\" out", e.Kind)
		}
		if p, ok := parley.PartyOfVis(e.Vis); ok && t.Roster.Parties[p] == "" {
			return parley.Errorf(parley.EINVALID, "event field \"vis\": %q is not a party of the talks", p)
		}
	}
	if e.Kind != parley.KindFoundTalks && t.Size == 0 {
		return parley.Errorf(parley.EINVALID, "talks %q does not exist: found it first with %s", t.ID, parley.KindFoundTalks)
	}
	if e.Kind != parley.KindFoundTalks && e.At().Before(t.Founded) {
		return parley.Errorf(parley.EINVALID, "event field \"time\": %s is before the talks was founded (%s); check the signer's clock", e.Time, t.Founded.Format(time.RFC3339))
	}
	// Roster events are checked and applied by the roster alone; every
	// other kind is authorized first, then checked against the state.
	var apply func()
	var err error
	if e.Kind == parley.KindFoundTalks {
		apply, err = t.found(e)
		if err == nil {
			err = t.Roster.Authorize(e, index)
		}
	} else {
		if err := t.Roster.Authorize(e, index); err != nil {
			return err
		}
		apply, err = t.check(e, index)
	}
	if err != nil {
		return err
	}
	if apply != nil {
		apply()
	}
	vis := t.VisibilityOf(e)
	t.vis = append(t.vis, vis)
	if p, ok := parley.PartyOfVis(vis); ok && AffectsAgreement(e.Kind) {
		t.narrowed[p] = true
	}
	t.nonces[e.Nonce] = true
	t.Size++
	return nil
}

func (t *Talks) found(e *parley.Event) (func(), error) {
	if t.Size != 0 {
		return nil, parley.Errorf(parley.ECONFLICT, "talks %q is already founded; pick another talks id", t.ID)
	}
	var p parley.FoundTalks
	if err := parley.DecodePayload(e, &p); err != nil {
		return nil, err
	}
	if err := checkName("title", p.Title); err != nil {
		return nil, err
	}
	if err := checkName("convener_name", p.ConvenerName); err != nil {
		return nil, err
	}
	if err := p.Rule.Check(); err != nil {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"rule\": %v", err)
	}
	if err := checkText("description", p.Description, false); err != nil {
		return nil, err
	}
	vis := p.Visibility
	switch vis {
	case "":
		vis = parley.VisParticipants
	case parley.VisPublic, parley.VisParticipants:
	default:
		return nil, parley.Errorf(parley.EINVALID, "payload field \"visibility\": %q is not public or participants", vis)
	}
	return func() {
		t.Title, t.Description, t.Rule, t.Visibility, t.Proximity = p.Title, p.Description, p.Rule, vis, p.Proximity
		t.Founded = e.At()
		t.RuleChanges = append(t.RuleChanges, &RuleChange{Rule: p.Rule, Index: 0})
	}, nil
}

// check checks a non-roster event against the state and returns the change
// to make, or nil for roster events (already applied by the roster).
func (t *Talks) check(e *parley.Event, index int64) (func(), error) {
	by, at := e.Actor, e.At()
	switch e.Kind {
	case parley.KindAddMediator, parley.KindAddActor, parley.KindRevokeActor:
		return nil, nil
	case parley.KindAddParty:
		var p parley.AddParty
		_ = parley.DecodePayload(e, &p) // the roster decoded it already
		return func() { t.PartyOrder = append(t.PartyOrder, p.Party) }, nil

	case parley.KindPlanRound:
		var p parley.PlanRound
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		if err := checkID("round", p.Round); err != nil {
			return nil, err
		}
		if t.rounds[p.Round] != nil {
			return nil, parley.Errorf(parley.ECONFLICT, "round %q is already planned; pick another round id", p.Round)
		}
		if err := checkName("title", p.Title); err != nil {
			return nil, err
		}
		if err := checkText("venue", p.Venue, false); err != nil {
			return nil, err
		}
		s, err1 := time.Parse(time.DateOnly, p.Starts)
		f, err2 := time.Parse(time.DateOnly, p.Ends)
		if err1 != nil || err2 != nil {
			return nil, parley.Errorf(parley.EINVALID, "payload fields \"starts\" and \"ends\": want dates as YYYY-MM-DD")
		}
		if f.Before(s) {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"ends\": the round ends (%s) before it starts (%s)", p.Ends, p.Starts)
		}
		return func() {
			r := &Round{ID: p.Round, Title: p.Title, Starts: p.Starts, Ends: p.Ends, Venue: p.Venue, Status: RoundPlanned, Planned: index}
			t.Rounds = append(t.Rounds, r)
			t.rounds[r.ID] = r
		}, nil

	case parley.KindOpenRound:
		var p parley.RoundRef
		r, err := t.roundOf(e, &p, func() string { return p.Round })
		if err != nil {
			return nil, err
		}
		if r.Status != RoundPlanned {
			return nil, parley.Errorf(parley.ECONFLICT, "round %q is %s; only a planned round can be opened", r.ID, r.Status)
		}
		if o := t.OpenRound(); o != nil {
			return nil, parley.Errorf(parley.ECONFLICT, "round %q is still open; close it before opening %q", o.ID, r.ID)
		}
		return func() { r.Status, r.Opened, r.OpenedAt = RoundOpen, at, index }, nil

	case parley.KindCloseRound:
		var p parley.CloseRound
		r, err := t.roundOf(e, &p, func() string { return p.Round })
		if err != nil {
			return nil, err
		}
		if r.Status != RoundOpen {
			return nil, parley.Errorf(parley.ECONFLICT, "round %q is %s; only an open round can be closed", r.ID, r.Status)
		}
		if err := checkText("note", p.Note, false); err != nil {
			return nil, err
		}
		return func() { r.Status, r.Closed, r.ClosedAt, r.Note = RoundClosed, at, index, p.Note }, nil

	case parley.KindInvite:
		var p parley.Invitation
		r, err := t.roundOf(e, &p, func() string { return p.Round })
		if err != nil {
			return nil, err
		}
		if err := t.checkParty(p.Party); err != nil {
			return nil, err
		}
		if r.Invitation(p.Party) != nil {
			return nil, parley.Errorf(parley.ECONFLICT, "party %q is already invited to round %q", p.Party, r.ID)
		}
		if p.Reason != "" {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"reason\": an invitation carries no reason")
		}
		return func() {
			r.Invitations = append(r.Invitations, &Invitation{Party: p.Party, Status: Invited, Index: index,
				History: []InvitationEvent{{Status: Invited, At: at, Index: index}}})
		}, nil

	case parley.KindAcceptInvitation, parley.KindDeclineInvitation:
		var p parley.Invitation
		r, err := t.roundOf(e, &p, func() string { return p.Round })
		if err != nil {
			return nil, err
		}
		inv := r.Invitation(p.Party)
		if inv == nil || !t.VisibleAt(t.signer(e), inv.History[0].Index) {
			return nil, parley.Errorf(parley.ENOTFOUND, "party %q is not invited to round %q", p.Party, r.ID)
		}
		status := Accepted
		if e.Kind == parley.KindDeclineInvitation {
			status = Declined
			if err := checkText("reason", p.Reason, true); err != nil {
				return nil, parley.Errorf(parley.EINVALID, "%v: a party that declines states its reason", err)
			}
		} else if err := checkText("reason", p.Reason, false); err != nil {
			return nil, err
		}
		if inv.Status == status {
			return nil, parley.Errorf(parley.ECONFLICT, "party %q has already %s the invitation to round %q", p.Party, status, r.ID)
		}
		return func() {
			inv.Status, inv.Reason, inv.Answered, inv.Index = status, p.Reason, at, index
			inv.History = append(inv.History, InvitationEvent{Status: status, Reason: p.Reason, At: at, Index: index})
		}, nil

	case parley.KindAddItem:
		var p parley.AddItem
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		if err := checkID("item", p.Item); err != nil {
			return nil, err
		}
		if t.items[p.Item] != nil {
			return nil, parley.Errorf(parley.ECONFLICT, "item %q is already on the agenda", p.Item)
		}
		if err := checkName("title", p.Title); err != nil {
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
			it := &Item{ID: p.Item, Title: p.Title, Kind: p.Kind, Rule: p.Rule, Stances: map[string]*Stance{}, Added: index}
			t.Items = append(t.Items, it)
			t.items[it.ID] = it
			if p.Rule != nil {
				t.RuleChanges = append(t.RuleChanges, &RuleChange{Item: p.Item, Rule: *p.Rule, Index: index})
			}
		}, nil

	case parley.KindSetPackage:
		var p parley.SetPackage
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
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
			t.PackageChanges = append(t.PackageChanges, &PackageChange{Package: p.Package, Items: slices.Clone(p.Items), Index: index})
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

	case parley.KindSetRule:
		var p parley.SetRule
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		if err := p.Rule.Check(); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"rule\": %v", err)
		}
		change := &RuleChange{Item: p.Item, Rule: p.Rule, Index: index}
		if p.Item == "" {
			return func() { t.Rule = p.Rule; t.RuleChanges = append(t.RuleChanges, change) }, nil
		}
		it := t.items[p.Item]
		if it == nil {
			return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q", p.Item)
		}
		return func() { r := p.Rule; it.Rule = &r; t.RuleChanges = append(t.RuleChanges, change) }, nil

	case parley.KindTableVersion:
		var p parley.TableVersion
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		it := t.items[p.Item]
		if it == nil {
			return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q; add it to the agenda first", p.Item)
		}
		if want := len(it.Versions) + 1; p.Version != want {
			return nil, parley.Errorf(parley.ECONFLICT, "payload field \"version\": the next version of %q is %d, not %d", it.ID, want, p.Version)
		}
		if len(p.Paragraphs) == 0 {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"paragraphs\": a version has at least one paragraph")
		}
		if err := document.CheckVersion(p.Paragraphs); err != nil {
			return nil, parley.Errorf(parley.ErrorCode(err), "payload field \"paragraphs\": %s", parley.ErrorMessage(err))
		}
		for i, a := range p.Amendments {
			if it.Amendment(a) == nil {
				return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"amendments[%d]\": no amendment %q to %q", i, a, it.ID)
			}
		}
		if err := checkText("note", p.Note, false); err != nil {
			return nil, err
		}
		return func() {
			it.Versions = append(it.Versions, &Version{N: p.Version, Paragraphs: p.Paragraphs, Amendments: p.Amendments, Note: p.Note, By: by, At: at, Index: index})
		}, nil

	case parley.KindProposeAmendment:
		var p parley.ProposeAmendment
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		it, v, err := t.version(t.signer(e), p.Item, p.Version)
		if err != nil {
			return nil, err
		}
		if _, err := t.checkAtTable(p.Party, "propose amendments", false); err != nil {
			return nil, err
		}
		if err := checkID("amendment", p.Amendment); err != nil {
			return nil, err
		}
		if it.Amendment(p.Amendment) != nil {
			return nil, parley.Errorf(parley.ECONFLICT, "payload field \"amendment\": %q already names an amendment to %q", p.Amendment, it.ID)
		}
		if len(p.Changes) == 0 {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"changes\": an amendment changes at least one paragraph")
		}
		paras, err := document.Apply(v.Paragraphs, p.Changes)
		if err != nil {
			return nil, parley.Errorf(parley.ErrorCode(err), "payload field \"changes\": %s", parley.ErrorMessage(err))
		}
		if err := checkText("reason", p.Reason, false); err != nil {
			return nil, err
		}
		return func() {
			it.Amendments = append(it.Amendments, &Amendment{ID: p.Amendment, Party: p.Party, Version: p.Version, Changes: p.Changes, Paragraphs: paras, Reason: p.Reason, By: by, At: at, Index: index})
		}, nil

	case parley.KindSetStance:
		var p parley.SetStance
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		signer := t.signer(e)
		it, _, err := t.version(signer, p.Item, p.Version)
		if err != nil {
			return nil, err
		}
		round, err := t.checkAtTable(p.Party, "take stances", true)
		if err != nil {
			return nil, err
		}
		if !parley.ValidStance(p.Stance) {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"stance\": %q is not support, ad_referendum, abstain, reserve, oppose or conditional", p.Stance)
		}
		cond := ""
		if p.Stance == parley.StanceConditional {
			c, err := agreement.ParseCondition(p.Condition)
			if err != nil {
				return nil, parley.Errorf(parley.EINVALID, "payload field \"condition\": %s", parley.ErrorMessage(err))
			}
			for _, id := range c.Items() {
				if x := t.items[id]; x == nil || !t.VisibleAt(signer, x.Added) {
					return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"condition\": agreed(%s) names no item of the talks", id)
				}
			}
			cond = c.String()
		} else if p.Condition != "" {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"condition\": only a conditional stance has a condition")
		}
		if err := checkText("reason", p.Reason, false); err != nil {
			return nil, err
		}
		return func() {
			s := &Stance{Item: it.ID, Party: p.Party, Version: p.Version, Stance: p.Stance, Condition: cond, Reason: p.Reason, Round: round.ID, Between: round.Status != RoundOpen, By: by, At: at, Index: index}
			it.Stances[p.Party] = s
			it.History = append(it.History, s)
		}, nil

	case parley.KindStatement:
		var p parley.Statement
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		if err := checkText("text", p.Text, true); err != nil {
			return nil, err
		}
		if r := t.rounds[p.Round]; p.Round != "" && (r == nil || !t.VisibleAt(t.signer(e), r.Planned)) {
			return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"round\": no round %q", p.Round)
		}
		if len(p.Lang) > 35 {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"lang\": want a BCP 47 language tag such as \"ar\" or \"en\"")
		}
		return func() {
			t.Statements = append(t.Statements, &Statement{Text: p.Text, Lang: p.Lang, Round: p.Round, By: by, At: at, Index: index})
		}, nil

	case parley.KindCaucus:
		var p parley.Caucus
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		if err := t.checkParty(p.Party); err != nil {
			return nil, err
		}
		if e.Vis != "" && e.Vis != parley.VisParty(p.Party) {
			return nil, parley.Errorf(parley.EINVALID, "event field \"vis\": a caucus message is seen by its party and the mediators only; leave \"vis\" out")
		}
		if err := checkText("text", p.Text, true); err != nil {
			return nil, err
		}
		return func() {
			t.Caucus = append(t.Caucus, &CaucusMessage{Party: p.Party, Text: p.Text, By: by, At: at, Index: index})
		}, nil

	case parley.KindRelease:
		var p parley.Release
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
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

	case parley.KindCosign:
		var p parley.Cosign
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		if p.Size < 1 || p.Size > t.Size {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"size\": the log has checkpoints of sizes 1 to %d", t.Size)
		}
		if len(p.Note) > 16<<10 {
			return nil, parley.Errorf(parley.ETOOLARGE, "payload field \"note\": a checkpoint note is at most 16 KiB")
		}
		a := t.Roster.Signer(e)
		name := record.WitnessName(a.label(), e.ActorKey())
		if _, err := record.VerifyCosignature([]byte(p.Note), name, e.ActorKey()); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"note\": %v; cosign as %q with the signer's key", err, name)
		}
		cp, err := record.ParseCheckpointText([]byte(p.Note))
		if err != nil || cp.Size != p.Size {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"note\": not a checkpoint of size %d", p.Size)
		}
		for _, c := range t.Cosigned {
			if c.Size == p.Size && c.Key == e.Actor {
				return nil, parley.Errorf(parley.ECONFLICT, "%s already cosigned the checkpoint of size %d", a.Name, p.Size)
			}
		}
		return func() {
			t.Cosigned = append(t.Cosigned, &Cosignature{Size: p.Size, Witness: name, Key: e.Actor, Note: p.Note, Index: index})
		}, nil

	case parley.KindForkEvidence:
		var p parley.ForkEvidence
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		var fe record.ForkEvidence
		if err := json.Unmarshal(p.Evidence, &fe); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"evidence\": %v", err)
		}
		return func() { t.Forks = append(t.Forks, index) }, nil

	case parley.KindConfirmFact:
		var p parley.ConfirmFact
		if err := parley.DecodePayload(e, &p); err != nil {
			return nil, err
		}
		if err := checkID("fact", p.Fact); err != nil {
			return nil, err
		}
		if t.Facts[p.Fact] != nil {
			return nil, parley.Errorf(parley.ECONFLICT, "fact %q is already confirmed", p.Fact)
		}
		if err := checkText("note", p.Note, false); err != nil {
			return nil, err
		}
		return func() { t.Facts[p.Fact] = &Fact{Note: p.Note, By: by, At: at, Index: index} }, nil
	}
	return nil, parley.Errorf(parley.EINVALID, "kind %q is not known", e.Kind)
}

// roundOf decodes e's payload into p and returns the round it names, which
// must not be closed.
func (t *Talks) roundOf(e *parley.Event, p any, id func() string) (*Round, error) {
	if err := parley.DecodePayload(e, p); err != nil {
		return nil, err
	}
	r := t.rounds[id()]
	if r == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"round\": no round %q; plan it first", id())
	}
	if r.Status == RoundClosed && e.Kind != parley.KindOpenRound && e.Kind != parley.KindCloseRound {
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is closed; no more acts can be recorded in it", r.ID)
	}
	return r, nil
}

func (t *Talks) checkParty(party string) error {
	if _, ok := t.Roster.Parties[party]; !ok {
		return parley.Errorf(parley.ENOTFOUND, "payload field \"party\": %q is not a party of the talks", party)
	}
	return nil
}

// checkAtTable checks that party sits at the open round's table, and
// returns that round. With between set, a party may also act while no
// round is open if it sat at the table of the round that closed last:
// a capital's answer after the round (confirming or withdrawing support)
// is recorded between rounds.
func (t *Talks) checkAtTable(party, what string, between bool) (*Round, error) {
	r := t.OpenRound()
	if r == nil && between {
		r = t.CurrentRound()
	}
	if r == nil {
		if between {
			return nil, parley.Errorf(parley.ECONFLICT, "no round has been held yet; parties %s once a round is open", what)
		}
		return nil, parley.Errorf(parley.ECONFLICT, "no round is open; parties %s only while a round is open", what)
	}
	inv := r.Invitation(party)
	switch {
	case inv == nil:
		return nil, parley.Errorf(parley.EFORBIDDEN, "party %q is not invited to round %q and cannot %s in it", party, r.ID, what)
	case inv.Status == Declined:
		if r.Status != RoundOpen {
			return nil, parley.Errorf(parley.EFORBIDDEN, "party %q declined round %q, the last round held, and cannot %s until it sits at a round's table", party, r.ID, what)
		}
		return nil, parley.Errorf(parley.EFORBIDDEN, "party %q declined round %q and cannot %s in it; accept the invitation first", party, r.ID, what)
	}
	return r, nil
}

// signer returns the viewer who signed e, for checks of what that signer
// may see.
func (t *Talks) signer(e *parley.Event) Viewer { return t.ViewerOf(e.Actor) }

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

func checkID(field, s string) error {
	if !parley.ValidID(s) {
		return parley.Errorf(parley.EINVALID, "payload field %q: %q is not an id ([A-Za-z0-9_.:-], at most %d characters)", field, s, parley.MaxIDLength)
	}
	return nil
}

// checkName checks a required one-line name or title.
func checkName(field, s string) error {
	if s == "" {
		return parley.Errorf(parley.EINVALID, "payload field %q is required", field)
	}
	if len(s) > 300 {
		return parley.Errorf(parley.ETOOLARGE, "payload field %q is longer than 300 bytes", field)
	}
	return checkText(field, s, true)
}

// checkText checks free text: valid UTF-8, no control characters but
// newlines and tabs, at most parley.MaxTextSize bytes.
func checkText(field, s string, required bool) error {
	if s == "" {
		if required {
			return parley.Errorf(parley.EINVALID, "payload field %q is required", field)
		}
		return nil
	}
	if len(s) > parley.MaxTextSize {
		return parley.Errorf(parley.ETOOLARGE, "payload field %q is %d bytes, more than the limit of %d", field, len(s), parley.MaxTextSize)
	}
	if !utf8.ValidString(s) {
		return parley.Errorf(parley.EINVALID, "payload field %q is not valid UTF-8", field)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return parley.Errorf(parley.EINVALID, "payload field %q holds the control character U+%04X", field, r)
		}
	}
	return nil
}

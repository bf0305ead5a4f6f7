package state

import (
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/measures"
)

// Talks is the state of one talks after the events applied so far. Its
// rooms, one file each, hold the state of one concern with the checks and
// the changes of the acts that make it: the roster (roster.go), rounds and
// invitations (rounds.go), items, versions, rules and packages (items.go),
// amendments (amendments.go), stances (stances.go), statements, the caucus
// and facts (statements.go), measures carried out (measures.go), the
// issues of items and the parties' sealed preferences (preferences.go),
// witnessing (witnessing.go) and visibility with releases (visibility.go).
type Talks struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Visibility  string      `json:"visibility"`
	Proximity   bool        `json:"proximity,omitempty"`
	Rule        parley.Rule `json:"rule"`
	Founded     time.Time   `json:"founded"`
	Languages   []string    `json:"languages,omitempty"` // the official languages, in the order the founding gave
	// Titles is the title in official languages, by tag (FoundTalks.Titles).
	Titles map[string]string `json:"titles,omitempty"`
	Size   int64             `json:"size"` // number of events applied

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
	sealing                          // sealed payloads and their re-wraps (keys.go)
	bargaining                       // issues defined and preferences given (preferences.go)
	vis            []string          // visibility of each event, by log index
	items          map[string]*Item  // by id
	packageOf      map[string]string // item → package
	nonces         map[string]bool   // nonces seen
	rounds         map[string]*Round // by id
	narrowed       map[string]bool   // parties shown agreement-relevant events others are not (see Narrowed)
	book           *measures.Book    // measures carried out (measures.go)
	agreeing       *Tracker          // what is agreed, for the measures in force, once one has a plan
	lastAt         time.Time         // the signer's time of the last event applied
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
		book:      measures.NewBook(),
	}
}

// HasNonce reports whether an event with this nonce was applied.
func (t *Talks) HasNonce(nonce string) bool { return t.nonces[nonce] }

// An act is an event being checked: the event, its log index, and its
// signer's key and time.
type act struct {
	e     *parley.Event
	index int64
	by    string
	at    time.Time
}

// A check checks an act of one kind against the state and returns the
// change it makes (nil for none), without changing anything itself.
type check func(t *Talks, c act, a parley.Act) (apply func(), err error)

// checks holds the check of each kind, registered by the room that owns
// it (on).
var checks = map[string]check{}

// on registers the check of a kind, whose act is of type A.
func on[A parley.Act](kind string, f func(t *Talks, c act, a A) (func(), error)) {
	if checks[kind] != nil {
		panic("state: two rooms check " + kind)
	}
	checks[kind] = func(t *Talks, c act, x parley.Act) (func(), error) {
		a, ok := x.(A)
		if !ok {
			return nil, parley.Errorf(parley.EINTERNAL, "the act of a %s event is a %T", kind, x)
		}
		return f(t, c, a)
	}
}

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
	if e.Kind != parley.KindFoundTalks && t.Size == 0 {
		return parley.Errorf(parley.EINVALID, "talks %q does not exist: found it first with %s", t.ID, parley.KindFoundTalks)
	}
	a, err := e.Decode()
	if err != nil {
		return err
	}
	chk := checks[e.Kind]
	if chk == nil {
		return parley.Errorf(parley.EINVALID, "kind %q is not known", e.Kind)
	}
	c := act{e: e, index: index, by: e.Actor, at: e.At()}
	// The founding is checked before the roster makes its signer the
	// convener; every other act is authorized by the roster (which also
	// applies roster acts), then checked against the rest of the state.
	var apply func()
	if e.Kind == parley.KindFoundTalks {
		if apply, err = chk(t, c, a); err == nil {
			err = t.Roster.Authorize(e, index)
		}
	} else if err = t.Roster.Authorize(e, index); err == nil {
		apply, err = chk(t, c, a)
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
	t.trackMeasures(e, index)
	return nil
}

func init() {
	on(parley.KindFoundTalks, (*Talks).found)
}

func (t *Talks) found(c act, p *parley.FoundTalks) (func(), error) {
	if t.Size != 0 {
		return nil, parley.Errorf(parley.ECONFLICT, "talks %q is already founded; pick another talks id", t.ID)
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
	if err := checkLanguages(p.Languages); err != nil {
		return nil, err
	}
	if err := checkTitles(p.Titles, p.Languages); err != nil {
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
		t.Founded, t.Languages, t.Titles = c.at, p.Languages, p.Titles
		t.RuleChanges = append(t.RuleChanges, &RuleChange{Rule: p.Rule, Index: 0})
	}, nil
}

// signer returns the viewer who signed e, for checks of what that signer
// may see.
func (t *Talks) signer(e *parley.Event) Viewer { return t.ViewerOf(e.Actor) }

func (t *Talks) checkParty(party string) error {
	if _, ok := t.Roster.Parties[party]; !ok {
		return parley.Errorf(parley.ENOTFOUND, "payload field \"party\": %q is not a party of the talks", party)
	}
	return nil
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

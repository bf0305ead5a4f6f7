// Package state derives the state of a talks from its events: the roster and
// who may sign what, rounds and invitations, items, versions, amendments,
// stances, statements and facts, and the agreement over time. The state is a
// projection: replaying the same events always gives the same state.
package state

import (
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
)

// An Actor is a key on the roster of a talks.
type Actor struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Party   string `json:"party,omitempty"`
	Revoked bool   `json:"revoked,omitempty"`
	Since   int64  `json:"since"` // log index of the event that added it
	// EncryptionKey is the actor's current public encryption key, the
	// last it published (key.encryption), "" before any; what is sealed
	// to the actor from now on is sealed to it. EncryptionKeyIndex is the
	// log index of the event that published it.
	EncryptionKey      string `json:"encryption_key,omitempty"`
	EncryptionKeyIndex int64  `json:"encryption_key_index,omitempty"`
}

// A Roster is who may sign what in a talks, as the log itself established
// it: the founding event makes its signer the convener, the convener names
// mediators, and roster events bind actors to parties and roles.
//
// A Roster checks authorization only; Talks checks acts against the whole
// state. Offline verification replays a Roster over the events a viewer
// may see; roster events are always public so that this works for anyone.
type Roster struct {
	Talks   string
	Actors  map[string]*Actor // by key
	Parties map[string]string // party id → name
	// Keys holds every encryption key each actor published, by actor, in
	// log order: the last is its current key (Actor.EncryptionKey), the
	// earlier ones what older sealed payloads were sealed to.
	Keys     map[string][]KeyRecord
	keyOwner map[string]string          // encryption key → the actor who published it
	parsed   map[string]*seal.PublicKey // every encryption key published, parsed and checked
	founded  bool
	at       time.Time // when the talks was founded, by its founding event
}

// NewRoster returns the empty roster of a talks that is yet to be founded.
func NewRoster(talks string) *Roster {
	return &Roster{Talks: talks, Actors: map[string]*Actor{}, Parties: map[string]string{}}
}

// AlwaysPublic reports whether events of kind k are visible to everyone
// whatever the talks' visibility: those that make the roster, so that anyone
// can check who was entitled to sign, and witnessing, so that anyone can
// see who vouched for which checkpoint and any evidence of a fork. The
// table of kinds says which (parley.Spec).
func AlwaysPublic(kind string) bool { return parley.AlwaysPublic(kind) }

// Signer returns the roster entry of e's signer, or nil.
func (r *Roster) Signer(e *parley.Event) *Actor { return r.Actors[e.Actor] }

// Authorize checks that e's signer may sign an event of e's kind at this
// point of the log, by the table of kinds' signing rule, and applies e if
// it changes the roster. It does not check the act against the rest of
// the state. Index is e's log index.
func (r *Roster) Authorize(e *parley.Event, index int64) error {
	if e.Talks != r.Talks {
		return parley.Errorf(parley.EINVALID, "this event is for talks %q, not %q", e.Talks, r.Talks)
	}
	spec := parley.Spec(e.Kind)
	if spec == nil {
		return parley.Errorf(parley.EINVALID, "kind %q is not known", e.Kind)
	}
	if err := r.checkVis(e); err != nil {
		return err
	}
	act, err := e.Decode()
	if err != nil {
		return err
	}
	if p, ok := act.(*parley.FoundTalks); ok {
		switch {
		case r.founded:
			return parley.Errorf(parley.ECONFLICT, "talks %q is already founded; pick another talks id", r.Talks)
		case index > 0:
			return parley.Errorf(parley.EINVALID, "%s is the first event of a log, and this one is at index %d", parley.KindFoundTalks, index)
		}
		r.founded, r.at = true, e.At()
		r.Actors[e.Actor] = &Actor{Key: e.Actor, Name: p.ConvenerName, Role: parley.RoleConvener, Since: index}
		return nil
	}
	if !r.founded {
		return parley.Errorf(parley.EINVALID, "talks %q is not founded yet: its first event must be %s", r.Talks, parley.KindFoundTalks)
	}
	if e.At().Before(r.at) {
		return parley.Errorf(parley.EINVALID, "event field \"time\": %s is before the talks was founded (%s); check the signer's clock", e.Time, r.at.Format(time.RFC3339))
	}
	a := r.Actors[e.Actor]
	if a == nil {
		return parley.Errorf(parley.EFORBIDDEN, "the signer %s is not on the roster of talks %q: ask a mediator to add the key", short(e.Actor), r.Talks)
	}
	if a.Revoked {
		return parley.Errorf(parley.EFORBIDDEN, "the signer %s (%s) was revoked from talks %q and may no longer act", short(e.Actor), a.Name, r.Talks)
	}
	if err := spec.Authorize(parley.Signer{Name: a.Name, Role: a.Role, Party: a.Party}, act); err != nil {
		return err
	}
	switch p := act.(type) {
	case *parley.AddMediator:
		return r.addMediator(p, index)
	case *parley.AddParty:
		return r.addParty(p)
	case *parley.AddActor:
		return r.addActor(p, index)
	case *parley.RevokeActor:
		return r.revoke(p)
	case *parley.EncryptionKey:
		return r.publishKey(e, p, index)
	}
	return nil
}

// checkVis checks an event's "vis" against what the roster alone says:
// the kinds that make the roster, keys and witnessing are always public;
// the opening and closing of a round are seen by every party (whether a
// round is open decides what each may do, and a party refused an act
// because a round it was not shown had closed would learn of it from the
// refusal); and a party's visibility names a party of the talks.
func (r *Roster) checkVis(e *parley.Event) error {
	if e.Vis == "" {
		return nil
	}
	if parley.AlwaysPublic(e.Kind) && e.Vis != parley.VisPublic {
		return parley.Errorf(parley.EINVALID, "event field \"vis\": %s events are always public so that anyone can check the roster; leave \"vis\" out", e.Kind)
	}
	if (e.Kind == parley.KindOpenRound || e.Kind == parley.KindCloseRound) && e.Vis != parley.VisPublic && e.Vis != parley.VisParticipants {
		return parley.Errorf(parley.EINVALID, "event field \"vis\": the opening and the closing of a round decide what every party may do, so every party sees them; leave \"vis\" out, and keep a confidential closing note for the caucus")
	}
	if p, ok := parley.PartyOfVis(e.Vis); ok && r.Parties[p] == "" {
		return parley.Errorf(parley.EINVALID, "event field \"vis\": %q is not a party of the talks", p)
	}
	return nil
}

func (r *Roster) addMediator(p *parley.AddMediator, index int64) error {
	if err := r.checkNewKey(p.Key); err != nil {
		return err
	}
	if err := checkName("name", p.Name); err != nil {
		return err
	}
	r.Actors[p.Key] = &Actor{Key: p.Key, Name: p.Name, Role: parley.RoleMediator, Since: index}
	return nil
}

func (r *Roster) addParty(p *parley.AddParty) error {
	if err := checkID("party", p.Party); err != nil {
		return err
	}
	if err := checkName("name", p.Name); err != nil {
		return err
	}
	if _, ok := r.Parties[p.Party]; ok {
		return parley.Errorf(parley.ECONFLICT, "party %q is already in the talks", p.Party)
	}
	r.Parties[p.Party] = p.Name
	return nil
}

func (r *Roster) addActor(p *parley.AddActor, index int64) error {
	if !parley.ValidRole(p.Role) {
		return parley.Errorf(parley.EINVALID, "payload field \"role\": %q is not head, delegate, observer or verifier", p.Role)
	}
	if err := r.checkNewKey(p.Key); err != nil {
		return err
	}
	if err := checkName("name", p.Name); err != nil {
		return err
	}
	if p.Role == parley.RoleHead || p.Role == parley.RoleDelegate || p.Party != "" {
		if _, ok := r.Parties[p.Party]; !ok {
			return parley.Errorf(parley.EINVALID, "payload field \"party\": %q is not a party of the talks; add the party first", p.Party)
		}
	}
	r.Actors[p.Key] = &Actor{Key: p.Key, Name: p.Name, Role: p.Role, Party: p.Party, Since: index}
	return nil
}

func (r *Roster) revoke(p *parley.RevokeActor) error {
	t := r.Actors[p.Key]
	switch {
	case t == nil:
		return parley.Errorf(parley.ENOTFOUND, "payload field \"key\": no actor with key %s on the roster", short(p.Key))
	case t.Role == parley.RoleConvener:
		return parley.Errorf(parley.EFORBIDDEN, "the convener cannot be revoked")
	case t.Revoked:
		return parley.Errorf(parley.ECONFLICT, "%s is already revoked", t.Name)
	}
	if err := checkText("reason", p.Reason, true); err != nil {
		return err
	}
	t.Revoked = true
	return nil
}

// The roster applies its own acts when it authorizes them; the rest of the
// state only keeps the order of the parties.
func init() {
	none := func(*Talks, act, parley.Act) (func(), error) { return nil, nil }
	checks[parley.KindAddMediator] = none
	checks[parley.KindAddActor] = none
	checks[parley.KindRevokeActor] = none
	on(parley.KindAddParty, func(t *Talks, _ act, p *parley.AddParty) (func(), error) {
		return func() { t.PartyOrder = append(t.PartyOrder, p.Party) }, nil
	})
}

func (r *Roster) checkNewKey(k string) error {
	if _, err := parley.ParseKey(k); err != nil {
		return parley.Errorf(parley.EINVALID, "payload field \"key\": %v", err)
	}
	if old := r.Actors[k]; old != nil {
		return parley.Errorf(parley.ECONFLICT, "payload field \"key\": the key is already on the roster as %s (%s); one key holds one role", old.Name, old.Role)
	}
	return nil
}

// label is what names the actor as a witness: its party, else its role.
func (a *Actor) label() string {
	if a.Party != "" {
		return a.Party
	}
	return a.Role
}

func describe(a *Actor) parley.Phrase {
	switch {
	case a.Party != "" && a.Role == parley.RoleHead:
		return parley.Key("head of %s", a.Party)
	case a.Party != "" && a.Role == parley.RoleDelegate:
		return parley.Key("delegate of %s", a.Party)
	case a.Party != "" && a.Role == parley.RoleObserver:
		return parley.Key("observer of %s", a.Party)
	case a.Party != "" && a.Role == parley.RoleVerifier:
		return parley.Key("verifier of %s", a.Party)
	case a.Party != "":
		return parley.Key("%s of %s", a.Role, a.Party)
	case a.Role == parley.RoleConvener:
		return parley.Key("the convener")
	case a.Role == parley.RoleMediator:
		return parley.Key("the mediator")
	case a.Role == parley.RoleObserver:
		return parley.Key("an observer")
	case a.Role == parley.RoleVerifier:
		return parley.Key("a verifier")
	}
	return parley.Key("a %s", a.Role)
}

func short(key string) string {
	if len(key) > 12 {
		return key[:12] + "…"
	}
	return key
}

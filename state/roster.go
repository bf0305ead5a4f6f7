// Package state derives the state of a talks from its events: the roster and
// who may sign what, rounds and invitations, items, versions, amendments,
// stances, statements and facts, and the agreement over time. The state is a
// projection: replaying the same events always gives the same state.
package state

import (
	"github.com/parleyhq/parley"
)

// An Actor is a key on the roster of a talks.
type Actor struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Party   string `json:"party,omitempty"`
	Revoked bool   `json:"revoked,omitempty"`
	Since   int64  `json:"since"` // log index of the event that added it
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
	founded bool
}

// NewRoster returns the empty roster of a talks that is yet to be founded.
func NewRoster(talks string) *Roster {
	return &Roster{Talks: talks, Actors: map[string]*Actor{}, Parties: map[string]string{}}
}

// AlwaysPublic reports whether events of kind k are visible to everyone
// whatever the talks' visibility: those that make the roster, so that anyone
// can check who was entitled to sign, and witnessing, so that anyone can
// see who vouched for which checkpoint and any evidence of a fork.
func AlwaysPublic(kind string) bool {
	switch kind {
	case parley.KindFoundTalks, parley.KindAddMediator, parley.KindAddParty, parley.KindAddActor, parley.KindRevokeActor,
		parley.KindCosign, parley.KindForkEvidence:
		return true
	}
	return false
}

// Signer returns the roster entry of e's signer, or nil.
func (r *Roster) Signer(e *parley.Event) *Actor { return r.Actors[e.Actor] }

// Authorize checks that e's signer may sign an event of e's kind at this
// point of the log, and applies e if it changes the roster. It does not
// check the act against the rest of the state. Index is e's log index.
func (r *Roster) Authorize(e *parley.Event, index int64) error {
	if e.Talks != r.Talks {
		return parley.Errorf(parley.EINVALID, "this event is for talks %q, not %q", e.Talks, r.Talks)
	}
	if e.Kind == parley.KindFoundTalks {
		if r.founded {
			return parley.Errorf(parley.ECONFLICT, "talks %q is already founded; pick another talks id", r.Talks)
		}
		var p parley.FoundTalks
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
		r.founded = true
		r.Actors[e.Actor] = &Actor{Key: e.Actor, Name: p.ConvenerName, Role: parley.RoleConvener, Since: index}
		return nil
	}
	if !r.founded {
		return parley.Errorf(parley.EINVALID, "talks %q is not founded yet: its first event must be %s", r.Talks, parley.KindFoundTalks)
	}
	a := r.Actors[e.Actor]
	if a == nil {
		return parley.Errorf(parley.EFORBIDDEN, "the signer %s is not on the roster of talks %q: ask a mediator to add the key", short(e.Actor), r.Talks)
	}
	if a.Revoked {
		return parley.Errorf(parley.EFORBIDDEN, "the signer %s (%s) was revoked from talks %q and may no longer act", short(e.Actor), a.Name, r.Talks)
	}
	chair := a.Role == parley.RoleConvener || a.Role == parley.RoleMediator
	deny := func(who string) error {
		return parley.Errorf(parley.EFORBIDDEN, "%s may be signed only by %s; the signer %s is %s", e.Kind, who, a.Name, describe(a))
	}
	switch e.Kind {
	case parley.KindAddMediator:
		if a.Role != parley.RoleConvener {
			return deny("the convener")
		}
		var p parley.AddMediator
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
		if err := r.checkNewKey(p.Key); err != nil {
			return err
		}
		if err := checkName("name", p.Name); err != nil {
			return err
		}
		r.Actors[p.Key] = &Actor{Key: p.Key, Name: p.Name, Role: parley.RoleMediator, Since: index}
	case parley.KindAddParty:
		if !chair {
			return deny("the convener or a mediator")
		}
		var p parley.AddParty
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
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
	case parley.KindAddActor:
		var p parley.AddActor
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
		headOwnDelegate := a.Role == parley.RoleHead && p.Role == parley.RoleDelegate && p.Party == a.Party
		if !chair && !headOwnDelegate {
			return deny("the convener, a mediator, or a party's head adding its own delegates")
		}
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
	case parley.KindRevokeActor:
		if !chair {
			return deny("the convener or a mediator")
		}
		var p parley.RevokeActor
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
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
	case parley.KindPlanRound, parley.KindOpenRound, parley.KindCloseRound, parley.KindInvite,
		parley.KindAddItem, parley.KindSetPackage, parley.KindSetRule:
		if !chair {
			return deny("the convener or a mediator")
		}
	case parley.KindTableVersion:
		if a.Role != parley.RoleMediator {
			return deny("a mediator")
		}
	case parley.KindAcceptInvitation, parley.KindDeclineInvitation:
		var p parley.Invitation
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
		return r.checkDelegation(a, e.Kind, p.Party)
	case parley.KindProposeAmendment:
		var p parley.ProposeAmendment
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
		return r.checkDelegation(a, e.Kind, p.Party)
	case parley.KindSetStance:
		var p parley.SetStance
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
		return r.checkDelegation(a, e.Kind, p.Party)
	case parley.KindStatement, parley.KindCosign, parley.KindForkEvidence:
		// Anyone on the roster may speak, witness, and report a fork.
	case parley.KindCaucus:
		var p parley.Caucus
		if err := parley.DecodePayload(e, &p); err != nil {
			return err
		}
		if !chair {
			return r.checkDelegation(a, e.Kind, p.Party)
		}
	case parley.KindRelease:
		if a.Role != parley.RoleMediator {
			return deny("a mediator")
		}
	case parley.KindConfirmFact:
		if a.Role != parley.RoleVerifier {
			return deny("a verifier")
		}
	default:
		return parley.Errorf(parley.EINVALID, "kind %q is not known", e.Kind)
	}
	return nil
}

// checkDelegation checks that a may act for party.
func (r *Roster) checkDelegation(a *Actor, kind, party string) error {
	if a.Role != parley.RoleHead && a.Role != parley.RoleDelegate {
		return parley.Errorf(parley.EFORBIDDEN, "%s may be signed only by a party's head or delegate; the signer %s is %s", kind, a.Name, describe(a))
	}
	if a.Party != party {
		return parley.Errorf(parley.EFORBIDDEN, "%s (%s) acts for party %q, not for %q: a delegate acts only for its own party", a.Name, a.Role, a.Party, party)
	}
	return nil
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

func describe(a *Actor) string {
	switch {
	case a.Party != "":
		return a.Role + " of " + a.Party
	case a.Role == parley.RoleConvener, a.Role == parley.RoleMediator:
		return "the " + a.Role
	case a.Role == parley.RoleObserver:
		return "an observer"
	}
	return "a " + a.Role
}

func short(key string) string {
	if len(key) > 12 {
		return key[:12] + "…"
	}
	return key
}

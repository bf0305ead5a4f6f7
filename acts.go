package parley

import (
	"fmt"
	"slices"
	"strings"
)

// An Act is the typed payload of an event: what its actor did. DecodeEvent
// decodes an event's payload once, strictly, into the act its kind's entry
// of the table of kinds names (*SetStance for stance.set, …), and every
// later step works on that value: nothing outside this package decodes a
// payload.
type Act interface{ act() }

func (*FoundTalks) act()         {}
func (*AddMediator) act()        {}
func (*AddParty) act()           {}
func (*AddActor) act()           {}
func (*RevokeActor) act()        {}
func (*PlanRound) act()          {}
func (*RoundRef) act()           {}
func (*CloseRound) act()         {}
func (*Invitation) act()         {}
func (*AddItem) act()            {}
func (*SetPackage) act()         {}
func (*SetRule) act()            {}
func (*TableVersion) act()       {}
func (*TranslateVersion) act()   {}
func (*FlagDivergence) act()     {}
func (*WithdrawDivergence) act() {}
func (*ProposeAmendment) act()   {}
func (*SetStance) act()          {}
func (*Statement) act()          {}
func (*ConfirmFact) act()        {}
func (*Caucus) act()             {}
func (*Release) act()            {}
func (*Cosign) act()             {}
func (*ForkEvidence) act()       {}

// A PartyAct is an act done for, or about, one party, which the table's
// signing rules may refer to.
type PartyAct interface {
	Act
	ActParty() string
}

func (p *Invitation) ActParty() string         { return p.Party }
func (p *ProposeAmendment) ActParty() string   { return p.Party }
func (p *SetStance) ActParty() string          { return p.Party }
func (p *Caucus) ActParty() string             { return p.Party }
func (p *Release) ActParty() string            { return p.Party }
func (p *FlagDivergence) ActParty() string     { return p.Party }
func (p *WithdrawDivergence) ActParty() string { return p.Party }

// Who may sign an act of a kind. A kind allows the union of what it sets.
type Signers struct {
	// Founder: anyone, as the first event of a talks; the signer becomes
	// its convener.
	Founder bool
	// Roles are the roles that may sign it, whatever party the act names.
	Roles []string
	// Delegation: a head or a delegate of the party the act names
	// (PartyAct).
	Delegation bool
	// HeadsOwnDelegates: a party's head, putting a delegate of its own
	// party on the roster (AddActor).
	HeadsOwnDelegates bool
	// Anyone: any actor on the roster.
	Anyone bool
}

// A KindSpec is everything about a kind of event that does not depend on
// the state: its payload's type, who may sign it, whether it is always
// public. The state checks the act against everything else.
type KindSpec struct {
	Kind    string
	Payload string // the Go type of its payload, as docs/RECORD.md names it
	// Who says who may sign it, in the words of docs/RECORD.md §9.
	Who     Phrase
	Signers Signers
	// AlwaysPublic: seen by everyone whatever the talks' visibility, so
	// that anyone can check who was entitled to sign (the roster), to
	// whom sealed acts had to be sealed (encryption keys) and who vouched
	// for what (witnessing).
	AlwaysPublic bool
	new          func() Act
	// describe tells what an act of the kind does (Describe).
	describe func(a Act, n Namer, kind string) Description
}

// New returns a new, empty payload of the kind.
func (s *KindSpec) New() Act { return s.new() }

var (
	chair    = []string{RoleConvener, RoleMediator}
	mediator = []string{RoleMediator}
)

// kindTable is the table of kinds: one entry for each, in the order of
// docs/RECORD.md §9, which a test checks against it.
var kindTable = []KindSpec{
	{Kind: KindFoundTalks, Payload: "FoundTalks", Who: Key("anyone, as the first event; the signer becomes the convener"), Signers: Signers{Founder: true}, AlwaysPublic: true, new: func() Act { return new(FoundTalks) }, describe: describeFound},
	{Kind: KindAddMediator, Payload: "AddMediator", Who: Key("the convener"), Signers: Signers{Roles: []string{RoleConvener}}, AlwaysPublic: true, new: func() Act { return new(AddMediator) }, describe: describeAddMediator},
	{Kind: KindAddParty, Payload: "AddParty", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, AlwaysPublic: true, new: func() Act { return new(AddParty) }, describe: describeAddParty},
	{Kind: KindAddActor, Payload: "AddActor", Who: Key("the convener, a mediator, or a party's head for its own delegates"), Signers: Signers{Roles: chair, HeadsOwnDelegates: true}, AlwaysPublic: true, new: func() Act { return new(AddActor) }, describe: describeAddActor},
	{Kind: KindRevokeActor, Payload: "RevokeActor", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, AlwaysPublic: true, new: func() Act { return new(RevokeActor) }, describe: describeRevoke},
	{Kind: KindEncryptionKey, Payload: "EncryptionKey", Who: Key("any actor on the roster, for itself"), Signers: Signers{Anyone: true}, AlwaysPublic: true, new: func() Act { return new(EncryptionKey) }, describe: describeEncryptionKey},
	{Kind: KindPlanRound, Payload: "PlanRound", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, new: func() Act { return new(PlanRound) }, describe: describePlanRound},
	{Kind: KindOpenRound, Payload: "RoundRef", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, new: func() Act { return new(RoundRef) }, describe: describeOpenRound},
	{Kind: KindCloseRound, Payload: "CloseRound", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, new: func() Act { return new(CloseRound) }, describe: describeCloseRound},
	{Kind: KindInvite, Payload: "Invitation", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, new: func() Act { return new(Invitation) }, describe: describeInvitation},
	{Kind: KindAcceptInvitation, Payload: "Invitation", Who: Key("the party's head or delegate"), Signers: Signers{Delegation: true}, new: func() Act { return new(Invitation) }, describe: describeInvitation},
	{Kind: KindDeclineInvitation, Payload: "Invitation with a reason", Who: Key("the party's head or delegate"), Signers: Signers{Delegation: true}, new: func() Act { return new(Invitation) }, describe: describeInvitation},
	{Kind: KindAddItem, Payload: "AddItem", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, new: func() Act { return new(AddItem) }, describe: describeAddItem},
	{Kind: KindSetPackage, Payload: "SetPackage", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, new: func() Act { return new(SetPackage) }, describe: describeSetPackage},
	{Kind: KindSetRule, Payload: "SetRule", Who: Key("the convener or a mediator"), Signers: Signers{Roles: chair}, new: func() Act { return new(SetRule) }, describe: describeSetRule},
	{Kind: KindTableVersion, Payload: "TableVersion", Who: Key("a mediator"), Signers: Signers{Roles: mediator}, new: func() Act { return new(TableVersion) }, describe: describeTableVersion},
	{Kind: KindTranslateVersion, Payload: "TranslateVersion", Who: Key("a mediator"), Signers: Signers{Roles: mediator}, new: func() Act { return new(TranslateVersion) }, describe: describeTranslate},
	{Kind: KindFlagDivergence, Payload: "FlagDivergence", Who: Key("a head or delegate of the party named in the payload"), Signers: Signers{Delegation: true}, new: func() Act { return new(FlagDivergence) }, describe: describeFlag},
	{Kind: KindWithdrawDivergence, Payload: "WithdrawDivergence", Who: Key("a head or delegate of the party named in the payload"), Signers: Signers{Delegation: true}, new: func() Act { return new(WithdrawDivergence) }, describe: describeWithdraw},
	{Kind: KindProposeAmendment, Payload: "ProposeAmendment", Who: Key("a head or delegate of the party named in the payload"), Signers: Signers{Delegation: true}, new: func() Act { return new(ProposeAmendment) }, describe: describeAmendment},
	{Kind: KindSetStance, Payload: "SetStance", Who: Key("a head or delegate of the party named in the payload"), Signers: Signers{Delegation: true}, new: func() Act { return new(SetStance) }, describe: describeStance},
	{Kind: KindStatement, Payload: "Statement", Who: Key("any actor on the roster"), Signers: Signers{Anyone: true}, new: func() Act { return new(Statement) }, describe: describeStatement},
	{Kind: KindConfirmFact, Payload: "ConfirmFact", Who: Key("a verifier"), Signers: Signers{Roles: []string{RoleVerifier}}, new: func() Act { return new(ConfirmFact) }, describe: describeFact},
	{Kind: KindPlanMeasure, Payload: "PlanMeasure", Who: Key("a mediator"), Signers: Signers{Roles: mediator}, new: func() Act { return new(PlanMeasure) }, describe: describePlanMeasure},
	{Kind: KindReportStep, Payload: "ReportStep", Who: Key("a head or delegate of the party named in the payload, which the step obliges"), Signers: Signers{Delegation: true}, new: func() Act { return new(ReportStep) }, describe: describeReportStep},
	{Kind: KindVerifyStep, Payload: "VerifyStep", Who: Key("a verifier: the step's own"), Signers: Signers{Roles: []string{RoleVerifier}}, new: func() Act { return new(VerifyStep) }, describe: describeVerifyStep},
	{Kind: KindDefineIssues, Payload: "DefineIssues", Who: Key("a mediator"), Signers: Signers{Roles: mediator}, new: func() Act { return new(DefineIssues) }, describe: describeDefineIssues},
	{Kind: KindGivePreferences, Payload: "GivePreferences", Who: Key("a head or delegate of the party named in the payload"), Signers: Signers{Delegation: true}, new: func() Act { return new(GivePreferences) }, describe: describeGivePreferences},
	{Kind: KindCaucus, Payload: "Caucus", Who: Key("the convener, a mediator, or a head or delegate of the party named in the payload"), Signers: Signers{Roles: chair, Delegation: true}, new: func() Act { return new(Caucus) }, describe: describeCaucus},
	{Kind: KindRewrap, Payload: "Rewrap", Who: Key("a recipient of every sealed payload it names"), Signers: Signers{Anyone: true}, new: func() Act { return new(Rewrap) }, describe: describeRewrap},
	{Kind: KindRelease, Payload: "Release", Who: Key("a mediator"), Signers: Signers{Roles: mediator}, new: func() Act { return new(Release) }, describe: describeRelease},
	{Kind: KindCosign, Payload: "Cosign", Who: Key("any actor on the roster (as a witness)"), Signers: Signers{Anyone: true}, AlwaysPublic: true, new: func() Act { return new(Cosign) }},
	{Kind: KindForkEvidence, Payload: "ForkEvidence", Who: Key("any actor on the roster"), Signers: Signers{Anyone: true}, AlwaysPublic: true, new: func() Act { return new(ForkEvidence) }},
}

var kindIndex = func() map[string]*KindSpec {
	m := make(map[string]*KindSpec, len(kindTable))
	for i := range kindTable {
		m[kindTable[i].Kind] = &kindTable[i]
	}
	return m
}()

// Spec returns the table's entry for a kind, or nil for a kind this
// version does not know.
func Spec(kind string) *KindSpec { return kindIndex[kind] }

// Specs returns the table of kinds, in the order of docs/RECORD.md §9.
func Specs() []KindSpec { return slices.Clone(kindTable) }

// AlwaysPublic reports whether events of kind k are seen by everyone
// whatever the talks' visibility.
func AlwaysPublic(k string) bool {
	s := Spec(k)
	return s != nil && s.AlwaysPublic
}

// A Signer is the signer of an act as the roster knows it.
type Signer struct {
	Name  string
	Role  string
	Party string // for heads and delegates, and observers or verifiers of a party
}

// describe says what the signer is: "head of oppA", "the mediator".
func (s Signer) describe() Phrase {
	switch {
	case s.Party != "" && s.Role == RoleHead:
		return Key("head of %s", s.Party)
	case s.Party != "" && s.Role == RoleDelegate:
		return Key("delegate of %s", s.Party)
	case s.Party != "" && s.Role == RoleObserver:
		return Key("observer of %s", s.Party)
	case s.Party != "" && s.Role == RoleVerifier:
		return Key("verifier of %s", s.Party)
	case s.Party != "":
		return Key("%s of %s", s.Role, s.Party)
	case s.Role == RoleConvener:
		return Key("the convener")
	case s.Role == RoleMediator:
		return Key("the mediator")
	case s.Role == RoleObserver:
		return Key("an observer")
	case s.Role == RoleVerifier:
		return Key("a verifier")
	}
	return Key("a %s", s.Role)
}

// Authorize checks that signer may sign act, an act of this kind, by the
// table's rule alone; the roster has already checked that the signer is on
// it and not revoked. It returns a *Error saying who may.
func (s *KindSpec) Authorize(signer Signer, act Act) error {
	r := s.Signers
	if r.Anyone || slices.Contains(r.Roles, signer.Role) {
		return nil
	}
	if r.HeadsOwnDelegates {
		if p, ok := act.(*AddActor); ok && signer.Role == RoleHead && p.Role == RoleDelegate && p.Party == signer.Party {
			return nil
		}
	}
	delegate := signer.Role == RoleHead || signer.Role == RoleDelegate
	if r.Delegation && delegate {
		pa, ok := act.(PartyAct)
		if !ok {
			return Errorf(EINTERNAL, "kind %s allows a delegation to sign it, but its payload names no party", s.Kind)
		}
		if signer.Party != pa.ActParty() {
			return Errorf(EFORBIDDEN, "%s (%s) acts for party %q, not for %q: a delegate acts only for its own party", signer.Name, signer.Role, signer.Party, pa.ActParty())
		}
		return nil
	}
	if r.Delegation && len(r.Roles) == 0 {
		return Errorf(EFORBIDDEN, "%s may be signed only by a party's head or delegate; the signer %s is %s", s.Kind, signer.Name, signer.describe())
	}
	return Errorf(EFORBIDDEN, "%s may be signed only by %s; the signer %s is %s", s.Kind, s.Who, signer.Name, signer.describe())
}

// SignersText returns the table of docs/RECORD.md §9: a Markdown row per
// kind, "| `kind` | Payload | who may sign |".
func SignersText() string {
	var b strings.Builder
	b.WriteString("| kind | payload | who may sign |\n|---|---|---|\n")
	for _, s := range kindTable {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.Kind, s.Payload, s.Who)
	}
	return b.String()
}

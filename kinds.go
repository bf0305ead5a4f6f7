package parley

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Kinds of event. docs/RECORD.md gives each payload; the payload types below
// are their Go form.
const (
	KindFoundTalks         = "talks.found"         // FoundTalks; the signer becomes the convener
	KindAddMediator        = "roster.mediator"     // AddMediator; convener
	KindAddParty           = "roster.party"        // AddParty; convener or mediator
	KindAddActor           = "roster.actor"        // AddActor; convener, mediator, or a party's head for its own delegates
	KindRevokeActor        = "roster.revoke"       // RevokeActor; convener or mediator
	KindPlanRound          = "round.plan"          // PlanRound; convener or mediator
	KindOpenRound          = "round.open"          // RoundRef; convener or mediator
	KindCloseRound         = "round.close"         // CloseRound; convener or mediator
	KindInvite             = "invitation.send"     // Invitation; convener or mediator
	KindAcceptInvitation   = "invitation.accept"   // Invitation; the party's head or delegate
	KindDeclineInvitation  = "invitation.decline"  // Invitation with a reason; the party's head or delegate
	KindAddItem            = "item.add"            // AddItem; mediator
	KindSetPackage         = "item.package"        // SetPackage; mediator
	KindSetRule            = "item.rule"           // SetRule; mediator
	KindTableVersion       = "version.table"       // TableVersion; mediator
	KindTranslateVersion   = "version.translate"   // TranslateVersion; mediator
	KindFlagDivergence     = "divergence.flag"     // FlagDivergence; a party's head or delegate
	KindWithdrawDivergence = "divergence.withdraw" // WithdrawDivergence; the flagging party's head or delegate
	KindProposeAmendment   = "amendment.propose"   // ProposeAmendment; a party's head or delegate
	KindSetStance          = "stance.set"          // SetStance; a party's head or delegate
	KindStatement          = "statement.publish"   // Statement; any actor on the roster
	KindConfirmFact        = "fact.confirm"        // ConfirmFact; a verifier
	KindCaucus             = "caucus.message"      // Caucus; the mediators or the party; seen by them only
	KindRelease            = "mediator.release"    // Release; a mediator shows an event to a party (proximity talks)
	KindCosign             = "checkpoint.cosign"   // Cosign; any actor on the roster, as a witness
	KindForkEvidence       = "fork.evidence"       // ForkEvidence; any actor on the roster
)

// KnownKind reports whether k is a kind of event this version knows.
func KnownKind(k string) bool { return Spec(k) != nil }

// Kinds returns every known kind of event.
func Kinds() []string {
	out := make([]string, 0, len(kindTable))
	for _, s := range kindTable {
		out = append(out, s.Kind)
	}
	return out
}

// Roles of actors.
const (
	RoleConvener = "convener"
	RoleMediator = "mediator"
	RoleHead     = "head"     // head of a party's delegation
	RoleDelegate = "delegate" // member of a party's delegation
	RoleObserver = "observer"
	RoleVerifier = "verifier"
)

// ValidRole reports whether r is a role AddActor may give (convener and
// mediator are given by founding and AddMediator).
func ValidRole(r string) bool {
	switch r {
	case RoleHead, RoleDelegate, RoleObserver, RoleVerifier:
		return true
	}
	return false
}

// Stances.
const (
	StanceSupport      = "support"
	StanceAdReferendum = "ad_referendum"
	StanceAbstain      = "abstain"
	StanceReserve      = "reserve"
	StanceOppose       = "oppose"
	StanceConditional  = "conditional"
)

// ValidStance reports whether s is a stance.
func ValidStance(s string) bool {
	switch s {
	case StanceSupport, StanceAdReferendum, StanceAbstain, StanceReserve, StanceOppose, StanceConditional:
		return true
	}
	return false
}

// Visibility of events.
const (
	VisPublic       = "public"       // anyone, without signing in
	VisParticipants = "participants" // every actor on the roster
	VisMediators    = "mediators"    // the convener and the mediators
	visPartyPrefix  = "party:"       // "party:ID": that party's actors and the mediators
)

// VisParty returns the visibility "party:ID".
func VisParty(party string) string { return visPartyPrefix + party }

// PartyOfVis returns the party of a "party:ID" visibility.
func PartyOfVis(v string) (string, bool) {
	p, ok := strings.CutPrefix(v, visPartyPrefix)
	return p, ok && ValidID(p)
}

// ValidVisibility reports whether v is a visibility.
func ValidVisibility(v string) bool {
	switch v {
	case VisPublic, VisParticipants, VisMediators:
		return true
	}
	_, ok := PartyOfVis(v)
	return ok
}

// Rule kinds, as in DESIGN.md §4.
const (
	RuleConsensus      = "consensus"
	RuleConsensusMinus = "consensus_minus"
	RuleMajority       = "majority"
)

// A Rule is a decision rule.
type Rule struct {
	Kind      string  `json:"kind"`
	N         int     `json:"n,omitempty"`         // consensus_minus: the objections and silences tolerated, ≥ 0
	Threshold float64 `json:"threshold,omitempty"` // majority, in (0, 1]
}

// String says a rule in words: "consensus", "consensus minus 2", "a
// majority of 66.67%".
func (r Rule) String() string {
	switch r.Kind {
	case RuleConsensus:
		return "consensus"
	case RuleConsensusMinus:
		return fmt.Sprintf("consensus minus %d", r.N)
	case RuleMajority:
		return fmt.Sprintf("a majority of %.4g%%", r.Threshold*100)
	}
	return r.Kind
}

// Check returns an error naming what is wrong with r. The message starts
// with the field at fault, kind, n or threshold, so that a caller can put
// where the rule is in front of it ("rule.", "item_rules.X."). This is
// the one check of rules: the events that set them and the agreement
// engine's input both use it.
//
// Any n ≥ 0 is a rule: an n at least the number of parties tolerates
// every objection and silence, and the item then needs one yes only.
func (r Rule) Check() error {
	switch r.Kind {
	case "":
		return Errorf(EINVALID, "kind: missing; use consensus, consensus_minus (with n) or majority (with threshold)")
	case RuleConsensus:
		if r.N != 0 {
			return Errorf(EINVALID, "n: consensus takes no n; use consensus_minus to tolerate objections")
		}
		if r.Threshold != 0 {
			return Errorf(EINVALID, "threshold: consensus takes no threshold; use majority")
		}
	case RuleConsensusMinus:
		if r.N < 0 {
			return Errorf(EINVALID, "n: %d is negative; give the number of objections or silences tolerated, 0 or more", r.N)
		}
		if r.Threshold != 0 {
			return Errorf(EINVALID, "threshold: consensus_minus takes no threshold; use majority")
		}
	case RuleMajority:
		if !(r.Threshold > 0 && r.Threshold <= 1) {
			return Errorf(EINVALID, "threshold: %s is not in (0, 1]; give the share of non-abstaining parties needed, such as 0.5 or 0.6667",
				strconv.FormatFloat(r.Threshold, 'g', -1, 64))
		}
		if r.N != 0 {
			return Errorf(EINVALID, "n: majority takes no n; give its threshold only")
		}
	default:
		return Errorf(EINVALID, "kind: %q is not consensus, consensus_minus or majority", truncate(r.Kind, 40))
	}
	return nil
}

// Payloads.

// FoundTalks founds a talks. Its signer is the convener.
type FoundTalks struct {
	Title        string `json:"title"`
	ConvenerName string `json:"convener_name"`
	Rule         Rule   `json:"rule"`
	Visibility   string `json:"visibility,omitempty"` // default visibility of events: public or participants (the default)
	Proximity    bool   `json:"proximity,omitempty"`  // parties see only their own stances and what mediators release
	Description  string `json:"description,omitempty"`
	// Languages are the talks' official languages (BCP 47 tags): each
	// version of a text is tabled in all of them, equally authentic. None
	// means one unnamed language (TableVersion.Paragraphs).
	Languages []string `json:"languages,omitempty"`
	// Titles gives the title in official languages, by tag, for readers
	// of each; Title is shown where a language has none.
	Titles map[string]string `json:"titles,omitempty"`
}

// AddMediator names a mediator.
type AddMediator struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// AddParty adds a party to the talks.
type AddParty struct {
	Party string `json:"party"`
	Name  string `json:"name"`
}

// AddActor puts an actor on the roster with a role; heads and delegates
// belong to a party, observers and verifiers may.
type AddActor struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Party string `json:"party,omitempty"`
}

// RevokeActor takes an actor off the roster (a lost or stolen key).
type RevokeActor struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// PlanRound plans a round. Dates are YYYY-MM-DD.
type PlanRound struct {
	Round  string `json:"round"`
	Title  string `json:"title"`
	Starts string `json:"starts"`
	Ends   string `json:"ends"`
	Venue  string `json:"venue"`
	// Sandbox marks a round held for practice (a demo's, a training's):
	// its acts count as those of any round, the pages say it is a
	// sandbox, and a briefing of an earlier round does not count it as
	// a later round of the talks.
	Sandbox bool `json:"sandbox,omitempty"`
}

// RoundRef names a round.
type RoundRef struct {
	Round string `json:"round"`
}

// CloseRound closes a round.
type CloseRound struct {
	Round string `json:"round"`
	Note  string `json:"note,omitempty"`
}

// Invitation invites a party to a round, or answers the invitation. A
// decline carries its reason.
type Invitation struct {
	Round  string `json:"round"`
	Party  string `json:"party"`
	Reason string `json:"reason,omitempty"`
}

// Item kinds.
const (
	ItemDocument = "document"
	ItemMeasure  = "measure"
)

// AddItem puts an item on the agenda. Its text comes with TableVersion.
type AddItem struct {
	Item  string `json:"item"`
	Title string `json:"title"`
	Kind  string `json:"kind"`           // document or measure
	Rule  *Rule  `json:"rule,omitempty"` // overrides the talks' rule for this item
	// Titles gives the title in the talks' official languages, by tag,
	// for readers of each; Title is shown where a language has none.
	Titles map[string]string `json:"titles,omitempty"`
}

// SetPackage makes items agreed together or not at all. An empty list
// dissolves the package.
type SetPackage struct {
	Package string   `json:"package"`
	Items   []string `json:"items"`
}

// SetRule sets the decision rule of the talks, or of one item.
type SetRule struct {
	Item string `json:"item,omitempty"`
	Rule Rule   `json:"rule"`
}

// TableVersion tables a new version of an item's text: numbered paragraphs
// in the markup of package document. In talks with official languages the
// text is Texts, one list of paragraphs per language, aligned paragraph by
// paragraph; a version tabled in some of them is incomplete until
// TranslateVersion adds the others.
type TableVersion struct {
	Item       string              `json:"item"`
	Version    int                 `json:"version"` // 1, 2, ... in order
	Paragraphs []string            `json:"paragraphs,omitempty"`
	Texts      map[string][]string `json:"texts,omitempty"`      // language → paragraphs
	Amendments []string            `json:"amendments,omitempty"` // amendments this version takes in
	Note       string              `json:"note,omitempty"`
}

// TranslateVersion adds the text of a version in an official language it
// lacks, aligned with its other languages.
type TranslateVersion struct {
	Item       string   `json:"item"`
	Version    int      `json:"version"`
	Lang       string   `json:"lang"`
	Paragraphs []string `json:"paragraphs"`
	Note       string   `json:"note,omitempty"`
}

// FlagDivergence records a party's finding that two language texts of a
// version diverge at a paragraph. An open divergence keeps the item from
// being agreed until a mediator tables a version that resolves it or the
// party withdraws the flag.
type FlagDivergence struct {
	Item      string   `json:"item"`
	Version   int      `json:"version"`
	Flag      string   `json:"flag"` // an id for the flag, unique in the item
	Party     string   `json:"party"`
	Paragraph int      `json:"paragraph"`
	Langs     LangPair `json:"langs"`
	Note      string   `json:"note"` // what differs
}

// WithdrawDivergence withdraws a party's flag of a divergence.
type WithdrawDivergence struct {
	Item   string `json:"item"`
	Flag   string `json:"flag"`
	Party  string `json:"party"`
	Reason string `json:"reason,omitempty"`
}

// Change ops of an amendment.
const (
	OpReplace = "replace"
	OpInsert  = "insert" // before paragraph n; n = count+1 appends
	OpDelete  = "delete"
)

// A Change edits one paragraph of a version. Paragraphs are numbered from 1
// in the version the amendment is based on.
type Change struct {
	Op        string `json:"op"`
	Paragraph int    `json:"paragraph"`
	Text      string `json:"text,omitempty"`
}

// ProposeAmendment proposes changes to a version on behalf of a party. In
// talks with official languages, Changes apply to the text in Lang, and
// Translations may state the same change in other languages; the ones it
// leaves out are the mediator's to write.
type ProposeAmendment struct {
	Item         string              `json:"item"`
	Amendment    string              `json:"amendment"`
	Version      int                 `json:"version"`
	Party        string              `json:"party"`
	Lang         string              `json:"lang,omitempty"`
	Changes      []Change            `json:"changes"`
	Translations map[string][]Change `json:"translations,omitempty"`
	Reason       string              `json:"reason,omitempty"`
}

// SetStance records a party's stance on a version of an item.
type SetStance struct {
	Item      string `json:"item"`
	Version   int    `json:"version"`
	Party     string `json:"party"`
	Stance    string `json:"stance"`
	Condition string `json:"condition,omitempty"` // for conditional, in the syntax of DESIGN.md §4
	Reason    string `json:"reason,omitempty"`
}

// Statement is a public statement by an actor.
type Statement struct {
	Text  string `json:"text"`
	Lang  string `json:"lang,omitempty"` // BCP 47
	Round string `json:"round,omitempty"`
}

// ConfirmFact records that a verifier confirmed a fact that conditions may
// name as fact(ID).
type ConfirmFact struct {
	Fact string `json:"fact"`
	Note string `json:"note,omitempty"`
}

// Caucus is a message in the caucus channel between the mediators and one
// party. It is seen by that party and the mediators only. Its text is
// either sealed (docs/RECORD.md §11): Sealed holds the sealed payload,
// whose content is the JSON object {"text": "…"}, encrypted to the
// party's actors and the mediators so that the host cannot read it; or,
// only while one of them has published no encryption key, in plain Text.
type Caucus struct {
	Party  string          `json:"party"`
	Text   string          `json:"text,omitempty"`
	Sealed json.RawMessage `json:"sealed,omitempty"`
}

// Release shows the event at a log index to a party that could not see it:
// in proximity talks, how the mediator carries a position across rooms.
type Release struct {
	Party string `json:"party"`
	Index int64  `json:"index"`
	Note  string `json:"note,omitempty"`
}

// Cosign records an actor's C2SP cosignature of a checkpoint of the log:
// the checkpoint note with the actor's cosignature/v1 line, made only after
// the actor checked that the checkpoint extends the last one it cosigned.
type Cosign struct {
	Size int64  `json:"size"`
	Note string `json:"note"`
}

// ForkEvidence records evidence that the log signed two checkpoints that
// cannot both be true (record.ForkEvidence in its JSON form).
type ForkEvidence struct {
	Evidence json.RawMessage `json:"evidence"`
}

// A LangPair is the two languages a divergence is between: exactly two,
// which its decoding checks (a Go array of two would take one or three
// and drop or blank what does not fit).
type LangPair [2]string

// UnmarshalJSON reads an array of exactly two strings.
func (p *LangPair) UnmarshalJSON(b []byte) error {
	var s []string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EINVALID, "member \"langs\": want an array of two language tags")
	}
	if len(s) != 2 {
		return Errorf(EINVALID, "member \"langs\": want two language tags, not %d", len(s))
	}
	p[0], p[1] = s[0], s[1]
	return nil
}

package parley

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// A Namer gives names to parties and keys, for describing acts, and says
// the descriptions in the reader's language.
type Namer interface {
	PartyName(id string) string
	ActorName(key string) string
	// T says a message in the reader's language: format is its English
	// text with the verbs of package fmt, a key of the catalogs of package
	// i18n, which a translation replaces; args are formatted as
	// fmt.Sprintf would, with the language's digits and plural forms (a
	// key whose first argument is a count has a form for each plural
	// category).
	T(format string, args ...any) string
}

// A Description tells what an act does, for people.
type Description struct {
	Summary string // what the signer did, said after its name, without the free text
	Short   string // a whole clause with its subject, for the causes of changes
	Quote   string // free text the signer wrote: a reason, a statement, a message
	Lang    string // the language of Quote, if the signer gave it
	Item    string // the item it concerns, for a link
}

// Describe tells what an event does, from the table of kinds, in the
// language of n. It never fails: an event whose act did not decode is
// described by its kind.
func Describe(e *Event, n Namer) Description {
	var d Description
	if s := Spec(e.Kind); s != nil && s.describe != nil && e.Act != nil {
		d = s.describe(e.Act, n, e.Kind)
	}
	if d.Summary == "" {
		d.Summary = n.T("recorded an event of the kind %s", e.Kind)
	}
	if d.Short == "" {
		// The signer, then what it did: a summary is a whole predicate
		// in each language of the interface, which all put it after its
		// subject.
		d.Short = n.ActorName(e.Actor) + " " + d.Summary
	}
	return d
}

// partyName names a party with its id: "Government of X (gov)".
func partyName(n Namer, id string) string {
	if name := n.PartyName(id); name != id && name != "" {
		return name + " (" + id + ")"
	}
	return id
}

// list joins names as the reader's language does: "A, B and C".
func list(n Namer, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	head := items[0]
	for _, it := range items[1 : len(items)-1] {
		head = n.T("%[1]s, %[2]s", head, it)
	}
	return n.T("%[1]s and %[2]s", head, items[len(items)-1])
}

// ruleWords says a decision rule: "consensus", "a majority of 66.67%".
func ruleWords(n Namer, r Rule) string {
	switch r.Kind {
	case RuleConsensus:
		return n.T("consensus")
	case RuleConsensusMinus:
		return n.T("consensus minus %d", r.N)
	case RuleMajority:
		return n.T("a majority of %v%%", math.Round(r.Threshold*10000)/100)
	}
	return r.Kind
}

// roleWords says the role an actor is put on the roster with, party
// being the name of its party or "".
func roleWords(n Namer, role, party string) string {
	switch {
	case role == RoleHead && party != "":
		return n.T("head of the delegation of %s", party)
	case role == RoleDelegate && party != "":
		return n.T("member of the delegation of %s", party)
	}
	var name string
	switch role {
	case RoleConvener:
		name = n.T("convener")
	case RoleMediator:
		name = n.T("mediator")
	case RoleHead:
		name = n.T("head of delegation")
	case RoleDelegate:
		name = n.T("delegate")
	case RoleObserver:
		name = n.T("observer")
	case RoleVerifier:
		name = n.T("verifier")
	default:
		name = role
	}
	if party != "" {
		return n.T("%[1]s for %[2]s", name, party)
	}
	return name
}

// stanceWords names a stance as a noun: "support", "oppose".
func stanceWords(n Namer, stance string) string {
	switch stance {
	case StanceSupport:
		return n.T("support")
	case StanceAdReferendum:
		return n.T("ad referendum")
	case StanceAbstain:
		return n.T("abstain")
	case StanceReserve:
		return n.T("reserve")
	case StanceOppose:
		return n.T("oppose")
	case StanceConditional:
		return n.T("conditional")
	}
	return strings.ReplaceAll(stance, "_", " ")
}

// The descriptions of the kinds, which the table of kinds names. Each
// says what the signer did as a predicate that follows its name, in the
// reader's language.

func describeFound(a Act, n Namer, _ string) Description {
	p := a.(*FoundTalks)
	rule := ruleWords(n, p.Rule)
	var s string
	switch p.Visibility {
	case VisPublic:
		s = n.T("founded the talks “%[1]s”, open to the public (decision rule: %[2]s)", p.Title, rule)
	case VisParticipants, "":
		s = n.T("founded the talks “%[1]s”, seen by its participants only (decision rule: %[2]s)", p.Title, rule)
	default:
		s = n.T("founded the talks “%[1]s” (decision rule: %[2]s; visibility: %[3]s)", p.Title, rule, p.Visibility)
	}
	return Description{Summary: s, Quote: p.Description}
}

func describeAddMediator(a Act, n Namer, _ string) Description {
	p := a.(*AddMediator)
	return Description{Summary: n.T("named %[1]s mediator (key %[2]s)", p.Name, shortKey(p.Key))}
}

func describeAddParty(a Act, n Namer, _ string) Description {
	p := a.(*AddParty)
	return Description{Summary: n.T("added the party %[1]s (%[2]s)", p.Name, p.Party)}
}

func describeAddActor(a Act, n Namer, _ string) Description {
	p := a.(*AddActor)
	party := ""
	if p.Party != "" {
		party = partyName(n, p.Party)
	}
	return Description{Summary: n.T("put %[1]s on the roster as %[2]s (key %[3]s)", p.Name, roleWords(n, p.Role, party), shortKey(p.Key))}
}

func describeRevoke(a Act, n Namer, _ string) Description {
	p := a.(*RevokeActor)
	return Description{Summary: n.T("revoked the key %[1]s (%[2]s)", shortKey(p.Key), n.ActorName(p.Key)), Quote: p.Reason}
}

func describePlanRound(a Act, n Namer, _ string) Description {
	p := a.(*PlanRound)
	if p.Sandbox {
		return Description{Summary: n.T("planned round %[1]s, “%[2]s”, from %[3]s to %[4]s, as a sandbox: a round for practice, which a briefing of an earlier round does not count as a later round", p.Round, p.Title, p.Starts, p.Ends)}
	}
	if p.Venue == "" {
		return Description{Summary: n.T("planned round %[1]s, “%[2]s”, from %[3]s to %[4]s, at a venue not given", p.Round, p.Title, p.Starts, p.Ends)}
	}
	return Description{Summary: n.T("planned round %[1]s, “%[2]s”, from %[3]s to %[4]s in %[5]s", p.Round, p.Title, p.Starts, p.Ends, p.Venue)}
}

func describeOpenRound(a Act, n Namer, _ string) Description {
	return Description{Summary: n.T("opened round %s", a.(*RoundRef).Round)}
}

func describeCloseRound(a Act, n Namer, _ string) Description {
	p := a.(*CloseRound)
	return Description{Summary: n.T("closed round %s", p.Round), Quote: p.Note}
}

func describeInvitation(a Act, n Namer, kind string) Description {
	p := a.(*Invitation)
	switch kind {
	case KindAcceptInvitation:
		return Description{Summary: n.T("accepted for %[1]s the invitation to round %[2]s", partyName(n, p.Party), p.Round), Quote: p.Reason}
	case KindDeclineInvitation:
		return Description{Summary: n.T("declined for %[1]s the invitation to round %[2]s, giving a reason", partyName(n, p.Party), p.Round), Quote: p.Reason}
	}
	return Description{Summary: n.T("invited %[1]s to round %[2]s", partyName(n, p.Party), p.Round)}
}

func describeAddItem(a Act, n Namer, _ string) Description {
	p := a.(*AddItem)
	var s string
	switch p.Kind {
	case ItemDocument:
		s = n.T("put the document %[1]s, “%[2]s”, on the agenda", p.Item, p.Title)
	case ItemMeasure:
		s = n.T("put the measure %[1]s, “%[2]s”, on the agenda", p.Item, p.Title)
	default:
		s = n.T("put the item %[1]s, “%[2]s”, on the agenda", p.Item, p.Title)
	}
	return Description{Summary: s, Item: p.Item}
}

func describeSetPackage(a Act, n Namer, _ string) Description {
	p := a.(*SetPackage)
	if len(p.Items) == 0 {
		return Description{Summary: n.T("dissolved the package %s", p.Package)}
	}
	return Description{Summary: n.T("made %[1]s a package, agreed together or not at all (%[2]s)", list(n, p.Items), p.Package)}
}

func describeSetRule(a Act, n Namer, _ string) Description {
	p := a.(*SetRule)
	if p.Item == "" {
		return Description{Summary: n.T("set the decision rule of the talks to %s", ruleWords(n, p.Rule))}
	}
	return Description{Summary: n.T("set the decision rule of %[1]s to %[2]s", p.Item, ruleWords(n, p.Rule)), Item: p.Item}
}

func describeTableVersion(a Act, n Namer, _ string) Description {
	p := a.(*TableVersion)
	// A version of talks with official languages has a text in each
	// language it is tabled in, aligned paragraph by paragraph.
	paragraphs := len(p.Paragraphs)
	langs := make([]string, 0, len(p.Texts))
	for l, ps := range p.Texts {
		langs = append(langs, l)
		paragraphs = max(paragraphs, len(ps))
	}
	sort.Strings(langs)
	var s string
	if len(langs) > 0 {
		s = n.T("tabled version %[2]d of %[3]s in %[4]s, %[1]d paragraphs", paragraphs, p.Version, p.Item, list(n, langs))
	} else {
		s = n.T("tabled version %[2]d of %[3]s, %[1]d paragraphs", paragraphs, p.Version, p.Item)
	}
	if len(p.Amendments) > 0 {
		s = n.T("%[2]s, taking in %[1]d amendments: %[3]s", len(p.Amendments), s, list(n, p.Amendments))
	}
	return Description{Summary: s, Quote: p.Note, Item: p.Item}
}

func describeTranslate(a Act, n Namer, _ string) Description {
	p := a.(*TranslateVersion)
	return Description{Summary: n.T("tabled version %[2]d of %[3]s in %[4]s, %[1]d paragraphs", len(p.Paragraphs), p.Version, p.Item, p.Lang), Quote: p.Note, Item: p.Item}
}

func describeFlag(a Act, n Namer, _ string) Description {
	p := a.(*FlagDivergence)
	return Description{Summary: n.T("flagged for %[1]s a divergence between the %[2]s and %[3]s texts of %[4]s version %[5]d, paragraph %[6]d (%[7]s)",
		partyName(n, p.Party), p.Langs[0], p.Langs[1], p.Item, p.Version, p.Paragraph, p.Flag), Quote: p.Note, Item: p.Item}
}

func describeWithdraw(a Act, n Namer, _ string) Description {
	p := a.(*WithdrawDivergence)
	return Description{Summary: n.T("withdrew for %[1]s the flag %[2]s on %[3]s", partyName(n, p.Party), p.Flag, p.Item), Quote: p.Reason, Item: p.Item}
}

func describeAmendment(a Act, n Namer, _ string) Description {
	p := a.(*ProposeAmendment)
	return Description{Summary: n.T("proposed for %[2]s the amendment %[3]s to %[4]s version %[5]d, %[1]d changes",
		len(p.Changes), partyName(n, p.Party), p.Amendment, p.Item, p.Version), Quote: p.Reason, Item: p.Item}
}

func describeStance(a Act, n Namer, _ string) Description {
	p := a.(*SetStance)
	d := Description{Quote: p.Reason, Item: p.Item}
	party := partyName(n, p.Party)
	switch p.Stance {
	case StanceConditional:
		d.Summary = n.T("set the stance of %[1]s on %[2]s version %[3]d: support on the condition %[4]s", party, p.Item, p.Version, p.Condition)
		d.Short = n.T("%[1]s made its support of %[2]s version %[3]d conditional on %[4]s", p.Party, p.Item, p.Version, p.Condition)
	case StanceSupport:
		d.Summary = n.T("set the stance of %[1]s on %[2]s version %[3]d: %[4]s", party, p.Item, p.Version, stanceWords(n, p.Stance))
		d.Short = n.T("%[1]s supported %[2]s version %[3]d", p.Party, p.Item, p.Version)
	default:
		what := stanceWords(n, p.Stance)
		d.Summary = n.T("set the stance of %[1]s on %[2]s version %[3]d: %[4]s", party, p.Item, p.Version, what)
		d.Short = n.T("%[1]s set its stance on %[2]s version %[3]d to %[4]s", p.Party, p.Item, p.Version, what)
	}
	return d
}

func describeStatement(a Act, n Namer, _ string) Description {
	p := a.(*Statement)
	return Description{Summary: n.T("made a public statement"), Quote: p.Text, Lang: p.Lang}
}

func describeFact(a Act, n Namer, _ string) Description {
	p := a.(*ConfirmFact)
	return Description{Summary: n.T("confirmed the fact %s", p.Fact), Quote: p.Note}
}

func describeCaucus(a Act, n Namer, _ string) Description {
	p := a.(*Caucus)
	if p.IsSealed() {
		return Description{Summary: n.T("wrote a sealed message in the caucus of %s with the mediators", partyName(n, p.Party))}
	}
	return Description{Summary: n.T("wrote in the caucus of %s with the mediators", partyName(n, p.Party)), Quote: p.Text}
}

func describeRelease(a Act, n Namer, _ string) Description {
	p := a.(*Release)
	return Description{Summary: n.T("released the event %[1]s to %[2]s", "#"+strconv.FormatInt(p.Index, 10), partyName(n, p.Party)), Quote: p.Note}
}

func shortKey(k string) string {
	if len(k) > 10 {
		return k[:10] + "…"
	}
	return k
}

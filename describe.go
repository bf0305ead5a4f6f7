package parley

import (
	"fmt"
	"strings"
)

// A Namer gives names to parties and keys, for describing acts.
type Namer interface {
	PartyName(id string) string
	ActorName(key string) string
}

// A Description tells what an act does, for people.
type Description struct {
	Summary string // one line, without the free text
	Short   string // a shorter line naming the party, for the causes of changes ("" to use the signer and the summary)
	Quote   string // free text the signer wrote: a reason, a statement, a message
	Lang    string // the language of Quote, if the signer gave it
	Item    string // the item it concerns, for a link
}

// Describe tells what an event does, from the table of kinds. It never
// fails: an event whose act did not decode is described by its kind.
func Describe(e *Event, n Namer) Description {
	var d Description
	if s := Spec(e.Kind); s != nil && s.describe != nil && e.Act != nil {
		d = s.describe(e.Act, n, e.Kind)
	}
	if d.Summary == "" {
		d.Summary = "recorded a " + e.Kind + " event"
	}
	if d.Short == "" {
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// The descriptions of the kinds, which the table of kinds names.

func describeFound(a Act, _ Namer, _ string) Description {
	p := a.(*FoundTalks)
	return Description{Summary: fmt.Sprintf("founded the talks %q (rule: %s, %s)", p.Title, p.Rule, orDefault(p.Visibility, VisParticipants)), Quote: p.Description}
}

func describeAddMediator(a Act, _ Namer, _ string) Description {
	p := a.(*AddMediator)
	return Description{Summary: fmt.Sprintf("named %s mediator (key %s)", p.Name, shortKey(p.Key))}
}

func describeAddParty(a Act, _ Namer, _ string) Description {
	p := a.(*AddParty)
	return Description{Summary: fmt.Sprintf("added the party %s (%s)", p.Name, p.Party)}
}

func describeAddActor(a Act, n Namer, _ string) Description {
	p := a.(*AddActor)
	s := fmt.Sprintf("put %s on the roster as %s", p.Name, p.Role)
	if p.Party != "" {
		s += " of " + partyName(n, p.Party)
	}
	return Description{Summary: s + " (key " + shortKey(p.Key) + ")"}
}

func describeRevoke(a Act, n Namer, _ string) Description {
	p := a.(*RevokeActor)
	return Description{Summary: "revoked the key " + shortKey(p.Key) + " (" + n.ActorName(p.Key) + ")", Quote: p.Reason}
}

func describePlanRound(a Act, _ Namer, _ string) Description {
	p := a.(*PlanRound)
	return Description{Summary: fmt.Sprintf("planned round %s, %q, %s to %s in %s", p.Round, p.Title, p.Starts, p.Ends, orDefault(p.Venue, "a venue not given"))}
}

func describeOpenRound(a Act, _ Namer, _ string) Description {
	return Description{Summary: "opened round " + a.(*RoundRef).Round}
}

func describeCloseRound(a Act, _ Namer, _ string) Description {
	p := a.(*CloseRound)
	return Description{Summary: "closed round " + p.Round, Quote: p.Note}
}

func describeInvitation(a Act, n Namer, kind string) Description {
	p := a.(*Invitation)
	switch kind {
	case KindAcceptInvitation:
		return Description{Summary: fmt.Sprintf("accepted for %s the invitation to round %s", partyName(n, p.Party), p.Round), Quote: p.Reason}
	case KindDeclineInvitation:
		return Description{Summary: fmt.Sprintf("declined for %s the invitation to round %s, giving a reason", partyName(n, p.Party), p.Round), Quote: p.Reason}
	}
	return Description{Summary: fmt.Sprintf("invited %s to round %s", partyName(n, p.Party), p.Round)}
}

func describeAddItem(a Act, _ Namer, _ string) Description {
	p := a.(*AddItem)
	return Description{Summary: fmt.Sprintf("put the %s %s, %q, on the agenda", p.Kind, p.Item, p.Title), Item: p.Item}
}

func describeSetPackage(a Act, _ Namer, _ string) Description {
	p := a.(*SetPackage)
	if len(p.Items) == 0 {
		return Description{Summary: "dissolved the package " + p.Package}
	}
	return Description{Summary: fmt.Sprintf("made %s a package: agreed together or not at all (%s)", strings.Join(p.Items, ", "), p.Package)}
}

func describeSetRule(a Act, _ Namer, _ string) Description {
	p := a.(*SetRule)
	if p.Item == "" {
		return Description{Summary: "set the decision rule of the talks to " + p.Rule.String()}
	}
	return Description{Summary: fmt.Sprintf("set the decision rule of %s to %s", p.Item, p.Rule), Item: p.Item}
}

func describeTableVersion(a Act, _ Namer, _ string) Description {
	p := a.(*TableVersion)
	s := fmt.Sprintf("tabled version %d of %s (%d paragraphs)", p.Version, p.Item, len(p.Paragraphs))
	if len(p.Amendments) > 0 {
		s += ", taking in " + strings.Join(p.Amendments, ", ")
	}
	return Description{Summary: s, Quote: p.Note, Item: p.Item}
}

func describeTranslate(a Act, _ Namer, _ string) Description {
	p := a.(*TranslateVersion)
	return Description{Summary: fmt.Sprintf("tabled version %d of %s in %s (%d paragraphs)", p.Version, p.Item, p.Lang, len(p.Paragraphs)), Quote: p.Note, Item: p.Item}
}

func describeFlag(a Act, n Namer, _ string) Description {
	p := a.(*FlagDivergence)
	return Description{Summary: fmt.Sprintf("flagged for %s a divergence between the %s and %s texts of %s version %d, paragraph %d (%s)", partyName(n, p.Party), p.Langs[0], p.Langs[1], p.Item, p.Version, p.Paragraph, p.Flag), Quote: p.Note, Item: p.Item}
}

func describeWithdraw(a Act, n Namer, _ string) Description {
	p := a.(*WithdrawDivergence)
	return Description{Summary: fmt.Sprintf("withdrew for %s the flag %s on %s", partyName(n, p.Party), p.Flag, p.Item), Quote: p.Reason, Item: p.Item}
}

func describeAmendment(a Act, n Namer, _ string) Description {
	p := a.(*ProposeAmendment)
	return Description{Summary: fmt.Sprintf("proposed for %s the amendment %s to %s version %d (%d changes)", partyName(n, p.Party), p.Amendment, p.Item, p.Version, len(p.Changes)), Quote: p.Reason, Item: p.Item}
}

func describeStance(a Act, n Namer, _ string) Description {
	p := a.(*SetStance)
	what := strings.ReplaceAll(p.Stance, "_", " ")
	if p.Stance == StanceConditional {
		what = "conditional support: " + p.Condition
	}
	d := Description{Summary: fmt.Sprintf("set the stance of %s on %s version %d: %s", partyName(n, p.Party), p.Item, p.Version, what), Quote: p.Reason, Item: p.Item}
	switch p.Stance {
	case StanceConditional:
		d.Short = fmt.Sprintf("%s made its support of %s v%d conditional on %s", p.Party, p.Item, p.Version, p.Condition)
	case StanceSupport:
		d.Short = fmt.Sprintf("%s supported %s v%d", p.Party, p.Item, p.Version)
	default:
		d.Short = fmt.Sprintf("%s set its stance on %s v%d to %s", p.Party, p.Item, p.Version, what)
	}
	return d
}

func describeStatement(a Act, _ Namer, _ string) Description {
	p := a.(*Statement)
	return Description{Summary: "made a public statement", Quote: p.Text, Lang: p.Lang}
}

func describeFact(a Act, _ Namer, _ string) Description {
	p := a.(*ConfirmFact)
	return Description{Summary: "confirmed the fact " + p.Fact, Quote: p.Note}
}

func describeCaucus(a Act, n Namer, _ string) Description {
	p := a.(*Caucus)
	if p.IsSealed() {
		return Description{Summary: "wrote a sealed message in the caucus of " + partyName(n, p.Party) + " with the mediators"}
	}
	return Description{Summary: "wrote in the caucus of " + partyName(n, p.Party) + " with the mediators", Quote: p.Text}
}

func describeRelease(a Act, n Namer, _ string) Description {
	p := a.(*Release)
	return Description{Summary: fmt.Sprintf("released event #%d to %s", p.Index, partyName(n, p.Party)), Quote: p.Note}
}

func shortKey(k string) string {
	if len(k) > 10 {
		return k[:10] + "…"
	}
	return k
}

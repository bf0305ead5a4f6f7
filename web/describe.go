package web

import (
	"fmt"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/words"
)

// namer gives names to parties and keys.
type namer interface {
	PartyName(id string) string
	ActorName(key string) string
}

// eventText is an event told for people.
type eventText struct {
	Summary string // one line, without the free text
	Short   string // a shorter line naming the party, for the causes of changes
	Quote   string // free text the signer wrote: a reason, a statement, a message
	Lang    string // the language of Quote, if the signer gave it
	Item    string // the item it concerns, for a link
}

// describe tells what an event does. It never fails: a payload that does
// not decode is described by its kind.
func describe(e *parley.Event, n namer) eventText {
	party := func(id string) string {
		if name := n.PartyName(id); name != id && name != "" {
			return name + " (" + id + ")"
		}
		return id
	}
	var t eventText
	decode := func(v any) bool { return parley.DecodePayload(e, v) == nil }
	switch e.Kind {
	case parley.KindFoundTalks:
		var p parley.FoundTalks
		if decode(&p) {
			t.Summary = fmt.Sprintf("founded the talks %q (rule: %s, %s)", p.Title, words.Rule(p.Rule), orDefault(p.Visibility, parley.VisParticipants))
			t.Quote = p.Description
		}
	case parley.KindAddMediator:
		var p parley.AddMediator
		if decode(&p) {
			t.Summary = fmt.Sprintf("named %s mediator (key %s)", p.Name, shortKey(p.Key))
		}
	case parley.KindAddParty:
		var p parley.AddParty
		if decode(&p) {
			t.Summary = fmt.Sprintf("added the party %s (%s)", p.Name, p.Party)
		}
	case parley.KindAddActor:
		var p parley.AddActor
		if decode(&p) {
			t.Summary = fmt.Sprintf("put %s on the roster as %s", p.Name, p.Role)
			if p.Party != "" {
				t.Summary += " of " + party(p.Party)
			}
			t.Summary += " (key " + shortKey(p.Key) + ")"
		}
	case parley.KindRevokeActor:
		var p parley.RevokeActor
		if decode(&p) {
			t.Summary = "revoked the key " + shortKey(p.Key) + " (" + n.ActorName(p.Key) + ")"
			t.Quote = p.Reason
		}
	case parley.KindPlanRound:
		var p parley.PlanRound
		if decode(&p) {
			t.Summary = fmt.Sprintf("planned round %s, %q, %s to %s in %s", p.Round, p.Title, p.Starts, p.Ends, orDefault(p.Venue, "a venue not given"))
		}
	case parley.KindOpenRound:
		var p parley.RoundRef
		if decode(&p) {
			t.Summary = "opened round " + p.Round
		}
	case parley.KindCloseRound:
		var p parley.CloseRound
		if decode(&p) {
			t.Summary = "closed round " + p.Round
			t.Quote = p.Note
		}
	case parley.KindInvite:
		var p parley.Invitation
		if decode(&p) {
			t.Summary = fmt.Sprintf("invited %s to round %s", party(p.Party), p.Round)
		}
	case parley.KindAcceptInvitation:
		var p parley.Invitation
		if decode(&p) {
			t.Summary = fmt.Sprintf("accepted for %s the invitation to round %s", party(p.Party), p.Round)
			t.Quote = p.Reason
		}
	case parley.KindDeclineInvitation:
		var p parley.Invitation
		if decode(&p) {
			t.Summary = fmt.Sprintf("declined for %s the invitation to round %s, giving a reason", party(p.Party), p.Round)
			t.Quote = p.Reason
		}
	case parley.KindAddItem:
		var p parley.AddItem
		if decode(&p) {
			t.Summary = fmt.Sprintf("put the %s %s, %q, on the agenda", p.Kind, p.Item, p.Title)
			t.Item = p.Item
		}
	case parley.KindSetPackage:
		var p parley.SetPackage
		if decode(&p) {
			if len(p.Items) == 0 {
				t.Summary = "dissolved the package " + p.Package
			} else {
				t.Summary = fmt.Sprintf("made %s a package: agreed together or not at all (%s)", strings.Join(p.Items, ", "), p.Package)
			}
		}
	case parley.KindSetRule:
		var p parley.SetRule
		if decode(&p) {
			if p.Item == "" {
				t.Summary = "set the decision rule of the talks to " + words.Rule(p.Rule)
			} else {
				t.Summary = fmt.Sprintf("set the decision rule of %s to %s", p.Item, words.Rule(p.Rule))
				t.Item = p.Item
			}
		}
	case parley.KindTableVersion:
		var p parley.TableVersion
		if decode(&p) {
			t.Summary = fmt.Sprintf("tabled version %d of %s (%d paragraphs)", p.Version, p.Item, len(p.Paragraphs))
			if len(p.Amendments) > 0 {
				t.Summary += ", taking in " + strings.Join(p.Amendments, ", ")
			}
			t.Quote, t.Item = p.Note, p.Item
		}
	case parley.KindProposeAmendment:
		var p parley.ProposeAmendment
		if decode(&p) {
			t.Summary = fmt.Sprintf("proposed for %s the amendment %s to %s version %d (%d changes)", party(p.Party), p.Amendment, p.Item, p.Version, len(p.Changes))
			t.Quote, t.Item = p.Reason, p.Item
		}
	case parley.KindSetStance:
		var p parley.SetStance
		if decode(&p) {
			what := strings.ReplaceAll(p.Stance, "_", " ")
			if p.Stance == parley.StanceConditional {
				what = "conditional support: " + p.Condition
			}
			t.Summary = fmt.Sprintf("set the stance of %s on %s version %d: %s", party(p.Party), p.Item, p.Version, what)
			t.Quote, t.Item = p.Reason, p.Item
			switch p.Stance {
			case parley.StanceConditional:
				t.Short = fmt.Sprintf("%s made its support of %s v%d conditional on %s", p.Party, p.Item, p.Version, p.Condition)
			case parley.StanceSupport:
				t.Short = fmt.Sprintf("%s supported %s v%d", p.Party, p.Item, p.Version)
			default:
				t.Short = fmt.Sprintf("%s set its stance on %s v%d to %s", p.Party, p.Item, p.Version, what)
			}
		}
	case parley.KindStatement:
		var p parley.Statement
		if decode(&p) {
			t.Summary = "made a public statement"
			t.Quote, t.Lang = p.Text, p.Lang
		}
	case parley.KindConfirmFact:
		var p parley.ConfirmFact
		if decode(&p) {
			t.Summary = "confirmed the fact " + p.Fact
			t.Quote = p.Note
		}
	case parley.KindCaucus:
		var p parley.Caucus
		if decode(&p) {
			t.Summary = "wrote in the caucus of " + party(p.Party) + " with the mediators"
			t.Quote = p.Text
		}
	case parley.KindRelease:
		var p parley.Release
		if decode(&p) {
			t.Summary = fmt.Sprintf("released event #%d to %s", p.Index, party(p.Party))
			t.Quote = p.Note
		}
	}
	if t.Summary == "" {
		t.Summary = "recorded a " + e.Kind + " event"
	}
	if t.Short == "" {
		t.Short = n.ActorName(e.Actor) + " " + t.Summary
	}
	return t
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

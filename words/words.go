// Package words tells the things of a talks to people, in their language:
// conditions and stances as prose with names, roles, decision rules,
// statuses and what holds an item back. The pages, the briefings and the
// pictures use it, so that all say a thing the same way. Each function
// takes the printer of the reader's language (package i18n), whose
// catalogs hold the translations and the plural forms.
package words

import (
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/state"
)

// Condition writes a condition as prose: "M1a or M1b is agreed", "D1 is
// agreed and the fact f1 is confirmed", "M2 is not agreed", "step X.t1 is
// done".
func Condition(p *i18n.Printer, c *agreement.Cond) string { return condition(p, c, true) }

func condition(p *i18n.Printer, c *agreement.Cond, top bool) string {
	switch c.Op {
	case agreement.OpAgreed:
		return p.T("%s is agreed", c.ID)
	case agreement.OpFact:
		return p.T("the fact %s is confirmed", c.ID)
	case agreement.OpDone:
		return p.T("step %s is done", c.ID)
	case agreement.OpNot:
		switch c.X.Op {
		case agreement.OpAgreed:
			return p.T("%s is not agreed", c.X.ID)
		case agreement.OpFact:
			return p.T("the fact %s is not confirmed", c.X.ID)
		case agreement.OpDone:
			return p.T("step %s is not done", c.X.ID)
		}
		return p.T("it is not so that %s", condition(p, c.X, false))
	case agreement.OpAnd, agreement.OpOr:
		// A run of the same operator over agreed(…) atoms reads as one
		// clause: "M1a or M1b is agreed", "D1 and D2 are agreed".
		var atoms []string
		if flat(c, c.Op, &atoms) {
			if c.Op == agreement.OpOr {
				return p.T("%s is agreed", p.Alternatives(atoms))
			}
			return p.T("%s are agreed", p.List(atoms))
		}
		x, y := condition(p, c.X, c.X.Op == c.Op), condition(p, c.Y, c.Y.Op == c.Op)
		s := p.T("%[1]s and %[2]s", x, y)
		if c.Op == agreement.OpOr {
			s = p.T("%[1]s or %[2]s", x, y)
		}
		if !top {
			return "(" + s + ")"
		}
		return s
	}
	return c.String()
}

// flat collects the items of a run of op over agreed(…) atoms, and
// reports whether c is such a run.
func flat(c *agreement.Cond, op agreement.Op, atoms *[]string) bool {
	switch {
	case c.Op == agreement.OpAgreed:
		*atoms = append(*atoms, c.ID)
		return true
	case c.Op == op:
		return flat(c.X, op, atoms) && flat(c.Y, op, atoms)
	}
	return false
}

// ConditionText writes a condition in the record's syntax as prose, or
// returns it as it is if it does not parse.
func ConditionText(p *i18n.Printer, s string) string {
	c, err := agreement.ParseCondition(s)
	if err != nil {
		return s
	}
	return Condition(p, c)
}

// Stance writes what parties do with a stance, as a clause with its
// subject: who is one party ("oppA opposes D1") or several, a plural
// subject whatever their number ("oppB and oppC oppose D1"). With item ""
// it names the item by a pronoun ("oppA supports it only if M1a or M1b is
// agreed"). A stance it does not know is named by its id.
func Stance(p *i18n.Printer, who []string, stance, condition, item string) string {
	subject := p.List(who)
	if len(who) > 1 {
		return stances(p, subject, stance, condition, item)
	}
	if item == "" {
		switch stance {
		case parley.StanceSupport:
			return p.T("%s supports it", subject)
		case parley.StanceAdReferendum:
			return p.T("%s supports it ad referendum, pending its capital's confirmation", subject)
		case parley.StanceAbstain:
			return p.T("%s abstains on it", subject)
		case parley.StanceReserve:
			return p.T("%s reserves its position on it", subject)
		case parley.StanceOppose:
			return p.T("%s opposes it", subject)
		case parley.StanceConditional:
			return p.T("%[1]s supports it only if %[2]s", subject, ConditionText(p, condition))
		case "":
			return p.T("%s has no stance on it", subject)
		}
		return p.T("%[1]s takes the stance %[2]s on it", subject, stance)
	}
	switch stance {
	case parley.StanceSupport:
		return p.T("%[1]s supports %[2]s", subject, item)
	case parley.StanceAdReferendum:
		return p.T("%[1]s supports %[2]s ad referendum, pending its capital's confirmation", subject, item)
	case parley.StanceAbstain:
		return p.T("%[1]s abstains on %[2]s", subject, item)
	case parley.StanceReserve:
		return p.T("%[1]s reserves its position on %[2]s", subject, item)
	case parley.StanceOppose:
		return p.T("%[1]s opposes %[2]s", subject, item)
	case parley.StanceConditional:
		return p.T("%[1]s supports %[2]s only if %[3]s", subject, item, ConditionText(p, condition))
	case "":
		return p.T("%[1]s has no stance on %[2]s", subject, item)
	}
	return p.T("%[1]s takes the stance %[2]s on %[3]s", subject, stance, item)
}

// stances is Stance with a plural subject. A list of parties takes the
// plural of the verb whatever its length's plural category (21 parties
// are a plural subject, though 21 is "one" in Russian), so these are
// keys of their own rather than forms of a count.
func stances(p *i18n.Printer, subject, stance, condition, item string) string {
	if item == "" {
		switch stance {
		case parley.StanceSupport:
			return p.T("%s support it", subject)
		case parley.StanceAdReferendum:
			return p.T("%s support it ad referendum, pending their capitals' confirmation", subject)
		case parley.StanceAbstain:
			return p.T("%s abstain on it", subject)
		case parley.StanceReserve:
			return p.T("%s reserve their positions on it", subject)
		case parley.StanceOppose:
			return p.T("%s oppose it", subject)
		case parley.StanceConditional:
			return p.T("%[1]s support it only if %[2]s", subject, ConditionText(p, condition))
		case "":
			return p.T("%s have no stance on it", subject)
		}
		return p.T("%[1]s take the stance %[2]s on it", subject, stance)
	}
	switch stance {
	case parley.StanceSupport:
		return p.T("%[1]s support %[2]s", subject, item)
	case parley.StanceAdReferendum:
		return p.T("%[1]s support %[2]s ad referendum, pending their capitals' confirmation", subject, item)
	case parley.StanceAbstain:
		return p.T("%[1]s abstain on %[2]s", subject, item)
	case parley.StanceReserve:
		return p.T("%[1]s reserve their positions on %[2]s", subject, item)
	case parley.StanceOppose:
		return p.T("%[1]s oppose %[2]s", subject, item)
	case parley.StanceConditional:
		return p.T("%[1]s support %[2]s only if %[3]s", subject, item, ConditionText(p, condition))
	case "":
		return p.T("%[1]s have no stance on %[2]s", subject, item)
	}
	return p.T("%[1]s take the stance %[2]s on %[3]s", subject, stance, item)
}

// StanceName names a stance as a noun: "support", "ad referendum".
func StanceName(p *i18n.Printer, stance string) string {
	switch stance {
	case parley.StanceSupport:
		return p.T("support")
	case parley.StanceAdReferendum:
		return p.T("ad referendum")
	case parley.StanceAbstain:
		return p.T("abstain")
	case parley.StanceReserve:
		return p.T("reserve")
	case parley.StanceOppose:
		return p.T("oppose")
	case parley.StanceConditional:
		return p.T("conditional")
	case "":
		return p.T("no stance")
	}
	return strings.ReplaceAll(stance, "_", " ")
}

// Rule writes a decision rule: "consensus", "consensus minus 2", "a
// majority of 66.67%".
func Rule(p *i18n.Printer, r parley.Rule) string {
	switch r.Kind {
	case parley.RuleConsensus:
		return p.T("consensus")
	case parley.RuleConsensusMinus:
		return p.T("consensus minus %d", r.N)
	case parley.RuleMajority:
		return p.T("a majority of %s", p.Percent(r.Threshold))
	}
	return r.Kind
}

// Status names an item's status.
func Status(p *i18n.Printer, s string) string {
	switch s {
	case agreement.StatusAgreed:
		return p.T("agreed")
	case agreement.StatusAgreedAdReferendum:
		return p.T("agreed ad referendum")
	case agreement.StatusContested:
		return p.T("contested")
	case agreement.StatusNotAgreed:
		return p.T("not agreed")
	case agreement.StatusOscillating:
		return p.T("oscillating")
	}
	return strings.ReplaceAll(s, "_", " ")
}

// Role describes an actor's role, with the name of its party: "head of
// the delegation of the Government of X", "mediator", "observer".
func Role(p *i18n.Printer, a *state.Actor, partyName string) string {
	party := the(p, partyName)
	var role string
	switch {
	case a.Role == parley.RoleHead && a.Party != "":
		role = p.T("head of the delegation of %s", party)
	case a.Role == parley.RoleDelegate && a.Party != "":
		role = p.T("member of the delegation of %s", party)
	case a.Role == parley.RoleHead:
		role = p.T("head of the delegation")
	case a.Role == parley.RoleDelegate:
		role = p.T("member of the delegation")
	case a.Party != "":
		role = p.T("%[1]s for %[2]s", RoleName(p, a.Role), party)
	default:
		role = RoleName(p, a.Role)
	}
	if a.Revoked {
		return p.T("formerly %s", role)
	}
	return role
}

// RoleName names a role alone: "mediator", "observer".
func RoleName(p *i18n.Printer, role string) string {
	switch role {
	case parley.RoleConvener:
		return p.T("convener")
	case parley.RoleMediator:
		return p.T("mediator")
	case parley.RoleHead:
		return p.T("head of delegation")
	case parley.RoleDelegate:
		return p.T("delegate")
	case parley.RoleObserver:
		return p.T("observer")
	case parley.RoleVerifier:
		return p.T("verifier")
	}
	return role
}

// Actor names an actor for prose: its name and role, without saying the
// party twice when the name says it already: "Bashar Jaafari, head of the
// delegation of the Government of the Syrian Arab Republic (gov)", "Head
// of Opposition Delegation A (oppA)", "Vitaly Naumkin, mediator".
func Actor(p *i18n.Printer, a *state.Actor, partyName string) string {
	if a == nil {
		return p.T("an actor not on the roster")
	}
	if a.Party != "" {
		if partyName != "" && strings.Contains(strings.ToLower(a.Name), strings.ToLower(partyName)) {
			return a.Name + " (" + a.Party + ")"
		}
		return p.T("%[1]s, %[2]s (%[3]s)", a.Name, Role(p, a, partyName), a.Party)
	}
	return p.T("%[1]s, %[2]s", a.Name, Role(p, a, ""))
}

// the puts "the" before a party's name, in English, that reads as a
// common noun phrase ("Government of …", "Syrian National Coalition"), and
// leaves names that start with an article or stand alone. Other languages
// have no article to add.
func the(p *i18n.Printer, name string) string {
	if p.Tag != i18n.English {
		return name
	}
	low := strings.ToLower(name)
	if name == "" || strings.HasPrefix(low, "the ") {
		return name
	}
	for _, w := range []string{"government", "coalition", "delegation", "council", "front", "committee", "movement", "union", "alliance", "party", "republic", "kingdom", "federation", "opposition", "people"} {
		if strings.Contains(low, w) {
			return "the " + name
		}
	}
	return name
}

// Sentence ends s with a full stop unless it ends with a mark of its own,
// inside a closing quotation mark or not: no "transition.”.". Nothing
// stays nothing.
func Sentence(s string) string {
	t := strings.TrimRight(s, " ")
	if t == "" {
		return ""
	}
	t = strings.TrimSuffix(t, "”")
	t = strings.TrimSuffix(t, "»")
	if strings.HasSuffix(t, ".") || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!") || strings.HasSuffix(t, "…") || strings.HasSuffix(t, "؟") {
		return strings.TrimRight(s, " ")
	}
	return strings.TrimRight(s, " ") + "."
}

// Quote puts text in the quotation marks of the reader's language.
func Quote(p *i18n.Printer, s string) string {
	return p.T("“%s”", strings.TrimSpace(s))
}

// Hold says what holds an item back whatever the votes, with the move
// that lifts it: "the current version of D1 holds 2 open brackets, and
// nothing in brackets is agreed until a mediator tables a version without
// them".
func Hold(p *i18n.Printer, kind string, count int, item string) string {
	switch kind {
	case agreement.HoldOpenBrackets:
		return p.T("the current version of %[2]s holds %[1]d open brackets, and nothing in brackets is agreed until a mediator tables a version without them", count, item)
	case agreement.HoldIncompleteVersion:
		return p.T("the current version of %[2]s is not yet tabled in %[1]d official languages, and it cannot be agreed until a mediator tables them", count, item)
	case agreement.HoldOpenDivergence:
		return p.T("%[1]d divergences between the language versions of %[2]s are open, and it cannot be agreed until a mediator resolves them in a new version or the flag is withdrawn", count, item)
	}
	return p.T("%[1]s is held back (%[2]s)", item, kind)
}

// IsHold reports whether a root blocker's stance is the kind of a hold.
func IsHold(stance string) bool {
	switch stance {
	case agreement.HoldOpenBrackets, agreement.HoldIncompleteVersion, agreement.HoldOpenDivergence:
		return true
	}
	return false
}

// RoundStatus names the status of a round: planned, open, closed.
func RoundStatus(p *i18n.Printer, status string) string {
	switch status {
	case state.RoundPlanned:
		return p.T("planned")
	case state.RoundOpen:
		return p.T("open")
	case state.RoundClosed:
		return p.T("closed")
	}
	return status
}

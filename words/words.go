// Package words tells the things of a talks to people: conditions and
// stances as prose with names, roles, decision rules, statuses, lists and
// counts with the plural forms of the language's CLDR rules. The pages
// and the briefings use it, so that both say a thing the same way.
package words

import (
	"fmt"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
)

// Forms are the forms of a noun for the plural categories of CLDR. A form
// left empty falls back to Other.
type Forms struct {
	Zero, One, Two, Few, Many, Other string
}

// Plural returns the form of a noun for n in the language tag, by the
// language's CLDR cardinal plural rules.
func Plural(tag language.Tag, n int, f Forms) string {
	form := plural.Cardinal.MatchPlural(tag, abs(n)%10_000_000, 0, 0, 0, 0)
	var s string
	switch form {
	case plural.Zero:
		s = f.Zero
	case plural.One:
		s = f.One
	case plural.Two:
		s = f.Two
	case plural.Few:
		s = f.Few
	case plural.Many:
		s = f.Many
	}
	if s == "" {
		s = f.Other
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Count writes an English count with its noun: "1 item", "2 items",
// "1,500 events".
func Count(n int, one, other string) string {
	return Number(n) + " " + Plural(language.English, n, Forms{One: one, Other: other})
}

// Number writes a whole number with thousands separators, as English
// writes it: 1,500.
func Number(n int) string {
	s := fmt.Sprint(abs(n))
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// List joins names as English prose: "A", "A and B", "A, B and C".
func List(names []string) string { return join(names, "and") }

// Alternatives joins names with "or": "A or B", "A, B or C".
func Alternatives(names []string) string { return join(names, "or") }

func join(names []string, conj string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// Condition writes a condition as prose: "M1a or M1b is agreed", "D1 is
// agreed and the fact f1 is confirmed", "M2 is not agreed".
func Condition(c *agreement.Cond) string { return condition(c, true) }

func condition(c *agreement.Cond, top bool) string {
	switch c.Op {
	case agreement.OpAgreed:
		return c.ID + " is agreed"
	case agreement.OpFact:
		return "the fact " + c.ID + " is confirmed"
	case agreement.OpNot:
		switch c.X.Op {
		case agreement.OpAgreed:
			return c.X.ID + " is not agreed"
		case agreement.OpFact:
			return "the fact " + c.X.ID + " is not confirmed"
		}
		return "it is not so that " + condition(c.X, false)
	case agreement.OpAnd, agreement.OpOr:
		// A run of the same operator over agreed(…) atoms reads as one
		// clause: "M1a or M1b is agreed", "D1 and D2 are agreed".
		var atoms []string
		if flat(c, c.Op, &atoms) {
			if c.Op == agreement.OpOr {
				return Alternatives(atoms) + " is agreed"
			}
			return List(atoms) + " are agreed"
		}
		op := " and "
		if c.Op == agreement.OpOr {
			op = " or "
		}
		s := condition(c.X, c.X.Op == c.Op) + op + condition(c.Y, c.Y.Op == c.Op)
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
func ConditionText(s string) string {
	c, err := agreement.ParseCondition(s)
	if err != nil {
		return s
	}
	return Condition(c)
}

// Stance writes what a party does with a stance, as a verb phrase with the
// item named by it: "supports it", "opposes it", "supports it only if M1a
// or M1b is agreed". it is the pronoun or name of the item.
func Stance(stance, condition, it string) string {
	switch stance {
	case parley.StanceSupport:
		return "supports " + it
	case parley.StanceAdReferendum:
		return "supports " + it + " ad referendum, pending its capital's confirmation"
	case parley.StanceAbstain:
		return "abstains on " + it
	case parley.StanceReserve:
		return "reserves its position on " + it
	case parley.StanceOppose:
		return "opposes " + it
	case parley.StanceConditional:
		return "supports " + it + " only if " + ConditionText(condition)
	}
	return "has no stance on " + it
}

// Rule writes a decision rule: "consensus", "consensus minus 2", "a
// majority of 66.67%".
func Rule(r parley.Rule) string { return r.String() }

// Status names an item's status.
func Status(s string) string {
	switch s {
	case agreement.StatusAgreed:
		return "agreed"
	case agreement.StatusAgreedAdReferendum:
		return "agreed ad referendum"
	case agreement.StatusContested:
		return "contested"
	case agreement.StatusNotAgreed:
		return "not agreed"
	case agreement.StatusOscillating:
		return "oscillating"
	}
	return strings.ReplaceAll(s, "_", " ")
}

// Role describes an actor's role, with the name of its party: "head of
// the delegation of the Government of X", "mediator", "observer".
func Role(a *state.Actor, partyName string) string {
	role := a.Role
	switch a.Role {
	case parley.RoleHead:
		role = "head of the delegation"
	case parley.RoleDelegate:
		role = "member of the delegation"
	}
	if a.Revoked {
		role = "formerly " + role
	}
	if a.Party == "" {
		return role
	}
	if a.Role == parley.RoleHead || a.Role == parley.RoleDelegate {
		return role + " of " + the(partyName)
	}
	return role + " for " + the(partyName)
}

// Actor names an actor for prose: its name and role, without saying the
// party twice when the name says it already: "Bashar Jaafari, head of the
// delegation of the Government of the Syrian Arab Republic (gov)", "Head
// of Opposition Delegation A (oppA)", "Vitaly Naumkin, mediator".
func Actor(a *state.Actor, partyName string) string {
	if a == nil {
		return "an actor not on the roster"
	}
	if a.Party != "" {
		if partyName != "" && strings.Contains(strings.ToLower(a.Name), strings.ToLower(partyName)) {
			return a.Name + " (" + a.Party + ")"
		}
		return a.Name + ", " + Role(a, partyName) + " (" + a.Party + ")"
	}
	return a.Name + ", " + Role(a, "")
}

// the puts "the" before a party's name that reads as a common noun phrase
// ("Government of …", "Syrian National Coalition"), and leaves names that
// start with an article or stand alone.
func the(name string) string {
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
// inside a closing quotation mark or not: no "transition.”.".
func Sentence(s string) string {
	t := strings.TrimRight(s, " ")
	t = strings.TrimSuffix(t, "”")
	t = strings.TrimSuffix(t, "»")
	if strings.HasSuffix(t, ".") || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!") || strings.HasSuffix(t, "…") {
		return strings.TrimRight(s, " ")
	}
	return strings.TrimRight(s, " ") + "."
}

// Quote puts text in quotation marks.
func Quote(s string) string { return "“" + strings.TrimSpace(s) + "”" }

// Hold says what holds an item back whatever the votes, with the move
// that lifts it: "the current version of D1 holds 2 open brackets, and
// nothing in brackets is agreed until a mediator tables a version without
// them".
func Hold(kind string, count int, item string) string {
	switch kind {
	case agreement.HoldOpenBrackets:
		return fmt.Sprintf("the current version of %s holds %s, and nothing in brackets is agreed until a mediator tables a version without them",
			item, Count(count, "open bracket", "open brackets"))
	case agreement.HoldIncompleteVersion:
		return fmt.Sprintf("the current version of %s is not yet tabled in %s, and it cannot be agreed until a mediator tables them",
			item, Count(count, "official language", "official languages"))
	case agreement.HoldOpenDivergence:
		return fmt.Sprintf("%s between the language versions of %s %s open, and it cannot be agreed until a mediator resolves %s in a new version or the flag is withdrawn",
			Count(count, "divergence", "divergences"), item, map[bool]string{true: "is", false: "are"}[count == 1], map[bool]string{true: "it", false: "them"}[count == 1])
	}
	return fmt.Sprintf("%s is held back (%s)", item, kind)
}

// IsHold reports whether a root blocker's stance is the kind of a hold.
func IsHold(stance string) bool {
	switch stance {
	case agreement.HoldOpenBrackets, agreement.HoldIncompleteVersion, agreement.HoldOpenDivergence:
		return true
	}
	return false
}

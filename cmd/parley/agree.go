package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
)

func init() {
	register(&command{
		Name:    "agree",
		Usage:   "[-explain ITEM | -unlock ITEM | -impact JSON] [-max-outcomes N] [-compact] < INSTANCE",
		Summary: i18n.Key("compute what is agreed from stances, rules and packages"),
		Help: `Agree reads an agreement instance in the interchange format of
docs/AGREEMENT.md on standard input (rule, packages, parties, items, facts,
positions) and writes the result as JSON: the outcomes (the maximal sets of
items that can be agreed together), whether the list was truncated, and for
every item its status, its votes, what blocks it down to the root blockers,
and what an agreed item depends on.

With -explain ITEM it prints instead, for people, why ITEM is or is not
agreed. With -unlock ITEM it prints the smallest sets of moves (up to
three) that would make ITEM agreed: stance changes, and, for an item held
back by open brackets or the like, what a mediator must table. With -impact and a position in JSON,
such as {"party":"gov","item":"M1a","stance":"support"}, it prints which
items would pass and which would fall if that position were taken (an empty
stance withdraws the party's position).

A malformed instance exits with status 1 and a message naming the field.`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("explain", "", "explain why `ITEM` is or is not agreed")
			fs.String("unlock", "", "list the smallest sets of stance changes that would make `ITEM` agreed")
			fs.String("impact", "", "print what the position `JSON` would change")
			fs.Int("max-outcomes", agreement.DefaultMaxOutcomes, "report at most `N` outcomes")
			fs.Bool("compact", false, "write the JSON on one line")
		},
		Run: runAgree,
	})
}

func runAgree(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) > 0 {
		return parley.Errorf(parley.EINVALID, "agree takes no arguments, but got %q: give the instance on standard input", e.Args[0])
	}
	explain := fs.Lookup("explain").Value.String()
	unlock := fs.Lookup("unlock").Value.String()
	impact := fs.Lookup("impact").Value.String()
	modes := 0
	for _, s := range []string{explain, unlock, impact} {
		if s != "" {
			modes++
		}
	}
	if modes > 1 {
		return parley.Errorf(parley.EINVALID, "give at most one of -explain, -unlock and -impact")
	}
	maxOut := fs.Lookup("max-outcomes").Value.(flag.Getter).Get().(int)
	if maxOut < 1 {
		return parley.Errorf(parley.EINVALID, "-max-outcomes must be at least 1")
	}
	// The evaluation makes little garbage: collect it only if the heap
	// grows past a gigabyte, where a large instance could take it.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	in, unmap, mapped := mapInput(e.Stdin)
	if mapped {
		defer unmap()
	}
	if !mapped || len(bytes.TrimSpace(in)) == 0 {
		var err error
		if in, err = agreement.ReadInput(e.Stdin); err != nil {
			return err
		}
	}
	w := bufio.NewWriterSize(e.Stdout, 64<<10)
	if unlock != "" || impact != "" {
		inst, err := agreement.DecodeInstance(bytes.NewReader(in))
		if err != nil {
			return err
		}
		if unlock != "" {
			err = printUnlock(w, inst, unlock)
		} else {
			err = printImpact(w, inst, impact)
		}
		if err != nil {
			return err
		}
		return flushed(w)
	}
	// The instance is compiled as it is read, and the result written
	// without reflection: reading and writing JSON are most of the time
	// of a large instance.
	res, err := agreement.EvaluateJSON(in, agreement.Options{MaxOutcomes: maxOut})
	if err != nil {
		return err
	}
	if explain != "" {
		if err := printExplain(w, res, explain); err != nil {
			return err
		}
		return flushed(w)
	}
	if fs.Lookup("compact").Value.(flag.Getter).Get().(bool) {
		res.WriteJSON(w) // an error stays in w
	} else {
		var ind bytes.Buffer
		if err := json.Indent(&ind, res.AppendJSON(nil), "", "  "); err != nil {
			return err
		}
		w.Write(ind.Bytes())
	}
	w.WriteByte('\n')
	return flushed(w)
}

// flushed flushes what a command wrote to standard output and reports a
// failure to write any of it, which a bufio.Writer keeps until then.
func flushed(w *bufio.Writer) error {
	if err := w.Flush(); err != nil {
		return parley.Errorf(parley.EINVALID, "writing the result to standard output: %v; nothing or only part of it was written", err)
	}
	return nil
}

func stanceText(st string) string {
	switch st {
	case parley.StanceSupport:
		return "supports"
	case parley.StanceAdReferendum:
		return "supports ad referendum"
	case parley.StanceAbstain:
		return "abstains on"
	case parley.StanceReserve:
		return "reserves its position on"
	case parley.StanceOppose:
		return "opposes"
	case "silent":
		return "is silent on"
	case parley.StanceConditional:
		return "is conditional on"
	}
	return st + " on"
}

func printExplain(w io.Writer, res *agreement.Result, item string) error {
	it, ok := res.Items[item]
	if !ok {
		return parley.Errorf(parley.ENOTFOUND, "%q is not one of the items of the instance", item)
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("%s: %s (rule %s)", item, strings.ReplaceAll(it.Status, "_", " "), ruleText(it.Rule))
	if len(res.Outcomes) > 1 {
		p("  there are %d outcomes; the votes below are those of the first", len(res.Outcomes))
	}
	t := it.Tally
	p("  votes: %d yes, %d no, %d abstain, %d silent", t.Yes, t.No, t.Abstain, t.Silent)
	if len(it.Package) > 0 {
		p("  package: %s", strings.Join(it.Package, ", "))
	}
	if len(it.AdReferendum) > 0 {
		p("  ad referendum: %s", strings.Join(it.AdReferendum, ", "))
	}
	for _, h := range it.Holds {
		p("  held back: %s", holdText(h, true))
	}
	if it.NoSupport {
		p("  no party votes yes")
	}
	if len(it.Blockers) > 0 {
		p("  blocked by:")
		for _, b := range it.Blockers {
			if b.Stance != parley.StanceConditional {
				p("    %s %s %s", b.Party, stanceText(b.Stance), item)
				continue
			}
			var why []string
			if len(b.WaitsOn) > 0 {
				why = append(why, "waits on "+strings.Join(b.WaitsOn, ", "))
			}
			if len(b.ExcludedBy) > 0 {
				why = append(why, "excluded by agreed "+strings.Join(b.ExcludedBy, ", "))
			}
			if len(b.MissingFacts) > 0 {
				why = append(why, "needs the facts "+strings.Join(b.MissingFacts, ", "))
			}
			if len(b.ExcludedByFacts) > 0 {
				why = append(why, "excluded by the facts "+strings.Join(b.ExcludedByFacts, ", "))
			}
			p("    %s supports only if %s, which fails: %s", b.Party, b.Condition, strings.Join(why, "; "))
		}
	}
	if len(it.PackageBlockedBy) > 0 {
		p("  its package fails with: %s", strings.Join(it.PackageBlockedBy, ", "))
	}
	if len(it.RootBlockers) > 0 {
		p("  root blockers:")
		for _, r := range it.RootBlockers {
			if r.Stance == "no_support" {
				p("    no party supports %s", r.Item)
				continue
			}
			if r.Party == "" {
				p("    %s: %s", r.Item, holdText(agreement.Hold{Item: r.Item, Kind: r.Stance, Count: r.Count}, false))
				continue
			}
			p("    %s %s %s", r.Party, stanceText(r.Stance), r.Item)
		}
	}
	if len(it.ReliesOn) > 0 {
		p("  relies on:")
		for _, r := range it.ReliesOn {
			var on []string
			if len(r.On) > 0 {
				on = append(on, "agreed "+strings.Join(r.On, ", "))
			}
			if len(r.Without) > 0 {
				on = append(on, "not agreed "+strings.Join(r.Without, ", "))
			}
			line := fmt.Sprintf("    %s's condition %s", r.Party, r.Condition)
			if len(on) > 0 {
				line += " (" + strings.Join(on, "; ") + ")"
			}
			p("%s", line)
		}
	}
	if len(it.DependsOn) > 0 {
		p("  depends on: %s", strings.Join(it.DependsOn, ", "))
	}
	for _, o := range res.Oscillating {
		if o.Item == item {
			p("  oscillates: %s's condition %s", o.Party, o.Condition)
		}
	}
	return nil
}

// holdText says what a hold is for people and, if how, how a mediator
// lifts it.
func holdText(h agreement.Hold, how bool) string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	var what, lift string
	switch h.Kind {
	case agreement.HoldOpenBrackets:
		what = plural(h.Count, "open bracket", "open brackets") + " in the latest version"
		lift = "nothing in brackets is agreed until a mediator tables a version without them"
	case agreement.HoldIncompleteVersion:
		what = "the latest version is missing in " + plural(h.Count, "official language", "official languages")
		lift = "it cannot be agreed until a mediator tables it in every official language"
	case agreement.HoldOpenDivergence:
		what = plural(h.Count, "open divergence", "open divergences") + " between its language versions"
		lift = "it cannot be agreed until the language versions say the same"
	default:
		what = fmt.Sprintf("%s (%d)", h.Kind, h.Count)
	}
	if h.Detail != "" {
		what += " (" + h.Detail + ")"
	}
	if how && lift != "" {
		what += "; " + lift
	}
	return what
}

// liftText says what lifting a hold takes, as a move of an unlock option.
func liftText(h agreement.Hold) string {
	switch h.Kind {
	case agreement.HoldOpenBrackets:
		return fmt.Sprintf("a mediator tables a version of %s without brackets (now %s)", h.Item, holdText(h, false))
	case agreement.HoldIncompleteVersion:
		return fmt.Sprintf("a mediator tables %s in every official language (now %s)", h.Item, holdText(h, false))
	case agreement.HoldOpenDivergence:
		return fmt.Sprintf("the language versions of %s are brought into agreement (now %s)", h.Item, holdText(h, false))
	}
	return fmt.Sprintf("the hold %s on %s is lifted", h.Kind, h.Item)
}

func ruleText(r parley.Rule) string {
	switch r.Kind {
	case parley.RuleConsensusMinus:
		return fmt.Sprintf("consensus minus %d", r.N)
	case parley.RuleMajority:
		return fmt.Sprintf("majority %g", r.Threshold)
	}
	return r.Kind
}

func printUnlock(w io.Writer, inst *agreement.Instance, item string) error {
	opts, err := agreement.Unlock(inst, item, agreement.UnlockLimits{})
	if err != nil && !errors.Is(err, agreement.ErrUnlockIncomplete) {
		return err
	}
	current := map[[2]string]agreement.Position{}
	for _, p := range inst.Positions {
		current[[2]string{p.Party, p.Item}] = p
	}
	switch {
	case len(opts) == 0 && err == nil:
		res, everr := agreement.Evaluate(inst)
		if everr == nil && strings.HasPrefix(res.Items[item].Status, agreement.StatusAgreed) {
			fmt.Fprintf(w, "%s is already agreed.\n", item)
			return nil
		}
		fmt.Fprintf(w, "No set of up to %d moves (stance changes, or a mediator lifting what holds an item back) would make %s agreed.\n", agreement.MaxUnlockChanges, item)
		return nil
	case len(opts) == 0:
		fmt.Fprintf(w, "No set of moves found within the limit would make %s agreed.\n", item)
	default:
		fmt.Fprintf(w, "%s would be agreed with any one of these sets of moves:\n", item)
	}
	for k, o := range opts {
		var parts []string
		for _, h := range o.Lift {
			parts = append(parts, liftText(h))
		}
		for _, c := range o.Changes {
			was := "silent"
			if p, ok := current[[2]string{c.Party, c.Item}]; ok {
				was = p.Stance
				if p.Stance == parley.StanceConditional {
					was = "conditional on " + p.Condition
				}
			}
			parts = append(parts, fmt.Sprintf("%s %s %s (now %s)", c.Party, stanceText(c.Stance), c.Item, was))
		}
		fmt.Fprintf(w, "  %d. %s\n", k+1, strings.Join(parts, "; "))
	}
	if err != nil {
		fmt.Fprintf(w, "The search stopped at its limit; there may be other sets.\n")
	}
	return nil
}

func printImpact(w io.Writer, inst *agreement.Instance, change string) error {
	var p agreement.Position
	d := json.NewDecoder(strings.NewReader(change))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return parley.Errorf(parley.EINVALID, "-impact: want a position such as {\"party\":\"gov\",\"item\":\"M1a\",\"stance\":\"support\"}: %v", err)
	}
	r, err := agreement.Impact(inst, p)
	if err != nil {
		return err
	}
	what := p.Party + " " + stanceText(p.Stance) + " " + p.Item
	if p.Stance == parley.StanceConditional {
		what += " (" + p.Condition + ")"
	}
	if p.Stance == "" {
		what = p.Party + " withdraws its position on " + p.Item
	}
	fmt.Fprintf(w, "If %s:\n", what)
	if len(r.Changed) == 0 {
		fmt.Fprintf(w, "  no item changes status\n")
	}
	for _, c := range r.Changed {
		fmt.Fprintf(w, "  %s: %s -> %s\n", c.Item, strings.ReplaceAll(c.Before, "_", " "), strings.ReplaceAll(c.After, "_", " "))
	}
	return nil
}

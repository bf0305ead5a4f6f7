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
	"github.com/parleyhq/parley/words"
)

func init() {
	register(&command{
		Name:    "agree",
		Usage:   "[-explain ITEM | -unlock ITEM | -impact JSON] [-max-outcomes N] [-compact] < INSTANCE",
		Summary: i18n.Key("compute what is agreed from stances, rules and packages"),
		Help: i18n.Key(`Agree reads an agreement instance in the interchange format of
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

A malformed instance exits with status 1 and a message naming the field.`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("explain", "", i18n.Key("explain why `ITEM` is or is not agreed"))
			fs.String("unlock", "", i18n.Key("list the smallest sets of stance changes that would make `ITEM` agreed"))
			fs.String("impact", "", i18n.Key("print what the position `JSON` would change"))
			fs.Int("max-outcomes", agreement.DefaultMaxOutcomes, i18n.Key("report at most `N` outcomes"))
			fs.Bool("compact", false, i18n.Key("write the JSON on one line"))
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
			err = printUnlock(w, e.P, inst, unlock)
		} else {
			err = printImpact(w, e.P, inst, impact)
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
		if err := printExplain(w, e.P, res, explain); err != nil {
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

// stanceSentence says that a party takes a stance on an item: "gov
// opposes M1a".
func stanceSentence(p *i18n.Printer, party, st, item string) string {
	switch st {
	case parley.StanceSupport:
		return p.T("%[1]s supports %[2]s", party, item)
	case parley.StanceAdReferendum:
		return p.T("%[1]s supports %[2]s ad referendum", party, item)
	case parley.StanceAbstain:
		return p.T("%[1]s abstains on %[2]s", party, item)
	case parley.StanceReserve:
		return p.T("%[1]s reserves its position on %[2]s", party, item)
	case parley.StanceOppose:
		return p.T("%[1]s opposes %[2]s", party, item)
	case "silent":
		return p.T("%[1]s is silent on %[2]s", party, item)
	case parley.StanceConditional:
		return p.T("%[1]s is conditional on %[2]s", party, item)
	}
	return p.T("%[1]s takes the stance %[2]s on %[3]s", party, st, item)
}

func printExplain(w io.Writer, p *i18n.Printer, res *agreement.Result, item string) error {
	it, ok := res.Items[item]
	if !ok {
		return parley.Errorf(parley.ENOTFOUND, "%q is not one of the items of the instance", item)
	}
	say := func(indent, text string) { fmt.Fprintln(w, indent+text) }
	list := func(xs []string) string { return strings.Join(xs, p.T(", ")) }
	say("", p.T("%[1]s: %[2]s (rule %[3]s)", item, words.Status(p, it.Status), ruleText(p, it.Rule)))
	if len(res.Outcomes) > 1 {
		say("  ", p.T("there are %d outcomes; the votes below are those of the first", len(res.Outcomes)))
	}
	t := it.Tally
	say("  ", p.T("votes: %[1]d yes, %[2]d no, %[3]d abstain, %[4]d silent", t.Yes, t.No, t.Abstain, t.Silent))
	if len(it.Package) > 0 {
		say("  ", p.T("package: %s", list(it.Package)))
	}
	if len(it.AdReferendum) > 0 {
		say("  ", p.T("ad referendum: %s", list(it.AdReferendum)))
	}
	for _, h := range it.Holds {
		say("  ", p.T("held back: %s", holdText(p, h, true)))
	}
	if it.NoSupport {
		say("  ", p.T("no party votes yes"))
	}
	if len(it.Blockers) > 0 {
		say("  ", p.T("blocked by:"))
		for _, b := range it.Blockers {
			if b.Stance != parley.StanceConditional {
				fmt.Fprintln(w, "    "+stanceSentence(p, b.Party, b.Stance, item))
				continue
			}
			var why []string
			if len(b.WaitsOn) > 0 {
				why = append(why, p.T("waits on %s", list(b.WaitsOn)))
			}
			if len(b.ExcludedBy) > 0 {
				why = append(why, p.T("excluded by agreed %s", list(b.ExcludedBy)))
			}
			if len(b.MissingFacts) > 0 {
				why = append(why, p.T("needs the facts %s", list(b.MissingFacts)))
			}
			if len(b.ExcludedByFacts) > 0 {
				why = append(why, p.T("excluded by the facts %s", list(b.ExcludedByFacts)))
			}
			say("    ", p.T("%[1]s supports only if %[2]s, which fails: %[3]s", b.Party, b.Condition, strings.Join(why, p.T("; "))))
		}
	}
	if len(it.PackageBlockedBy) > 0 {
		say("  ", p.T("its package fails with: %s", list(it.PackageBlockedBy)))
	}
	if len(it.RootBlockers) > 0 {
		say("  ", p.T("root blockers:"))
		for _, r := range it.RootBlockers {
			if r.Stance == "no_support" {
				say("    ", p.T("no party supports %s", r.Item))
				continue
			}
			if r.Party == "" {
				say("    ", p.T("%[1]s: %[2]s", r.Item, holdText(p, agreement.Hold{Item: r.Item, Kind: r.Stance, Count: r.Count}, false)))
				continue
			}
			fmt.Fprintln(w, "    "+stanceSentence(p, r.Party, r.Stance, r.Item))
		}
	}
	if len(it.ReliesOn) > 0 {
		say("  ", p.T("relies on:"))
		for _, r := range it.ReliesOn {
			var on []string
			if len(r.On) > 0 {
				on = append(on, p.T("agreed %s", list(r.On)))
			}
			if len(r.Without) > 0 {
				on = append(on, p.T("not agreed %s", list(r.Without)))
			}
			if len(on) > 0 {
				say("    ", p.T("%[1]s's condition %[2]s (%[3]s)", r.Party, r.Condition, strings.Join(on, p.T("; "))))
			} else {
				say("    ", p.T("%[1]s's condition %[2]s", r.Party, r.Condition))
			}
		}
	}
	if len(it.DependsOn) > 0 {
		say("  ", p.T("depends on: %s", list(it.DependsOn)))
	}
	for _, o := range res.Oscillating {
		if o.Item == item {
			say("  ", p.T("oscillates: %[1]s's condition %[2]s", o.Party, o.Condition))
		}
	}
	return nil
}

// holdText says what a hold is for people and, if how, how a mediator
// lifts it.
func holdText(p *i18n.Printer, h agreement.Hold, how bool) string {
	var what, lift string
	switch h.Kind {
	case agreement.HoldOpenBrackets:
		what = p.T("%d open brackets in the latest version", h.Count)
		lift = p.T("nothing in brackets is agreed until a mediator tables a version without them")
	case agreement.HoldIncompleteVersion:
		what = p.T("the latest version is missing in %d official languages", h.Count)
		lift = p.T("it cannot be agreed until a mediator tables it in every official language")
	case agreement.HoldOpenDivergence:
		what = p.T("%d open divergences between its language versions", h.Count)
		lift = p.T("it cannot be agreed until the language versions say the same")
	default:
		what = p.T("%[1]s (%[2]d)", h.Kind, h.Count)
	}
	if h.Detail != "" {
		what = p.T("%[1]s (%[2]s)", what, h.Detail)
	}
	if how && lift != "" {
		what = p.T("%[1]s; %[2]s", what, lift)
	}
	return what
}

// liftText says what lifting a hold takes, as a move of an unlock option.
func liftText(p *i18n.Printer, h agreement.Hold) string {
	switch h.Kind {
	case agreement.HoldOpenBrackets:
		return p.T("a mediator tables a version of %[1]s without brackets (now %[2]s)", h.Item, holdText(p, h, false))
	case agreement.HoldIncompleteVersion:
		return p.T("a mediator tables %[1]s in every official language (now %[2]s)", h.Item, holdText(p, h, false))
	case agreement.HoldOpenDivergence:
		return p.T("the language versions of %[1]s are brought into agreement (now %[2]s)", h.Item, holdText(p, h, false))
	}
	return p.T("the hold %[1]s on %[2]s is lifted", h.Kind, h.Item)
}

func ruleText(p *i18n.Printer, r parley.Rule) string {
	switch r.Kind {
	case parley.RuleConsensus:
		return p.T("consensus")
	case parley.RuleConsensusMinus:
		return p.T("consensus minus %d", r.N)
	case parley.RuleMajority:
		return p.T("majority %s", p.Decimal(r.Threshold, 4))
	}
	return r.Kind
}

func printUnlock(w io.Writer, p *i18n.Printer, inst *agreement.Instance, item string) error {
	opts, err := agreement.Unlock(inst, item, agreement.UnlockLimits{})
	if err != nil && !errors.Is(err, agreement.ErrUnlockIncomplete) {
		return err
	}
	current := map[[2]string]agreement.Position{}
	for _, pos := range inst.Positions {
		current[[2]string{pos.Party, pos.Item}] = pos
	}
	switch {
	case len(opts) == 0 && err == nil:
		res, everr := agreement.Evaluate(inst)
		if everr == nil && strings.HasPrefix(res.Items[item].Status, agreement.StatusAgreed) {
			fmt.Fprintln(w, p.T("%s is already agreed.", item))
			return nil
		}
		fmt.Fprintln(w, p.T("No set of up to %[1]d moves (stance changes, or a mediator lifting what holds an item back) would make %[2]s agreed.", agreement.MaxUnlockChanges, item))
		return nil
	case len(opts) == 0:
		fmt.Fprintln(w, p.T("No set of moves found within the limit would make %s agreed.", item))
	default:
		fmt.Fprintln(w, p.T("%s would be agreed with any one of these sets of moves:", item))
	}
	for k, o := range opts {
		var parts []string
		for _, h := range o.Lift {
			parts = append(parts, liftText(p, h))
		}
		for _, c := range o.Changes {
			was := p.T("silent")
			if pos, ok := current[[2]string{c.Party, c.Item}]; ok {
				was = words.StanceName(p, pos.Stance)
				if pos.Stance == parley.StanceConditional {
					was = p.T("conditional on %s", pos.Condition)
				}
			}
			parts = append(parts, p.T("%[1]s (now %[2]s)", stanceSentence(p, c.Party, c.Stance, c.Item), was))
		}
		fmt.Fprintf(w, "  %s. %s\n", p.Digits(int64(k+1)), strings.Join(parts, p.T("; ")))
	}
	if err != nil {
		fmt.Fprintln(w, p.T("The search stopped at its limit; there may be other sets."))
	}
	return nil
}

func printImpact(w io.Writer, p *i18n.Printer, inst *agreement.Instance, change string) error {
	var pos agreement.Position
	// Read as strictly as an instance: exact member names, none other,
	// one object and nothing after it.
	if err := parley.DecodeStrict([]byte(change), &pos); err != nil {
		return parley.Errorf(parley.EINVALID, "-impact: want a position such as {\"party\":\"gov\",\"item\":\"M1a\",\"stance\":\"support\"}: %v", err)
	}
	r, err := agreement.Impact(inst, pos)
	if err != nil {
		return err
	}
	what := stanceSentence(p, pos.Party, pos.Stance, pos.Item)
	if pos.Stance == parley.StanceConditional {
		what = p.T("%[1]s (%[2]s)", what, pos.Condition)
	}
	if pos.Stance == "" {
		what = p.T("%[1]s withdraws its position on %[2]s", pos.Party, pos.Item)
	}
	fmt.Fprintln(w, p.T("If %s:", what))
	if len(r.Changed) == 0 {
		fmt.Fprintln(w, "  "+p.T("no item changes status"))
	}
	for _, c := range r.Changed {
		fmt.Fprintln(w, "  "+p.T("%[1]s: %[2]s -> %[3]s", c.Item, words.Status(p, c.Before), words.Status(p, c.After)))
	}
	return nil
}

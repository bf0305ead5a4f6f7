package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/state"
)

func init() {
	register(&command{
		Name:    "show",
		Usage:   "[flags]",
		Summary: "show the state of a talks as a table",
		Help: `Show prints the talks' rounds and attendance, then a table of items by
parties: each party's stance on the latest version (a stance on an older
version is marked "old"), each item's status, and for items not agreed the
blockers and root blockers the agreement engine finds.`,
		Flags: func(fs *flag.FlagSet) {
			dataFlags(fs)
			fs.String("talks", "", "the talks id (env PARLEY_TALKS)")
		},
		Run: runShow,
	})
	register(&command{
		Name:    "briefing",
		Usage:   "[flags]",
		Summary: "write the factual Markdown briefing of a round",
		Help: `Briefing writes the summary of a round generated from the record: who
attended and who declined (with the reason), what was agreed, what gained
and lost agreement and when, what stays open and who blocks it, and the
public statements, each with the log index of the event it comes from.`,
		Flags: func(fs *flag.FlagSet) {
			dataFlags(fs)
			fs.String("talks", "", "the talks id (env PARLEY_TALKS)")
			fs.String("round", "", "the round (default: the current round)")
			fs.String("o", "", "write to this file instead of standard output")
		},
		Run: runBriefing,
	})
}

func talksFlag(e *env, fs *flag.FlagSet) (string, error) {
	t := opt(e, fs, "talks", "PARLEY_TALKS", "")
	if t == "" {
		return "", &exitError{2, fmt.Errorf("no talks: pass --talks ID or set PARLEY_TALKS")}
	}
	return t, nil
}

func runShow(ctx context.Context, e *env, fs *flag.FlagSet) error {
	talks, err := talksFlag(e, fs)
	if err != nil {
		return err
	}
	l, closeStore, err := openLedger(ctx, dataConfigOf(e, fs))
	if err != nil {
		return err
	}
	defer closeStore()
	return l.View(ctx, talks, func(st *state.Talks, cp parley.Checkpoint) error {
		res, err := agreement.Evaluate(st.Instance())
		if err != nil {
			return err
		}
		writeShow(e.Stdout, st, cp, res)
		return nil
	})
}

func writeShow(w io.Writer, st *state.Talks, cp parley.Checkpoint, res *agreement.Result) {
	fmt.Fprintf(w, "%s (%s)\nrule %s, visibility %s; %d events in the record\n\n", st.Title, st.ID, ruleString(st.Rule), st.Visibility, cp.Size)
	for _, r := range st.Rounds {
		fmt.Fprintf(w, "round %s %q, %s to %s, %s: %s\n", r.ID, r.Title, r.Starts, r.Ends, orNone(r.Venue), r.Status)
		for _, inv := range r.Invitations {
			line := "  " + inv.Party + ": " + inv.Status
			if inv.Reason != "" {
				line += " (" + inv.Reason + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	parties := st.Participants()
	if len(st.Items) == 0 {
		fmt.Fprintf(w, "\nno items on the agenda\n")
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ITEM\tVERSION\tSTATUS\t%s\n", strings.Join(parties, "\t"))
	var notes []string
	for _, it := range st.Items {
		v := "-"
		if l := it.Latest(); l != nil {
			v = fmt.Sprint(l.N)
		}
		cells := []string{it.ID, v, strings.ReplaceAll(res.Items[it.ID].Status, "_", " ")}
		for _, p := range parties {
			s := it.Stances[p]
			switch {
			case s == nil:
				cells = append(cells, "·")
			case it.Latest() != nil && s.Version != it.Latest().N:
				cells = append(cells, s.Stance+" (old)")
			case s.Stance == parley.StanceConditional:
				cells = append(cells, "if: "+s.Condition)
			default:
				cells = append(cells, s.Stance)
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
		if ir := res.Items[it.ID]; len(ir.RootBlockers) > 0 {
			var rbs []string
			for _, rb := range ir.RootBlockers {
				who := rb.Party
				if who == "" {
					who = "no one supports"
				}
				rbs = append(rbs, who+" "+rb.Stance+" on "+rb.Item)
			}
			notes = append(notes, fmt.Sprintf("%s is blocked at the root by: %s", it.ID, strings.Join(rbs, "; ")))
		}
	}
	tw.Flush()
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
}

func ruleString(r parley.Rule) string {
	switch r.Kind {
	case parley.RuleConsensusMinus:
		return fmt.Sprintf("%s %d", r.Kind, r.N)
	case parley.RuleMajority:
		return fmt.Sprintf("%s %g", r.Kind, r.Threshold)
	}
	return r.Kind
}

func orNone(s string) string {
	if s == "" {
		return "no venue"
	}
	return s
}

func runBriefing(ctx context.Context, e *env, fs *flag.FlagSet) error {
	talks, err := talksFlag(e, fs)
	if err != nil {
		return err
	}
	l, closeStore, err := openLedger(ctx, dataConfigOf(e, fs))
	if err != nil {
		return err
	}
	defer closeStore()
	md, err := roundBriefing(ctx, l, talks, str(fs, "round"))
	if err != nil {
		return err
	}
	if out := str(fs, "o"); out != "" {
		return os.WriteFile(out, []byte(md), 0o644)
	}
	_, err = io.WriteString(e.Stdout, md)
	return err
}

// roundBriefing returns the briefing of a round, by default the current one.
func roundBriefing(ctx context.Context, l *ledger.Ledger, talks, round string) (string, error) {
	if round == "" {
		err := l.View(ctx, talks, func(st *state.Talks, _ parley.Checkpoint) error {
			if r := st.CurrentRound(); r != nil {
				round = r.ID
				return nil
			}
			return parley.Errorf(parley.ENOTFOUND, "talks %q has had no round yet; name one with --round", talks)
		})
		if err != nil {
			return "", err
		}
	}
	_, events, err := l.Entries(ctx, talks)
	if err != nil {
		return "", err
	}
	return briefing.Round(talks, events, round)
}

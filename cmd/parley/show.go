package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
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
		Flags: readFlags,
		Run:   runShow,
	})
	register(&command{
		Name:    "briefing",
		Usage:   "[flags]",
		Summary: "write the factual Markdown briefing of a round",
		Help: `Briefing writes the summary of a round generated from the record: who
attended and who declined (with the reason), what was agreed, what gained
and lost agreement and when, what stays open and who blocks it, and the
public statements, each with the log index of the event it comes from.

It is written in Arabic, English or Russian: -lang, else PARLEY_LANG, else
the locale (LC_ALL, LC_MESSAGES, LANG), else English. The record's own
texts (titles, reasons, statements) stay in the language they were
signed in.`,
		Flags: func(fs *flag.FlagSet) {
			readFlags(fs)
			fs.String("round", "", "the round (default: the current round)")
			fs.String("o", "", "write to this file instead of standard output")
			fs.String("lang", "", langHelp)
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
	c, err := newAPIClient(e, fs)
	if err != nil {
		return err
	}
	var d *showData
	if c != nil {
		d, err = showDataFromServer(ctx, c, talks)
	} else {
		d, err = showDataLocal(ctx, e, fs, talks)
	}
	if err != nil {
		return err
	}
	writeShow(e.Stdout, d)
	return nil
}

// showData is what show prints, read from a local record or a server.
type showData struct {
	Title, ID, Visibility string
	Rule                  parley.Rule
	Size                  int64
	Rounds                []view.Round
	Parties               []string // at the current round's table
	Items                 []showItem
	Result                *agreement.Result
	Partial               bool // some stances are hidden from the viewer
}

type showItem struct {
	ID      string
	Latest  int // version number, 0 before the first
	Stances map[string]*state.Stance
}

func showDataLocal(ctx context.Context, e *env, fs *flag.FlagSet, talks string) (*showData, error) {
	l, closeStore, err := openTalks(ctx, e, fs, talks)
	if err != nil {
		return nil, err
	}
	defer closeStore()
	var d *showData
	err = l.View(ctx, talks, func(st *state.Talks, cp parley.Checkpoint) error {
		res, err := agreement.Evaluate(st.Instance())
		if err != nil {
			return err
		}
		// The holder of the record's store sees all of it.
		all, err := view.Audience("mediators")
		if err != nil {
			return err
		}
		d = &showData{Title: st.Title, ID: st.ID, Visibility: st.Visibility, Rule: st.Rule, Size: cp.Size,
			Rounds: view.New(st, all, "", cp).Rounds, Parties: st.Participants(), Result: res}
		for _, it := range st.Items {
			si := showItem{ID: it.ID, Stances: it.Stances}
			if v := it.Latest(); v != nil {
				si.Latest = v.N
			}
			d.Items = append(d.Items, si)
		}
		return nil
	})
	return d, err
}

func showDataFromServer(ctx context.Context, c *apiClient, talks string) (*showData, error) {
	var tv server.TalksView
	if err := c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(talks), nil, &tv); err != nil {
		return nil, err
	}
	var ag server.AgreementView
	if err := c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(talks)+"/agreement", nil, &ag); err != nil {
		return nil, err
	}
	d := &showData{Title: tv.Title, ID: tv.ID, Visibility: tv.Visibility, Rule: tv.Rule, Size: tv.Checkpoint.Size,
		Rounds: tv.Rounds, Result: ag.Result, Partial: ag.Partial}
	for _, p := range tv.Parties {
		if p.Participant {
			d.Parties = append(d.Parties, p.ID)
		}
	}
	for _, it := range tv.Items {
		var iv server.ItemView
		if err := c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(talks)+"/items/"+url.PathEscape(it.ID), nil, &iv); err != nil {
			return nil, err
		}
		d.Items = append(d.Items, showItem{ID: it.ID, Latest: it.Versions, Stances: iv.Stances})
	}
	return d, nil
}

func writeShow(w io.Writer, d *showData) {
	fmt.Fprintf(w, "%s (%s)\nrule %s, visibility %s; %d events in the record\n\n", d.Title, d.ID, ruleString(d.Rule), d.Visibility, d.Size)
	for _, r := range d.Rounds {
		fmt.Fprintf(w, "round %s %q, %s to %s, %s: %s\n", r.ID, r.Title, r.Starts, r.Ends, orNone(r.Venue), r.Status)
		for _, inv := range r.Invitations {
			line := "  " + inv.Party + ": " + inv.Status
			if inv.Reason != "" {
				line += " (" + inv.Reason + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(d.Items) == 0 {
		fmt.Fprintf(w, "\nno items on the agenda\n")
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ITEM\tVERSION\tSTATUS\t%s\n", strings.Join(d.Parties, "\t"))
	var notes []string
	for _, it := range d.Items {
		v := "-"
		if it.Latest > 0 {
			v = fmt.Sprint(it.Latest)
		}
		ir := d.Result.Items[it.ID]
		status := "?"
		if ir != nil {
			status = strings.ReplaceAll(ir.Status, "_", " ")
		}
		cells := []string{it.ID, v, status}
		for _, p := range d.Parties {
			s := it.Stances[p]
			switch {
			case s == nil:
				cells = append(cells, "·")
			case s.Version != it.Latest:
				cells = append(cells, s.Stance+" (old)")
			case s.Stance == parley.StanceConditional:
				cells = append(cells, "if: "+s.Condition)
			default:
				cells = append(cells, s.Stance)
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
		if ir != nil && len(ir.RootBlockers) > 0 {
			var rbs []string
			for _, rb := range ir.RootBlockers {
				switch {
				case words.IsHold(rb.Stance):
					rbs = append(rbs, words.Hold(i18n.For(i18n.English), rb.Stance, rb.Count, rb.Item))
				case rb.Party == "":
					rbs = append(rbs, "no one supports "+rb.Item)
				default:
					rbs = append(rbs, rb.Party+" "+rb.Stance+" on "+rb.Item)
				}
			}
			notes = append(notes, fmt.Sprintf("%s is blocked at the root by: %s", it.ID, strings.Join(rbs, "; ")))
		}
	}
	tw.Flush()
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
	if d.Partial {
		fmt.Fprintf(w, "\nSome stances are hidden from you; the statuses above count only those you may see.\n")
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
	p, err := outputLanguage(e, fs)
	if err != nil {
		return err
	}
	c, err := newAPIClient(e, fs)
	if err != nil {
		return err
	}
	var md string
	if c != nil {
		var b []byte
		err = c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(talks)+"/briefing?round="+url.QueryEscape(str(fs, "round"))+"&lang="+p.Code(), nil, &b)
		md = string(b)
	} else {
		md, err = localBriefing(ctx, e, fs, p, talks)
	}
	if err != nil {
		return err
	}
	if out := str(fs, "o"); out != "" {
		return os.WriteFile(out, []byte(md), 0o644)
	}
	_, err = io.WriteString(e.Stdout, md)
	return err
}

func localBriefing(ctx context.Context, e *env, fs *flag.FlagSet, p *i18n.Printer, talks string) (string, error) {
	l, closeStore, err := openTalks(ctx, e, fs, talks)
	if err != nil {
		return "", err
	}
	defer closeStore()
	return roundBriefing(ctx, p, l, talks, str(fs, "round"))
}

// roundBriefing returns the briefing of a round in the language of p, by
// default the current round.
func roundBriefing(ctx context.Context, p *i18n.Printer, l *ledger.Ledger, talks, round string) (string, error) {
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
	return briefing.Round(p, talks, events, round)
}

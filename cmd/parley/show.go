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
	"time"

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
		Summary: i18n.Key("show the state of a talks as a table"),
		Help: i18n.Key(`Show prints the talks' rounds and attendance, then a table of items by
parties: each party's stance on the latest version (a stance on an older
version is marked "old"), each item's status, and for items not agreed the
blockers and root blockers the agreement engine finds.`),
		Flags: readFlags,
		Run:   runShow,
	})
	register(&command{
		Name:    "briefing",
		Usage:   "[flags]",
		Summary: i18n.Key("write the factual Markdown briefing of a round"),
		Help: i18n.Key(`Briefing writes the summary of a round generated from the record: who
attended and who declined (with the reason), what was agreed, what gained
and lost agreement and when, what stays open and who blocks it, and the
public statements, each with the log index of the event it comes from.

It is written in Arabic, English or Russian: -lang, else PARLEY_LANG, else
the locale (LC_ALL, LC_MESSAGES, LANG), else English. The record's own
texts (titles, reasons, statements) stay in the language they were
signed in.`),
		Flags: func(fs *flag.FlagSet) {
			readFlags(fs)
			fs.String("round", "", i18n.Key("the round (default: the current round)"))
			fs.String("o", "", i18n.Key("write to this file instead of standard output"))
			fs.String("lang", "", langHelp)
		},
		Run: runBriefing,
	})
}

func talksFlag(e *env, fs *flag.FlagSet) (string, error) {
	t := opt(e, fs, "talks", "PARLEY_TALKS", "")
	if t == "" {
		return "", &exitError{2, parley.Errorf(parley.EINVALID, "no talks: pass --talks ID or set PARLEY_TALKS")}
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
	writeShow(e.Stdout, e.P, d)
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

func writeShow(w io.Writer, p *i18n.Printer, d *showData) {
	fmt.Fprintf(w, "%s (%s)\n%s\n\n", d.Title, d.ID, p.T("rule %[2]s, %[3]s; %[1]d events in the record", d.Size, words.Rule(p, d.Rule), visibilityName(p, d.Visibility)))
	for _, r := range d.Rounds {
		fmt.Fprintln(w, p.T("round %[1]s %[2]q, %[3]s to %[4]s, %[5]s: %[6]s", r.ID, r.Title, day(p, r.Starts), day(p, r.Ends), orNone(p, r.Venue), words.RoundStatus(p, r.Status)))
		for _, inv := range r.Invitations {
			if inv.Reason != "" {
				fmt.Fprintln(w, "  "+p.T("%[1]s: %[2]s (%[3]s)", inv.Party, invitationStatus(p, inv.Status), inv.Reason))
			} else {
				fmt.Fprintln(w, "  "+p.T("%[1]s: %[2]s", inv.Party, invitationStatus(p, inv.Status)))
			}
		}
	}
	if len(d.Items) == 0 {
		fmt.Fprintf(w, "\n%s\n", p.T("no items on the agenda"))
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.T("ITEM"), p.T("VERSION"), p.T("STATUS"), strings.Join(d.Parties, "\t"))
	var notes []string
	for _, it := range d.Items {
		v := "-"
		if it.Latest > 0 {
			v = p.Digits(int64(it.Latest))
		}
		ir := d.Result.Items[it.ID]
		status := "?"
		if ir != nil {
			status = words.Status(p, ir.Status)
		}
		cells := []string{it.ID, v, status}
		for _, party := range d.Parties {
			s := it.Stances[party]
			switch {
			case s == nil:
				cells = append(cells, "·")
			case s.Version != it.Latest:
				cells = append(cells, p.T("%s (old)", words.StanceName(p, s.Stance)))
			case s.Stance == parley.StanceConditional:
				cells = append(cells, p.T("if: %s", words.ConditionText(p, s.Condition)))
			default:
				cells = append(cells, words.StanceName(p, s.Stance))
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
		if ir != nil && len(ir.RootBlockers) > 0 {
			var rbs []string
			for _, rb := range ir.RootBlockers {
				switch {
				case words.IsHold(rb.Stance):
					rbs = append(rbs, words.Hold(p, rb.Stance, rb.Count, rb.Item))
				case rb.Party == "":
					rbs = append(rbs, p.T("no one supports %s", rb.Item))
				default:
					rbs = append(rbs, words.Stance(p, []string{rb.Party}, rb.Stance, "", rb.Item))
				}
			}
			notes = append(notes, p.T("%[1]s is blocked at the root by: %[2]s", it.ID, strings.Join(rbs, p.T("; "))))
		}
	}
	tw.Flush()
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
	if d.Partial {
		fmt.Fprintf(w, "\n%s\n", p.T("Some stances are hidden from you; the statuses above count only those you may see."))
	}
}

// day writes a day given as YYYY-MM-DD as the language writes it, and
// any other text as it is.
func day(p *i18n.Printer, s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return p.Date(t)
}

func orNone(p *i18n.Printer, s string) string {
	if s == "" {
		return p.T("no venue")
	}
	return s
}

// invitationStatus names the answer of a party to an invitation.
func invitationStatus(p *i18n.Printer, status string) string {
	switch status {
	case state.Invited:
		return p.T("invited")
	case state.Accepted:
		return p.T("accepted")
	case state.Declined:
		return p.T("declined")
	}
	return status
}

// visibilityName says who may see the events of a talks by default.
func visibilityName(p *i18n.Printer, vis string) string {
	switch vis {
	case parley.VisPublic:
		return p.T("visible to the public")
	case parley.VisParticipants:
		return p.T("visible to the participants")
	case parley.VisMediators:
		return p.T("visible to the mediators")
	}
	return p.T("visibility %s", vis)
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

package web

import (
	"html/template"
	"net/http"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
)

// maxBriefingEvents bounds the records the public page briefs: the
// briefing replays the record and evaluates the agreement after every
// event that can change it.
const maxBriefingEvents = 5000

// publicData is the public page of a talks.
type publicData struct {
	Round       *roundView
	Briefing    template.HTML
	BriefingWhy string // why there is no briefing
	Statements  []statementView
	Checkpoint  *checkpointView
	LogKey      string
	Witnesses   []string
	History     *history
}

// statementView is a public statement beside what the record showed when
// it was made.
type statementView struct {
	*state.Statement
	By      string
	Dir     string
	Agreed  []recordLine
	Open    []recordLine
	Unknown bool   // the history does not reach the statement
	Quoted  string // in the demo, where the press reported these words, word for word
}

// recordLine is an item's status when a statement was made, with the
// latest change of its agreement before it.
type recordLine struct {
	Item, Title, Status string
	Change              *transition
}

func (h *handler) public(r *http.Request) (*page, error) {
	ctx := r.Context()
	key := server.ViewerKey(r)
	s, err := h.load(ctx, h.printer(r), r.PathValue("id"), key, -1)
	if err != nil {
		return nil, err
	}
	d := &publicData{Checkpoint: newCheckpointView(s.Checkpoint)}
	if d.LogKey, d.Witnesses, err = h.witnesses(ctx, s.ID, s.Checkpoint); err != nil {
		return nil, err
	}
	round := r.URL.Query().Get("round")
	for i := range s.Rounds {
		if s.Rounds[i].ID == round {
			d.Round = &s.Rounds[i]
		}
	}
	if round != "" && d.Round == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "round=%q: talks %q has no round %q that you may see", round, s.ID, round)
	}
	if d.Round == nil {
		d.Round = s.CurrentRound()
	}
	// The briefing reads the record as this viewer sees it, as every
	// page does.
	switch {
	case d.Round == nil:
		d.BriefingWhy = s.P.T("No round has been opened yet that you may see, so there is nothing to brief.")
	case s.Size > maxBriefingEvents:
		d.BriefingWhy = s.P.T("This record is too large to brief on a page request; run parley briefing, or read the timeline.")
	default:
		md, err := briefing.Load(ctx, s.P, h.l, &h.replays, s.ID, key, d.Round.ID)
		if err != nil {
			return nil, err
		}
		d.Briefing = markdownHTML(s.P, md, s.ID)
	}
	if d.History, err = h.history(ctx, s); err != nil {
		return nil, err
	}
	for _, m := range s.Statements {
		if round != "" && !aboutRound(m, d.Round) {
			continue // the statements about the round asked for
		}
		sv := statementView{Statement: m, By: s.ActorName(m.By), Dir: dirOf(m.Lang)}
		sv.Quoted, _ = h.cfg.Demo.Quoted(m.By, m.Text)
		agreed := d.History.AgreedAt(m.Index)
		if agreed == nil {
			sv.Unknown = true
		}
		for _, it := range s.Items {
			if agreed == nil || it.Added > m.Index {
				continue
			}
			st := agreement.StatusNotAgreed
			if agreed[it.ID] {
				st = agreement.StatusAgreed
			}
			line := recordLine{Item: it.ID, Title: it.Title, Status: st}
			for k := range d.History.Transitions {
				if t := &d.History.Transitions[k]; t.Item == it.ID && t.Index < m.Index {
					line.Change = t
				}
			}
			if agreedish(st) {
				sv.Agreed = append(sv.Agreed, line)
			} else {
				sv.Open = append(sv.Open, line)
			}
		}
		d.Statements = append(d.Statements, sv)
	}
	return &page{Name: "public", Title: s.P.T("Public record · %s", s.Title), S: s, Tab: "public", Live: true, Data: d}, nil
}

// aboutRound reports whether a statement is about a round: it names it,
// or it names none and was made while the round was open.
func aboutRound(m *state.Statement, r *roundView) bool {
	if r == nil {
		return false
	}
	if m.Round != "" {
		return m.Round == r.ID
	}
	if r.Opened.IsZero() || m.At.Before(r.Opened) {
		return false
	}
	return r.Closed.IsZero() || !m.At.After(r.Closed)
}

// recordLinesHTML says the items of a statement's record, each with the
// latest change of its agreement before the statement: "D1, since 26
// January 2015 #12; M1a, which lost agreement on … when …".
func recordLinesHTML(p *i18n.Printer, talks string, lines []recordLine, agreed bool) template.HTML {
	hp := htmlPrinter{p}
	var out []template.HTML
	for _, l := range lines {
		item := linkHTML("/talks/"+talks+"/items/"+l.Item, l.Item)
		c := l.Change
		switch {
		case c == nil || !agreed && c.Agreed:
			out = append(out, item)
		case agreed:
			out = append(out, hp.T("%[1]s, since %[2]s %[3]s", item, p.Date(c.At), indexLinkHTML(p, talks, c.Index)))
		case c.Visible:
			out = append(out, hp.T("%[1]s, which lost agreement on %[2]s when %[3]s %[4]s", item, p.Date(c.At), userHTML(p, "span", c.Cause.Short), indexLinkHTML(p, talks, c.Index)))
		default:
			out = append(out, hp.T("%[1]s, which lost agreement on %[2]s %[3]s", item, p.Date(c.At), indexLinkHTML(p, talks, c.Index)))
		}
	}
	if len(out) == 0 {
		return ""
	}
	joined := out[0]
	for _, x := range out[1:] {
		joined = hp.T("%[1]s; %[2]s", joined, x)
	}
	return joined
}

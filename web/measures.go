package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/picture"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// The implementation page of a measure (docs/UI.md): its steps on a time
// axis, drawn on the server, each step's status, who must move next and
// since when, the verifier's findings and each party's record, as of now
// or of any event. Everything comes from the viewer's view (view.Measures),
// which holds counts, dates, verdicts and reasons, never an annex: an
// annex is sealed to the parties of the measure and the step's verifier,
// and only they open it, on their devices; in demo mode the server opens
// it for the demo actor acting, with the key it holds, and says so.

// measureData is what the implementation page shows.
type measureData struct {
	Item     *itemView
	Measure  *measures.MeasureStatus
	AsOf     string // when the statuses are as of, in words
	At       int64  // the event of a view of the past, or -1
	Picture  template.HTML
	Steps    []stepView
	Next     []string // who must move next, each in a sentence
	Complete bool
	Findings []findingView
	Records  []recordView
	Deadline string // when a status next changes without an event, in words, or ""
	// DeadlineAt is that time in RFC 3339, for the page to refresh itself
	// then (live.js).
	DeadlineAt string
	Acts       []actLink
	Annexes    bool   // some step calls for a sealed annex
	Reads      bool   // the viewer is among whom the annexes are sealed to
	Opens      string // how the viewer opens the annexes it may read
	NoPlan     bool   // the measure has no plan the viewer may see
	Summary    []string
}

// A stepView is one step of the plan in force.
type stepView struct {
	ID, Party, Action, Quantity string
	Due, Since                  string
	Status, StatusText          string
	WaitingOn, Exchange         []string
	Report, Finding             string // the last of each, in words
	Annex                       bool   // the step calls for a sealed annex
	Recipients                  string // whom its annexes are sealed to
	Opened                      []openedAnnex
}

// An openedAnnex is an annex the demo server opened for the demo actor.
type openedAnnex struct {
	Index int64
	Text  string
	Err   string
}

// A findingView is one finding of the verifier.
type findingView struct {
	Index  int64
	Step   string
	Time   string
	Text   string
	Reason string
	Annex  bool
}

type recordView struct {
	Party, Name, Text string
	Late, Disputed    []string
}

// An actLink is an act of the measure, to see the page as of it.
type actLink struct {
	Index int64
	Text  string
}

func (h *handler) measure(r *http.Request) (*page, error) {
	at, err := queryIndex(r, "at")
	if err != nil {
		return nil, err
	}
	p := h.printer(r)
	var s *snap
	if at >= 0 {
		// As of an event, the measures come from the Book at that event's
		// mark, without replaying the log, which costs seconds on a large
		// talks (view.LoadMeasures); the rest of the page, the item and
		// the roster, is as of now, with the viewer's visibility of now,
		// as in any view of the past.
		t, err := view.LoadMeasures(r.Context(), h.l, r.PathValue("id"), server.ViewerKey(r), at)
		if err != nil {
			return nil, notFound(err, r.PathValue("id"))
		}
		t.Localize(p.Code())
		s = &snap{Talks: t, P: p, cache: &h.results}
	} else if s, err = h.load(r.Context(), p, r.PathValue("id"), server.ViewerKey(r), at); err != nil {
		return nil, err
	}
	id := r.PathValue("item")
	it := s.Item(id)
	if it == nil || it.Kind != parley.ItemMeasure || (at >= 0 && it.Added > at) {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no measure %q that you may see; the overview lists its items", s.ID, id)
	}
	d := &measureData{Item: it, At: s.At}
	title := p.T("Carrying out %[1]s · %[2]s", it.ID, s.Title)
	ms := s.Measures.Measure(id)
	if ms == nil {
		d.NoPlan = true
		return &page{Name: "measure", Title: title, S: s, Tab: "overview", Live: s.At < 0, Data: d}, nil
	}
	m := s.Measures
	d.Measure, d.Complete = ms, ms.Complete
	d.AsOf = p.Time(m.At.Time)
	if !m.Deadline.IsZero() && s.At < 0 {
		d.Deadline = p.Time(m.Deadline)
		d.DeadlineAt = m.Deadline.UTC().Format(time.RFC3339)
	}
	var svg bytes.Buffer
	links := picture.Links{At: func(talks string, i int64) string { return measureLink(talks, it.ID, i) }}
	if err := picture.WriteSteps(&svg, picture.StepsOf(s.ID, *ms, m.History, m.At.Time), p, picture.Options{Dir: p.Dir(), Links: links}); err != nil {
		return nil, err
	}
	d.Picture = template.HTML(svg.String()) // written escaped, without scripts, by package picture
	d.Summary = measureSummary(p, ms)
	demo := h.demoKey(s)
	parties := []string{}
	for _, st := range ms.Steps {
		if !slices.Contains(parties, st.Step.Party) {
			parties = append(parties, st.Step.Party)
		}
	}
	for _, st := range ms.Steps {
		sv := stepView{ID: st.Step.ID, Party: st.Step.Party, Action: st.Step.Action, Quantity: words.Quantity(p, st.Step.Quantity, st.Step.Unit),
			Due: p.Time(st.Due), Since: p.Time(st.Since), Status: st.Status, StatusText: words.StepStatus(p, st.Status),
			WaitingOn: st.WaitingOn, Exchange: st.Exchange, Annex: st.Step.Annex}
		if e := st.Report; e != nil {
			sv.Report = entryWords(p, e, st.Step.Unit)
		}
		if e := st.Finding; e != nil {
			sv.Finding = entryWords(p, e, st.Step.Unit)
		}
		var names []string
		for _, a := range s.AnnexRecipients(st.Step.ID) {
			names = append(names, words.Actor(p, a, s.PartyName(a.Party)))
		}
		sv.Recipients = p.List(names)
		if st.Step.Annex || hasAnnex(m.History[st.Step.ID]) {
			d.Annexes = true
			d.Reads = d.Reads || s.ReadsAnnexes(st.Step.ID)
		}
		if demo != nil && s.ReadsAnnexes(st.Step.ID) {
			for _, e := range m.History[st.Step.ID] {
				if !e.Annex {
					continue
				}
				oa := openedAnnex{Index: e.Index}
				if text, err := h.openAnnex(r.Context(), s, e.Index, demo); err != nil {
					oa.Err = p.Error(err)
				} else {
					oa.Text = text
				}
				sv.Opened = append(sv.Opened, oa)
			}
		}
		d.Steps = append(d.Steps, sv)
		for _, e := range m.History[st.Step.ID] {
			d.Acts = append(d.Acts, actLink{Index: e.Index, Text: entryWords(p, &e, st.Step.Unit) + " · " + st.Step.ID})
			if e.Act == measures.KindVerifyStep {
				d.Findings = append(d.Findings, findingView{Index: e.Index, Step: st.Step.ID, Time: p.Time(e.Time), Text: entryWords(p, &e, st.Step.Unit), Reason: e.Note, Annex: e.Annex})
			}
		}
	}
	slices.SortFunc(d.Findings, func(a, b findingView) int { return int(a.Index - b.Index) })
	slices.SortFunc(d.Acts, func(a, b actLink) int { return int(a.Index - b.Index) })
	d.Acts = append([]actLink{{Index: ms.Planned.Index, Text: p.T("plan version %d tabled", ms.Version)}}, d.Acts...)
	for _, mv := range ms.Next {
		who := s.PartyName(mv.Party) + " (" + mv.Party + ")"
		ver := shortKey(mv.Verifier)
		if a := s.Actor(mv.Verifier); a != nil {
			ver = words.Actor(p, a, s.PartyName(a.Party))
		}
		d.Next = append(d.Next, words.Move(p, mv, who, ver))
	}
	for _, party := range parties {
		if rec := m.Record(party); rec != nil {
			d.Records = append(d.Records, recordView{Party: party, Name: s.PartyName(party), Text: words.Record(p, *rec), Late: rec.Late, Disputed: rec.Disputed})
		}
	}
	switch {
	case demo != nil:
		d.Opens = p.T("Demo mode: the server holds the demo actors' keys, and opens here the annexes sealed to the demo actor you act as. A real host cannot read them.")
	case d.Reads:
		d.Opens = p.T("You are among whom the annexes are sealed to. The host cannot read them: open them on your device with %s.", "parley measure status --open "+it.ID)
	}
	return &page{Name: "measure", Title: title, S: s, Tab: "overview", Live: s.At < 0, Data: d}, nil
}

// measureLink is the implementation page of a measure, as of the event at
// a log index when it is 0 or more.
func measureLink(talks, item string, at int64) string {
	u := "/talks/" + talks + "/measures/" + item
	if at >= 0 {
		u += "?at=" + strconv.FormatInt(at, 10)
	}
	return u
}

func hasAnnex(es []measures.Entry) bool {
	return slices.ContainsFunc(es, func(e measures.Entry) bool { return e.Annex })
}

// entryWords says a report or a finding: what, how many, when.
func entryWords(p *i18n.Printer, e *measures.Entry, unit string) string {
	q := words.Quantity(p, e.Quantity, unit)
	when := p.Time(e.Time)
	if e.Act == measures.KindReportStep {
		if q == "" {
			return p.T("reported done on %s", when)
		}
		return p.T("reported done, %[1]s, on %[2]s", q, when)
	}
	if q == "" {
		return p.T("%[1]s by the verifier on %[2]s", words.Verdict(p, e.Verdict), when)
	}
	return p.T("%[1]s by the verifier on %[2]s, %[3]s verified", words.Verdict(p, e.Verdict), when, q)
}

// measureSummary says, in a few sentences, where the measure stands: in
// force or not, how many steps are done, and which are late or disputed.
func measureSummary(p *i18n.Printer, ms *measures.MeasureStatus) []string {
	var out []string
	if ms.InForce {
		out = append(out, p.T("The plan, version %d, is in force: the parties agreed it.", ms.Version))
	} else {
		out = append(out, p.T("The plan, version %d, is not in force: it binds no one until the parties agree it.", ms.Version))
	}
	count := map[string]int{}
	for _, st := range ms.Steps {
		count[st.Status]++
	}
	out = append(out, p.T("Steps done: %[1]d of %[2]d.", count[measures.StatusDone], len(ms.Steps)))
	if n := count[measures.StatusDisputed]; n > 0 {
		out = append(out, p.T("Steps disputed by the verifier: %d.", n))
	}
	if n := count[measures.StatusPartial]; n > 0 {
		out = append(out, p.T("Steps done in part: %d.", n))
	}
	if n := count[measures.StatusOverdue]; n > 0 {
		out = append(out, p.T("Steps past their due time and not reported: %d.", n))
	}
	if ms.Complete {
		out = append(out, p.T("Every step is done: the measure is carried out."))
	}
	return out
}

// demoKey returns the encryption key of the demo actor viewing s, or nil.
func (h *handler) demoKey(s *snap) *seal.PrivateKey {
	if a, ok := h.cfg.Demo.ActorByKey(s.viewerKey()); ok && a.Encryption != nil {
		return a.Encryption
	}
	return nil
}

// openAnnex opens the annex of the report or finding at a log index as
// the demo actor viewing s.
func (h *handler) openAnnex(ctx context.Context, s *snap, index int64, key *seal.PrivateKey) (string, error) {
	pt, err := h.openAsViewer(ctx, s, index, key)
	if err != nil {
		return "", err
	}
	var c parley.AnnexContent
	if err := parley.DecodeStrict(pt, &c); err != nil {
		return "", parley.Errorf(parley.EINVALID, "it opens, but its content is not an annex: %s", parley.ErrorMessage(err))
	}
	return c.Text, nil
}

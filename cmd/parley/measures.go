package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// The commands of measures carried out (docs/MEASURES.md): a mediator
// tables a measure's plan of steps; the obliged party reports a step done,
// with its confidential annex sealed here, on the reporter's machine; the
// step's verifier confirms it, confirms it in part or disputes it; and
// anyone reads where every step stands.

// measureActsAdded adds "measure plan" to the table of acts, whose init
// registers them: package variables are set before any init runs.
var measureActsAdded = func() bool {
	acts = append(acts, &act{
		name: "measure plan", args: "ITEM", nargs: 1, kind: parley.KindPlanMeasure,
		summary: i18n.Key("table a plan of steps that carries out a measure (mediators)"),
		help: i18n.Key(`Measure plan tables the steps that carry out the measure ITEM, from --file:
a JSON array of steps, or an object {"steps": [...], "note": "..."}. A step:

  {"id": "X.t1.gov", "party": "gov", "action": "release detainees of tranche 1",
   "quantity": 50, "unit": "detainees", "due": "2015-05-05T18:00:00+03:00",
   "after": ["X.t0"], "together": ["X.t1.opp"], "verifier": "<key>", "annex": true}

Step ids are unique across the talks: conditions name them done(ID). The due
time is RFC 3339 with its offset. "after" lists the steps it waits for (of
any measure), "together" the steps of this plan exchanged with it (due at the
same time, with the same verifier). The verifier is the key of an actor with
the role verifier, of no party the plan obliges. With "annex", each report
must carry a confidential annex (parley step report --annex).

The plan takes the item's next version number (--version), like a text: a
revised plan is a new version, and the parties take stances on it.
Refused, with nothing stored: a step that waits for itself or forms a cycle,
names a step that no plan holds, is due before the plan, or names a verifier
who is not one.`),
		flags: func(fs *flag.FlagSet) {
			fs.Int("version", 1, i18n.Key("the version number: the item's next one"))
			fs.String("file", "", i18n.Key("the steps, as JSON (required)"))
			fs.String("note", "", i18n.Key("a note on the plan"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			n, err := intFlag(fs, "version")
			if err != nil {
				return nil, err
			}
			steps, note, err := readSteps(str(fs, "file"))
			if err != nil {
				return nil, err
			}
			if str(fs, "note") != "" {
				note = str(fs, "note")
			}
			return parley.PlanMeasure{Item: a[0], Version: n, Steps: steps, Note: note}, nil
		},
	})
	return true
}()

func init() {
	register(&command{
		Name:    "step report",
		Usage:   "[flags] STEP",
		Summary: i18n.Key("report a step of a measure done (its obliged party)"),
		Help: i18n.Key(`Step report records that --party carried out STEP, with --quantity the quantity
done in all (50 after 43, not 7), for a step that is counted. Only a head or
delegate of the step's obliged party may report it.

A step whose plan calls for an annex (the list of persons released) needs
--annex FILE: the file's text is sealed here, with your key, to the heads and
delegates of the parties the measure obliges and to the step's verifier, each
with the encryption key they published; the host and the public cannot read
it. Each recipient's key is checked against the event in which that actor
published it before anything is sealed.

A second report is refused while the first awaits the verifier's finding.`),
		Flags: func(fs *flag.FlagSet) {
			actFlags(fs)
			fs.String("party", "", i18n.Key("the obliged party you report for (required)"))
			fs.Int64("quantity", 0, i18n.Key("the quantity done in all, for a counted step"))
			fs.String("note", "", i18n.Key("a public note on the report"))
			fs.String("annex", "", i18n.Key("a text file to seal to the parties and the verifier, such as the list of persons"))
		},
		Run: runStepReport,
	})
	register(&command{
		Name:    "step verify",
		Usage:   "[flags] STEP",
		Summary: i18n.Key("confirm, in full or in part, the report of a step (its verifier)"),
		Help: i18n.Key(`Step verify records the finding of STEP's verifier on the report that awaits
it: confirmed, with --quantity the quantity reported, which is the planned
one; or, with --partial, confirmed in part, with --quantity what could be
verified (43 of 50). Only the step's own verifier may verify it, and never
more than was reported. --annex FILE seals details of the finding to the
parties and the verifier, as for a report. To dispute a report, use
"parley step dispute".`),
		Flags: func(fs *flag.FlagSet) {
			actFlags(fs)
			fs.Int64("quantity", 0, i18n.Key("the quantity verified, for a counted step"))
			fs.Bool("partial", false, i18n.Key("confirm in part: less than the plan calls for"))
			fs.String("annex", "", i18n.Key("a text file to seal to the parties and the verifier"))
		},
		Run: func(ctx context.Context, e *env, fs *flag.FlagSet) error { return runStepFinding(ctx, e, fs, false) },
	})
	register(&command{
		Name:    "step dispute",
		Usage:   "[flags] STEP REASON",
		Summary: i18n.Key("dispute the report of a step, saying why (its verifier)"),
		Help: i18n.Key(`Step dispute records that STEP's verifier disputes the report that awaits its
finding, for REASON, which is public: say what was found, not who. --quantity
is what could be verified (0 to the quantity reported). The party may then
report again. Details that must not be public go in --annex FILE, sealed to
the parties and the verifier.`),
		Flags: func(fs *flag.FlagSet) {
			actFlags(fs)
			fs.Int64("quantity", 0, i18n.Key("the quantity that could be verified, for a counted step"))
			fs.String("annex", "", i18n.Key("a text file to seal to the parties and the verifier"))
		},
		Run: func(ctx context.Context, e *env, fs *flag.FlagSet) error { return runStepFinding(ctx, e, fs, true) },
	})
	register(&command{
		Name:    "measure status",
		Usage:   "[flags] [ITEM]",
		Summary: i18n.Key("print where each step of the measures stands, who moves next, and each party's record"),
		Help: i18n.Key(`Measure status prints a table of the steps of every measure with a plan (or of
ITEM only): each step's party, due time, status and since when, its last
report and finding; then who must move next on each measure and since when,
and each party's record. It is computed from the record as of now, or as of
the event --at names.

The public sees the counts, the dates, the verdicts and the reasons, never an
annex. With --key, it reads as that actor; with --open as well, it opens the
annexes sealed to that actor, here, with the encryption keys of the key file.`),
		Flags: func(fs *flag.FlagSet) {
			dataFlags(fs)
			fs.String("key", "", i18n.Key("read as the actor of this key file (env PARLEY_KEY)"))
			fs.String("talks", "", i18n.Key("the talks id (env PARLEY_TALKS)"))
			fs.String("server", "", i18n.Key("read from this server instead of the local record (env PARLEY_SERVER)"))
			fs.Int64("at", -1, i18n.Key("as of the event at this log index (default: now)"))
			fs.Bool("open", false, i18n.Key("open the annexes sealed to the actor of --key"))
		},
		Run: runMeasureStatus,
	})
}

// readSteps reads a plan's steps from a JSON file: an array of steps, or
// an object with "steps" and an optional "note".
func readSteps(path string) ([]parley.Step, string, error) {
	if path == "" {
		return nil, "", &exitError{2, parley.Errorf(parley.EINVALID, "--file is required: the steps of the plan, as JSON; see \"parley help measure plan\"")}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	var steps []parley.Step
	if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
		if err := parley.DecodeStrict(b, &steps); err != nil {
			return nil, "", parley.Errorf(parley.EINVALID, "%s: %s; see \"parley help measure plan\" for a step's fields", path, parley.ErrorMessage(err))
		}
		return steps, "", nil
	}
	var p struct {
		Steps []parley.Step `json:"steps"`
		Note  string        `json:"note"`
	}
	if err := parley.DecodeStrict(b, &p); err != nil {
		return nil, "", parley.Errorf(parley.EINVALID, "%s: %s; see \"parley help measure plan\" for a step's fields", path, parley.ErrorMessage(err))
	}
	return p.Steps, p.Note, nil
}

// stepArgs checks the positional arguments of a step command.
func stepArgs(e *env, name string, n int, usage string) error {
	if len(e.Args) != n {
		return &exitError{2, parley.Errorf(parley.EINVALID, "step %s takes %d argument(s): %s; see \"parley help step %s\"", name, n, usage, name)}
	}
	if str := e.Args[0]; str == "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "STEP is empty: name the step as its plan gives it, such as X.t1.gov")}
	}
	return nil
}

func runStepReport(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if err := stepArgs(e, "report", 1, "STEP"); err != nil {
		return err
	}
	if str(fs, "vis") != "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "the acts of measures carried out are seen by all who see the talks; leave --vis out, and put what must stay confidential in --annex")}
	}
	party := str(fs, "party")
	if party == "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "--party is required: the obliged party you report for")}
	}
	q, err := quantityFlag(fs)
	if err != nil {
		return err
	}
	p := parley.ReportStep{Step: e.Args[0], Party: party, Quantity: q, Note: str(fs, "note")}
	return sendStepAct(ctx, e, fs, parley.KindReportStep, p.Step, func(annex json.RawMessage) any { p.Annex = annex; return p })
}

func runStepFinding(ctx context.Context, e *env, fs *flag.FlagSet, dispute bool) error {
	p := parley.VerifyStep{Verdict: parley.VerdictConfirmed}
	if dispute {
		if err := stepArgs(e, "dispute", 2, "STEP REASON"); err != nil {
			return err
		}
		p.Verdict, p.Reason = parley.VerdictDisputed, e.Args[1]
		if strings.TrimSpace(p.Reason) == "" {
			return &exitError{2, parley.Errorf(parley.EINVALID, "REASON is empty: a dispute says, in public, what was found")}
		}
	} else {
		if err := stepArgs(e, "verify", 1, "STEP"); err != nil {
			return err
		}
		if str(fs, "partial") == "true" {
			p.Verdict = parley.VerdictPartial
		}
	}
	if str(fs, "vis") != "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "the acts of measures carried out are seen by all who see the talks; leave --vis out, and put what must stay confidential in --annex")}
	}
	q, err := quantityFlag(fs)
	if err != nil {
		return err
	}
	p.Step, p.Quantity = e.Args[0], q
	return sendStepAct(ctx, e, fs, parley.KindVerifyStep, p.Step, func(annex json.RawMessage) any { p.Annex = annex; return p })
}

func quantityFlag(fs *flag.FlagSet) (int64, error) {
	q, err := strconv.ParseInt(str(fs, "quantity"), 10, 64)
	if err != nil || q < 0 {
		return 0, &exitError{2, parley.Errorf(parley.EINVALID, "--quantity wants a whole number, 0 or more")}
	}
	return q, nil
}

// sendStepAct signs a report or a finding on step, sealing the text of
// --annex first if it is given, and appends it.
func sendStepAct(ctx context.Context, e *env, fs *flag.FlagSet, kind, step string, payload func(json.RawMessage) any) error {
	key, tc, err := connectAs(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	var annex json.RawMessage
	var to []*state.Actor
	if path := str(fs, "annex"); path != "" {
		if annex, to, err = sealAnnex(ctx, tc, key, kind, step, path); err != nil {
			return err
		}
	}
	rec, err := tc.send(ctx, key.sign, kind, payload(annex))
	if err != nil {
		return err
	}
	if annex != nil {
		fmt.Fprintln(e.Stdout, e.P.T("recorded %[2]s in %[3]s at index %[4]s, its annex sealed to %[1]d recipients: %[5]s", len(to), kind, tc.talks, e.P.Digits(rec.Index), namesIn(e.P, to)))
		return nil
	}
	fmt.Fprintln(e.Stdout, e.P.T("recorded %[1]s in %[2]s at index %[3]s", kind, tc.talks, e.P.Digits(rec.Index)))
	return nil
}

// sealAnnex seals the text of a file as the annex of a report or finding
// on step: to the heads and delegates of the parties its measure's plan
// obliges and to its verifier, as the record names them now.
func sealAnnex(ctx context.Context, tc *talksConn, key *keyFile, kind, step, path string) (json.RawMessage, []*state.Actor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) == 0 || !utf8.Valid(b) {
		return nil, nil, &exitError{2, parley.Errorf(parley.EINVALID, "--annex %s must hold UTF-8 text, not empty", path)}
	}
	mv, err := tc.measures(ctx, key.sign, -1)
	if err != nil {
		return nil, nil, err
	}
	var parties []string
	verifier := ""
	for _, ms := range mv.Measures {
		for _, s := range ms.Steps {
			if s.Step.ID == step {
				verifier = s.Step.Verifier
				for _, x := range ms.Steps {
					if !contains(parties, x.Step.Party) {
						parties = append(parties, x.Step.Party)
					}
				}
			}
		}
	}
	if verifier == "" {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no plan holds step %q, or none that you may see; \"parley measure status\" lists the steps", step)
	}
	roster, err := tc.roster(ctx)
	if err != nil {
		return nil, nil, err
	}
	as := make([]*state.Actor, len(roster))
	for i := range roster {
		as[i] = &roster[i]
	}
	to := state.AnnexRecipientsAmong(as, parties, verifier)
	if none := state.Keyless(to); len(none) > 0 {
		return nil, nil, parley.Errorf(parley.EINVALID, "the annex cannot be sealed: %s published no encryption key yet (\"parley key publish\"); wait until they do", names(none))
	}
	if err := tc.checkKeys(ctx, to); err != nil {
		return nil, nil, err
	}
	rs := make([]seal.Recipient, len(to))
	for i, a := range to {
		k, err := parley.ParseKey(a.Key)
		if err != nil {
			return nil, nil, err
		}
		pk, err := seal.ParsePublicKey(a.EncryptionKey)
		if err != nil {
			return nil, nil, parley.Errorf(parley.EINVALID, "the encryption key of %s: %s", a.Name, parley.ErrorMessage(err))
		}
		rs[i] = seal.Recipient{Actor: k, Key: pk}
	}
	content, _ := json.Marshal(parley.AnnexContent{Text: string(b)})
	c := seal.Context{Origin: tc.origin, Kind: kind, Channel: parley.AnnexChannel(step), Sender: key.sign.Public().(ed25519.PublicKey)}
	s, err := seal.Seal(c, content, rs)
	if err != nil {
		return nil, nil, err
	}
	out, err := json.Marshal(s)
	return out, to, err
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// measures returns the record of measures as the actor of key (or the
// public, if nil) sees it, as of the event at (or now, if -1).
func (tc *talksConn) measures(ctx context.Context, key ed25519.PrivateKey, at int64) (*server.MeasuresView, error) {
	if tc.c != nil {
		if key != nil {
			if _, err := tc.c.signIn(ctx, key); err != nil {
				return nil, err
			}
		}
		path := "/api/v1/talks/" + url.PathEscape(tc.talks) + "/measures"
		if at >= 0 {
			path += "?at=" + strconv.FormatInt(at, 10)
		}
		var mv server.MeasuresView
		if err := tc.c.do(ctx, "GET", path, nil, &mv); err != nil {
			return nil, err
		}
		return &mv, nil
	}
	v, err := tc.view(ctx, key, at)
	if err != nil {
		return nil, err
	}
	return server.MeasuresOf(v), nil
}

// view loads the local record's view of the actor of key (or the public).
func (tc *talksConn) view(ctx context.Context, key ed25519.PrivateKey, at int64) (*view.Talks, error) {
	k := ""
	if key != nil {
		k = parley.KeyString(key.Public().(ed25519.PublicKey))
	}
	return view.LoadMeasures(ctx, tc.l, tc.talks, k, at)
}

// event returns the event at index, its signature checked.
func (tc *talksConn) event(ctx context.Context, index int64) (*parley.Event, error) {
	if tc.c != nil {
		var page server.EventsPage
		path := fmt.Sprintf("/api/v1/talks/%s/events?from=%d&limit=1", url.PathEscape(tc.talks), index)
		if err := tc.c.do(ctx, "GET", path, nil, &page); err != nil {
			return nil, err
		}
		return tc.checkEvent(page.Entries, index)
	}
	_, events, err := tc.l.Read(ctx, tc.talks, index, index+1)
	if err != nil {
		return nil, err
	}
	if len(events) != 1 {
		return nil, parley.Errorf(parley.EINVALID, "the record has no event %d", index)
	}
	return events[0], nil
}

func runMeasureStatus(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) > 1 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "measure status takes at most 1 argument: ITEM")}
	}
	at, err := strconv.ParseInt(str(fs, "at"), 10, 64)
	if err != nil || at < -1 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "--at wants a log index, a whole number")}
	}
	var key *keyFile
	if path := opt(e, fs, "key", "PARLEY_KEY", ""); path != "" {
		if key, err = readKeyFile(path); err != nil {
			return err
		}
	}
	open := str(fs, "open") == "true"
	if open && key == nil {
		return &exitError{2, parley.Errorf(parley.EINVALID, "--open needs --key: the key file whose encryption keys open the annexes")}
	}
	tc, err := connect(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	var sign ed25519.PrivateKey
	if key != nil {
		sign = key.sign
	}
	mv, err := tc.measures(ctx, sign, at)
	if err != nil {
		return err
	}
	list := mv.Measures
	if len(e.Args) == 1 {
		list = nil
		for _, ms := range mv.Measures {
			if ms.Measure == e.Args[0] {
				list = append(list, ms)
			}
		}
		if len(list) == 0 {
			return parley.Errorf(parley.ENOTFOUND, "talks %q has no measure %q with a plan that you may see", tc.talks, e.Args[0])
		}
	}
	nameOf := map[string]string{}
	if roster, err := tc.roster(ctx); err == nil {
		for _, a := range roster {
			nameOf[a.Key] = a.Name
		}
	}
	writeMeasures(e.Stdout, e.P, tc.talks, mv, list, nameOf)
	if key == nil && len(mv.Measures) == 0 {
		fmt.Fprintln(e.Stdout, e.P.T("(reading as the public; pass --key to read as an actor of the talks)"))
	}
	if !open {
		return nil
	}
	return openAnnexes(ctx, e.Stdout, e.P, tc, key, list)
}

// writeMeasures prints the status table of measures.
func writeMeasures(w io.Writer, p *i18n.Printer, talks string, mv *server.MeasuresView, list []measures.MeasureStatus, nameOf map[string]string) {
	fmt.Fprintln(w, p.T("Measures carried out in %[1]s, as of event %[2]s and %[3]s", talks, p.Digits(mv.AsOf.Index), p.Time(mv.AsOf.Time)))
	if len(list) == 0 {
		fmt.Fprintf(w, "\n%s\n", p.T("No measure has a plan of steps that you may see."))
		return
	}
	for _, ms := range list {
		force := p.T("in force")
		if !ms.InForce {
			force = p.T("not in force: it binds no one until the parties agree it")
		}
		fmt.Fprintf(w, "\n%s\n", p.T("%[1]s, plan version %[2]s, %[3]s", ms.Measure, p.Digits(int64(ms.Version)), force))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join([]string{p.T("STEP"), p.T("PARTY"), p.T("QUANTITY"), p.T("DUE"), p.T("STATUS"), p.T("SINCE"), p.T("REPORTED"), p.T("VERIFIED")}, "\t"))
		for _, s := range ms.Steps {
			status := words.StepStatus(p, s.Status) // "share confirmed": the exchange is not done
			if len(s.WaitingOn) > 0 {
				status = p.T("%[1]s (on %[2]s)", status, strings.Join(s.WaitingOn, ", "))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Step.ID, s.Step.Party, quantity(s.Step.Quantity, s.Step.Unit),
				s.Due.UTC().Format("2006-01-02 15:04Z"), status, s.Since.UTC().Format("2006-01-02 15:04Z"), entryText(p, s.Report), entryText(p, s.Finding))
		}
		tw.Flush()
		switch {
		case ms.Complete:
			fmt.Fprintln(w, p.T("Next: nobody; every step is done."))
		case len(ms.Next) == 0:
			fmt.Fprintln(w, p.T("Next: nobody, until the measure is in force or the steps it waits for are done."))
		}
		for _, m := range ms.Next {
			since := p.Time(m.Since)
			if m.Act == measures.KindVerifyStep {
				who := nameOf[m.Verifier]
				if who == "" {
					who = clipKey(m.Verifier)
				}
				fmt.Fprintln(w, p.T("Next: the verifier %[1]s must verify %[2]s (since %[3]s)", who, m.Step, since))
			} else if m.Overdue {
				fmt.Fprintln(w, p.T("Next: %[1]s must report %[2]s (since %[3]s, overdue)", m.Party, m.Step, since))
			} else {
				fmt.Fprintln(w, p.T("Next: %[1]s must report %[2]s (since %[3]s)", m.Party, m.Step, since))
			}
		}
	}
	if len(mv.Records) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.T("Records of the parties (steps of the plans in force)"))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join([]string{p.T("PARTY"), p.T("ON TIME"), p.T("LATE"), p.T("IN PART"), p.T("DISPUTED"), p.T("OPEN"), p.T("DISPUTES")}, "\t"))
		for _, r := range mv.Records {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", r.Party, len(r.OnTime), len(r.Late), len(r.InPart), len(r.Disputed), len(r.Open), r.Disputes)
		}
		tw.Flush()
	}
	if len(mv.Done) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.T("Steps done (conditions name them done(ID)): %s", strings.Join(mv.Done, ", ")))
	}
}

func quantity(q int64, unit string) string {
	if q == 0 && unit == "" {
		return "-"
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", q, unit))
}

// entryText says a report or finding in a cell: "50 #31", "disputed 43 #34".
func entryText(p *i18n.Printer, e *measures.Entry) string {
	if e == nil {
		return "-"
	}
	s := ""
	if e.Act == measures.KindVerifyStep {
		s = verdictCell(p, e.Verdict) + " "
	}
	if e.Quantity > 0 || e.Act == measures.KindVerifyStep {
		s += strconv.FormatInt(e.Quantity, 10) + " "
	}
	s += "#" + strconv.FormatInt(e.Index, 10)
	if e.Annex {
		s += " " + p.T("+annex")
	}
	return s
}

// verdictCell names a verifier's verdict in a cell of the table:
// "confirmed", "partial", "disputed".
func verdictCell(p *i18n.Printer, v string) string {
	switch v {
	case parley.VerdictConfirmed:
		return p.T("confirmed")
	case parley.VerdictPartial:
		return p.T("partial")
	case parley.VerdictDisputed:
		return p.T("disputed")
	}
	return v
}

// openAnnexes prints the annexes of the steps of list that the actor of
// key opens with its encryption keys.
func openAnnexes(ctx context.Context, w io.Writer, p *i18n.Printer, tc *talksConn, key *keyFile, list []measures.MeasureStatus) error {
	v := map[int64]string{}
	var order []int64
	for _, ms := range list {
		for _, s := range ms.Steps {
			for _, en := range []*measures.Entry{s.Report, s.Finding} {
				if en != nil && en.Annex {
					if _, ok := v[en.Index]; !ok {
						v[en.Index] = s.Step.ID
						order = append(order, en.Index)
					}
				}
			}
		}
	}
	fmt.Fprintf(w, "\n%s\n", p.T("Annexes of the last reports and findings, opened with your keys: %d", len(order)))
	actor := key.sign.Public().(ed25519.PublicKey)
	for _, i := range order {
		ev, err := tc.event(ctx, i)
		if err != nil {
			return err
		}
		pt, err := seal.OpenAct(tc.origin, ev, actor, key.encryptionKeys(), nil)
		if err != nil {
			fmt.Fprintf(w, "\n#%d %s\n", i, p.T("%[1]s: sealed, and not opened: %[2]s", v[i], p.Error(err)))
			continue
		}
		var c parley.AnnexContent
		if err := parley.DecodeStrict(pt, &c); err != nil {
			fmt.Fprintf(w, "\n#%d %s\n", i, p.T("%[1]s: it opens, but its content is not an annex (%[2]s)", v[i], p.Error(err)))
			continue
		}
		fmt.Fprintf(w, "\n#%d %s:\n", i, v[i])
		for _, line := range strings.Split(strings.TrimRight(c.Text, "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	return nil
}

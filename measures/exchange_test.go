package measures_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/measures"
)

// The illustrative exchange: detainees released in three tranches of 50
// by each of two parties, each tranche one exchange verified by a neutral,
// each after the one before. Tranche 1 is done; tranche 2 is disputed (43
// of gov's 50 verified); tranche 3 waits for it. No real names, no real
// lists: the annexes hold a marker that must never come out of the Book.

var msk = time.FixedZone("+03:00", 3*3600)

func may(d, h, m int) time.Time { return time.Date(2015, 5, d, h, m, 0, 0, msk) }

const secret = "ANNEX-CONTENT-NEVER-SHOWN"

func annex() json.RawMessage { return json.RawMessage(`{"v":1,"ciphertext":"` + secret + `"}`) }

func exchangePlan() *measures.PlanMeasure {
	tranche := func(n, d int, after string) []measures.Step {
		t := "X.t" + string(rune('0'+n))
		var a []string
		if after != "" {
			a = []string{after}
		}
		dueAt := may(d, 18, 0).Format(time.RFC3339)
		return []measures.Step{
			{ID: t + ".gov", Party: "gov", Action: "release detainees of tranche " + t[3:], Quantity: 50, Unit: "detainees", Due: dueAt, After: a, Verifier: neutral, Annex: true},
			{ID: t + ".opp", Party: "opp", Action: "release detainees of tranche " + t[3:], Quantity: 50, Unit: "detainees", Due: dueAt, Together: []string{t + ".gov"}, Verifier: neutral, Annex: true},
		}
	}
	var steps []measures.Step
	steps = append(steps, tranche(1, 5, "")...)
	steps = append(steps, tranche(2, 12, "X.t1.gov")...)
	steps = append(steps, tranche(3, 19, "X.t2.gov")...)
	return &measures.PlanMeasure{Item: "X", Version: 1, Steps: steps, Note: "an illustrative exchange"}
}

func TestIllustrativeExchange(t *testing.T) {
	w := newWorld(t)
	w.talks.versions["X"] = 0
	rep := func(step, party string, q int64) *measures.ReportStep {
		return &measures.ReportStep{Step: step, Party: party, Quantity: q, Annex: annex()}
	}
	planned := w.do(exchangePlan(), mediator, may(1, 10, 0))
	agreed := w.agree("X", true, may(2, 12, 0))
	w.do(rep("X.t1.gov", "gov", 50), govDel, may(5, 10, 0))
	w.do(rep("X.t1.opp", "opp", 50), oppHead, may(5, 11, 0))
	w.do(verify("X.t1.gov", measures.Confirmed, 50, ""), neutral, may(5, 16, 0))
	t1done := w.do(verify("X.t1.opp", measures.Confirmed, 50, ""), neutral, may(5, 16, 30))
	w.do(rep("X.t2.gov", "gov", 50), govDel, may(12, 12, 0))
	t2reported := w.do(rep("X.t2.opp", "opp", 50), oppHead, may(12, 13, 0))
	w.do(verify("X.t2.opp", measures.Confirmed, 50, ""), neutral, may(13, 10, 0))
	disputed := w.do(&measures.VerifyStep{Step: "X.t2.gov", Verdict: measures.Disputed, Quantity: 43,
		Reason: "7 of the persons listed were not among those released", Annex: annex()}, neutral, may(13, 11, 0))

	type row struct{ step, status string }
	check := func(name string, at measures.Mark, rows []row, next []measures.Move, done []string) {
		t.Helper()
		ms, ok := w.b.Measure("X", at)
		if !ok {
			t.Fatalf("%s: no plan", name)
		}
		for i, r := range rows {
			s := ms.Steps[i]
			if s.Step.ID != r.step || s.Status != r.status {
				t.Errorf("%s: step %d is %s %s, want %s %s", name, i, s.Step.ID, s.Status, r.step, r.status)
			}
		}
		if !sameMoves(ms.Next, next) {
			t.Errorf("%s: next\n got %+v\nwant %+v", name, ms.Next, next)
		}
		if got := w.b.Done(at); !slices.Equal(got, done) {
			t.Errorf("%s: done %q, want %q", name, got, done)
		}
	}
	const (
		nif  = measures.StatusNotInForce
		wai  = measures.StatusWaiting
		due  = measures.StatusDue
		rep_ = measures.StatusReported
		don  = measures.StatusDone
		con  = measures.StatusConfirmed
		dis  = measures.StatusDisputed
		ovd  = measures.StatusOverdue
	)
	report := func(step, party string, since time.Time, overdue bool) measures.Move {
		return measures.Move{Step: step, Act: measures.KindReportStep, Party: party, Since: since, Overdue: overdue}
	}
	verifyMove := func(step string, since time.Time) measures.Move {
		return measures.Move{Step: step, Act: measures.KindVerifyStep, Verifier: neutral, Since: since}
	}

	check("tabled", planned,
		[]row{{"X.t1.gov", nif}, {"X.t1.opp", nif}, {"X.t2.gov", nif}, {"X.t2.opp", nif}, {"X.t3.gov", nif}, {"X.t3.opp", nif}},
		[]measures.Move{}, nil)
	check("agreed", agreed,
		[]row{{"X.t1.gov", due}, {"X.t1.opp", due}, {"X.t2.gov", wai}, {"X.t2.opp", wai}, {"X.t3.gov", wai}, {"X.t3.opp", wai}},
		[]measures.Move{report("X.t1.gov", "gov", may(2, 12, 0), false), report("X.t1.opp", "opp", may(2, 12, 0), false)}, nil)
	check("tranche 1 done", t1done,
		[]row{{"X.t1.gov", don}, {"X.t1.opp", don}, {"X.t2.gov", due}, {"X.t2.opp", due}, {"X.t3.gov", wai}, {"X.t3.opp", wai}},
		[]measures.Move{report("X.t2.gov", "gov", may(5, 16, 30), false), report("X.t2.opp", "opp", may(5, 16, 30), false)},
		[]string{"X.t1.gov", "X.t1.opp"})
	// The evening of the 12th, past the due time: reported, the verifier's move.
	evening := measures.Mark{Index: t2reported.Index, Time: may(12, 20, 0)}
	check("tranche 2 reported", evening,
		[]row{{"X.t1.gov", don}, {"X.t1.opp", don}, {"X.t2.gov", rep_}, {"X.t2.opp", rep_}, {"X.t3.gov", wai}, {"X.t3.opp", wai}},
		[]measures.Move{verifyMove("X.t2.gov", may(12, 12, 0)), verifyMove("X.t2.opp", may(12, 13, 0))},
		[]string{"X.t1.gov", "X.t1.opp"})
	check("tranche 2 disputed", disputed,
		[]row{{"X.t1.gov", don}, {"X.t1.opp", don}, {"X.t2.gov", dis}, {"X.t2.opp", con}, {"X.t3.gov", wai}, {"X.t3.opp", wai}},
		[]measures.Move{report("X.t2.gov", "gov", may(13, 11, 0), true)},
		[]string{"X.t1.gov", "X.t1.opp"})
	// A week later nothing has moved: tranche 3 is past its due time and
	// still waits, and the move is still gov's, since the dispute.
	later := measures.At(may(20, 12, 0))
	check("a week later", later,
		[]row{{"X.t1.gov", don}, {"X.t1.opp", don}, {"X.t2.gov", dis}, {"X.t2.opp", con}, {"X.t3.gov", wai}, {"X.t3.opp", wai}},
		[]measures.Move{report("X.t2.gov", "gov", may(13, 11, 0), true)},
		[]string{"X.t1.gov", "X.t1.opp"})

	// The verifier's finding is on the record: 43 of the 50 reported.
	s, _ := w.b.Step("X.t2.gov", later)
	if s.Report.Quantity != 50 || s.Finding.Quantity != 43 || s.Finding.Verdict != measures.Disputed || !s.Report.Annex || !s.Finding.Annex {
		t.Errorf("tranche 2, gov: report %+v, finding %+v", s.Report, s.Finding)
	}
	if s3, _ := w.b.Step("X.t3.opp", later); !slices.Equal(s3.WaitingOn, []string{"X.t2.gov"}) || !slices.Equal(s3.Exchange, []string{"X.t3.gov"}) {
		t.Errorf("tranche 3, opp: waits on %q, exchanged with %q", s3.WaitingOn, s3.Exchange)
	}

	// done(X.t2.gov) does not hold: a support conditional on it fails,
	// and one conditional on done(X.t1.gov) holds.
	if w.b.IsDone("X.t2.gov", later) || w.b.IsDone("X.t2.opp", later) || !w.b.IsDone("X.t1.gov", later) {
		t.Error("done(X.t1.gov) should hold and done(X.t2.*) not")
	}

	recs := w.b.Records(later)
	want := []measures.PartyRecord{
		{Party: "gov", OnTime: []string{"X.t1.gov"}, Late: []string{}, InPart: []string{}, Disputed: []string{"X.t2.gov"}, Open: []string{"X.t3.gov"}, Disputes: 1},
		{Party: "opp", OnTime: []string{"X.t1.opp", "X.t2.opp"}, Late: []string{}, InPart: []string{}, Disputed: []string{}, Open: []string{"X.t3.opp"}},
	}
	if g, x := mustJSON(t, recs), mustJSON(t, want); g != x {
		t.Errorf("records:\n got %s\nwant %s", g, x)
	}

	// Nothing the Book answers holds an annex's content.
	var all []any
	for _, m := range w.marks {
		all = append(all, w.b.Statuses(m), w.b.Records(m))
	}
	for _, id := range []string{"X.t1.gov", "X.t1.opp", "X.t2.gov", "X.t2.opp"} {
		all = append(all, w.b.History(id, later))
	}
	if out := mustJSON(t, all); strings.Contains(out, secret) || strings.Contains(out, "ciphertext") {
		t.Error("the Book's answers hold an annex's content")
	}
	parties, ver, _ := w.b.Audience("X.t2.gov", later)
	if !slices.Equal(parties, []string{"gov", "opp"}) || ver != neutral {
		t.Errorf("annex audience: %q and %s", parties, ver)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

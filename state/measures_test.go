package state_test

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/state"
)

// measureWorld is a sealWorld with a measure X on the agenda, two parties
// at the table (gov and oppA) and keys published by all but oppB.
type measureWorld struct {
	*sealWorld
}

func newMeasureWorld(t *testing.T) *measureWorld {
	t.Helper()
	w := &measureWorld{newSealWorld(t)}
	w.publish("gov", "oppA", "verifier", "mediator")
	w.must("mediator", parley.KindAddItem, parley.AddItem{Item: "X", Title: "Exchange of detainees", Kind: parley.ItemMeasure})
	return w
}

// plan is a plan of X: two tranches of a reciprocal release, the second
// after the first; its due times are in May 2015, after the world's clock.
func (w *measureWorld) plan(version int) parley.PlanMeasure {
	v := w.pub("verifier")
	step := func(id, party, due string, after, together []string) parley.Step {
		return parley.Step{ID: id, Party: party, Action: "release the detainees of the tranche", Quantity: 50, Unit: "detainees", Due: due, After: after, Together: together, Verifier: v, Annex: true}
	}
	return parley.PlanMeasure{Item: "X", Version: version, Note: "an illustrative exchange", Steps: []parley.Step{
		step("X.t1.gov", "gov", "2015-05-05T18:00:00+03:00", nil, nil),
		step("X.t1.opp", "oppA", "2015-05-05T18:00:00+03:00", nil, []string{"X.t1.gov"}),
		step("X.t2.gov", "gov", "2015-05-12T18:00:00+03:00", []string{"X.t1.gov"}, nil),
		step("X.t2.opp", "oppA", "2015-05-12T18:00:00+03:00", nil, []string{"X.t2.gov"}),
	}}
}

// annex seals text as the annex of an act of kind on step, signed by by,
// to the named recipients.
func (w *measureWorld) annex(by, kind, step, text string, to ...string) json.RawMessage {
	w.t.Helper()
	c := seal.Context{Origin: sealOrigin, Kind: kind, Channel: parley.AnnexChannel(step), Sender: w.keys[by].Public().(ed25519.PublicKey)}
	var rs []seal.Recipient
	for _, n := range to {
		rs = append(rs, seal.Recipient{Actor: w.keys[n].Public().(ed25519.PublicKey), Key: w.enc[n].Public()})
	}
	content, _ := json.Marshal(parley.AnnexContent{Text: text})
	s, err := seal.Seal(c, content, rs)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	return b
}

// annexTo is whom an annex on X's steps is sealed to: the heads of gov
// and oppA, and the verifier.
var annexTo = []string{"gov", "oppA", "verifier"}

func (w *measureWorld) report(by, step, party string, q int64) parley.ReportStep {
	return parley.ReportStep{Step: step, Party: party, Quantity: q, Note: "released at the crossing", Annex: w.annex(by, parley.KindReportStep, step, "LIST-OF-PERSONS "+step, annexTo...)}
}

// bookJSON is everything the state's Book answers, for checking that a
// refused act changed nothing.
func bookJSON(st *state.Talks) string {
	b := st.Measures()
	far := measures.At(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	j, _ := json.Marshal([]any{b.Measures(), b.Statuses(far), b.Records(far), b.Done(far)})
	return string(j)
}

// try applies an act that must be refused with code and a message holding
// want, and checks that the state and its Book are unchanged.
func (w *measureWorld) refused(t *testing.T, name, by, kind, vis string, payload any, code, want string) {
	t.Helper()
	before := bookJSON(w.st)
	err := w.actVis(by, kind, vis, payload)
	var pe *parley.Error
	switch {
	case err == nil:
		t.Errorf("%s: accepted, want %s (%s)", name, code, want)
		return
	case !errors.As(err, &pe):
		t.Errorf("%s: %v (%T), want a *parley.Error", name, err, err)
	case pe.Code != code || !strings.Contains(pe.Message, want):
		t.Errorf("%s: %s %q, want %s with %q", name, pe.Code, pe.Message, code, want)
	}
	if after := bookJSON(w.st); after != before {
		t.Errorf("%s: the refused act changed the measures:\nbefore %s\nafter  %s", name, before, after)
	}
}

func TestMeasureCarriedOut(t *testing.T) {
	w := newMeasureWorld(t)
	w.must("mediator", parley.KindPlanMeasure, w.plan(1))
	it := w.st.Item("X")
	if len(it.Versions) != 1 || !it.Versions[0].Plan || it.Versions[0].N != 1 {
		t.Fatalf("X's versions: %+v; want the plan as version 1", it.Versions)
	}
	st := func(step string) string {
		s, ok := w.st.Measures().Step(step, measures.At(w.clock))
		if !ok {
			t.Fatalf("no step %s", step)
		}
		return s.Status
	}
	if got := st("X.t1.gov"); got != measures.StatusNotInForce {
		t.Errorf("before any stance X.t1.gov is %s, want not_in_force", got)
	}
	// Both parties support the plan: X is agreed, and in force.
	for _, p := range []string{"gov", "oppA"} {
		w.must(p, parley.KindSetStance, parley.SetStance{Item: "X", Version: 1, Party: p, Stance: parley.StanceSupport})
	}
	if ms, _ := w.st.Measures().Measure("X", measures.At(w.clock)); !ms.InForce || st("X.t1.gov") != measures.StatusDue || st("X.t2.gov") != measures.StatusWaiting {
		t.Fatalf("after the supports: %+v", ms)
	}
	// oppA makes its support of D1 conditional on tranche 1 done.
	w.must("oppA", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "oppA", Stance: parley.StanceConditional, Condition: "done(X.t1.opp)"})
	if inst := w.st.Instance(); len(inst.Done) != 0 {
		t.Errorf("done before any report: %q", inst.Done)
	}

	w.must("gov", parley.KindReportStep, w.report("gov", "X.t1.gov", "gov", 50))
	w.must("oppA", parley.KindReportStep, w.report("oppA", "X.t1.opp", "oppA", 50))
	if !w.st.Sealed(w.st.Size-1) || !slices.Equal(names(w, w.st.AnnexRecipients("X.t1.opp")), []string{"gov", "oppA", "verifier"}) {
		t.Errorf("the annex is not kept sealed, or sealed to %q", names(w, w.st.AnnexRecipients("X.t1.opp")))
	}
	w.must("verifier", parley.KindVerifyStep, parley.VerifyStep{Step: "X.t1.gov", Verdict: measures.Confirmed, Quantity: 50})
	if st("X.t1.gov") != measures.StatusConfirmed {
		t.Errorf("one share confirmed: %s, want confirmed", st("X.t1.gov"))
	}
	w.must("verifier", parley.KindVerifyStep, parley.VerifyStep{Step: "X.t1.opp", Verdict: measures.Confirmed, Quantity: 50})
	if st("X.t1.gov") != measures.StatusDone || st("X.t2.gov") != measures.StatusDue {
		t.Errorf("tranche 1 confirmed: t1 %s, t2 %s; want done and due", st("X.t1.gov"), st("X.t2.gov"))
	}
	inst := w.st.Instance()
	if !slices.Equal(inst.Done, []string{"X.t1.gov", "X.t1.opp"}) {
		t.Errorf("the instance's steps done: %q", inst.Done)
	}

	// Bad input: each refused, with its code and message, nothing stored.
	v := w.pub("verifier")
	cyc := w.plan(2)
	cyc.Steps[2].After = []string{"X.t1.gov", "X.t3.gov"}
	cyc.Steps = append(cyc.Steps, parley.Step{ID: "X.t3.gov", Party: "gov", Action: "open the crossing", Due: "2015-05-20T12:00:00Z", After: []string{"X.t2.gov"}, Verifier: v})
	self := w.plan(2)
	self.Steps[2].After = []string{"X.t2.gov"}
	ghost := w.plan(2)
	ghost.Steps[2].After = []string{"Y.t9"}
	early := w.plan(2)
	early.Steps = append(early.Steps, parley.Step{ID: "X.t3.gov", Party: "gov", Action: "open the crossing", Due: "2015-04-01T12:00:00Z", Verifier: v})
	w.refused(t, "a step that waits on itself", "mediator", parley.KindPlanMeasure, "", self, parley.EINVALID, `"steps[2].after[0]": step "X.t2.gov" names itself`)
	w.refused(t, "a cycle", "mediator", parley.KindPlanMeasure, "", cyc, parley.EINVALID, "a cycle: X.t2.gov waits for X.t3.gov, X.t3.gov waits for X.t2.gov")
	w.refused(t, "a step of no measure", "mediator", parley.KindPlanMeasure, "", ghost, parley.ENOTFOUND, `no step "Y.t9" in this plan or in the plan of another measure`)
	w.refused(t, "a due time before the plan", "mediator", parley.KindPlanMeasure, "", early, parley.EINVALID, "a step cannot be due before it is planned")
	w.refused(t, "a report by a party not obliged", "oppA", parley.KindReportStep, "", w.report("oppA", "X.t2.gov", "oppA", 50), parley.EFORBIDDEN, `step "X.t2.gov" is "gov"'s to report, not "oppA"'s`)
	w.refused(t, "a report for another party", "oppA", parley.KindReportStep, "", w.report("oppA", "X.t2.gov", "gov", 50), parley.EFORBIDDEN, "acts for party")
	w.must("gov", parley.KindReportStep, w.report("gov", "X.t2.gov", "gov", 50))
	w.refused(t, "a verification by a party", "gov", parley.KindVerifyStep, "", parley.VerifyStep{Step: "X.t2.gov", Verdict: measures.Confirmed, Quantity: 50}, parley.EFORBIDDEN, "may be signed only by a verifier")
	w.refused(t, "a verification by the mediator", "mediator", parley.KindVerifyStep, "", parley.VerifyStep{Step: "X.t2.gov", Verdict: measures.Confirmed, Quantity: 50}, parley.EFORBIDDEN, "may be signed only by")
	w.refused(t, "a quantity verified above the one reported", "verifier", parley.KindVerifyStep, "", parley.VerifyStep{Step: "X.t2.gov", Verdict: measures.Partial, Quantity: 51}, parley.EINVALID, "51 is more than the 50 reported")
	w.refused(t, "a narrower visibility", "verifier", parley.KindVerifyStep, parley.VisMediators, parley.VerifyStep{Step: "X.t2.gov", Verdict: measures.Confirmed, Quantity: 50}, parley.EINVALID, `event field "vis"`)
	w.refused(t, "an annex sealed to the mediator too", "oppA", parley.KindReportStep, "", parley.ReportStep{Step: "X.t2.opp", Party: "oppA", Quantity: 50, Annex: w.annex("oppA", parley.KindReportStep, "X.t2.opp", "list", "gov", "oppA", "verifier", "mediator")}, parley.EINVALID, `payload field "annex"`)
	w.refused(t, "an annex sealed for another step", "oppA", parley.KindReportStep, "", parley.ReportStep{Step: "X.t2.opp", Party: "oppA", Quantity: 50, Annex: w.annex("oppA", parley.KindReportStep, "X.t2.gov", "list", annexTo...)}, parley.EINVALID, `payload field "annex"`)
	w.refused(t, "a report without its annex", "oppA", parley.KindReportStep, "", parley.ReportStep{Step: "X.t2.opp", Party: "oppA", Quantity: 50}, parley.EINVALID, "calls for a confidential annex")
	w.refused(t, "a condition naming no step", "gov", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: parley.StanceConditional, Condition: "done(X.t9)"}, parley.ENOTFOUND, "done(X.t9) names no step")

	// The verifier disputes tranche 2 of gov: 43 of 50. oppA's support of
	// D1 rests on tranche 1 and holds; a support conditional on tranche 2
	// does not.
	w.must("verifier", parley.KindVerifyStep, parley.VerifyStep{Step: "X.t2.gov", Verdict: measures.Disputed, Quantity: 43, Reason: "7 of the persons listed were not among those released", Annex: w.annex("verifier", parley.KindVerifyStep, "X.t2.gov", "the seven", annexTo...)})
	if st("X.t2.gov") != measures.StatusDisputed {
		t.Errorf("X.t2.gov is %s, want disputed", st("X.t2.gov"))
	}
	w.must("gov", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: parley.StanceConditional, Condition: "done(X.t2.gov)"})
	res, err := agreement.Evaluate(w.st.Instance())
	if err != nil {
		t.Fatal(err)
	}
	d1 := res.Items["D1"]
	if d1.Status == agreement.StatusAgreed || !slices.ContainsFunc(d1.RootBlockers, func(r agreement.RootBlocker) bool { return r.Stance == agreement.StanceNotDone && r.Step == "X.t2.gov" }) {
		t.Errorf("D1: %s, root blockers %+v; want it blocked by step X.t2.gov not done", d1.Status, d1.RootBlockers)
	}

	// A revised plan makes the stances on version 1 stale: X falls out of
	// force, and the open steps bind no one until the parties take stances
	// on version 2.
	w.must("mediator", parley.KindPlanMeasure, w.plan(2))
	if ms, _ := w.st.Measures().Measure("X", measures.At(w.clock)); ms.InForce || ms.Version != 2 || st("X.t2.opp") != measures.StatusNotInForce {
		t.Errorf("after the revision: in force %v, version %d, X.t2.opp %s", ms.InForce, ms.Version, st("X.t2.opp"))
	}
	if st("X.t1.gov") != measures.StatusDone {
		t.Errorf("a revision undid step X.t1.gov: %s", st("X.t1.gov"))
	}
	// The state replayed from its events holds the same measures.
	again := state.New("t1").WithOrigin(sealOrigin)
	for i, e := range w.events {
		if err := again.Apply(e, int64(i)); err != nil {
			t.Fatalf("replaying event %d: %v", i, err)
		}
	}
	if a, b := bookJSON(again), bookJSON(w.st); a != b {
		t.Errorf("the replayed measures differ:\n%s\n%s", a, b)
	}
}

func names(w *measureWorld, as []*state.Actor) []string {
	var out []string
	for _, a := range as {
		for n := range w.keys {
			if w.pub(n) == a.Key {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestMeasuresAsOfEveryEvent checks, on random plans, stances, reports and
// findings (many refused), that the Book of the state after every event,
// asked as of each earlier event, answers as the Book of a state that
// applied only the events up to it (the view of the past) and as one that
// replayed them all: the statuses computed incrementally as events arrive
// equal those recomputed from scratch, with the measures in force as the
// agreement engine finds them.
func TestMeasuresAsOfEveryEvent(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := &measureWorld{newSealWorldT(t, rt)}
		w.publish("gov", "oppA", "verifier", "mediator")
		w.must("mediator", parley.KindAddItem, parley.AddItem{Item: "X", Title: "X", Kind: parley.ItemMeasure})
		w.must("mediator", parley.KindPlanMeasure, w.plan(1))
		steps := []string{"X.t1.gov", "X.t1.opp", "X.t2.gov", "X.t2.opp"}
		partyOf := map[string]string{"X.t1.gov": "gov", "X.t2.gov": "gov", "X.t1.opp": "oppA", "X.t2.opp": "oppA"}
		var marks []measures.Mark
		n := rapid.IntRange(1, 30).Draw(rt, "n")
		for i := 0; i < n; i++ {
			w.clock = w.clock.Add(time.Duration(rapid.IntRange(0, 6*24).Draw(rt, "hours")) * time.Hour)
			switch rapid.IntRange(0, 5).Draw(rt, "op") {
			case 0:
				p := rapid.SampledFrom([]string{"gov", "oppA"}).Draw(rt, "party")
				s := rapid.SampledFrom([]string{"support", "oppose", "conditional"}).Draw(rt, "stance")
				item, cond := "X", ""
				if s == "conditional" {
					item, cond = "D1", "done("+rapid.SampledFrom(steps).Draw(rt, "on")+")"
				}
				w.act(p, parley.KindSetStance, parley.SetStance{Item: item, Version: len(w.st.Item(item).Versions), Party: p, Stance: s, Condition: cond})
			case 1, 2:
				s := rapid.SampledFrom(steps).Draw(rt, "step")
				w.act(partyOf[s], parley.KindReportStep, w.report(partyOf[s], s, partyOf[s], int64(rapid.IntRange(40, 50).Draw(rt, "q"))))
			case 3, 4:
				s := rapid.SampledFrom(steps).Draw(rt, "step")
				v := rapid.SampledFrom([]string{measures.Confirmed, measures.Partial, measures.Disputed}).Draw(rt, "verdict")
				w.act("verifier", parley.KindVerifyStep, parley.VerifyStep{Step: s, Verdict: v, Quantity: int64(rapid.IntRange(0, 50).Draw(rt, "vq")), Reason: "reasons"})
			case 5:
				w.act("mediator", parley.KindPlanMeasure, w.plan(len(w.st.Item("X").Versions)+1))
			}
			marks = append(marks, measures.Mark{Index: w.st.Size - 1, Time: w.clock})
		}
		full := w.st.Measures()
		for _, m := range marks {
			past := state.New("t1").WithOrigin(sealOrigin)
			for i, e := range w.events[:m.Index+1] {
				if err := past.Apply(e, int64(i)); err != nil {
					rt.Fatalf("replaying event %d: %v", i, err)
				}
			}
			a, _ := json.Marshal([]any{full.Statuses(m), full.Records(m), full.Done(m)})
			b, _ := json.Marshal([]any{past.Measures().Statuses(measures.At(m.Time)), past.Measures().Records(measures.At(m.Time)), past.Measures().Done(measures.At(m.Time))})
			if string(a) != string(b) {
				rt.Fatalf("as of event %d:\nincremental %s\nfrom scratch %s", m.Index, a, b)
			}
			// The agreement instance of the past has the steps done then.
			if got, want := past.Instance().Done, full.Done(m); !slices.Equal(got, want) {
				rt.Fatalf("as of event %d the instance's steps done are %q, want %q", m.Index, got, want)
			}
		}
	})
}

// newSealWorldT is newSealWorld for a property test.
func newSealWorldT(t *testing.T, rt *rapid.T) *sealWorld {
	w := newWorld(rt)
	w.st = state.New("t1").WithOrigin(sealOrigin)
	k, err := newKey()
	if err != nil {
		t.Fatal(err)
	}
	w.keys["oppAdel"] = k
	sw := &sealWorld{world: w, enc: map[string]*seal.PrivateKey{}}
	for n := range w.keys {
		if sw.enc[n], err = seal.GenerateKey(seal.X25519); err != nil {
			t.Fatal(err)
		}
	}
	w.setup()
	return sw
}

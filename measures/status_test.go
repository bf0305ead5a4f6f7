package measures_test

import (
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/measures"
)

// basePlan is measure M1: a and b exchanged together (50 detainees each,
// gov and opp), then c, gov's, after a.
func basePlan() *measures.PlanMeasure {
	return &measures.PlanMeasure{Item: "M1", Version: 1, Steps: []measures.Step{
		{ID: "a", Party: "gov", Action: "release detainees", Quantity: 50, Unit: "detainees", Due: due(10, 12), Verifier: neutral},
		{ID: "b", Party: "opp", Action: "release detainees", Quantity: 50, Unit: "detainees", Due: due(10, 12), Together: []string{"a"}, Verifier: neutral},
		{ID: "c", Party: "gov", Action: "open the crossing", Due: due(20, 12), After: []string{"a"}, Verifier: neutral2},
	}}
}

// obliged gives the party of each step of the tests.
var obliged = map[string]string{"a": "gov", "b": "opp", "c": "gov", "d": "opp", "e": "opp"}

func report(step string, q int64) *measures.ReportStep {
	p := obliged[step]
	if p == "" {
		p = "gov"
	}
	return &measures.ReportStep{Step: step, Party: p, Quantity: q}
}

func verify(step, verdict string, q int64, reason string) *measures.VerifyStep {
	return &measures.VerifyStep{Step: step, Verdict: verdict, Quantity: q, Reason: reason}
}

func TestStatuses(t *testing.T) {
	type want struct {
		status  string
		since   time.Time
		waiting []string
	}
	tests := []struct {
		name  string
		step  string
		clock time.Time
		setup func(w *world)
		want  want
	}{
		{"not in force, never agreed", "a", day(5, 0), func(w *world) {}, want{measures.StatusNotInForce, day(1, 0), nil}},
		{"not in force, agreement lost", "a", day(5, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.agree("M1", false, day(3, 0))
		}, want{measures.StatusNotInForce, day(3, 0), nil}},
		{"due, since the agreement", "a", day(5, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
		}, want{measures.StatusDue, day(2, 0), nil}},
		{"due at its due time exactly", "a", day(10, 12), func(w *world) {
			w.agree("M1", true, day(2, 0))
		}, want{measures.StatusDue, day(2, 0), nil}},
		{"overdue, since the due time", "a", day(10, 13), func(w *world) {
			w.agree("M1", true, day(2, 0))
		}, want{measures.StatusOverdue, day(10, 12), nil}},
		{"waiting for a step not done", "c", day(5, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
		}, want{measures.StatusWaiting, day(2, 0), []string{"a"}}},
		{"waiting past its due time is still waiting", "c", day(25, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
		}, want{measures.StatusWaiting, day(2, 0), []string{"a"}}},
		{"reported", "a", day(5, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
		}, want{measures.StatusReported, day(4, 0), nil}},
		{"reported while not in force", "a", day(5, 0), func(w *world) {
			w.do(report("a", 50), govDel, day(4, 0))
		}, want{measures.StatusReported, day(4, 0), nil}},
		{"confirmed, the other share not yet", "a", day(6, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(5, 0))
		}, want{measures.StatusConfirmed, day(5, 0), nil}},
		{"the other share of a half-confirmed exchange is due", "b", day(6, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(5, 0))
		}, want{measures.StatusDue, day(2, 0), nil}},
		{"done when every share is confirmed", "a", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(5, 0))
			w.do(report("b", 50), oppHead, day(6, 0))
			w.do(verify("b", measures.Confirmed, 50, ""), neutral, day(7, 0))
		}, want{measures.StatusDone, day(7, 0), nil}},
		{"due once what it waits for is done", "c", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(5, 0))
			w.do(report("b", 50), oppHead, day(6, 0))
			w.do(verify("b", measures.Confirmed, 50, ""), neutral, day(7, 0))
		}, want{measures.StatusDue, day(7, 0), nil}},
		{"overdue at once when it is ready after its due time", "c", day(23, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(report("b", 50), oppHead, day(4, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(21, 0))
			w.do(verify("b", measures.Confirmed, 50, ""), neutral, day(22, 0))
		}, want{measures.StatusOverdue, day(22, 0), nil}},
		{"done in part", "a", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 43), govDel, day(4, 0))
			w.do(verify("a", measures.Partial, 43, ""), neutral, day(5, 0))
		}, want{measures.StatusPartial, day(5, 0), nil}},
		{"done in part keeps what waits for it waiting", "c", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 43), govDel, day(4, 0))
			w.do(verify("a", measures.Partial, 43, ""), neutral, day(5, 0))
			w.do(report("b", 50), oppHead, day(4, 0))
			w.do(verify("b", measures.Confirmed, 50, ""), neutral, day(5, 0))
		}, want{measures.StatusWaiting, day(2, 0), []string{"a"}}},
		{"disputed", "a", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(verify("a", measures.Disputed, 43, "7 of those listed were not released"), neutral, day(5, 0))
		}, want{measures.StatusDisputed, day(5, 0), nil}},
		{"a report after a dispute", "a", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(verify("a", measures.Disputed, 43, "7 of those listed were not released"), neutral, day(5, 0))
			w.do(report("a", 50), govHead, day(6, 0))
		}, want{measures.StatusReported, day(6, 0), nil}},
		{"confirmed in full after a partial finding", "a", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 43), govDel, day(4, 0))
			w.do(verify("a", measures.Partial, 43, ""), neutral, day(5, 0))
			w.do(report("a", 50), govDel, day(6, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(7, 0))
		}, want{measures.StatusConfirmed, day(7, 0), nil}},
		{"a revision keeps when a step entered the plan", "a", day(5, 0), func(w *world) {
			p := basePlan()
			p.Version = 2
			p.Steps[0].Action = "release detainees from the agreed list"
			w.do(p, mediator, day(2, 0))
			w.agree("M1", true, day(3, 0))
		}, want{measures.StatusDue, day(3, 0), nil}},
		{"a revision that adds a step", "d", day(5, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			p := basePlan()
			p.Version = 2
			p.Steps = append(p.Steps, measures.Step{ID: "d", Party: "opp", Action: "hand over remains", Due: due(12, 0), Verifier: neutral})
			w.do(p, mediator, day(3, 0))
		}, want{measures.StatusDue, day(3, 0), nil}},
		{"a revision that ends an exchange makes a confirmed share done", "a", day(9, 0), func(w *world) {
			w.agree("M1", true, day(2, 0))
			w.do(report("a", 50), govDel, day(4, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(5, 0))
			p := basePlan()
			p.Version = 2
			p.Steps[1].Together = nil
			w.do(p, mediator, day(6, 0))
		}, want{measures.StatusDone, day(6, 0), nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.do(basePlan(), mediator, day(1, 0))
			tt.setup(w)
			got := w.status(tt.step, measures.At(tt.clock))
			if got.Status != tt.want.status || !got.Since.Equal(tt.want.since) || !slices.Equal(got.WaitingOn, tt.want.waiting) {
				t.Errorf("%s: got %s since %v waiting on %q, want %s since %v waiting on %q",
					tt.step, got.Status, got.Since, got.WaitingOn, tt.want.status, tt.want.since, tt.want.waiting)
			}
		})
	}
}

func TestStatusAsOfThePast(t *testing.T) {
	w := newWorld(t)
	w.do(basePlan(), mediator, day(1, 0))
	agreed := w.agree("M1", true, day(2, 0))
	rep := w.do(report("a", 50), govDel, day(4, 0))
	fin := w.do(verify("a", measures.Disputed, 40, "ten were not released"), neutral, day(5, 0))
	for _, tt := range []struct {
		at   measures.Mark
		want string
	}{
		{measures.Mark{Index: 0, Time: day(1, 0)}, measures.StatusNotInForce},
		{agreed, measures.StatusDue},
		{measures.Mark{Index: agreed.Index, Time: day(11, 0)}, measures.StatusOverdue},
		{rep, measures.StatusReported},
		{fin, measures.StatusDisputed},
		{measures.At(day(30, 0)), measures.StatusDisputed},
	} {
		if got := w.status("a", tt.at).Status; got != tt.want {
			t.Errorf("as of %d at %v: got %s, want %s", tt.at.Index, tt.at.Time, got, tt.want)
		}
	}
	if _, ok := w.b.Step("a", measures.Mark{Index: -1, Time: day(1, 0)}); ok {
		t.Error("a step before its plan has a status")
	}
}

func TestNextMoves(t *testing.T) {
	w := newWorld(t)
	w.do(basePlan(), mediator, day(1, 0))
	if ms, _ := w.b.Measure("M1", measures.At(day(3, 0))); len(ms.Next) != 0 || ms.InForce {
		t.Errorf("a measure not in force: next %+v, in force %v; want no move", ms.Next, ms.InForce)
	}
	w.agree("M1", true, day(2, 0))
	w.do(report("a", 50), govDel, day(4, 0))
	ms, _ := w.b.Measure("M1", measures.At(day(11, 0)))
	want := []measures.Move{
		{Step: "b", Act: measures.KindReportStep, Party: "opp", Since: day(2, 0), Overdue: true},
		{Step: "a", Act: measures.KindVerifyStep, Verifier: neutral, Since: day(4, 0)},
	}
	if !sameMoves(ms.Next, want) {
		t.Errorf("next: got %+v, want %+v", ms.Next, want)
	}
	w.do(verify("a", measures.Disputed, 0, "no one was released"), neutral, day(12, 0))
	ms, _ = w.b.Measure("M1", measures.At(day(13, 0)))
	want = []measures.Move{
		{Step: "b", Act: measures.KindReportStep, Party: "opp", Since: day(2, 0), Overdue: true},
		{Step: "a", Act: measures.KindReportStep, Party: "gov", Since: day(12, 0), Overdue: true},
	}
	if !sameMoves(ms.Next, want) {
		t.Errorf("next after a dispute: got %+v, want %+v", ms.Next, want)
	}
	if ms.Complete {
		t.Error("complete with no step done")
	}
}

func TestRecords(t *testing.T) {
	w := newWorld(t)
	p := basePlan()
	p.Steps = append(p.Steps,
		measures.Step{ID: "d", Party: "opp", Action: "hand over remains", Due: due(12, 0), After: []string{"c"}, Verifier: neutral},
		measures.Step{ID: "e", Party: "opp", Action: "publish the list", Due: due(3, 0), Verifier: neutral},
	)
	w.do(p, mediator, day(1, 0))
	w.agree("M1", true, day(2, 0))
	w.do(report("a", 50), govDel, day(4, 0))
	w.do(report("b", 50), oppHead, day(11, 0)) // after the due time
	w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(11, 1))
	w.do(verify("b", measures.Confirmed, 50, ""), neutral, day(11, 2))
	w.do(report("e", 0), oppHead, day(2, 12))
	w.do(verify("e", measures.Disputed, 0, "not published"), neutral, day(2, 13))
	got := w.b.Records(measures.At(day(21, 0)))
	want := []measures.PartyRecord{
		{Party: "gov", OnTime: []string{"a"}, Late: []string{"c"}, InPart: []string{}, Disputed: []string{}, Open: []string{}},
		{Party: "opp", OnTime: []string{}, Late: []string{"b"}, InPart: []string{}, Disputed: []string{"e"}, Open: []string{"d"}, Disputes: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("records: got %+v, want %+v", got, want)
	}
	for i := range want {
		g, x := got[i], want[i]
		if g.Party != x.Party || !slices.Equal(g.OnTime, x.OnTime) || !slices.Equal(g.Late, x.Late) || !slices.Equal(g.HeldUp, x.HeldUp) ||
			!slices.Equal(g.InPart, x.InPart) || !slices.Equal(g.Disputed, x.Disputed) || !slices.Equal(g.Open, x.Open) || g.Disputes != x.Disputes {
			t.Errorf("record of %s: got %+v, want %+v", x.Party, g, x)
		}
	}
	// c was late because a and b were: held up.
	w2 := newWorld(t)
	w2.do(basePlan(), mediator, day(1, 0))
	w2.agree("M1", true, day(2, 0))
	w2.do(report("a", 50), govDel, day(4, 0))
	w2.do(report("b", 50), oppHead, day(4, 0))
	w2.do(verify("a", measures.Confirmed, 50, ""), neutral, day(21, 0))
	w2.do(verify("b", measures.Confirmed, 50, ""), neutral, day(21, 0))
	recs := w2.b.Records(measures.At(day(23, 0)))
	if gov := recs[0]; !slices.Equal(gov.Late, []string{"c"}) || !slices.Equal(gov.HeldUp, []string{"c"}) {
		t.Errorf("gov's record: got %+v, want c late and held up", gov)
	}
}

func TestDoneAtoms(t *testing.T) {
	w := newWorld(t)
	w.do(basePlan(), mediator, day(1, 0))
	w.agree("M1", true, day(2, 0))
	w.do(report("a", 50), govDel, day(4, 0))
	confirmA := w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(5, 0))
	w.do(report("b", 50), oppHead, day(6, 0))
	confirmB := w.do(verify("b", measures.Confirmed, 50, ""), neutral, day(7, 0))
	if got := w.b.Done(confirmA); len(got) != 0 {
		t.Errorf("done with one share of the exchange confirmed: %q, want none", got)
	}
	if got := w.b.Done(confirmB); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("done: got %q, want [a b]", got)
	}
	if !w.b.IsDone("a", confirmB) || w.b.IsDone("a", confirmA) || w.b.IsDone("c", measures.At(day(30, 0))) || w.b.IsDone("nothing", confirmB) {
		t.Error("IsDone disagrees with Done")
	}
	// A share done in part is not done.
	w.do(report("c", 0), govHead, day(8, 0))
	w.do(verify("c", measures.Disputed, 0, "the crossing is closed"), neutral2, day(9, 0))
	if w.b.IsDone("c", measures.At(day(30, 0))) {
		t.Error("a disputed step is done")
	}
}

func TestAudience(t *testing.T) {
	w := newWorld(t)
	w.do(basePlan(), mediator, day(1, 0))
	parties, ver, ok := w.b.Audience("c", measures.At(day(2, 0)))
	if !ok || !slices.Equal(parties, []string{"gov", "opp"}) || ver != neutral2 {
		t.Errorf("audience of c: got %q, %s, %v; want [gov opp] and the second verifier", parties, ver, ok)
	}
	if _, _, ok := w.b.Audience("zz", measures.At(day(2, 0))); ok {
		t.Error("an audience for no step")
	}
}

func TestNextDeadline(t *testing.T) {
	w := newWorld(t)
	w.do(basePlan(), mediator, day(1, 0))
	if _, ok := w.b.NextDeadline(measures.At(day(3, 0))); ok {
		t.Error("a deadline while nothing is in force")
	}
	w.agree("M1", true, day(2, 0))
	if got, ok := w.b.NextDeadline(measures.At(day(3, 0))); !ok || !got.Equal(day(10, 12)) {
		t.Errorf("next deadline: got %v, %v; want %v", got, ok, day(10, 12))
	}
}

package measures_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/measures"
)

// step returns a plain step of gov's, due on day 10, verified by neutral.
func step(id string, after ...string) measures.Step {
	return measures.Step{ID: id, Party: "gov", Action: "release detainees", Due: due(10, 0), After: after, Verifier: neutral}
}

func plan(item string, version int, steps ...measures.Step) *measures.PlanMeasure {
	return &measures.PlanMeasure{Item: item, Version: version, Steps: steps}
}

// agreedBase is a world with basePlan in force since day 2.
func agreedBase(w *world) {
	w.do(basePlan(), mediator, day(1, 0))
	w.agree("M1", true, day(2, 0))
}

// doneA is agreedBase with the exchange of a and b done.
func doneA(w *world) {
	agreedBase(w)
	w.do(report("a", 50), govDel, day(3, 0))
	w.do(report("b", 50), oppHead, day(3, 0))
	w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(4, 0))
	w.do(verify("b", measures.Confirmed, 50, ""), neutral, day(4, 0))
}

func TestBadInput(t *testing.T) {
	revise := func(edit func(p *measures.PlanMeasure)) *measures.PlanMeasure {
		p := basePlan()
		p.Version = 2
		edit(p)
		return p
	}
	tests := []struct {
		name  string
		setup func(w *world)
		act   measures.Act
		by    string
		at    time.Time
		code  string
		parts []string
	}{
		// Plans.
		{"a step that waits for itself", nil,
			plan("M1", 1, step("x", "x")), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].after[0]"`, "names itself"}},
		{"a cycle", nil,
			plan("M1", 1, step("x", "z"), step("y", "x"), step("z", "y")), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].after[0]"`, "a cycle: x waits for z, z waits for y, y waits for x"}},
		{"a cycle through an exchange", nil,
			revise(func(p *measures.PlanMeasure) { p.Version = 1; p.Steps[1].After = []string{"c"} }), mediator, day(1, 0),
			parley.EINVALID, []string{"a cycle: b waits for c, c waits for a, a is exchanged together with b"}},
		{"a cycle across measures", func(w *world) {
			w.do(plan("M2", 1, step("y2")), mediator, day(1, 0))
			w.do(plan("M1", 1, step("x", "y2")), mediator, day(1, 0))
		}, plan("M2", 2, step("y2", "x")), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].after[0]"`, "a cycle: y2 waits for x, x waits for y2"}},
		{"a step of another measure that does not exist", nil,
			plan("M1", 1, step("x", "nowhere")), mediator, day(1, 0),
			parley.ENOTFOUND, []string{`"steps[0].after[0]"`, `no step "nowhere"`}},
		{"a step of another measure dropped from its plan", func(w *world) {
			w.do(plan("M2", 1, step("y1"), step("y2")), mediator, day(1, 0))
			w.do(plan("M2", 2, step("y1")), mediator, day(1, 0))
		}, plan("M1", 1, step("x", "y2")), mediator, day(1, 0),
			parley.ENOTFOUND, []string{`"steps[0].after[0]"`, `no step "y2"`}},
		{"a due time before the plan", nil,
			plan("M1", 1, step("x")), mediator, day(11, 0),
			parley.EINVALID, []string{`"steps[0].due"`, "before the plan"}},
		{"a due date without a time", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Due: "2015-05-10", Verifier: neutral}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].due"`, "RFC 3339"}},
		{"a due time missing", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Verifier: neutral}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].due"`, "missing"}},
		{"a step id of another measure", func(w *world) {
			w.do(plan("M2", 1, step("x")), mediator, day(1, 0))
		}, plan("M1", 1, step("x")), mediator, day(1, 0),
			parley.ECONFLICT, []string{`"steps[0].id"`, `step of measure "M2"`, "done(x)"}},
		{"a step id twice", nil,
			plan("M1", 1, step("x"), step("x")), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[1].id"`, "steps[0] too"}},
		{"a bad step id", nil,
			plan("M1", 1, step("x y")), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].id"`, "not an id"}},
		{"no steps", nil,
			plan("M1", 1), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps"`, "at least one step"}},
		{"an observer as verifier", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Due: due(10, 0), Verifier: observer}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].verifier"`, "is an observer, not a verifier"}},
		{"a verifier of an obliged party", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Due: due(10, 0), Verifier: govVer}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].verifier"`, "neutral"}},
		{"a verifier not on the roster", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Due: due(10, 0), Verifier: revoked}), mediator, day(1, 0),
			parley.ENOTFOUND, []string{`"steps[0].verifier"`, "no actor on the roster"}},
		{"a verifier that is not a key", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Due: due(10, 0), Verifier: "icrc"}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].verifier"`, "not an actor's key"}},
		{"a party not of the talks", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "nobody", Action: "release", Due: due(10, 0), Verifier: neutral}), mediator, day(1, 0),
			parley.ENOTFOUND, []string{`"steps[0].party"`, "not a party"}},
		{"an item that is not a measure", nil,
			plan("D1", 1, step("x")), mediator, day(1, 0),
			parley.ENOTFOUND, []string{`"item"`, "no measure"}},
		{"the wrong version", nil,
			plan("M1", 2, step("x")), mediator, day(1, 0),
			parley.ECONFLICT, []string{`"version"`, "next version"}},
		{"a plan by a delegate", nil,
			plan("M1", 1, step("x")), govHead, day(1, 0),
			parley.EFORBIDDEN, []string{"only by a mediator"}},
		{"an exchange of one party", nil,
			plan("M1", 1, step("x"), measures.Step{ID: "y", Party: "gov", Action: "release", Due: due(10, 0), Together: []string{"x"}, Verifier: neutral}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[1].together"`, `both "gov"'s`}},
		{"an exchange due at two times", nil,
			revise(func(p *measures.PlanMeasure) { p.Version = 1; p.Steps[1].Due = due(11, 0) }), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[1].due"`, "same time"}},
		{"an exchange with two verifiers", nil,
			revise(func(p *measures.PlanMeasure) { p.Version = 1; p.Steps[1].Verifier = neutral2 }), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[1].verifier"`, "one verifier"}},
		{"an exchange with a step of no plan", nil,
			revise(func(p *measures.PlanMeasure) { p.Version = 1; p.Steps[1].Together = []string{"zz"} }), mediator, day(1, 0),
			parley.ENOTFOUND, []string{`"steps[1].together[0]"`, `no step "zz" in this plan`}},
		{"a step waiting for its own exchange", nil,
			revise(func(p *measures.PlanMeasure) { p.Version = 1; p.Steps[1].After = []string{"a"} }), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[1].after[0]"`, "cannot wait for it"}},
		{"a quantity without a unit", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Quantity: 5, Due: due(10, 0), Verifier: neutral}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].unit"`}},
		{"a negative quantity", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release", Quantity: -5, Unit: "d", Due: due(10, 0), Verifier: neutral}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].quantity"`}},
		{"an action of two lines", nil,
			plan("M1", 1, measures.Step{ID: "x", Party: "gov", Action: "release\nthem", Due: due(10, 0), Verifier: neutral}), mediator, day(1, 0),
			parley.EINVALID, []string{`"steps[0].action"`, "one line"}},
		{"a revision dated before the plan it revises", agreedBase,
			revise(func(p *measures.PlanMeasure) {}), mediator, time.Date(2015, 4, 30, 0, 0, 0, 0, time.UTC),
			parley.EINVALID, []string{`event field "time"`, "before version 1"}},
		{"a revision that drops a step done", doneA,
			revise(func(p *measures.PlanMeasure) { p.Steps = p.Steps[2:]; p.Steps[0].After = nil }), mediator, day(5, 0),
			parley.ECONFLICT, []string{`step "a" is done`}},
		{"a revision that changes a step done", doneA,
			revise(func(p *measures.PlanMeasure) { p.Steps[0].Quantity = 60 }), mediator, day(5, 0),
			parley.ECONFLICT, []string{`"steps[0]"`, `step "a" is done`}},
		{"a revision that takes a step done out of its exchange", doneA,
			revise(func(p *measures.PlanMeasure) { p.Steps[1].Together = nil }), mediator, day(5, 0),
			parley.ECONFLICT, []string{`step "a" is done`}},
		{"a revision that drops a step awaiting its verifier", func(w *world) {
			agreedBase(w)
			w.do(report("c", 0), govDel, day(3, 0))
		}, revise(func(p *measures.PlanMeasure) { p.Steps = p.Steps[:2] }), mediator, day(5, 0),
			parley.ECONFLICT, []string{`step "c" was reported`}},
		{"a revision that changes the quantity of a step awaiting its verifier", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, revise(func(p *measures.PlanMeasure) { p.Steps[0].Quantity = 40; p.Steps[1].Quantity = 40 }), mediator, day(5, 0),
			parley.ECONFLICT, []string{`"steps[0].quantity"`, "awaits its verifier"}},
		{"a revision that gives a reported step to another party", func(w *world) {
			agreedBase(w)
			w.do(report("c", 0), govDel, day(3, 0))
			w.do(verify("c", measures.Disputed, 0, "closed"), neutral2, day(4, 0))
		}, revise(func(p *measures.PlanMeasure) { p.Steps[2].Party = "opp" }), mediator, day(5, 0),
			parley.ECONFLICT, []string{`"steps[2].party"`, `reported by "gov"`}},
		{"a revision that drops a step another measure waits for", func(w *world) {
			agreedBase(w)
			w.do(plan("M2", 1, step("y", "c")), mediator, day(2, 0))
		}, revise(func(p *measures.PlanMeasure) { p.Steps = p.Steps[:2] }), mediator, day(5, 0),
			parley.ECONFLICT, []string{`step "y" of measure "M2" waits for step "c"`}},

		// Reports.
		{"a report by a party not obliged", agreedBase,
			report("a", 50), oppHead, day(3, 0),
			parley.EFORBIDDEN, []string{`step "a" is "gov"'s to report`, `a head of "opp"`}},
		{"a report for a party not obliged", agreedBase,
			&measures.ReportStep{Step: "a", Party: "opp", Quantity: 50}, oppHead, day(3, 0),
			parley.EFORBIDDEN, []string{`"party"`, `step "a" is "gov"'s to report, not "opp"'s`}},
		{"a report by the verifier", agreedBase,
			report("a", 50), neutral, day(3, 0),
			parley.EFORBIDDEN, []string{`"gov"'s to report`, "a verifier"}},
		{"a report of no step", agreedBase,
			report("zz", 50), govHead, day(3, 0),
			parley.ENOTFOUND, []string{`"step"`, `no step "zz"`}},
		{"a report above the plan", agreedBase,
			report("a", 51), govHead, day(3, 0),
			parley.EINVALID, []string{`"quantity"`, "more than the 50 detainees"}},
		{"a report without its quantity", agreedBase,
			report("a", 0), govHead, day(3, 0),
			parley.EINVALID, []string{`"quantity"`, "1 to 50"}},
		{"a report with a quantity of a step not counted", agreedBase,
			report("c", 3), govHead, day(3, 0),
			parley.EINVALID, []string{`"quantity"`, "not counted"}},
		{"a second report while the first awaits its verifier", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, report("a", 50), govHead, day(3, 1),
			parley.ECONFLICT, []string{"awaits its verifier's finding"}},
		{"a report of a step done", doneA,
			report("a", 50), govHead, day(5, 0),
			parley.ECONFLICT, []string{`step "a" is done`}},
		{"a report of a confirmed share", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
			w.do(verify("a", measures.Confirmed, 50, ""), neutral, day(4, 0))
		}, report("a", 50), govHead, day(5, 0),
			parley.ECONFLICT, []string{"confirmed by its verifier"}},
		{"a report without the annex the step calls for", func(w *world) {
			p := basePlan()
			p.Steps[2].Annex = true
			w.do(p, mediator, day(1, 0))
		}, report("c", 0), govHead, day(3, 0),
			parley.EINVALID, []string{`"annex"`, "calls for a confidential annex"}},
		{"a report with an annex the step does not call for", agreedBase,
			&measures.ReportStep{Step: "c", Party: "gov", Annex: json.RawMessage(`{"v":1}`)}, govHead, day(3, 0),
			parley.EINVALID, []string{`"annex"`, "calls for no annex"}},
		{"a report with an annex that is not an object", agreedBase,
			&measures.ReportStep{Step: "c", Party: "gov", Annex: json.RawMessage(`"list"`)}, govHead, day(3, 0),
			parley.EINVALID, []string{`"annex"`, "sealed payload"}},
		{"a report dated before its plan", agreedBase,
			report("c", 0), govHead, time.Date(2015, 4, 30, 0, 0, 0, 0, time.UTC),
			parley.EINVALID, []string{`event field "time"`, "before the plan"}},

		// Verifications.
		{"a verification by a party", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Confirmed, 50, ""), oppHead, day(4, 0),
			parley.EFORBIDDEN, []string{`only the verifier of step "a"`}},
		{"a verification by another verifier", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Confirmed, 50, ""), neutral2, day(4, 0),
			parley.EFORBIDDEN, []string{`only the verifier of step "a"`}},
		{"a verification by a verifier since revoked", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
			delete(w.talks.actors, neutral)
		}, verify("a", measures.Confirmed, 50, ""), neutral, day(4, 0),
			parley.EFORBIDDEN, []string{"no longer a verifier"}},
		{"a verification of nothing reported", agreedBase,
			verify("a", measures.Confirmed, 50, ""), neutral, day(4, 0),
			parley.ECONFLICT, []string{"no report awaiting"}},
		{"a quantity verified above the one reported", func(w *world) {
			agreedBase(w)
			w.do(report("a", 43), govDel, day(3, 0))
		}, verify("a", measures.Partial, 45, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"quantity"`, "45 is more than the 43 reported"}},
		{"a confirmation of less than reported", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Confirmed, 43, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"quantity"`, "confirm in part"}},
		{"a confirmation of a report of part", func(w *world) {
			agreedBase(w)
			w.do(report("a", 43), govDel, day(3, 0))
		}, verify("a", measures.Confirmed, 43, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"verdict"`, "43 of the 50 detainees"}},
		{"a confirmation without its quantity", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Confirmed, 0, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"quantity"`, "50 as reported"}},
		{"a confirmation in part of the whole", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Partial, 50, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"quantity"`, "the whole of step"}},
		{"a confirmation in part of nothing", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Partial, 0, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"quantity"`, "dispute the report"}},
		{"a confirmation in part of a step not counted", func(w *world) {
			agreedBase(w)
			w.do(report("c", 0), govDel, day(3, 0))
		}, verify("c", measures.Partial, 0, ""), neutral2, day(4, 0),
			parley.EINVALID, []string{`"verdict"`, "not counted"}},
		{"a dispute without a reason", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Disputed, 0, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"reason"`, "says why"}},
		{"an unknown verdict", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", "maybe", 0, ""), neutral, day(4, 0),
			parley.EINVALID, []string{`"verdict"`, `"maybe"`}},
		{"a verification dated before its report", func(w *world) {
			agreedBase(w)
			w.do(report("a", 50), govDel, day(3, 0))
		}, verify("a", measures.Confirmed, 50, ""), neutral, day(2, 0),
			parley.EINVALID, []string{`event field "time"`, "before the report"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.setup != nil {
				tt.setup(w)
			}
			before := snapshot(w.b)
			err := w.try(tt.act, tt.by, tt.at)
			if err == nil {
				t.Fatal("accepted")
			}
			checkError(t, err, tt.code, tt.parts...)
			if after := snapshot(w.b); after != before {
				t.Errorf("a refused act changed the book:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestOutOfOrder(t *testing.T) {
	w := newWorld(t)
	w.do(basePlan(), mediator, day(1, 0))
	err := w.b.Apply(w.talks, report("c", 0), govHead, measures.Mark{Index: 0, Time: day(2, 0)})
	checkError(t, err, parley.EINTERNAL, "log order")
	err = w.b.SetAgreed("M1", true, measures.Mark{Index: -1, Time: day(2, 0)})
	checkError(t, err, parley.EINTERNAL, "log order")
	// An agreement told at the index of the act before it is in order.
	if err := w.b.SetAgreed("M1", true, measures.Mark{Index: 0, Time: day(1, 0)}); err != nil {
		t.Errorf("agreement at the index of the plan: %v", err)
	}
}

type notAnAct struct{}

func (notAnAct) Kind() string { return "stance.set" }

func TestNotAnAct(t *testing.T) {
	w := newWorld(t)
	for _, act := range []measures.Act{notAnAct{}, nil, (*measures.PlanMeasure)(nil), (*measures.ReportStep)(nil), (*measures.VerifyStep)(nil)} {
		checkError(t, w.try(act, mediator, day(1, 0)), parley.EINTERNAL, "not an act")
	}
	checkError(t, w.b.Apply(nil, basePlan(), mediator, measures.Mark{Time: day(1, 0)}), parley.EINTERNAL, "without the talks")
}

package measures_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/measures"
)

// A rec is an act the Book accepted, or an agreement it was told.
type rec struct {
	m      measures.Mark
	by     string
	act    measures.Act // nil for an agreement
	item   string       // of an agreement
	agreed bool
}

// ref computes what the Book answers from the list of what it accepted,
// straight from the definitions of docs/MEASURES.md, recomputing
// everything from scratch for every question: the reference the
// incremental Book is compared with.
type ref struct{ recs []rec }

func (r *ref) plans(item string, idx int64) []*measures.PlanMeasure {
	var out []*measures.PlanMeasure
	for _, x := range r.recs {
		if p, ok := x.act.(*measures.PlanMeasure); ok && p.Item == item && x.m.Index <= idx {
			out = append(out, p)
		}
	}
	return out
}

func (r *ref) planMarks(item string, idx int64) []measures.Mark {
	var out []measures.Mark
	for _, x := range r.recs {
		if p, ok := x.act.(*measures.PlanMeasure); ok && p.Item == item && x.m.Index <= idx {
			out = append(out, x.m)
		}
	}
	return out
}

// owner returns the measure whose plan first held the step.
func (r *ref) owner(step string) string {
	for _, x := range r.recs {
		if p, ok := x.act.(*measures.PlanMeasure); ok && slices.ContainsFunc(p.Steps, func(s measures.Step) bool { return s.ID == step }) {
			return p.Item
		}
	}
	return ""
}

func stepIn(p *measures.PlanMeasure, id string) *measures.Step {
	for i := range p.Steps {
		if p.Steps[i].ID == id {
			return &p.Steps[i]
		}
	}
	return nil
}

// planOf returns the plan in force at idx of the step's measure, and the
// step in it, or nil.
func (r *ref) planOf(step string, idx int64) (*measures.PlanMeasure, *measures.Step) {
	ps := r.plans(r.owner(step), idx)
	if len(ps) == 0 {
		return nil, nil
	}
	p := ps[len(ps)-1]
	return p, stepIn(p, step)
}

// group returns the steps of id's exchange in p, in plan order: those
// joined to it by Together, either way, directly or not.
func group(p *measures.PlanMeasure, id string) []string {
	in := map[string]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, s := range p.Steps {
			for _, o := range s.Together {
				if in[s.ID] != in[o] {
					in[s.ID], in[o], changed = true, true, true
				}
			}
		}
	}
	var out []string
	for _, s := range p.Steps {
		if in[s.ID] {
			out = append(out, s.ID)
		}
	}
	return out
}

// entries returns the reports and findings on a step up to idx.
func (r *ref) entries(step string, idx int64) (reps []rec, fins []rec, last *rec) {
	for i, x := range r.recs {
		if x.m.Index > idx {
			continue
		}
		switch a := x.act.(type) {
		case *measures.ReportStep:
			if a.Step == step {
				reps = append(reps, x)
				last = &r.recs[i]
			}
		case *measures.VerifyStep:
			if a.Step == step {
				fins = append(fins, x)
				last = &r.recs[i]
			}
		}
	}
	return reps, fins, last
}

func confirmedLast(last *rec) bool {
	if last == nil {
		return false
	}
	v, ok := last.act.(*measures.VerifyStep)
	return ok && v.Verdict == measures.Confirmed
}

// doneAt reports whether a step is done at idx: in its measure's plan, and
// every step of its exchange confirmed last.
func (r *ref) doneAt(step string, idx int64) bool {
	p, s := r.planOf(step, idx)
	if s == nil {
		return false
	}
	for _, id := range group(p, step) {
		if _, _, last := r.entries(id, idx); !confirmedLast(last) {
			return false
		}
	}
	return true
}

// doneSince returns the time of the first act from which the step is done.
func (r *ref) doneSince(step string, idx int64) time.Time {
	for _, x := range r.recs {
		if x.act != nil && x.m.Index <= idx && r.doneAt(step, x.m.Index) {
			return x.m.Time
		}
	}
	return time.Time{}
}

// force returns whether the measure is agreed at idx, and since when it
// stands so (zero if it never was agreed).
func (r *ref) force(item string, idx int64) (bool, time.Time) {
	var calls []rec
	for _, x := range r.recs {
		if x.act == nil && x.item == item && x.m.Index <= idx {
			calls = append(calls, x)
		}
	}
	if len(calls) == 0 {
		return false, time.Time{}
	}
	val := calls[len(calls)-1].agreed
	if !val && !slices.ContainsFunc(calls, func(x rec) bool { return x.agreed }) {
		return false, time.Time{}
	}
	k := len(calls) - 1
	for k > 0 && calls[k-1].agreed == val {
		k--
	}
	return val, calls[k].m.Time
}

// introduced returns when a step entered its measure's plan: the first of
// the plans up to idx that, with every plan after it, hold it.
func (r *ref) introduced(step string, idx int64) time.Time {
	item := r.owner(step)
	ps, ms := r.plans(item, idx), r.planMarks(item, idx)
	k := len(ps) - 1
	for k > 0 && stepIn(ps[k-1], step) != nil {
		k--
	}
	return ms[k].Time
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

type refStatus struct {
	status  string
	since   time.Time
	waiting []string
	rep     *rec
	fin     *rec
	ready   time.Time
	heldUp  bool
}

func (r *ref) status(step string, at measures.Mark) refStatus {
	p, s := r.planOf(step, at.Index)
	reps, fins, _ := r.entries(step, at.Index)
	var out refStatus
	if len(reps) > 0 {
		out.rep = &reps[len(reps)-1]
	}
	if len(fins) > 0 {
		out.fin = &fins[len(fins)-1]
	}
	due, _ := time.Parse(time.RFC3339, s.Due)
	in, fsince := r.force(p.Item, at.Index)
	intro := r.introduced(step, at.Index)
	var after []string
	for _, id := range group(p, step) {
		for _, a := range stepIn(p, id).After {
			if !slices.Contains(after, a) {
				after = append(after, a)
			}
		}
	}
	ready := intro
	if in {
		ready = latest(ready, fsince)
	}
	for _, a := range after {
		if r.doneAt(a, at.Index) {
			ready = latest(ready, r.doneSince(a, at.Index))
		} else {
			out.waiting = append(out.waiting, a)
		}
		if !r.doneAt(a, at.Index) || r.doneSince(a, at.Index).After(due) {
			out.heldUp = true
		}
	}
	out.ready = ready
	verdict := ""
	if out.fin != nil {
		verdict = out.fin.act.(*measures.VerifyStep).Verdict
	}
	switch {
	case r.doneAt(step, at.Index):
		out.status, out.since, out.waiting = measures.StatusDone, r.doneSince(step, at.Index), nil
	case out.rep != nil && (out.fin == nil || out.rep.m.Index > out.fin.m.Index):
		out.status, out.since, out.waiting = measures.StatusReported, out.rep.m.Time, nil
	case verdict == measures.Confirmed:
		out.status, out.since, out.waiting = measures.StatusConfirmed, out.fin.m.Time, nil
	case verdict == measures.Partial:
		out.status, out.since, out.waiting = measures.StatusPartial, out.fin.m.Time, nil
	case verdict == measures.Disputed:
		out.status, out.since, out.waiting = measures.StatusDisputed, out.fin.m.Time, nil
	case !in:
		out.status, out.since, out.waiting = measures.StatusNotInForce, latest(intro, fsince), nil
	case len(out.waiting) > 0:
		out.status, out.since = measures.StatusWaiting, latest(intro, fsince)
	case !at.Time.After(due):
		out.status, out.since = measures.StatusDue, ready
	default:
		out.status, out.since = measures.StatusOverdue, latest(ready, due)
	}
	return out
}

// render writes what the Book or the reference says as of a mark, in one
// form, for comparison.
func renderBook(b *measures.Book, at measures.Mark) string {
	var w strings.Builder
	for _, ms := range b.Statuses(at) {
		fmt.Fprintf(&w, "measure %s v%d in force %v since %d complete %v\n", ms.Measure, ms.Version, ms.InForce, unix(ms.Since), ms.Complete)
		for _, s := range ms.Steps {
			fmt.Fprintf(&w, "  %s %s since %d waiting %q exchange %q report %s finding %s\n", s.Step.ID, s.Status, unix(s.Since), s.WaitingOn, s.Exchange, entry(s.Report), entry(s.Finding))
		}
		for _, m := range ms.Next {
			fmt.Fprintf(&w, "  next %s %s %s %s since %d overdue %v\n", m.Step, m.Act, m.Party, m.Verifier, unix(m.Since), m.Overdue)
		}
	}
	for _, pr := range b.Records(at) {
		fmt.Fprintf(&w, "record %+v\n", pr)
	}
	fmt.Fprintf(&w, "done %q\n", b.Done(at))
	return w.String()
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func entry(e *measures.Entry) string {
	if e == nil {
		return "-"
	}
	return fmt.Sprintf("%d/%d/%s", e.Index, e.Quantity, e.Verdict)
}

func refEntry(x *rec) string {
	if x == nil {
		return "-"
	}
	switch a := x.act.(type) {
	case *measures.ReportStep:
		return fmt.Sprintf("%d/%d/", x.m.Index, a.Quantity)
	case *measures.VerifyStep:
		return fmt.Sprintf("%d/%d/%s", x.m.Index, a.Quantity, a.Verdict)
	}
	return "?"
}

func (r *ref) render(at measures.Mark) string {
	var w strings.Builder
	// Measures in the order of their first plans.
	var items []string
	for _, x := range r.recs {
		if p, ok := x.act.(*measures.PlanMeasure); ok && x.m.Index <= at.Index && !slices.Contains(items, p.Item) {
			items = append(items, p.Item)
		}
	}
	recs := map[string]*measures.PartyRecord{}
	var done []string
	for _, item := range items {
		ps := r.plans(item, at.Index)
		p := ps[len(ps)-1]
		in, since := r.force(item, at.Index)
		complete := true
		var steps []string
		type move struct {
			s     string
			since time.Time
		}
		var moves []move
		for _, s := range p.Steps {
			st := r.status(s.ID, at)
			if st.status != measures.StatusDone {
				complete = false
			} else {
				done = append(done, s.ID)
			}
			var exch []string
			for _, id := range group(p, s.ID) {
				if id != s.ID {
					exch = append(exch, id)
				}
			}
			steps = append(steps, fmt.Sprintf("  %s %s since %d waiting %q exchange %q report %s finding %s\n", s.ID, st.status, unix(st.since), st.waiting, exch, refEntry(st.rep), refEntry(st.fin)))
			due, _ := time.Parse(time.RFC3339, s.Due)
			switch st.status {
			case measures.StatusReported:
				moves = append(moves, move{fmt.Sprintf("  next %s %s %s %s since %d overdue %v\n", s.ID, measures.KindVerifyStep, "", s.Verifier, unix(st.rep.m.Time), false), st.rep.m.Time})
			case measures.StatusDue, measures.StatusOverdue:
				moves = append(moves, move{fmt.Sprintf("  next %s %s %s %s since %d overdue %v\n", s.ID, measures.KindReportStep, s.Party, "", unix(st.ready), st.status == measures.StatusOverdue), st.ready})
			case measures.StatusPartial, measures.StatusDisputed:
				if in {
					moves = append(moves, move{fmt.Sprintf("  next %s %s %s %s since %d overdue %v\n", s.ID, measures.KindReportStep, s.Party, "", unix(st.since), at.Time.After(due)), st.since})
				}
			}
			pr := recs[s.Party]
			if pr == nil {
				pr = &measures.PartyRecord{Party: s.Party, OnTime: []string{}, Late: []string{}, InPart: []string{}, Disputed: []string{}, Open: []string{}}
				recs[s.Party] = pr
			}
			_, fins, _ := r.entries(s.ID, at.Index)
			for _, f := range fins {
				if f.act.(*measures.VerifyStep).Verdict == measures.Disputed {
					pr.Disputes++
				}
			}
			switch st.status {
			case measures.StatusDone, measures.StatusConfirmed, measures.StatusOverdue:
				if st.status != measures.StatusOverdue && !st.rep.m.Time.After(due) {
					pr.OnTime = append(pr.OnTime, s.ID)
					break
				}
				pr.Late = append(pr.Late, s.ID)
				if st.heldUp {
					pr.HeldUp = append(pr.HeldUp, s.ID)
				}
			case measures.StatusPartial:
				pr.InPart = append(pr.InPart, s.ID)
			case measures.StatusDisputed:
				pr.Disputed = append(pr.Disputed, s.ID)
			default:
				pr.Open = append(pr.Open, s.ID)
			}
		}
		fmt.Fprintf(&w, "measure %s v%d in force %v since %d complete %v\n", item, p.Version, in, unix(since), complete)
		for _, s := range steps {
			w.WriteString(s)
		}
		sort.SliceStable(moves, func(i, j int) bool { return moves[i].since.Before(moves[j].since) })
		for _, m := range moves {
			w.WriteString(m.s)
		}
	}
	var parties []string
	for p := range recs {
		parties = append(parties, p)
	}
	slices.Sort(parties)
	for _, p := range parties {
		fmt.Fprintf(&w, "record %+v\n", *recs[p])
	}
	slices.Sort(done)
	fmt.Fprintf(&w, "done %q\n", done)
	return w.String()
}

// TestIncrementalEqualsScratch applies random plans, reports, findings and
// agreements to a Book, some refused, and compares its answers as of every
// point of the log and other clocks with those of the reference, computed
// from scratch from the acts accepted, and with those of a new Book that
// replays the acts up to that point. A refused act must change nothing.
func TestIncrementalEqualsScratch(t *testing.T) {
	seen := map[string]int{} // statuses and acts met, so that the test shows it reaches them all
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(rt)
		r := &ref{}
		pool := []string{"a", "b", "c", "d", "e", "f"}
		items := []string{"M1", "M2", "M3"}
		parties := []string{"gov", "opp", "third"}
		verifiers := []string{neutral, neutral, neutral2, govVer}
		signers := []string{govHead, govDel, oppHead, thirdDel, neutral, neutral2, mediator}
		delegate := map[string][]string{"gov": {govHead, govDel}, "opp": {oppHead}, "third": {thirdDel}}
		clock := day(1, 0)
		n := rapid.IntRange(5, 60).Draw(rt, "acts")
		for range n {
			step := time.Duration(rapid.IntRange(0, 48).Draw(rt, "hours")) * time.Hour
			if rapid.IntRange(0, 9).Draw(rt, "backwards") == 0 {
				step = -time.Hour // a signer's clock behind the last act's
			}
			clock = clock.Add(step)
			dueIn := func() string {
				h := rapid.IntRange(1, 240).Draw(rt, "due")
				if rapid.IntRange(0, 9).Draw(rt, "due before") == 0 {
					h = -h
				}
				return clock.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
			}
			var act measures.Act
			by := ""
			switch rapid.IntRange(0, 9).Draw(rt, "kind") {
			case 0, 1, 2:
				item := rapid.SampledFrom(items).Draw(rt, "item")
				p, _, ok := w.b.Plan(item, measures.At(clock))
				if !ok || rapid.IntRange(0, 2).Draw(rt, "fresh") == 0 {
					p = &measures.PlanMeasure{Item: item}
					ids := rapid.Permutation(pool).Draw(rt, "ids")[:rapid.IntRange(1, 4).Draw(rt, "steps")]
					for _, id := range ids {
						s := measures.Step{ID: id, Party: rapid.SampledFrom(parties).Draw(rt, "party"), Action: "act",
							Due: dueIn(), Verifier: rapid.SampledFrom(verifiers).Draw(rt, "verifier"), Annex: rapid.IntRange(0, 4).Draw(rt, "annex") == 0}
						if rapid.Bool().Draw(rt, "counted") {
							s.Quantity, s.Unit = int64(rapid.IntRange(1, 5).Draw(rt, "quantity")), "u"
						}
						// It may wait for a step before it in the plan, or of
						// another measure's plan, and now and then for any.
						var known []string
						for _, o := range p.Steps {
							known = append(known, o.ID)
						}
						for _, other := range items {
							if q, _, ok := w.b.Plan(other, measures.At(clock)); ok && other != item {
								for _, o := range q.Steps {
									known = append(known, o.ID)
								}
							}
						}
						if rapid.IntRange(0, 9).Draw(rt, "any after") == 0 {
							known = pool
						}
						for _, a := range known {
							if a != id && !slices.Contains(s.After, a) && rapid.IntRange(0, 3).Draw(rt, "after") == 0 {
								s.After = append(s.After, a)
							}
						}
						if len(p.Steps) > 0 && rapid.IntRange(0, 2).Draw(rt, "together") == 0 {
							o := p.Steps[rapid.IntRange(0, len(p.Steps)-1).Draw(rt, "partner")]
							s.Together, s.Due, s.Verifier, s.After = []string{o.ID}, o.Due, o.Verifier, nil
							s.Party = rapid.SampledFrom(slices.DeleteFunc(slices.Clone(parties), func(x string) bool { return x == o.Party })).Draw(rt, "other party")
						}
						p.Steps = append(p.Steps, s)
					}
				} else if len(p.Steps) > 0 {
					// Revise: move a due time, or drop a step.
					k := rapid.IntRange(0, len(p.Steps)-1).Draw(rt, "revised")
					if len(p.Steps) > 1 && rapid.Bool().Draw(rt, "drop") {
						p.Steps = slices.Delete(p.Steps, k, k+1)
					} else {
						p.Steps[k].Due = dueIn()
					}
				}
				p.Version = w.talks.versions[item] + 1
				if rapid.IntRange(0, 9).Draw(rt, "bad version") == 0 {
					p.Version++
				}
				act, by = p, mediator
			case 3, 4, 5:
				id := pick(rt, w.b, clock, pool, func(s measures.StepStatus) bool { return s.Status != measures.StatusDone })
				rp := &measures.ReportStep{Step: id, Party: rapid.SampledFrom(parties).Draw(rt, "party")}
				s, ok := w.b.Step(id, measures.At(clock))
				if ok && rapid.IntRange(0, 4).Draw(rt, "right party") > 0 {
					rp.Party = s.Step.Party
					if rp.Quantity = s.Step.Quantity; rp.Quantity > 1 && rapid.IntRange(0, 3).Draw(rt, "short") == 0 {
						rp.Quantity -= int64(rapid.IntRange(1, int(rp.Quantity)-1).Draw(rt, "less"))
					}
					if s.Step.Annex {
						rp.Annex = json.RawMessage(`{"v":1}`)
					}
				}
				by = rapid.SampledFrom(signers).Draw(rt, "signer")
				if d := delegate[rp.Party]; rapid.IntRange(0, 4).Draw(rt, "right signer") > 0 {
					by = rapid.SampledFrom(d).Draw(rt, "delegate")
				}
				act = rp
			case 6, 7, 8:
				id := pick(rt, w.b, clock, pool, func(s measures.StepStatus) bool { return s.Status == measures.StatusReported })
				v := &measures.VerifyStep{Step: id, Verdict: rapid.SampledFrom([]string{measures.Confirmed, measures.Confirmed, measures.Partial, measures.Disputed}).Draw(rt, "verdict")}
				by = rapid.SampledFrom(signers).Draw(rt, "signer")
				if s, ok := w.b.Step(id, measures.At(clock)); ok {
					if rapid.IntRange(0, 5).Draw(rt, "right verifier") > 0 {
						by = s.Step.Verifier
					}
					if s.Report != nil {
						v.Quantity = s.Report.Quantity
						if v.Verdict != measures.Confirmed && v.Quantity > 0 {
							v.Quantity -= int64(rapid.IntRange(0, int(v.Quantity)).Draw(rt, "less"))
						}
					}
				}
				if v.Verdict == measures.Disputed {
					v.Reason = "r"
				}
				act = v
			default:
				item := rapid.SampledFrom(items).Draw(rt, "item")
				agreed := rapid.IntRange(0, 3).Draw(rt, "agreed") > 0
				// Agreements come after the act at the same index, or at
				// one of their own.
				m := measures.Mark{Index: w.next, Time: clock}
				if w.next > 0 && rapid.Bool().Draw(rt, "same index") {
					m.Index = w.next - 1
				} else {
					w.next++
				}
				if err := w.b.SetAgreed(item, agreed, m); err != nil {
					rt.Fatal(err)
				}
				r.recs = append(r.recs, rec{m: m, item: item, agreed: agreed})
				continue
			}
			before := snapshot(w.b)
			if err := w.try(act, by, clock); err != nil {
				if after := snapshot(w.b); after != before {
					rt.Fatalf("refused %s (%v) changed the book", act.Kind(), err)
				}
				if parley.ErrorCode(err) == parley.EINTERNAL {
					rt.Fatalf("refused %s with an internal error: %v", act.Kind(), err)
				}
				checkError(rt, err, parley.ErrorCode(err))
				seen["refused"]++
				continue
			}
			r.recs = append(r.recs, rec{m: w.marks[len(w.marks)-1], by: by, act: act})
			seen[act.Kind()]++
		}

		var marks []measures.Mark
		for _, x := range r.recs {
			marks = append(marks, x.m)
			marks = append(marks, measures.Mark{Index: x.m.Index, Time: x.m.Time.Add(time.Duration(rapid.IntRange(-24, 240).Draw(rt, "later")) * time.Hour)})
		}
		marks = append(marks, measures.At(clock.Add(1000*time.Hour)), measures.Mark{Index: -1, Time: clock})
		for _, at := range marks {
			for _, ms := range w.b.Statuses(at) {
				for _, s := range ms.Steps {
					seen[s.Status]++
				}
			}
			got, want := renderBook(w.b, at), r.render(at)
			if got != want {
				rt.Fatalf("as of %d at %v:\nthe book says\n%s\nthe reference says\n%s", at.Index, at.Time, got, want)
			}
			fresh := newWorld(rt)
			for _, x := range r.recs {
				if x.m.Index > at.Index {
					break
				}
				var err error
				if x.act == nil {
					err = fresh.b.SetAgreed(x.item, x.agreed, x.m)
				} else {
					err = fresh.b.Apply(fresh.talks, x.act, x.by, x.m)
					if p, ok := x.act.(*measures.PlanMeasure); ok && err == nil {
						fresh.talks.versions[p.Item]++
					}
				}
				if err != nil {
					rt.Fatalf("replaying the act at %d: %v", x.m.Index, err)
				}
			}
			if g, f := renderBook(w.b, at), renderBook(fresh.b, at); g != f {
				rt.Fatalf("as of %d at %v, the book and its replay differ:\n%s\n%s", at.Index, at.Time, g, f)
			}
		}
	})
	t.Logf("met: %v", seen)
	for _, s := range []string{measures.KindPlanMeasure, measures.KindReportStep, measures.KindVerifyStep,
		measures.StatusNotInForce, measures.StatusWaiting, measures.StatusDue, measures.StatusOverdue, measures.StatusReported,
		measures.StatusConfirmed, measures.StatusPartial, measures.StatusDisputed, measures.StatusDone} {
		if seen[s] == 0 {
			t.Errorf("the random talks never met %s", s)
		}
	}
}

// pick draws a step: mostly one of the plans in force that meets want, now
// and then any of the pool.
func pick(rt *rapid.T, b *measures.Book, clock time.Time, pool []string, want func(measures.StepStatus) bool) string {
	var ids []string
	for _, ms := range b.Statuses(measures.At(clock)) {
		for _, s := range ms.Steps {
			if want(s) {
				ids = append(ids, s.Step.ID)
			}
		}
	}
	if len(ids) == 0 || rapid.IntRange(0, 9).Draw(rt, "any step") == 0 {
		ids = pool
	}
	return rapid.SampledFrom(ids).Draw(rt, "step")
}

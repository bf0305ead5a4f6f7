package measures_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/measure"
	"github.com/parleyhq/parley/measures"
)

// A large talks for the benchmarks: 100 measures of 20 steps each, ten
// tranches of an exchange between gov and opp, each tranche after the one
// before; 10,000 reports and findings, half the steps through a dispute
// and a confirmation in part before their confirmation, half through a
// confirmation in part only. The measures start one after the other, so
// that half way through the log they stand at every stage.
const (
	benchMeasures = 100
	benchTranches = 10 // of two steps each
)

type benchAct struct {
	act measures.Act
	by  string
	m   measures.Mark
}

type benchLog struct {
	plans  []benchAct
	acts   []benchAct // reports and findings
	talks  *talks
	agreed []measures.Mark
}

func makeBenchLog() *benchLog {
	l := &benchLog{talks: newTalks()}
	clock := time.Date(2015, 5, 1, 0, 0, 0, 0, time.UTC)
	var index int64
	next := func() measures.Mark {
		clock = clock.Add(time.Minute)
		index++
		return measures.Mark{Index: index - 1, Time: clock}
	}
	for i := range benchMeasures {
		item := fmt.Sprintf("M%03d", i)
		l.talks.versions[item] = 0
		p := &measures.PlanMeasure{Item: item, Version: 1}
		for k := range benchTranches {
			dueAt := clock.Add(time.Duration(k+1) * 24 * time.Hour).Format(time.RFC3339)
			g, o := fmt.Sprintf("%s.t%d.gov", item, k), fmt.Sprintf("%s.t%d.opp", item, k)
			var after []string
			if k > 0 {
				after = []string{fmt.Sprintf("%s.t%d.gov", item, k-1)}
			}
			p.Steps = append(p.Steps,
				measures.Step{ID: g, Party: "gov", Action: "release detainees", Quantity: 50, Unit: "detainees", Due: dueAt, After: after, Verifier: neutral, Annex: true},
				measures.Step{ID: o, Party: "opp", Action: "release detainees", Quantity: 50, Unit: "detainees", Due: dueAt, Together: []string{g}, Verifier: neutral, Annex: true})
		}
		l.plans = append(l.plans, benchAct{p, mediator, next()})
		l.agreed = append(l.agreed, next())
	}
	annexed := func(r *measures.ReportStep) *measures.ReportStep { r.Annex = annex(); return r }
	// Each measure's own sequence of acts: tranche by tranche, six rounds
	// over the two shares of the tranche.
	seqs := make([][]benchAct, benchMeasures)
	for i := range benchMeasures {
		for k := range benchTranches {
			for round := range 6 {
				for side, party := range []string{"gov", "opp"} {
					id := fmt.Sprintf("M%03d.t%d.%s", i, k, party)
					by := govDel
					if party == "opp" {
						by = oppHead
					}
					disputePath := (i+side)%2 == 0
					var act measures.Act
					switch {
					case disputePath && round == 0:
						act = annexed(&measures.ReportStep{Step: id, Party: party, Quantity: 50})
					case disputePath && round == 1:
						act, by = verify(id, measures.Disputed, 43, "7 of those listed were not released"), neutral
					case round == 2:
						act = annexed(&measures.ReportStep{Step: id, Party: party, Quantity: 43})
					case round == 3:
						act, by = verify(id, measures.Partial, 43, ""), neutral
					case round == 4:
						act = annexed(&measures.ReportStep{Step: id, Party: party, Quantity: 50})
					case round == 5:
						act, by = verify(id, measures.Confirmed, 50, ""), neutral
					default:
						continue
					}
					seqs[i] = append(seqs[i], benchAct{act: act, by: by})
				}
			}
		}
	}
	// The measures start one after the other and then take turns, one act
	// each, so that half way they stand at every stage.
	for tick := 0; len(l.acts) < benchMeasures*benchTranches*10; tick++ {
		for i := range min(tick+1, benchMeasures) {
			if k := tick - i; k < len(seqs[i]) {
				a := seqs[i][k]
				a.m = next()
				l.acts = append(l.acts, a)
			}
		}
	}
	return l
}

// build applies the whole log to a new Book.
func (l *benchLog) build(tb tb) *measures.Book {
	b := measures.NewBook()
	t := *l.talks
	t.versions = map[string]int{}
	for k, v := range l.talks.versions {
		t.versions[k] = v
	}
	for i, p := range l.plans {
		if err := b.Apply(&t, p.act, p.by, p.m); err != nil {
			tb.Fatal(err)
		}
		t.versions[p.act.(*measures.PlanMeasure).Item]++
		if err := b.SetAgreed(p.act.(*measures.PlanMeasure).Item, true, l.agreed[i]); err != nil {
			tb.Fatal(err)
		}
	}
	for _, a := range l.acts {
		if err := b.Apply(&t, a.act, a.by, a.m); err != nil {
			tb.Fatalf("act at %d: %v", a.m.Index, err)
		}
	}
	return b
}

var bench struct {
	once sync.Once
	log  *benchLog
	book *measures.Book
}

func benchBook(b *testing.B) (*benchLog, *measures.Book) {
	bench.once.Do(func() {
		bench.log = makeBenchLog()
		bench.book = bench.log.build(b)
	})
	if bench.book == nil {
		b.Fatal("the benchmark's book could not be built")
	}
	return bench.log, bench.book
}

func TestBenchLog(t *testing.T) {
	l := makeBenchLog()
	if len(l.acts) != 10000 {
		t.Fatalf("%d reports and findings, want 10,000", len(l.acts))
	}
	b := l.build(t)
	end := measures.At(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC))
	if got := len(b.Done(end)); got != benchMeasures*benchTranches*2 {
		t.Errorf("%d steps done at the end, want every one", got)
	}
	mid := l.acts[len(l.acts)/2].m
	count := map[string]int{}
	for _, ms := range b.Statuses(mid) {
		for _, s := range ms.Steps {
			count[s.Status]++
		}
	}
	for _, s := range []string{measures.StatusDone, measures.StatusConfirmed, measures.StatusReported, measures.StatusPartial,
		measures.StatusDisputed, measures.StatusDue, measures.StatusOverdue, measures.StatusWaiting} {
		if count[s] == 0 {
			t.Errorf("half way no step is %s: the statuses are %v; want a mix", s, count)
		}
	}
	t.Logf("half way: %v", count)
}

// BenchmarkApply builds the Book: 100 plans and agreements, then 10,000
// reports and findings, each checked against the plan and applied.
func BenchmarkApply(b *testing.B) {
	l := makeBenchLog()
	b.ReportAllocs()
	cpu0 := measure.CPUTime()
	for b.Loop() {
		l.build(b)
	}
	cpu(b, cpu0)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(l.acts)+2*len(l.plans)), "ns/act")
}

// BenchmarkStatuses computes the status of every step of every measure, as
// of half way through the log and as of the end.
func BenchmarkStatuses(b *testing.B) {
	l, book := benchBook(b)
	for _, c := range []struct {
		name string
		at   measures.Mark
	}{
		{"halfway", l.acts[len(l.acts)/2].m},
		{"end", measures.At(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC))},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := measure.CPUTime()
			for b.Loop() {
				if n := len(book.Statuses(c.at)); n != benchMeasures {
					b.Fatalf("%d measures", n)
				}
			}
			cpu(b, cpu0)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(benchMeasures*benchTranches*2), "ns/step")
		})
	}
}

// BenchmarkRecords computes every party's record, half way.
func BenchmarkRecords(b *testing.B) {
	l, book := benchBook(b)
	at := l.acts[len(l.acts)/2].m
	b.ReportAllocs()
	cpu0 := measure.CPUTime()
	for b.Loop() {
		book.Records(at)
	}
	cpu(b, cpu0)
}

// BenchmarkDone lists the steps done, half way: the done(STEP) atoms the
// agreement engine reads.
func BenchmarkDone(b *testing.B) {
	l, book := benchBook(b)
	at := l.acts[len(l.acts)/2].m
	b.ReportAllocs()
	cpu0 := measure.CPUTime()
	for b.Loop() {
		book.Done(at)
	}
	cpu(b, cpu0)
}

// BenchmarkMeasure computes one measure's implementation view, half way.
func BenchmarkMeasure(b *testing.B) {
	l, book := benchBook(b)
	at := l.acts[len(l.acts)/2].m
	b.ReportAllocs()
	cpu0 := measure.CPUTime()
	for b.Loop() {
		book.Measure("M050", at)
	}
	cpu(b, cpu0)
}

// cpu reports the CPU time of the process per operation since cpu0, which
// moves less than wall time with the load of a shared machine.
func cpu(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((measure.CPUTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

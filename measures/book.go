package measures

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
)

// Talks is what a Book needs to know of the talks to check an act, as the
// talks stands at the act's place in the log. Package state implements it
// over its roster and items.
type Talks interface {
	// HasParty reports whether id names a party of the talks.
	HasParty(id string) bool
	// Actor returns the role and party of the actor with the key, and
	// false if the key is not on the roster or was revoked.
	Actor(key string) (role, party string, ok bool)
	// Measure returns how many versions the item has (its texts and its
	// plans, which share one numbering), and false if no item of kind
	// measure has the id.
	Measure(item string) (versions int, ok bool)
}

// A Mark is a point of the record: a log index, and a time. Applied, it is
// the place and the signer's time of an act. Asked of, it reads "as of":
// the acts at indexes up to Index count, and Time is the clock by which
// steps are due or overdue; it is the time of the event at Index for a view
// of the past, or now.
type Mark struct {
	Index int64     `json:"index"`
	Time  time.Time `json:"time"`
}

// At returns the mark of everything recorded, as of the clock t.
func At(t time.Time) Mark { return Mark{Index: math.MaxInt64, Time: t} }

// An Act is a plan, a report or a finding: *PlanMeasure, *ReportStep or
// *VerifyStep.
type Act interface {
	Kind() string
}

// An Entry is a report or a finding on a step, as the Book keeps it. It
// says whether the act carried an annex, never what the annex holds.
type Entry struct {
	Act      string    `json:"act"` // KindReportStep or KindVerifyStep
	Index    int64     `json:"index"`
	Time     time.Time `json:"time"`
	By       string    `json:"by"` // the signer's key
	Quantity int64     `json:"quantity,omitempty"`
	Verdict  string    `json:"verdict,omitempty"`
	Note     string    `json:"note,omitempty"` // a report's note, a finding's reason
	Annex    bool      `json:"annex,omitempty"`
}

// A Book is the state of the measures of one talks: their plans, the
// reports and the verifiers' findings on their steps, and whether each
// measure is in force, applied in log order. It answers as of any mark.
// It does no I/O; package state keeps one beside the rest of the talks.
//
// A Book is not safe for concurrent use; its queries may run concurrently
// with each other.
type Book struct {
	measures map[string]*measure
	order    []*measure          // by first plan
	steps    map[string]*stepLog // every step ever planned, by id
	last     int64               // the last index applied or told, -1 before any
	lastAct  int64               // the last index of an act, -1 before any
	done     []doneStep          // the steps done, in the order they became so
}

type doneStep struct {
	id    string
	index int64
}

type measure struct {
	id       string
	versions []*version
	agreed   []transition // changes only, in log order
}

type transition struct {
	agreed bool
	at     Mark
}

// A version is one plan of a measure, checked and indexed.
type version struct {
	plan  *PlanMeasure
	at    Mark
	by    string
	steps []*stepDef // in plan order
	byID  map[string]*stepDef
}

type stepDef struct {
	Step
	due   time.Time
	group []string // the steps of its exchange, itself included, in plan order; nil alone
	after []string // what it waits for: the After of every step of its exchange, once each
	since Mark     // the first of the versions up to this one that all hold it
}

// members returns the steps of d's exchange, or d alone.
func (d *stepDef) members() []string {
	if d.group != nil {
		return d.group
	}
	return []string{d.ID}
}

type stepLog struct {
	measure string
	party   string // the obliged party of its first report, "" before
	entries []Entry
	done    Mark
	isDone  bool
}

// count returns how many entries are at indexes up to i.
func (l *stepLog) count(i int64) int {
	return sort.Search(len(l.entries), func(k int) bool { return l.entries[k].Index > i })
}

// latest returns the last report and the last finding among the first n
// entries.
func (l *stepLog) latest(n int) (rep, fin *Entry) {
	for k := n - 1; k >= 0 && (rep == nil || fin == nil); k-- {
		e := &l.entries[k]
		if e.Act == KindReportStep {
			if rep == nil {
				rep = e
			}
		} else if fin == nil {
			fin = e
		}
	}
	return rep, fin
}

func (l *stepLog) last() *Entry {
	if len(l.entries) == 0 {
		return nil
	}
	return &l.entries[len(l.entries)-1]
}

// pending reports whether the last entry is a report: it awaits a finding.
func (l *stepLog) pending() bool {
	e := l.last()
	return e != nil && e.Act == KindReportStep
}

// confirmed reports whether the last entry is a finding that confirms.
func (l *stepLog) confirmed() bool {
	e := l.last()
	return e != nil && e.Verdict == Confirmed
}

func (l *stepLog) doneBy(i int64) bool { return l.isDone && l.done.Index <= i }

// NewBook returns a Book with nothing recorded.
func NewBook() *Book {
	return &Book{measures: map[string]*measure{}, steps: map[string]*stepLog{}, last: -1, lastAct: -1}
}

// Apply checks an act signed by the actor with key by, recorded at m, and
// applies it. On error the Book is unchanged.
func (b *Book) Apply(t Talks, act Act, by string, m Mark) error {
	apply, err := b.Check(t, act, by, m)
	if err != nil {
		return err
	}
	apply()
	return nil
}

// Check checks an act signed by the actor with key by, to be recorded at
// m, and returns the change to make. The change must be made at once,
// before anything else is applied to the Book. The Book keeps its own
// copy of the act.
func (b *Book) Check(t Talks, act Act, by string, m Mark) (func(), error) {
	if m.Index < 0 || m.Index < b.last || m.Index <= b.lastAct {
		return nil, parley.Errorf(parley.EINTERNAL, "measures: an act at index %d after index %d; apply acts in log order", m.Index, max(b.last, b.lastAct))
	}
	if t == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "measures: an act checked without the talks")
	}
	switch a := act.(type) {
	case *PlanMeasure:
		if a != nil {
			return b.checkPlan(t, a, by, m)
		}
	case *ReportStep:
		if a != nil {
			return b.checkReport(t, a, by, m)
		}
	case *VerifyStep:
		if a != nil {
			return b.checkVerification(t, a, by, m)
		}
	}
	return nil, parley.Errorf(parley.EINTERNAL, "measures: %T is not an act of measures", act)
}

// SetAgreed records whether a measure is agreed from m on, as the agreement
// engine computed it after the event at m.Index: a measure is in force
// while it is agreed. Telling it what it already holds changes nothing.
func (b *Book) SetAgreed(item string, agreed bool, m Mark) error {
	if m.Index < 0 || m.Index < b.last {
		return parley.Errorf(parley.EINTERNAL, "measures: an agreement at index %d after index %d; tell it in log order", m.Index, b.last)
	}
	ms := b.measures[item]
	if ms == nil {
		ms = &measure{id: item}
		b.measures[item] = ms
	}
	if n := len(ms.agreed); (n == 0 && !agreed) || (n > 0 && ms.agreed[n-1].agreed == agreed) {
		return nil
	}
	ms.agreed = append(ms.agreed, transition{agreed, m})
	b.last = m.Index
	return nil
}

// current returns the step's definition in its measure's latest plan, or
// nil if no plan holds it now.
func (b *Book) current(id string) *stepDef {
	l := b.steps[id]
	if l == nil {
		return nil
	}
	ms := b.measures[l.measure]
	if len(ms.versions) == 0 {
		return nil
	}
	return ms.versions[len(ms.versions)-1].byID[id]
}

func (ms *measure) latest() *version {
	if ms == nil || len(ms.versions) == 0 {
		return nil
	}
	return ms.versions[len(ms.versions)-1]
}

// versionAt returns the plan in force at index i, or nil.
func (ms *measure) versionAt(i int64) *version {
	k := sort.Search(len(ms.versions), func(k int) bool { return ms.versions[k].at.Index > i })
	if k == 0 {
		return nil
	}
	return ms.versions[k-1]
}

// forceAt returns whether the measure is agreed at index i, and the time of
// the last change of that (zero if it never was agreed).
func (ms *measure) forceAt(i int64) (bool, time.Time) {
	k := sort.Search(len(ms.agreed), func(k int) bool { return ms.agreed[k].at.Index > i })
	if k == 0 {
		return false, time.Time{}
	}
	return ms.agreed[k-1].agreed, ms.agreed[k-1].at.Time
}

func (b *Book) checkPlan(t Talks, p *PlanMeasure, by string, m Mark) (func(), error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if role, _, ok := t.Actor(by); !ok || role != parley.RoleMediator {
		return nil, parley.Errorf(parley.EFORBIDDEN, "%s may be signed only by a mediator: the mediator tables the plan of a measure", KindPlanMeasure)
	}
	n, ok := t.Measure(p.Item)
	if !ok {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field %q: no measure %q; add it to the agenda as an item of kind measure first", "item", p.Item)
	}
	if p.Version != n+1 {
		return nil, parley.Errorf(parley.ECONFLICT, "payload field %q: the next version of %q is %d, not %d", "version", p.Item, n+1, p.Version)
	}
	ms := b.measures[p.Item]
	prev := ms.latest()
	if prev != nil && m.Time.Before(prev.at.Time) {
		return nil, parley.Errorf(parley.EINVALID, "event field \"time\": %s is before version %d of the plan of %q (%s); check the signer's clock", stamp(m.Time), prev.plan.Version, p.Item, stamp(prev.at.Time))
	}
	at := make(map[string]int, len(p.Steps))
	parties := map[string]bool{}
	for i, s := range p.Steps {
		at[s.ID] = i
		parties[s.Party] = true
	}
	groups, err := p.Exchanges()
	if err != nil {
		return nil, err
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		f := "steps[" + strconv.Itoa(i) + "]"
		if !t.HasParty(s.Party) {
			return nil, parley.Errorf(parley.ENOTFOUND, "payload field %q: %q is not a party of the talks", f+".party", s.Party)
		}
		role, party, ok := t.Actor(s.Verifier)
		switch {
		case !ok:
			return nil, parley.Errorf(parley.ENOTFOUND, "payload field %q: no actor on the roster has the key %s (or it was revoked); add the verifier to the roster first", f+".verifier", short(s.Verifier))
		case role != parley.RoleVerifier:
			return nil, parley.Errorf(parley.EINVALID, "payload field %q: the actor %s is %s, not a verifier; name an actor with the role verifier", f+".verifier", short(s.Verifier), describe(role, party))
		case party != "" && parties[party]:
			return nil, parley.Errorf(parley.EINVALID, "payload field %q: the verifier %s belongs to %q, a party this plan obliges; a verifier is neutral", f+".verifier", short(s.Verifier), party)
		}
		if l := b.steps[s.ID]; l != nil && l.measure != p.Item {
			return nil, parley.Errorf(parley.ECONFLICT, "payload field %q: %q is a step of measure %q; step ids are unique across the talks, so that done(%s) names one step: pick another", f+".id", s.ID, l.measure, s.ID)
		}
		var old *stepDef
		if prev != nil {
			old = prev.byID[s.ID]
		}
		if due, _ := parseDue("", s.Due); (old == nil || old.Due != s.Due) && due.Before(m.Time) {
			return nil, parley.Errorf(parley.EINVALID, "payload field %q: %s is before the plan (%s); a step cannot be due before it is planned", f+".due", s.Due, stamp(m.Time))
		}
		for k, a := range s.After {
			if _, ok := at[a]; !ok && b.current(a) == nil {
				return nil, parley.Errorf(parley.ENOTFOUND, "payload field %q: no step %q in this plan or in the plan of another measure", f+".after["+strconv.Itoa(k)+"]", a)
			}
		}
		if err := b.checkRevision(f, s, groups[s.ID], old); err != nil {
			return nil, err
		}
	}
	if prev != nil {
		for _, d := range prev.steps {
			if _, ok := at[d.ID]; ok {
				continue
			}
			l := b.steps[d.ID]
			switch {
			case l.isDone:
				return nil, parley.Errorf(parley.ECONFLICT, "payload field %q: step %q is done; a revised plan keeps every step that is done, as it was", "steps", d.ID)
			case l.pending():
				return nil, parley.Errorf(parley.ECONFLICT, "payload field %q: step %q was reported and awaits its verifier's finding; keep it until the verifier has spoken", "steps", d.ID)
			case l.confirmed():
				return nil, parley.Errorf(parley.ECONFLICT, "payload field %q: step %q was confirmed by its verifier and awaits the rest of its exchange; keep it", "steps", d.ID)
			}
			if w, wm := b.waitsFor(d.ID, p.Item); w != "" {
				return nil, parley.Errorf(parley.ECONFLICT, "payload field %q: step %q of measure %q waits for step %q; keep it, or revise the plan of %q first", "steps", w, wm, d.ID, wm)
			}
		}
	}
	if err := b.checkCycles(p, at, groups); err != nil {
		return nil, err
	}
	v := &version{plan: clonePlan(p), at: m, by: by, byID: make(map[string]*stepDef, len(p.Steps))}
	for i := range v.plan.Steps {
		s := v.plan.Steps[i]
		d := &stepDef{Step: s, since: m}
		d.due, _ = parseDue("", s.Due)
		if g := groups[s.ID]; g != nil {
			d.group = g
		}
		if prev != nil {
			if old := prev.byID[s.ID]; old != nil {
				d.since = old.since
			}
		}
		v.steps = append(v.steps, d)
		v.byID[s.ID] = d
	}
	for _, d := range v.steps {
		var after []string
		for _, id := range d.members() {
			for _, a := range v.plan.Steps[at[id]].After {
				if !slices.Contains(after, a) {
					after = append(after, a)
				}
			}
		}
		d.after = after
	}
	return func() {
		if ms == nil {
			ms = &measure{id: p.Item}
			b.measures[p.Item] = ms
		}
		if len(ms.versions) == 0 {
			b.order = append(b.order, ms)
		}
		ms.versions = append(ms.versions, v)
		for _, d := range v.steps {
			if b.steps[d.ID] == nil {
				b.steps[d.ID] = &stepLog{measure: p.Item}
			}
		}
		// A revision that changes an exchange can complete it.
		for _, d := range v.steps {
			b.markDone(d, m)
		}
		b.last, b.lastAct = m.Index, m.Index
	}, nil
}

// checkRevision checks what a plan may change of a step that has reports
// or findings: a step that is done stays as it was; a step whose report
// awaits its verifier, or whose share of an exchange is confirmed, keeps
// what the report was about (its party, action, quantity, unit, verifier
// and annex); any step once reported keeps its party.
func (b *Book) checkRevision(f string, s *Step, group []string, old *stepDef) error {
	l := b.steps[s.ID]
	if l == nil || (len(l.entries) == 0 && !l.isDone) {
		return nil
	}
	if l.isDone {
		if old == nil || !sameStep(old.Step, *s) || !sameSet(old.group, group) {
			return parley.Errorf(parley.ECONFLICT, "payload field %q: step %q is done; a revised plan keeps it as it was, exchange included", f, s.ID)
		}
		return nil
	}
	if l.pending() || l.confirmed() {
		if old == nil {
			return parley.Errorf(parley.EINTERNAL, "payload field %q: step %q has a report or a finding but is in no plan", f, s.ID)
		}
		for _, c := range []struct {
			field string
			same  bool
		}{
			{"party", old.Party == s.Party},
			{"action", old.Action == s.Action},
			{"quantity", old.Quantity == s.Quantity},
			{"unit", old.Unit == s.Unit},
			{"verifier", old.Verifier == s.Verifier},
			{"annex", old.Annex == s.Annex},
		} {
			switch {
			case c.same:
			case l.confirmed():
				return parley.Errorf(parley.ECONFLICT, "payload field %q: step %q was confirmed by its verifier and awaits the rest of its exchange; its party, action, quantity, unit, verifier and annex stay as they were", f+"."+c.field, s.ID)
			default:
				return parley.Errorf(parley.ECONFLICT, "payload field %q: step %q was reported and awaits its verifier's finding; its party, action, quantity, unit, verifier and annex stay as they were until the verifier has spoken", f+"."+c.field, s.ID)
			}
		}
	}
	if l.party != "" && l.party != s.Party {
		return parley.Errorf(parley.ECONFLICT, "payload field %q: step %q was reported by %q and stays %q's; plan another step for %q", f+".party", s.ID, l.party, l.party, s.Party)
	}
	return nil
}

func sameStep(a, b Step) bool {
	return a.ID == b.ID && a.Party == b.Party && a.Action == b.Action && a.Quantity == b.Quantity &&
		a.Unit == b.Unit && a.Due == b.Due && sameSet(a.After, b.After) &&
		sameSet(a.Together, b.Together) && a.Verifier == b.Verifier && a.Annex == b.Annex
}

// sameSet reports whether two lists of ids hold the same ids.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// waitsFor returns a step of a measure other than item whose current plan
// waits for step id, and that measure.
func (b *Book) waitsFor(id, item string) (string, string) {
	for _, ms := range b.order {
		if ms.id == item {
			continue
		}
		for _, d := range ms.latest().steps {
			if slices.Contains(d.After, id) {
				return d.ID, ms.id
			}
		}
	}
	return "", ""
}

// checkCycles refuses a plan that makes a step wait for itself, directly or
// through other steps of any measure. The steps of an exchange are carried
// out together, so they count as one: a step that waits for a step of the
// exchange that waits for it makes a cycle too.
func (b *Book) checkCycles(p *PlanMeasure, at map[string]int, groups map[string][]string) error {
	// An exchange stands as its first step; membersOf(id)[0] names the
	// node of id.
	inPlan := func(id string) bool { _, ok := at[id]; return ok }
	afterOf := func(id string) []string {
		if inPlan(id) {
			return p.Steps[at[id]].After
		}
		if d := b.current(id); d != nil {
			return d.After
		}
		return nil
	}
	membersOf := func(id string) []string {
		if inPlan(id) {
			if g := groups[id]; g != nil {
				return g
			}
			return []string{id}
		}
		if d := b.current(id); d != nil {
			return d.members()
		}
		return []string{id}
	}
	type frame struct {
		node  string
		edges []edge
		next  int
	}
	edgesOf := func(node string) []edge {
		var es []edge
		for _, x := range membersOf(node) {
			for _, y := range afterOf(x) {
				es = append(es, edge{x, y})
			}
		}
		return es
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	for _, s := range p.Steps {
		start := membersOf(s.ID)[0]
		if color[start] != white {
			continue
		}
		stack := []frame{{node: start, edges: edgesOf(start)}}
		color[start] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(top.edges) {
				color[top.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			e := top.edges[top.next]
			top.next++
			to := membersOf(e.to)[0]
			switch color[to] {
			case white:
				color[to] = grey
				stack = append(stack, frame{node: to, edges: edgesOf(to)})
			case grey:
				k := len(stack) - 1
				for stack[k].node != to {
					k--
				}
				var path []edge
				for _, fr := range stack[k:] {
					path = append(path, fr.edges[fr.next-1])
				}
				return cycleError(p, at, path)
			}
		}
	}
	return nil
}

// An edge is a step waiting for another.
type edge struct{ from, to string }

// cycleError describes a cycle of edges, each from a step of the exchange
// the previous one reached.
func cycleError(p *PlanMeasure, at map[string]int, path []edge) error {
	var words []parley.Phrase
	field := ""
	for k, e := range path {
		if k > 0 && path[k-1].to != e.from {
			words = append(words, parley.Key("%s is exchanged together with %s", path[k-1].to, e.from))
		}
		words = append(words, parley.Key("%s waits for %s", e.from, e.to))
		if i, ok := at[e.from]; ok && field == "" {
			j := slices.Index(p.Steps[i].After, e.to)
			field = "steps[" + strconv.Itoa(i) + "].after[" + strconv.Itoa(j) + "]"
		}
	}
	if last := path[len(path)-1]; last.to != path[0].from {
		words = append(words, parley.Key("%s is exchanged together with %s", last.to, path[0].from))
	}
	if field == "" {
		field = "steps"
	}
	cycle := words[0]
	for _, w := range words[1:] {
		cycle = parley.Key("%[1]s, %[2]s", cycle, w)
	}
	return parley.Errorf(parley.EINVALID, "payload field %q: a cycle: %s; a step cannot wait for itself, directly or through others: take one of these out of \"after\"", field, cycle)
}

func (b *Book) checkReport(t Talks, r *ReportStep, by string, m Mark) (func(), error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	d, l, err := b.planned(r.Step)
	if err != nil {
		return nil, err
	}
	if r.Party != d.Party {
		return nil, parley.Errorf(parley.EFORBIDDEN, "payload field %q: step %q is %q's to report, not %q's", "party", d.ID, d.Party, r.Party)
	}
	role, party, ok := t.Actor(by)
	if !ok || (role != parley.RoleHead && role != parley.RoleDelegate) || party != d.Party {
		return nil, parley.Errorf(parley.EFORBIDDEN, "step %q is %q's to report: only %q's head or a delegate may report it; the signer %s is %s", d.ID, d.Party, d.Party, short(by), describe(role, party))
	}
	switch last := l.last(); {
	case l.isDone:
		return nil, parley.Errorf(parley.ECONFLICT, "step %q is done (verified %s); there is nothing more to report", d.ID, stamp(l.done.Time))
	case l.confirmed():
		return nil, parley.Errorf(parley.ECONFLICT, "step %q was confirmed by its verifier %s; the exchange waits for the other shares, not for a new report", d.ID, stamp(last.Time))
	case l.pending():
		return nil, parley.Errorf(parley.ECONFLICT, "step %q was reported %s and awaits its verifier's finding; report it again only after the verifier disputes it or confirms it in part", d.ID, stamp(last.Time))
	}
	switch {
	case d.Quantity > 0 && r.Quantity == 0:
		return nil, parley.Errorf(parley.EINVALID, "payload field %q: step %q is of %d %s; give the quantity done in all, 1 to %d", "quantity", d.ID, d.Quantity, d.Unit, d.Quantity)
	case d.Quantity > 0 && r.Quantity > d.Quantity:
		return nil, parley.Errorf(parley.EINVALID, "payload field %q: %d is more than the %d %s the plan calls for in step %q; report at most %d", "quantity", r.Quantity, d.Quantity, d.Unit, d.ID, d.Quantity)
	case d.Quantity == 0 && r.Quantity != 0:
		return nil, parley.Errorf(parley.EINVALID, "payload field %q: step %q is not counted; leave the quantity out", "quantity", d.ID)
	}
	switch has := r.HasAnnex(); {
	case d.Annex && !has:
		return nil, parley.Errorf(parley.EINVALID, "payload field %q: step %q calls for a confidential annex (such as the list of persons), sealed to the parties of measure %q and the step's verifier; attach it", "annex", d.ID, l.measure)
	case !d.Annex && has:
		return nil, parley.Errorf(parley.EINVALID, "payload field %q: step %q calls for no annex; leave it out", "annex", d.ID)
	}
	if err := b.notBefore(d, l, m); err != nil {
		return nil, err
	}
	e := Entry{Act: KindReportStep, Index: m.Index, Time: m.Time, By: by, Quantity: r.Quantity, Note: r.Note, Annex: r.HasAnnex()}
	return func() {
		l.entries = append(l.entries, e)
		if l.party == "" {
			l.party = d.Party
		}
		b.last, b.lastAct = m.Index, m.Index
	}, nil
}

func (b *Book) checkVerification(t Talks, v *VerifyStep, by string, m Mark) (func(), error) {
	if err := v.Check(); err != nil {
		return nil, err
	}
	d, l, err := b.planned(v.Step)
	if err != nil {
		return nil, err
	}
	if by != d.Verifier {
		role, party, _ := t.Actor(by)
		return nil, parley.Errorf(parley.EFORBIDDEN, "only the verifier of step %q, %s, may verify it; the signer %s is %s", d.ID, short(d.Verifier), short(by), describe(role, party))
	}
	if role, _, ok := t.Actor(by); !ok || role != parley.RoleVerifier {
		return nil, parley.Errorf(parley.EFORBIDDEN, "the verifier of step %q, %s, is no longer a verifier on the roster; a mediator names another in a revised plan", d.ID, short(by))
	}
	if !l.pending() {
		if l.isDone {
			return nil, parley.Errorf(parley.ECONFLICT, "step %q is done (verified %s); there is no report left to verify", d.ID, stamp(l.done.Time))
		}
		return nil, parley.Errorf(parley.ECONFLICT, "step %q has no report awaiting a finding: a verifier verifies what the obliged party reports", d.ID)
	}
	rep := l.last()
	q := v.Quantity
	if d.Quantity == 0 {
		if v.Verdict == Partial {
			return nil, parley.Errorf(parley.EINVALID, "payload field %q: step %q is not counted and cannot be confirmed in part; confirm it or dispute it", "verdict", d.ID)
		}
		if q != 0 {
			return nil, parley.Errorf(parley.EINVALID, "payload field %q: step %q is not counted; leave the quantity out", "quantity", d.ID)
		}
	} else {
		if q > rep.Quantity {
			return nil, parley.Errorf(parley.EINVALID, "payload field %q: %d is more than the %d reported; a verifier verifies at most what was reported", "quantity", q, rep.Quantity)
		}
		switch v.Verdict {
		case Confirmed:
			switch {
			case q == 0:
				return nil, parley.Errorf(parley.EINVALID, "payload field %q: give the quantity verified, %d as reported", "quantity", rep.Quantity)
			case q < rep.Quantity:
				return nil, parley.Errorf(parley.EINVALID, "payload field %q: %d is less than the %d reported; confirm in part (verdict partial) or dispute the report", "quantity", q, rep.Quantity)
			case rep.Quantity < d.Quantity:
				return nil, parley.Errorf(parley.EINVALID, "payload field %q: the report is of %d of the %d %s planned; confirm it in part (verdict partial)", "verdict", rep.Quantity, d.Quantity, d.Unit)
			}
		case Partial:
			switch {
			case q == 0:
				return nil, parley.Errorf(parley.EINVALID, "payload field %q: give the quantity verified, 1 to %d; with none verified, dispute the report", "quantity", min(rep.Quantity, d.Quantity-1))
			case q >= d.Quantity:
				return nil, parley.Errorf(parley.EINVALID, "payload field %q: %d is the whole of step %q; confirm it (verdict confirmed)", "quantity", q, d.ID)
			}
		}
	}
	if m.Time.Before(rep.Time) {
		return nil, parley.Errorf(parley.EINVALID, "event field \"time\": %s is before the report it verifies (%s); check the signer's clock", stamp(m.Time), stamp(rep.Time))
	}
	e := Entry{Act: KindVerifyStep, Index: m.Index, Time: m.Time, By: by, Quantity: q, Verdict: v.Verdict, Note: v.Reason, Annex: v.HasAnnex()}
	return func() {
		l.entries = append(l.entries, e)
		b.markDone(d, m)
		b.last, b.lastAct = m.Index, m.Index
	}, nil
}

// planned returns a step of a current plan and its log.
func (b *Book) planned(id string) (*stepDef, *stepLog, error) {
	l := b.steps[id]
	if l == nil {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "payload field %q: no step %q in the plan of any measure", "step", id)
	}
	d := b.current(id)
	if d == nil {
		ms := b.measures[l.measure]
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "payload field %q: step %q is no longer in the plan of measure %q (version %d)", "step", id, l.measure, ms.latest().plan.Version)
	}
	return d, l, nil
}

// notBefore refuses a report dated before the plan that holds its step or
// before the last finding on it.
func (b *Book) notBefore(d *stepDef, l *stepLog, m Mark) error {
	v := b.measures[l.measure].latest()
	if m.Time.Before(v.at.Time) {
		return parley.Errorf(parley.EINVALID, "event field \"time\": %s is before the plan that holds step %q (%s); check the signer's clock", stamp(m.Time), d.ID, stamp(v.at.Time))
	}
	if e := l.last(); e != nil && m.Time.Before(e.Time) {
		return parley.Errorf(parley.EINVALID, "event field \"time\": %s is before the last finding on step %q (%s); check the signer's clock", stamp(m.Time), d.ID, stamp(e.Time))
	}
	return nil
}

// markDone marks d's exchange done at m if every share of it is confirmed.
func (b *Book) markDone(d *stepDef, m Mark) {
	if b.steps[d.ID].isDone {
		return
	}
	for _, id := range d.members() {
		if !b.steps[id].confirmed() {
			return
		}
	}
	for _, id := range d.members() {
		l := b.steps[id]
		l.isDone, l.done = true, m
		b.done = append(b.done, doneStep{id, m.Index})
	}
}

func clonePlan(p *PlanMeasure) *PlanMeasure {
	c := *p
	c.Steps = make([]Step, len(p.Steps))
	for i, s := range p.Steps {
		s.After = slices.Clone(s.After)
		s.Together = slices.Clone(s.Together)
		c.Steps[i] = s
	}
	return &c
}

// short returns the start of a key, for messages.
func short(key string) any {
	if len(key) > 12 {
		return key[:12] + "…"
	}
	if key == "" {
		return parley.Key("(no key)")
	}
	return key
}

// describe says what an actor is, for messages.
func describe(role, party string) parley.Phrase {
	switch {
	case role == "":
		return parley.Key("not on the roster")
	case party != "" && role == parley.RoleHead:
		return parley.Key("a head of %q", party)
	case party != "" && role == parley.RoleDelegate:
		return parley.Key("a delegate of %q", party)
	case party != "" && role == parley.RoleObserver:
		return parley.Key("an observer of %q", party)
	case party != "" && role == parley.RoleVerifier:
		return parley.Key("a verifier of %q", party)
	case party != "":
		return parley.Key("a %s of %q", role, party)
	case role == parley.RoleConvener:
		return parley.Key("a convener")
	case role == parley.RoleMediator:
		return parley.Key("a mediator")
	case role == parley.RoleObserver:
		return parley.Key("an observer")
	case role == parley.RoleVerifier:
		return parley.Key("a verifier")
	}
	return parley.Key("a %s", role)
}

func stamp(t time.Time) string { return t.Format(time.RFC3339) }

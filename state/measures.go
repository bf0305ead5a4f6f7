package state

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/measures"
)

// The room of measures carried out (docs/MEASURES.md): the plans of
// measures, the parties' reports and the verifiers' findings, kept in a
// measures.Book, which checks them and computes the statuses; the
// confidential annexes of reports and findings, sealed to the parties the
// plan obliges and the step's verifier (checked here, as a caucus message
// is); and whether each measure is in force, which the Book is told after
// every event that can change what is agreed.
//
// The acts of measures take the talks' default visibility: every viewer
// who sees the talks sees one record of what was done, and what must stay
// confidential travels sealed. A plan is a version of its measure, as a
// text is of a document (Version.Plan), so that stances name it.

func init() {
	on(parley.KindPlanMeasure, (*Talks).planMeasure)
	on(parley.KindReportStep, (*Talks).reportStep)
	on(parley.KindVerifyStep, (*Talks).verifyStep)
}

// Measures returns the book of the talks' measures: their plans, reports
// and findings, which answer as of any mark. It is the state's own: read
// it under the talks' lock, or from a state nothing applies events to.
func (t *Talks) Measures() *measures.Book { return t.book }

// bookTalks is the talks as its Book sees it: the roster and the items.
type bookTalks struct{ t *Talks }

func (b bookTalks) HasParty(id string) bool { return b.t.Roster.Parties[id] != "" }

func (b bookTalks) Actor(key string) (string, string, bool) {
	a := b.t.Roster.Actors[key]
	if a == nil || a.Revoked {
		return "", "", false
	}
	return a.Role, a.Party, true
}

func (b bookTalks) Measure(item string) (int, bool) {
	it := b.t.items[item]
	if it == nil || it.Kind != parley.ItemMeasure {
		return 0, false
	}
	return len(it.Versions), true
}

// mark returns the place and time of an act, as a Book takes them.
func (c act) mark() measures.Mark { return measures.Mark{Index: c.index, Time: c.at} }

// measureVis refuses a visibility on an act of measures: it takes the
// talks' default, so that all who see the talks read one record.
func measureVis(c act) error {
	if c.e.Vis != "" {
		return parley.Errorf(parley.EINVALID, "event field \"vis\": the acts of measures carried out are seen by all who see the talks, so that everyone reads one record of what was done; leave \"vis\" out, and put what must stay confidential in a sealed annex")
	}
	return nil
}

func (t *Talks) planMeasure(c act, p *parley.PlanMeasure) (func(), error) {
	if err := measureVis(c); err != nil {
		return nil, err
	}
	it := t.items[p.Item]
	if it != nil && it.Kind == parley.ItemMeasure {
		if v := t.vis[it.Added]; v != parley.VisPublic && v != t.Visibility {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"item\": measure %q was put on the agenda for %s only, and the record of a measure carried out is seen by all who see the talks; plan a measure that they all see", p.Item, v)
		}
	}
	apply, err := t.book.Check(bookTalks{t}, p, c.by, c.mark())
	if err != nil {
		return nil, err
	}
	return func() {
		apply()
		it.Versions = append(it.Versions, &Version{N: p.Version, Plan: true, Note: p.Note, By: c.by, At: c.at, Index: c.index})
	}, nil
}

func (t *Talks) reportStep(c act, p *parley.ReportStep) (func(), error) {
	if err := measureVis(c); err != nil {
		return nil, err
	}
	apply, err := t.book.Check(bookTalks{t}, p, c.by, c.mark())
	if err != nil {
		return nil, err
	}
	keep, err := t.checkAnnex(c, p.Step, p.Annex)
	if err != nil {
		return nil, err
	}
	return func() { apply(); keep() }, nil
}

func (t *Talks) verifyStep(c act, p *parley.VerifyStep) (func(), error) {
	if err := measureVis(c); err != nil {
		return nil, err
	}
	apply, err := t.book.Check(bookTalks{t}, p, c.by, c.mark())
	if err != nil {
		return nil, err
	}
	keep, err := t.checkAnnex(c, p.Step, p.Annex)
	if err != nil {
		return nil, err
	}
	return func() { apply(); keep() }, nil
}

// checkAnnex checks the annex of a report or a finding on a step, if it
// carries one: sealed on the channel "step:STEP" to exactly the annex's
// recipients now (AnnexRecipients), each with its current encryption key.
// It returns what keeps the sealed payload for re-wraps.
func (t *Talks) checkAnnex(c act, step string, raw []byte) (func(), error) {
	if len(raw) == 0 || string(raw) == "null" {
		return func() {}, nil
	}
	required := t.AnnexRecipients(step)
	if len(required) == 0 {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"annex\": step %q has nobody to read an annex: the parties of its measure have no head or delegate on the roster", step)
	}
	s, err := t.Roster.checkSealedField(t.origin, c.e, "annex", parley.AnnexChannel(step), raw, required)
	if err != nil {
		return nil, err
	}
	return func() {
		t.keepSealed(c, s, required, func(r *Roster) []*Actor { return annexRecipients(r, t.book, step) })
	}, nil
}

// AnnexRecipients returns whom an annex on a step is sealed to now: the
// heads and delegates of the parties its measure's plan obliges, and the
// step's verifier, not revoked, in the order of their keys as written. The
// mediators and the convener are not among them: the lists of an
// exchange are the parties' and the verifier's.
func (t *Talks) AnnexRecipients(step string) []*Actor { return annexRecipients(t.Roster, t.book, step) }

func annexRecipients(r *Roster, b *measures.Book, step string) []*Actor {
	parties, verifier, ok := b.Audience(step, measures.At(time.Time{}))
	if !ok {
		return nil
	}
	return AnnexRecipientsAmong(slices.Collect(maps.Values(r.Actors)), parties, verifier)
}

// AnnexRecipientsAmong returns those of the actors of a roster that an
// annex on a step is sealed to, given the parties its measure obliges and
// its verifier (measures.Book.Audience), as Talks.AnnexRecipients.
func AnnexRecipientsAmong(actors []*Actor, parties []string, verifier string) []*Actor {
	var out []*Actor
	for _, a := range actors {
		switch {
		case a.Revoked:
		case a.Key == verifier && a.Role == parley.RoleVerifier:
			out = append(out, a)
		case (a.Role == parley.RoleHead || a.Role == parley.RoleDelegate) && slices.Contains(parties, a.Party):
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *Actor) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// checkStepNamed checks a done(ID) atom of a condition: it names a step
// that a measure's plan holds or held, which the signer may see.
func (t *Talks) checkStepNamed(signer Viewer, id string) error {
	m, ok := t.book.MeasureOf(id)
	if it := t.items[m]; !ok || it == nil || !t.VisibleAt(signer, it.Added) {
		return parley.Errorf(parley.ENOTFOUND, "payload field \"condition\": done(%s) names no step of a measure's plan; name a step as the plan gives it, such as done(M1.t1)", id)
	}
	return nil
}

// LastTime returns the signer's time of the last event applied: what the
// statuses of a view of the past are as of.
func (t *Talks) LastTime() time.Time { return t.lastAt }

// Done returns the steps done that the viewer sees done: those whose
// completion came from an event it may see. They are the done(ID) atoms
// of the viewer's agreement instance.
func (s Seen) Done() []string {
	b := s.t.book
	var out []string
	for _, id := range b.Done(measures.At(time.Time{})) {
		if m, ok := b.DoneAt(id); ok && s.Visible(m.Index) {
			out = append(out, id)
		}
	}
	return out
}

// trackMeasures tells the Book, after the event at index, whether each
// measure with a plan is agreed: a measure is in force while it is. The
// agreement is the one every event makes (Talks.Instance), followed by an
// agreement.Engine that a stance changes by one position and anything
// else rebuilds, and only once a measure has a plan. If the engine fails
// (a search past its bound), the measures keep the agreement they had.
func (t *Talks) trackMeasures(e *parley.Event, index int64) {
	t.lastAt = e.At()
	if !AffectsAgreement(e.Kind) || len(t.book.Measures()) == 0 {
		return
	}
	if t.agreeing == nil {
		t.agreeing = NewTracker()
	}
	p, _ := e.Act.(*parley.SetStance)
	if err := t.agreeing.update(t, e, p); err != nil {
		t.agreeing.engine = nil // rebuilt at the next event
		return
	}
	agreed, err := t.agreeing.engine.Agreed()
	if err != nil {
		return
	}
	m := measures.Mark{Index: index, Time: e.At()}
	for _, id := range t.book.Measures() {
		// SetAgreed fails only out of log order, which Apply rules out.
		_ = t.book.SetAgreed(id, slices.Contains(agreed, id), m)
	}
}

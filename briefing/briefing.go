// Package briefing writes the factual summary of a round from the record,
// as one viewer may see it and in the reader's language: who attended and
// who declined (with the reason), what was agreed, what gained and lost
// agreement and when, the stances changed between rounds, what stays open
// and who blocks it, and the public statements. Every fact names the log
// index of the event it comes from, so that a reader can check it against
// the signed record.
//
// A briefing reads the talks only through a view (package view) of its
// viewer: it cannot tell what that viewer may not see. It says every
// sentence through the printer of its language (package i18n), one whole
// key each; what the record holds (names, titles, reasons, statements) is
// quoted as it was signed.
package briefing

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// Load writes the briefing of a round of a talks, in the language of p,
// for the actor holding key ("" for the public). An empty round means the
// current one. hs, if not nil, keeps the histories it replays.
func Load(ctx context.Context, p *i18n.Printer, l *ledger.Ledger, hs *view.Histories, talks, key, round string) (string, error) {
	now, err := view.Load(ctx, l, talks, key, -1)
	if err != nil {
		return "", err
	}
	r, err := pick(now, round)
	if err != nil {
		return "", err
	}
	end := now
	if r.ClosedAt >= 0 && r.ClosedAt < now.Size-1 {
		if end, err = view.Load(ctx, l, talks, key, r.ClosedAt); err != nil {
			return "", err
		}
	}
	h, err := hs.Of(ctx, now, view.StoreSource(l, talks))
	if err != nil {
		return "", err
	}
	return Write(p, end, now, h, r.ID)
}

// FromEvents writes the briefing of a round, in the language of p, from a
// talks' events in log order, as the audience sees it (view.Audience). An
// empty round means the current one.
func FromEvents(p *i18n.Printer, talks string, events []*parley.Event, audience state.Viewer, round string) (string, error) {
	st := state.New(talks)
	for i, e := range events {
		if err := st.Apply(e, int64(i)); err != nil {
			return "", fmt.Errorf("replaying event %d: %w", i, err)
		}
	}
	visible := func(i int64) bool { return st.VisibleAt(audience, i) }
	now := view.New(st, audience, "", parley.Checkpoint{})
	r, err := pick(now, round)
	if err != nil {
		return "", err
	}
	end := now
	if r.ClosedAt >= 0 && r.ClosedAt < now.Size-1 {
		past := state.New(talks)
		for i, e := range events[:r.ClosedAt+1] {
			if err := past.Apply(e, int64(i)); err != nil {
				return "", fmt.Errorf("replaying event %d: %w", i, err)
			}
		}
		end = view.Past(past, audience, visible, "", parley.Checkpoint{}, st.Size)
	}
	var hs *view.Histories
	h, err := hs.Of(context.Background(), now, view.EventsSource(events))
	if err != nil {
		return "", err
	}
	return Write(p, end, now, h, r.ID)
}

// Round writes the briefing of a round, in the language of p, from a
// talks' events as the public sees it if the talks is public, else as its
// participants see it (not a party's own room): what may be circulated
// among them.
func Round(p *i18n.Printer, talks string, events []*parley.Event, round string) (string, error) {
	audience := "participants"
	if len(events) > 0 {
		if f, ok := events[0].Act.(*parley.FoundTalks); ok && f.Visibility == parley.VisPublic {
			audience = "public"
		}
	}
	v, err := view.Audience(audience)
	if err != nil {
		return "", err
	}
	return FromEvents(p, talks, events, v, round)
}

// pick returns the round named, or the current one.
func pick(t *view.Talks, round string) (*view.Round, error) {
	if round == "" {
		if r := t.CurrentRound(); r != nil {
			return r, nil
		}
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has had no round yet that %s may see; name one", t.ID, audienceName(t))
	}
	if r := t.Round(round); r != nil {
		return r, nil
	}
	return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no round %q", t.ID, round)
}

// audienceName names the viewer in English, for errors.
func audienceName(t *view.Talks) string {
	a := t.Viewer.Actor
	switch {
	case a == nil:
		return "anyone"
	case t.Chair():
		return "the mediators"
	case a.Party != "":
		return t.PartyName(a.Party) + " (" + a.Party + ")"
	}
	return "the participants"
}

// Write returns the Markdown briefing of a round as one viewer sees it,
// in the language of p. end is the viewer's view of the talks at the end
// of the round (at its closing event, or now while it is open); now is
// its view of now, from which the public statements about the round are
// drawn, since they are often made after it closes; h is its history of
// the agreement.
func Write(p *i18n.Printer, end, now *view.Talks, h *view.History, round string) (string, error) {
	// The titles in the briefing's language, where they have one.
	if p != nil {
		now.Localize(p.Code())
		end.Localize(p.Code())
	}
	r := end.Round(round)
	if r == nil {
		return "", parley.Errorf(parley.ENOTFOUND, "talks %q has no round %q", end.ID, round)
	}
	res, err := end.Evaluate()
	if err != nil {
		return "", err
	}
	w := &writer{t: end, now: now, r: r, h: h, p: p}
	// The body first, so that the header can say which events it cites.
	var body strings.Builder
	w.b = &body
	w.attendance()
	w.agreed(res)
	w.history()
	w.between()
	w.open(res)
	w.measures()
	w.statements()
	var out strings.Builder
	w.b = &out
	w.header()
	out.WriteString(body.String())
	return out.String(), nil
}

type writer struct {
	b     *strings.Builder
	t     *view.Talks // at the end of the round
	now   *view.Talks
	r     *view.Round
	h     *view.History
	p     *i18n.Printer // the reader's language
	cited []int64
}

// line writes a line of the briefing.
func (w *writer) line(s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

// heading writes a section's heading after a blank line, and a blank line.
func (w *writer) heading(title string) {
	w.b.WriteString("\n## " + title + "\n\n")
}

// ref cites the event at a log index: "[#12]". A log index is an
// identifier that parley verify and the pages name the same way in every
// language, so it keeps its ASCII digits.
func (w *writer) ref(i int64) string {
	w.cited = append(w.cited, i)
	return "[#" + strconv.FormatInt(i, 10) + "]"
}

// The viewers a briefing is written for, which its sentences name.
const (
	forAnyone = iota
	forMediators
	forParty
	forParticipants
)

func audience(t *view.Talks) int {
	a := t.Viewer.Actor
	switch {
	case a == nil:
		return forAnyone
	case t.Chair():
		return forMediators
	case a.Party != "":
		return forParty
	}
	return forParticipants
}

func (w *writer) header() {
	r, t, p := w.r, w.t, w.p
	w.line("# " + p.T("Briefing: %[1]s — %[2]s", t.Title, r.Title))
	w.line("")
	var head []string
	round := "`" + r.ID + "`"
	if r.Venue == "" {
		head = append(head, words.Sentence(p.T("Round %[1]s, venue not recorded, %[2]s to %[3]s", round, w.day(r.Starts), w.day(r.Ends))))
	} else {
		head = append(head, words.Sentence(p.T("Round %[1]s, %[2]s, %[3]s to %[4]s", round, r.Venue, w.day(r.Starts), w.day(r.Ends))))
	}
	// These sentences may end with a date, which ends with a full stop in
	// some languages ("10 апреля 2015 г."): words.Sentence adds none then.
	switch r.Status {
	case state.RoundClosed:
		head = append(head, words.Sentence(p.T("Closed on %s", w.when(r.Closed))))
		later := false
		for _, o := range w.now.Rounds {
			// A sandbox round is for practice, not a round of the talks.
			if o.Planned > w.r.Planned && !o.Sandbox {
				later = true
			}
		}
		if !later {
			head = append(head, p.T("No later round is planned in the record."))
		}
	case state.RoundOpen:
		head = append(head, p.T("Still open."))
	default:
		head = append(head, p.T("Planned, not yet opened."))
	}
	if chairs := w.chairs(); chairs != "" {
		head = append(head, chairs)
	}
	w.b.WriteString(strings.Join(head, " "))
	if r.Note != "" && r.ClosedAt >= 0 {
		w.b.WriteString("\n\n" + p.T("Closing note, as recorded when the round closed %[1]s: %[2]s", w.ref(r.ClosedAt), words.Sentence(words.Quote(p, r.Note))))
	}
	last := t.Size - 1
	id, upTo := "`"+t.ID+"`", strconv.FormatInt(last, 10)
	var from string
	switch audience(t) {
	case forAnyone:
		from = p.T("Generated from the signed record of talks %[1]s, events 0 to %[2]s, as anyone may see them", id, upTo)
	case forMediators:
		from = p.T("Generated from the signed record of talks %[1]s, events 0 to %[2]s, as the mediators may see them", id, upTo)
	case forParty:
		from = p.T("Generated from the signed record of talks %[1]s, events 0 to %[2]s, as %[3]s may see them", id, upTo, w.party(t.Viewer.Actor.Party))
	default:
		from = p.T("Generated from the signed record of talks %[1]s, events 0 to %[2]s, as the participants may see them", id, upTo)
	}
	if n := hiddenUpTo(t, last); n > 0 {
		switch audience(t) {
		case forAnyone:
			from = p.T("%[2]s (%[1]d of them, not public, are left out)", n, from)
		case forMediators:
			from = p.T("%[2]s (%[1]d of them, hidden from the mediators, are left out)", n, from)
		case forParty:
			from = p.T("%[2]s (%[1]d of them, hidden from %[3]s, are left out)", n, from, w.party(t.Viewer.Actor.Party))
		default:
			from = p.T("%[2]s (%[1]d of them, hidden from the participants, are left out)", n, from)
		}
	}
	later := int64(-1)
	for _, i := range w.cited {
		later = max(later, i)
	}
	if later > last {
		from = p.T("%[1]s, with the public statements about the round made after it, up to %[2]s", from, "#"+strconv.FormatInt(later, 10))
	}
	w.b.WriteString("\n\n" + from + ".")
	if len(w.cited) > 0 {
		example := "[#" + strconv.FormatInt(slices.Min(w.cited), 10) + "]"
		w.b.WriteString(" " + p.T("Numbers in brackets, like %s, are the log indexes of the events each fact comes from; `parley verify` checks them against the signed record.", example))
	}
	w.line("")
}

// chairs names who convened and who mediated the talks.
func (w *writer) chairs() string {
	var conveners, mediators []string
	for _, a := range w.t.Actors {
		switch a.Role {
		case parley.RoleConvener:
			conveners = append(conveners, a.Name)
		case parley.RoleMediator:
			if !a.Revoked {
				mediators = append(mediators, a.Name)
			}
		}
	}
	switch {
	case len(conveners) > 0 && len(mediators) > 0:
		return w.p.T("Convened by %[1]s; mediated by %[2]s.", w.p.List(conveners), w.p.List(mediators))
	case len(conveners) > 0:
		return w.p.T("Convened by %s.", w.p.List(conveners))
	case len(mediators) > 0:
		return w.p.T("Mediated by %s.", w.p.List(mediators))
	}
	return ""
}

func hiddenUpTo(t *view.Talks, last int64) int {
	n := 0
	for i := int64(0); i <= last; i++ {
		if !t.Visible(i) {
			n++
		}
	}
	return n
}

func (w *writer) attendance() {
	p := w.p
	w.heading(p.T("Attendance"))
	if len(w.r.Invitations) == 0 {
		w.line(p.T("No party was invited."))
		return
	}
	for _, inv := range w.r.Invitations {
		name := w.party(inv.Party)
		var s string
		switch inv.Status {
		case state.Accepted:
			switch {
			case w.r.OpenedAt < 0:
				s = p.T("%[1]s: accepted the invitation %[2]s.", name, w.ref(inv.Index))
			case inv.Index < w.r.OpenedAt:
				s = p.T("%[1]s: accepted the invitation %[2]s, and was at the table when the round opened %[3]s.", name, w.ref(inv.Index), w.ref(w.r.OpenedAt))
			default:
				s = p.T("%[1]s: accepted the invitation on %[2]s %[3]s, after the round opened.", name, w.when(inv.Answered), w.ref(inv.Index))
			}
		case state.Declined:
			s = p.T("%[1]s: **declined** on %[2]s, giving as its reason: %[3]s %[4]s.", name, w.when(inv.Answered), words.Quote(p, inv.Reason), w.ref(inv.Index))
		default:
			s = p.T("%[1]s: invited %[2]s; no answer is recorded.", name, w.ref(inv.Index))
		}
		w.line("- " + s)
	}
}

func agreedish(ir *agreement.ItemResult) bool {
	return ir != nil && (ir.Status == agreement.StatusAgreed || ir.Status == agreement.StatusAgreedAdReferendum)
}

func (w *writer) agreed(res *agreement.Result) {
	p := w.p
	w.heading(p.T("Agreed"))
	if len(w.t.Items) == 0 {
		w.line(p.T("There is no item on the agenda."))
		return
	}
	n := 0
	for _, it := range w.t.Items {
		ir := res.Items[it.ID]
		if !agreedish(ir) {
			continue
		}
		n++
		v := it.Latest()
		var s string
		switch {
		case ir.Status == agreement.StatusAgreedAdReferendum && len(ir.AdReferendum) == 1:
			s = p.T("%[1]s, version %[2]d %[3]s: agreed ad referendum: the support of %[4]s awaits the confirmation of its capital, with the support of %[5]s.",
				w.item(it), v.N, w.ref(v.Index), w.parties(ir.AdReferendum), w.supporters(it))
		case ir.Status == agreement.StatusAgreedAdReferendum:
			s = p.T("%[2]s, version %[3]d %[4]s: agreed ad referendum: the support of %[1]d parties, %[5]s, awaits the confirmation of their capitals, with the support of %[6]s.",
				len(ir.AdReferendum), w.item(it), v.N, w.ref(v.Index), w.parties(ir.AdReferendum), w.supporters(it))
		default:
			s = p.T("%[1]s, version %[2]d %[3]s: agreed, with the support of %[4]s.", w.item(it), v.N, w.ref(v.Index), w.supporters(it))
		}
		w.line("- " + s)
	}
	if n == 0 {
		if w.r.Status == state.RoundOpen {
			w.line(p.T("Nothing is agreed so far."))
		} else {
			w.line(p.T("Nothing is agreed at the end of the round."))
		}
	}
}

// history tells, per item, when it gained and lost agreement during the
// round.
func (w *writer) history() {
	p := w.p
	var lines []string
	byItem := map[string][]view.Transition{}
	var order []string
	for _, t := range w.h.Transitions {
		if !w.inRound(t.Index) {
			continue
		}
		if byItem[t.Item] == nil {
			order = append(order, t.Item)
		}
		byItem[t.Item] = append(byItem[t.Item], t)
	}
	for _, id := range order {
		it := w.t.Item(id)
		if it == nil {
			continue
		}
		var s string
		for i, t := range byItem[id] {
			switch {
			case i == 0 && t.Agreed:
				s = p.T("%[1]s was agreed on %[2]s %[3]s, %[4]s", w.item(it), w.when(t.At), w.ref(t.Index), w.cause(t))
			case i == 0:
				s = p.T("%[1]s lost agreement on %[2]s %[3]s, %[4]s", w.item(it), w.when(t.At), w.ref(t.Index), w.cause(t))
			case t.Agreed:
				s = p.T("%[1]s; then it was agreed on %[2]s %[3]s, %[4]s", s, w.when(t.At), w.ref(t.Index), w.cause(t))
			default:
				s = p.T("%[1]s; then it lost agreement on %[2]s %[3]s, %[4]s", s, w.when(t.At), w.ref(t.Index), w.cause(t))
			}
		}
		line := "- " + words.Sentence(s)
		if last := byItem[id][len(byItem[id])-1]; !last.Agreed && last.Stance != nil {
			if same := w.followers(it, last); same != "" {
				line += " " + same
			}
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return
	}
	w.heading(p.T("Agreement gained and lost during the round"))
	for _, l := range lines {
		w.line(l)
	}
}

// cause describes the event of a transition, as a clause that follows the
// date of the change: "when oppC supported version 2".
func (w *writer) cause(t view.Transition) string {
	p := w.p
	if !t.Visible() {
		switch audience(w.t) {
		case forAnyone:
			return p.T("by an act that is not public")
		case forMediators:
			return p.T("by an act hidden from the mediators")
		case forParty:
			return p.T("by an act hidden from %s", w.party(w.t.Viewer.Actor.Party))
		}
		return p.T("by an act hidden from the participants")
	}
	if t.Stance != nil {
		return p.T("when %s", w.stanceChange(t.Stance, ""))
	}
	by := w.actor(t.Event.Actor)
	switch a := t.Event.Act.(type) {
	case *parley.TableVersion:
		return p.T("when %[1]s tabled version %[2]d, on which no party had taken a stance", by, a.Version)
	case *parley.Invitation:
		return p.T("when the parties at the table changed")
	case *parley.SetRule:
		return p.T("when %s changed the decision rule", by)
	case *parley.SetPackage:
		return p.T("when %s changed a package", by)
	case *parley.ConfirmFact:
		return p.T("when %[1]s confirmed the fact %[2]s", by, a.Fact)
	}
	switch t.Event.Kind {
	case parley.KindOpenRound:
		return p.T("when the round opened")
	case parley.KindCloseRound:
		return p.T("when the round closed")
	}
	return p.T("by an act of %s", by)
}

// followers lists the later stances on an item, after it lost agreement,
// by other parties that took the same position.
func (w *writer) followers(it *view.Item, lost view.Transition) string {
	var out []string
	for _, s := range it.History {
		if s.Index <= lost.Index || s.Party == lost.Stance.Party || !w.inRound(s.Index) {
			continue
		}
		if s.Stance == lost.Stance.Stance && s.Condition == lost.Stance.Condition {
			out = append(out, capitalize(w.p.T("%[1]s did the same on %[2]s %[3]s.", w.party(s.Party), w.when(s.At), w.ref(s.Index))))
		}
	}
	return strings.Join(out, " ")
}

// between lists the stances taken between the previous round and this
// one: the answers of capitals after a round closed.
func (w *writer) between() {
	if w.r.OpenedAt < 0 {
		return
	}
	// The previous round is the one the viewer saw open last before this
	// one opened.
	var prev *view.Round
	for i := range w.t.Rounds {
		o := &w.t.Rounds[i]
		if o.ID != w.r.ID && o.OpenedAt >= 0 && o.OpenedAt < w.r.OpenedAt && (prev == nil || o.OpenedAt > prev.OpenedAt) {
			prev = o
		}
	}
	if prev == nil {
		return
	}
	type line struct {
		index int64
		text  string
	}
	var lines []line
	for _, it := range w.t.Items {
		for _, s := range it.History {
			if !s.Between || s.Round != prev.ID || s.Index >= w.r.OpenedAt {
				continue
			}
			var text string
			if s.Reason != "" {
				text = w.p.T("On %[1]s, %[2]s %[3]s: %[4]s", w.when(s.At), w.stanceChange(s, "**"+it.ID+"**"), w.ref(s.Index), words.Quote(w.p, s.Reason))
			} else {
				text = w.p.T("On %[1]s, %[2]s %[3]s", w.when(s.At), w.stanceChange(s, "**"+it.ID+"**"), w.ref(s.Index))
			}
			lines = append(lines, line{s.Index, "- " + words.Sentence(text)})
		}
	}
	if len(lines) == 0 {
		return
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].index < lines[j].index })
	w.heading(w.p.T("Stances changed between rounds"))
	w.line(w.p.T("After round %s closed and before this round opened:", "`"+prev.ID+"`"))
	w.line("")
	for _, l := range lines {
		w.line(l.text)
	}
}

// open lists the items not agreed and who blocks them.
func (w *writer) open(res *agreement.Result) {
	if len(w.t.Items) == 0 {
		return
	}
	p := w.p
	w.heading(p.T("Not agreed"))
	n := 0
	for _, it := range w.t.Items {
		ir := res.Items[it.ID]
		if ir == nil || agreedish(ir) {
			continue
		}
		n++
		sentences := []string{p.T("%[1]s: %[2]s.", w.item(it), words.Status(p, ir.Status))}
		for _, h := range ir.Holds {
			sentences = append(sentences, words.Sentence(capitalize(words.Hold(p, h.Kind, h.Count, it.ID))))
		}
		for _, line := range w.blockers(it, ir.Blockers) {
			sentences = append(sentences, words.Sentence(capitalize(line)))
		}
		if ir.NoSupport && len(ir.Blockers) == 0 && len(ir.Holds) == 0 {
			sentences = append(sentences, p.T("No party supports it."))
		}
		if k := len(ir.PackageBlockedBy); k == 1 {
			sentences = append(sentences, p.T("It is in a package with %s, which is not agreed.", ir.PackageBlockedBy[0]))
		} else if k > 1 {
			sentences = append(sentences, p.T("It is in a package with %[1]d other items, %[2]s, which are not agreed.", k, p.List(ir.PackageBlockedBy)))
		}
		if roots := w.roots(it.ID, ir.RootBlockers); roots != "" {
			sentences = append(sentences, p.T("At the root of the chain: %s.", roots))
		}
		w.line("- " + strings.Join(sentences, " "))
	}
	if n == 0 {
		w.line(p.T("Every item on the agenda is agreed."))
	}
}

// blockers says who blocks an item, a sentence each, joining the parties
// that block it the same way for the same reasons: "Opposition Delegation
// B (oppB) [#54] and Opposition Delegation C (oppC) [#56] oppose it".
func (w *writer) blockers(it *view.Item, bs []agreement.Blocker) []string {
	type group struct {
		first agreement.Blocker
		who   []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, b := range bs {
		s := it.Stances[b.Party]
		alone := b.Stance == "silent" || (s != nil && s.Reason != "")
		key := b.Stance + "\x00" + b.Condition + "\x00" + strings.Join(b.WaitsOn, ",") + "\x00" + strings.Join(b.ExcludedBy, ",") + "\x00" + strings.Join(b.MissingFacts, ",") + "\x00" + strings.Join(b.ExcludedByFacts, ",")
		if g := byKey[key]; g != nil && !alone {
			g.who = append(g.who, w.party(b.Party)+" "+w.stanceRef(it, b.Party))
			continue
		}
		g := &group{first: b}
		groups = append(groups, g)
		if !alone {
			byKey[key] = g
			g.who = []string{w.party(b.Party) + " " + w.stanceRef(it, b.Party)}
		}
	}
	var out []string
	for _, g := range groups {
		if len(g.who) < 2 {
			out = append(out, w.blocker(it, g.first))
			continue
		}
		b := g.first
		out = append(out, words.Stance(w.p, g.who, b.Stance, b.Condition, ""))
	}
	// Why the conditions fail, once each.
	seen := map[string]bool{}
	for _, b := range bs {
		if why := w.unmet(b); why != "" && !seen[why] {
			seen[why] = true
			out = append(out, why)
		}
	}
	return out
}

// stanceRef cites a party's stance on an item, if it has one.
func (w *writer) stanceRef(it *view.Item, party string) string {
	if s := it.Stances[party]; s != nil {
		return w.ref(s.Index)
	}
	return ""
}

// unmet says why a conditional vote's condition fails: "neither M1a nor
// M1b is agreed".
func (w *writer) unmet(b agreement.Blocker) string {
	if b.Stance != parley.StanceConditional {
		return ""
	}
	p := w.p
	var why []string
	switch len(b.WaitsOn) {
	case 0:
	case 1:
		why = append(why, p.T("%s is not agreed", b.WaitsOn[0]))
	case 2:
		why = append(why, p.T("neither %[1]s nor %[2]s is agreed", b.WaitsOn[0], b.WaitsOn[1]))
	default:
		why = append(why, p.T("none of %s is agreed", p.List(b.WaitsOn)))
	}
	switch k := len(b.ExcludedBy); {
	case k == 1:
		why = append(why, p.T("%s is agreed", b.ExcludedBy[0]))
	case k > 1:
		why = append(why, p.T("%s are agreed", p.List(b.ExcludedBy)))
	}
	switch k := len(b.MissingFacts); {
	case k == 1:
		why = append(why, p.T("the fact %s is not confirmed", b.MissingFacts[0]))
	case k > 1:
		why = append(why, p.T("the %[1]d facts %[2]s are not confirmed", k, p.List(b.MissingFacts)))
	}
	switch k := len(b.ExcludedByFacts); {
	case k == 1:
		why = append(why, p.T("the fact %s is confirmed", b.ExcludedByFacts[0]))
	case k > 1:
		why = append(why, p.T("the %[1]d facts %[2]s are confirmed", k, p.List(b.ExcludedByFacts)))
	}
	if len(why) == 0 {
		return ""
	}
	s := why[0]
	for _, x := range why[1:] {
		s = p.T("%[1]s, and %[2]s", s, x)
	}
	return s
}

func (w *writer) blocker(it *view.Item, b agreement.Blocker) string {
	who := w.party(b.Party)
	s := it.Stances[b.Party]
	if b.Stance == "silent" {
		if s != nil {
			return w.p.T("%[1]s has no stance on the current version %[2]d: its stance %[3]s is on version %[4]d", who, it.LatestN, w.ref(s.Index), s.Version)
		}
		return w.p.T("%s has taken no stance", who)
	}
	condition := ""
	if b.Stance == parley.StanceConditional {
		condition = b.Condition
	}
	out := words.Stance(w.p, []string{who}, b.Stance, condition, "")
	if s != nil {
		out += " " + w.ref(s.Index)
		if s.Reason != "" {
			out += ": " + words.Quote(w.p, s.Reason)
		}
	}
	return out
}

// roots describes root blockers grouped by item and stance, unless they
// are only the item's own direct objections.
func (w *writer) roots(item string, rbs []agreement.RootBlocker) string {
	p := w.p
	elsewhere := false
	type key struct{ item, stance string }
	byKey := map[key][]string{}
	counts := map[key]int{}
	var keys []key
	for _, rb := range rbs {
		if rb.Item != item {
			elsewhere = true
		}
		k := key{rb.Item, rb.Stance}
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		counts[k] = rb.Count
		if rb.Party != "" {
			byKey[k] = append(byKey[k], w.party(rb.Party))
		} else {
			byKey[k] = append(byKey[k], "")
		}
	}
	if !elsewhere {
		return ""
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].item < keys[j].item })
	var parts []string
	for _, k := range keys {
		if k.stance == "no_support" {
			parts = append(parts, p.T("no party supports %s", k.item))
			continue
		}
		if words.IsHold(k.stance) {
			parts = append(parts, words.Hold(p, k.stance, counts[k], k.item))
			continue
		}
		who := byKey[k]
		n, list := len(who), p.List(who)
		var s string
		switch {
		case k.stance == parley.StanceOppose && n == 1:
			s = p.T("%[1]s, which opposes %[2]s", list, k.item)
		case k.stance == parley.StanceOppose:
			s = p.T("%[2]s, %[1]d parties which oppose %[3]s", n, list, k.item)
		case k.stance == parley.StanceReserve && n == 1:
			s = p.T("%[1]s, which reserves its position on %[2]s", list, k.item)
		case k.stance == parley.StanceReserve:
			s = p.T("%[2]s, %[1]d parties which reserve their positions on %[3]s", n, list, k.item)
		case k.stance == "silent" && n == 1:
			s = p.T("%[1]s, which has taken no stance on %[2]s", list, k.item)
		case k.stance == "silent":
			s = p.T("%[2]s, %[1]d parties which have taken no stance on %[3]s", n, list, k.item)
		default:
			s = p.T("%[1]s (%[2]s on %[3]s)", list, k.stance, k.item)
		}
		parts = append(parts, s)
	}
	out := parts[0]
	for _, x := range parts[1:] {
		out = p.T("%[1]s; %[2]s", out, x)
	}
	return out
}

// statements lists the public statements about the round.
func (w *writer) statements() {
	p := w.p
	var lines []string
	for _, s := range w.now.Statements {
		if s.Round != w.r.ID && !(s.Round == "" && w.inRoundTime(s.At)) {
			continue
		}
		if w.now.VisibilityOf(s.Index) != parley.VisPublic {
			continue // a briefing quotes public statements only
		}
		// A statement in another language than the briefing's says which.
		if lang := w.language(s.Lang); lang != "" {
			lines = append(lines, "- "+p.T("%[1]s, %[2]s (%[3]s) %[4]s: %[5]s", w.when(s.At), w.actor(s.By), lang, w.ref(s.Index), words.Quote(p, s.Text)))
		} else {
			lines = append(lines, "- "+p.T("%[1]s, %[2]s %[3]s: %[4]s", w.when(s.At), w.actor(s.By), w.ref(s.Index), words.Quote(p, s.Text)))
		}
	}
	if len(lines) == 0 {
		return
	}
	w.heading(p.T("Public statements"))
	w.line(p.T("What actors said in public, as they signed it; compare it with the record above."))
	w.line("")
	for _, l := range lines {
		w.line(l)
	}
}

// inRound reports whether the event at a log index falls between the
// round's opening and its closing (or the end of the view, while it is
// open).
func (w *writer) inRound(i int64) bool {
	if w.r.OpenedAt < 0 || i < w.r.OpenedAt {
		return false
	}
	return w.r.ClosedAt < 0 || i <= w.r.ClosedAt
}

// inRoundTime reports whether a time falls between the round's opening and
// its closing, for statements made without naming a round.
func (w *writer) inRoundTime(t time.Time) bool {
	if w.r.Opened.IsZero() || t.Before(w.r.Opened) {
		return false
	}
	return w.r.Closed.IsZero() || !t.After(w.r.Closed)
}

// when writes a time as a date, with the day of the round when it falls
// within the round's dates: "10 April 2015 (day 5)".
func (w *writer) when(t time.Time) string {
	d := w.p.Date(t)
	if start, err := time.Parse(time.DateOnly, w.r.Starts); err == nil {
		end, _ := time.Parse(time.DateOnly, w.r.Ends)
		day := int(t.UTC().Truncate(24*time.Hour).Sub(start)/(24*time.Hour)) + 1
		if day >= 1 && !t.UTC().Truncate(24*time.Hour).After(end) {
			return w.p.T("%[1]s (day %[2]d)", d, day)
		}
	}
	return d
}

// day writes a date of the record (2015-04-06) as the language writes
// it, or as it is if it is not one.
func (w *writer) day(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return w.p.Date(t)
}

func (w *writer) party(id string) string {
	if name := w.t.PartyName(id); name != id {
		return name + " (" + id + ")"
	}
	return id
}

func (w *writer) parties(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = w.party(id)
	}
	return w.p.List(names)
}

func (w *writer) actor(key string) string {
	a := w.now.Actor(key)
	if a == nil {
		return w.p.T("an actor not on the roster")
	}
	return words.Actor(w.p, a, w.now.PartyName(a.Party))
}

func (w *writer) item(it *view.Item) string { return "**" + it.ID + "** " + words.Quote(w.p, it.Title) }

// supporters lists the parties whose stance on the latest version is a
// yes, with the conditions of conditional supports.
func (w *writer) supporters(it *view.Item) string {
	latest := it.Latest()
	var plain, cond []string
	for _, party := range w.t.Participants() {
		s := it.Stances[party]
		if s == nil || s.Version != latest.N {
			continue
		}
		switch s.Stance {
		case parley.StanceSupport, parley.StanceAdReferendum:
			plain = append(plain, w.party(party)+" "+w.ref(s.Index))
		case parley.StanceConditional:
			cond = append(cond, w.p.T("%[1]s, on the condition that %[2]s", w.party(party)+" "+w.ref(s.Index), words.ConditionText(w.p, s.Condition)))
		}
	}
	return w.p.List(append(plain, cond...))
}

// stanceChange says what a party did with a stance, as a clause with the
// party as its subject: "oppC supported version 2", "oppA made its support
// of version 2 conditional: it supports it only if M1a or M1b is agreed".
// With item not "", it names the item: "supported version 1 of **A1**".
func (w *writer) stanceChange(s *state.Stance, item string) string {
	p, who := w.p, w.party(s.Party)
	if item == "" {
		switch s.Stance {
		case parley.StanceConditional:
			return p.T("%[1]s made its support of version %[2]d conditional: it supports it only if %[3]s", who, s.Version, words.ConditionText(p, s.Condition))
		case parley.StanceAdReferendum:
			return p.T("%[1]s supported version %[2]d ad referendum", who, s.Version)
		case parley.StanceSupport:
			return p.T("%[1]s supported version %[2]d", who, s.Version)
		case parley.StanceOppose:
			return p.T("%[1]s opposed version %[2]d", who, s.Version)
		case parley.StanceReserve:
			return p.T("%[1]s reserved its position on version %[2]d", who, s.Version)
		case parley.StanceAbstain:
			return p.T("%[1]s abstained on version %[2]d", who, s.Version)
		}
		return p.T("%[1]s took the stance %[3]s on version %[2]d", who, s.Version, s.Stance)
	}
	switch s.Stance {
	case parley.StanceConditional:
		return p.T("%[1]s made its support of version %[2]d of %[3]s conditional: it supports it only if %[4]s", who, s.Version, item, words.ConditionText(p, s.Condition))
	case parley.StanceAdReferendum:
		return p.T("%[1]s supported version %[2]d of %[3]s ad referendum", who, s.Version, item)
	case parley.StanceSupport:
		return p.T("%[1]s supported version %[2]d of %[3]s", who, s.Version, item)
	case parley.StanceOppose:
		return p.T("%[1]s opposed version %[2]d of %[3]s", who, s.Version, item)
	case parley.StanceReserve:
		return p.T("%[1]s reserved its position on version %[2]d of %[3]s", who, s.Version, item)
	case parley.StanceAbstain:
		return p.T("%[1]s abstained on version %[2]d of %[3]s", who, s.Version, item)
	}
	return p.T("%[1]s took the stance %[4]s on version %[2]d of %[3]s", who, s.Version, item, s.Stance)
}

// capitalize starts a sentence with a capital letter, in the scripts that
// have them (Latin, Cyrillic); a script without case, such as Arabic's,
// is left as it is.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	if u := unicode.ToUpper(r); u != r {
		return string(u) + s[n:]
	}
	return s
}

// language names the language of a statement, as "in Arabic", when it is
// not the briefing's own; "" when it is, or when the statement gives none.
func (w *writer) language(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if primary == "" || primary == w.p.Code() {
		return ""
	}
	p := w.p
	switch primary {
	case "ar":
		return p.T("in Arabic")
	case "en":
		return p.T("in English")
	case "ru":
		return p.T("in Russian")
	case "fr":
		return p.T("in French")
	case "es":
		return p.T("in Spanish")
	case "zh":
		return p.T("in Chinese")
	case "fa":
		return p.T("in Persian")
	case "tr":
		return p.T("in Turkish")
	case "ku":
		return p.T("in Kurdish")
	case "he":
		return p.T("in Hebrew")
	case "de":
		return p.T("in German")
	case "uk":
		return p.T("in Ukrainian")
	}
	return p.T("in the language %s", tag)
}

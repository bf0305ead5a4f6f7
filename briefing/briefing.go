// Package briefing writes the factual summary of a round from the record,
// as one viewer may see it: who attended and who declined (with the
// reason), what was agreed, what gained and lost agreement and when, the
// stances changed between rounds, what stays open and who blocks it, and
// the public statements. Every fact names the log index of the event it
// comes from, so that a reader can check it against the signed record.
//
// A briefing reads the talks only through a view (package view) of its
// viewer: it cannot tell what that viewer may not see.
package briefing

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// Load writes the briefing of a round of a talks for the actor holding key
// ("" for the public). An empty round means the current one. hs, if not
// nil, keeps the histories it replays.
func Load(ctx context.Context, l *ledger.Ledger, hs *view.Histories, talks, key, round string) (string, error) {
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
	return Write(end, now, h, r.ID)
}

// FromEvents writes the briefing of a round from a talks' events in log
// order, as the audience sees it (view.Audience). An empty round means the
// current one.
func FromEvents(talks string, events []*parley.Event, audience state.Viewer, round string) (string, error) {
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
	return Write(end, now, h, r.ID)
}

// Round writes the briefing of a round from a talks' events as the public
// sees it if the talks is public, else as its participants see it (not a
// party's own room): what may be circulated among them.
func Round(talks string, events []*parley.Event, round string) (string, error) {
	audience := "participants"
	if len(events) > 0 {
		if p, ok := events[0].Act.(*parley.FoundTalks); ok && p.Visibility == parley.VisPublic {
			audience = "public"
		}
	}
	v, err := view.Audience(audience)
	if err != nil {
		return "", err
	}
	return FromEvents(talks, events, v, round)
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

// Write returns the Markdown briefing of a round as one viewer sees it.
// end is the viewer's view of the talks at the end of the round (at its
// closing event, or now while it is open); now is its view of now, from
// which the public statements about the round are drawn, since they are
// often made after it closes; h is its history of the agreement.
func Write(end, now *view.Talks, h *view.History, round string) (string, error) {
	r := end.Round(round)
	if r == nil {
		return "", parley.Errorf(parley.ENOTFOUND, "talks %q has no round %q", end.ID, round)
	}
	res, err := end.Evaluate()
	if err != nil {
		return "", err
	}
	w := &writer{t: end, now: now, r: r, h: h, p: i18n.For(i18n.English)}
	// The body first, so that the header can say which events it cites.
	var body strings.Builder
	w.b = &body
	w.attendance()
	w.agreed(res)
	w.history()
	w.between()
	w.open(res)
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

func (w *writer) printf(format string, args ...any) { fmt.Fprintf(w.b, format, args...) }

// ref cites the event at a log index: " [#12]".
func (w *writer) ref(i int64) string {
	w.cited = append(w.cited, i)
	return fmt.Sprintf(" [#%d]", i)
}

func (w *writer) header() {
	r, t := w.r, w.t
	w.printf("# Briefing: %s — %s\n\n", t.Title, r.Title)
	w.printf("Round `%s`, %s, %s to %s. ", r.ID, orVenue(r.Venue), longDate(r.Starts), longDate(r.Ends))
	switch r.Status {
	case state.RoundClosed:
		w.printf("Closed on %s.", w.when(r.Closed))
		later := false
		for _, o := range w.now.Rounds {
			if o.Planned > w.r.Planned {
				later = true
			}
		}
		if !later {
			w.printf(" No later round is planned in the record.")
		}
	case state.RoundOpen:
		w.printf("Still open.")
	default:
		w.printf("Planned, not yet opened.")
	}
	if chairs := w.chairs(); chairs != "" {
		w.printf(" %s", chairs)
	}
	if r.Note != "" && r.ClosedAt >= 0 {
		w.printf("\n\nClosing note, as recorded when the round closed%s: %s", w.plainRef(r.ClosedAt), words.Sentence(words.Quote(w.p, r.Note)))
	}
	last := t.Size - 1
	w.printf("\n\nGenerated from the signed record of talks `%s`, events 0 to %d, as %s may see them", t.ID, last, audienceName(t))
	if n := hiddenUpTo(t, last); n > 0 {
		hidden := "hidden from " + audienceName(t)
		if t.Viewer.Actor == nil {
			hidden = "not public"
		}
		w.printf(" (%s of them, %s, %s left out)", w.p.Number(n), hidden, plural(n, "is", "are"))
	}
	later := int64(-1)
	for _, i := range w.cited {
		later = max(later, i)
	}
	if later > last {
		w.printf(", with the public statements about the round made after it, up to #%d", later)
	}
	w.printf(".")
	if len(w.cited) > 0 {
		first := slices.Min(w.cited)
		w.printf(" Numbers in brackets, like [#%d], are the log indexes of the events each fact comes from; `parley verify` checks them against the signed record.", first)
	}
	w.printf("\n")
}

// plainRef cites an event in the header, which is written last.
func (w *writer) plainRef(i int64) string {
	w.cited = append(w.cited, i)
	return fmt.Sprintf(" [#%d]", i)
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
	var parts []string
	if len(conveners) > 0 {
		parts = append(parts, "Convened by "+w.p.List(conveners))
	}
	if len(mediators) > 0 {
		parts = append(parts, "mediated by "+w.p.List(mediators))
	}
	if len(parts) == 0 {
		return ""
	}
	return words.Sentence(strings.Join(parts, "; "))
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

func plural(n int, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}

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

func (w *writer) attendance() {
	w.printf("\n## Attendance\n\n")
	if len(w.r.Invitations) == 0 {
		w.printf("No party was invited.\n")
		return
	}
	for _, inv := range w.r.Invitations {
		name := w.party(inv.Party)
		switch inv.Status {
		case state.Accepted:
			switch {
			case w.r.OpenedAt < 0:
				w.printf("- %s: accepted the invitation%s.\n", name, w.ref(inv.Index))
			case inv.Index < w.r.OpenedAt:
				w.printf("- %s: accepted the invitation%s, and was at the table when the round opened%s.\n", name, w.ref(inv.Index), w.ref(w.r.OpenedAt))
			default:
				w.printf("- %s: accepted the invitation on %s%s, after the round opened.\n", name, w.when(inv.Answered), w.ref(inv.Index))
			}
		case state.Declined:
			w.printf("- %s: **declined** on %s, giving as its reason: %s%s.\n", name, w.when(inv.Answered), words.Quote(w.p, inv.Reason), w.ref(inv.Index))
		default:
			w.printf("- %s: invited%s; no answer is recorded.\n", name, w.ref(inv.Index))
		}
	}
}

func agreedish(ir *agreement.ItemResult) bool {
	return ir != nil && (ir.Status == agreement.StatusAgreed || ir.Status == agreement.StatusAgreedAdReferendum)
}

func (w *writer) agreed(res *agreement.Result) {
	w.printf("\n## Agreed\n\n")
	if len(w.t.Items) == 0 {
		w.printf("There is no item on the agenda.\n")
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
		w.printf("- %s, version %d%s: agreed", w.item(it), v.N, w.ref(v.Index))
		if ir.Status == agreement.StatusAgreedAdReferendum {
			w.printf(" ad referendum: the support of %s awaits the confirmation of its capital", w.parties(ir.AdReferendum))
		}
		w.printf(", with the support of %s.\n", w.supporters(it))
	}
	if n == 0 {
		if w.r.Status == state.RoundOpen {
			w.printf("Nothing is agreed so far.\n")
		} else {
			w.printf("Nothing is agreed at the end of the round.\n")
		}
	}
}

// history tells, per item, when it gained and lost agreement during the
// round.
func (w *writer) history() {
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
		var parts []string
		for _, t := range byItem[id] {
			verb := "lost agreement"
			if t.Agreed {
				verb = "was agreed"
			}
			parts = append(parts, fmt.Sprintf("%s on %s%s, %s", verb, w.when(t.At), w.ref(t.Index), w.cause(t)))
		}
		line := fmt.Sprintf("- %s %s.", w.item(it), strings.Join(parts, "; then it "))
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
	w.printf("\n## Agreement gained and lost during the round\n\n%s\n", strings.Join(lines, "\n"))
}

// cause describes the event of a transition.
func (w *writer) cause(t view.Transition) string {
	if !t.Visible() {
		return "by an act that " + audienceName(w.t) + " may not see"
	}
	if t.Stance != nil {
		return "when " + w.party(t.Stance.Party) + " " + w.stanceChange(t.Stance)
	}
	by := w.actor(t.Event.Actor)
	switch p := t.Event.Act.(type) {
	case *parley.TableVersion:
		return fmt.Sprintf("when %s tabled version %d, on which no party had taken a stance", by, p.Version)
	case *parley.Invitation:
		return "when the parties at the table changed"
	case *parley.SetRule:
		return "when " + by + " changed the decision rule"
	case *parley.SetPackage:
		return "when " + by + " changed a package"
	case *parley.ConfirmFact:
		return "when " + by + " confirmed the fact " + p.Fact
	}
	switch t.Event.Kind {
	case parley.KindOpenRound:
		return "when the round opened"
	case parley.KindCloseRound:
		return "when the round closed"
	}
	return "by an act of " + by
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
			out = append(out, fmt.Sprintf("%s did the same on %s%s.", capitalize(w.party(s.Party)), w.when(s.At), w.ref(s.Index)))
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
			text := fmt.Sprintf("- On %s, %s %s on %s%s", w.date(s.At), w.party(s.Party), w.stanceChange(s), w.item(it), w.ref(s.Index))
			if s.Reason != "" {
				text += ": " + words.Quote(w.p, s.Reason)
			}
			lines = append(lines, line{s.Index, words.Sentence(text)})
		}
	}
	if len(lines) == 0 {
		return
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].index < lines[j].index })
	w.printf("\n## Stances changed between rounds\n\nAfter round `%s` closed and before this round opened:\n\n", prev.ID)
	for _, l := range lines {
		w.printf("%s\n", l.text)
	}
}

// open lists the items not agreed and who blocks them.
func (w *writer) open(res *agreement.Result) {
	if len(w.t.Items) == 0 {
		return
	}
	w.printf("\n## Not agreed\n\n")
	n := 0
	for _, it := range w.t.Items {
		ir := res.Items[it.ID]
		if ir == nil || agreedish(ir) {
			continue
		}
		n++
		w.printf("- %s: %s.", w.item(it), words.Status(w.p, ir.Status))
		for _, h := range ir.Holds {
			w.printf(" %s", words.Sentence(capitalize(words.Hold(w.p, h.Kind, h.Count, it.ID))))
		}
		for _, line := range w.blockers(it, ir.Blockers) {
			w.printf(" %s", words.Sentence(capitalize(line)))
		}
		if ir.NoSupport && len(ir.Blockers) == 0 && len(ir.Holds) == 0 {
			w.printf(" No party supports it.")
		}
		if len(ir.PackageBlockedBy) > 0 {
			w.printf(" It is in a package with %s, %s not agreed.", w.p.List(ir.PackageBlockedBy), plural(len(ir.PackageBlockedBy), "which is", "which are"))
		}
		if roots := w.roots(it.ID, ir.RootBlockers); roots != "" {
			w.printf(" At the root of the chain: %s.", roots)
		}
		w.printf("\n")
	}
	if n == 0 {
		w.printf("Every item on the agenda is agreed.\n")
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
			g.who = append(g.who, w.party(b.Party)+w.stanceRef(it, b.Party))
			continue
		}
		g := &group{first: b}
		groups = append(groups, g)
		if !alone {
			byKey[key] = g
			g.who = []string{w.party(b.Party) + w.stanceRef(it, b.Party)}
		}
	}
	var out []string
	for _, g := range groups {
		if len(g.who) < 2 {
			out = append(out, w.blocker(it, g.first))
			continue
		}
		b := g.first
		line := words.Stance(w.p, g.who, b.Stance, b.Condition, "")
		out = append(out, line)
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
	var why []string
	switch len(b.WaitsOn) {
	case 0:
	case 1:
		why = append(why, b.WaitsOn[0]+" is not agreed")
	case 2:
		why = append(why, "neither "+b.WaitsOn[0]+" nor "+b.WaitsOn[1]+" is agreed")
	default:
		why = append(why, "none of "+w.p.List(b.WaitsOn)+" is agreed")
	}
	if len(b.ExcludedBy) > 0 {
		why = append(why, w.p.List(b.ExcludedBy)+" "+plural(len(b.ExcludedBy), "is", "are")+" agreed")
	}
	if len(b.MissingFacts) > 0 {
		why = append(why, "the "+plural(len(b.MissingFacts), "fact ", "facts ")+w.p.List(b.MissingFacts)+" "+plural(len(b.MissingFacts), "is", "are")+" not confirmed")
	}
	if len(b.ExcludedByFacts) > 0 {
		why = append(why, "the "+plural(len(b.ExcludedByFacts), "fact ", "facts ")+w.p.List(b.ExcludedByFacts)+" "+plural(len(b.ExcludedByFacts), "is", "are")+" confirmed")
	}
	return strings.Join(why, ", and ")
}

func (w *writer) blocker(it *view.Item, b agreement.Blocker) string {
	who := w.party(b.Party)
	s := it.Stances[b.Party]
	ref := ""
	if s != nil {
		ref = w.ref(s.Index)
	}
	switch b.Stance {
	case "silent":
		if s != nil {
			return fmt.Sprintf("%s has no stance on the current version %d: its stance%s is on version %d", who, it.LatestN, ref, s.Version)
		}
		return who + " has taken no stance"
	case parley.StanceConditional:
		out := words.Stance(w.p, []string{who}, b.Stance, b.Condition, "") + ref
		if s != nil && s.Reason != "" {
			out += ": " + words.Quote(w.p, s.Reason)
		}
		return out
	}
	out := words.Stance(w.p, []string{who}, b.Stance, "", "") + ref
	if s != nil && s.Reason != "" {
		out += ": " + words.Quote(w.p, s.Reason)
	}
	return out
}

// roots describes root blockers grouped by item and stance, unless they
// are only the item's own direct objections.
func (w *writer) roots(item string, rbs []agreement.RootBlocker) string {
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
		who := byKey[k]
		if k.stance == "no_support" {
			parts = append(parts, "no party supports "+k.item)
			continue
		}
		if words.IsHold(k.stance) {
			parts = append(parts, words.Hold(w.p, k.stance, counts[k], k.item))
			continue
		}
		n := len(who)
		var verb string
		switch k.stance {
		case parley.StanceOppose:
			verb = plural(n, "opposes ", "oppose ") + k.item
		case parley.StanceReserve:
			verb = plural(n, "reserves its position", "reserve their positions") + " on " + k.item
		case "silent":
			verb = plural(n, "has", "have") + " taken no stance on " + k.item
		default:
			verb = k.stance + " " + k.item
		}
		parts = append(parts, w.p.List(who)+", which "+verb)
	}
	return strings.Join(parts, "; ")
}

// statements lists the public statements about the round.
func (w *writer) statements() {
	var lines []string
	for _, s := range w.now.Statements {
		if s.Round != w.r.ID && !(s.Round == "" && w.inRoundTime(s.At)) {
			continue
		}
		if w.now.VisibilityOf(s.Index) != parley.VisPublic {
			continue // a briefing quotes public statements only
		}
		lang := ""
		if primary, _, _ := strings.Cut(strings.ToLower(s.Lang), "-"); s.Lang != "" && primary != "en" {
			lang = " (in " + languageName(s.Lang) + ")" // the briefing is in English
		}
		lines = append(lines, fmt.Sprintf("- %s, %s%s%s: %s", w.date(s.At), w.actor(s.By), lang, w.ref(s.Index), words.Quote(w.p, s.Text)))
	}
	if len(lines) == 0 {
		return
	}
	w.printf("\n## Public statements\n\nWhat actors said in public, as they signed it; compare it with the record above.\n\n%s\n", strings.Join(lines, "\n"))
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

// when formats a time as a date, with the day of the round when it falls
// within the round's dates.
func (w *writer) when(t time.Time) string {
	d := t.UTC().Format("2 January 2006")
	if start, err := time.Parse(time.DateOnly, w.r.Starts); err == nil {
		end, _ := time.Parse(time.DateOnly, w.r.Ends)
		day := int(t.UTC().Truncate(24*time.Hour).Sub(start)/(24*time.Hour)) + 1
		if day >= 1 && !t.UTC().Truncate(24*time.Hour).After(end) {
			d += fmt.Sprintf(" (day %d)", day)
		}
	}
	return d
}

// date formats a time as a date.
func (w *writer) date(t time.Time) string { return w.when(t) }

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
		return "an actor not on the roster"
	}
	return words.Actor(w.p, a, w.now.PartyName(a.Party))
}

func (w *writer) item(it *view.Item) string { return "**" + it.ID + "** " + words.Quote(w.p, it.Title) }

// supporters lists the parties whose stance on the latest version is a
// yes, with the conditions of conditional supports.
func (w *writer) supporters(it *view.Item) string {
	latest := it.Latest()
	var plain, cond []string
	for _, p := range w.t.Participants() {
		s := it.Stances[p]
		if s == nil || s.Version != latest.N {
			continue
		}
		switch s.Stance {
		case parley.StanceSupport, parley.StanceAdReferendum:
			plain = append(plain, w.party(p)+w.ref(s.Index))
		case parley.StanceConditional:
			cond = append(cond, w.party(p)+w.ref(s.Index)+", on the condition that "+words.ConditionText(w.p, s.Condition))
		}
	}
	return w.p.List(append(plain, cond...))
}

// stanceChange says what a party did with a stance: "supported version
// 2", "made its support of version 2 conditional: it supports it only if
// M1a or M1b is agreed".
func (w *writer) stanceChange(s *state.Stance) string {
	switch s.Stance {
	case parley.StanceConditional:
		return fmt.Sprintf("made its support of version %d conditional: it supports it only if %s", s.Version, words.ConditionText(w.p, s.Condition))
	case parley.StanceAdReferendum:
		return fmt.Sprintf("supported version %d ad referendum", s.Version)
	case parley.StanceSupport:
		return fmt.Sprintf("supported version %d", s.Version)
	case parley.StanceOppose:
		return fmt.Sprintf("opposed version %d", s.Version)
	case parley.StanceReserve:
		return fmt.Sprintf("reserved its position on version %d", s.Version)
	case parley.StanceAbstain:
		return fmt.Sprintf("abstained on version %d", s.Version)
	}
	return fmt.Sprintf("took the stance %s on version %d", s.Stance, s.Version)
}

func orVenue(s string) string {
	if s == "" {
		return "venue not recorded"
	}
	return s
}

func longDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("2 January 2006")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// languageName names a language tag in English, for the few languages of
// talks; other tags are given as they are.
func languageName(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if n, ok := languageNames[primary]; ok {
		return n
	}
	return tag
}

var languageNames = map[string]string{
	"ar": "Arabic", "en": "English", "ru": "Russian", "fr": "French", "es": "Spanish", "zh": "Chinese",
	"fa": "Persian", "tr": "Turkish", "ku": "Kurdish", "he": "Hebrew", "de": "German", "uk": "Ukrainian",
}

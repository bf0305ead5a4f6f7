// Package briefing writes the factual summary of a round from the record:
// who attended and who declined (with the reason), what was agreed, what
// gained and lost agreement and when, what stays open and who blocks it,
// and the public statements. Every fact names the log index of the event it
// comes from, so that a reader can check it against the signed record.
package briefing

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
)

// Round returns the Markdown briefing of a round of a talks, from the
// talks' events in log order. The record is read up to the round's closing
// event, or to its end while the round is open.
func Round(talks string, events []*parley.Event, round string) (string, error) {
	st, tr := state.New(talks), state.NewTracker()
	end := int64(len(events))
	for i, e := range events {
		if err := st.Apply(e, int64(i)); err != nil {
			return "", fmt.Errorf("replaying event %d: %w", i, err)
		}
		if err := tr.Observe(st, e, int64(i)); err != nil {
			return "", err
		}
		if r := st.Round(round); e.Kind == parley.KindCloseRound && r != nil && r.Status == state.RoundClosed {
			end = int64(i) + 1
			break
		}
	}
	r := st.Round(round)
	if r == nil {
		return "", parley.Errorf(parley.ENOTFOUND, "talks %q has no round %q", talks, round)
	}
	res, err := agreement.Evaluate(st.Instance())
	if err != nil {
		return "", err
	}
	// Statements about the round are often made after it closes: read them
	// from the whole record.
	all := st
	if end < int64(len(events)) {
		all = state.New(talks)
		for i, e := range events {
			if err := all.Apply(e, int64(i)); err != nil {
				return "", fmt.Errorf("replaying event %d: %w", i, err)
			}
		}
	}
	w := &writer{st: st, r: r}
	w.header(end)
	w.attendance()
	w.agreed(res)
	w.history(tr)
	w.open(res)
	w.statements(all)
	return w.b.String(), nil
}

type writer struct {
	b  strings.Builder
	st *state.Talks
	r  *state.Round
}

func (w *writer) printf(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

func (w *writer) header(end int64) {
	r := w.r
	w.printf("# Briefing: %s — %s\n\n", w.st.Title, r.Title)
	w.printf("Round `%s`, %s, %s to %s. ", r.ID, orDash(r.Venue), longDate(r.Starts), longDate(r.Ends))
	switch r.Status {
	case state.RoundClosed:
		w.printf("Closed on %s.", w.when(r.Closed))
		if r.Note != "" {
			w.printf(" Closing note: %s", quote(r.Note))
		}
	case state.RoundOpen:
		w.printf("Still open.")
	default:
		w.printf("Planned, not yet opened.")
	}
	w.printf("\n\nGenerated from the signed record of talks `%s`, events 0 to %d. Numbers in brackets, like [#12], are the log indexes of the events each fact comes from; `parley verify` checks them.\n", w.st.ID, end-1)
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
			w.printf("- %s: attended [#%d].\n", name, inv.Index)
		case state.Declined:
			w.printf("- %s: **declined** on %s, giving as its reason: %s [#%d].\n", name, w.when(inv.Answered), quote(inv.Reason), inv.Index)
		default:
			w.printf("- %s: invited, no answer recorded [#%d].\n", name, inv.Index)
		}
	}
}

func (w *writer) agreed(res *agreement.Result) {
	w.printf("\n## Agreed\n\n")
	n := 0
	for _, it := range w.st.Items {
		ir := res.Items[it.ID]
		if ir == nil || (ir.Status != agreement.StatusAgreed && ir.Status != agreement.StatusAgreedAdReferendum) {
			continue
		}
		n++
		v := it.Latest()
		w.printf("- %s, version %d [#%d]: agreed", w.item(it), v.N, v.Index)
		if ir.Status == agreement.StatusAgreedAdReferendum {
			w.printf(" ad referendum (pending confirmation by %s)", w.parties(ir.AdReferendum))
		}
		w.printf(", with the support of %s.\n", w.supporters(it))
	}
	if n == 0 {
		w.printf("Nothing is agreed at the end of the round.\n")
	}
}

// history tells, per item, when it gained and lost agreement during the
// round.
func (w *writer) history(tr *state.Tracker) {
	var lines []string
	byItem := map[string][]state.Transition{}
	var order []string
	for _, t := range tr.Transitions {
		if !w.inRound(t.At) {
			continue
		}
		if byItem[t.Item] == nil {
			order = append(order, t.Item)
		}
		byItem[t.Item] = append(byItem[t.Item], t)
	}
	for _, id := range order {
		it := w.st.Item(id)
		var parts []string
		for _, t := range byItem[id] {
			verb := "lost agreement"
			if t.Agreed {
				verb = "was agreed"
			}
			parts = append(parts, fmt.Sprintf("%s on %s [#%d], when %s", verb, w.when(t.At), t.Index, w.cause(t)))
		}
		line := fmt.Sprintf("- %s %s.", w.item(it), strings.Join(parts, "; then it "))
		if last := byItem[id][len(byItem[id])-1]; !last.Agreed {
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
func (w *writer) cause(t state.Transition) string {
	if t.Stance != nil {
		return w.party(t.Party) + " " + describeStance(t.Stance)
	}
	by := w.actor(t.By)
	switch t.Kind {
	case parley.KindTableVersion:
		return by + " tabled a new version, which no stance refers to yet"
	case parley.KindDeclineInvitation, parley.KindAcceptInvitation:
		return "the parties at the table changed"
	}
	return by + " recorded " + t.Kind
}

// followers lists the later stances on an item, after it lost agreement,
// by other parties that took the same position.
func (w *writer) followers(it *state.Item, lost state.Transition) string {
	var out []string
	for _, s := range it.History {
		if s.Index <= lost.Index || s.Party == lost.Party || !w.inRound(s.At) {
			continue
		}
		if lost.Stance != nil && s.Stance == lost.Stance.Stance && s.Condition == lost.Stance.Condition {
			out = append(out, fmt.Sprintf("%s did the same on %s [#%d].", w.party(s.Party), w.when(s.At), s.Index))
		}
	}
	return strings.Join(out, " ")
}

// open lists the items not agreed and who blocks them.
func (w *writer) open(res *agreement.Result) {
	w.printf("\n## Not agreed\n\n")
	n := 0
	for _, it := range w.st.Items {
		ir := res.Items[it.ID]
		if ir == nil || ir.Status == agreement.StatusAgreed || ir.Status == agreement.StatusAgreedAdReferendum {
			continue
		}
		n++
		w.printf("- %s: %s.", w.item(it), strings.ReplaceAll(ir.Status, "_", " "))
		var direct []string
		for _, b := range ir.Blockers {
			direct = append(direct, w.blocker(it, b))
		}
		if len(direct) > 0 {
			w.printf(" %s", sentence(capitalize(strings.Join(direct, "; "))))
		}
		if ir.NoSupport {
			w.printf(" No party supports it.")
		}
		if len(ir.PackageBlockedBy) > 0 {
			w.printf(" It is in a package with %s, which are not agreed.", strings.Join(ir.PackageBlockedBy, ", "))
		}
		if roots := w.roots(it.ID, ir.RootBlockers); roots != "" {
			w.printf(" Blocked at the root by %s.", roots)
		}
		w.printf("\n")
	}
	if n == 0 {
		w.printf("Every item on the agenda is agreed.\n")
	}
}

func (w *writer) blocker(it *state.Item, b agreement.Blocker) string {
	who := w.party(b.Party)
	s := it.Stances[b.Party]
	ref := ""
	if s != nil {
		ref = fmt.Sprintf(" [#%d]", s.Index)
	}
	switch b.Stance {
	case "silent":
		if s != nil {
			return fmt.Sprintf("%s has no stance on the current version (its stance%s refers to version %d)", who, ref, s.Version)
		}
		return who + " has taken no stance"
	case parley.StanceConditional:
		out := fmt.Sprintf("%s supports it only if %s%s, which does not hold", who, b.Condition, ref)
		if len(b.WaitsOn) > 0 {
			out += ": it waits on " + strings.Join(b.WaitsOn, " or ")
		}
		if len(b.ExcludedBy) > 0 {
			out += "; it is excluded by " + strings.Join(b.ExcludedBy, ", ")
		}
		if len(b.MissingFacts) > 0 {
			out += "; the facts " + strings.Join(b.MissingFacts, ", ") + " are not confirmed"
		}
		return out
	}
	out := fmt.Sprintf("%s %ss%s", who, verb(b.Stance), ref)
	if s != nil && s.Reason != "" {
		out += ": " + quote(s.Reason)
	}
	return out
}

// roots describes root blockers, grouped by item, unless they are only the
// item's own direct objections.
func (w *writer) roots(item string, rbs []agreement.RootBlocker) string {
	byItem := map[string][]string{}
	var items []string
	elsewhere := false
	for _, rb := range rbs {
		if rb.Item != item {
			elsewhere = true
		}
		if byItem[rb.Item] == nil {
			items = append(items, rb.Item)
		}
		who := "no party's support"
		if rb.Party != "" {
			who = rb.Party + " (" + rb.Stance + ")"
		}
		byItem[rb.Item] = append(byItem[rb.Item], who)
	}
	if !elsewhere {
		return ""
	}
	sort.Strings(items)
	var parts []string
	for _, id := range items {
		parts = append(parts, strings.Join(byItem[id], ", ")+" on "+id)
	}
	return strings.Join(parts, "; ")
}

// statements lists the public statements about the round, from all, the
// state of the whole record.
func (w *writer) statements(all *state.Talks) {
	var lines []string
	for _, s := range all.Statements {
		if s.Round != w.r.ID && !(s.Round == "" && w.inRound(s.At)) {
			continue
		}
		if all.VisibilityAt(s.Index) != parley.VisPublic {
			continue // a briefing quotes public statements only
		}
		lang := ""
		if s.Lang != "" {
			lang = " (" + s.Lang + ")"
		}
		lines = append(lines, fmt.Sprintf("- %s, %s%s [#%d]: %s", w.when(s.At), actorName(all, s.By), lang, s.Index, quote(s.Text)))
	}
	if len(lines) == 0 {
		return
	}
	w.printf("\n## Public statements\n\nWhat actors said in public, as they signed it; compare it with the record above.\n\n%s\n", strings.Join(lines, "\n"))
}

// inRound reports whether t falls between the round's opening and its
// closing (or now, while it is open).
func (w *writer) inRound(t time.Time) bool {
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

func (w *writer) party(id string) string {
	if name := w.st.Roster.Parties[id]; name != "" {
		return name + " (" + id + ")"
	}
	return id
}

func (w *writer) parties(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = w.party(id)
	}
	return strings.Join(names, ", ")
}

func (w *writer) actor(key string) string { return actorName(w.st, key) }

func actorName(st *state.Talks, key string) string {
	a := st.Roster.Actors[key]
	if a == nil {
		return "an unknown actor"
	}
	if a.Party != "" {
		return a.Name + ", " + a.Role + " of " + st.Roster.Parties[a.Party] + " (" + a.Party + ")"
	}
	return a.Name + " (" + a.Role + ")"
}

func (w *writer) item(it *state.Item) string { return "**" + it.ID + "** " + quote(it.Title) }

// supporters lists the parties whose current stance on the latest version
// is a yes.
func (w *writer) supporters(it *state.Item) string {
	latest := it.Latest()
	var out []string
	for _, p := range w.st.Participants() {
		s := it.Stances[p]
		if s == nil || s.Version != latest.N {
			continue
		}
		switch s.Stance {
		case parley.StanceSupport, parley.StanceAdReferendum, parley.StanceConditional:
			out = append(out, fmt.Sprintf("%s [#%d]", w.party(p), s.Index))
		}
	}
	return strings.Join(out, ", ")
}

func describeStance(s *state.Stance) string {
	switch s.Stance {
	case parley.StanceConditional:
		return fmt.Sprintf("made its support of version %d conditional on %s", s.Version, s.Condition)
	case parley.StanceAdReferendum:
		return fmt.Sprintf("supported version %d ad referendum", s.Version)
	case parley.StanceSupport:
		return fmt.Sprintf("supported version %d", s.Version)
	}
	return fmt.Sprintf("%ss version %d", verb(s.Stance), s.Version)
}

func verb(stance string) string {
	switch stance {
	case parley.StanceOppose:
		return "oppose"
	case parley.StanceReserve:
		return "reserve"
	case parley.StanceAbstain:
		return "abstain"
	}
	return stance
}

// sentence ends s with a full stop unless it ends with one already.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, ".”") || strings.HasSuffix(s, "?”") || strings.HasSuffix(s, "!”") {
		return s
	}
	return s + "."
}

func quote(s string) string { return "“" + strings.TrimSpace(s) + "”" }

func orDash(s string) string {
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

package briefing_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/view"
)

var update = flag.Bool("update", false, "rewrite the golden briefings in testdata")

// TestMoscowGolden compares the briefings of the Moscow rounds with the
// ones in testdata, read and checked by hand as what a careful person
// would write from the record: for anyone, and for the mediators.
func TestMoscowGolden(t *testing.T) {
	talks, events := moscowEvents(t)
	for _, tc := range []struct{ round, audience string }{
		{"r1", "public"}, {"r2", "public"}, {"r2", "mediators"},
	} {
		v, err := view.Audience(tc.audience)
		if err != nil {
			t.Fatal(err)
		}
		md, err := briefing.FromEvents(talks, events, v, tc.round)
		if err != nil {
			t.Fatal(err)
		}
		checkBriefing(t, md)
		golden(t, filepath.Join("testdata", "moscow-"+tc.round+"-"+tc.audience+".md"), md)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./briefing -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

var refRE = regexp.MustCompile(`\[#(\d+)\]`)

// checkBriefing checks what every briefing must hold to: no two facts
// that contradict each other, and every reference within the events the
// header says it is drawn from, its example among them.
func checkBriefing(t *testing.T, md string) {
	t.Helper()
	if strings.Contains(md, "Nothing is agreed") && strings.Contains(md, "Every item on the agenda is agreed") {
		t.Errorf("the briefing says both that nothing and that everything is agreed:\n%s", md)
	}
	if strings.Contains(md, "There is no item on the agenda") && strings.Contains(md, "## Not agreed") {
		t.Errorf("the briefing has no item yet lists what is not agreed:\n%s", md)
	}
	head, body, _ := strings.Cut(md, "\n## ")
	last := int64(-1)
	if m := regexp.MustCompile(`events 0 to (\d+)`).FindStringSubmatch(head); m != nil {
		last, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := regexp.MustCompile(`up to #(\d+)`).FindStringSubmatch(head); m != nil {
		last, _ = strconv.ParseInt(m[1], 10, 64)
	}
	cited := map[string]bool{}
	for _, m := range refRE.FindAllStringSubmatch(body, -1) {
		cited[m[1]] = true
		if n, _ := strconv.ParseInt(m[1], 10, 64); n > last {
			t.Errorf("the briefing cites #%d beyond the events its header names (to #%d):\n%s", n, last, md)
		}
	}
	if m := regexp.MustCompile(`like \[#(\d+)\]`).FindStringSubmatch(head); m != nil && !cited[m[1]] && !strings.Contains(head, "recorded when the round closed [#"+m[1]+"]") {
		t.Errorf("the header's example [#%s] is cited nowhere:\n%s", m[1], md)
	}
	for _, bad := range []string{"”.”", ".”.", "1 items", "1 events", "(en)", "attended", "agreed(", "fact("} {
		if strings.Contains(md, bad) {
			t.Errorf("the briefing holds %q:\n%s", bad, md)
		}
	}
}

// talks builds the events of a small talks, act by act.
type talks struct {
	t      *testing.T
	keys   map[string]ed25519.PrivateKey
	events []*parley.Event
	clock  time.Time
}

func newTalks(t *testing.T) *talks {
	tk := &talks{t: t, keys: map[string]ed25519.PrivateKey{}, clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	for _, n := range []string{"convener", "mediator", "gov", "opp"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		tk.keys[n] = k
	}
	tk.act("convener", parley.KindFoundTalks, "", parley.FoundTalks{Title: "Ceasefire talks", ConvenerName: "The Host", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic})
	tk.act("convener", parley.KindAddMediator, "", parley.AddMediator{Key: tk.pub("mediator"), Name: "Ana Mediator"})
	for _, p := range []string{"gov", "opp"} {
		tk.act("mediator", parley.KindAddParty, "", parley.AddParty{Party: p, Name: map[string]string{"gov": "Government of Ruritania", "opp": "Ruritanian Opposition Front"}[p]})
		tk.act("mediator", parley.KindAddActor, "", parley.AddActor{Key: tk.pub(p), Name: "Head " + p, Role: parley.RoleHead, Party: p})
	}
	return tk
}

func (tk *talks) pub(n string) string {
	return parley.KeyString(tk.keys[n].Public().(ed25519.PublicKey))
}

func (tk *talks) act(by, kind, vis string, payload any) {
	tk.t.Helper()
	tk.clock = tk.clock.Add(time.Hour)
	e, err := parley.NewEvent("tk", kind, tk.keys[by].Public().(ed25519.PublicKey), tk.clock, payload)
	if err != nil {
		tk.t.Fatal(err)
	}
	e.Vis = vis
	b, _ := json.Marshal(e)
	if e, err = parley.DecodeEvent(b); err != nil {
		tk.t.Fatal(err)
	}
	tk.events = append(tk.events, e)
}

func (tk *talks) round(id string, parties ...string) {
	tk.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: id, Title: "Round " + id, Starts: "2026-03-02", Ends: "2026-03-20", Venue: "Geneva"})
	for _, p := range parties {
		tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: id, Party: p})
		tk.act(p, parley.KindAcceptInvitation, "", parley.Invitation{Round: id, Party: p})
	}
	tk.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: id})
}

func (tk *talks) brief(audience, round string) string {
	tk.t.Helper()
	v, err := view.Audience(audience)
	if err != nil {
		tk.t.Fatal(err)
	}
	md, err := briefing.FromEvents("tk", tk.events, v, round)
	if err != nil {
		tk.t.Fatalf("briefing of %s for %s: %v", round, audience, err)
	}
	checkBriefing(tk.t, md)
	return md
}

func mustContain(t *testing.T, md string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(md, w) {
			t.Errorf("the briefing lacks %q:\n%s", w, md)
		}
	}
}

func mustLack(t *testing.T, md string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(md, b) {
			t.Errorf("the briefing holds %q:\n%s", b, md)
		}
	}
}

// TestEmptyRound: a round with no party invited and no item on the agenda.
func TestEmptyRound(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1")
	md := tk.brief("public", "r1")
	mustContain(t, md, "Still open.", "No party was invited.", "There is no item on the agenda.", "Convened by The Host; mediated by Ana Mediator.")
	mustLack(t, md, "## Not agreed", "Nothing is agreed", "Numbers in brackets")
}

// TestEverythingAgreed: an open round in which every item is agreed.
func TestEverythingAgreed(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1", "gov", "opp")
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The parties cease fire."}})
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceSupport})
	tk.act("opp", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(A1)"})
	md := tk.brief("public", "")
	mustContain(t, md, "Every item on the agenda is agreed.", "agreed, with the support of Government of Ruritania (gov) [#",
		"Ruritanian Opposition Front (opp) [#", ", on the condition that A1 is agreed.", "accepted the invitation [#", "and was at the table when the round opened [#")
	mustLack(t, md, "Nothing is agreed")
}

// TestNothingAgreedYet: an open round with an item not agreed says so
// without claiming the round's end.
func TestNothingAgreedYet(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1", "gov", "opp")
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The parties cease fire."}})
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceSupport})
	md := tk.brief("public", "r1")
	mustContain(t, md, "Nothing is agreed so far.", "Ruritanian Opposition Front (opp) has taken no stance.")
	mustLack(t, md, "at the end of the round", "Every item")
}

// TestLateAcceptanceAndBetweenRounds: a party that accepts after the round
// opened, a stance changed between rounds (shown in the next round's
// briefing), and a decline's reason for the mediators only.
func TestLateAcceptanceAndBetweenRounds(t *testing.T) {
	tk := newTalks(t)
	tk.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r1", Title: "Round r1", Starts: "2026-03-02", Ends: "2026-03-20", Venue: "Geneva"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r1", Party: "gov"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r1", Party: "opp"})
	tk.act("gov", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r1", Party: "gov"})
	tk.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r1"})
	tk.act("opp", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r1", Party: "opp"})
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The parties cease fire."}})
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceAdReferendum})
	tk.act("opp", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "opp", Stance: parley.StanceSupport})
	tk.act("mediator", parley.KindCloseRound, parley.VisMediators, parley.CloseRound{Round: "r1", Note: "SECRET-NOTE"})
	// The capital answers after the round.
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceSupport, Reason: "Confirmed by the capital."})
	tk.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r2", Title: "Round r2", Starts: "2026-04-06", Ends: "2026-04-10", Venue: "Geneva"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r2", Party: "gov"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r2", Party: "opp"})
	tk.act("gov", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r2", Party: "gov"})
	tk.act("opp", parley.KindDeclineInvitation, parley.VisMediators, parley.Invitation{Round: "r2", Party: "opp", Reason: "SECRET-REASON"})
	tk.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r2"})

	r1 := tk.brief("public", "r1")
	mustContain(t, r1, "accepted the invitation on 2 March 2026 (day 1) [#", ", after the round opened.", "agreed ad referendum: the support of Government of Ruritania (gov) awaits the confirmation of its capital")
	// For the public the mediators' closing is hidden: the round is still
	// open to it, and the note is not shown.
	mustLack(t, r1, "SECRET-NOTE")
	r2 := tk.brief("public", "r2")
	mustContain(t, r2, "## Stances changed between rounds", "After round `r1` closed and before this round opened:", "Government of Ruritania (gov) supported version 1 on **A1**")
	// The decline is for the mediators: the public sees opp invited.
	mustContain(t, r2, "Ruritanian Opposition Front (opp): invited [#")
	mustLack(t, r2, "SECRET-REASON", "declined")
	med := tk.brief("mediators", "r2")
	mustContain(t, med, "**declined**", "SECRET-REASON")
	medR1 := tk.brief("mediators", "r1")
	mustContain(t, medR1, "Closing note, as recorded when the round closed [#", "SECRET-NOTE")
}

// TestOpenBracketsNotAgreed: a text with open brackets is not agreed,
// though every party supports it, and the briefing says why and what
// lifts it.
func TestOpenBracketsNotAgreed(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1", "gov", "opp")
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The ceasefire starts at [[midnight || noon]]."}})
	for _, p := range []string{"gov", "opp"} {
		tk.act(p, parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: p, Stance: parley.StanceSupport})
	}
	md := tk.brief("public", "r1")
	mustContain(t, md, "Nothing is agreed so far.", "**A1** “Ceasefire”: not agreed. The current version of A1 holds 1 open bracket, and nothing in brackets is agreed until a mediator tables a version without them.")
	mustLack(t, md, "Every item", "No party supports")
}

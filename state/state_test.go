package state_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
)

// world is a talks under construction in a test: keys, the state, and the
// events applied so far.
type world struct {
	t      tb
	st     *state.Talks
	keys   map[string]ed25519.PrivateKey // by name
	events []*parley.Event
	clock  time.Time
}

// tb is the part of testing.TB that rapid.T has too.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func newWorld(t tb) *world {
	w := &world{t: t, st: state.New("t1"), keys: map[string]ed25519.PrivateKey{}, clock: time.Date(2015, 4, 6, 9, 0, 0, 0, time.UTC)}
	for _, n := range []string{"convener", "mediator", "gov", "oppA", "oppB", "observer", "verifier", "stranger"} {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		w.keys[n] = k
	}
	return w
}

func (w *world) pub(name string) string {
	return parley.KeyString(w.keys[name].Public().(ed25519.PublicKey))
}

// act makes an event by the named actor and applies it, returning the
// error of Apply. A refused event must leave the state unchanged.
func (w *world) act(by, kind string, payload any) error {
	w.t.Helper()
	return w.actVis(by, kind, "", payload)
}

// actVis is act with the event's visibility.
func (w *world) actVis(by, kind, vis string, payload any) error {
	w.t.Helper()
	w.clock = w.clock.Add(time.Minute)
	e, err := parley.NewEvent("t1", kind, w.keys[by].Public().(ed25519.PublicKey), w.clock, payload)
	if err != nil {
		w.t.Fatal(err)
	}
	e.Vis = vis
	// Round-trip through the encoding, as the ledger does.
	b, _ := json.Marshal(e)
	e, err = parley.DecodeEvent(b)
	if err != nil {
		w.t.Fatalf("DecodeEvent: %v", err)
	}
	before := dump(w.t, w.st)
	if err := w.st.Apply(e, w.st.Size); err != nil {
		if after := dump(w.t, w.st); !bytes.Equal(before, after) {
			w.t.Fatalf("refused %s changed the state:\nbefore %s\nafter  %s", kind, before, after)
		}
		if parley.ErrorCode(err) == parley.EINTERNAL {
			w.t.Fatalf("refused %s without an error code: %v", kind, err)
		}
		return err
	}
	w.events = append(w.events, e)
	return nil
}

func (w *world) must(by, kind string, payload any) {
	w.t.Helper()
	if err := w.act(by, kind, payload); err != nil {
		w.t.Fatalf("%s by %s: %v", kind, by, err)
	}
}

func dump(t tb, st *state.Talks) []byte {
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setup founds the talks with two parties at an open round and one item.
func (w *world) setup() {
	w.must("convener", parley.KindFoundTalks, parley.FoundTalks{Title: "Talks", ConvenerName: "Host", Rule: parley.Rule{Kind: parley.RuleConsensus}})
	w.must("convener", parley.KindAddMediator, parley.AddMediator{Key: w.pub("mediator"), Name: "Mediator"})
	for _, p := range []string{"gov", "oppA", "oppB"} {
		w.must("mediator", parley.KindAddParty, parley.AddParty{Party: p, Name: "Party " + p})
		w.must("mediator", parley.KindAddActor, parley.AddActor{Key: w.pub(p), Name: "Head " + p, Role: parley.RoleHead, Party: p})
	}
	w.must("mediator", parley.KindAddActor, parley.AddActor{Key: w.pub("observer"), Name: "Observer", Role: parley.RoleObserver})
	w.must("mediator", parley.KindAddActor, parley.AddActor{Key: w.pub("verifier"), Name: "Verifier", Role: parley.RoleVerifier})
	w.must("mediator", parley.KindPlanRound, parley.PlanRound{Round: "r1", Title: "Round 1", Starts: "2015-04-06", Ends: "2015-04-10", Venue: "Moscow"})
	for _, p := range []string{"gov", "oppA", "oppB"} {
		w.must("mediator", parley.KindInvite, parley.Invitation{Round: "r1", Party: p})
	}
	w.must("gov", parley.KindAcceptInvitation, parley.Invitation{Round: "r1", Party: "gov"})
	w.must("oppA", parley.KindAcceptInvitation, parley.Invitation{Round: "r1", Party: "oppA"})
	w.must("oppB", parley.KindDeclineInvitation, parley.Invitation{Round: "r1", Party: "oppB", Reason: "We distrust the host."})
	w.must("mediator", parley.KindOpenRound, parley.RoundRef{Round: "r1"})
	w.must("mediator", parley.KindAddItem, parley.AddItem{Item: "D1", Title: "Declaration", Kind: parley.ItemDocument})
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Paragraphs: []string{"The parties [[shall || should]] meet again."}})
}

func TestChecksOnAppend(t *testing.T) {
	w := newWorld(t)
	w.setup()
	stance := func(party string, v int, s, cond string) parley.SetStance {
		return parley.SetStance{Item: "D1", Version: v, Party: party, Stance: s, Condition: cond}
	}
	tests := []struct {
		name    string
		by      string
		kind    string
		payload any
		code    string
		want    string
	}{
		{"stranger", "stranger", parley.KindStatement, parley.Statement{Text: "hi"}, parley.EFORBIDDEN, "not on the roster"},
		{"delegate for another party", "gov", parley.KindSetStance, stance("oppA", 1, "support", ""), parley.EFORBIDDEN, "only for its own party"},
		{"delegate tables a version", "gov", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"x"}}, parley.EFORBIDDEN, "a mediator"},
		{"convener tables a version", "convener", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"x"}}, parley.EFORBIDDEN, "a mediator"},
		{"declined party takes a stance", "oppB", parley.KindSetStance, stance("oppB", 1, "support", ""), parley.EFORBIDDEN, "declined"},
		{"stance on a missing version", "gov", parley.KindSetStance, stance("gov", 2, "support", ""), parley.ENOTFOUND, "has version 1 only, not 2"},
		{"condition does not parse", "gov", parley.KindSetStance, stance("gov", 1, "conditional", "agreed(D1"), parley.EINVALID, "condition"},
		{"condition names a missing item", "gov", parley.KindSetStance, stance("gov", 1, "conditional", "agreed(M9)"), parley.ENOTFOUND, "M9"},
		{"condition without conditional", "gov", parley.KindSetStance, stance("gov", 1, "support", "agreed(D1)"), parley.EINVALID, "only a conditional"},
		{"unknown stance", "gov", parley.KindSetStance, stance("gov", 1, "maybe", ""), parley.EINVALID, "stance"},
		{"version out of order", "mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 3, Paragraphs: []string{"x"}}, parley.ECONFLICT, "next version"},
		{"bad markup", "mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"[[open"}}, parley.EINVALID, "paragraph"},
		{"decline without reason", "gov", parley.KindDeclineInvitation, parley.Invitation{Round: "r1", Party: "gov"}, parley.EINVALID, "reason"},
		{"observer takes a stance", "observer", parley.KindSetStance, stance("gov", 1, "support", ""), parley.EFORBIDDEN, "head or delegate"},
		{"non-verifier confirms a fact", "mediator", parley.KindConfirmFact, parley.ConfirmFact{Fact: "f1"}, parley.EFORBIDDEN, "a verifier"},
		{"mediator names a mediator", "mediator", parley.KindAddMediator, parley.AddMediator{Key: w.pub("stranger"), Name: "X"}, parley.EFORBIDDEN, "the convener"},
		{"second founding", "convener", parley.KindFoundTalks, parley.FoundTalks{Title: "T", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}}, parley.ECONFLICT, "already founded"},
		{"key reused", "mediator", parley.KindAddActor, parley.AddActor{Key: w.pub("gov"), Name: "X", Role: parley.RoleObserver}, parley.ECONFLICT, "one key holds one role"},
		{"head adds delegate to another party", "gov", parley.KindAddActor, parley.AddActor{Key: w.pub("stranger"), Name: "X", Role: parley.RoleDelegate, Party: "oppA"}, parley.EFORBIDDEN, "own delegates"},
		{"control character", "gov", parley.KindStatement, parley.Statement{Text: "a\x07b"}, parley.EINVALID, "control character"},
		{"open a second round", "mediator", parley.KindOpenRound, parley.RoundRef{Round: "r1"}, parley.ECONFLICT, "only a planned round"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			err := w.act(tt.by, tt.kind, tt.payload)
			if err == nil {
				t.Fatalf("%s was accepted, want it refused", tt.kind)
			}
			if got := parley.ErrorCode(err); got != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %s %q, want code %s mentioning %q", got, err, tt.code, tt.want)
			}
		})
	}
	w.t = t
	// A replayed event (same nonce) is refused.
	last := w.events[len(w.events)-1]
	if err := w.st.Apply(last, w.st.Size); err != parley.ErrDuplicate {
		t.Errorf("replayed event: got %v, want ErrDuplicate", err)
	}
	// After the round closes, a party that sat at its table may still
	// change its stance (a capital's answer), recorded as between rounds;
	// amendments wait for the next round, and a party that declined the
	// round still cannot act.
	w.must("mediator", parley.KindCloseRound, parley.CloseRound{Round: "r1"})
	if err := w.act("gov", parley.KindSetStance, stance("gov", 1, "support", "")); err != nil {
		t.Errorf("stance between rounds: %v, want it recorded", err)
	} else if s := w.st.Item("D1").Stances["gov"]; s == nil || !s.Between || s.Round != "r1" {
		t.Errorf("stance between rounds recorded as %+v, want Between after r1", s)
	}
	if err := w.act("oppB", parley.KindSetStance, stance("oppB", 1, "support", "")); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("stance between rounds by a party that declined the last round: got %v, want it forbidden", err)
	}
	amend := parley.ProposeAmendment{Item: "D1", Amendment: "late", Version: 1, Party: "gov", Changes: []parley.Change{{Op: "replace", Paragraph: 1, Text: "x"}}}
	if err := w.act("gov", parley.KindProposeAmendment, amend); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("amendment after the round closed: got %v, want a conflict", err)
	}
	if err := w.act("mediator", parley.KindInvite, parley.Invitation{Round: "r1", Party: "oppB"}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("invitation to a closed round: got %v, want it refused as closed", err)
	}
}

// TestHiddenIsMissing checks that an act naming an item or version its
// signer may not see is refused exactly as one naming nothing: the error
// tells nothing that is hidden.
func TestHiddenIsMissing(t *testing.T) {
	w := newWorld(t)
	w.setup()
	if err := w.actVis("mediator", parley.KindAddItem, parley.VisMediators, parley.AddItem{Item: "SECRET", Title: "Secret", Kind: parley.ItemMeasure}); err != nil {
		t.Fatal(err)
	}
	if err := w.actVis("mediator", parley.KindTableVersion, parley.VisMediators, parley.TableVersion{Item: "SECRET", Version: 1, Paragraphs: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.actVis("mediator", parley.KindTableVersion, parley.VisMediators, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"draft"}}); err != nil {
		t.Fatal(err)
	}
	same := func(name string, hidden, missing parley.SetStance, hiddenID, missingID string) {
		t.Helper()
		e1 := w.act("gov", parley.KindSetStance, hidden)
		e2 := w.act("gov", parley.KindSetStance, missing)
		if e1 == nil || e2 == nil {
			t.Fatalf("%s: accepted (%v, %v), want both refused", name, e1, e2)
		}
		m1 := strings.ReplaceAll(e1.Error(), hiddenID, "X")
		m2 := strings.ReplaceAll(e2.Error(), missingID, "X")
		if parley.ErrorCode(e1) != parley.ErrorCode(e2) || m1 != m2 {
			t.Errorf("%s: hidden gives %s %q, missing gives %s %q; want the same", name, parley.ErrorCode(e1), e1, parley.ErrorCode(e2), e2)
		}
	}
	st := func(item string, v int, stance, cond string) parley.SetStance {
		return parley.SetStance{Item: item, Version: v, Party: "gov", Stance: stance, Condition: cond}
	}
	same("hidden item", st("SECRET", 1, "support", ""), st("NOPE", 1, "support", ""), "SECRET", "NOPE")
	same("hidden version", st("D1", 2, "support", ""), st("D1", 3, "support", ""), "2", "3")
	same("condition on a hidden item", st("D1", 1, "conditional", "agreed(SECRET)"), st("D1", 1, "conditional", "agreed(NOPE)"), "SECRET", "NOPE")
	// The mediators see everything, and the party sees version 1 still.
	if err := w.act("gov", parley.KindSetStance, st("D1", 1, "support", "")); err != nil {
		t.Errorf("stance on the visible version: %v", err)
	}
}

// TestTimeBeforeFounding checks that an event dated before the talks was
// founded is refused.
func TestTimeBeforeFounding(t *testing.T) {
	w := newWorld(t)
	w.setup()
	w.clock = w.clock.Add(-48 * time.Hour)
	err := w.act("gov", parley.KindStatement, parley.Statement{Text: "Yesterday."})
	if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(err.Error(), "before the talks was founded") {
		t.Errorf("statement dated before the founding: got %v, want it refused", err)
	}
}

func TestInstance(t *testing.T) {
	w := newWorld(t)
	w.setup()
	w.must("gov", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"})
	w.must("oppA", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "oppA", Stance: "conditional", Condition: "agreed(D1)&&!fact(x)"})
	inst := w.st.Instance()
	if got, want := strings.Join(inst.Parties, ","), "gov,oppA"; got != want {
		t.Errorf("parties = %s, want %s (oppB declined)", got, want)
	}
	if len(inst.Positions) != 2 || inst.Positions[1].Condition != "agreed(D1) and not fact(x)" {
		t.Errorf("positions = %+v, want two, the condition in canonical form", inst.Positions)
	}
	// A new version makes earlier stances outdated: they no longer count.
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"The parties shall meet again."}})
	if inst := w.st.Instance(); len(inst.Positions) != 0 {
		t.Errorf("positions after version 2 = %+v, want none", inst.Positions)
	}
	if got := len(w.st.Outdated()["D1"]); got != 2 {
		t.Errorf("outdated stances = %d, want 2", got)
	}
}

// TestReplay checks that the state is a projection: applying random valid
// and invalid events, then replaying the accepted ones from scratch, gives
// exactly the same state.
func TestReplay(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(t)
		w.t = rt
		w.setup()
		parties := []string{"gov", "oppA", "oppB"}
		items := []string{"D1"}
		stances := []string{"support", "ad_referendum", "abstain", "reserve", "oppose", "conditional"}
		n := rapid.IntRange(1, 40).Draw(rt, "n")
		for i := 0; i < n; i++ {
			switch rapid.IntRange(0, 7).Draw(rt, "op") {
			case 0:
				id := fmt.Sprintf("I%d", len(items))
				if w.act("mediator", parley.KindAddItem, parley.AddItem{Item: id, Title: "Item " + id, Kind: parley.ItemMeasure}) == nil {
					items = append(items, id)
				}
			case 1:
				it := rapid.SampledFrom(items).Draw(rt, "item")
				v := rapid.IntRange(1, 3).Draw(rt, "version")
				w.act("mediator", parley.KindTableVersion, parley.TableVersion{Item: it, Version: v, Paragraphs: []string{"Text " + it, "More [[a || b]]"}})
			case 2, 3, 4:
				p := rapid.SampledFrom(parties).Draw(rt, "party")
				s := rapid.SampledFrom(stances).Draw(rt, "stance")
				cond := ""
				if s == "conditional" {
					a, b := rapid.SampledFrom(items).Draw(rt, "a"), rapid.SampledFrom(items).Draw(rt, "b")
					cond = rapid.SampledFrom([]string{"agreed(%s) or agreed(%s)", "not agreed(%s) and agreed(%s)", "agreed(%s) && fact(f%s)"}).Draw(rt, "form")
					cond = fmt.Sprintf(cond, a, b)
				}
				w.act(p, parley.KindSetStance, parley.SetStance{Item: rapid.SampledFrom(items).Draw(rt, "item"), Version: rapid.IntRange(1, 2).Draw(rt, "v"), Party: p, Stance: s, Condition: cond})
			case 5:
				p := rapid.SampledFrom(parties).Draw(rt, "party")
				w.act(p, rapid.SampledFrom([]string{parley.KindAcceptInvitation, parley.KindDeclineInvitation}).Draw(rt, "answer"), parley.Invitation{Round: "r1", Party: p, Reason: "reasons"})
			case 6:
				w.act(rapid.SampledFrom([]string{"gov", "observer", "stranger"}).Draw(rt, "by"), parley.KindStatement, parley.Statement{Text: "We spoke."})
			case 7:
				w.act("verifier", parley.KindConfirmFact, parley.ConfirmFact{Fact: "f" + rapid.SampledFrom(items).Draw(rt, "fact")})
			}
		}
		replay := state.New("t1")
		for i, e := range w.events {
			if err := replay.Apply(e, int64(i)); err != nil {
				rt.Fatalf("replaying event %d (%s): %v", i, e.Kind, err)
			}
		}
		if a, b := dump(rt, w.st), dump(rt, replay); !bytes.Equal(a, b) {
			rt.Fatalf("replay differs:\nlive   %s\nreplay %s", a, b)
		}
	})
}

func TestVisibility(t *testing.T) {
	w := newWorld(t)
	w.setup()
	mk := func(by, kind, vis string, payload any) *parley.Event {
		e, err := parley.NewEvent("t1", kind, w.keys[by].Public().(ed25519.PublicKey), w.clock, payload)
		if err != nil {
			t.Fatal(err)
		}
		e.Vis = vis
		return e
	}
	stance := parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"}
	roster := mk("mediator", parley.KindAddParty, "", parley.AddParty{Party: "x", Name: "X"})
	dflt := mk("gov", parley.KindSetStance, "", stance)
	own := mk("gov", parley.KindSetStance, parley.VisParty("gov"), stance)
	chairs := mk("mediator", parley.KindStatement, parley.VisMediators, parley.Statement{Text: "note"})
	viewers := map[string]state.Viewer{
		"public":   state.Public,
		"gov":      w.st.ViewerOf(w.pub("gov")),
		"oppA":     w.st.ViewerOf(w.pub("oppA")),
		"mediator": w.st.ViewerOf(w.pub("mediator")),
		"observer": w.st.ViewerOf(w.pub("observer")),
		"stranger": w.st.ViewerOf(w.pub("stranger")),
	}
	tests := []struct {
		e    *parley.Event
		want map[string]bool
	}{
		{roster, map[string]bool{"public": true, "gov": true, "oppA": true, "mediator": true, "observer": true, "stranger": true}},
		{dflt, map[string]bool{"gov": true, "oppA": true, "mediator": true, "observer": true}},
		{own, map[string]bool{"gov": true, "mediator": true}},
		{chairs, map[string]bool{"mediator": true}},
	}
	for i, tt := range tests {
		for name, v := range viewers {
			if got := w.st.Visible(v, tt.e); got != tt.want[name] {
				t.Errorf("event %d (%s, vis %q) seen by %s = %v, want %v", i, tt.e.Kind, tt.e.Vis, name, got, tt.want[name])
			}
		}
	}
	// In proximity talks a stance is seen by its party and the mediators.
	w.st.Proximity = true
	if w.st.Visible(viewers["oppA"], dflt) || !w.st.Visible(viewers["gov"], dflt) || !w.st.Visible(viewers["mediator"], dflt) {
		t.Errorf("proximity: a stance must be seen by its own party and the mediators only")
	}
}

func TestCaucusAndRelease(t *testing.T) {
	w := newWorld(t)
	w.setup()
	w.st.Proximity = true
	w.must("gov", parley.KindCaucus, parley.Caucus{Party: "gov", Text: "Our red lines."})
	caucus := w.st.Size - 1
	w.must("gov", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"})
	stance := w.st.Size - 1
	gov, oppA, med := w.st.ViewerOf(w.pub("gov")), w.st.ViewerOf(w.pub("oppA")), w.st.ViewerOf(w.pub("mediator"))
	if !w.st.VisibleAt(gov, caucus) || !w.st.VisibleAt(med, caucus) || w.st.VisibleAt(oppA, caucus) || w.st.VisibleAt(state.Public, caucus) {
		t.Errorf("a caucus message must be seen by its party and the mediators only")
	}
	if w.st.VisibleAt(oppA, stance) {
		t.Errorf("in proximity talks oppA sees gov's stance before it is released")
	}
	if err := w.act("oppA", parley.KindCaucus, parley.Caucus{Party: "gov", Text: "Let me in."}); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("oppA writing in gov's caucus: got %v, want forbidden", err)
	}
	if err := w.act("gov", parley.KindRelease, parley.Release{Party: "oppA", Index: stance}); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("a party releasing: got %v, want forbidden", err)
	}
	w.must("mediator", parley.KindRelease, parley.Release{Party: "oppA", Index: stance})
	if !w.st.VisibleAt(oppA, stance) || w.st.VisibleAt(w.st.ViewerOf(w.pub("oppB")), stance) {
		t.Errorf("after the release oppA, and only oppA, must see the stance")
	}
}

// TestSeenInstance checks that the agreement instance of a viewer who sees
// every event is the talks' own instance, and that a narrower viewer's
// instance names only what that viewer may see, on random talks with
// events of every visibility, rules and packages.
func TestSeenInstance(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(t)
		w.t = rt
		w.setup()
		parties := []string{"gov", "oppA", "oppB"}
		items := []string{"D1"}
		viss := []string{"", parley.VisMediators, parley.VisParty("gov"), parley.VisParty("oppA"), parley.VisParticipants}
		stances := []string{"support", "ad_referendum", "abstain", "oppose", "conditional"}
		n := rapid.IntRange(1, 40).Draw(rt, "n")
		for i := 0; i < n; i++ {
			vis := rapid.SampledFrom(viss).Draw(rt, "vis")
			switch rapid.IntRange(0, 8).Draw(rt, "op") {
			case 0:
				id := fmt.Sprintf("I%d", len(items))
				var rule *parley.Rule
				if rapid.Bool().Draw(rt, "own rule") {
					rule = &parley.Rule{Kind: parley.RuleConsensusMinus, N: 1}
				}
				if w.actVis("mediator", parley.KindAddItem, vis, parley.AddItem{Item: id, Title: "Item " + id, Kind: parley.ItemMeasure, Rule: rule}) == nil {
					items = append(items, id)
				}
			case 1:
				it := rapid.SampledFrom(items).Draw(rt, "item")
				w.actVis("mediator", parley.KindTableVersion, vis, parley.TableVersion{Item: it, Version: rapid.IntRange(1, 3).Draw(rt, "version"), Paragraphs: []string{"Text " + it}})
			case 2, 3, 4:
				p := rapid.SampledFrom(parties).Draw(rt, "party")
				s := rapid.SampledFrom(stances).Draw(rt, "stance")
				cond := ""
				if s == "conditional" {
					cond = "agreed(" + rapid.SampledFrom(items).Draw(rt, "on") + ")"
				}
				w.actVis(p, parley.KindSetStance, vis, parley.SetStance{Item: rapid.SampledFrom(items).Draw(rt, "item"), Version: rapid.IntRange(1, 3).Draw(rt, "v"), Party: p, Stance: s, Condition: cond})
			case 5:
				w.actVis("mediator", parley.KindSetRule, vis, parley.SetRule{Item: rapid.SampledFrom(append([]string{""}, items...)).Draw(rt, "rule item"), Rule: parley.Rule{Kind: parley.RuleMajority, Threshold: 0.5}})
			case 6:
				a, b := rapid.SampledFrom(items).Draw(rt, "a"), rapid.SampledFrom(items).Draw(rt, "b")
				w.actVis("mediator", parley.KindSetPackage, vis, parley.SetPackage{Package: "P", Items: []string{a, b}})
			case 7:
				p := rapid.SampledFrom(parties).Draw(rt, "party")
				w.actVis(p, rapid.SampledFrom([]string{parley.KindAcceptInvitation, parley.KindDeclineInvitation}).Draw(rt, "answer"), vis, parley.Invitation{Round: "r1", Party: p, Reason: "reasons"})
			case 8:
				w.actVis("verifier", parley.KindConfirmFact, vis, parley.ConfirmFact{Fact: fmt.Sprintf("f%d", i)})
			}
		}
		seen := w.st.Seen(nil).Instance()
		seen.Holds = nil
		all, _ := json.Marshal(referenceInstance(w.st))
		got, _ := json.Marshal(seen)
		if !bytes.Equal(all, got) {
			rt.Fatalf("instance seen whole:\n%s\nwant the instance read from the state directly:\n%s", got, all)
		}
		for _, who := range []string{"gov", "oppA", "observer", "stranger"} {
			v := w.st.ViewerOf(w.pub(who))
			s := w.st.Seen(func(i int64) bool { return w.st.VisibleAt(v, i) })
			inst := s.Instance()
			for _, id := range inst.Items {
				if !w.st.VisibleAt(v, w.st.Item(id).Added) {
					rt.Fatalf("%s's instance holds item %s, which it may not see", who, id)
				}
			}
			for _, p := range inst.Positions {
				if x := s.Stance(w.st.Item(p.Item), p.Party); x == nil || !w.st.VisibleAt(v, x.Index) {
					rt.Fatalf("%s's instance holds a position of %s on %s that it may not see", who, p.Party, p.Item)
				}
			}
			for _, pk := range inst.Packages {
				for _, id := range pk {
					if !w.st.VisibleAt(v, w.st.Item(id).Added) {
						rt.Fatalf("%s's instance has a package naming %s, which it may not see", who, id)
					}
				}
			}
		}
	})
}

// referenceInstance computes the agreement instance of a talks directly
// from its current state, as one who sees every event: the parties at the
// table, every item with its own rule, each participating party's current
// stance on the latest version, the packages and the facts. Holds are left
// to other tests.
func referenceInstance(st *state.Talks) *agreement.Instance {
	inst := &agreement.Instance{Rule: st.Rule, Parties: st.Participants()}
	at := map[string]bool{}
	for _, p := range inst.Parties {
		at[p] = true
	}
	for _, it := range st.Items {
		inst.Items = append(inst.Items, it.ID)
		if it.Rule != nil {
			if inst.ItemRules == nil {
				inst.ItemRules = map[string]parley.Rule{}
			}
			inst.ItemRules[it.ID] = *it.Rule
		}
		latest := it.Latest()
		for _, p := range st.PartyOrder {
			if x := it.Stances[p]; x != nil && at[p] && latest != nil && x.Version == latest.N {
				inst.Positions = append(inst.Positions, agreement.Position{Party: p, Item: it.ID, Stance: x.Stance, Condition: x.Condition})
			}
		}
	}
	names := make([]string, 0, len(st.Packages))
	for n := range st.Packages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		inst.Packages = append(inst.Packages, append([]string(nil), st.Packages[n]...))
	}
	for f := range st.Facts {
		inst.Facts = append(inst.Facts, f)
	}
	sort.Strings(inst.Facts)
	return inst
}

// TestHiddenRoundIsMissing: a party's act naming a round planned for the
// mediators only is refused as one naming no round; and the opening and
// closing of a round, which decide what every party may do, may not be
// hidden from the parties.
func TestHiddenRoundIsMissing(t *testing.T) {
	w := newWorld(t)
	w.setup()
	if err := w.actVis("mediator", parley.KindPlanRound, parley.VisMediators, parley.PlanRound{Round: "zr", Title: "Hidden", Starts: "2015-04-20", Ends: "2015-04-21", Venue: "X"}); err != nil {
		t.Fatal(err)
	}
	if err := w.actVis("mediator", parley.KindInvite, parley.VisMediators, parley.Invitation{Round: "zr", Party: "oppB"}); err != nil {
		t.Fatal(err)
	}
	hidden := w.act("oppB", parley.KindDeclineInvitation, parley.Invitation{Round: "zr", Party: "oppB", Reason: "No."})
	missing := w.act("oppB", parley.KindDeclineInvitation, parley.Invitation{Round: "nope", Party: "oppB", Reason: "No."})
	if hidden == nil || missing == nil || strings.ReplaceAll(hidden.Error(), `"zr"`, `"nope"`) != missing.Error() {
		t.Errorf("a hidden round is refused as %v, a missing one as %v: want the same refusal", hidden, missing)
	}
	for _, vis := range []string{parley.VisMediators, parley.VisParty("gov")} {
		if err := w.actVis("mediator", parley.KindCloseRound, vis, parley.CloseRound{Round: "r1"}); err == nil || !strings.Contains(err.Error(), "every party sees them") {
			t.Errorf("closing the round for %s: %v, want it refused", vis, err)
		}
	}
	if err := w.actVis("mediator", parley.KindCloseRound, parley.VisParticipants, parley.CloseRound{Round: "r1", Note: "For the participants."}); err != nil {
		t.Errorf("closing the round for the participants: %v", err)
	}
	if err := w.actVis("mediator", parley.KindOpenRound, parley.VisMediators, parley.RoundRef{Round: "zr"}); err == nil || !strings.Contains(err.Error(), "every party sees them") {
		t.Errorf("opening a round for the mediators: %v, want it refused", err)
	}
}

// TestHiddenIDsAreFree: an amendment or a flag id that another party
// used in an act hidden from the signer is free to the signer (refusing
// it would tell the signer the hidden act exists); an id the signer's own
// party used, or one it may see, is taken. A version taking in an id two
// parties chose is refused, naming both.
func TestHiddenIDsAreFree(t *testing.T) {
	w := newWorld(t)
	w.setupLanguages()
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Texts: map[string][]string{"ar": {"نص."}, "ru": {"Текст."}, "en": {"Text."}}})
	amend := func(party, vis string) error {
		return w.actVis(party, parley.KindProposeAmendment, vis, parley.ProposeAmendment{Item: "D1", Version: 1, Amendment: "X1", Party: party, Lang: "en",
			Changes: []parley.Change{{Op: "replace", Paragraph: 1, Text: "Other text."}}})
	}
	if err := amend("oppA", parley.VisParty("oppA")); err != nil {
		t.Fatal(err)
	}
	if err := amend("gov", ""); err != nil {
		t.Errorf("gov's amendment X1, with oppA's hidden from gov: %v, want it recorded", err)
	}
	if err := amend("oppA", ""); err == nil || !strings.Contains(err.Error(), "already names an amendment") {
		t.Errorf("oppA's second X1: %v, want it refused", err)
	}
	err := w.act("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Amendments: []string{"X1"}, Texts: map[string][]string{"ar": {"نص آخر."}, "ru": {"Другой текст."}, "en": {"Other text."}}})
	if err == nil || !strings.Contains(err.Error(), "oppA, gov") {
		t.Errorf("a version taking in X1 of two parties: %v, want it refused naming both", err)
	}
	flag := func(party, vis string) error {
		return w.actVis(party, parley.KindFlagDivergence, vis, parley.FlagDivergence{Item: "D1", Version: 1, Flag: "F1", Party: party, Paragraph: 1, Langs: [2]string{"ar", "ru"}, Note: "They differ."})
	}
	if err := flag("oppA", parley.VisParty("oppA")); err != nil {
		t.Fatal(err)
	}
	if err := flag("gov", ""); err != nil {
		t.Errorf("gov's flag F1, with oppA's hidden from gov: %v, want it recorded", err)
	}
	if err := flag("gov", ""); err == nil || !strings.Contains(err.Error(), "already names a flag") {
		t.Errorf("gov's second F1: %v, want it refused", err)
	}
	// Each withdraws its own.
	for _, p := range []string{"oppA", "gov"} {
		if err := w.act(p, parley.KindWithdrawDivergence, parley.WithdrawDivergence{Item: "D1", Flag: "F1", Party: p}); err != nil {
			t.Errorf("%s withdraws its F1: %v", p, err)
		}
	}
}

// TestHiddenFactIsFree: a fact confirmed in an act hidden from another
// verifier is not confirmed to it: it may confirm it (its own act, which
// others then see), and is refused once it sees a confirmation.
func TestHiddenFactIsFree(t *testing.T) {
	w := newWorld(t)
	w.setup()
	w.must("mediator", parley.KindAddActor, parley.AddActor{Key: w.pub("stranger"), Name: "Second verifier", Role: parley.RoleVerifier})
	if err := w.actVis("verifier", parley.KindConfirmFact, parley.VisMediators, parley.ConfirmFact{Fact: "F1", Note: "SECRET"}); err != nil {
		t.Fatal(err)
	}
	gov := w.st.ViewerOf(w.pub("gov"))
	if slices.Contains(w.st.Seen(func(i int64) bool { return w.st.VisibleAt(gov, i) }).Facts(), "F1") {
		t.Fatalf("gov sees F1 confirmed in an act for the mediators only")
	}
	if err := w.act("stranger", parley.KindConfirmFact, parley.ConfirmFact{Fact: "F1", Note: "Seen on the ground."}); err != nil {
		t.Errorf("the second verifier confirms F1, whose confirmation is hidden from it: %v", err)
	}
	if !slices.Contains(w.st.Seen(func(i int64) bool { return w.st.VisibleAt(gov, i) }).Facts(), "F1") {
		t.Errorf("gov does not see F1 confirmed after the second confirmation, which it may see")
	}
	if err := w.act("stranger", parley.KindConfirmFact, parley.ConfirmFact{Fact: "F1"}); err == nil || !strings.Contains(err.Error(), "already confirmed") {
		t.Errorf("confirming F1 again: %v, want it refused", err)
	}
}

package state_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/parleyhq/parley"
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
	w.clock = w.clock.Add(time.Minute)
	e, err := parley.NewEvent("t1", kind, w.keys[by].Public().(ed25519.PublicKey), w.clock, payload)
	if err != nil {
		w.t.Fatal(err)
	}
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
		{"stance on a missing version", "gov", parley.KindSetStance, stance("gov", 2, "support", ""), parley.ENOTFOUND, "versions 1 to 1"},
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
	// Acts on a closed round are refused.
	w.must("mediator", parley.KindCloseRound, parley.CloseRound{Round: "r1"})
	if err := w.act("gov", parley.KindSetStance, stance("gov", 1, "support", "")); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("stance after the round closed: got %v, want a conflict", err)
	}
	if err := w.act("mediator", parley.KindInvite, parley.Invitation{Round: "r1", Party: "oppB"}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("invitation to a closed round: got %v, want it refused as closed", err)
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

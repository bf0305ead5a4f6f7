package state_test

import (
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/state"
)

// sealPrefs seals a party's preferences on D1 by sender to the named
// recipients, bound to ctx (the preferences' own context by default).
func (w *sealWorld) sealPrefs(by, party, content string, to []string, ctx *seal.Context) json.RawMessage {
	w.t.Helper()
	c := seal.Context{Origin: sealOrigin, Kind: parley.KindGivePreferences, Channel: parley.PreferencesChannel("D1", party), Sender: w.keys[by].Public().(ed25519.PublicKey)}
	if ctx != nil {
		c = *ctx
	}
	var rs []seal.Recipient
	for _, n := range to {
		rs = append(rs, seal.Recipient{Actor: w.keys[n].Public().(ed25519.PublicKey), Key: w.enc[n].Public()})
	}
	s, err := seal.Seal(c, []byte(content), rs)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	return b
}

var issuesD1 = []parley.IssueOptions{{ID: "tranches", Options: []string{"1", "2", "3"}}, {ID: "venue", Options: []string{"geneva", "vienna"}}}

const govPrefs = `{"id":"gov","weights":{"tranches":"0.7","venue":"0.3"},"values":{"tranches":{"1":"0","2":"0.9","3":"1"},"venue":{"geneva":"1","vienna":"0"}},"reservation":"0.5"}`

func TestPreferences(t *testing.T) {
	w := newSealWorld(t)
	w.publish("mediator", "gov", "oppA", "oppB", "observer", "verifier", "convener")
	govTo := []string{"gov", "mediator"}

	// Before any definition, preferences are refused.
	if err := w.act("gov", parley.KindGivePreferences, parley.GivePreferences{Item: "D1", Party: "gov", Sealed: w.sealPrefs("gov", "gov", govPrefs, govTo, nil)}); parley.ErrorCode(err) != parley.ENOTFOUND || !strings.Contains(err.Error(), "no issues are defined") {
		t.Fatalf("preferences before a definition: got %v", err)
	}

	def := parley.DefineIssues{Item: "D1", Issues: issuesD1, Current: map[string]string{"tranches": "3", "venue": "vienna"}, Note: "The terms to settle."}
	badDefs := []struct {
		name, by string
		p        parley.DefineIssues
		vis      string
		code     string
		want     string
	}{
		{"a party defining", "gov", def, "", parley.EFORBIDDEN, "may be signed only by a mediator"},
		{"the convener defining", "convener", def, "", parley.EFORBIDDEN, "may be signed only by a mediator"},
		{"an unknown item", "mediator", parley.DefineIssues{Item: "Z9", Issues: issuesD1}, "", parley.ENOTFOUND, "no item \"Z9\""},
		{"no issues", "mediator", parley.DefineIssues{Item: "D1"}, "", parley.EINVALID, "\"issues\": give 1 to 200 issues, not 0"},
		{"an issue without options", "mediator", parley.DefineIssues{Item: "D1", Issues: []parley.IssueOptions{{ID: "venue"}}}, "", parley.EINVALID, "\"issues[0].options\": give 1 to 100 options, not 0"},
		{"a bad issue id", "mediator", parley.DefineIssues{Item: "D1", Issues: []parley.IssueOptions{{ID: "a b", Options: []string{"x"}}}}, "", parley.EINVALID, "\"issues[0].id\""},
		{"an issue twice", "mediator", parley.DefineIssues{Item: "D1", Issues: []parley.IssueOptions{{ID: "venue", Options: []string{"x"}}, {ID: "Venue", Options: []string{"y"}}}}, "", parley.EINVALID, "names the issue already given as issues[0]"},
		{"an option twice", "mediator", parley.DefineIssues{Item: "D1", Issues: []parley.IssueOptions{{ID: "venue", Options: []string{"x", "x"}}}}, "", parley.EINVALID, "\"issues[0].options[1]\": \"x\" repeats options[0]"},
		{"too many options", "mediator", parley.DefineIssues{Item: "D1", Issues: []parley.IssueOptions{{ID: "n", Options: manyIDs(101)}}}, "", parley.EINVALID, "give 1 to 100 options, not 101"},
		{"an unknown option in the current package", "mediator", parley.DefineIssues{Item: "D1", Issues: issuesD1, Current: map[string]string{"tranches": "4", "venue": "vienna"}}, "", parley.EINVALID, "\"current.tranches\": \"4\" is not an option"},
		{"an unknown issue in the current package", "mediator", parley.DefineIssues{Item: "D1", Issues: issuesD1, Current: map[string]string{"tranches": "1", "venue": "vienna", "when": "may"}}, "", parley.EINVALID, "\"when\" is not an issue"},
		{"a current package without every issue", "mediator", parley.DefineIssues{Item: "D1", Issues: issuesD1, Current: map[string]string{"tranches": "1"}}, "", parley.EINVALID, "chooses no option of issue \"venue\""},
		{"narrowed", "mediator", def, parley.VisMediators, parley.EINVALID, "seen by whoever sees the item"},
	}
	for _, tt := range badDefs {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			err := w.actVis(tt.by, parley.KindDefineIssues, tt.vis, tt.p)
			if parley.ErrorCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %s mentioning %q", err, tt.code, tt.want)
			}
		})
	}
	w.t = t
	if len(w.st.Definitions("D1")) != 0 {
		t.Fatalf("a refused definition was stored")
	}
	w.must("mediator", parley.KindDefineIssues, def)
	d := w.st.CurrentDefinition("D1")
	if d == nil || d.Index != w.st.Size-1 || len(d.Issues) != 2 || d.Current["venue"] != "vienna" {
		t.Fatalf("the current definition is %+v", d)
	}
	if vis := w.st.VisibilityAt(d.Index); vis != w.st.VisibilityAt(w.st.Item("D1").Added) {
		t.Errorf("the definition is seen by %q, its item by %q", vis, w.st.VisibilityAt(w.st.Item("D1").Added))
	}

	give := func(by, party string, def int64, sealed json.RawMessage) parley.GivePreferences {
		return parley.GivePreferences{Item: "D1", Party: party, Definition: def, Sealed: sealed}
	}
	other := seal.Context{Origin: sealOrigin, Kind: parley.KindGivePreferences, Channel: parley.PreferencesChannel("D1", "oppA"), Sender: w.keys["gov"].Public().(ed25519.PublicKey)}
	asCaucus := seal.Context{Origin: sealOrigin, Kind: parley.KindCaucus, Channel: parley.PreferencesChannel("D1", "gov"), Sender: w.keys["gov"].Public().(ed25519.PublicKey)}
	badPrefs := []struct {
		name, by string
		p        parley.GivePreferences
		vis      string
		code     string
		want     string
	}{
		{"a party for another party", "gov", give("gov", "oppA", d.Index, w.sealPrefs("gov", "oppA", govPrefs, []string{"oppA", "mediator"}, nil)), "", parley.EFORBIDDEN, "a delegate acts only for its own party"},
		{"the mediator for a party", "mediator", give("mediator", "gov", d.Index, w.sealPrefs("mediator", "gov", govPrefs, govTo, nil)), "", parley.EFORBIDDEN, "may be signed only by a party's head or delegate"},
		{"an observer", "observer", give("observer", "gov", d.Index, w.sealPrefs("observer", "gov", govPrefs, govTo, nil)), "", parley.EFORBIDDEN, "may be signed only by a party's head or delegate"},
		{"an unknown party", "gov", give("gov", "nobody", d.Index, w.sealPrefs("gov", "gov", govPrefs, govTo, nil)), "", parley.EFORBIDDEN, "not for \"nobody\""},
		{"an unknown item", "gov", parley.GivePreferences{Item: "Z9", Party: "gov", Definition: d.Index, Sealed: w.sealPrefs("gov", "gov", govPrefs, govTo, nil)}, "", parley.ENOTFOUND, "no item \"Z9\""},
		{"an old definition", "gov", give("gov", "gov", d.Index-1, w.sealPrefs("gov", "gov", govPrefs, govTo, nil)), "", parley.ECONFLICT, "the current definition of the issues"},
		{"in plain text", "gov", give("gov", "gov", d.Index, nil), "", parley.EINVALID, "never in plain text"},
		{"a mediator left out", "gov", give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, []string{"gov"}, nil)), "", parley.EINVALID, "(Mediator), whom this act requires"},
		{"another party too", "gov", give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, []string{"gov", "mediator", "oppA"}, nil)), "", parley.EINVALID, "(Head oppA), who is not among the recipients"},
		{"the convener too", "gov", give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, []string{"gov", "mediator", "convener"}, nil)), "", parley.EINVALID, "(Host), who is not among the recipients"},
		{"an observer too", "gov", give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, []string{"gov", "mediator", "observer"}, nil)), "", parley.EINVALID, "(Observer), who is not among the recipients"},
		{"another channel", "gov", give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, govTo, &other)), "", parley.EINVALID, "sealed for another context"},
		{"another kind", "gov", give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, govTo, &asCaucus)), "", parley.EINVALID, "sealed for another context"},
		{"narrowed to another party", "gov", give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, govTo, nil)), "party:oppA", parley.EINVALID, "seen by that party and the mediators only"},
	}
	for _, tt := range badPrefs {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			err := w.actVis(tt.by, parley.KindGivePreferences, tt.vis, tt.p)
			if parley.ErrorCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %s mentioning %q", err, tt.code, tt.want)
			}
		})
	}
	w.t = t
	if len(w.st.Preferences("D1")) != 0 {
		t.Fatalf("refused preferences were stored")
	}

	sealed := w.sealPrefs("gov", "gov", govPrefs, govTo, nil)
	w.must("gov", parley.KindGivePreferences, give("gov", "gov", d.Index, sealed))
	ps := w.st.Preferences("D1")
	if len(ps) != 1 || ps[0].Party != "gov" || string(ps[0].Sealed) != string(sealed) || ps[0].Definition != d.Index {
		t.Fatalf("the state keeps %+v", ps)
	}
	if vis := w.st.VisibilityAt(ps[0].Index); vis != "party:gov" {
		t.Errorf("preferences are seen by %q, want party:gov", vis)
	}
	if !w.st.Sealed(ps[0].Index) {
		t.Errorf("the state keeps no sealed payload for re-wraps")
	}
	if b := dump(t, w.st); strings.Contains(string(b), `"reservation"`) {
		t.Errorf("the state holds the preferences in plain text")
	}
	// The offline verifier's check agrees.
	if err := roster(w).CheckSealedAct(sealOrigin, w.events[len(w.events)-1]); err != nil {
		t.Errorf("CheckSealedAct of accepted preferences: %v", err)
	}

	// What each viewer sees of them: the mediator and gov, and nobody
	// else (oppA, the observer, the public).
	seen := func(v state.Viewer) []*state.PartyPreferences {
		return w.st.Seen(func(i int64) bool { return w.st.VisibleAt(v, i) }).PartyPreferences(w.st.Item("D1"), func(string) bool { return true })
	}
	for name, want := range map[string]int{"mediator": 1, "gov": 1, "oppA": 0, "observer": 0, "public": 0} {
		v := state.Public
		if name != "public" {
			v = w.st.ViewerOf(w.pub(name))
		}
		if got := len(seen(v)); got != want {
			t.Errorf("%s sees %d preferences, want %d", name, got, want)
		}
	}

	// A new definition replaces the old one; the preferences given over
	// the old one no longer fit the new.
	w.must("mediator", parley.KindDefineIssues, parley.DefineIssues{Item: "D1", Issues: issuesD1[:1]})
	if err := w.act("gov", parley.KindGivePreferences, give("gov", "gov", d.Index, w.sealPrefs("gov", "gov", govPrefs, govTo, nil))); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("preferences over a replaced definition: got %v, want conflict", err)
	}
	d2 := w.st.CurrentDefinition("D1")
	w.must("gov", parley.KindGivePreferences, give("gov", "gov", d2.Index, w.sealPrefs("gov", "gov", govPrefs, govTo, nil)))
	if n := len(w.st.Preferences("D1")); n != 2 || len(w.st.Definitions("D1")) != 2 {
		t.Errorf("after revisions the state keeps %d preferences and %d definitions, want 2 and 2", n, len(w.st.Definitions("D1")))
	}
}

func manyIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "o" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return out
}

// roster replays the roster alone, as an offline verifier does, up to the
// last event, and returns it.
func roster(w *sealWorld) *state.Roster {
	r := state.NewRoster("t1")
	for i, e := range w.events[:len(w.events)-1] {
		if parley.AlwaysPublic(e.Kind) {
			if err := r.Authorize(e, int64(i)); err != nil {
				w.t.Fatal(err)
			}
		}
	}
	return r
}

package state_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// setupLanguages founds a talks in Arabic, Russian and English with two
// parties at an open round and an item D1.
func (w *world) setupLanguages() {
	w.must("convener", parley.KindFoundTalks, parley.FoundTalks{Title: "Talks", ConvenerName: "Host", Rule: parley.Rule{Kind: parley.RuleConsensus}, Languages: []string{"ar", "ru", "en"}})
	w.must("convener", parley.KindAddMediator, parley.AddMediator{Key: w.pub("mediator"), Name: "Mediator"})
	for _, p := range []string{"gov", "oppA"} {
		w.must("mediator", parley.KindAddParty, parley.AddParty{Party: p, Name: "Party " + p})
		w.must("mediator", parley.KindAddActor, parley.AddActor{Key: w.pub(p), Name: "Head " + p, Role: parley.RoleHead, Party: p})
	}
	w.must("mediator", parley.KindPlanRound, parley.PlanRound{Round: "r1", Title: "Round 1", Starts: "2015-04-06", Ends: "2015-04-10"})
	for _, p := range []string{"gov", "oppA"} {
		w.must("mediator", parley.KindInvite, parley.Invitation{Round: "r1", Party: p})
		w.must(p, parley.KindAcceptInvitation, parley.Invitation{Round: "r1", Party: p})
	}
	w.must("mediator", parley.KindOpenRound, parley.RoundRef{Round: "r1"})
	w.must("mediator", parley.KindAddItem, parley.AddItem{Item: "D1", Title: "Declaration", Kind: parley.ItemDocument})
}

// holds returns the kinds of the holds on an item.
func holds(inst *agreement.Instance, item string) string {
	var out []string
	for _, h := range inst.Holds {
		if h.Item == item {
			out = append(out, h.Kind)
		}
	}
	return strings.Join(out, ",")
}

func agreed(t *testing.T, w *world, item string) bool {
	t.Helper()
	res, err := agreement.Evaluate(w.st.Instance())
	if err != nil {
		t.Fatal(err)
	}
	return res.Items[item].Status == agreement.StatusAgreed
}

// TestEquallyAuthenticTexts walks a text through its languages: tabled in
// two of three, it is incomplete and not agreed; a stance taken before the
// third language counts no more once it is tabled; a divergence flagged
// between two languages holds it until withdrawn or a new version.
func TestEquallyAuthenticTexts(t *testing.T) {
	w := newWorld(t)
	w.setupLanguages()
	texts := map[string][]string{"ar": {"تجتمع الأطراف [[مجددا || قريبا]]."}, "ru": {"Стороны встретятся [[снова || вскоре]]."}}
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Texts: texts})
	for _, p := range []string{"gov", "oppA"} {
		w.must(p, parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: p, Stance: parley.StanceSupport})
	}
	if got := holds(w.st.Instance(), "D1"); got != "open_brackets,incomplete_version" {
		t.Errorf("holds of D1 in two of three languages, with brackets = %q", got)
	}
	// A clean version, still without English.
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Texts: map[string][]string{"ar": {"تجتمع الأطراف مجددا."}, "ru": {"Стороны встретятся снова."}}})
	for _, p := range []string{"gov", "oppA"} {
		w.must(p, parley.KindSetStance, parley.SetStance{Item: "D1", Version: 2, Party: p, Stance: parley.StanceSupport})
	}
	if agreed(t, w, "D1") {
		t.Error("D1 is agreed while its version 2 has no English text")
	}
	// The English text comes: the stances were taken on two languages
	// only, and count again once the parties take them on all three.
	w.must("mediator", parley.KindTranslateVersion, parley.TranslateVersion{Item: "D1", Version: 2, Lang: "en", Paragraphs: []string{"The parties meet again."}})
	if got := holds(w.st.Instance(), "D1"); got != "" || agreed(t, w, "D1") {
		t.Errorf("after the English text: holds %q, agreed %v; want no hold and not agreed (the stances predate it)", got, agreed(t, w, "D1"))
	}
	for _, p := range []string{"gov", "oppA"} {
		w.must(p, parley.KindSetStance, parley.SetStance{Item: "D1", Version: 2, Party: p, Stance: parley.StanceSupport})
	}
	if !agreed(t, w, "D1") {
		t.Error("D1 is not agreed in all three languages with both supporting")
	}
	// oppA flags a divergence between the Arabic and the Russian.
	flag := parley.FlagDivergence{Item: "D1", Version: 2, Flag: "f1", Party: "oppA", Paragraph: 1, Langs: [2]string{"ar", "ru"}, Note: "The Arabic says soon, the Russian again."}
	w.must("oppA", parley.KindFlagDivergence, flag)
	if got := holds(w.st.Instance(), "D1"); got != "open_divergence" || agreed(t, w, "D1") {
		t.Errorf("with a divergence flagged: holds %q, agreed %v", got, agreed(t, w, "D1"))
	}
	if err := w.act("gov", parley.KindWithdrawDivergence, parley.WithdrawDivergence{Item: "D1", Flag: "f1", Party: "gov"}); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("gov withdrawing oppA's flag: %v, want it forbidden", err)
	}
	w.must("oppA", parley.KindWithdrawDivergence, parley.WithdrawDivergence{Item: "D1", Flag: "f1", Party: "oppA", Reason: "Checked with our translator."})
	if !agreed(t, w, "D1") {
		t.Error("D1 is not agreed after the flag was withdrawn")
	}
}

// TestLanguageChecks checks the refusals of the language acts.
func TestLanguageChecks(t *testing.T) {
	w := newWorld(t)
	w.setupLanguages()
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Texts: map[string][]string{"ar": {"[[أ || ب]] نص."}, "en": {"[[A || B]] text."}}})
	for _, tc := range []struct {
		name    string
		by      string
		kind    string
		payload any
		want    string
	}{
		{"paragraphs in a talks with languages", "mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"x"}}, "give the text in each as \"texts\""},
		{"an unofficial language", "mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Texts: map[string][]string{"fr": {"x"}}}, "not an official language"},
		{"unaligned paragraphs", "mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Texts: map[string][]string{"ar": {"أ", "ب"}, "en": {"A"}}}, "aligned paragraph by paragraph"},
		{"unaligned brackets", "mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Texts: map[string][]string{"ar": {"[[أ || ب]]"}, "en": {"[[A]]"}}}, "bracket k of one language is bracket k"},
		{"a language twice", "mediator", parley.KindTranslateVersion, parley.TranslateVersion{Item: "D1", Version: 1, Lang: "ar", Paragraphs: []string{"x"}}, "already"},
		{"an unaligned translation", "mediator", parley.KindTranslateVersion, parley.TranslateVersion{Item: "D1", Version: 1, Lang: "ru", Paragraphs: []string{"Текст."}}, "brackets"},
		{"a flag on a missing language", "oppA", parley.KindFlagDivergence, parley.FlagDivergence{Item: "D1", Version: 1, Flag: "f", Party: "oppA", Paragraph: 1, Langs: [2]string{"ar", "ru"}, Note: "x"}, "no \"ru\" text"},
		{"a flag without a note", "oppA", parley.KindFlagDivergence, parley.FlagDivergence{Item: "D1", Version: 1, Flag: "f", Party: "oppA", Paragraph: 1, Langs: [2]string{"ar", "en"}}, "say what differs"},
		{"a flag on a paragraph past the end", "oppA", parley.KindFlagDivergence, parley.FlagDivergence{Item: "D1", Version: 1, Flag: "f", Party: "oppA", Paragraph: 2, Langs: [2]string{"ar", "en"}, Note: "x"}, "paragraphs 1 to 1"},
		{"a flag for another party", "oppA", parley.KindFlagDivergence, parley.FlagDivergence{Item: "D1", Version: 1, Flag: "f", Party: "gov", Paragraph: 1, Langs: [2]string{"ar", "en"}, Note: "x"}, "acts only for its own party"},
		{"an amendment without its language", "oppA", parley.KindProposeAmendment, parley.ProposeAmendment{Item: "D1", Amendment: "a1", Version: 1, Party: "oppA", Changes: []parley.Change{{Op: "replace", Paragraph: 1, Text: "[[A || C]] text."}}}, "has no text in \"\""},
	} {
		if err := w.act(tc.by, tc.kind, tc.payload); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	// A language tag that is not canonical, or a talks with too many.
	w2 := newWorld(t)
	if err := w2.act("convener", parley.KindFoundTalks, parley.FoundTalks{Title: "T", ConvenerName: "C", Rule: parley.Rule{Kind: parley.RuleConsensus}, Languages: []string{"AR"}}); err == nil || !strings.Contains(err.Error(), "canonical form") {
		t.Errorf("founding with languages [AR]: %v, want the canonical form asked for", err)
	}
	// An amendment in one language, stated in another.
	w.must("oppA", parley.KindProposeAmendment, parley.ProposeAmendment{Item: "D1", Amendment: "a1", Version: 1, Party: "oppA", Lang: "en",
		Changes: []parley.Change{{Op: "replace", Paragraph: 1, Text: "[[A || C]] text."}}, Translations: map[string][]parley.Change{"ar": {{Op: "replace", Paragraph: 1, Text: "[[أ || ج]] نص."}}}})
	if a := w.st.Item("D1").Amendment("oppA", "a1"); a == nil || a.Lang != "en" || a.Translations["ar"][0] != "[[أ || ج]] نص." {
		t.Errorf("amendment a1 recorded as %+v", a)
	}
}

// TestManyDivergences: a version with more open flags than a hold's
// detail can name still gives an instance the engine reads: the detail
// names as many as fit, and the count says how many are open.
func TestManyDivergences(t *testing.T) {
	w := newWorld(t)
	w.setupLanguages()
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Texts: map[string][]string{"ar": {"نص."}, "ru": {"Текст."}, "en": {"Text."}}})
	for k := range 40 {
		w.must("oppA", parley.KindFlagDivergence, parley.FlagDivergence{Item: "D1", Version: 1, Flag: fmt.Sprintf("divergence-flag-%02d", k), Party: "oppA", Paragraph: 1, Langs: [2]string{"ar", "ru"}, Note: "They differ."})
	}
	inst := w.st.Instance()
	if _, err := agreement.Evaluate(inst); err != nil {
		t.Fatalf("the instance with 40 open flags: %v", err)
	}
	for _, h := range inst.Holds {
		if h.Kind == agreement.HoldOpenDivergence && (h.Count != 40 || len(h.Detail) > agreement.MaxHoldDetail || !strings.HasSuffix(h.Detail, "; …")) {
			t.Errorf("the hold of 40 flags: count %d, %d bytes of detail ending %q", h.Count, len(h.Detail), h.Detail[max(0, len(h.Detail)-12):])
		}
	}
}

// TestHiddenTranslationIsMissing: a translation tabled for the mediators
// only does not exist for a party's acts: an amendment in its language,
// or stating its changes in it, is refused as in a language the version
// lacks (naming only the languages the party sees), and a party's stance
// records only the languages it saw.
func TestHiddenTranslationIsMissing(t *testing.T) {
	w := newWorld(t)
	w.setupLanguages()
	w.must("mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Texts: map[string][]string{"ar": {"نص."}, "en": {"Text."}}})
	if err := w.actVis("mediator", parley.KindTranslateVersion, parley.VisMediators, parley.TranslateVersion{Item: "D1", Version: 1, Lang: "ru", Paragraphs: []string{"SECRET текст."}}); err != nil {
		t.Fatal(err)
	}
	amend := func(lang string, tr map[string][]parley.Change) error {
		return w.act("oppA", parley.KindProposeAmendment, parley.ProposeAmendment{Item: "D1", Amendment: "a-" + lang, Version: 1, Party: "oppA", Lang: lang,
			Changes: []parley.Change{{Op: "insert", Paragraph: 2, Text: "added"}}, Translations: tr})
	}
	hidden, missing := amend("ru", nil), amend("fr", nil)
	if hidden == nil || !strings.Contains(hidden.Error(), `no text in "ru"; amend one of ar, en`) {
		t.Errorf("an amendment in the hidden language: %v", hidden)
	}
	if missing == nil {
		t.Errorf("an amendment in a language that is not official was recorded")
	}
	if err := amend("en", map[string][]parley.Change{"ru": {{Op: "insert", Paragraph: 2, Text: "x"}}}); err == nil || !strings.Contains(err.Error(), `translations.ru`) {
		t.Errorf("an amendment stating its changes in the hidden language: %v", err)
	}
	if err := amend("en", nil); err != nil {
		t.Errorf("an amendment in English: %v", err)
	}
	w.must("oppA", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "oppA", Stance: parley.StanceSupport})
	if s := w.st.Item("D1").Stances["oppA"]; s == nil || strings.Join(s.Langs, ",") != "ar,en" {
		t.Errorf("oppA's stance records languages %v, want those it saw, ar and en", s.Langs)
	}
}

// TestTitlesChecked: titles in official languages only, each a name; a
// talks without official languages takes its one title.
func TestTitlesChecked(t *testing.T) {
	w := newWorld(t)
	w.setupLanguages()
	for _, tc := range []struct {
		titles map[string]string
		want   string
	}{
		{map[string]string{"fr": "Déclaration"}, `"fr" is not an official language`},
		{map[string]string{"ar": ""}, "titles.ar"},
		{map[string]string{"ar": "إعلان\x01"}, "titles.ar"},
	} {
		if err := w.act("mediator", parley.KindAddItem, parley.AddItem{Item: "D2", Title: "Declaration", Kind: parley.ItemDocument, Titles: tc.titles}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("titles %q: %v, want it refused (%s)", tc.titles, err, tc.want)
		}
	}
	w.must("mediator", parley.KindAddItem, parley.AddItem{Item: "D2", Title: "Declaration", Kind: parley.ItemDocument, Titles: map[string]string{"ar": "إعلان", "ru": "Декларация"}})
	if got := w.st.Item("D2").Titles["ru"]; got != "Декларация" {
		t.Errorf("D2's Russian title is %q", got)
	}
	plain := newWorld(t)
	if err := plain.act("convener", parley.KindFoundTalks, parley.FoundTalks{Title: "T", ConvenerName: "C", Rule: parley.Rule{Kind: parley.RuleConsensus}, Titles: map[string]string{"ar": "ت"}}); err == nil || !strings.Contains(err.Error(), "no official languages") {
		t.Errorf("titles in talks without official languages: %v", err)
	}
}

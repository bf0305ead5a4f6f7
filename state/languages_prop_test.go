package state_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/state"
)

// The official languages of the property tests, in their order.
var officials = []string{"ar", "ru", "en"}

// Paragraph shapes: the brackets of a paragraph, whatever its language.
// brackets[s] is how many brackets shape s holds, nested ones included.
var shapeBrackets = []int{0, 1, 2, 2}

// shaped writes a paragraph of shape s in a language, in words of that
// language, so that two paragraphs of one shape are aligned and two of
// different shapes are not.
func shaped(lang string, s int) string {
	w := map[string][4]string{
		"ar": {"تفرج الحكومة", "عن المعتقلين", "جميع", "بعض"},
		"ru": {"Правительство освобождает", "задержанных", "всех", "некоторых"},
		"en": {"The Government releases", "the detainees", "all", "some"},
	}[lang]
	switch s {
	case 0:
		return w[0] + " " + w[1] + "."
	case 1:
		return w[0] + " [[" + w[2] + " || " + w[3] + "]] " + w[1] + "."
	case 2:
		return w[0] + " [[" + w[2] + " || " + w[3] + "]] " + w[1] + " [[" + w[2] + "]]."
	}
	return w[0] + " [[" + w[1] + " [[" + w[2] + " || " + w[3] + "]] || " + w[3] + "]]."
}

func shapedText(lang string, shapes []int) []string {
	var out []string
	for _, s := range shapes {
		out = append(out, shaped(lang, s))
	}
	return out
}

// langModel is what the property test expects of one version: the
// languages tabled, its shapes, and its flags.
type langModel struct {
	shapes []int
	langs  map[string]bool
}

type flagModel struct {
	version, paragraph int
	party              string
	langs              [2]string
	withdrawn          bool
}

type stanceModel struct {
	version int
	stance  string
	langs   map[string]bool // the languages its version had when taken
}

type itemModel struct {
	versions []*langModel
	flags    map[string]*flagModel
	stances  map[string]*stanceModel // by party
}

// TestLanguageActsKeepInvariants applies random sequences of
// version.table, version.translate, divergence.flag, divergence.withdraw
// and stance.set, aligned and unaligned, to a talks in three languages,
// and checks after each act, against a model kept apart from package
// state: that the act is accepted exactly when it should be; that every
// version's texts are aligned two by two, each tabled once, with the
// paragraphs of its first official language as its paragraphs; that
// the holds of the instance equal a recount from the model (open
// brackets, missing languages, open flags of the latest version); that a
// stance counts only on the latest version and covering its languages;
// that an item is agreed exactly when nothing holds it and both parties'
// counted stances support it; and that the agreement a Tracker follows
// act by act is the agreement evaluated from scratch.
func TestLanguageActsKeepInvariants(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(t)
		w.t = rt
		w.setupLanguages()
		w.must("mediator", parley.KindAddItem, parley.AddItem{Item: "M1", Title: "Measure", Kind: parley.ItemMeasure})
		items := []string{"D1", "M1"}
		parties := []string{"gov", "oppA"}
		model := map[string]*itemModel{}
		for _, it := range items {
			model[it] = &itemModel{flags: map[string]*flagModel{}, stances: map[string]*stanceModel{}}
		}
		tr := state.NewTracker()
		for i, e := range w.events {
			if err := tr.Observe(w.st, e, int64(i)); err != nil {
				rt.Fatal(err)
			}
		}
		drawShapes := func(label string) []int {
			// Mostly paragraphs without brackets, so that versions
			// without any are common.
			return rapid.SliceOfN(rapid.SampledFrom([]int{0, 0, 0, 0, 0, 0, 1, 2, 3}), 1, 3).Draw(rt, label)
		}
		// unalign returns shapes that do not align with s: a paragraph
		// more, or one of another shape.
		unalign := func(s []int) []int {
			u := slices.Clone(s)
			if rapid.Bool().Draw(rt, "longer") {
				return append(u, 0)
			}
			k := rapid.IntRange(0, len(u)-1).Draw(rt, "k")
			u[k] = (u[k] + 1 + rapid.IntRange(0, len(shapeBrackets)-2).Draw(rt, "other")) % len(shapeBrackets)
			return u
		}
		n := rapid.IntRange(1, 50).Draw(rt, "n")
		for step := 0; step < n; step++ {
			item := rapid.SampledFrom(items).Draw(rt, "item")
			m := model[item]
			var by, kind, what string
			var payload any
			var wantOK bool
			var apply func()
			switch rapid.IntRange(0, 10).Draw(rt, "op") {
			case 0, 1: // table a version in some languages, maybe unaligned
				v := len(m.versions) + 1
				if rapid.IntRange(0, 9).Draw(rt, "wrong version") == 0 {
					v = rapid.IntRange(1, v+1).Draw(rt, "version")
				}
				shapes := drawShapes("shapes")
				texts := map[string][]string{}
				langs := map[string]bool{}
				aligned := true
				for _, l := range officials {
					if rapid.IntRange(0, 3).Draw(rt, "has "+l) > 0 {
						s := shapes
						if rapid.IntRange(0, 5).Draw(rt, "unaligned "+l) == 0 && len(texts) > 0 {
							s, aligned = unalign(shapes), false
						}
						texts[l], langs[l] = shapedText(l, s), true
					}
				}
				by, kind, what = "mediator", parley.KindTableVersion, fmt.Sprintf("version %d of %s in %v", v, item, slices.Sorted(maps.Keys(langs)))
				payload = parley.TableVersion{Item: item, Version: v, Texts: texts}
				wantOK = v == len(m.versions)+1 && len(texts) > 0 && aligned
				apply = func() { m.versions = append(m.versions, &langModel{shapes: shapes, langs: langs}) }
			case 2, 3: // translate a version into a language
				// Mostly a language the latest version lacks.
				v := rapid.IntRange(1, len(m.versions)+1).Draw(rt, "version")
				lang := rapid.SampledFrom(officials).Draw(rt, "lang")
				if latest := len(m.versions); latest > 0 && rapid.IntRange(0, 3).Draw(rt, "any") > 0 {
					var missing []string
					for _, l := range officials {
						if !m.versions[latest-1].langs[l] {
							missing = append(missing, l)
						}
					}
					if len(missing) > 0 {
						v, lang = latest, rapid.SampledFrom(missing).Draw(rt, "missing")
					}
				}
				var shapes []int
				aligned := true
				if v <= len(m.versions) {
					shapes = m.versions[v-1].shapes
				} else {
					shapes = drawShapes("shapes")
				}
				if rapid.IntRange(0, 4).Draw(rt, "unaligned") == 0 {
					shapes, aligned = unalign(shapes), false
				}
				by, kind, what = "mediator", parley.KindTranslateVersion, fmt.Sprintf("%s of version %d of %s", lang, v, item)
				payload = parley.TranslateVersion{Item: item, Version: v, Lang: lang, Paragraphs: shapedText(lang, shapes)}
				wantOK = v <= len(m.versions) && !m.versions[v-1].langs[lang] && aligned
				apply = func() { m.versions[v-1].langs[lang] = true }
			case 4, 5: // flag a divergence
				party := rapid.SampledFrom(parties).Draw(rt, "party")
				v := rapid.IntRange(1, len(m.versions)+1).Draw(rt, "version")
				id := rapid.SampledFrom([]string{"f1", "f2", "f3", "f4"}).Draw(rt, "flag")
				para := rapid.IntRange(1, 3).Draw(rt, "paragraph")
				langs := [2]string{rapid.SampledFrom(officials).Draw(rt, "a"), rapid.SampledFrom(officials).Draw(rt, "b")}
				// Mostly on two languages of the latest version.
				if latest := len(m.versions); latest > 0 && rapid.IntRange(0, 3).Draw(rt, "any") > 0 {
					var have []string
					for _, l := range officials {
						if m.versions[latest-1].langs[l] {
							have = append(have, l)
						}
					}
					if len(have) > 1 {
						a := rapid.IntRange(0, len(have)-1).Draw(rt, "first")
						b := (a + rapid.IntRange(1, len(have)-1).Draw(rt, "second")) % len(have)
						v, langs = latest, [2]string{have[a], have[b]}
					}
				}
				by, kind, what = party, parley.KindFlagDivergence, fmt.Sprintf("flag %s by %s on version %d of %s, paragraph %d, %v", id, party, v, item, para, langs)
				payload = parley.FlagDivergence{Item: item, Version: v, Flag: id, Party: party, Paragraph: para, Langs: langs, Note: "The texts differ."}
				wantOK = v <= len(m.versions) && m.flags[id] == nil && para <= len(m.versions[v-1].shapes) &&
					m.versions[v-1].langs[langs[0]] && m.versions[v-1].langs[langs[1]] && langs[0] != langs[1]
				apply = func() { m.flags[id] = &flagModel{version: v, paragraph: para, party: party, langs: langs} }
			case 6: // withdraw a flag
				party := rapid.SampledFrom(parties).Draw(rt, "party")
				id := rapid.SampledFrom([]string{"f1", "f2", "f3", "f4"}).Draw(rt, "flag")
				if f := m.flags[id]; f != nil && rapid.IntRange(0, 3).Draw(rt, "any party") > 0 {
					party = f.party // mostly the party that raised it
				}
				by, kind, what = party, parley.KindWithdrawDivergence, fmt.Sprintf("withdrawal of %s by %s on %s", id, party, item)
				payload = parley.WithdrawDivergence{Item: item, Flag: id, Party: party, Reason: "Checked."}
				f := m.flags[id]
				wantOK = f != nil && f.party == party && !f.withdrawn
				apply = func() { f.withdrawn = true }
			case 7, 8, 9, 10: // take a stance
				party := rapid.SampledFrom(parties).Draw(rt, "party")
				v := len(m.versions) // mostly on the latest
				if v == 0 || rapid.IntRange(0, 3).Draw(rt, "other version") == 0 {
					v = rapid.IntRange(1, len(m.versions)+1).Draw(rt, "version")
				}
				st := rapid.SampledFrom([]string{parley.StanceSupport, parley.StanceSupport, parley.StanceOppose}).Draw(rt, "stance")
				by, kind, what = party, parley.KindSetStance, fmt.Sprintf("%s's %s of version %d of %s", party, st, v, item)
				payload = parley.SetStance{Item: item, Version: v, Party: party, Stance: st}
				wantOK = v <= len(m.versions)
				apply = func() {
					m.stances[party] = &stanceModel{version: v, stance: st, langs: maps.Clone(m.versions[v-1].langs)}
				}
			}
			err := w.act(by, kind, payload)
			if (err == nil) != wantOK {
				rt.Fatalf("step %d: %s: error %v, want accepted = %v", step, what, err, wantOK)
			}
			if err != nil {
				continue
			}
			apply()
			if err := tr.Observe(w.st, w.events[len(w.events)-1], int64(len(w.events)-1)); err != nil {
				rt.Fatal(err)
			}
			checkLanguageInvariants(rt, w, model, tr)
		}
	})
}

// checkLanguageInvariants checks the state of w against the model.
func checkLanguageInvariants(rt *rapid.T, w *world, model map[string]*itemModel, tr *state.Tracker) {
	inst := w.st.Instance()
	res, err := agreement.Evaluate(inst)
	if err != nil {
		rt.Fatal(err)
	}
	for id, m := range model {
		it := w.st.Item(id)
		if len(it.Versions) != len(m.versions) {
			rt.Fatalf("%s has %d versions, the model %d", id, len(it.Versions), len(m.versions))
		}
		// Every version: its texts aligned two by two, each language
		// the model has, its paragraphs those of its first language.
		for k, v := range it.Versions {
			mv := m.versions[k]
			var langs []string
			for _, l := range officials {
				if _, ok := v.Texts[l]; ok {
					langs = append(langs, l)
				}
				if _, ok := v.TextAt[l]; ok != mv.langs[l] {
					rt.Fatalf("%s version %d: text in %s tabled = %v, the model says %v", id, v.N, l, ok, mv.langs[l])
				}
			}
			if len(v.Texts) != len(mv.langs) || len(langs) != len(mv.langs) {
				rt.Fatalf("%s version %d has texts in %v, the model in %v", id, v.N, langs, mv.langs)
			}
			for i, a := range langs {
				if err := document.CheckVersion(v.Texts[a]); err != nil {
					rt.Fatalf("%s version %d, %s: %v", id, v.N, a, err)
				}
				if got, want := v.Texts[a], shapedText(a, mv.shapes); !slices.Equal(got, want) {
					rt.Fatalf("%s version %d, %s: text %q, want %q", id, v.N, a, got, want)
				}
				if v.TextAt[a] < v.Index {
					rt.Fatalf("%s version %d: its %s text is tabled at %d, before the version (%d)", id, v.N, a, v.TextAt[a], v.Index)
				}
				for _, b := range langs[i+1:] {
					if err := document.Aligned(a, v.Texts[a], b, v.Texts[b]); err != nil {
						rt.Fatalf("%s version %d: %v", id, v.N, err)
					}
				}
			}
			if !slices.Equal(v.Paragraphs, v.Texts[langs[0]]) {
				rt.Fatalf("%s version %d: paragraphs %q, not those of %s, its first language", id, v.N, v.Paragraphs, langs[0])
			}
		}
		// The holds, recounted from the model.
		var want []agreement.Hold
		latest := len(m.versions)
		if latest > 0 {
			mv := m.versions[latest-1]
			brackets, missing, open := 0, 0, 0
			for _, s := range mv.shapes {
				brackets += shapeBrackets[s]
			}
			for _, l := range officials {
				if !mv.langs[l] {
					missing++
				}
			}
			for _, f := range m.flags {
				if f.version == latest && !f.withdrawn {
					open++
				}
			}
			for _, h := range []struct {
				kind  string
				count int
			}{{agreement.HoldOpenBrackets, brackets}, {agreement.HoldIncompleteVersion, missing}, {agreement.HoldOpenDivergence, open}} {
				if h.count > 0 {
					want = append(want, agreement.Hold{Item: id, Kind: h.kind, Count: h.count})
				}
			}
		}
		var got []agreement.Hold
		for _, h := range inst.Holds {
			if h.Item == id {
				if h.Detail == "" {
					rt.Fatalf("%s: hold %s without a detail", id, h.Kind)
				}
				got = append(got, agreement.Hold{Item: h.Item, Kind: h.Kind, Count: h.Count})
			}
		}
		if !slices.Equal(got, want) {
			rt.Fatalf("%s: holds %+v, the model recounts %+v", id, got, want)
		}
		for _, h := range inst.Holds {
			if h.Item == id && h.Kind == agreement.HoldOpenDivergence {
				for fid, f := range m.flags {
					named := strings.Contains(h.Detail, fid+" (")
					if open := f.version == latest && !f.withdrawn; named != open {
						rt.Fatalf("%s: the open_divergence hold's detail %q names %s: %v; the flag is open on the latest version: %v", id, h.Detail, fid, named, open)
					}
				}
			}
		}
		// A stance counts on the latest version, covering its languages.
		yes := 0
		for _, p := range []string{"gov", "oppA"} {
			s := m.stances[p]
			counts := s != nil && s.version == latest
			if counts {
				for l := range m.versions[latest-1].langs {
					counts = counts && s.langs[l]
				}
			}
			has := slices.ContainsFunc(inst.Positions, func(x agreement.Position) bool { return x.Party == p && x.Item == id })
			if has != counts {
				rt.Fatalf("%s: %s's stance %+v counts = %v, want %v", id, p, s, has, counts)
			}
			if counts && s.stance == parley.StanceSupport {
				yes++
			}
		}
		wantAgreed := len(want) == 0 && yes == 2
		if got := res.Items[id].Status == agreement.StatusAgreed; got != wantAgreed {
			rt.Fatalf("%s: agreed = %v, want %v (holds %+v, %d of 2 counted supports)", id, got, wantAgreed, want, yes)
		}
		if tr.Agreed(id) != wantAgreed {
			rt.Fatalf("%s: the tracker, act by act, says agreed = %v; evaluated from scratch it is %v", id, tr.Agreed(id), wantAgreed)
		}
		if len(want) > 0 && len(res.Items[id].Holds) != len(want) {
			rt.Fatalf("%s: the result names the holds %+v, want %+v", id, res.Items[id].Holds, want)
		}
	}
}

package web_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/state"
)

// interfaceTextJS gathers the text of the interface that a page shows:
// every visible text node, and the labels a reader hears (aria-label,
// title, placeholder), leaving out what is the record's own data. The
// pages mark that data where they render it: user text (titles, names,
// reasons, statements, paragraphs) is isolated in dir="auto", <bdi> or
// <q>, a text that states its language (the document view's columns, a
// statement, the names of the languages in the switch) carries its own
// lang below <html>, code and conditions are <code>, and the brand is
// translate="no". Each piece comes with a
// short path to where it is.
const interfaceTextJS = `(() => {
	const data = el => !!el.closest('[dir="auto"], bdi, q, code, kbd, samp, pre, textarea, [translate="no"], [data-user], body [lang], script, style, noscript');
	const where = el => {
		const parts = [];
		for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
			parts.unshift(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.classList.length ? '.' + [...e.classList].join('.') : ''));
		}
		return parts.join(' > ');
	};
	const out = [];
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const el = n.parentElement, text = n.textContent.trim();
		if (!text || !el || data(el)) continue;
		if (!el.checkVisibility() && !el.closest('.sr')) continue;
		out.push({text, where: where(el)});
	}
	for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder]')) {
		if (data(el)) continue;
		for (const a of ['aria-label', 'title', 'placeholder']) {
			const v = (el.getAttribute(a) || '').trim();
			if (v) out.push({text: v, where: where(el) + '[' + a + ']'});
		}
	}
	return out;
})()`

// latinToken is a word of the Latin script, with any digits, dashes and
// underscores in it: "D1-A1", "oppA", "agreed".
var latinToken = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_-]*`)

// condition matches a condition of a stance in the record's own syntax,
// "agreed(M1a) or not agreed(M1b)": code, said the same in every language.
var condition = regexp.MustCompile(`(?:\bnot\s+)?\bagreed\([^()]*\)(?:\s+(?:and|or)\s+(?:not\s+)?agreed\([^()]*\))*`)

// record is what a page may show of the record as it is in every
// language: its identifiers (items, parties, rounds, amendments,
// divergences, actors) and its texts (the names of parties and actors,
// the titles of items and rounds, venues), longest first.
type record struct {
	ids   map[string]bool
	texts []string
}

func recordOf(t *testing.T, f *fixture) record {
	t.Helper()
	rec := record{ids: map[string]bool{}}
	texts := map[string]bool{}
	err := f.l.View(context.Background(), f.talks, func(st *state.Talks, _ parley.Checkpoint) error {
		texts[st.Title] = true
		for _, it := range st.Items {
			rec.ids[it.ID] = true
			texts[it.Title] = true
			for _, a := range it.Amendments {
				rec.ids[a.ID] = true
			}
			for _, v := range it.Versions {
				for _, d := range v.Flags {
					rec.ids[d.ID] = true
				}
			}
		}
		for id, name := range st.Roster.Parties {
			rec.ids[id] = true
			texts[name] = true
		}
		for _, a := range st.Roster.Actors {
			texts[a.Name] = true
		}
		for _, r := range st.Rounds {
			rec.ids[r.ID] = true
			texts[r.Title] = true
			texts[r.Venue] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range f.script.Cast {
		rec.ids[m.ID] = true
		texts[m.Name] = true
	}
	delete(texts, "")
	for s := range texts {
		rec.texts = append(rec.texts, s)
	}
	sort.Slice(rec.texts, func(i, j int) bool { return len(rec.texts[i]) > len(rec.texts[j]) })
	return rec
}

// englishLeft returns the pieces of a page's interface text that hold a
// word in the Latin script once the record's data is taken out: its
// texts, its conditions, and its identifiers (or anything with a digit,
// such as a round "r2" or an amendment "D1-A1").
//
// In Arabic it also returns the pieces that write a number in European
// digits: the interface writes Arabic numbers in Arabic-Indic digits, as
// the server's printer and the scripts' num and digits do.
func englishLeft(pieces []textPiece, rec record, lang string) []string {
	var out []string
	for _, p := range pieces {
		text := condition.ReplaceAllString(p.Text, " ")
		for _, s := range rec.texts {
			text = strings.ReplaceAll(text, s, " ")
		}
		if strings.Contains(p.Where, ".cond-tools") {
			// The buttons that put the condition's operators into it.
			text = regexp.MustCompile(`^\s*(and|or|not)\s*$`).ReplaceAllString(text, "")
		}
		var words []string
		for _, w := range latinToken.FindAllString(text, -1) {
			if lang == "ar" && strings.Trim(w, "0123456789") == "" {
				words = append(words, w)
				continue
			}
			if rec.ids[w] || strings.ContainsAny(w, "0123456789") || allowedLatin[w] || !strings.ContainsFunc(w, isLatinLetter) {
				continue
			}
			words = append(words, w)
		}
		if len(words) > 0 {
			out = append(out, fmt.Sprintf("%q in %q (at %s)", strings.Join(words, " "), p.Text, p.Where))
		}
	}
	sort.Strings(out)
	return out
}

func isLatinLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// allowedLatin are the words in the Latin script that the interface says
// in every language: names of things that are not translated.
var allowedLatin = map[string]bool{
	"Parley": true, // the program's name
	"UTC":    true, // the time zone, as the dates say it
}

type textPiece struct {
	Text  string `json:"text"`
	Where string `json:"where"`
}

// TestLanguagesBrowser renders the dashboard, the document view (two
// languages of a version side by side) and the workspace in English,
// Arabic and Russian in Chromium, chosen with the language switch, and
// checks the direction and language of the document, the mirrored layout
// (the header's navigation, the tabs and the matrix's first column), a
// date and a number written for the language, and that no word of the
// interface is left in English in the Arabic and Russian pages, nor a
// number in European digits in the Arabic ones. It writes
// a screenshot of each page in each language.
func TestLanguagesBrowser(t *testing.T) {
	browser := newBrowser(t)
	f := newFixture(t, fixtureOptions{demo: true})
	base := f.ts.URL
	talks := "/talks/" + f.talks
	// The screenshots outlive the test, for people to look at:
	// PARLEY_SCREENSHOTS names their directory, else a new temporary one.
	shots := os.Getenv("PARLEY_SCREENSHOTS")
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "parley-languages-"); err != nil {
			t.Fatal(err)
		}
	} else {
		shots = screenshotDir(t)
	}
	t.Logf("screenshots of each page in each language: %s", shots)
	rec := recordOf(t, f)

	// A date and a number each page shows, as each language writes them:
	// the day version 1 of D1 was tabled, and the count of its stances.
	var tabled time.Time
	var stances int
	err := f.l.View(context.Background(), f.talks, func(st *state.Talks, _ parley.Checkpoint) error {
		it := st.Item("D1")
		tabled, stances = it.Versions[0].At, len(it.History)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	pages := []struct {
		name, path, ready string
		matrix            bool
	}{
		{"dashboard", talks + "/dashboard", `!!document.querySelector('#matrix table tbody tr')`, true},
		{"document", talks + "/items/D1?lang=ar&with=ru", `!!document.querySelector('table.aligned')`, false},
		{"workspace", talks + "/workspace", `!!document.querySelector('#stance-D1')`, false},
	}
	for _, lang := range []string{"en", "ar", "ru"} {
		t.Run(lang, func(t *testing.T) {
			p := i18n.ForCode(lang)
			wantDir := map[string]string{"ar": "rtl"}[lang]
			if wantDir == "" {
				wantDir = "ltr"
			}
			// A delegate of the demo, reading in the language it chose
			// with the switch.
			tb := newTab(t, browser, lang)
			tb.goTo(t, base+"/signin")
			tb.do(t, chromedp.Click(chromedp.CSS(`button[data-demo-as="oppA"]`)))
			tb.mustWait(t, `location.pathname === "/" && document.readyState === "complete"`, 10*time.Second)
			tb.goTo(t, base+"/lang/"+lang+"?next="+urlQuery(talks+"/dashboard"))
			if got := eval[string](t, tb, `location.pathname`); got != talks+"/dashboard" {
				t.Fatalf("the language switch sent the reader to %q, want back to the dashboard", got)
			}
			for _, pg := range pages {
				tb.goTo(t, base+pg.path)
				tb.mustWait(t, pg.ready, 10*time.Second)
				got := eval[[]string](t, tb, `[document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction]`)
				if want := []string{lang, wantDir, wantDir}; strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%s: the document's lang, dir and direction are %q, want %q", pg.name, got, want)
				}

				// Mirrored: the brand at the start of the header, the tabs
				// from the start, the first column of a table at the start.
				layout := eval[map[string]float64](t, tb, `(() => {
					const r = s => document.querySelector(s).getBoundingClientRect();
					const tabs = [...document.querySelectorAll('nav.tabs a')].map(a => a.getBoundingClientRect());
					const centre = x => x.left + x.width / 2;
					return {
						width: document.documentElement.clientWidth,
						brand: centre(r('header.site .brand')),
						siteNav: centre(r('header.site nav.site-nav')),
						firstTab: centre(tabs[0]),
						secondTab: centre(tabs[1]),
					};
				})()`)
				startsLeft := func(x float64) bool { return x < layout["width"]/2 }
				if rtl := wantDir == "rtl"; startsLeft(layout["brand"]) == rtl {
					t.Errorf("%s: the brand of the header is at x=%.0f of %.0f, want it at the %s", pg.name, layout["brand"], layout["width"], map[bool]string{true: "right", false: "left"}[rtl])
				}
				if rtl := wantDir == "rtl"; (layout["firstTab"] < layout["secondTab"]) == rtl {
					t.Errorf("%s: the first tab is at x=%.0f and the second at x=%.0f; in %s the tabs run from the %s", pg.name, layout["firstTab"], layout["secondTab"], wantDir, map[bool]string{true: "right", false: "left"}[rtl])
				}
				if rtl := wantDir == "rtl"; (layout["brand"] < layout["siteNav"]) == rtl {
					t.Errorf("%s: the brand is at x=%.0f and the site's navigation at x=%.0f; in %s the navigation follows the brand to its %s", pg.name, layout["brand"], layout["siteNav"], wantDir, map[bool]string{true: "left", false: "right"}[rtl])
				}
				if pg.matrix {
					cols := eval[[]float64](t, tb, `(() => {
						const cells = [...document.querySelector('#matrix table').tHead.rows[0].cells];
						const a = cells[0].getBoundingClientRect(), b = cells[1].getBoundingClientRect();
						return [a.left, a.right, b.left, b.right];
					})()`)
					firstRight := cols[0] >= cols[3]-1
					if firstRight != (wantDir == "rtl") {
						t.Errorf("the matrix's first column spans x=%.0f–%.0f and the second x=%.0f–%.0f; in %s the first column is on the %s", cols[0], cols[1], cols[2], cols[3], wantDir, map[bool]string{true: "right", false: "left"}[wantDir == "rtl"])
					}
				}

				if lang != "en" {
					pieces := eval[[]textPiece](t, tb, interfaceTextJS)
					if len(pieces) < 20 {
						t.Fatalf("%s: found only %d pieces of interface text; the scan is broken", pg.name, len(pieces))
					}
					if left := englishLeft(pieces, rec, lang); len(left) > 0 {
						t.Errorf("%s in %s: %d pieces of the interface are left in English (or, in Arabic, in European digits):\n%s", pg.name, lang, len(left), strings.Join(left, "\n"))
					}
				}
				tb.do(t, chromedp.EmulateViewport(1280, 1400), chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
				tb.screenshot(t, shots, fmt.Sprintf("%s-%s.png", pg.name, lang))
				tb.do(t, chromedp.EmulateReset())
			}

			// The document view: each language of the version in its own
			// direction, the date a version was tabled and the number of
			// stances as the language writes them.
			tb.goTo(t, base+talks+"/items/D1?lang=ar&with=ru")
			cells := eval[[]string](t, tb, `[...document.querySelectorAll('table.aligned #p1 td')].map(td => td.lang + ':' + getComputedStyle(td).direction)`)
			if strings.Join(cells, " ") != "ar:rtl ru:ltr" {
				t.Errorf("the paragraph side by side: %q, want Arabic right to left beside Russian left to right", cells)
			}
			text := eval[string](t, tb, `document.querySelector('main').innerText`)
			date, count := p.Date(tabled), p.Number(stances)
			if !strings.Contains(text, date) {
				t.Errorf("the document view in %s does not write the day version 1 was tabled as %q", lang, date)
			}
			if !strings.Contains(text, fmt.Sprintf("(%s)", count)) {
				t.Errorf("the document view in %s does not write the number of stances as %q", lang, count)
			}
			if lang == "ar" && (!strings.ContainsAny(date, "٠١٢٣٤٥٦٧٨٩") || strings.ContainsAny(date, "0123456789")) {
				t.Errorf("an Arabic date %q is not in Arabic-Indic digits", date)
			}
			// Arrows point the way the reader reads: a change of the
			// agreement on the timeline opens with an arrow pointing
			// forward, at the start of its line: → at the left in English
			// and Russian, ← at the right in Arabic.
			tb.goTo(t, base+talks+"/timeline")
			arrow := eval[[]string](t, tb, `(() => {
				const p = document.querySelector('p.transition');
				const arrow = p && p.querySelector('[aria-hidden="true"]');
				if (!arrow) return [];
				const r = arrow.getBoundingClientRect(), box = p.getBoundingClientRect();
				return [arrow.textContent, r.left + r.width / 2 > box.left + box.width / 2 ? 'right' : 'left'];
			})()`)
			want := []string{"→", "left"}
			if wantDir == "rtl" {
				want = []string{"←", "right"}
			}
			if strings.Join(arrow, " ") != strings.Join(want, " ") {
				t.Errorf("a change of the agreement on the timeline in %s: its arrow is %q, want %q (pointing forward, at the start of the line)", lang, arrow, want)
			}

			if errs := tb.errors(); len(errs) > 0 {
				t.Errorf("JavaScript console errors in %s:\n%s", lang, strings.Join(errs, "\n"))
			}
		})
	}
}

// physical matches a property of the stylesheet that names a side of the
// screen rather than of the text: margin-left, padding-right, left:,
// float: right, text-align: left, border-top-left-radius… The stylesheet
// says start and end (margin-inline-start, inset-inline-end, text-align:
// start), so that a right-to-left page mirrors.
var physical = regexp.MustCompile(`(?m)\b(?:margin|padding|border|inset|scroll-margin|scroll-padding)-(?:left|right)\b|(?:^|[;{\s])(?:left|right)\s*:|\b(?:float|clear|text-align|caption-side)\s*:\s*(?:left|right)\b|\bborder-(?:top|bottom)-(?:left|right)-radius\b|\btranslateX\(|\bscaleX\(`)

// TestStylesheetLogical fails on a property of the stylesheet that lays
// out by the screen's left and right.
func TestStylesheetLogical(t *testing.T) {
	b, err := os.ReadFile("static/parley.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllStringFunc(string(b), func(c string) string {
		return strings.Repeat("\n", strings.Count(c, "\n")) // keep the line numbers
	})
	for _, m := range physical.FindAllStringIndex(css, -1) {
		line := 1 + strings.Count(css[:m[0]], "\n")
		t.Errorf("static/parley.css:%d: %q lays out by left and right; use the logical property (margin-inline-start, inset-inline-end, text-align: start, …)", line, strings.TrimSpace(css[m[0]:m[1]]))
	}
}

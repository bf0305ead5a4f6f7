package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
)

// TestPagesBrowser drives the pages of issue 19 in Chromium, on the demo
// with its sandbox round: every page at 390 and 1,400 pixels wide, no
// wider than the screen and without console errors, each written as a
// screenshot; the content of each picture (the nodes and edges of the
// Moscow deadlock and its unlocks, the lanes and marks of the agreement
// over time and its scrubber, the forecast's figures); the one-line
// header with its menu on a phone; and a delegate acting where it reads:
// a stance from the document view, and from its own cell of the
// dashboard, followed on a mediator's dashboard in another browser
// context.
func TestPagesBrowser(t *testing.T) {
	browser := newBrowser(t)
	f := newFixture(t, fixtureOptions{demo: true, sandbox: true})
	base := f.ts.URL
	talks := "/talks/" + f.talks
	shots := screenshotDir(t)
	gain, loss := f.stanceIndex("oppC", "D1", parley.StanceSupport), f.stanceIndex("oppA", "D1", parley.StanceConditional)
	cursor := f.stanceIndex("gov", "M1a", parley.StanceOppose)

	pages := []struct{ name, path string }{
		{"home", "/"},
		{"signin", "/signin"},
		{"overview", talks},
		{"dashboard", talks + "/dashboard"},
		{"explain-D1", talks + "/dashboard?item=D1"},
		{"document-D1", talks + "/items/D1"},
		{"diff-D1", talks + "/items/D1?from=1&to=2"},
		{"workspace", talks + "/workspace"},
		{"workspace-oppA", talks + "/workspace?party=oppA"},
		{"measure-M1a", talks + "/measures/M1a"},
		{"history", talks + "/history"},
		{"history-cursor", fmt.Sprintf("%s/history?range=r2&at=%d", talks, cursor)},
		{"timeline", talks + "/timeline"},
		{"timeline-changes", talks + "/timeline?changes=1"},
		{"public", talks + "/public?round=r2"},
		{"verify", talks + "/verify"},
	}
	public := newTab(t, browser, "public")
	mediator := newTab(t, browser, "mediator")
	mediator.goTo(t, base+"/signin")
	mediator.do(t, chromedp.Click(chromedp.CSS(`button[data-demo-as="mediator"]`)))
	mediator.mustWait(t, `location.pathname === "/" && document.readyState === "complete"`, 10*time.Second)

	t.Run("widths", func(t *testing.T) {
		for _, w := range []int64{390, 1400} {
			for _, who := range []*tab{public, mediator} {
				who.do(t, chromedp.EmulateViewport(w, 900))
				for _, p := range pages {
					who.goTo(t, base+p.path)
					got := eval[[]float64](t, who, `[document.documentElement.scrollWidth, innerWidth, Math.max(...[...document.querySelectorAll('body *')].map(e => e.getBoundingClientRect().right))]`)
					if got[0] > got[1] {
						wide := eval[string](t, who, `[...document.querySelectorAll('main *, header *, .talks-head *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.scroll, .picture-box, .matrix-wrap, .tabs, details.who-menu:not([open])')).slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('; ')`)
						t.Errorf("%s as %s at %d px: the page is %v px wide: %s", p.path, who.name, w, got[0], wide)
					}
					if who == public {
						who.screenshot(t, shots, fmt.Sprintf("%s-%d.png", p.name, w))
					}
				}
				if w == 390 {
					// One line of header: the identity and the switcher
					// in a menu.
					who.goTo(t, base+talks+"/dashboard")
					if h := eval[float64](t, who, `document.querySelector('header.site').getBoundingClientRect().height`); h > 56 {
						t.Errorf("the header as %s at 390 px is %v px high, want one line", who.name, h)
					}
					if v := eval[bool](t, who, `!!document.querySelector('#demo-as')?.checkVisibility()`); v {
						t.Errorf("the identity switcher shows before its menu is opened")
					}
					who.do(t, chromedp.Click(chromedp.CSS(`details.who-menu > summary`)))
					who.mustWait(t, `!!document.querySelector('#demo-as')?.checkVisibility()`, 3*time.Second)
					// The matrix scrolls in its box with its first two
					// columns in view.
					sticky := eval[string](t, who, `(() => { const b = document.querySelector('#matrix'); b.scrollLeft = b.scrollWidth * (document.dir === 'rtl' ? -1 : 1); const r = document.querySelector('#matrix tbody tr'); return [r.cells[0], r.cells[1]].map(c => Math.round(c.getBoundingClientRect().left - b.getBoundingClientRect().left)).join(',') })()`)
					if !strings.HasPrefix(sticky, "0,") && !strings.HasPrefix(sticky, "1,") {
						t.Errorf("the matrix's item column at 390 px, scrolled to its end: %s px from its box, want 0", sticky)
					}
					who.screenshot(t, shots, fmt.Sprintf("menu-%s-390.png", who.name))
				}
				if errs := who.errors(); len(errs) > 0 {
					t.Errorf("console errors as %s at %d px: %q", who.name, w, errs)
				}
			}
		}
		// In Arabic, right to left: the pages of the pictures, the
		// timeline and the dashboard, at both widths.
		arabic := newTab(t, browser, "arabic")
		arabic.goTo(t, base+"/lang/ar?next="+talks)
		for _, w := range []int64{390, 1400} {
			arabic.do(t, chromedp.EmulateViewport(w, 900))
			for _, p := range pages {
				if !strings.Contains(p.name, "history") && !strings.Contains(p.name, "timeline") && !strings.Contains(p.name, "explain") && p.name != "dashboard" && p.name != "overview" {
					continue
				}
				arabic.goTo(t, base+p.path)
				if dir := eval[string](t, arabic, `document.documentElement.dir`); dir != "rtl" {
					t.Fatalf("%s in Arabic: dir=%q", p.path, dir)
				}
				if got := eval[[]float64](t, arabic, `[document.documentElement.scrollWidth, innerWidth]`); got[0] > got[1] {
					t.Errorf("%s in Arabic at %d px: the page is %v px wide", p.path, w, got[0])
				}
				arabic.screenshot(t, shots, fmt.Sprintf("ar-%s-%d.png", p.name, w))
			}
		}
		if errs := arabic.errors(); len(errs) > 0 {
			t.Errorf("console errors in Arabic: %q", errs)
		}
		public.do(t, chromedp.EmulateReset())
		mediator.do(t, chromedp.EmulateReset())
	})

	t.Run("pictures", func(t *testing.T) {
		// The blocking graph of D1: its nodes and edges, and the unlock
		// options marked on it.
		public.goTo(t, base+talks+"/dashboard?item=D1")
		titles := eval[[]string](t, public, `[...document.querySelectorAll('#explain figure.graph svg g > title')].map(e => e.textContent)`)
		all := strings.Join(titles, "\n")
		for _, want := range []string{
			"D1 “Assessment of the political situation”", "M1a “Confidence-building measure: broad release of detainees”",
			"M1b “Confidence-building measure: release from an agreed list”",
			"Party Government of the Syrian Arab Republic (gov)", "Party Opposition Delegation A (oppA)", "Party Opposition Delegation B (oppB)", "Party Opposition Delegation C (oppC)",
			"oppA and oppB support D1 only if M1a or M1b is agreed; M1a is not agreed",
			"oppA and oppB support D1 only if M1a or M1b is agreed; M1b is not agreed",
			"gov opposes M1a", "oppA opposes M1b", "oppB opposes M1b", "oppC opposes M1b",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("the blocking graph lacks %q:\n%s", want, all)
			}
		}
		if n := len(titles); n != 13 {
			t.Errorf("the blocking graph has %d nodes and edges, want 7 nodes and 6 edges", n)
		}
		desc := eval[string](t, public, `document.querySelector('#explain figure.graph svg desc').textContent`)
		if !strings.Contains(desc, "Unlock 1: gov supports M1a → M1a and D1 agreed.") {
			t.Errorf("the graph does not mark gov's unlock: %s", desc)
		}
		if box := eval[[]float64](t, public, `(() => { const r = document.querySelector('#explain figure.graph svg').getBoundingClientRect(); return [r.width, r.height] })()`); box[0] < 300 || box[1] < 150 {
			t.Errorf("the blocking graph is drawn %v px, too small to read", box)
		}

		// The agreement over time: three lanes; D1's gain and loss, each
		// to the dashboard as it was; the scrubber moves the page's
		// cursor.
		public.goTo(t, base+talks+"/history")
		links := eval[[]string](t, public, `[...document.querySelectorAll('#lanes svg a')].map(a => a.getAttribute('href'))`)
		joined := strings.Join(links, "\n")
		for _, want := range []string{
			fmt.Sprintf("/talks/%s/dashboard?at=%d", f.talks, gain), fmt.Sprintf("/talks/%s/dashboard?at=%d", f.talks, loss),
			fmt.Sprintf("/talks/%s/history?at=%d&range=r2#lanes", f.talks, gain), fmt.Sprintf("/talks/%s/history?at=%d&range=r2#lanes", f.talks, loss),
			"/talks/" + f.talks + "/dashboard?item=D1#explain", "/talks/" + f.talks + "/dashboard?item=M1a#explain", "/talks/" + f.talks + "/dashboard?item=M1b#explain",
		} {
			if !strings.Contains(joined, want) {
				t.Errorf("the lanes lack a link to %s:\n%s", want, joined)
			}
		}
		marks := eval[[]string](t, public, `[...document.querySelectorAll('#lanes svg title')].map(e => e.textContent)`)
		ms := strings.Join(marks, "\n")
		for _, want := range []string{
			fmt.Sprintf("D1 agreed, 8 April 2015, #%d", gain), fmt.Sprintf("D1 lost agreement, 10 April 2015, #%d", loss),
			"M1a “Confidence-building measure: broad release of detainees”: never agreed",
		} {
			if !strings.Contains(ms, want) {
				t.Errorf("the lanes lack %q:\n%s", want, ms)
			}
		}
		public.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#lanes svg a[href="/talks/%s/history?at=%d&range=r2#lanes"]`, f.talks, gain))))
		public.mustWait(t, fmt.Sprintf(`location.search.includes("at=%d") && document.readyState === "complete"`, gain), 5*time.Second)
		if got := eval[string](t, public, `document.querySelector('.cursor-note').textContent.replace(/\s+/g, ' ')`); !strings.Contains(got, "1 item agreed as of 8 April 2015") || !strings.Contains(got, "D1 became agreed") {
			t.Errorf("the cursor's banner after the scrubber's tick of #%d: %q", gain, got)
		}
		if got := eval[string](t, public, `document.querySelector('#lanes svg').textContent`); !strings.Contains(got, "As of 8 April 2015 (day 3 of Second round)") {
			t.Errorf("the scrubber's banner does not give the cursor's date")
		}

		// Progress and forecast: each day's open items, and the figures of
		// the forecast.
		points := eval[[]string](t, public, `[...document.querySelectorAll('#progress svg title')].map(e => e.textContent)`)
		ps := strings.Join(points, "\n")
		for _, want := range []string{"6 April 2015: 1 open item", "8 April 2015: 0 open items", "9 April 2015: 2 open items", "10 April 2015: 3 open items", "6 April 2015: 1 open bracket"} {
			if !strings.Contains(ps, want) {
				t.Errorf("the progress chart lacks %q:\n%s", want, ps)
			}
		}
		if got := eval[string](t, public, `document.querySelector('ul.forecast').textContent`); !strings.Contains(got, "+0.5 a day (95% interval −1 to +2)") || !strings.Contains(got, "3 stay open") {
			t.Errorf("the forecast: %q", got)
		}
	})

	t.Run("act where you read", func(t *testing.T) {
		oppB := newTab(t, browser, "oppB")
		oppB.goTo(t, base+"/signin")
		oppB.do(t, chromedp.Click(chromedp.CSS(`button[data-demo-as="oppB"]`)))
		oppB.mustWait(t, `location.pathname === "/" && document.readyState === "complete"`, 10*time.Second)
		mediator.goTo(t, base+talks+"/dashboard")
		mediator.mustWait(t, `document.querySelector('#matrix table.matrix') !== null`, 5*time.Second)
		if got := eval[string](t, mediator, cellJS("D1", "oppB")); !strings.Contains(got, "agreed(M1a) or agreed(M1b)") {
			t.Fatalf("D1 × oppB before: %q", got)
		}

		// From the document view: oppB supports D1 plainly.
		oppB.goTo(t, base+talks+"/items/D1")
		oppB.mustWait(t, `!!document.querySelector('#my-stance form.stance-here')?.checkVisibility()`, 5*time.Second)
		oppB.do(t, chromedp.SetValue(chromedp.ID("ds-stance"), parley.StanceSupport),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#ds-stance').dispatchEvent(new Event('change', {bubbles: true}))`),
			chromedp.Click(chromedp.CSS(`#my-stance form.stance-here button[type="submit"]`)))
		oppB.mustWait(t, `/Signed and recorded as event #\d+/.test(document.querySelector('#my-stance .act-status')?.textContent)`, 15*time.Second)
		if err := mediator.wait(`(`+cellJS("D1", "oppB")+`).trim().startsWith('support') && !(`+cellJS("D1", "oppB")+`).includes('agreed(')`, 5*time.Second); err != nil {
			t.Errorf("the mediator's dashboard does not follow oppB's stance from the document view: D1 × oppB is %q", eval[string](t, mediator, cellJS("D1", "oppB")))
		}

		// From its own cell of the dashboard: oppB objects to M1a.
		oppB.goTo(t, base+talks+"/dashboard")
		oppB.mustWait(t, `!!document.querySelector('#matrix a.mine-cell[data-explain="M1a"]')`, 5*time.Second)
		if n := eval[int](t, oppB, `document.querySelectorAll('#matrix a.mine-cell').length`); n != 3 {
			t.Errorf("oppB's own cells lead to its stance form on %d items, want the 3", n)
		}
		oppB.do(t, chromedp.Click(chromedp.CSS(`#matrix a.mine-cell[data-explain="M1a"]`)))
		oppB.mustWait(t, `!!document.querySelector('#my-stance form.stance-here')?.checkVisibility() && /M1a/.test(document.querySelector('#my-stance h3').textContent)`, 5*time.Second)
		oppB.do(t, chromedp.SetValue(chromedp.ID("ms-stance"), parley.StanceOppose),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#ms-stance').dispatchEvent(new Event('change', {bubbles: true}))`),
			chromedp.Click(chromedp.CSS(`#my-stance form.stance-here button[type="submit"]`)))
		oppB.mustWait(t, `/Signed and recorded as event #\d+/.test(document.querySelector('#my-stance .act-status')?.textContent)`, 15*time.Second)
		if err := mediator.wait(`(`+cellJS("M1a", "oppB")+`).trim().startsWith('oppose')`, 5*time.Second); err != nil {
			t.Errorf("the mediator's dashboard does not follow oppB's stance from its cell: M1a × oppB is %q", eval[string](t, mediator, cellJS("M1a", "oppB")))
		}
		oppB.screenshot(t, shots, "acting-dashboard-1400.png")

		// An amendment from the paragraph it edits.
		oppB.goTo(t, base+talks+"/items/D1")
		oppB.mustWait(t, `!!document.querySelector('a.amend-link')?.checkVisibility()`, 5*time.Second)
		oppB.do(t, chromedp.Click(chromedp.CSS(`#p1 a.amend-link`)))
		oppB.mustWait(t, `!!document.querySelector('form.amend-here')?.checkVisibility()`, 5*time.Second)
		oppB.do(t, chromedp.SetValue(chromedp.ID("amend-text"), "AMENDED-IN-PLACE: the parties share an assessment."),
			chromedp.Click(chromedp.CSS(`form.amend-here button[type="submit"]`)))
		oppB.mustWait(t, `/Signed and recorded as event #\d+/.test(document.querySelector('form.amend-here .act-status')?.textContent)`, 15*time.Second)
		if body := f.page("", talks+"/items/D1"); !strings.Contains(body, "AMENDED-IN-PLACE") {
			t.Errorf("the amendment proposed from the paragraph is not on the document view")
		}
		for _, tb := range []*tab{oppB, mediator} {
			if errs := tb.errors(); len(errs) > 0 {
				t.Errorf("console errors as %s: %q", tb.name, errs)
			}
		}
	})
}

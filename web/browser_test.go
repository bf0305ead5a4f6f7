package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/state"
)

// chromiumPath returns the browser the tests drive, or skips the test
// when there is none (fails it when PARLEY_REQUIRE_ALL=1).
func chromiumPath(t testing.TB) string {
	t.Helper()
	path := os.Getenv("PARLEY_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("PARLEY_REQUIRE_ALL") == "1" {
			t.Fatalf("Chromium is required (PARLEY_REQUIRE_ALL=1) but %s is missing: install Debian's chromium package or set PARLEY_CHROMIUM", path)
		}
		t.Skipf("no Chromium at %s (install Debian's chromium package, or set PARLEY_CHROMIUM); skipping the browser tests", path)
	}
	return path
}

// newBrowser starts one headless Chromium with an empty profile for the
// test.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 960),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return bctx
}

// A tab is a page in its own browser context (its own cookies and
// storage), collecting the JavaScript errors it reports.
type tab struct {
	name string
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func newTab(t testing.TB, browser context.Context, name string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{name: name, ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil && ev.ExceptionDetails.Exception.Description != "" {
				msg += ": " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if msg != "" {
			tb.mu.Lock()
			tb.errs = append(tb.errs, msg)
			tb.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return tb
}

// do runs actions and fails the test on error.
func (tb *tab) do(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", tb.name, err)
	}
}

// eval evaluates an expression in the page.
func eval[T any](t testing.TB, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: evaluating %s: %v", tb.name, expr, err)
	}
	return v
}

// wait polls a JavaScript expression until it is true, across page
// loads.
func (tb *tab) wait(expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		ctx, cancel := context.WithTimeout(tb.ctx, left+5*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(left), chromedp.WithPollingInterval(20*time.Millisecond)))
		cancel()
		if err == nil || time.Now().After(deadline) || !strings.Contains(err.Error(), "navigated or closed") && !strings.Contains(err.Error(), "context was destroyed") && !strings.Contains(err.Error(), "Cannot find context") {
			return err
		}
	}
}

func (tb *tab) mustWait(t testing.TB, expr string, timeout time.Duration) {
	t.Helper()
	if err := tb.wait(expr, timeout); err != nil {
		t.Fatalf("%s: waiting for %s: %v\npage text:\n%s", tb.name, expr, err, tb.text())
	}
}

// goTo loads a page and waits until its scripts have run.
func (tb *tab) goTo(t testing.TB, url string) {
	t.Helper()
	tb.do(t, chromedp.Navigate(url))
	tb.mustWait(t, `document.readyState === "complete"`, 10*time.Second)
}

func (tb *tab) text() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 4000) : ""`))
	return s
}

func (tb *tab) errors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errs...)
}

// screenshotDir returns the directory screenshots go to: PARLEY_SCREENSHOTS
// (testdata/screenshots refreshes the committed ones), else a temporary
// directory, so that a test run leaves the checkout as it was.
func screenshotDir(t testing.TB) string {
	dir := os.Getenv("PARLEY_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func (tb *tab) screenshot(t testing.TB, dir, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png := shrinkPNG(t, shot)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d KB)", path, len(png)/1024)
}

// cellJS returns an expression for the text of the dashboard's cell of an
// item and a party ("" when there is none).
func cellJS(item, party string) string {
	return fmt.Sprintf(`(() => {
		const t = document.querySelector('#matrix table');
		if (!t) return '';
		const cols = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
		const k = cols.indexOf(%q);
		const row = [...t.querySelectorAll('tbody tr')].find(r => r.querySelector('th a')?.textContent === %q);
		return row && k >= 0 ? row.cells[k].textContent : '';
	})()`, party, item)
}

// TestBrowser drives the UI in headless Chromium: every page without
// console errors, right-to-left Arabic and visible bidi controls, the
// explanation down to the root blockers, a delegate signing in with its
// own key and changing a stance while a mediator's dashboard follows in
// another browser context, and screenshots.
func TestBrowser(t *testing.T) {
	browser := newBrowser(t)
	f := newFixture(t, fixtureOptions{demo: true})
	base := f.ts.URL
	talks := "/talks/" + f.talks
	shots := screenshotDir(t)

	// A document in the talks' official languages, whose English hides a
	// direction override, and a statement hiding one too.
	f.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "D2", Title: "إعلان بشأن المعتقلين", Kind: parley.ItemDocument})
	f.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "D2", Version: 1, Texts: map[string][]string{
		"ar": {
			"تدعو الأطراف إلى [[الإفراج الفوري || الإفراج التدريجي]] عن المعتقلين خلال 30 يوماً.",
			"[[لا تنسحب || تنسحب]] الأطراف من المحادثات.",
		},
		"ru": {
			"Стороны призывают к [[немедленному || поэтапному]] освобождению задержанных в течение 30 дней.",
			"Стороны [[не выходят || выходят]] из переговоров.",
		},
		"en": {
			"The parties call for the [[immediate || gradual]] release of detainees within 30 days.",
			"The parties [[\u202Eshall not || shall\u202C]] withdraw.",
		},
	}})
	f.act("oppC", parley.KindStatement, "", parley.Statement{Text: "We \u202Edeclined nothing\u202C today.", Lang: "en", Round: "r2"})

	public := newTab(t, browser, "public")
	t.Run("pages", func(t *testing.T) {
		for _, p := range []string{"/", "/signin", talks, talks + "/dashboard", talks + "/dashboard?item=D1", talks + "/items/D1", talks + "/items/D1?from=1&to=2", talks + "/items/D2", talks + "/workspace", talks + "/timeline", talks + "/public?round=r2", talks + "/verify"} {
			public.goTo(t, base+p)
			if got := eval[string](t, public, `document.querySelector('h1')?.textContent || ''`); got == "" {
				t.Errorf("%s: no h1 after the scripts ran", p)
			}
		}
	})

	t.Run("arabic", func(t *testing.T) {
		public.goTo(t, base+talks+"/public?round=r2")
		got := eval[string](t, public, `(() => {
			const q = [...document.querySelectorAll('blockquote')].find(b => /[\u0600-\u06FF]/.test(b.textContent));
			return q ? getComputedStyle(q).direction + ' ' + q.getAttribute('lang') : 'none';
		})()`)
		if got != "rtl ar" {
			t.Errorf("the Arabic statement's direction and lang: got %q, want %q", got, "rtl ar")
		}
		// The English page shows the Arabic text beside the English.
		public.goTo(t, base+talks+"/items/D2")
		got = eval[string](t, public, `getComputedStyle(document.querySelector('#p1 td[lang="ar"]')).direction`)
		if got != "rtl" {
			t.Errorf("the Arabic paragraph's direction: got %q, want rtl", got)
		}
		// Right to left: the paragraph's first word sits at its right.
		right := eval[bool](t, public, `(() => {
			const li = document.querySelector('#p1 td[lang="ar"]');
			const r = document.createRange();
			r.setStart(li.firstChild, 0); r.setEnd(li.firstChild, 4);
			const word = r.getBoundingClientRect(), box = li.getBoundingClientRect();
			return word.right > box.left + box.width / 2;
		})()`)
		if !right {
			t.Errorf("the first word of the Arabic paragraph is not on its right side")
		}
		marks := eval[string](t, public, `[...document.querySelectorAll('#p2 .bidi')].map(e => e.textContent).join(' ')`)
		if marks != "⟨RLO⟩ ⟨PDF⟩" {
			t.Errorf("bidi controls of paragraph 2 shown as %q, want %q", marks, "⟨RLO⟩ ⟨PDF⟩")
		}
		hidden := eval[bool](t, public, `/[\u202A-\u202E\u2066-\u2069]/.test(document.querySelector('main').textContent)`)
		if hidden {
			t.Errorf("the page holds a bidi control character in its text")
		}
	})

	t.Run("phone", func(t *testing.T) {
		phone := newTab(t, browser, "phone")
		phone.do(t, chromedp.EmulateViewport(375, 800))
		for _, p := range []string{talks, talks + "/dashboard?item=D1", talks + "/items/D1?from=1&to=2", talks + "/public?round=r2", talks + "/timeline"} {
			phone.goTo(t, base+p)
			if w := eval[int](t, phone, `document.documentElement.scrollWidth`); w > 376 {
				wide := eval[string](t, phone, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376).slice(-6).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`)
				t.Errorf("%s at 375 px: the page is %d px wide (window %d); too wide: %s", p, w, eval[int](t, phone, `innerWidth`), wide)
			}
		}
		if errs := phone.errors(); len(errs) > 0 {
			t.Errorf("console errors at phone width: %q", errs)
		}
	})

	t.Run("print", func(t *testing.T) {
		printer := newTab(t, browser, "print")
		for _, p := range []string{talks + "/public?round=r2", talks + "/items/D1?v=1"} {
			printer.goTo(t, base+p)
			if _, err := chromedp.Call(printer.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatal(err)
			}
			got := eval[string](t, printer, `[getComputedStyle(document.querySelector('header.site')).display, getComputedStyle(document.querySelector('.tabs')).display, getComputedStyle(document.querySelector('footer.site')).display, getComputedStyle(document.querySelector('.demo-banner')).display].join(' ')`)
			if got != "none none none block" {
				t.Errorf("%s printed: header, tabs, footer and demo banner display %q, want %q", p, got, "none none none block")
			}
		}
		if got := eval[string](t, printer, `getComputedStyle(document.querySelector('.br')).borderBottomStyle`); got != "solid" {
			t.Errorf("a printed bracket's underline: %q, want solid", got)
		}
	})

	t.Run("verify", func(t *testing.T) {
		public.goTo(t, base+talks+"/verify")
		public.do(t, chromedp.Click(chromedp.CSS(`[data-verify-run]`)))
		public.mustWait(t, `/verifies|does not verify/.test(document.querySelector('.verify-out').textContent)`, 20*time.Second)
		if got := eval[string](t, public, `document.querySelector('.verify-out').textContent`); !strings.Contains(got, "The public record verifies.") {
			t.Fatalf("the check of the public bundle: %q", got)
		}
		// A byte changed in one event's bytes, or one leaf of a hidden
		// event, fails the check, naming the entry.
		for _, c := range []struct{ tamper, want string }{
			{`const e = b.entries[5]; const raw = atob(e.event); e.event = btoa(raw.replace('"v":1', '"v":1 '));`, "entry 5 ("},
			{`const e = b.entries.find(e => e.leaf) || b.entries[3]; if (e.leaf) { e.leaf = btoa(String.fromCharCode(...atob(e.leaf).split('').map((c, i) => i ? c.charCodeAt(0) : c.charCodeAt(0) ^ 1))); } else { e.salt = btoa('x'.repeat(32)); }`, "root does not match"},
		} {
			got := eval[string](t, public, `(async () => {
				const m = await import('/static/js/verify.js');
				const b = await (await fetch(document.querySelector('[data-verify]').dataset.bundle, {credentials: 'omit'})).json();
				`+c.tamper+`
				try { await m.verifyBundle(b, '', () => {}); return 'verified'; } catch (e) { return e.message; }
			})()`)
			if !strings.Contains(got, c.want) {
				t.Errorf("a tampered bundle: got %q, want an error with %q", got, c.want)
			}
		}
	})

	t.Run("keyboard", func(t *testing.T) {
		public.goTo(t, base+talks+"/dashboard")
		public.do(t, chromedp.KeyEvent("\t"))
		if got := eval[string](t, public, `document.activeElement.className + ':' + document.activeElement.getAttribute('href')`); got != "skip:#main" {
			t.Errorf("first Tab focuses %q, want the skip link", got)
		}
	})

	mediator := newTab(t, browser, "mediator")
	t.Run("explain", func(t *testing.T) {
		mediator.goTo(t, base+"/signin")
		mediator.do(t, chromedp.Click(chromedp.CSS(`button[data-demo-as="mediator"]`)))
		mediator.mustWait(t, `location.pathname === "/" && document.readyState === "complete"`, 10*time.Second)
		mediator.goTo(t, base+talks+"/dashboard")
		mediator.mustWait(t, `/all 4 items/.test(document.querySelector('#matrix caption')?.textContent)`, 5*time.Second)
		if got := eval[string](t, mediator, cellJS("D1", "oppA")); !strings.Contains(got, "agreed(M1a) or agreed(M1b)") {
			t.Errorf("D1 × oppA: got %q, want the conditional stance with its condition", got)
		}
		mediator.do(t, chromedp.Click(chromedp.CSS(`#matrix a[data-explain="D1"]`)))
		mediator.mustWait(t, `document.querySelector('#explain h2')?.textContent === 'Why D1 is not agreed'`, 5*time.Second)
		roots := eval[string](t, mediator, `[...document.querySelectorAll('#explain ul.roots li')].map(li => li.textContent.replace(/\s+/g, ' ')).join('\n')`)
		for _, want := range []string{"(gov) opposes M1a", "(oppA) opposes M1b", "(oppB) opposes M1b", "(oppC) opposes M1b"} {
			if !strings.Contains(roots, want) {
				t.Errorf("root blockers of D1 lack %q:\n%s", want, roots)
			}
		}
		if !strings.Contains(eval[string](t, mediator, `document.querySelector('#explain ol.unlock').textContent`), "(gov) supports M1a") {
			t.Errorf("the unlock options of D1 lack gov supporting M1a")
		}
		mediator.do(t, chromedp.EmulateViewport(1280, 1500), chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
		mediator.screenshot(t, shots, "dashboard.png")
		mediator.do(t, chromedp.EmulateReset())
		// Follow the chain: from D1's explanation to M1a's.
		mediator.do(t, chromedp.Click(chromedp.CSS(`#explain .node .node a[data-explain="M1a"]`)))
		mediator.mustWait(t, `document.querySelector('#explain h2')?.textContent === 'Why M1a is not agreed'`, 5*time.Second)
		if got := eval[string](t, mediator, `location.search`); got != "?item=M1a" {
			t.Errorf("the explanation's URL: got %q, want ?item=M1a", got)
		}
		root := eval[string](t, mediator, `document.querySelector('#explain li.blocker.is-root')?.textContent || ''`)
		if !strings.Contains(root, "(gov) opposes it") || !strings.Contains(root, "root blocker") {
			t.Errorf("M1a's root blocker: got %q, want gov's objection", root)
		}
	})

	t.Run("demo caucus", func(t *testing.T) {
		// Acting as the mediator, the demo server opens the sealed caucus
		// of oppA for it; a message written in the page is sealed there,
		// signed by the demo server, and opened for the mediator too.
		mediator.goTo(t, base+talks+"/workspace?party=oppA")
		mediator.mustWait(t, `/Delegation A could not support M1b/.test(document.querySelector('#caucus').textContent)`, 10*time.Second)
		if got := eval[string](t, mediator, `document.querySelector('#caucus').textContent`); !strings.Contains(got, "Opened by the demo server") {
			t.Errorf("the demo's caucus does not say the demo server opened it: %q", got)
		}
		mediator.do(t, chromedp.SendKeys(chromedp.ID("caucus-text"), "DEMO-SEALED-REPLY: the Government will be asked for a date."),
			chromedp.Click(chromedp.CSS(`form[data-act="caucus.message"] button[type="submit"]`)))
		mediator.mustWait(t, `/Signed and recorded as event #\d+/.test(document.querySelector('form[data-act="caucus.message"] .act-status').textContent)`, 15*time.Second)
		mediator.mustWait(t, `/DEMO-SEALED-REPLY/.test(document.querySelector('#caucus').textContent)`, 10*time.Second)
		var sealed bool
		err := f.l.View(context.Background(), f.talks, func(st *state.Talks, _ parley.Checkpoint) error {
			m := st.Caucus[len(st.Caucus)-1]
			sealed = m.Sealed && m.Text == "" && st.Sealed(m.Index)
			return nil
		})
		if err != nil || !sealed {
			t.Errorf("the message written in the demo page is not recorded sealed (%v)", err)
		}
	})

	t.Run("screenshots", func(t *testing.T) {
		public.goTo(t, base+talks+"/items/D1?v=1&from=1&to=2")
		public.do(t, chromedp.EmulateViewport(1280, 1400))
		public.screenshot(t, shots, "document.png")
		public.goTo(t, base+talks+"/public?round=r2")
		public.do(t, chromedp.EmulateViewport(1280, 1600), chromedp.ScrollIntoView(chromedp.CSS(`#statements-h`)))
		public.screenshot(t, shots, "public.png")
		public.do(t, chromedp.EmulateReset())
	})

	delegate := newTab(t, browser, "delegate")
	t.Run("live", func(t *testing.T) {
		// The mediator convenes a new round, signing in the page.
		mediator.goTo(t, base+talks)
		mediator.do(t,
			chromedp.SetValue(chromedp.ID("plan-starts"), "2015-05-04"),
			chromedp.SetValue(chromedp.ID("plan-ends"), "2015-05-08"),
			chromedp.SetValue(chromedp.ID("plan-venue"), "Moscow"),
			chromedp.Click(chromedp.CSS(`input[name="invite"][value="snc"]`)),
			chromedp.Click(chromedp.CSS(`form[data-act="round.plan"] button[type="submit"]`)),
		)
		mediator.mustWait(t, `!!document.querySelector('#round-r3') && /open/.test(document.querySelector('#round-r3').parentElement.textContent)`, 15*time.Second)

		// The delegate imports its key file and signs in with it.
		keyFile := filepath.Join(t.TempDir(), "oppa.key")
		seed := f.keys["oppA"].Seed()
		content := fmt.Sprintf("# Parley actor key.\nprivate-key: %s\npublic-key: %s\n", b64(seed), f.keys.Public("oppA"))
		if err := os.WriteFile(keyFile, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		delegate.goTo(t, base+"/signin?next="+talks+"/workspace")
		delegate.do(t,
			chromedp.SetUploadFiles(chromedp.ID("key-file"), []string{keyFile}),
			chromedp.SendKeys(chromedp.ID("import-label"), "oppA head"),
			chromedp.Click(chromedp.CSS(`form[data-keyimport] button[type="submit"]`)),
		)
		delegate.mustWait(t, fmt.Sprintf(`!!document.querySelector('[data-signin-key=%q]')`, f.keys.Public("oppA")), 5*time.Second)
		delegate.do(t, chromedp.Click(chromedp.CSS(`[data-signin-key]`)))
		delegate.mustWait(t, `location.pathname.endsWith('/workspace') && document.readyState === 'complete' && !!document.querySelector('#stance-D1')`, 10*time.Second)
		if got := eval[string](t, delegate, `document.querySelector('.who strong').textContent`); got != "Head of Opposition Delegation A" {
			t.Errorf("signed in as %q, want the head of oppA", got)
		}
		// The condition builder shows what will be signed.
		delegate.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#stance-D1'); s.value = 'conditional'; s.dispatchEvent(new Event('change', {bubbles: true})); document.querySelector('#cond-D1').value = ''; })()`))
		delegate.do(t, chromedp.SendKeys(chromedp.ID("cond-D1"), "agreed(M1a) || agreed(M2)"))
		delegate.mustWait(t, `/names no item/.test(document.querySelector('#cond-D1-preview').textContent)`, 5*time.Second)
		delegate.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('#cond-D1').value = ''`), chromedp.SendKeys(chromedp.ID("cond-D1"), "agreed(M1a) || agreed(M1b)"))
		if err := delegate.wait(`document.querySelector('#cond-D1-preview').textContent.includes('agreed(M1a) or agreed(M1b)')`, 5*time.Second); err != nil {
			t.Fatalf("the condition's preview: %v: %q (input %q)", err, eval[string](t, delegate, `document.querySelector('#cond-D1-preview').textContent`), eval[string](t, delegate, `document.querySelector('#cond-D1').value`))
		}

		// The mediator watches the dashboard while the delegate returns to
		// plain support.
		mediator.goTo(t, base+talks+"/dashboard")
		mediator.mustWait(t, `/all 4 items/.test(document.querySelector('#matrix caption')?.textContent)`, 5*time.Second)
		mediator.mustWait(t, `document.getElementById('live').textContent.startsWith('Live')`, 5*time.Second)
		delegate.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#stance-D1'); s.value = 'support'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`))
		delegate.do(t, chromedp.Click(chromedp.CSS(`form[data-act="stance.set"] button[type="submit"]`)))
		delegate.mustWait(t, `/Signed and recorded as event #\d+/.test(document.querySelector('form[data-act="stance.set"] .act-status').textContent)`, 10*time.Second)
		signed := time.Now()
		if err := mediator.wait(fmt.Sprintf(`%s.startsWith('support')`, cellJS("D1", "oppA")), time.Second); err != nil {
			t.Fatalf("the mediator's dashboard did not show oppA's support of D1 within a second: %v (cell %q)", err, eval[string](t, mediator, cellJS("D1", "oppA")))
		}
		t.Logf("the mediator's dashboard showed the change %v after the delegate's receipt", time.Since(signed).Round(time.Millisecond))
		// oppB follows, with the command line say: D1 is agreed again.
		f.act("oppB", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 2, Party: "oppB", Stance: parley.StanceSupport})
		mediator.mustWait(t, `[...document.querySelectorAll('#matrix tbody tr')].find(r => r.querySelector('th a')?.textContent === 'D1')?.cells[1].textContent === 'agreed'`, time.Second)
		if got := eval[string](t, delegate, `document.querySelector('#ws-D1').textContent.replace(/\s+/g, ' ')`); !strings.Contains(got, "Your stance: support on version 2") {
			t.Errorf("the delegate's workspace after signing: %q", got)
		}
	})

	t.Run("console", func(t *testing.T) {
		for _, tb := range []*tab{public, mediator, delegate} {
			if errs := tb.errors(); len(errs) > 0 {
				t.Errorf("%s: JavaScript console errors:\n%s", tb.name, strings.Join(errs, "\n"))
			}
		}
	})
}

// shrinkPNG re-encodes a screenshot with a palette of its 256 most
// frequent colours (pages are mostly flat colours), so that the committed
// screenshots stay small.
func shrinkPNG(t testing.TB, b []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bounds := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	slices.SortFunc(colors, func(a, b color.RGBA) int { return counts[b] - counts[a] })
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(256, len(colors))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(bounds, pal)
	index := map[color.RGBA]uint8{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			k, ok := index[c]
			if !ok {
				k = uint8(pal.Index(c))
				index[c] = k
			}
			out.SetColorIndex(x, y, k)
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

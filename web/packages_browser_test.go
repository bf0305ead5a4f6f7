package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
	"github.com/parleyhq/parley/frontier"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/seal"
)

// docExample returns the instance of docs/PACKAGES.md given as file name.
func docExample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("../docs/PACKAGES.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- file: " + regexp.QuoteMeta(name) + " -->\n```json\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatalf("docs/PACKAGES.md has no %s", name)
	}
	return string(m[1])
}

// native computes in Go what the page computes: the result as `parley
// packages` writes it, and the picture of two parties in lang.
func native(t testing.TB, inst, current, proposal, lang string) (string, string) {
	t.Helper()
	in, err := bargain.DecodeInstance([]byte(inst))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := bargain.NewProblem(in)
	if err != nil {
		t.Fatal(err)
	}
	var o bargain.ResultOptions
	for _, q := range []struct {
		v  string
		to *bargain.Package
	}{{current, &o.Current}, {proposal, &o.Proposal}} {
		if q.v != "" {
			if *q.to, err = bargain.DecodePackage([]byte(q.v), pb.Issues(), "package"); err != nil {
				t.Fatal(err)
			}
		}
	}
	f, err := pb.Frontier(context.Background(), bargain.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Result(o)
	if err != nil {
		t.Fatal(err)
	}
	var out, svg bytes.Buffer
	if err := res.Write(&out, false); err != nil {
		t.Fatal(err)
	}
	if len(res.Parties) == 2 {
		c, err := frontier.New(res, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := i18n.ForCode(lang)
		if err := frontier.Write(&svg, c, p, frontier.Options{Dir: p.Dir()}); err != nil {
			t.Fatal(err)
		}
	}
	return out.String(), svg.String()
}

// requests records the requests a tab makes, with their bodies.
type requests struct {
	mu   sync.Mutex
	list []string
}

func watchRequests(t testing.TB, tb *tab) *requests {
	t.Helper()
	rs := &requests{}
	err := chromedp.Listen(tb.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			s := e.Request.Method + " " + e.Request.URL
			if e.Request.HasPostData {
				s += " (with a body)"
			}
			for _, d := range e.Request.PostDataEntries {
				s += " " + string(d.Bytes)
			}
			rs.mu.Lock()
			rs.list = append(rs.list, s)
			rs.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	return rs
}

func (rs *requests) all() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.list)
}

// signInAs makes a tab act as a demo actor.
func signInAs(t testing.TB, tb *tab, base, who string) {
	t.Helper()
	tb.goTo(t, base+"/signin")
	tb.do(t, chromedp.Click(chromedp.CSS(`button[data-demo-as="`+who+`"]`)))
	tb.mustWait(t, `location.pathname === "/" && document.readyState === "complete"`, 10*time.Second)
}

// computeInPage gives the page an instance and packages, computes, and
// returns the result the page shows, the picture and the time of the
// computation in the page in milliseconds.
func computeInPage(t testing.TB, tb *tab, inst, current, proposal string) (string, string, float64) {
	t.Helper()
	args, _ := json.Marshal([]string{inst, current, proposal})
	eval[bool](t, tb, `(() => {
		const [i, c, p] = `+string(args)+`;
		document.getElementById('packages-json').value = i;
		document.getElementById('packages-current').value = c;
		document.getElementById('packages-proposal').value = p;
		delete document.querySelector('[data-packages]').dataset.ms;
		document.getElementById('packages-run').click();
		return true;
	})()`)
	tb.mustWait(t, `(document.querySelector('[data-packages]').dataset.ms !== undefined || document.getElementById('packages-status').classList.contains('failed')) && !document.getElementById('packages-run').disabled`, 60*time.Second)
	if failed := eval[string](t, tb, `document.getElementById('packages-status').classList.contains('failed') ? document.getElementById('packages-status').textContent : ''`); failed != "" {
		t.Fatalf("the page failed: %s", failed)
	}
	res := eval[string](t, tb, `document.getElementById('packages-result').textContent`)
	svg := eval[string](t, tb, `document.querySelector('#packages-picture svg')?.outerHTML ?? ''`)
	ms, err := strconv.ParseFloat(eval[string](t, tb, `document.querySelector('[data-packages]').dataset.ms`), 64)
	if err != nil {
		t.Fatal(err)
	}
	return res, svg, ms
}

// TestPackagesBrowser computes the two-party example of docs/PACKAGES.md
// in a mediator's page, in the WebAssembly built from package bargain, and
// checks that the page shows exactly what bargain computes in Go, and that
// no request the page makes carries anything of the preferences.
func TestPackagesBrowser(t *testing.T) {
	browser := newBrowser(t)
	f := newFixture(t, fixtureOptions{demo: true})
	base := f.ts.URL
	med := newTab(t, browser, "mediator")
	reqs := watchRequests(t, med)
	signInAs(t, med, base, "mediator")
	med.goTo(t, base+"/talks/"+f.talks+"/items/D1")
	med.do(t, chromedp.Click(chromedp.CSS(`a[href$="/packages?item=D1"]`)))
	med.mustWait(t, `location.pathname.endsWith('/packages') && document.readyState === 'complete'`, 10*time.Second)
	since := len(reqs.all())

	inst := docExample(t, "exchange.json")
	const cur, prop = `{"detainees": "250", "tranches": "1"}`, `{"detainees": "500", "tranches": "3"}`
	wantRes, wantSVG := native(t, inst, cur, prop, "en")
	res, svg, _ := computeInPage(t, med, inst, cur, prop)
	if res != wantRes {
		t.Errorf("the page's result differs from bargain's:\n%s\nwant\n%s", res, wantRes)
	}
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(wantSVG, "Nash") || !strings.Contains(svg, "Nash") {
		t.Errorf("the page shows no picture of the frontier: %.300q", svg)
	}
	text := eval[string](t, med, `document.getElementById('packages-out').innerText`)
	for _, want := range []string{"detainees: 500, tranches: 2", "0.1066", "20/43", "Packages better for every party", "Short of its best"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q:\n%s", want, text)
		}
	}

	eval[bool](t, med, `(document.getElementById('packages-out').scrollIntoView(), true)`)
	med.screenshot(t, screenshotDir(t), "packages-1280.png")

	// In Arabic, the picture and the errors are in Arabic.
	med.goTo(t, base+"/lang/ar?next="+urlQuery("/talks/"+f.talks+"/packages?item=D1"))
	_, wantAr := native(t, inst, "", "", "ar")
	_, svgAr, _ := computeInPage(t, med, inst, "", "")
	if !regexp.MustCompile(`[\x{0600}-\x{06FF}]`).MatchString(svgAr) || len(wantAr) == 0 {
		t.Errorf("the Arabic page's picture is not in Arabic: %.300q", svgAr)
	}
	eval[bool](t, med, `(() => { document.getElementById('packages-json').value = '{"issues": []'; document.getElementById('packages-run').click(); return true; })()`)
	med.mustWait(t, `document.getElementById('packages-status').classList.contains('failed')`, 10*time.Second)
	if msg := eval[string](t, med, `document.getElementById('packages-status').textContent`); !regexp.MustCompile(`[\x{0600}-\x{06FF}]`).MatchString(msg) {
		t.Errorf("the error is not in Arabic: %q", msg)
	}

	sent := reqs.all()[since:]
	if !slices.ContainsFunc(sent, func(r string) bool { return strings.Contains(r, "/static/vendor/go/parley.wasm?v=") }) {
		t.Errorf("the page's requests were not all seen (none fetched the WebAssembly): %q", sent)
	}
	for _, r := range sent {
		if !strings.HasPrefix(r, "GET ") || strings.Contains(r, "detainees") || strings.Contains(r, "tranches") || strings.Contains(r, "0.1066") {
			t.Errorf("the page sent %q", r)
		}
	}
	if errs := med.errors(); len(errs) > 0 {
		t.Errorf("errors in the page: %v", errs)
	}
}

// BenchmarkPackagesPage times the computation of 2 parties × 50 issues ×
// 10 options (docs/BENCHMARKS.md) in a mediator's page, in WebAssembly,
// and the same in Go, in the same run, and reports the medians.
//
//	go test ./web -run '^$' -bench BenchmarkPackagesPage -benchtime 1x
func BenchmarkPackagesPage(b *testing.B) {
	browser := newBrowser(b)
	f := newFixture(b, fixtureOptions{demo: true})
	med := newTab(b, browser, "mediator")
	signInAs(b, med, f.ts.URL, "mediator")
	med.goTo(b, f.ts.URL+"/talks/"+f.talks+"/packages?item=D1")
	const runs = 7
	// Fetching the WebAssembly past the cache and compiling it, as the page
	// does once when it loads.
	var load []float64
	for range runs {
		load = append(load, eval[float64](b, med, `(async () => {
			const url = document.querySelector('[data-packages]').dataset.wasm;
			const start = performance.now();
			await WebAssembly.compileStreaming(fetch(url, {cache: 'no-store'}));
			return performance.now() - start;
		})()`))
	}
	b.ReportMetric(packagesMedian(load), "load-ms")
	for _, values := range []string{bargain.Independent, bargain.AntiCorrelated} {
		spec := bargain.GenSpec{Parties: 2, Issues: 50, Options: 10, Values: values}
		inst, err := json.Marshal(bargain.Generate(spec, 1))
		if err != nil {
			b.Fatal(err)
		}
		var page, gos []float64
		var pageRes, goRes string
		for range runs {
			res, _, ms := computeInPage(b, med, string(inst), "", "")
			page, pageRes = append(page, ms), res
			start := time.Now()
			goRes, _ = native(b, string(inst), "", "", "en")
			gos = append(gos, float64(time.Since(start).Microseconds())/1000)
		}
		if pageRes != goRes {
			b.Fatalf("%s: the page's result differs from Go's", values)
		}
		b.ReportMetric(packagesMedian(page), values+"-wasm-ms")
		b.ReportMetric(packagesMedian(gos), values+"-go-ms")
	}
}

func packagesMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestPackagesFromRecord has a mediator define the issues of an item and
// two parties give their preferences, sealed to the mediators, as in the
// two-party example of docs/PACKAGES.md; the mediator's page reads them
// from the record, opens them with the key this browser keeps, and shows
// exactly what bargain computes from them in Go.
func TestPackagesFromRecord(t *testing.T) {
	browser := newBrowser(t)
	f := newFixture(t, fixtureOptions{demo: true})
	base := f.ts.URL
	inst := strings.ReplaceAll(docExample(t, "exchange.json"), `"opp"`, `"oppA"`)
	var in struct {
		Issues  []parley.IssueOptions `json:"issues"`
		Parties []json.RawMessage     `json:"parties"`
	}
	if err := json.Unmarshal([]byte(inst), &in); err != nil {
		t.Fatal(err)
	}
	const cur = `{"detainees":"250","tranches":"1"}`
	def := f.act("mediator", parley.KindDefineIssues, "", parley.DefineIssues{Item: "D1", Issues: in.Issues, Current: map[string]string{"detainees": "250", "tranches": "1"}})
	for _, raw := range in.Parties {
		var p struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		var rs []seal.Recipient
		for _, who := range []string{"mediator", p.ID} {
			rs = append(rs, seal.Recipient{Actor: f.keys[who].Public().(ed25519.PublicKey), Key: f.keys.Encryption(who).Public()})
		}
		c := seal.Context{Origin: f.l.Origin(f.talks), Kind: parley.KindGivePreferences, Channel: parley.PreferencesChannel("D1", p.ID), Sender: f.keys[p.ID].Public().(ed25519.PublicKey)}
		sealed, err := seal.Seal(c, raw, rs)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(sealed)
		if err != nil {
			t.Fatal(err)
		}
		f.act(p.ID, parley.KindGivePreferences, "", parley.GivePreferences{Item: "D1", Party: p.ID, Definition: def.Index, Sealed: b})
	}

	med := newTab(t, browser, "mediator")
	reqs := watchRequests(t, med)
	signInAs(t, med, base, "mediator")
	// The mediator's encryption key, kept in this browser as the key page
	// keeps it when the mediator imports its key file.
	file, _ := json.Marshal("encryption-private-key: " + f.keys.Encryption("mediator").String() + "\n")
	actor, _ := json.Marshal(f.keys.Public("mediator"))
	eval[bool](t, med, `import('/static/js/seal.js').then((s) => s.importKeyFile(`+string(file)+`, `+string(actor)+`)).then(() => true)`)
	since := len(reqs.all())
	med.goTo(t, base+"/talks/"+f.talks+"/packages?item=D1")
	med.mustWait(t, `document.getElementById('packages-result').textContent !== '' || document.getElementById('packages-record-status').classList.contains('failed')`, 30*time.Second)
	// In this demo the server opened them for the demo mediator.
	if msg := eval[string](t, med, `document.getElementById('packages-record-status').textContent`); !strings.Contains(msg, "demo server") || !strings.Contains(msg, "gov, oppA") {
		t.Errorf("the page says %q of the preferences the demo server opened", msg)
	}
	want, _ := native(t, inst, cur, "", "en")
	if got := eval[string](t, med, `document.getElementById('packages-result').textContent`); got != want {
		t.Errorf("the page's result from the demo server's opening differs from bargain's:\n%s\nwant\n%s", got, want)
	}
	// Without what the demo server opened, the page opens them itself,
	// with the key kept in this browser.
	eval[bool](t, med, `(() => {
		delete document.querySelector('[data-packages]').dataset.demo;
		document.getElementById('packages-result').textContent = '';
		document.getElementById('packages-record').click();
		return true;
	})()`)
	med.mustWait(t, `document.getElementById('packages-result').textContent !== '' || document.getElementById('packages-record-status').classList.contains('failed')`, 30*time.Second)
	if msg := eval[string](t, med, `document.getElementById('packages-record-status').textContent`); !strings.Contains(msg, "in this browser") || !strings.Contains(msg, "gov, oppA") {
		t.Errorf("the page says %q of the preferences it opened", msg)
	}
	if got := eval[string](t, med, `document.getElementById('packages-result').textContent`); got != want {
		t.Errorf("the page's result from the record differs from bargain's:\n%s\nwant\n%s", got, want)
	}
	for _, r := range reqs.all()[since:] {
		if !strings.HasPrefix(r, "GET ") || strings.Contains(r, "detainees") || strings.Contains(r, "tranches") || strings.Contains(r, "0.1066") {
			t.Errorf("the page sent %q", r)
		}
	}
	if errs := med.errors(); len(errs) > 0 {
		t.Errorf("errors in the page: %v", errs)
	}

	// A party's actor does not get the page.
	gov := newTab(t, browser, "gov")
	signInAs(t, gov, base, "gov")
	gov.goTo(t, base+"/talks/"+f.talks+"/packages?item=D1")
	if eval[bool](t, gov, `document.getElementById('packages-json') !== null`) {
		t.Error("a party's actor gets the packages page")
	}
}

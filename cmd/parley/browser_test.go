package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
)

// newChromium starts a headless Chromium with an empty profile, or skips
// the test when there is none (fails it when PARLEY_REQUIRE_ALL=1).
func newChromium(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PARLEY_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("PARLEY_REQUIRE_ALL") == "1" {
			t.Fatalf("Chromium is required (PARLEY_REQUIRE_ALL=1) but %s is missing: install Debian's chromium package or set PARLEY_CHROMIUM", path)
		}
		t.Skipf("no Chromium at %s (install Debian's chromium package, or set PARLEY_CHROMIUM)", path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 960))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return bctx
}

// A page is a tab with its own cookies and storage, collecting the
// exceptions its scripts throw.
type page struct {
	t    *testing.T
	name string
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func newPage(t *testing.T, browser context.Context, name string) *page {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &page{t: t, name: name, ctx: ctx}
	if err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*runtime.EventExceptionThrown); ok {
			p.mu.Lock()
			p.errs = append(p.errs, ev.ExceptionDetails.Text)
			p.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

func (p *page) text(expr string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, expr, err)
	}
	return v
}

// wait polls an expression until it is true, across page loads.
func (p *page) wait(expr string) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := time.Until(deadline)
		ctx, cancel := context.WithTimeout(p.ctx, left+5*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(left), chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), "navigated or closed") && !strings.Contains(err.Error(), "context was destroyed") && !strings.Contains(err.Error(), "Cannot find context") {
			body := p.text(`document.body ? document.body.innerText.slice(0, 3000) : ''`)
			p.t.Fatalf("%s: waiting for %s: %v\npage:\n%s", p.name, expr, err, body)
		}
	}
}

func (p *page) goTo(url string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url))
	p.wait(`document.readyState === 'complete'`)
}

// signInWith imports a key file on the Keys page and signs in with it,
// then goes to next.
func (p *page) signInWith(base, keyFile, pub, next string) {
	p.t.Helper()
	p.goTo(base + "/signin?next=" + next)
	p.do(chromedp.SetUploadFiles(chromedp.ID("key-file"), []string{keyFile}),
		chromedp.SendKeys(chromedp.ID("import-label"), p.name),
		chromedp.Click(chromedp.CSS(`form[data-keyimport] button[type="submit"]`)))
	p.wait(fmt.Sprintf(`!!document.querySelector('[data-signin-key=%q]')`, pub))
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-signin-key=%q]`, pub))))
	p.wait(fmt.Sprintf(`location.pathname === %q && document.readyState === 'complete'`, next))
}

// TestSealedCaucusBrowser drives the sealed caucus through the real pages
// in Chromium and the real command line against one server: a message
// sealed by the command line opens in the page, one sealed in the page
// opens with the command line; a delegate who joins later makes and
// publishes its encryption key in the page, is given the earlier messages
// by a re-wrap signed in the head's page, and reads them; the other party
// and the observer see none of it; and the browser's marker is nowhere
// the host keeps or shows.
func TestSealedCaucusBrowser(t *testing.T) {
	browser := newChromium(t)
	w := newSealWorld(t, "")
	w.setup("")
	// The delegate's key file was made before encryption keys: its
	// encryption key is made in the browser.
	_, del, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	delFile := filepath.Join(w.work, "late.key")
	if err := writeKeyFile(delFile, del); err != nil {
		t.Fatal(err)
	}
	delPub := parley.KeyString(del.Public().(ed25519.PublicKey))

	fromCLI := w.mark("SEALEDBYCLI")
	w.must("caucus", "gov", fromCLI, "--key", w.key("med"))

	ws := "/talks/t1/workspace"
	gov := newPage(t, browser, "gov head")
	gov.signInWith(w.url, w.key("gov"), w.pub["gov"], ws)
	// The command line's message opens in the page; the page's panel says
	// the browser holds the key gov published.
	gov.wait(fmt.Sprintf(`document.querySelector('#caucus').textContent.includes(%q)`, fromCLI))
	if got := gov.text(`document.querySelector('[data-enc-key-status]').textContent`); !strings.Contains(got, "This browser holds it") {
		t.Errorf("gov's key panel: %q", got)
	}
	// gov writes in the page: sealed there, before it is signed.
	fromPage := w.mark("SEALEDINPAGE")
	gov.do(chromedp.SendKeys(chromedp.ID("caucus-text"), fromPage+" from the page"),
		chromedp.Click(chromedp.CSS(`form[data-act="caucus.message"] button[type="submit"]`)))
	gov.wait(`/Signed and recorded as event #\d+/.test(document.querySelector('form[data-act="caucus.message"] .act-status').textContent)`)
	gov.wait(fmt.Sprintf(`document.querySelector('#caucus').textContent.includes(%q)`, fromPage))
	if n := gov.text(`String(document.querySelectorAll('#caucus .sealed-badge').length)`); n != "2" {
		t.Errorf("gov's caucus shows %s sealed messages, want 2", n)
	}
	// The command line opens the page's message, as the mediator and as
	// gov with its key file.
	for _, n := range []string{"med", "gov"} {
		if out := w.must("caucus", "read", "gov", "--key", w.key(n)); !strings.Contains(out, fromPage+" from the page") || !strings.Contains(out, fromCLI) {
			t.Errorf("%s's command line does not open the page's message:\n%s", n, out)
		}
	}
	// What the server serves as gov's workspace holds neither text: the
	// page opened them.
	code, body := w.get(w.signIn("gov"), ws)
	if code != 200 || strings.Contains(string(body), fromPage) || strings.Contains(string(body), fromCLI) {
		t.Errorf("the workspace as served to gov (%d) holds a sealed text", code)
	}

	// A delegate joins: its page makes an encryption key and publishes it.
	w.must("roster", "add", delPub, "Late delegate", "--role", "delegate", "--party", "gov", "--key", w.key("gov"))
	late := newPage(t, browser, "late delegate")
	late.goTo(w.url + "/signin")
	late.do(chromedp.SetUploadFiles(chromedp.ID("key-file"), []string{delFile}),
		chromedp.SendKeys(chromedp.ID("import-label"), "late"),
		chromedp.Click(chromedp.CSS(`form[data-keyimport] button[type="submit"]`)))
	late.wait(fmt.Sprintf(`!!document.querySelector('[data-make-enc=%q]')`, delPub))
	late.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-make-enc=%q]`, delPub))))
	late.wait(fmt.Sprintf(`!!document.querySelector('[data-enc-of=%q]')`, delPub))
	late.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-signin-key=%q]`, delPub))))
	late.wait(`location.pathname === '/' && document.readyState === 'complete'`)
	late.goTo(w.url + ws)
	late.wait(`!document.querySelector('[data-publish-key]').hidden`)
	late.do(chromedp.Click(chromedp.CSS(`[data-publish-key]`)))
	late.wait(`/Published in these talks/.test(document.querySelector('#enc-key').textContent) && /This browser holds it/.test(document.querySelector('#enc-key').textContent)`)
	// The earlier messages were sealed before it could read them.
	late.wait(`[...document.querySelectorAll('#caucus [data-sealed-text]')].length === 2 && [...document.querySelectorAll('#caucus [data-sealed-text]')].every(p => /not for you/.test(p.textContent))`)

	// gov's page offers to let it read them, and signs the re-wrap.
	gov.goTo(w.url + ws)
	gov.wait(`!!document.querySelector('#caucus-rewraps [data-rewrap]')`)
	if got := gov.text(`document.querySelector('#caucus-rewraps').textContent`); !strings.Contains(got, "Late delegate read the 2 earlier sealed messages") {
		t.Errorf("gov's offer to re-wrap: %q", got)
	}
	gov.do(chromedp.Click(chromedp.CSS(`#caucus-rewraps [data-rewrap]`)))
	gov.wait(`/can now read them/.test(document.querySelector('#caucus-section .act-status').textContent)`)
	late.goTo(w.url + ws)
	late.wait(fmt.Sprintf(`document.querySelector('#caucus').textContent.includes(%q) && document.querySelector('#caucus').textContent.includes(%q)`, fromCLI, fromPage))
	// What is sent from now on is sealed to the delegate too: the page
	// seals to the key it published, and the command line reads it.
	afterJoin := w.mark("AFTERJOININPAGE")
	late.do(chromedp.SendKeys(chromedp.ID("caucus-text"), afterJoin),
		chromedp.Click(chromedp.CSS(`form[data-act="caucus.message"] button[type="submit"]`)))
	late.wait(fmt.Sprintf(`document.querySelector('#caucus').textContent.includes(%q)`, afterJoin))
	if out := w.must("caucus", "read", "gov", "--key", w.key("med")); !strings.Contains(out, afterJoin) {
		t.Errorf("the mediator does not read the later delegate's message:\n%s", out)
	}

	// The other party and the observer: their workspaces hold nothing of
	// gov's caucus, whatever they ask for.
	for _, n := range []string{"opp", "obs"} {
		p := newPage(t, browser, n)
		p.signInWith(w.url, w.key(n), w.pub[n], ws)
		p.goTo(w.url + ws + "?party=gov")
		if got := p.text(`document.body.innerText`); strings.Contains(got, w.marker) || strings.Contains(got, "Caucus of Government") {
			t.Errorf("%s's workspace shows gov's caucus:\n%.500s", n, got)
		}
		if errs := p.errs; len(errs) > 0 {
			t.Errorf("%s: script errors: %q", n, errs)
		}
	}
	for _, p := range []*page{gov, late} {
		if len(p.errs) > 0 {
			t.Errorf("%s: script errors: %q", p.name, p.errs)
		}
	}

	// The page's markers are nowhere the host keeps or shows.
	markers := []string{fromCLI, fromPage, afterJoin}
	tokens := map[string]string{"public": ""}
	for _, n := range []string{"conv", "med", "gov", "opp", "obs"} {
		tokens[n] = w.signIn(n)
	}
	for who, tok := range tokens {
		w.nowhere("the answer to "+who+" of", w.answers(tok), markers...)
	}
	w.nowhere("file", files(t, w.dir), markers...)
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	w.nowhere("file after the server stopped:", files(t, w.dir), markers...)
	w.nowhere("the server's log", map[string][]byte{"": []byte(w.logs.String())}, markers...)
}

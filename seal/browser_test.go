package seal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
)

// The browser tests drive web/static/js/seal.js in Debian's Chromium,
// headless, on a test page (testdata/browser) served with the pages'
// Content-Security-Policy. They skip without Chromium unless
// PARLEY_REQUIRE_ALL=1.

const csp = "default-src 'none'; script-src 'self'; connect-src 'self'; base-uri 'none'"

// browserServer serves web/static under /static/, the test page under
// /test/, this package's testdata under /testdata/ and the files of extra
// under their paths.
func browserServer(t testing.TB, extra map[string][]byte) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.Dir("../web/static"))))
	mux.Handle("GET /test/", http.StripPrefix("/test/", http.FileServer(http.Dir("testdata/browser"))))
	mux.Handle("GET /testdata/", http.StripPrefix("/testdata/", http.FileServer(http.Dir("testdata"))))
	for p, b := range extra {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A page is the test page in a fresh headless Chromium, collecting the
// JavaScript errors it reports.
type page struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func openPage(t testing.TB, url string) *page {
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
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	p := &page{ctx: ctx}
	chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += ": " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				for _, a := range ev.Args {
					msg += string(a.Value) + a.Description + " "
				}
			}
		}
		if msg != "" {
			p.mu.Lock()
			p.errs = append(p.errs, msg)
			p.mu.Unlock()
		}
	})
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("starting Chromium on the test page: %v", err)
	}
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`window.sealTestReady === true`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the test page did not load its modules: %v; errors: %v", err, p.errors())
	}
	return p
}

func (p *page) errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// call calls window.sealTest[fn] with the arguments, in JSON, and decodes
// its result into T.
func call[T any](t testing.TB, p *page, fn string, args ...any) T {
	t.Helper()
	js := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		js[i] = string(b)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](fmt.Sprintf("window.sealTest.%s(%s)", fn, strings.Join(js, ",")), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("sealTest.%s: %v; page errors: %v", fn, err, p.errors())
	}
	return v
}

// jsContext is a Context as seal.js takes it.
type jsContext struct {
	Origin  string `json:"origin"`
	Kind    string `json:"kind"`
	Channel string `json:"channel"`
	Sender  string `json:"sender"`
}

func toJS(c Context) jsContext {
	return jsContext{c.Origin, c.Kind, c.Channel, parley.KeyString(c.Sender)}
}

type jsRecipient struct {
	Actor string `json:"actor"`
	Key   string `json:"key"`
}

func TestBrowser(t *testing.T) {
	p := openPage(t, browserServer(t, nil).URL+"/test/page.html")
	ctx := toJS(testContext)

	t.Run("published HPKE and X-Wing vectors", func(t *testing.T) {
		r := call[struct {
			Checked, Skipped, Failures []string
		}](t, p, "hpkeVectors")
		for _, f := range r.Failures {
			t.Error(f)
		}
		// RFC 9180 A.1.1 and A.2.1, draft-ietf-hpke-pq's X-Wing vector with
		// HKDF-SHA256, and the three X-Wing KEM vectors.
		if len(r.Checked) != 6 {
			t.Errorf("checked %q, want 6 vectors", r.Checked)
		}
		t.Logf("checked %q; skipped %q (hpke-js has no SHAKE256 KDF)", r.Checked, r.Skipped)
	})

	t.Run("known-answer vectors", func(t *testing.T) {
		r := call[struct {
			Checked  int
			Failures []string
		}](t, p, "knownAnswers")
		for _, f := range r.Failures {
			t.Error(f)
		}
		if r.Checked != len(vectorSpecs) {
			t.Errorf("checked %d vectors, want %d", r.Checked, len(vectorSpecs))
		}
	})

	// Sealed in Go, opened in the browser: with the private key as a key
	// file holds it, and with the key imported from a key file and kept.
	t.Run("Go to browser", func(t *testing.T) {
		for _, kem := range KEMs() {
			ms := newMembers(t, kem, 3)
			msg := []byte("from the CLI: ready when you are — جاهزون")
			s, err := Seal(testContext, msg, recipientsOf(ms))
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(s)
			for i, m := range ms {
				got := call[string](t, p, "openWith", ctx, string(js), parley.KeyString(m.actor), m.priv.String())
				if got != base64.StdEncoding.EncodeToString(msg) {
					t.Errorf("%s, recipient %d: the browser opened %q", kem, i, got)
				}
			}
			m := ms[1]
			file := fmt.Sprintf("# Parley actor key.\nprivate-key: %s\npublic-key: %s\nencryption-private-key: %s\nencryption-public-key: %s\n",
				base64.StdEncoding.EncodeToString(make([]byte, 32)), parley.KeyString(m.actor), m.priv, m.priv.Public())
			if got := call[string](t, p, "importKeyFile", file); got != m.priv.Public().String() {
				t.Fatalf("%s: importKeyFile kept %.20s…, want %.20s…", kem, got, m.priv.Public())
			}
			if got := call[string](t, p, "open", ctx, string(js), parley.KeyString(m.actor)); got != base64.StdEncoding.EncodeToString(msg) {
				t.Errorf("%s: opened with the kept key: %q", kem, got)
			}
			if !call[bool](t, p, "refusedOpen", toJS(Context{Origin: "elsewhere/talks/x", Kind: testContext.Kind, Channel: testContext.Channel, Sender: testContext.Sender}), string(js), parley.KeyString(m.actor)) {
				t.Errorf("%s: the browser opened a payload moved to another talks", kem)
			}
		}
	})

	// Keys made and kept in the browser; sealed there to them and to a Go
	// actor; opened in Go and in the browser; re-wrapped both ways.
	t.Run("browser to Go", func(t *testing.T) {
		xw, x := actorKey("browser xwing"), actorKey("browser x25519")
		xwKey, err := ParsePublicKey(call[string](t, p, "createKey", parley.KeyString(xw), XWing))
		if err != nil {
			t.Fatal(err)
		}
		xKey, err := ParsePublicKey(call[string](t, p, "createKey", parley.KeyString(x), X25519))
		if err != nil {
			t.Fatal(err)
		}
		if xwKey.KEM() != XWing || xKey.KEM() != X25519 {
			t.Fatalf("the browser made %s and %s keys", xwKey.KEM(), xKey.KEM())
		}
		goMember := newMembers(t, XWing, 1)[0]
		rs := []jsRecipient{
			{parley.KeyString(xw), xwKey.String()},
			{parley.KeyString(x), xKey.String()},
			{parley.KeyString(goMember.actor), goMember.priv.Public().String()},
		}
		msg := []byte("from the browser: the list is attached")
		js := call[string](t, p, "seal", ctx, base64.StdEncoding.EncodeToString(msg), rs)
		s, err := Parse([]byte(js))
		if err != nil {
			t.Fatalf("Go's Parse refused what the browser sealed: %v\n%.300s", err, js)
		}
		if err := s.CheckRecipients([]Recipient{{xw, xwKey}, {x, xKey}, goMember.recipient()}); err != nil {
			t.Error(err)
		}
		got, err := Open(testContext, s, goMember.actor, goMember.priv)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("Go opened %q, %v", got, err)
		}
		for _, a := range []ed25519.PublicKey{xw, x} {
			if got := call[string](t, p, "open", ctx, js, parley.KeyString(a)); got != base64.StdEncoding.EncodeToString(msg) {
				t.Errorf("the browser opened %q", got)
			}
		}

		// The browser re-wraps for a Go actor who joins later.
		later := newMembers(t, X25519, 1)[0]
		rwJS := call[string](t, p, "rewrap", ctx, js, parley.KeyString(xw), jsRecipient{parley.KeyString(later.actor), later.priv.Public().String()})
		rw, err := ParseRewrap([]byte(rwJS))
		if err != nil {
			t.Fatalf("Go's ParseRewrap refused the browser's re-wrap: %v", err)
		}
		if got, err := OpenRewrapped(testContext, s, rw, later.priv); err != nil || !bytes.Equal(got, msg) {
			t.Errorf("Go opened the browser's re-wrap: %q, %v", got, err)
		}
		// Go re-wraps for a browser actor.
		late := actorKey("browser later")
		lateKey, err := ParsePublicKey(call[string](t, p, "createKey", parley.KeyString(late), XWing))
		if err != nil {
			t.Fatal(err)
		}
		rw2, err := NewRewrap(testContext, s, goMember.actor, goMember.priv, nil, Recipient{late, lateKey})
		if err != nil {
			t.Fatal(err)
		}
		rw2JS, _ := json.Marshal(rw2)
		if got := call[string](t, p, "openRewrapped", ctx, js, string(rw2JS), parley.KeyString(late)); got != base64.StdEncoding.EncodeToString(msg) {
			t.Errorf("the browser opened Go's re-wrap: %q", got)
		}

		// What IndexedDB keeps cannot be read back.
		for _, a := range []ed25519.PublicKey{xw, x} {
			st := call[map[string]any](t, p, "stored", parley.KeyString(a))
			if st["exportRefused"] != true || st["wrapKeyExtractable"] == true || st["privateKeyExtractable"] == true {
				t.Errorf("%s key kept as %v: a private half can be read back", st["kem"], st)
			}
			if st["kem"] == XWing && st["sealedSeedBytes"] != float64(32+16) {
				t.Errorf("the X-Wing seed is kept as %v bytes, want 32 encrypted (48)", st["sealedSeedBytes"])
			}
			t.Logf("%s key kept as %v", st["kem"], st)
		}
	})

	t.Run("tampered and moved", func(t *testing.T) {
		for _, kem := range KEMs() {
			ms := newMembers(t, kem, 2)
			s, err := Seal(testContext, []byte("not for the host"), recipientsOf(ms))
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(s)
			step := map[string]int{XWing: 7, X25519: 1}[kem]
			r := call[struct {
				Tried  int
				Opened []string
			}](t, p, "tamper", ctx, string(js), parley.KeyString(ms[0].actor), ms[0].priv.String(), step)
			if len(r.Opened) > 0 {
				t.Errorf("%s: the browser accepted %d of %d changes: %q", kem, len(r.Opened), r.Tried, r.Opened)
			}
			t.Logf("%s: %d changes, all refused", kem, r.Tried)
		}
	})

	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported errors: %q", errs)
	}
}

// BenchmarkBrowserOpen opens 1,000 caucus messages in Chromium, each
// sealed in Go with X-Wing to a party's three delegates and two mediators,
// as one delegate whose key the browser keeps (loaded once):
//
//	go test ./seal -run '^$' -bench BrowserOpen -benchtime 3x
func BenchmarkBrowserOpen(b *testing.B) {
	const n = 1000
	ms := newMembers(b, XWing, 5)
	var msgs []json.RawMessage
	for i := range n {
		text := fmt.Sprintf("Message %d of the caucus: we can accept paragraph 4 if the annex names the verifier; please confirm before the session resumes at three.", i)
		s, err := Seal(testContext, []byte(text), recipientsOf(ms))
		if err != nil {
			b.Fatal(err)
		}
		js, _ := json.Marshal(s)
		msgs = append(msgs, js)
	}
	all, _ := json.Marshal(msgs)
	p := openPage(b, browserServer(b, map[string][]byte{"/bench/caucus.json": all}).URL+"/test/page.html")
	m := ms[2]
	file := fmt.Sprintf("public-key: %s\nencryption-private-key: %s\n", parley.KeyString(m.actor), m.priv)
	call[string](b, p, "importKeyFile", file)
	type result struct {
		N, Bytes                 int
		TotalMs, MedianMs, MaxMs float64
	}
	var total, median float64
	b.ResetTimer()
	for range b.N {
		r := call[result](b, p, "benchOpen", toJS(testContext), "/bench/caucus.json", parley.KeyString(m.actor))
		if r.N != n {
			b.Fatalf("opened %d messages, want %d", r.N, n)
		}
		total += r.TotalMs
		median += r.MedianMs
	}
	b.ReportMetric(total/float64(b.N), "ms/1000-messages")
	b.ReportMetric(median/float64(b.N), "ms/message-median")
	b.ReportMetric(float64(len(all))/float64(n), "bytes/message")
}

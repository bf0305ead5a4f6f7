package web_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/web"
)

// newExchangeFixture is a server with the web UI over a fresh record in
// which the demo's exchange (scenario/exchange-2015.json) was replayed: its
// item D2 has four issues and both parties' sealed preferences. In demo
// mode the server holds its cast's keys, as the demo's does.
func newExchangeFixture(t testing.TB, demo bool) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	var srv *server.Server
	l := ledger.New(st, ledger.Config{Host: testHost, Keys: keys, OnAppend: func(a ledger.Appended) { srv.Published(a) }})
	s := scenario.Exchange()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	var d *server.Demo
	if demo {
		d = &server.Demo{Talks: s.Talks, Notice: s.Notice}
		for _, m := range s.Cast {
			d.Actors = append(d.Actors, server.DemoActor{ID: m.ID, Name: m.Name, Role: m.Role, Party: m.Party, Key: ks[m.ID], Encryption: ks.Encryption(m.ID)})
		}
	}
	ui, err := web.New(l, web.Config{Host: testHost, Demo: d, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	srv = server.New(l, server.Config{Host: testHost, Secret: secret, Demo: d, UI: ui, ReadRate: 10000, WriteRate: 10000})
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, err := l.Append(ctx, se)
		return err
	})
	if err := s.Replay(ctx, app, ks, l.Origin(s.Talks), nil); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
		st.Close()
	})
	return &fixture{t: t, ts: ts, l: l, script: s, keys: ks, talks: s.Talks}
}

// demoData returns what a packages page holds of the preferences the demo
// server opened, and whether it holds any.
func demoData(t testing.TB, body string) (opened struct {
	Instance string            `json:"instance"`
	Current  map[string]string `json:"current"`
	Opened   []string          `json:"opened"`
	Notes    []string          `json:"notes"`
}, ok bool) {
	t.Helper()
	m := regexp.MustCompile(`data-demo="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return opened, false
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &opened); err != nil {
		t.Fatalf("the page's demo data %q: %v", m[1], err)
	}
	return opened, true
}

// TestPackagesDemoOpens checks that in demo mode the demo mediator's
// packages page of D2 carries the preferences the demo server opened for
// it, both parties', with the page saying so, that no one else's page
// carries any, and that outside demo mode nothing is opened.
func TestPackagesDemoOpens(t *testing.T) {
	f := newExchangeFixture(t, true)
	path := "/talks/" + f.talks + "/packages?item=D2"
	body := f.page(f.token("xmediator"), path)
	d, ok := demoData(t, body)
	if !ok {
		t.Fatal("the demo mediator's page holds no opened preferences")
	}
	if !slices.Equal(d.Opened, []string{"gov", "opp"}) || len(d.Notes) != 0 {
		t.Errorf("opened %v, notes %v; want gov and opp, no notes", d.Opened, d.Notes)
	}
	in, err := bargain.DecodeInstance([]byte(d.Instance))
	if err != nil {
		t.Fatalf("the opened instance: %v\n%s", err, d.Instance)
	}
	if len(in.Issues) != 4 || len(in.Parties) != 2 {
		t.Errorf("the opened instance has %d issues and %d parties, want 4 and 2", len(in.Issues), len(in.Parties))
	}
	if d.Current["detainees"] != "250" || len(d.Current) != 4 {
		t.Errorf("the current package %v", d.Current)
	}
	if !strings.Contains(body, "opened these preferences for the one you act as; a real host cannot") {
		t.Error("the page does not say that the demo server opened the preferences")
	}
	// A party's actor, the verifier and the public do not get the page,
	// and nothing opened.
	for _, who := range []string{"xgov", "xopp", "xverifier", ""} {
		tok := ""
		if who != "" {
			tok = f.token(who)
		}
		code, b := f.get(tok, path)
		if code == http.StatusOK {
			t.Errorf("%q gets the packages page", who)
		}
		if _, ok := demoData(t, b); ok || strings.Contains(b, "weights") {
			t.Errorf("%q's answer holds preferences", who)
		}
	}

	nf := newExchangeFixture(t, false)
	body = nf.page(nf.token("xmediator"), "/talks/"+nf.talks+"/packages?item=D2")
	if _, ok := demoData(t, body); ok || strings.Contains(body, "weights") || strings.Contains(body, "a real host cannot") {
		t.Error("outside demo mode the server opened the preferences")
	}
}

// TestPackagesDemoBrowser checks that in the demo the demo mediator sees,
// for D2 and without importing a key, the frontier picture and the
// packages better for both parties than the current one, computed in the
// page as bargain computes them.
func TestPackagesDemoBrowser(t *testing.T) {
	browser := newBrowser(t)
	f := newExchangeFixture(t, true)
	body := f.page(f.token("xmediator"), "/talks/"+f.talks+"/packages?item=D2")
	d, _ := demoData(t, body)
	cur, _ := json.Marshal(d.Current)

	med := newTab(t, browser, "xmediator")
	reqs := watchRequests(t, med)
	signInAs(t, med, f.ts.URL, "xmediator")
	since := len(reqs.all())
	med.goTo(t, f.ts.URL+"/talks/"+f.talks+"/packages?item=D2")
	med.mustWait(t, `document.getElementById('packages-result').textContent !== '' || document.getElementById('packages-record-status').classList.contains('failed') || document.getElementById('packages-status').classList.contains('failed')`, 60*time.Second)
	if msg := eval[string](t, med, `document.getElementById('packages-record-status').textContent`); !strings.Contains(msg, "demo server") || !strings.Contains(msg, "gov, opp") || !strings.Contains(msg, "A real host cannot") {
		t.Errorf("the page says %q of the preferences", msg)
	}
	if msg := eval[string](t, med, `document.getElementById('packages-status').classList.contains('failed') ? document.getElementById('packages-status').textContent : ''`); msg != "" {
		t.Fatalf("the page failed: %s", msg)
	}
	want, _ := native(t, d.Instance, string(cur), "", "en")
	if got := eval[string](t, med, `document.getElementById('packages-result').textContent`); got != want {
		t.Errorf("the page's result differs from bargain's:\n%s\nwant\n%s", got, want)
	}
	if !eval[bool](t, med, `document.querySelector('#packages-picture svg') !== null`) {
		t.Error("the page shows no frontier picture")
	}
	better := eval[string](t, med, `document.getElementById('packages-current-out').textContent`)
	if !strings.Contains(better, "Packages better for every party") || !strings.Contains(better, "Frontier packages that give every party more than the current one") {
		t.Errorf("the page shows no packages better for both: %q", better)
	}
	for _, r := range reqs.all()[since:] {
		if !strings.HasPrefix(r, "GET ") || strings.Contains(r, "detainees") || strings.Contains(r, "weights") {
			t.Errorf("the page sent %q", r)
		}
	}
	if errs := med.errors(); len(errs) > 0 {
		t.Errorf("errors in the page: %v", errs)
	}
}

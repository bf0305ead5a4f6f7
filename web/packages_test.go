package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestPackagesPage checks who gets the packages page, and that it alone
// may compile WebAssembly, which it loads versioned, with the type
// browsers compile it from and cached for good.
func TestPackagesPage(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	path := "/talks/" + f.talks + "/packages?item=D1"
	for who, want := range map[string]int{"": http.StatusNotFound, "gov": http.StatusForbidden, "mediator": http.StatusOK} {
		tok := ""
		if who != "" {
			tok = f.token(who)
		}
		if code, _ := f.get(tok, path); code != want && !(who == "" && code == http.StatusForbidden) {
			t.Errorf("%q: status %d, want %d", who, code, want)
		}
	}
	if code, _ := f.get(f.token("mediator"), "/talks/"+f.talks+"/packages?item=NOSUCH"); code != http.StatusNotFound {
		t.Errorf("no such item: status %d, want 404", code)
	}
	req, _ := http.NewRequest("GET", f.ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+f.token("mediator"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval';") {
		t.Errorf("the packages page's policy %q does not allow WebAssembly", csp)
	}
	resp, err = http.Get(f.ts.URL + "/talks/" + f.talks)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "wasm") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("the overview's policy %q", csp)
	}
	body := f.page(f.token("mediator"), path)
	if strings.Contains(body, "packages-json\">{") {
		t.Error("the page holds preferences")
	}
	m := regexp.MustCompile(`data-wasm="(/static/vendor/go/parley\.wasm\?v=[0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page names no versioned WebAssembly")
	}
	resp, err = http.Get(f.ts.URL + m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Content-Type"); got != "application/wasm" {
		t.Errorf("WebAssembly served as %q", got)
	}
	if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("versioned WebAssembly cached as %q, want immutable", got)
	}
	if !strings.Contains(f.page(f.token("mediator"), "/talks/"+f.talks+"/items/D1"), "/packages?item=D1") {
		t.Error("the item's page does not link a mediator to its packages")
	}
	if strings.Contains(f.page(f.token("gov"), "/talks/"+f.talks+"/items/D1"), "/packages?item=") {
		t.Error("the item's page links a party to the packages")
	}
}

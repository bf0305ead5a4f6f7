package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/server"
)

// TestProblemsInTheRequestLanguage checks that a refused act's problem is
// said in the language of the request's Accept-Language, title and
// detail, with its Content-Language, while its type, code and status are
// those of every language; and in English without Accept-Language, as
// existing clients expect.
func TestProblemsInTheRequestLanguage(t *testing.T) {
	w := newWorld(t, server.Config{}, false)
	// gov's head takes a stance for opp: the kind table refuses it.
	forOpp := w.sign(t, "gov", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: "opp", Stance: parley.StanceSupport})
	// opp's head takes a stance that is none: the payload's check refuses it.
	badStance := w.sign(t, "opp", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: "opp", Stance: "maybe"})
	post := func(se parley.SignedEvent, accept string) (*http.Response, server.Problem) {
		t.Helper()
		body, _ := json.Marshal(se)
		req, _ := http.NewRequest("POST", w.ts.URL+"/api/v1/talks/t1/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+w.c["gov"].token)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var p server.Problem
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: not a problem: %s", resp.Status, b)
		}
		return resp, p
	}
	for _, c := range []struct {
		name string
		se   parley.SignedEvent
		code string
		// english is the detail without Accept-Language; ids are what
		// every language's detail keeps as it is.
		english string
		ids     []string
	}{
		{"a stance for another party", forOpp, parley.EFORBIDDEN,
			`Head gov (head) acts for party "gov", not for "opp": a delegate acts only for its own party`, []string{`"gov"`, `"opp"`, "Head gov", "(head)"}},
		{"an unknown stance", badStance, parley.EINVALID,
			`payload field "stance": "maybe" is not support, ad_referendum, abstain, reserve, oppose or conditional`, []string{`"stance"`, `"maybe"`, "ad_referendum", "conditional"}},
	} {
		resp, en := post(c.se, "")
		if en.Code != c.code || en.Detail != c.english || resp.Header.Get("Content-Language") != "en" {
			t.Errorf("%s, no Accept-Language: code %q, detail %q, Content-Language %q; want %q, %q, en",
				c.name, en.Code, en.Detail, resp.Header.Get("Content-Language"), c.code, c.english)
		}
		for _, l := range []struct {
			accept, lang string
			script       *unicode.RangeTable
		}{
			{"ar", "ar", unicode.Arabic},
			{"ar-SY,ar;q=0.9,en;q=0.5", "ar", unicode.Arabic},
			{"ru-RU,ru;q=0.9", "ru", unicode.Cyrillic},
			{"fr-FR", "en", unicode.Latin},
		} {
			resp, p := post(c.se, l.accept)
			what := c.name + ", Accept-Language " + l.accept
			if got := resp.Header.Get("Content-Language"); got != l.lang {
				t.Errorf("%s: Content-Language %q, want %q", what, got, l.lang)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
				t.Errorf("%s: Vary %q does not name Accept-Language", what, resp.Header.Get("Vary"))
			}
			if p.Code != en.Code || p.Type != en.Type || p.Status != en.Status || p.Instance != en.Instance {
				t.Errorf("%s: code %q type %q status %d instance %q, want those of English: %q %q %d %q", what, p.Code, p.Type, p.Status, p.Instance, en.Code, en.Type, en.Status, en.Instance)
			}
			printer := i18n.ForCode(l.lang)
			if want := printer.T(en.Title); p.Title != want {
				t.Errorf("%s: title %q, want %q", what, p.Title, want)
			}
			if l.lang == "en" {
				if p.Detail != en.Detail || p.Title != en.Title {
					t.Errorf("%s: %q, %q; want the English %q, %q", what, p.Title, p.Detail, en.Title, en.Detail)
				}
				continue
			}
			if p.Detail == en.Detail || p.Title == en.Title {
				t.Errorf("%s: the title %q or the detail %q is the English", what, p.Title, p.Detail)
			}
			if letters(p.Detail, l.script) < letters(p.Detail, unicode.Latin) {
				t.Errorf("%s: the detail %q is mostly not in the language's script", what, p.Detail)
			}
			for _, id := range c.ids {
				if !strings.Contains(p.Detail, id) {
					t.Errorf("%s: the detail %q lacks %s, which every language keeps", what, p.Detail, id)
				}
			}
		}
	}

	// A problem type's title is in the request's language too.
	req, _ := http.NewRequest("GET", w.ts.URL+"/api/problems/conflict", nil)
	req.Header.Set("Accept-Language", "ar")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pt struct{ Title, Code string }
	if err := json.NewDecoder(resp.Body).Decode(&pt); err != nil {
		t.Fatal(err)
	}
	if want := i18n.For(i18n.Arabic).T("The act conflicts with the record"); pt.Title != want || pt.Code != parley.ECONFLICT || pt.Title == "The act conflicts with the record" || resp.Header.Get("Content-Language") != "ar" {
		t.Errorf("problem type in Arabic: %+v, Content-Language %q; want the title %q", pt, resp.Header.Get("Content-Language"), want)
	}
}

// letters counts the letters of s in a script.
func letters(s string, script *unicode.RangeTable) int {
	n := 0
	for _, r := range s {
		if unicode.Is(script, r) {
			n++
		}
	}
	return n
}

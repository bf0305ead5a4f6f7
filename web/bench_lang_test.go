package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The languages of the multilingual benchmark's talks: the official
// languages of the Moscow talks, each version of every item tabled in all
// three.
var benchLanguages = []string{"ar", "ru", "en"}

var (
	benchLangOnce sync.Once
	benchLang     *benchTalks
	benchLangErr  error
)

// loadBenchLang returns a talks of benchParties × benchItems whose every
// version is in the three benchLanguages, built once per test binary.
func loadBenchLang(b *testing.B) *benchTalks {
	b.Helper()
	benchLangOnce.Do(func() { benchLang, benchLangErr = buildBench("paris-scale-3", benchLanguages) })
	if benchLangErr != nil {
		b.Fatal(benchLangErr)
	}
	return benchLang
}

// benchTexts returns the text of article n in each language, aligned: two
// paragraphs, a bracket in the first.
func benchTexts(langs []string, n int) map[string][]string {
	all := map[string][]string{
		"en": {
			fmt.Sprintf("The Parties [[shall || should]] take the measures of article %d.", n),
			fmt.Sprintf("The measures of article %d take effect on the day this text is agreed.", n),
		},
		"ar": {
			fmt.Sprintf("[[تتخذ || ينبغي أن تتخذ]] الأطراف التدابير المنصوص عليها في المادة %d.", n),
			fmt.Sprintf("تسري التدابير المنصوص عليها في المادة %d اعتبارًا من يوم الاتفاق على هذا النص.", n),
		},
		"ru": {
			fmt.Sprintf("Стороны [[принимают || должны принять]] меры, предусмотренные статьёй %d.", n),
			fmt.Sprintf("Меры, предусмотренные статьёй %d, вступают в силу в день согласования настоящего текста.", n),
		},
	}
	out := map[string][]string{}
	for _, l := range langs {
		out[l] = all[l]
	}
	return out
}

// getIn serves one request to the handler in process, with a session
// token and the language the switch remembered, and returns its status and
// body.
func (bt *benchTalks) getIn(token, lang, path string) (int, []byte) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.AddCookie(&http.Cookie{Name: "parley_lang", Value: lang})
	rec := httptest.NewRecorder()
	bt.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// BenchmarkPageWeightsLanguages renders every page of a talks of 200
// parties × 500 items whose texts are in three official languages, in
// each language of the interface, and reports each page's render time
// (ns/op) and weight (page-bytes). A page over 300 KB, the weight docs/UI.md
// gives every page, fails. The page must speak its language: it fails
// when the page's lang is not the one asked for.
func BenchmarkPageWeightsLanguages(b *testing.B) {
	bt := loadBenchLang(b)
	tp := "/talks/" + bt.id
	pages := []struct{ name, path, token string }{
		{"overview", tp, bt.token},
		{"dashboard", tp + "/dashboard", bt.token},
		{"dashboard-explained", tp + "/dashboard?item=I001", bt.token},
		{"document", tp + "/items/I001", bt.token},
		{"document-ar-ru", tp + "/items/I250?lang=ar&with=ru", bt.token},
		{"workspace-delegate", tp + "/workspace", bt.head},
		{"workspace-mediator", tp + "/workspace", bt.token},
		{"timeline", tp + "/timeline", bt.token},
		{"history", tp + "/history", bt.token},
		{"public", tp + "/public", bt.token},
		{"verify", tp + "/verify", bt.token},
	}
	for _, lang := range []string{"en", "ar", "ru"} {
		for _, p := range pages {
			b.Run(p.name+"/"+lang, func(b *testing.B) {
				var body []byte
				for b.Loop() {
					var code int
					code, body = bt.getIn(p.token, lang, p.path)
					if code == http.StatusNotFound && p.name == "history" {
						b.Skip("this build has no history page")
					}
					if code != http.StatusOK {
						b.Fatalf("GET %s in %s: status %d: %.300s", p.path, lang, code, body)
					}
				}
				b.ReportMetric(float64(len(body)), "page-bytes")
				if dir := os.Getenv("PARLEY_BENCH_PAGES"); dir != "" {
					// Keep the pages, to see what weighs.
					name := filepath.Join(dir, strings.ReplaceAll(p.name+"-"+lang, "/", "-")+".html")
					if err := os.WriteFile(name, body, 0o644); err != nil {
						b.Fatal(err)
					}
				}
				if want := fmt.Sprintf(`<html lang="%s"`, lang); !strings.Contains(string(body), want) {
					b.Errorf("%s in %s: the page does not say %s", p.path, lang, want)
				}
				if len(body) > 300<<10 {
					b.Errorf("%s in %s weighs %d bytes, more than 300 KB (rendered in %v)", p.path, lang, len(body), b.Elapsed()/time.Duration(b.N))
				}
			})
		}
	}
}

package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputLanguage: -lang wins, then PARLEY_LANG, then the first locale
// variable set; a language Parley does not speak is refused when asked
// for by name, and gives English when it is only the locale.
func TestOutputLanguage(t *testing.T) {
	for _, c := range []struct {
		flag string
		env  map[string]string
		want string
		bad  bool
	}{
		{"", nil, "en", false},
		{"ar", map[string]string{"PARLEY_LANG": "ru"}, "ar", false},
		{"", map[string]string{"PARLEY_LANG": "ru", "LANG": "ar_SY.UTF-8"}, "ru", false},
		{"", map[string]string{"LANG": "ar_SY.UTF-8"}, "ar", false},
		{"", map[string]string{"LC_ALL": "ru_RU.UTF-8@euro", "LANG": "ar_SY.UTF-8"}, "ru", false},
		{"", map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "ar_SY.UTF-8"}, "en", false},
		{"", map[string]string{"LANG": "de_DE.UTF-8"}, "en", false},
		{"de", nil, "", true},
		{"", map[string]string{"PARLEY_LANG": "klingon"}, "", true},
	} {
		e := &env{Getenv: func(k string) string { return c.env[k] }}
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.String("lang", "", langHelp)
		if c.flag != "" {
			if err := fs.Set("lang", c.flag); err != nil {
				t.Fatal(err)
			}
		}
		p, err := outputLanguage(e, fs)
		if c.bad {
			if err == nil || !strings.Contains(err.Error(), "en, ar, ru") {
				t.Errorf("-lang %q %v: %v, want a refusal naming en, ar, ru", c.flag, c.env, err)
			}
			continue
		}
		if err != nil || p.Code() != c.want {
			t.Errorf("-lang %q %v: %v %v, want %s", c.flag, c.env, p, err, c.want)
		}
	}
}

// TestPackagesSVG draws the two-party example of docs/PACKAGES.md from
// the command line, in English and in Arabic, and refuses three parties
// with a message that says what to do.
func TestPackagesSVG(t *testing.T) {
	dir := t.TempDir()
	in := `{"issues": [{"id": "detainees", "options": ["100", "500"]}, {"id": "tranches", "options": ["1", "3"]}],
	 "parties": [
	  {"id": "gov", "weights": {"detainees": "0.3", "tranches": "0.7"}, "values": {"detainees": {"100": "1", "500": "0"}, "tranches": {"1": "0", "3": "1"}}, "reservation": "0.5"},
	  {"id": "opp", "weights": {"detainees": "0.6", "tranches": "0.4"}, "values": {"detainees": {"100": "0", "500": "1"}, "tranches": {"1": "1", "3": "0"}}, "reservation": "0.1"}]}`
	for _, lang := range []string{"en", "ar"} {
		path := filepath.Join(dir, lang+".svg")
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"packages", "-svg", path, "-lang", lang}, func(string) string { return "" }, strings.NewReader(in), &out, &errb); err != nil {
			t.Fatalf("%s: %v %s", lang, err, errb.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"en": "the Pareto frontier", "ar": "حدود باريتو"}[lang]
		if !strings.Contains(string(b), want) || !strings.Contains(out.String(), `"frontier"`) {
			t.Errorf("%s: the picture does not say %q, or the JSON result is missing", lang, want)
		}
	}
	three := strings.Replace(in, `"reservation": "0.1"}]}`, `"reservation": "0.1"}, {"id": "obs", "weights": {"detainees": "1", "tranches": "0"}, "values": {"detainees": {"100": "0", "500": "1"}, "tranches": {"1": "0", "3": "0"}}, "reservation": "0"}]}`, 1)
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"packages", "-svg", filepath.Join(dir, "x.svg")}, func(string) string { return "" }, strings.NewReader(three), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "two parties") {
		t.Errorf("three parties with -svg: %v, want a refusal saying the picture is for two parties", err)
	}
}

package i18n

import (
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/text/language"
)

func TestEmbeddedCatalogsLoad(t *testing.T) {
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
}

func TestVerbs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"%d of %s", "%[2]s: %[1]d", true},
		{"%s blocks %s", "%[2]s blocked by %[1]s", true},
		{"%s blocks %s", "%s blocks", false},
		{"100%% of %d", "%d — 100%%", true},
		{"%q", "%s", false},
	} {
		err := sameVerbs(c.a, c.b)
		if (err == nil) != c.same {
			t.Errorf("sameVerbs(%q, %q) = %v, want same=%v", c.a, c.b, err, c.same)
		}
	}
}

// catalogOf builds a catalog from files given as path → content.
func catalogOf(t *testing.T, files map[string]string) (*Catalog, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, s := range files {
		fsys["c/"+p] = &fstest.MapFile{Data: []byte(s)}
	}
	return LoadFS(fsys, "c")
}

func TestPluralForms(t *testing.T) {
	c, err := catalogOf(t, map[string]string{
		"en/a.json": `{"%d items": {"one": "%d item", "other": "%d items"}}`,
		"ar/a.json": `{"%d items": {"zero": "لا بنود", "one": "بند واحد", "two": "بندان", "few": "%d بنود", "many": "%d بندًا", "other": "%d بند"}}`,
		"ru/a.json": `{"%d items": {"one": "%d пункт", "few": "%d пункта", "many": "%d пунктов", "other": "%d пункта"}}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c2 := range []struct {
		tag  language.Tag
		n    int
		want string
	}{
		{English, 1, "1 item"}, {English, 0, "0 items"}, {English, 1500, "1,500 items"},
		{Arabic, 0, "لا بنود"}, {Arabic, 1, "بند واحد"}, {Arabic, 2, "بندان"}, {Arabic, 3, "٣ بنود"}, {Arabic, 11, "١١ بندًا"}, {Arabic, 100, "١٠٠ بند"},
		{Russian, 1, "1 пункт"}, {Russian, 21, "21 пункт"}, {Russian, 3, "3 пункта"}, {Russian, 5, "5 пунктов"}, {Russian, 11, "11 пунктов"},
	} {
		if got := c.Printer(c2.tag).T("%d items", c2.n); got != c2.want {
			t.Errorf("%s %d: got %q, want %q", c2.tag, c2.n, got, c2.want)
		}
	}
}

func TestCatalogErrors(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"verbs differ":       {"ar/a.json": `{"%s blocks %s": "%s"}`},
		"no other form":      {"ru/a.json": `{"%d items": {"one": "%d пункт"}}`},
		"unknown form":       {"ru/a.json": `{"%d items": {"one": "%d пункт", "other": "x %d", "lots": "%d"}}`},
		"count not first":    {"ru/a.json": `{"items": {"other": "x"}}`},
		"twice in two files": {"ru/a.json": `{"a": "б"}`, "ru/b.json": `{"a": "в"}`},
		"not json":           {"ru/a.json": `{"a": `},
		"not a language":     {"xx-!/a.json": `{}`},
	} {
		if _, err := catalogOf(t, files); err == nil {
			t.Errorf("%s: the catalog loaded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		choice, accept string
		want           language.Tag
	}{
		{"", "", English},
		{"", "ar-SY,ar;q=0.9,en;q=0.5", Arabic},
		{"", "ru-RU", Russian},
		{"", "fr-FR", English},
		{"ru", "ar", Russian},
		{"zz", "ar", Arabic},
		{"", "de;q=1, ru;q=0.5", Russian},
	} {
		if got := Match(c.choice, c.accept); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.choice, c.accept, got, c.want)
		}
	}
}

func TestDatesAndNumbers(t *testing.T) {
	day := time.Date(2015, time.January, 26, 9, 5, 0, 0, time.UTC)
	en := For(English)
	if got := en.Time(day); got != "26 January 2015, 9:05 UTC" {
		t.Errorf("en time %q", got)
	}
	if got := en.Number(1500); got != "1,500" {
		t.Errorf("en number %q", got)
	}
	if got := For(Arabic).Digits(2015); got != "٢٠١٥" {
		t.Errorf("ar digits %q", got)
	}
	for _, c := range []struct {
		p    *Printer
		f    float64
		want string
	}{{en, 0.5, "0.5"}, {en, 1234.567, "1,234.57"}, {en, 2, "2"}, {For(Russian), 0.25, "0,25"}, {For(Arabic), 1.5, "١٫٥"}} {
		if got := c.p.Decimal(c.f, 2); got != c.want {
			t.Errorf("%s decimal %v = %q, want %q", c.p.Code(), c.f, got, c.want)
		}
	}
	if got := en.List([]string{"A", "B", "C"}); got != "A, B and C" {
		t.Errorf("en list %q", got)
	}
	if For(Arabic).Dir() != "rtl" || For(Russian).Dir() != "ltr" {
		t.Error("directions")
	}
}

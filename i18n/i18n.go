// Package i18n speaks to people in their language: message catalogs in
// JSON files that a translator edits without touching Go (catalog/*.json),
// plural forms by each language's CLDR rules, the choice of a language from
// a remembered switch or Accept-Language, and the direction of each
// language's script.
//
// A message's key is its English text, with the verbs of package fmt for
// what it is given ("%d items at the table"). A catalog gives, for each key,
// its translation, or for a key whose first argument is a count, a form for
// each plural category the language has ("zero", "one", "two", "few",
// "many", "other"). A key missing from a catalog reads as the English.
package i18n

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"golang.org/x/text/number"

	"github.com/parleyhq/parley"
)

// The languages of the interface, English first: what a request that
// matches none of them gets.
var (
	English = language.English
	Arabic  = language.Arabic
	Russian = language.Russian
	Tags    = []language.Tag{English, Arabic, Russian}
)

var matcher = language.NewMatcher(Tags)

// A Catalog holds the translations of every language of the interface.
type Catalog struct {
	builder *catalog.Builder
	// raw holds, by language, each key's entry as its file gives it, for
	// the scripts of the pages.
	raw map[language.Tag]map[string]json.RawMessage
	// keys holds, by language, the keys its files translate.
	keys map[language.Tag]map[string]bool
}

// pluralForms are the CLDR plural categories, in the order catalogs list
// them.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

func newCatalog() *Catalog {
	return &Catalog{builder: catalog.NewBuilder(catalog.Fallback(English)), keys: map[language.Tag]map[string]bool{}, raw: map[language.Tag]map[string]json.RawMessage{}}
}

// LoadFS reads the catalogs of a directory of fsys: one directory per
// language, named by its tag ("ar"), of JSON files, one per part of the
// program ("web.json", "errors.json"), each an object from key to
// translation. Every translation's verbs are checked against its key's.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	c := newCatalog()
	names, err := fs.Glob(fsys, path.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		lang := path.Base(path.Dir(name))
		tag, err := language.Parse(lang)
		if err != nil {
			return nil, fmt.Errorf("%s: the directory %q is not a language tag: %v", name, lang, err)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := c.add(tag, name, b); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Catalog) add(tag language.Tag, name string, b []byte) error {
	var messages map[string]json.RawMessage
	if err := json.Unmarshal(b, &messages); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	keys := c.keys[tag]
	if keys == nil {
		keys = map[string]bool{}
		c.keys[tag] = keys
		c.raw[tag] = map[string]json.RawMessage{}
	}
	for key, raw := range messages {
		if keys[key] {
			return fmt.Errorf("%s: %q is translated in another file of %s too; keep one", name, key, tag)
		}
		c.raw[tag][key] = raw
		var text string
		if json.Unmarshal(raw, &text) == nil {
			if err := sameVerbs(key, text); err != nil {
				return fmt.Errorf("%s: %q: %v", name, key, err)
			}
			if err := c.builder.SetString(tag, key, text); err != nil {
				return fmt.Errorf("%s: %q: %v", name, key, err)
			}
			keys[key] = true
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(raw, &forms); err != nil {
			return fmt.Errorf("%s: %q: want a string, or an object of plural forms", name, key)
		}
		if _, ok := forms["other"]; !ok {
			return fmt.Errorf("%s: %q: plural forms must include \"other\"", name, key)
		}
		if v := Verbs(key); len(v) == 0 || !strings.HasPrefix(v[0], "1:") {
			return fmt.Errorf("%s: %q: a key with plural forms takes its count as its first argument", name, key)
		}
		var cases []any
		for _, form := range pluralForms {
			text, ok := forms[form]
			if !ok {
				continue
			}
			if err := sameVerbs(key, text); err != nil && !omitsCount(key, text) {
				return fmt.Errorf("%s: %q, form %q: %v", name, key, form, err)
			}
			cases = append(cases, form, text)
		}
		if len(cases)/2 != len(forms) {
			return fmt.Errorf("%s: %q: plural forms are %s only", name, key, strings.Join(pluralForms, ", "))
		}
		if err := c.builder.Set(tag, key, plural.Selectf(1, "%d", cases...)); err != nil {
			return fmt.Errorf("%s: %q: %v", name, key, err)
		}
		keys[key] = true
	}
	return nil
}

// verbRE matches the verbs of a format: %s, %d, %q, %[2]s, %.4g, …; "%%"
// is not one.
var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z])`)

// Verbs returns a format's verbs, each as the argument it formats and its
// letter ("1:d", "2:s"), sorted: "%d of %s" and "%[2]s: %[1]d" have the
// same verbs.
func Verbs(format string) []string {
	clean := strings.ReplaceAll(format, "%%", "")
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(clean, -1) {
		arg := next
		if m[2] != "" {
			arg, _ = strconv.Atoi(m[2])
		}
		next = arg + 1
		out = append(out, strconv.Itoa(arg)+":"+m[4])
	}
	sort.Strings(out)
	return out
}

// sameVerbs checks that a translation uses the verbs of its key.
func sameVerbs(key, text string) error {
	if a, b := Verbs(key), Verbs(text); !slices.Equal(a, b) {
		return fmt.Errorf("the translation formats %v, its key %v: keep every %%s and %%d of the English, reordered with %%[n]s if need be", b, a)
	}
	return nil
}

// omitsCount reports whether a plural form leaves out only the count, the
// first argument, as a language may where the form says it ("one item",
// Arabic's dual "بندان").
func omitsCount(key, text string) bool {
	k, t := Verbs(key), Verbs(text)
	return len(k) > 0 && strings.HasPrefix(k[0], "1:") && slices.Equal(k[1:], t)
}

// Has reports whether a language's catalog translates a key.
func (c *Catalog) Has(tag language.Tag, key string) bool { return c.keys[tag][key] }

// Keys returns the keys a language's catalog translates.
func (c *Catalog) Keys(tag language.Tag) []string {
	var out []string
	for k := range c.keys[tag] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Entries returns, of the keys given, those a language's catalog
// translates, each as its file gives it: a string, or an object of plural
// forms. The pages hand them to their scripts.
func (c *Catalog) Entries(tag language.Tag, keys []string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, k := range keys {
		if raw, ok := c.raw[tag][k]; ok {
			out[k] = raw
		}
	}
	return out
}

// Key marks a string as a key of the catalogs, for a message said later
// with T, so that the test of the catalogs finds it.
func Key(s string) string { return s }

// Printer returns the printer of a language.
func (c *Catalog) Printer(tag language.Tag) *Printer {
	return &Printer{Tag: tag, p: message.NewPrinter(tag, message.Catalog(c.builder))}
}

// loaded is the catalog embedded in the program, read once.
var loaded = sync.OnceValues(func() (*Catalog, error) { return LoadFS(files, "catalog") })

// Load returns the catalogs embedded in the program, or what is wrong
// with them. A test reads them, so a program built from a checked-out
// tree never fails here.
func Load() (*Catalog, error) { return loaded() }

// printers are the printers of the embedded catalog, by language.
var printers = sync.OnceValue(func() map[language.Tag]*Printer {
	c, err := Load()
	if err != nil {
		// Unreachable from a tested build: speak English rather than fail.
		c = newCatalog()
	}
	m := map[language.Tag]*Printer{}
	for _, t := range Tags {
		m[t] = c.Printer(t)
	}
	return m
})

// For returns the printer of one of the interface's languages, Tags,
// from the embedded catalogs; any other language gets English.
func For(tag language.Tag) *Printer {
	m := printers()
	if p, ok := m[Match(Code(tag), "")]; ok {
		return p
	}
	return m[English]
}

// ForCode is For by a tag's text, "ar"; any other text gets English.
func ForCode(code string) *Printer { return For(Match(code, "")) }

// A Printer says the interface's messages in one language: its words, its
// digits, its plural forms.
type Printer struct {
	Tag language.Tag
	p   *message.Printer
}

// T returns a message in the printer's language: the key's translation,
// or the key, formatted with args as fmt.Sprintf would, but with the
// language's digits, separators and plural forms.
func (p *Printer) T(key string, args ...any) string { return p.p.Sprintf(key, args...) }

// Code is the printer's language as a tag's text: "ar".
func (p *Printer) Code() string { return Code(p.Tag) }

// Dir is the direction of the printer's language: "rtl" or "ltr".
func (p *Printer) Dir() string { return Dir(p.Tag) }

// Number writes a whole number as the language writes it: 1,500; 1 500;
// ١٬٥٠٠.
func (p *Printer) Number(n int) string { return p.p.Sprint(n) }

// Percent writes a fraction as a percentage, to two decimals at most:
// 66.67%, ٦٦٫٦٧٪.
func (p *Printer) Percent(f float64) string {
	return p.p.Sprint(number.Percent(f, number.MaxFractionDigits(2)))
}

// Decimal writes a number with at most n decimals, as the language writes
// it: 1,234.5; 1 234,5; ١٬٢٣٤٫٥.
func (p *Printer) Decimal(f float64, n int) string {
	return p.p.Sprint(number.Decimal(f, number.MaxFractionDigits(n)))
}

// Digits writes a number's digits in the language's script, without
// separators: for years, indexes, numbers of paragraphs.
func (p *Printer) Digits(n int64) string { return p.p.Sprint(number.Decimal(n, number.NoSeparator())) }

// months are the keys of a date in each month, a day and a year in
// their places.
var months = [12]string{
	Key("%[1]s January %[2]s"), Key("%[1]s February %[2]s"), Key("%[1]s March %[2]s"), Key("%[1]s April %[2]s"),
	Key("%[1]s May %[2]s"), Key("%[1]s June %[2]s"), Key("%[1]s July %[2]s"), Key("%[1]s August %[2]s"),
	Key("%[1]s September %[2]s"), Key("%[1]s October %[2]s"), Key("%[1]s November %[2]s"), Key("%[1]s December %[2]s"),
}

// Date writes a day as the language writes it in prose: "26 January
// 2015", "26 января 2015 г.", "٢٦ يناير ٢٠١٥", in UTC.
func (p *Printer) Date(t time.Time) string {
	t = t.UTC()
	return p.T(months[t.Month()-1], p.Digits(int64(t.Day())), p.Digits(int64(t.Year())))
}

// Time writes a moment to the minute, in UTC: "26 January 2015, 10:05 UTC".
func (p *Printer) Time(t time.Time) string {
	t = t.UTC()
	return p.T("%[1]s, %[2]s:%[3]s UTC", p.Date(t), p.Digits(int64(t.Hour())), p.pad2(t.Minute()))
}

// Clock writes the time of day in UTC: "10:05".
func (p *Printer) Clock(t time.Time) string {
	t = t.UTC()
	return p.Digits(int64(t.Hour())) + ":" + p.pad2(t.Minute())
}

func (p *Printer) pad2(n int) string {
	return p.p.Sprint(number.Decimal(n, number.NoSeparator(), number.MinIntegerDigits(2)))
}

// List joins items as the language's prose does: "A, B and C".
func (p *Printer) List(items []string) string { return p.join(items, "%[1]s and %[2]s") }

// Alternatives joins items as choices: "A, B or C".
func (p *Printer) Alternatives(items []string) string { return p.join(items, "%[1]s or %[2]s") }

func (p *Printer) join(items []string, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	head := items[0]
	for _, it := range items[1 : len(items)-1] {
		head = p.T("%[1]s, %[2]s", head, it)
	}
	return p.T(last, head, items[len(items)-1])
}

// Error says an error to a person in the printer's language: a
// parley.Error's message from its format, translated, and its arguments,
// of which an *Error (the inner error of parley.Wrapf) or a parley.Phrase
// is said in the same language; any other error as "internal error", whose
// text may leak internals. In English it is the error's message, as it was
// made. Numbers formatted with %d are written without separators, as in
// the English: they are mostly indexes, offsets and limits.
func (p *Printer) Error(err error) string {
	var e *parley.Error
	if !errors.As(err, &e) {
		if err == nil {
			return ""
		}
		return p.T("internal error")
	}
	if e.Format == "" || base(p.Tag) == base(English) {
		return e.Message
	}
	return p.T(e.Format, p.errorArgs(e.Format, e.Args)...)
}

// errorArgs returns the arguments of an error's format as the printer
// says them: errors and phrases in its language, the numbers of %d
// without separators, and an index in a field's path ("changes[%d]") in
// Latin digits in every language, as the JSON it points into writes it.
func (p *Printer) errorArgs(format string, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case *parley.Error:
			out[i] = p.Error(a)
		case parley.Phrase:
			out[i] = p.T(a.Format, p.errorArgs(a.Format, a.Args)...)
		default:
			out[i] = a
		}
	}
	inPath := pathArgs(format)
	for _, v := range Verbs(format) {
		n, letter, _ := strings.Cut(v, ":")
		i, _ := strconv.Atoi(n)
		if letter != "d" || i < 1 || i > len(out) {
			continue
		}
		if inPath[i] {
			if x, ok := latinInt(out[i-1]); ok {
				out[i-1] = x
				continue
			}
		}
		switch x := out[i-1].(type) {
		case int:
			out[i-1] = number.Decimal(x, number.NoSeparator())
		case int64:
			out[i-1] = number.Decimal(x, number.NoSeparator())
		case int32:
			out[i-1] = number.Decimal(x, number.NoSeparator())
		case uint64:
			out[i-1] = number.Decimal(x, number.NoSeparator())
		case uint32:
			out[i-1] = number.Decimal(x, number.NoSeparator())
		case uint:
			out[i-1] = number.Decimal(x, number.NoSeparator())
		}
	}
	return out
}

// pathArgs returns the arguments a format writes as an index in a
// field's path: a %d or %[n]d between square brackets.
func pathArgs(format string) map[int]bool {
	clean := strings.ReplaceAll(format, "%%", "")
	out := map[int]bool{}
	next := 1
	for _, m := range verbRE.FindAllStringSubmatchIndex(clean, -1) {
		arg := next
		if m[4] >= 0 {
			arg, _ = strconv.Atoi(clean[m[4]:m[5]])
		}
		next = arg + 1
		if clean[m[8]:m[9]] == "d" && m[0] > 0 && clean[m[0]-1] == '[' && m[1] < len(clean) && clean[m[1]] == ']' {
			out[arg] = true
		}
	}
	return out
}

// latin is an integer written in Latin digits whatever the language.
type latin int64

func (l latin) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, strconv.FormatInt(int64(l), 10)) }

func latinInt(a any) (latin, bool) {
	switch x := a.(type) {
	case int:
		return latin(x), true
	case int64:
		return latin(x), true
	case int32:
		return latin(x), true
	case uint32:
		return latin(x), true
	}
	return 0, false
}

// Match returns the interface's language for a request: the one a
// remembered choice names if it is one of them, else the best match of
// Accept-Language, else English.
func Match(choice, acceptLanguage string) language.Tag {
	if choice != "" {
		if t, err := language.Parse(choice); err == nil {
			for _, x := range Tags {
				if base(x) == base(t) {
					return x
				}
			}
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(acceptLanguage)
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Tags[i]
}

func base(t language.Tag) string {
	b, _ := t.Base()
	return b.String()
}

// Dir returns the direction of a language's script: "rtl" for the
// languages written right to left, "ltr" otherwise.
func Dir(t language.Tag) string {
	switch base(t) {
	case "ar", "fa", "he", "ur", "ps", "yi", "dv", "ckb", "sd", "ug":
		return "rtl"
	}
	return "ltr"
}

// Code returns a language's tag as pages and files name it: "ar".
func Code(t language.Tag) string { return base(t) }

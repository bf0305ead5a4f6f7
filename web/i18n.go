package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/words"
)

// The pages say every text of the interface in the reader's language: the
// templates with {{t "key" …}}, the Go code with the page's printer (and
// htmlPrinter where the message holds a link or a name), the scripts with
// t("key", …) and the entries of the catalog that the layout embeds for
// them. docs/UI.md describes the keys and how to translate them.
//
// A sentence with a link, a name or a badge inside is one key, the
// link's HTML one of its arguments: {{t "%s: every signed act" (a $url (t
// "The timeline"))}}. The translation is escaped; the arguments of type
// template.HTML are put in as they are.

// A slot stands for an argument of th in the text the printer formats, so
// that the text is escaped as a whole and the argument's HTML put back.
const slotOpen, slotClose = "\uE000", "\uE001"

var slotRE = regexp.MustCompile(slotOpen + `(\d+)` + slotClose)

// sayHTML returns a message as HTML: the translation of key, escaped,
// with args formatted in it. An argument of type template.HTML (a link,
// a name isolated in its own direction, a badge) is put in as it is; a
// string is escaped; a number is written by the printer, which also picks
// the key's plural form by it.
func sayHTML(p *i18n.Printer, key string, args ...any) template.HTML {
	var parts []string
	conv := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case template.HTML:
			conv[i] = slotOpen + strconv.Itoa(len(parts)) + slotClose
			parts = append(parts, string(v))
		case string:
			conv[i] = slotOpen + strconv.Itoa(len(parts)) + slotClose
			parts = append(parts, escText(v))
		default:
			conv[i] = a
		}
	}
	out := escText(p.T(key, conv...))
	if len(parts) > 0 {
		out = slotRE.ReplaceAllStringFunc(out, func(m string) string {
			k, _ := strconv.Atoi(m[len(slotOpen) : len(m)-len(slotClose)])
			if k < len(parts) {
				return parts[k]
			}
			return ""
		})
	}
	return template.HTML(out)
}

// An htmlPrinter says messages as HTML (sayHTML): its T is the
// templates' t.
type htmlPrinter struct{ p *i18n.Printer }

// T returns the translation of key as HTML, args formatted in it.
func (h htmlPrinter) T(key string, args ...any) template.HTML { return sayHTML(h.p, key, args...) }

// textEscaper escapes text for the content of an element; what goes in
// an attribute is escaped by html/template, or by HTMLEscapeString.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escText(s string) string { return textEscaper.Replace(s) }

// htmlOf returns a string escaped, or HTML as it is.
func htmlOf(v any) string {
	switch x := v.(type) {
	case template.HTML:
		return string(x)
	case string:
		return escText(x)
	}
	return escText(fmt.Sprint(v))
}

// safeHref returns a link of the site's own, or "#": the pages link only
// to their own paths.
func safeHref(href string) string {
	if strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//") || strings.HasPrefix(href, "#") {
		return template.HTMLEscapeString(href)
	}
	return "#"
}

// linkHTML is a link to a page of the site: <a href="…">text</a>.
func linkHTML(href string, text any) template.HTML {
	return template.HTML(`<a href="` + safeHref(href) + `">` + htmlOf(text) + `</a>`)
}

// explainLinkHTML is a link to an item's explanation that the dashboard's
// script loads into the page.
func explainLinkHTML(href, item string, text any) template.HTML {
	return template.HTML(`<a href="` + safeHref(href) + `" data-explain="` + template.HTMLEscapeString(item) + `">` + htmlOf(text) + `</a>`)
}

// userHTML isolates user content (a name, a title, a reason) in its own
// direction, with bidirectional controls shown: the interface's language
// never applies to it.
func userHTML(p *i18n.Printer, tag, s string) template.HTML {
	return template.HTML("<" + tag + ` dir="auto">` + string(textHTML(p, s)) + "</" + tag + ">")
}

// wrapHTML puts text or HTML in an element without attributes.
func wrapHTML(tag string, v any) template.HTML {
	return template.HTML("<" + tag + ">" + htmlOf(v) + "</" + tag + ">")
}

// quoteHTML quotes user text, isolated: <q><bdi>…</bdi></q>; the
// stylesheet gives the quotation marks of the page's language.
func quoteHTML(p *i18n.Printer, s string) template.HTML {
	if s == "" {
		return ""
	}
	return template.HTML("<q><bdi>" + string(textHTML(p, s)) + "</bdi></q>")
}

// number writes an integer of any size as the reader's language writes a
// count: 1,500; 1 500; ١٬٥٠٠.
func number(p *i18n.Printer, v any) string {
	switch n := v.(type) {
	case int:
		return p.Number(n)
	case int64:
		return p.Number(int(n))
	case int32:
		return p.Number(int(n))
	case uint64:
		return p.Number(int(n))
	}
	return fmt.Sprint(v)
}

// digits writes an identifier's number (a log index, a version, a
// paragraph) in the reader's digits, without separators.
func digits(p *i18n.Printer, v any) string {
	switch n := v.(type) {
	case int:
		return p.Digits(int64(n))
	case int64:
		return p.Digits(n)
	}
	return fmt.Sprint(v)
}

// indexLinkHTML is the link to an event of the timeline, its index in the
// reader's digits: <a class="idx">#١٢</a>. The URL keeps the index as it
// is.
func indexLinkHTML(p *i18n.Printer, talks string, index int64) template.HTML {
	return template.HTML(`<a href="` + safeHref(eventLink(talks, index)) + `" class="idx">#` + p.Digits(index) + `</a>`)
}

// arrow returns an arrow pointing forward (the way the reader reads) or
// back: → and ← in a left-to-right language, ← and → in a right-to-left
// one.
func arrow(p *i18n.Printer, way string) string {
	forward := way != "back"
	if p.Dir() == "rtl" {
		forward = !forward
	}
	if forward {
		return "→"
	}
	return "←"
}

// Names of the languages texts and statements are in: each language's
// own name, and the key of its name in the reader's language.
var languageNames = map[string]struct{ self, key string }{
	"en": {"English", i18n.Key("English")},
	"ar": {"العربية", i18n.Key("Arabic")},
	"ru": {"Русский", i18n.Key("Russian")},
	"fr": {"Français", i18n.Key("French")},
	"es": {"Español", i18n.Key("Spanish")},
	"zh": {"中文", i18n.Key("Chinese")},
}

// langName names a language in the reader's language ("Arabic",
// "арабский"), or gives its tag when the interface does not know it.
func langName(p *i18n.Printer, tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if n, ok := languageNames[primary]; ok {
		return p.T(n.key)
	}
	return tag
}

// langSelf names a language in itself: "العربية".
func langSelf(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if n, ok := languageNames[primary]; ok {
		return n.self
	}
	return tag
}

// langNames names languages in the reader's language, as a list.
func langNames(p *i18n.Printer, tags []string) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = langName(p, t)
	}
	return p.List(names)
}

// An interfaceLanguage is one language of the switch in the header.
type interfaceLanguage struct {
	Code, Self string
}

// interfaceLanguages are the languages of the interface, each named in
// itself.
func interfaceLanguages() []interfaceLanguage {
	var out []interfaceLanguage
	for _, t := range i18n.Tags {
		out = append(out, interfaceLanguage{Code: i18n.Code(t), Self: langSelf(i18n.Code(t))})
	}
	return out
}

// scriptKey matches a key the scripts say, t("…") or t('…'), as the test
// of the catalogs finds them.
var scriptKey = regexp.MustCompile(`\bt\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`)

// scriptKeys returns the keys the page scripts say (static/js, not the
// vendored modules).
func scriptKeys(fsys fs.FS) ([]string, error) {
	seen := map[string]bool{}
	err := fs.WalkDir(fsys, "static/js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".js" {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		for _, m := range scriptKey.FindAllSubmatch(b, -1) {
			lit := string(m[1])
			if lit[0] == '\'' {
				lit = `"` + strings.ReplaceAll(strings.ReplaceAll(lit[1:len(lit)-1], `\'`, `'`), `"`, `\"`) + `"`
			}
			key, err := strconv.Unquote(lit)
			if err != nil {
				return fmt.Errorf("%s: the key %s does not read as a string: %v", p, lit, err)
			}
			seen[key] = true
		}
		return nil
	})
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, err
}

// scriptCatalog returns the entries of a language's catalog that the
// scripts say, as JSON, which is the value of a JavaScript expression.
// Keys the language does not translate are left out: the scripts then say
// the key, in English.
func scriptCatalog(p *i18n.Printer, keys []string) (template.JS, error) {
	c, err := i18n.Load()
	if err != nil {
		return "{}", err
	}
	b, err := json.Marshal(c.Entries(p.Tag, keys))
	if err != nil {
		return "{}", err
	}
	return template.JS(b), nil
}

// badgeHTML is an item's status as a badge.
func badgeHTML(p *i18n.Printer, status string) template.HTML {
	return template.HTML(`<span class="badge s-` + template.HTMLEscapeString(status) + `">` + template.HTMLEscapeString(words.Status(p, status)) + `</span>`)
}

// The keys with which i18n's Printer.List joins a list (said there).
const listComma, listAnd = "%[1]s, %[2]s", "%[1]s and %[2]s"

// listHTML joins HTML items as the reader's language joins a list: "A, B
// and C".
func listHTML(p *i18n.Printer, items []template.HTML) template.HTML {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	head := items[0]
	for _, it := range items[1 : len(items)-1] {
		head = sayHTML(p, listComma, head, it)
	}
	return sayHTML(p, listAnd, head, items[len(items)-1])
}

// wrapClassHTML puts text or HTML in an element of a class.
func wrapClassHTML(tag, class string, v any) template.HTML {
	return template.HTML("<" + tag + ` class="` + template.HTMLEscapeString(class) + `">` + htmlOf(v) + "</" + tag + ">")
}

// partyHTML names a party: its name, isolated, and its id: "Name (id)".
func partyHTML(p *i18n.Printer, name, id string) template.HTML {
	return htmlPrinter{p}.T("%[1]s (%[2]s)", userHTML(p, "span", name), id)
}

// absentHTML says who is not at the table: each party not invited to
// the round, and each that declined it with its reason.
func absentHTML(p *i18n.Printer, absent []partyView, declined []invitationView) template.HTML {
	var parties, declines []template.HTML
	for _, a := range absent {
		parties = append(parties, partyHTML(p, a.Name, a.ID))
	}
	for _, v := range declined {
		declines = append(declines, htmlPrinter{p}.T("%[1]s declined, saying %[2]s", v.Party, quoteHTML(p, v.Reason)))
	}
	if len(declines) == 0 {
		return listHTML(p, parties)
	}
	return htmlPrinter{p}.T("%[1]s; %[2]s", listHTML(p, parties), listHTML(p, declines))
}

// partiesHTML lists the parties of a talks: "Name (id), Name (id, not at
// the table)".
func partiesHTML(p *i18n.Printer, parties []partyView) template.HTML {
	var items []template.HTML
	for _, pv := range parties {
		if pv.Participant {
			items = append(items, partyHTML(p, pv.Name, pv.ID))
		} else {
			items = append(items, htmlPrinter{p}.T("%[1]s (%[2]s, not at the table)", userHTML(p, "span", pv.Name), pv.ID))
		}
	}
	return listHTML(p, items)
}

// kindName names a kind of item.
func kindName(p *i18n.Printer, kind string) string {
	switch kind {
	case parley.ItemDocument:
		return p.T("document")
	case parley.ItemMeasure:
		return p.T("measure")
	}
	return kind
}

// visibilityName says who may see an event.
func visibilityName(p *i18n.Printer, vis string) string {
	switch vis {
	case parley.VisPublic:
		return p.T("public")
	case parley.VisParticipants:
		return p.T("seen by the participants")
	case parley.VisMediators:
		return p.T("seen by the mediators")
	}
	if party, ok := parley.PartyOfVis(vis); ok {
		return p.T("seen by %s and the mediators", party)
	}
	return vis
}

// downloadHTML is a link that downloads a file of the site under a name.
func downloadHTML(href, name string) template.HTML {
	return template.HTML(`<a href="` + safeHref(href) + `" download="` + template.HTMLEscapeString(name) + `">` + escText(name) + `</a>`)
}

// bracketedHTML shows text as the document view shows a bracketed
// passage, for the legend.
func bracketedHTML(text any) template.HTML {
	return template.HTML(`<span class="br"><span class="bk" aria-hidden="true">[</span>` + htmlOf(text) + `<span class="bk" aria-hidden="true">]</span></span>`)
}

// digitList lists numbers (versions, pages) in the reader's digits.
func digitList(p *i18n.Printer, ns []int) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = p.Digits(int64(n))
	}
	return p.List(out)
}

// actorNamesHTML lists actors by name, each isolated.
func actorNamesHTML(p *i18n.Printer, actors []*state.Actor) template.HTML {
	items := make([]template.HTML, len(actors))
	for i, a := range actors {
		items[i] = userHTML(p, "span", a.Name)
	}
	return listHTML(p, items)
}

// statementLanguages are the languages the statement form offers.
func statementLanguages() []string { return []string{"en", "ar", "ru", "fr"} }

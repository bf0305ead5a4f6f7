package web

import (
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/i18n"
)

// bidiControls names the bidirectional control characters that the pages
// show visibly (the same set as document.BidiControls).
// Each has its abbreviation, which the marker shows, and the key of its
// name, which the marker's title says in the reader's language.
var bidiControls = map[rune][2]string{
	'\u202A': {"LRE", i18n.Key("left-to-right embedding")},
	'\u202B': {"RLE", i18n.Key("right-to-left embedding")},
	'\u202C': {"PDF", i18n.Key("pop directional formatting")},
	'\u202D': {"LRO", i18n.Key("left-to-right override")},
	'\u202E': {"RLO", i18n.Key("right-to-left override")},
	'\u2066': {"LRI", i18n.Key("left-to-right isolate")},
	'\u2067': {"RLI", i18n.Key("right-to-left isolate")},
	'\u2068': {"FSI", i18n.Key("first strong isolate")},
	'\u2069': {"PDI", i18n.Key("pop directional isolate")},
	'\u200E': {"LRM", i18n.Key("left-to-right mark")},
	'\u200F': {"RLM", i18n.Key("right-to-left mark")},
	'\u061C': {"ALM", i18n.Key("Arabic letter mark")},
}

// writeText writes s escaped for HTML, with every bidirectional control
// character replaced by a visible marker naming it, so that a text cannot
// display in an order that hides what it says.
func writeText(b *strings.Builder, p *i18n.Printer, s string) {
	last := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if name, ok := bidiControls[r]; ok {
			b.WriteString(template.HTMLEscapeString(s[last:i]))
			title := p.T("%[1]s %[2]s: an invisible character that changes the direction of text, shown here", fmt.Sprintf("U+%04X", r), p.T(name[1]))
			fmt.Fprintf(b, `<span class="bidi" title="%s">⟨%s⟩</span>`, template.HTMLEscapeString(title), name[0])
			last = i + w
		}
		i += w
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
}

// textHTML returns s as safe HTML with bidirectional controls shown.
func textHTML(p *i18n.Printer, s string) template.HTML {
	var b strings.Builder
	writeText(&b, p, s)
	return template.HTML(b.String())
}

// hasBidi reports whether s holds bidirectional control characters.
func hasBidi(s string) bool { return document.BidiControls(s) != nil }

// paragraphHTML renders a paragraph of a negotiating text: brackets and
// their alternatives are marked up for highlighting, labels shown, and
// bidirectional controls made visible. A paragraph that does not parse is
// shown as plain text.
func paragraphHTML(pr *i18n.Printer, s string) template.HTML {
	p, err := document.Parse(s)
	if err != nil {
		var b strings.Builder
		writeText(&b, pr, s)
		return template.HTML(b.String())
	}
	var b strings.Builder
	for _, t := range p.Tokens() {
		switch t.Kind {
		case document.TokenText:
			writeText(&b, pr, t.Text)
		case document.TokenOpen:
			kind := pr.T("bracketed text, to keep or drop")
			if t.Alternatives > 1 {
				kind = pr.T("bracket: %d alternatives, not agreed", t.Alternatives)
			}
			kind = template.HTMLEscapeString(kind)
			fmt.Fprintf(&b, `<span class="br d%d" title="%s"><span class="bk" aria-hidden="true">[</span><span class="sr">(%s: </span>`, min(t.Depth, 4), kind, kind)
		case document.TokenAlt:
			if t.Index > 0 {
				fmt.Fprintf(&b, `<span class="sep"><span aria-hidden="true"> | </span><span class="sr">%s</span></span>`, template.HTMLEscapeString(pr.T(", or ")))
			}
			if t.Label != "" {
				b.WriteString(`<span class="lbl">`)
				writeText(&b, pr, t.Label)
				b.WriteString(`:</span> `)
			}
		case document.TokenClose:
			b.WriteString(`<span class="sr">)</span><span class="bk" aria-hidden="true">]</span></span>`)
		}
	}
	return template.HTML(b.String())
}

// rtlLangs are the languages written right to left, by primary subtag.
var rtlLangs = map[string]bool{"ar": true, "fa": true, "he": true, "ur": true, "ps": true, "yi": true, "dv": true, "ckb": true, "sd": true, "ug": true}

// dirOf returns the text direction of a language tag: "rtl" for the
// right-to-left languages, "auto" (the text decides) otherwise.
func dirOf(lang string) string {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if rtlLangs[primary] {
		return "rtl"
	}
	return "auto"
}

// markdownHTML renders the Markdown of a briefing: headings (shifted one
// level down, the page has its own h1), bullet lists, paragraphs, **bold**,
// `code`, and [#N] references to log indexes as links to the timeline.
// Everything else is text, escaped.
func markdownHTML(p *i18n.Printer, md, talks string) template.HTML {
	var b strings.Builder
	inList := false
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString(`<p dir="auto">`)
			b.WriteString(inline(p, strings.Join(para, " "), talks))
			b.WriteString("</p>\n")
			para = nil
		}
	}
	endList := func() {
		if inList {
			b.WriteString("</ul>\n")
			inList = false
		}
	}
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			flush()
			endList()
			b.WriteString(`<h2 dir="auto">` + inline(p, line[2:], talks) + "</h2>\n")
		case strings.HasPrefix(line, "## "):
			flush()
			endList()
			b.WriteString(`<h3 dir="auto">` + inline(p, line[3:], talks) + "</h3>\n")
		case strings.HasPrefix(line, "- "):
			flush()
			if !inList {
				b.WriteString("<ul>\n")
				inList = true
			}
			b.WriteString(`<li dir="auto">` + inline(p, line[2:], talks) + "</li>\n")
		case strings.TrimSpace(line) == "":
			flush()
			endList()
		default:
			endList()
			para = append(para, line)
		}
	}
	flush()
	endList()
	return template.HTML(b.String())
}

var (
	mdRef = regexp.MustCompile(`\[#(\d+)\]`)
)

// inline renders one line of Markdown: escaped text with bidirectional
// controls shown, then paired ** and ` turned into strong and code, what
// is between “ and ” isolated (so that a quotation in another script keeps
// its punctuation at its own end), and [#N] into links to the event in the
// timeline.
func inline(p *i18n.Printer, s, talks string) string {
	var b strings.Builder
	writeText(&b, p, s)
	out := pairs(b.String(), "**", "<strong>", "</strong>")
	out = pairs(out, "`", "<code>", "</code>")
	out = isolateQuotes(out)
	return mdRef.ReplaceAllStringFunc(out, func(ref string) string {
		i, err := strconv.ParseInt(ref[2:len(ref)-1], 10, 64)
		if err != nil {
			return ref
		}
		return `<a href="` + template.HTMLEscapeString(eventLink(talks, i)) + `">` + ref + `</a>`
	})
}

// isolateQuotes wraps the text of each “…” quotation in <bdi>.
func isolateQuotes(s string) string {
	var b strings.Builder
	for {
		open := strings.Index(s, "“")
		if open < 0 {
			break
		}
		end := strings.Index(s[open:], "”")
		if end < 0 {
			break
		}
		end += open
		b.WriteString(s[:open+len("“")])
		b.WriteString("<bdi>")
		b.WriteString(s[open+len("“") : end])
		b.WriteString("</bdi>”")
		s = s[end+len("”"):]
	}
	b.WriteString(s)
	return b.String()
}

// pairs replaces the markers in s, taken in pairs, by open and close tags;
// an odd marker left over stays as text.
func pairs(s, marker, open, close string) string {
	parts := strings.Split(s, marker)
	if len(parts) < 3 {
		return s
	}
	var b strings.Builder
	n := len(parts) - 1
	if n%2 == 1 {
		n-- // the last marker has no partner
	}
	for i, p := range parts {
		if i > 0 {
			switch {
			case i > n:
				b.WriteString(marker)
			case i%2 == 1:
				b.WriteString(open)
			default:
				b.WriteString(close)
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

// formatTime formats a time for the pages, in UTC.
func formatTime(p *i18n.Printer, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.Time(t)
}

// formatDate formats a date of the form YYYY-MM-DD, or a time, as a day.
func formatDate(p *i18n.Printer, v any) string {
	switch d := v.(type) {
	case string:
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return d
		}
		return p.Date(t)
	case time.Time:
		if d.IsZero() {
			return ""
		}
		return p.Date(d)
	}
	return fmt.Sprint(v)
}

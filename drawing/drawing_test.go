package drawing_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleyhq/parley/drawing"
	"github.com/parleyhq/parley/drawing/drawingtest"
)

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1: "1", -1: "-1", 0.04: "0", -0.04: "0", 0.05: "0.1", -0.05: "-0.1",
		12.34: "12.3", 12.35: "12.4", 640: "640", 1e10: "0", -1e10: "0",
	} {
		if got := drawing.Num(v); got != want {
			t.Errorf("Num(%v) = %q, want %q", v, got, want)
		}
	}
	nan := 0.0
	if got := drawing.Num(nan / nan); got != "0" {
		t.Errorf("Num(NaN) = %q, want 0", got)
	}
}

func TestShortenAndFits(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"Assessment", 20, "Assessment"}, {"Assessment of the situation", 11, "Assessment…"},
		{"وجدت الأطراف أرضية", 6, "وجدت…"}, {"x", 0, ""}, {"", 3, ""},
	} {
		if got := drawing.Shorten(c.s, c.n); got != c.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
		if n := utf8.RuneCountInString(drawing.Shorten(c.s, c.n)); n > max(c.n, 0) {
			t.Errorf("Shorten(%q, %d) has %d characters", c.s, c.n, n)
		}
	}
	if got := drawing.Fits(66, 12); got != 10 {
		t.Errorf("Fits(66, 12) = %d, want 10", got)
	}
}

// TestDoc draws a small picture each way and checks it: the ids carry
// the prefix, escaped; the inline axis mirrors in right to left.
func TestDoc(t *testing.T) {
	for _, dir := range []string{"", "rtl"} {
		d := drawing.New(dir, `p"><x-`)
		d.Open(100, 50, "A <title>", "says \u202Eall")
		d.Raw(`<text x="`, drawing.Num(d.X(10)), `" y="20">`, drawing.Isolate("وجدت & co"), "</text>")
		d.Close()
		var b bytes.Buffer
		if err := d.CopyTo(&b); err != nil {
			t.Fatal(err)
		}
		svg := b.String()
		if err := drawingtest.Check(svg); err != nil {
			t.Fatalf("%s: %v in:\n%s", dir, err, svg)
		}
		wantX, wantDir := `x="10"`, !strings.Contains(svg, `direction="rtl"`)
		if dir == "rtl" {
			wantX, wantDir = `x="90"`, strings.Contains(svg, `direction="rtl"`)
		}
		if !strings.Contains(svg, wantX) || !wantDir {
			t.Errorf("%q: not mirrored as it should be:\n%s", dir, svg)
		}
		if !strings.Contains(svg, `id="p%22%3E%3Cx-title"`) || strings.Contains(svg, "\u202E") || !strings.Contains(svg, "⟨RLO⟩") {
			t.Errorf("%q: ids or text not escaped:\n%s", dir, svg)
		}
		if !strings.Contains(svg, "\u2068وجدت &amp; co\u2069") {
			t.Errorf("%q: the name is not isolated:\n%s", dir, svg)
		}
	}
}

// TestCheckRefuses: the checker the pictures' tests rely on finds each
// fault it is for.
func TestCheckRefuses(t *testing.T) {
	open := `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 1 1" aria-labelledby="t d"><title id="t">x</title><desc id="d">y</desc>`
	if err := drawingtest.Check(open + "</svg>"); err != nil {
		t.Fatalf("a good drawing refused: %v", err)
	}
	for name, svg := range map[string]string{
		"not XML":      open,
		"script":       open + "<script>1</script></svg>",
		"style":        open + `<rect style="x"/></svg>`,
		"handler":      open + `<rect onclick="x"/></svg>`,
		"foreign":      open + "<foreignObject/></svg>",
		"empty link":   open + "<a><text>x</text></a></svg>",
		"id twice":     open + `<g id="t"/></svg>`,
		"two roots":    open + "</svg><svg/>",
		"not an image": `<svg viewBox="0 0 1 1"><title id="t">x</title></svg>`,
		"unlabelled":   strings.Replace(open, ` aria-labelledby="t d"`, "", 1) + "</svg>",
		"label absent": strings.Replace(open, `"t d"`, `"t e"`, 1) + "</svg>",
	} {
		if err := drawingtest.Check(svg); err == nil {
			t.Errorf("%s: not refused", name)
		}
	}
}

// FuzzEscape: whatever the text, escaped it is character data XML reads
// back, with no bidirectional control left and nothing XML may not hold;
// isolated, it is the same wrapped in U+2068 … U+2069.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a & b", "<script>", "x\u202Egnp", "bad\xff", "\uFFFE", "tab\tnl\n", "\"'", "\u200Ex\u200F\u061C\u2066"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := drawing.Escape(s)
		var v struct {
			A string `xml:"a,attr"`
			T string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte(`<x a="`+e+`">`+e+`</x>`), &v); err != nil {
			t.Fatalf("Escape(%q) = %q, which XML does not read: %v", s, e, err)
		}
		if v.A != v.T {
			t.Fatalf("Escape(%q) reads back as %q in an attribute and %q as text", s, v.A, v.T)
		}
		for _, r := range e {
			if (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C {
				t.Fatalf("Escape(%q) = %q keeps the control %U", s, e, r)
			}
		}
		if i := drawing.Isolate(s); s != "" && i != "\u2068"+e+"\u2069" {
			t.Fatalf("Isolate(%q) = %q", s, i)
		}
	})
}

package document

import (
	"fmt"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		in              string
		brackets        int
		agreed          bool
		plain, first    string
		dropped, tokens string
	}{
		{"", 0, true, "", "", "", ""},
		{`Agreed \[[text\]].`, 0, true, "Agreed [[text]].", "Agreed [[text]].", "Agreed [[text]].", `text 0 "Agreed [[text]]."`},
		{
			"The parties [[@gov shall || @opp should]] release detainees [[within [[30 || 60]] days]].",
			3, false,
			"The parties [shall / should] release detainees [within [30 / 60] days].",
			"The parties shall release detainees within 30 days.",
			"The parties  release detainees .",
			`text 0 "The parties "; open 1 2; alt 1 0 gov; text 1 "shall"; alt 1 1 opp; text 1 "should"; close 1; ` +
				`text 0 " release detainees "; open 1 1; alt 1 0 ; text 1 "within "; open 2 2; alt 2 0 ; text 2 "30"; ` +
				`alt 2 1 ; text 2 "60"; close 2; text 1 " days"; close 1; text 0 "."`,
		},
		{"[[ || x]]", 1, false, "[ / x]", "", "", `open 1 2; alt 1 0 ; alt 1 1 ; text 1 "x"; close 1`},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := p.Brackets(); got != tt.brackets {
			t.Errorf("%q: Brackets() = %d, want %d", tt.in, got, tt.brackets)
		}
		if got := p.Agreed(); got != tt.agreed {
			t.Errorf("%q: Agreed() = %v, want %v", tt.in, got, tt.agreed)
		}
		if got := p.Plain(); got != tt.plain {
			t.Errorf("%q: Plain() = %q, want %q", tt.in, got, tt.plain)
		}
		if got := p.Render(func(*Bracket) int { return 0 }); got != tt.first {
			t.Errorf("%q: Render(first) = %q, want %q", tt.in, got, tt.first)
		}
		if got := p.Render(func(*Bracket) int { return -1 }); got != tt.dropped {
			t.Errorf("%q: Render(drop) = %q, want %q", tt.in, got, tt.dropped)
		}
		var ts []string
		for _, tok := range p.Tokens() {
			switch tok.Kind {
			case TokenText:
				ts = append(ts, fmt.Sprintf("text %d %q", tok.Depth, tok.Text))
			case TokenOpen:
				ts = append(ts, fmt.Sprintf("open %d %d", tok.Depth, tok.Alternatives))
			case TokenAlt:
				ts = append(ts, fmt.Sprintf("alt %d %d %s", tok.Depth, tok.Index, tok.Label))
			case TokenClose:
				ts = append(ts, fmt.Sprintf("close %d", tok.Depth))
			}
		}
		if got := strings.Join(ts, "; "); got != tt.tokens {
			t.Errorf("%q: Tokens() =\n%s\nwant\n%s", tt.in, got, tt.tokens)
		}
	}

	var nilp *Paragraph
	if nilp.Brackets() != 0 || !nilp.Agreed() || nilp.Plain() != "" || nilp.Tokens() != nil || nilp.Render(nil) != "" {
		t.Error("a nil paragraph is not empty")
	}
}

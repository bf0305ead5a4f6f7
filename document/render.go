package document

import "strings"

// Brackets returns the number of brackets in p, nested ones included: the
// figure a progress chart counts down to zero.
func (p *Paragraph) Brackets() int {
	if p == nil {
		return 0
	}
	return countBrackets(p.Segments)
}

func countBrackets(segs []Segment) int {
	n := 0
	for _, s := range segs {
		if s.Bracket != nil {
			n++
			for _, a := range s.Bracket.Alternatives {
				n += countBrackets(a.Segments)
			}
		}
	}
	return n
}

// Agreed reports whether p holds no bracket: every word of it is agreed
// text.
func (p *Paragraph) Agreed() bool {
	if p == nil {
		return true
	}
	for _, s := range p.Segments {
		if s.Bracket != nil {
			return false
		}
	}
	return true
}

// Plain returns p as plain text for places without markup (a notification,
// a search snippet): escapes resolved, labels left out, each bracket written
// "[a / b]". It loses information; use String to keep the markup and Tokens
// to render it.
func (p *Paragraph) Plain() string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	writePlain(&b, p.Segments)
	return b.String()
}

func writePlain(b *strings.Builder, segs []Segment) {
	for _, s := range segs {
		if s.Bracket == nil {
			b.WriteString(s.Text)
			continue
		}
		b.WriteByte('[')
		for i, a := range s.Bracket.Alternatives {
			if i > 0 {
				b.WriteString(" / ")
			}
			writePlain(b, a.Segments)
		}
		b.WriteByte(']')
	}
}

// Render returns the text p would read if each bracket were resolved as
// pick says: pick returns the index of the alternative to keep, or any
// number out of range (such as -1) to drop the bracket and its text. The
// alternatives of a kept alternative are resolved by pick in turn, outer
// brackets first. Render is how a user interface shows "the text if option
// 2 is taken" or "the text without bracketed passages". A nil pick drops
// every bracket.
func (p *Paragraph) Render(pick func(*Bracket) int) string {
	if p == nil {
		return ""
	}
	if pick == nil {
		pick = func(*Bracket) int { return -1 }
	}
	var b strings.Builder
	writeRender(&b, p.Segments, pick)
	return b.String()
}

func writeRender(b *strings.Builder, segs []Segment, pick func(*Bracket) int) {
	for _, s := range segs {
		if s.Bracket == nil {
			b.WriteString(s.Text)
			continue
		}
		if i := pick(s.Bracket); i >= 0 && i < len(s.Bracket.Alternatives) {
			writeRender(b, s.Bracket.Alternatives[i].Segments, pick)
		}
	}
}

// A TokenKind says what a Token stands for.
type TokenKind string

// Kinds of token.
const (
	TokenText  TokenKind = "text"  // literal text
	TokenOpen  TokenKind = "open"  // a bracket opens
	TokenAlt   TokenKind = "alt"   // an alternative starts (one per alternative, the first included)
	TokenClose TokenKind = "close" // a bracket closes
)

// A Token is one step of a flat walk over a paragraph, for templates that
// highlight brackets and alternatives without recursion.
type Token struct {
	Kind TokenKind `json:"kind"`
	// Text is the literal text of a TokenText, escapes resolved.
	Text string `json:"text,omitempty"`
	// Depth is the number of brackets around a TokenText (0 in the
	// running text), and the depth of the bracket itself (from 1) for the
	// other kinds.
	Depth int `json:"depth"`
	// Index is the position of a TokenAlt in its bracket, from 0; a
	// template writes a separator before every alternative with Index > 0.
	Index int `json:"index"`
	// Label is the label of a TokenAlt, if any.
	Label string `json:"label,omitempty"`
	// Alternatives is the number of alternatives of a TokenOpen's bracket:
	// 1 for bracketed text, more for options.
	Alternatives int `json:"alternatives,omitempty"`
}

// Tokens returns p as a flat sequence of tokens: text, and for each bracket
// an open token, an alt token before each alternative's tokens, and a close
// token. An html/template can range over it:
//
//	{{range .Tokens}}{{if eq .Kind "open"}}<span class="bracket">{{end -}}
//	{{if eq .Kind "alt"}}{{if .Index}} <b>||</b> {{end}}{{end -}}
//	{{if eq .Kind "text"}}{{.Text}}{{end -}}
//	{{if eq .Kind "close"}}</span>{{end}}{{end}}
func (p *Paragraph) Tokens() []Token {
	if p == nil {
		return nil
	}
	return appendTokens(nil, p.Segments, 0)
}

func appendTokens(ts []Token, segs []Segment, depth int) []Token {
	for _, s := range normalize(segs) {
		if s.Bracket == nil {
			ts = append(ts, Token{Kind: TokenText, Text: s.Text, Depth: depth})
			continue
		}
		d := depth + 1
		ts = append(ts, Token{Kind: TokenOpen, Depth: d, Alternatives: len(s.Bracket.Alternatives)})
		for i, a := range s.Bracket.Alternatives {
			ts = append(ts, Token{Kind: TokenAlt, Depth: d, Index: i, Label: a.Label})
			ts = appendTokens(ts, a.Segments, d)
		}
		ts = append(ts, Token{Kind: TokenClose, Depth: d})
	}
	return ts
}

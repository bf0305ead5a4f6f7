package document

import (
	"strings"
	"unicode/utf8"
)

// bidiNames names the bidirectional control characters, as ShowBidi shows
// them.
var bidiNames = map[rune]string{
	'\u202A': "LRE", // left-to-right embedding
	'\u202B': "RLE", // right-to-left embedding
	'\u202C': "PDF", // pop directional formatting
	'\u202D': "LRO", // left-to-right override
	'\u202E': "RLO", // right-to-left override
	'\u2066': "LRI", // left-to-right isolate
	'\u2067': "RLI", // right-to-left isolate
	'\u2068': "FSI", // first strong isolate
	'\u2069': "PDI", // pop directional isolate
	'\u200E': "LRM", // left-to-right mark
	'\u200F': "RLM", // right-to-left mark
	'\u061C': "ALM", // Arabic letter mark
}

// BidiControls returns the byte offsets in s of its bidirectional control
// characters: the embeddings, overrides and isolates U+202A–U+202E and
// U+2066–U+2069, and the marks U+200E, U+200F and U+061C. Such characters
// reorder how text is displayed without changing what it says, so a
// paragraph could show one thing and mean another ("Trojan Source"). It
// returns nil when there are none.
func BidiControls(s string) []int {
	var at []int
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if _, ok := bidiNames[r]; ok {
			at = append(at, i)
		}
		i += w
	}
	return at
}

// ShowBidi returns s with each bidirectional control character replaced by
// a visible marker naming it, such as "⟨RLO⟩" for U+202E, so that a user
// interface can show what a paragraph holds in the order it is stored.
// Everything else, invalid UTF-8 included, is left as it is.
func ShowBidi(s string) string {
	at := BidiControls(s)
	if at == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, i := range at {
		r, w := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[last:i])
		b.WriteString("⟨" + bidiNames[r] + "⟩")
		last = i + w
	}
	b.WriteString(s[last:])
	return b.String()
}

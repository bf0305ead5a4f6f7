package document

import (
	"fmt"
	"testing"
)

func TestBidi(t *testing.T) {
	tests := []struct {
		in   string
		at   []int
		show string
	}{
		{"", nil, ""},
		{"plain", nil, "plain"},
		{"يلتزم الطرفان", nil, "يلتزم الطرفان"},
		{"a\u202Eb", []int{1}, "a⟨RLO⟩b"},
		{
			"\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C",
			[]int{0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33},
			"⟨LRE⟩⟨RLE⟩⟨PDF⟩⟨LRO⟩⟨RLO⟩⟨LRI⟩⟨RLI⟩⟨FSI⟩⟨PDI⟩⟨LRM⟩⟨RLM⟩⟨ALM⟩",
		},
		// Trojan Source: the override makes "[[shall || shall not]]" display
		// with its alternatives swapped.
		{
			"The parties [[\u202Eshall not || shall\u202C]] withdraw.",
			[]int{14, 35},
			"The parties [[⟨RLO⟩shall not || shall⟨PDF⟩]] withdraw.",
		},
		{"عن\u061Cب", []int{4}, "عن⟨ALM⟩ب"},
		// Zero-width joiners and spaces are not bidi controls.
		{"a\u200Bb\u200Cc\u200Dd\u2060", nil, "a\u200Bb\u200Cc\u200Dd\u2060"},
		// Invalid UTF-8 is left alone.
		{"\xff\u202E\xe2\x80", []int{1}, "\xff⟨RLO⟩\xe2\x80"},
		{"\xe2\x80\xae", []int{0}, "⟨RLO⟩"},
	}
	for _, tt := range tests {
		if got := BidiControls(tt.in); fmt.Sprint(got) != fmt.Sprint(tt.at) || (got == nil) != (tt.at == nil) {
			t.Errorf("BidiControls(%q) = %v, want %v", tt.in, got, tt.at)
		}
		if got := ShowBidi(tt.in); got != tt.show {
			t.Errorf("ShowBidi(%q) = %q, want %q", tt.in, got, tt.show)
		}
	}
}

package document

import (
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

var fuzzSeeds = []string{
	"",
	"Plain text.",
	"The parties [[shall || should]] release [[all detainees || detainees on an agreed list]] within [[30]] days.",
	"[[ shall ||should\t ]]",
	"[[release [[all || some]] detainees || exchange lists]] now",
	"[[@gov shall || @opp.A-1 should]]",
	"[[@gov || @opp delete]]",
	`a \[[b\]] c \|| d \\ e \@ f`,
	`[[\ a\ ]][[\@x]][[[a]]]`,
	"يلتزم الطرفان [[بالإفراج || بالنظر في الإفراج]] عن المحتجزين",
	"a\u202Eb\u2066c\u2069",
	"[[a",
	"a ]] b || c",
	"[[]]",
	`a\`,
	"[[@ x]]",
	"a\xffb\n",
	strings.Repeat("[[", 9) + "x" + strings.Repeat("]]", 9),
}

// FuzzParse checks that Parse never panics, that its errors are
// *parley.Error values that locate the problem, and that what it accepts
// prints to a canonical form that parses back to the same tree.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		BidiControls(s)
		ShowBidi(s)
		p, err := Parse(s)
		if err != nil {
			e, ok := err.(*parley.Error)
			if !ok {
				t.Fatalf("Parse(%q) error %T %v, want *parley.Error", s, err, err)
			}
			switch {
			case e.Code == parley.ETOOLARGE && len(s) > parley.MaxTextSize:
			case e.Code == parley.EINVALID && strings.HasPrefix(e.Message, "at column "):
			default:
				t.Fatalf("Parse(%q) error %s %q", s, e.Code, e.Message)
			}
			return
		}
		c := p.String()
		q, err := Parse(c)
		if err != nil {
			t.Fatalf("Parse(%q), the canonical form of %q: %v", c, s, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("Parse(%q) = %s, want %s", c, dump(q), dump(p))
		}
		if got := q.String(); got != c {
			t.Fatalf("canonical form %q prints as %q", c, got)
		}
		opens := 0
		for _, tok := range p.Tokens() {
			if tok.Kind == TokenOpen {
				opens++
			}
		}
		if n := p.Brackets(); n != opens || p.Agreed() != (n == 0) {
			t.Fatalf("%q: Brackets() = %d, Agreed() = %v, %d open tokens", s, n, p.Agreed(), opens)
		}
		if p.Agreed() && p.Plain() != p.Render(func(*Bracket) int { return 0 }) {
			t.Fatalf("%q: Plain and Render differ on an agreed text", s)
		}
	})
}

// FuzzDiff checks the invariants of Diff on versions made of the lines of
// two strings.
func FuzzDiff(f *testing.F) {
	f.Add("One.\nTwo.\nThree.", "One.\nThree.")
	f.Add("The parties shall release all detainees.", "The parties should release all detainees.")
	f.Add("A\nB\nC\nA\nB", "B\nA\nC\nB\nA\nC")
	f.Add("يلتزم الطرفان بالإفراج عن جميع المحتجزين.", "يلتزم الطرفان بالإفراج عن المحتجزين.")
	f.Add("[[a || b]] x\n\n", "\n[[a]] x y\n")
	f.Add("a\xffb", "a\xfeb")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, b := strings.Split(x, "\n"), strings.Split(y, "\n")
		checkDiff(t, a, b, Diff(a, b))
	})
}

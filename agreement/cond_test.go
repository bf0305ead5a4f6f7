package agreement

import (
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"agreed(m1)", "agreed(m1)"},
		{"  fact(m1.step1.verified) ", "fact(m1.step1.verified)"},
		{"agreed(a) || agreed(b) && !agreed(c)", "agreed(a) or agreed(b) and not agreed(c)"},
		{"(agreed(a) or agreed(b)) and not fact(x)", "(agreed(a) or agreed(b)) and not fact(x)"},
		{"agreed(a) and (agreed(b) and agreed(c))", "agreed(a) and (agreed(b) and agreed(c))"},
		{"(agreed(a) and agreed(b)) and agreed(c)", "agreed(a) and agreed(b) and agreed(c)"},
		{"not not agreed(A-1:x_y.z)", "not not agreed(A-1:x_y.z)"},
		{"!(agreed(a)||fact(b))", "not (agreed(a) or fact(b))"},
		{"agreed( and )", "agreed(and)"},
		{"agreed(m1) or (agreed(m2) and not fact(x))", "agreed(m1) or agreed(m2) and not fact(x)"},
	}
	for _, tt := range tests {
		c, err := ParseCondition(tt.in)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tt.in, err)
			continue
		}
		if got := c.String(); got != tt.want {
			t.Errorf("ParseCondition(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseConditionErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `condition: at column 1: expected agreed(ID), fact(ID), done(ID), "not" or "(", found the end of the condition`},
		{"agreed(a", `condition: at column 9: expected ")" after agreed(ID, found the end of the condition`},
		{"agreed(m1) or agreed(m2", `condition: at column 24: expected ")" after agreed(ID, found the end of the condition`},
		{"agreed m1", `condition: at column 8: expected "(" after agreed, found "m1"`},
		{"agreed()", `condition: at column 8: expected an id ([A-Za-z0-9_.:-]+) after agreed(, found ")"`},
		{"agreed(a) agreed(b)", `condition: at column 11: expected "and", "or" or the end of the condition, found "agreed"`},
		{"(agreed(a)", `condition: at column 11: expected ")" or an operator, found the end of the condition`},
		{"agreed(a) & agreed(b)", `condition: at column 11: expected "and", "or" or the end of the condition, found the character "&"`},
		{"voted(a)", `condition: at column 1: expected agreed(ID), fact(ID), done(ID), "not" or "(", found "voted"`},
		{"agreed(a) and", `condition: at column 14: expected agreed(ID), fact(ID), done(ID), "not" or "(", found the end of the condition`},
		{"é agreed(a)", `condition: at column 1: expected agreed(ID), fact(ID), done(ID), "not" or "(", found the character "é"`},
		{"agreed(é)", `condition: at column 8: expected an id ([A-Za-z0-9_.:-]+) after agreed(, found the character "é"`},
		{strings.Repeat("(", 70) + "agreed(a)" + strings.Repeat(")", 70), "condition: at column 66: nested more than 64 deep; simplify the condition"},
		{strings.Repeat("(", 65) + "agreed(a)" + strings.Repeat(")", 65), "condition: at column 66: nested more than 64 deep; simplify the condition"},
		{strings.Repeat("not ", 65) + "agreed(a)", "condition: at column 261: nested more than 64 deep; simplify the condition"},
		{strings.Repeat("not (", 33) + "agreed(a)" + strings.Repeat(")", 33), "condition: at column 165: nested more than 64 deep; simplify the condition"},
		{"agreed(" + strings.Repeat("x", 65) + ")", "condition: at column 8: the id in agreed(...) is longer than 64 characters"},
	}
	for _, tt := range tests {
		_, err := ParseCondition(tt.in)
		if err == nil {
			t.Errorf("ParseCondition(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("ParseCondition(%q) error:\n got %s\nwant %s", tt.in, got, tt.want)
		}
		if code := parley.ErrorCode(err); code != parley.EINVALID {
			t.Errorf("ParseCondition(%q) error code %q, want %q", tt.in, code, parley.EINVALID)
		}
	}
}

// TestConditionDepthLimit checks that conditions nested exactly
// MaxCondDepth deep, counting each parenthesis and each "not", are read.
func TestConditionDepthLimit(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("(", MaxCondDepth) + "agreed(a)" + strings.Repeat(")", MaxCondDepth),
		strings.Repeat("not ", MaxCondDepth) + "agreed(a)",
		strings.Repeat("!(", MaxCondDepth/2) + "agreed(a) or fact(b)" + strings.Repeat(")", MaxCondDepth/2),
		"agreed(x) and " + strings.Repeat("(", MaxCondDepth) + "agreed(a)" + strings.Repeat(")", MaxCondDepth) + " or agreed(y)",
	} {
		c, err := ParseCondition(in)
		if err != nil {
			t.Errorf("ParseCondition(%.40q...): %v", in, err)
			continue
		}
		if d, err := ParseCondition(c.String()); err != nil || !d.Equal(c) {
			t.Errorf("ParseCondition(%q) = %v, %v; want the same tree back", c.String(), d, err)
		}
	}
}

func TestCondItemsAndFacts(t *testing.T) {
	c, err := ParseCondition("agreed(b) or fact(y) and agreed(a) or not (agreed(b) or fact(x))")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Items(), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("Items() = %q, want %q", got, want)
	}
	if got, want := c.Facts(), []string{"x", "y"}; !slices.Equal(got, want) {
		t.Errorf("Facts() = %q, want %q", got, want)
	}
	c, err = ParseCondition("done(X.t1.gov) && !done(X.t2) || agreed(done) or done(X.t1.gov)")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Steps(), []string{"X.t1.gov", "X.t2"}; !slices.Equal(got, want) {
		t.Errorf("Steps() = %q, want %q", got, want)
	}
	if got, want := c.Items(), []string{"done"}; !slices.Equal(got, want) {
		t.Errorf("Items() = %q, want %q", got, want)
	}
	if got, want := c.String(), "done(X.t1.gov) and not done(X.t2) or agreed(done) or done(X.t1.gov)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// condGen draws condition trees over a few atoms.
func condGen() *rapid.Generator[*Cond] {
	return rapid.Custom(func(t *rapid.T) *Cond {
		d := rapidDrawer{t}
		return randomCond(d, []string{"a", "b.c", "x:1", "and", "not"}, true, 4)
	})
}

// TestPrintParseIdentity checks that printing then parsing gives back the
// same tree, and that evaluation agrees with the tree.
func TestPrintParseIdentity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := condGen().Draw(t, "cond")
		s := c.String()
		c2, err := ParseCondition(s)
		if err != nil {
			t.Fatalf("ParseCondition(%q): %v", s, err)
		}
		if !c.Equal(c2) {
			t.Fatalf("ParseCondition(%q) = %s, a different tree", s, c2)
		}
	})
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"agreed(a)", "agreed(m1) or (agreed(m2) and not fact(x))", "!(agreed(a)||fact(b))&&agreed(c)", "((", "agreed(", "not not not fact(x.y)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err != nil {
			if parley.ErrorCode(err) != parley.EINVALID || !strings.HasPrefix(err.Error(), "condition: ") {
				t.Fatalf("ParseCondition(%q): error %v is not a condition error", s, err)
			}
			return
		}
		p := c.String()
		c2, err := ParseCondition(p)
		if err != nil {
			t.Fatalf("ParseCondition(%q) of the printed %q: %v", p, s, err)
		}
		if !c.Equal(c2) || c2.String() != p {
			t.Fatalf("print and parse of %q: %q then %q", s, p, c2.String())
		}
	})
}

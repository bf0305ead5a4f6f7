package bargain

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

func TestParseDec(t *testing.T) {
	for _, c := range []struct {
		in, canonical string
		scale         int
	}{
		{"0", "0", 0},
		{"-0", "0", 0},
		{"-0.000", "0", 3},
		{"007", "7", 0},
		{"0.50", "0.5", 2},
		{"1.000000", "1", 6},
		{"-12.345", "-12.345", 3},
		{"0.000001", "0.000001", 6},
		{"999999999999999999.999999", "999999999999999999.999999", 6},
		{"0.1234567", "0.1234567", 7},
	} {
		d, err := ParseDec(c.in)
		if err != nil {
			t.Errorf("ParseDec(%q): %v", c.in, err)
			continue
		}
		if got := d.String(); got != c.canonical || d.Scale() != c.scale {
			t.Errorf("ParseDec(%q) = %s with %d decimals, want %s with %d", c.in, got, d.Scale(), c.canonical, c.scale)
		}
		// The canonical form reads back to the same value.
		if e, err := ParseDec(d.String()); err != nil || e.Cmp(d) != 0 || e.String() != d.String() {
			t.Errorf("%s does not read back: %v, %v", d, e, err)
		}
	}
	for _, in := range []string{"", "-", ".5", "5.", "+1", "1e3", "0x10", " 1", "1 ", "1,5", "--1", "1.2.3", "١"} {
		if d, err := ParseDec(in); err == nil {
			t.Errorf("ParseDec(%q) = %v, want an error", in, d)
		}
	}
	if _, err := ParseDec(strings.Repeat("1", 2000)); err == nil {
		t.Errorf("ParseDec of 2000 digits: no error")
	}
}

func TestCheckInput(t *testing.T) {
	for in, want := range map[string]string{
		"0.123456":                  "",
		"0.1234567":                 "0.1234567 has 7 decimals; give at most 6",
		"1.0000000":                 "1 has 7 decimals; give at most 6",
		"999999999999999999.999999": "",
		"1000000000000000000":       "1000000000000000000 is too large",
		"-1000000000000000000":      "-1000000000000000000 is too large",
	} {
		var got string
		if e := MustParseDec(in).checkInput(); e != nil {
			got = e.Message
		}
		if want == "" && got != "" || !strings.HasPrefix(got, want) {
			t.Errorf("checkInput(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatRat(t *testing.T) {
	for _, c := range []struct {
		num, den int64
		want     string
	}{
		{0, 1, "0"},
		{3, 4, "0.75"},
		{-3, 4, "-0.75"},
		{1, 3, "1/3"},
		{-7, 12, "-7/12"},
		{10, 5, "2"},
		{1, 1 << 20, "0.00000095367431640625"},
		{1, 80, "0.0125"},
		{7, 30, "7/30"},
	} {
		r := big.NewRat(c.num, c.den)
		if got := FormatRat(r); got != c.want {
			t.Errorf("FormatRat(%v) = %s, want %s", r, got, c.want)
		}
		back, err := ParseRat(c.want)
		if err != nil || back.Cmp(r) != 0 {
			t.Errorf("ParseRat(%s) = %v, %v; want %v", c.want, back, err, r)
		}
	}
	for _, in := range []string{"1/0", "1/-2", "1.5/2", "a/b", "1/"} {
		if r, err := ParseRat(in); err == nil {
			t.Errorf("ParseRat(%q) = %v, want an error", in, r)
		}
	}
}

func TestDecJSON(t *testing.T) {
	var d Dec
	if err := json.Unmarshal([]byte(`"-0.250"`), &d); err != nil || d.String() != "-0.25" {
		t.Fatalf("got %v, %v", d, err)
	}
	if b, _ := json.Marshal(d); string(b) != `"-0.25"` {
		t.Errorf("Marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`0.25`), &d); err == nil {
		t.Errorf("a JSON number is read as a decimal")
	}
}

// TestWords checks the fixed-width integers against math/big.
func TestWords(t *testing.T) {
	vals := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(-1), big.NewInt(1 << 62), big.NewInt(-1 << 62)}
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890123456789012345678901234567890", 10)
	vals = append(vals, huge, new(big.Int).Neg(huge), new(big.Int).Lsh(big.NewInt(3), 190))
	for _, a := range vals {
		for _, b := range vals {
			x, y := wfromBig[w4](a), wfromBig[w4](b)
			if got, want := wtoBig(wadd(x, y), new(big.Int)), new(big.Int).Add(a, b); got.Cmp(want) != 0 {
				t.Errorf("%v + %v = %v, want %v", a, b, got, want)
			}
			if got, want := wtoBig(wsub(x, y), new(big.Int)), new(big.Int).Sub(a, b); got.Cmp(want) != 0 {
				t.Errorf("%v - %v = %v, want %v", a, b, got, want)
			}
			if got, want := wcmp(x, y), a.Cmp(b); got != want {
				t.Errorf("cmp(%v, %v) = %d, want %d", a, b, got, want)
			}
			if a.BitLen() < 63 && b.BitLen() < 63 {
				if got, want := wcmp(wfromBig[w1](a), wfromBig[w1](b)), a.Cmp(b); got != want {
					t.Errorf("one word: cmp(%v, %v) = %d, want %d", a, b, got, want)
				}
			}
		}
	}
}

// FuzzParseDec checks that what ParseDec accepts prints in canonical form,
// reads back to the same value, and prints the same through FormatRat.
func FuzzParseDec(f *testing.F) {
	for _, s := range []string{"0", "-0.50", "007", "1.000000", "-12.345", "0.1234567", "1e3", ".5"} {
		f.Add(s)
	}
	canonical := regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$`)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDec(s)
		if err != nil {
			return
		}
		c := d.String()
		if !canonical.MatchString(c) || c == "-0" {
			t.Fatalf("ParseDec(%q).String() = %q, not canonical", s, c)
		}
		e, err := ParseDec(c)
		if err != nil || e.Cmp(d) != 0 || e.String() != c {
			t.Fatalf("%q reads back as %v, %v", c, e, err)
		}
		if r := FormatRat(d.Rat()); r != c {
			t.Fatalf("FormatRat(%s) = %s", c, r)
		}
	})
}

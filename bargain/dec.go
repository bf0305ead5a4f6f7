package bargain

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
)

// Limits of the input numbers. A weight, a value or a reservation is a
// decimal with at most MaxDecimals digits after the point and an absolute
// value below 10^MaxIntegerDigits. They bound every sum and product the
// computation makes, so that it is exact with fixed-width integers.
const (
	MaxDecimals      = 6
	MaxIntegerDigits = 18
)

// maxDecLength bounds the text ParseDec reads: 1,000 digits are more than
// any product this package prints.
const maxDecLength = 1000

// A Dec is an exact decimal number: coef × 10^-scale. The zero value is 0.
// A Dec is immutable. It remembers how many decimals it was written with
// (scale), so that the input rule of at most MaxDecimals decimals applies
// to the text as written, trailing zeros included; String prints the
// canonical form whatever the scale.
type Dec struct {
	coef  *big.Int // nil is zero; never modified once set
	scale int      // digits after the point, ≥ 0
}

// newDec returns coef × 10^-scale. It keeps coef.
func newDec(coef *big.Int, scale int) Dec {
	if coef.Sign() == 0 {
		return Dec{scale: scale}
	}
	return Dec{coef: coef, scale: scale}
}

// ParseDec parses a decimal written -?[0-9]+(\.[0-9]+)?: an optional minus
// sign, digits, and optionally a point followed by digits. It takes no
// plus sign, exponent, spaces or leading point. It accepts any number of
// decimals; the input format allows at most MaxDecimals (see CheckInput).
func ParseDec(s string) (Dec, error) {
	bad := func(why parley.Phrase) (Dec, error) {
		return Dec{}, parley.Errorf(parley.EINVALID, "%s is not a decimal: %s; write it as digits with an optional minus sign and point, such as \"0.25\" or \"-3\"", quote(s), why)
	}
	if len(s) > maxDecLength {
		return Dec{}, parley.Errorf(parley.EINVALID, "a decimal of %d characters is too long; give at most %d decimals and %d digits before the point", len(s), MaxDecimals, MaxIntegerDigits)
	}
	t := s
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = t[1:]
	}
	ip, fp, hasPoint := strings.Cut(t, ".")
	switch {
	case t == "":
		return bad(parley.Key("it has no digits"))
	case ip == "":
		return bad(parley.Key("it has no digit before the point"))
	case hasPoint && fp == "":
		return bad(parley.Key("it has no digit after the point"))
	}
	for _, part := range []string{ip, fp} {
		for i := 0; i < len(part); i++ {
			if c := part[i]; c < '0' || c > '9' {
				return bad(parley.Key("it holds %s", strconv.QuoteRune(rune(c))))
			}
		}
	}
	var c big.Int
	c.SetString(ip+fp, 10)
	if neg {
		c.Neg(&c)
	}
	return newDec(&c, len(fp)), nil
}

// MustParseDec is ParseDec for constants; it panics on a malformed s.
func MustParseDec(s string) Dec {
	d, err := ParseDec(s)
	if err != nil {
		panic(err)
	}
	return d
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// Scale returns the number of decimals d was written with.
func (d Dec) Scale() int { return d.scale }

// Sign returns -1, 0 or +1.
func (d Dec) Sign() int {
	if d.coef == nil {
		return 0
	}
	return d.coef.Sign()
}

// Rat returns d as a new rational.
func (d Dec) Rat() *big.Rat {
	if d.coef == nil {
		return new(big.Rat)
	}
	return new(big.Rat).SetFrac(d.coef, pow10(d.scale))
}

// Cmp compares d and e by value: -1, 0 or +1.
func (d Dec) Cmp(e Dec) int {
	return d.Rat().Cmp(e.Rat())
}

// scaled returns d × 10^scale as an integer, and whether it is one.
func (d Dec) scaled(scale int) (*big.Int, bool) {
	z := new(big.Int)
	if d.coef == nil {
		return z, true
	}
	if scale >= d.scale {
		return z.Mul(d.coef, pow10(scale-d.scale)), true
	}
	var r big.Int
	z.QuoRem(d.coef, pow10(d.scale-scale), &r)
	return z, r.Sign() == 0
}

// String returns the canonical form of d: -?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?,
// that is no plus sign, no leading zeros but the one before the point of
// a number below 1, no trailing zeros after the point, no point in an
// integer, and no minus sign on zero.
func (d Dec) String() string {
	if d.coef == nil {
		return "0"
	}
	return formatScaled(d.coef, d.scale)
}

// formatScaled returns the canonical form of c × 10^-scale.
func formatScaled(c *big.Int, scale int) string {
	digits := new(big.Int).Abs(c).String()
	if digits == "0" {
		return "0"
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	ip, fp := digits[:len(digits)-scale], digits[len(digits)-scale:]
	fp = strings.TrimRight(fp, "0")
	s := ip
	if fp != "" {
		s += "." + fp
	}
	if c.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// MarshalJSON writes d as a JSON string in canonical form.
func (d Dec) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads d from a JSON string as ParseDec does. A number is
// refused: decimals travel as strings so that no reader takes them for
// binary floating point.
func (d *Dec) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return parley.Errorf(parley.EINVALID, "a decimal is written as a string, such as \"0.25\", not as %s", truncate(string(b), 40))
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return parley.Errorf(parley.EINVALID, "a decimal is written as a plain string, such as \"0.25\"")
	}
	v, err := ParseDec(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// checkInput returns the error of d if it breaks the input rule, or nil.
func (d Dec) checkInput() *parley.Error {
	if d.scale > MaxDecimals {
		return parley.Errorf(parley.EINVALID, "%s has %d decimals; give at most %d", d.String(), d.scale, MaxDecimals)
	}
	if d.coef != nil && new(big.Int).Abs(d.coef).Cmp(new(big.Int).Mul(pow10(MaxIntegerDigits), pow10(d.scale))) >= 0 {
		return parley.Errorf(parley.EINVALID, "%s is too large; give a number of at most %d digits before the point", d.String(), MaxIntegerDigits)
	}
	return nil
}

var pow10s = func() (t [40]*big.Int) {
	t[0] = big.NewInt(1)
	for i := 1; i < len(t); i++ {
		t[i] = new(big.Int).Mul(t[i-1], big.NewInt(10))
	}
	return t
}()

// pow10 returns 10^n; the result must not be modified.
func pow10(n int) *big.Int {
	if n < len(pow10s) {
		return pow10s[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// FormatRat returns r exactly: in the canonical decimal form of
// Dec.String when r has a finite decimal expansion (its reduced
// denominator has no prime factor but 2 and 5), and otherwise as the
// reduced fraction -?N/D, such as "1/3" or "-7/12".
func FormatRat(r *big.Rat) string {
	den := new(big.Int).Set(r.Denom())
	twos, fives := 0, 0
	var q, m big.Int
	for den.Bit(0) == 0 {
		den.Rsh(den, 1)
		twos++
	}
	five := big.NewInt(5)
	for {
		q.QuoRem(den, five, &m)
		if m.Sign() != 0 {
			break
		}
		den.Set(&q)
		fives++
	}
	if den.Cmp(big.NewInt(1)) != 0 {
		return r.Num().String() + "/" + r.Denom().String()
	}
	// r = num / (2^twos 5^fives) = num × 2^(k-twos) 5^(k-fives) / 10^k.
	k := max(twos, fives)
	c := new(big.Int).Set(r.Num())
	c.Lsh(c, uint(k-twos))
	c.Mul(c, new(big.Int).Exp(five, big.NewInt(int64(k-fives)), nil))
	return formatScaled(c, k)
}

// ParseRat parses what FormatRat writes: a decimal as ParseDec reads it,
// or a fraction N/D of integers with D > 0.
func ParseRat(s string) (*big.Rat, error) {
	if n, d, ok := strings.Cut(s, "/"); ok {
		nd, err1 := ParseDec(n)
		dd, err2 := ParseDec(d)
		if err1 != nil || err2 != nil || nd.scale != 0 || dd.scale != 0 || dd.Sign() <= 0 {
			return nil, parley.Errorf(parley.EINVALID, "%s is not a fraction N/D of integers with D > 0", quote(s))
		}
		return nd.Rat().Quo(nd.Rat(), dd.Rat()), nil
	}
	d, err := ParseDec(s)
	if err != nil {
		return nil, err
	}
	return d.Rat(), nil
}

// newDecInt returns n × 10^-scale.
func newDecInt(n int64, scale int) Dec { return newDec(big.NewInt(n), scale) }

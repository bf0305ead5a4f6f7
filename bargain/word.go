package bargain

import (
	"math/big"
	"math/bits"
)

// Utilities are integers: a weight and a value have at most six decimals,
// so weight × value, and any sum of them, is an integer number of 10^-12.
// The frontier is computed on fixed-width two's-complement integers of one
// or four 64-bit words: one when every partial sum of every party's
// utilities, and every gain over a reservation, is known in advance to fit
// in 62 bits (magnitudes up to about 4.6 million in the units of the
// input), four otherwise, which always suffice given the limits on the
// input (|weight|, |value| < 10^18 and at most MaxIssues issues keep every
// sum below 10^51 < 2^170). Nothing is ever rounded.

type w1 [1]uint64
type w4 [4]uint64

// word is the type set of the fixed-width integers. The generic functions
// below are instantiated once per width, with the width a constant.
type word interface{ w1 | w4 }

func wadd[T word](a, b T) T {
	var c T
	var carry uint64
	for i := 0; i < len(a); i++ {
		c[i], carry = bits.Add64(a[i], b[i], carry)
	}
	return c
}

func wsub[T word](a, b T) T {
	var c T
	var borrow uint64
	for i := 0; i < len(a); i++ {
		c[i], borrow = bits.Sub64(a[i], b[i], borrow)
	}
	return c
}

// wcmp compares a and b as signed integers: -1, 0 or +1.
func wcmp[T word](a, b T) int {
	top := len(a) - 1
	if x, y := int64(a[top]), int64(b[top]); x != y {
		if x < y {
			return -1
		}
		return 1
	}
	for i := top - 1; i >= 0; i-- {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// wge reports a ≥ b, signed.
func wge[T word](a, b T) bool { return wcmp(a, b) >= 0 }

// wfromBig returns x, which must fit.
func wfromBig[T word](x *big.Int) T {
	var a T
	m := new(big.Int).Abs(x)
	var lo big.Int
	mask := new(big.Int).SetUint64(^uint64(0))
	for i := 0; i < len(a); i++ {
		a[i] = lo.And(m, mask).Uint64()
		m.Rsh(m, 64)
	}
	if x.Sign() < 0 {
		var zero T
		a = wsub(zero, a)
	}
	return a
}

// wtoBig sets z to a and returns z.
func wtoBig[T word](a T, z *big.Int) *big.Int {
	neg := int64(a[len(a)-1]) < 0
	if neg {
		var zero T
		a = wsub(zero, a)
	}
	if len(a) == 1 {
		z.SetUint64(a[0])
	} else {
		var w big.Int
		z.SetUint64(a[len(a)-1])
		for i := len(a) - 2; i >= 0; i-- {
			z.Lsh(z, 64).Or(z, w.SetUint64(a[i]))
		}
	}
	if neg {
		z.Neg(z)
	}
	return z
}

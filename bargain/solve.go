package bargain

import (
	"math/big"
)

// A Frontier is the exact Pareto frontier of a problem: its points are
// the distinct utility vectors that no package's vector dominates, in
// decreasing lexicographic order of the parties' utilities (the first
// party's first), each with the number of packages achieving it. Its
// methods compute the bargaining solutions and assess packages; they are
// safe for concurrent use.
type Frontier struct {
	pb    *Problem
	dag   *dag
	util  [][]*big.Int // per point, per party, in 10^-12
	gain  [][]*big.Int // util − reservation
	ir    []bool       // every gain ≥ 0
	ideal []*big.Int   // per party, the greatest utility over individually rational packages; nil if there is none
}

func newFrontier(pb *Problem, d *dag, util [][]*big.Int) *Frontier {
	f := &Frontier{pb: pb, dag: d, util: util, gain: make([][]*big.Int, len(util)), ir: make([]bool, len(util))}
	for i, u := range util {
		f.gain[i] = make([]*big.Int, len(u))
		f.ir[i] = true
		for p, x := range u {
			f.gain[i][p] = new(big.Int).Sub(x, pb.res[p])
			f.ir[i] = f.ir[i] && f.gain[i][p].Sign() >= 0
		}
		if !f.ir[i] {
			continue
		}
		// The greatest utility over individually rational packages is
		// reached on the frontier: a package that dominates an
		// individually rational one is individually rational, and no
		// worse for anyone.
		if f.ideal == nil {
			f.ideal = make([]*big.Int, len(u))
		}
		for p, x := range u {
			if f.ideal[p] == nil || x.Cmp(f.ideal[p]) > 0 {
				f.ideal[p] = x
			}
		}
	}
	return f
}

// Problem returns the problem f is the frontier of.
func (f *Frontier) Problem() *Problem { return f.pb }

// Len returns the number of points, distinct utility vectors.
func (f *Frontier) Len() int { return len(f.util) }

// Utilities returns the utilities of point i, per party.
func (f *Frontier) Utilities(i int) []Dec { return decs(f.util[i]) }

// Gains returns the gains of point i over the reservations, per party.
func (f *Frontier) Gains(i int) []Dec { return decs(f.gain[i]) }

// IndividuallyRational reports whether point i gives every party at
// least its reservation.
func (f *Frontier) IndividuallyRational(i int) bool { return f.ir[i] }

// Count returns the number of packages achieving point i.
func (f *Frontier) Count(i int) *big.Int { return new(big.Int).Set(f.dag.counts[i]) }

// Packages returns the packages achieving point i in lexicographic order
// of their options (the first issue's first, each issue's options in the
// order given), at most max of them.
func (f *Frontier) Packages(i, max int) []Package { return f.dag.packages(int32(i), max) }

// CountAll returns the number of packages on the frontier.
func (f *Frontier) CountAll() *big.Int {
	n := new(big.Int)
	for _, c := range f.dag.counts {
		n.Add(n, c)
	}
	return n
}

// Ideal returns, per party, its greatest utility over the individually
// rational packages (those that give every party at least its
// reservation), or nil if there is none.
func (f *Frontier) Ideal() []Dec {
	if f.ideal == nil {
		return nil
	}
	return decs(f.ideal)
}

// A Solution is the set of frontier points that a bargaining solution
// selects, all of them when several tie, with the value they reach. When
// no package qualifies, Points is empty and Reason says why.
type Solution struct {
	Points []int    // indexes of frontier points, in the frontier's order
	Value  *big.Rat // the value of the criterion at the points; nil if none
	Reason string
}

// Reasons for an empty solution.
const (
	ReasonNoGain     = "no package gives every party more than its reservation"
	ReasonNoRational = "no package gives every party at least its reservation"
)

// Nash returns the Nash bargaining solution: the packages that maximize
// the product of the parties' gains over their reservations, Π (u_i −
// r_i), among the packages whose gains are all positive (Nash 1950).
//
// Every such maximizer is on the frontier: if x has positive gains and y
// dominates it, y's gains are at least x's, one of them greater, so y's
// product is greater and x is no maximizer. So the maximizers among the
// frontier points are all the maximizers, with all their packages.
func (f *Frontier) Nash() Solution {
	var s Solution
	var best, prod big.Int
	for i := range f.util {
		positive := true
		prod.SetInt64(1)
		for _, g := range f.gain[i] {
			positive = positive && g.Sign() > 0
			prod.Mul(&prod, g)
		}
		if !positive {
			continue
		}
		switch c := prod.Cmp(&best); {
		case s.Points == nil || c > 0:
			best.Set(&prod)
			s.Points = []int{i}
		case c == 0:
			s.Points = append(s.Points, i)
		}
	}
	if s.Points == nil {
		s.Reason = ReasonNoGain
		return s
	}
	s.Value = new(big.Rat).SetFrac(&best, pow10(utilScale*len(f.pb.parties)))
	return s
}

// KalaiSmorodinsky returns the Kalai–Smorodinsky solution for a finite
// set of packages: among the individually rational frontier points, those
// that maximize the smallest share of its possible gain that a party gets,
// min_i (u_i − r_i) / (I_i − r_i), where I_i is party i's ideal (Ideal).
// A party whose ideal equals its reservation can gain nothing in any
// individually rational package; its share counts as 1. (Kalai and
// Smorodinsky 1975 define the solution as the Pareto-optimal point on the
// segment from the reservations to the ideal; on a finite set that point
// rarely exists, and the max–min of the shares is its usual discrete
// form.) The shares are compared exactly, by cross-multiplication.
//
// Nothing is lost by looking at frontier points only: the shares of a
// package that dominates an individually rational one are no smaller,
// so the greatest smallest share over all individually rational packages
// is reached on the frontier. A dominated package may tie with it; it is
// not Pareto optimal, and the solution does not include it.
func (f *Frontier) KalaiSmorodinsky() Solution {
	var s Solution
	if f.ideal == nil {
		s.Reason = ReasonNoRational
		return s
	}
	P := len(f.pb.parties)
	rng := make([]*big.Int, P)
	for p := range rng {
		rng[p] = new(big.Int).Sub(f.ideal[p], f.pb.res[p])
	}
	// The smallest share of point i, as num/den with den > 0.
	var x, y big.Int
	share := func(i int) (num, den *big.Int) {
		num, den = big.NewInt(1), big.NewInt(1)
		for p := range P {
			if rng[p].Sign() == 0 {
				continue
			}
			// gain/rng < num/den ⟺ gain·den < num·rng
			if x.Mul(f.gain[i][p], den).Cmp(y.Mul(num, rng[p])) < 0 {
				num, den = f.gain[i][p], rng[p]
			}
		}
		return num, den
	}
	var bn, bd *big.Int
	for i := range f.util {
		if !f.ir[i] {
			continue
		}
		n, d := share(i)
		c := 1
		if bn != nil {
			c = x.Mul(n, bd).Cmp(y.Mul(bn, d))
		}
		switch {
		case c > 0:
			bn, bd = n, d
			s.Points = []int{i}
		case c == 0:
			s.Points = append(s.Points, i)
		}
	}
	s.Value = new(big.Rat).SetFrac(bn, bd)
	return s
}

// Maximin returns the egalitarian (maximin) solution: among the
// individually rational frontier points, those that maximize the
// smallest gain over the reservations, min_i (u_i − r_i), in the units of
// the utilities (Kalai 1977). As for Kalai–Smorodinsky, the greatest
// smallest gain over all individually rational packages is reached on the
// frontier, and only frontier points are returned.
func (f *Frontier) Maximin() Solution {
	var s Solution
	if f.ideal == nil {
		s.Reason = ReasonNoRational
		return s
	}
	var best *big.Int
	for i := range f.util {
		if !f.ir[i] {
			continue
		}
		low := f.gain[i][0]
		for _, g := range f.gain[i][1:] {
			if g.Cmp(low) < 0 {
				low = g
			}
		}
		c := 1
		if best != nil {
			c = low.Cmp(best)
		}
		switch {
		case c > 0:
			best = low
			s.Points = []int{i}
		case c == 0:
			s.Points = append(s.Points, i)
		}
	}
	s.Value = new(big.Rat).SetFrac(best, pow10(utilScale))
	return s
}

// An Assessment says where a package stands: every party's utility and
// gain, whether it is individually rational and Pareto optimal, how far
// each party is from its best package, and which frontier points would
// make every party strictly better off.
type Assessment struct {
	Package              Package
	Utilities            []Dec
	Gains                []Dec // utility − reservation
	IndividuallyRational bool  // every gain ≥ 0
	ParetoOptimal        bool  // no package dominates it
	// FromBest is, per party, its best utility over all packages minus
	// its utility of the package; ShareOfRange is that as a share of the
	// party's range, best − worst over all packages (0 when the range is
	// 0): 0 at the party's best, 1 at its worst.
	FromBest     []Dec
	ShareOfRange []*big.Rat
	// Improvements are the frontier points at which every party's
	// utility is greater than at the package, and ImprovementPackages
	// the number of packages achieving them. Some package makes every
	// party strictly better off if and only if Improvements is not
	// empty: such a package is dominated by, or is, a frontier point
	// that does too. Packages off the frontier that also do are not
	// listed.
	Improvements        []int
	ImprovementPackages *big.Int
}

// Assess assesses pkg.
func (f *Frontier) Assess(pkg Package) (*Assessment, error) {
	pb := f.pb
	if err := pb.checkPackage(pkg); err != nil {
		return nil, err
	}
	u := pb.utilities(pkg)
	a := &Assessment{
		Package:              append(Package(nil), pkg...),
		Utilities:            decs(u),
		IndividuallyRational: true,
		ParetoOptimal:        true,
		ImprovementPackages:  new(big.Int),
	}
	for p, x := range u {
		g := new(big.Int).Sub(x, pb.res[p])
		a.Gains = append(a.Gains, utilDec(g))
		a.IndividuallyRational = a.IndividuallyRational && g.Sign() >= 0
		from := new(big.Int).Sub(pb.best[p], x)
		a.FromBest = append(a.FromBest, utilDec(from))
		share := new(big.Rat)
		if r := new(big.Int).Sub(pb.best[p], pb.worst[p]); r.Sign() > 0 {
			share.SetFrac(from, r)
		}
		a.ShareOfRange = append(a.ShareOfRange, share)
	}
	for i, v := range f.util {
		weakly, strictly, equal := true, true, true
		for p := range v {
			c := v[p].Cmp(u[p])
			weakly = weakly && c >= 0
			strictly = strictly && c > 0
			equal = equal && c == 0
		}
		if weakly && !equal {
			a.ParetoOptimal = false
		}
		if strictly {
			a.Improvements = append(a.Improvements, i)
			a.ImprovementPackages.Add(a.ImprovementPackages, f.dag.counts[i])
		}
	}
	return a, nil
}

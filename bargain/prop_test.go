package bargain

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The oracle: every package enumerated, its utilities computed from the
// decimal strings with big.Rat (in integers of 10^-12, int64 when they fit),
// and each definition applied literally to the whole set of packages.

type oracle struct {
	P, n  int
	radix []int      // options per issue
	small []int64    // n×P utilities in 10^-12, when they all fit in int64
	large []*big.Int // otherwise
	res   []*big.Rat
	resI  []*big.Int // the reservations in 10^-12
	res64 []int64    // the same, when the utilities fit in int64
	front []int      // the packages on the frontier, by index
	onF   map[int]bool
}

var unit = new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil))

func newOracle(t tb, inst *Instance) *oracle {
	t.Helper()
	P := len(inst.Parties)
	or := &oracle{P: P, n: 1, onF: map[int]bool{}}
	// contrib[k][o×P+p] = weight × value, in 10^-12
	contrib := make([][]*big.Int, len(inst.Issues))
	bound := make([]*big.Int, P)
	for p := range bound {
		bound[p] = new(big.Int)
	}
	for k, is := range inst.Issues {
		or.radix = append(or.radix, len(is.Options))
		or.n *= len(is.Options)
		most := make([]*big.Int, P)
		for _, opt := range is.Options {
			for p, pr := range inst.Parties {
				x := new(big.Rat).Mul(ratOf(t, pr.Weights[is.ID].String()), ratOf(t, pr.Values[is.ID][opt].String()))
				x.Mul(x, unit)
				if !x.IsInt() {
					t.Fatalf("oracle: %v is not a whole number of 10^-12", x)
				}
				contrib[k] = append(contrib[k], new(big.Int).Set(x.Num()))
				if a := new(big.Int).Abs(x.Num()); most[p] == nil || a.Cmp(most[p]) > 0 {
					most[p] = a
				}
			}
		}
		for p := range most {
			bound[p].Add(bound[p], most[p])
		}
	}
	fits := true
	for p, pr := range inst.Parties {
		r := ratOf(t, pr.Reservation.String())
		or.res = append(or.res, r)
		ri := new(big.Rat).Mul(r, unit)
		or.resI = append(or.resI, ri.Num())
		b := new(big.Int).Add(bound[p], new(big.Int).Abs(ri.Num()))
		fits = fits && b.IsInt64() && b.Int64() < 1<<62
	}
	if fits {
		or.small = make([]int64, or.n*P)
		for _, r := range or.resI {
			or.res64 = append(or.res64, r.Int64())
		}
		c64 := make([][]int64, len(contrib))
		for k, c := range contrib {
			for _, x := range c {
				c64[k] = append(c64[k], x.Int64())
			}
		}
		for i := range or.n {
			for k, o := range or.pkg(i) {
				for p := range P {
					or.small[i*P+p] += c64[k][o*P+p]
				}
			}
		}
	} else {
		or.large = make([]*big.Int, or.n*P)
		for i := range or.n {
			pkg := or.pkg(i)
			for p := range P {
				sum := new(big.Int)
				for k, o := range pkg {
					sum.Add(sum, contrib[k][o*P+p])
				}
				or.large[i*P+p] = sum
			}
		}
	}
	// The frontier: the packages that no package dominates.
	if or.n <= 3000 {
		for i := range or.n {
			if !or.dominated(i) {
				or.front = append(or.front, i)
			}
		}
	} else {
		// In decreasing lexicographic order, a package can only be
		// dominated by one before it, and then by one kept before it.
		idx := or.all()
		slices.SortStableFunc(idx, func(i, j int) int { return -or.cmpVec(i, j) })
		var kept []int
		for _, i := range idx {
			dom := slices.IndexFunc(kept, func(j int) bool { return or.cmpVec(i, j) != 0 && or.weakly(j, i) })
			if dom < 0 {
				kept = append(kept, i)
				continue
			}
			// Try the dominating one first next time.
			kept[0], kept[dom] = kept[dom], kept[0]
		}
		or.front = kept
		slices.Sort(or.front)
	}
	for _, i := range or.front {
		or.onF[i] = true
	}
	return or
}

func ratOf(t tb, s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("oracle: %q is not a number", s)
	}
	return r
}

// pkg returns package i: the packages are numbered in lexicographic order.
func (or *oracle) pkg(i int) Package {
	pkg := make(Package, len(or.radix))
	for k := len(pkg) - 1; k >= 0; k-- {
		pkg[k] = i % or.radix[k]
		i /= or.radix[k]
	}
	return pkg
}

func (or *oracle) index(pkg Package) int {
	i := 0
	for k, o := range pkg {
		i = i*or.radix[k] + o
	}
	return i
}

func (or *oracle) all() []int {
	idx := make([]int, or.n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// cmp compares party p's utilities of packages i and j.
func (or *oracle) cmp(i, j, p int) int {
	if or.small != nil {
		a, b := or.small[i*or.P+p], or.small[j*or.P+p]
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	return or.large[i*or.P+p].Cmp(or.large[j*or.P+p])
}

func (or *oracle) cmpVec(i, j int) int {
	for p := range or.P {
		if c := or.cmp(i, j, p); c != 0 {
			return c
		}
	}
	return 0
}

// weakly reports that j is at least as good as i for every party.
func (or *oracle) weakly(j, i int) bool {
	for p := range or.P {
		if or.cmp(j, i, p) < 0 {
			return false
		}
	}
	return true
}

func (or *oracle) dominated(i int) bool {
	for j := range or.n {
		if or.weakly(j, i) && or.cmpVec(i, j) != 0 {
			return true
		}
	}
	return false
}

// u returns the utilities of package i as rationals.
func (or *oracle) u(i int) []*big.Rat {
	u := make([]*big.Rat, or.P)
	for p := range u {
		if or.small != nil {
			u[p] = big.NewRat(or.small[i*or.P+p], 1)
		} else {
			u[p] = new(big.Rat).SetInt(or.large[i*or.P+p])
		}
		u[p].Quo(u[p], unit)
	}
	return u
}

func vecKey(u []*big.Rat) string {
	var s []string
	for _, x := range u {
		s = append(s, x.RatString())
	}
	return strings.Join(s, " ")
}

func decKey(u []Dec) string {
	var s []string
	for _, x := range u {
		s = append(s, x.Rat().RatString())
	}
	return strings.Join(s, " ")
}

// vectors returns the distinct vectors of the packages idx, which are in
// increasing order, each with its packages in that order, in decreasing
// lexicographic order of the vectors.
func (or *oracle) vectors(idx []int) (keys []string, packages map[string][]Package) {
	packages = map[string][]Package{}
	first := map[string]int{}
	for _, i := range idx {
		k := vecKey(or.u(i))
		if _, ok := packages[k]; !ok {
			keys = append(keys, k)
			first[k] = i
		}
		packages[k] = append(packages[k], or.pkg(i))
	}
	slices.SortFunc(keys, func(a, b string) int { return -or.cmpVec(first[a], first[b]) })
	return keys, packages
}

// gain sets z to party p's gain of package i over its reservation, in
// 10^-12, and returns it.
func (or *oracle) gain(i, p int, z *big.Int) *big.Int {
	if or.small != nil {
		return z.SetInt64(or.small[i*or.P+p] - or.res64[p])
	}
	return z.Sub(or.large[i*or.P+p], or.resI[p])
}

func (or *oracle) rational(i int) bool {
	var g big.Int
	for p := range or.P {
		if or.gain(i, p, &g).Sign() < 0 {
			return false
		}
	}
	return true
}

// onFrontier keeps the packages of idx that are on the frontier.
func (or *oracle) onFrontier(idx []int) []int {
	var out []int
	for _, i := range idx {
		if or.onF[i] {
			out = append(out, i)
		}
	}
	return out
}

// best returns the packages where score is greatest, and that score as
// num/den; score returns false to leave a package out, and sets num and
// den (den > 0) otherwise.
func (or *oracle) best(score func(i int, num, den *big.Int) bool) ([]int, *big.Rat) {
	var out []int
	var bn, bd, n, d, x, y big.Int
	for i := range or.n {
		if !score(i, &n, &d) {
			continue
		}
		c := 1
		if out != nil {
			c = x.Mul(&n, &bd).Cmp(y.Mul(&bn, &d))
		}
		switch {
		case c > 0:
			bn.Set(&n)
			bd.Set(&d)
			out = []int{i}
		case c == 0:
			out = append(out, i)
		}
	}
	if out == nil {
		return nil, nil
	}
	return out, new(big.Rat).SetFrac(&bn, &bd)
}

// Nash: the greatest product of gains among the packages with all gains
// positive.
func (or *oracle) nash() ([]int, *big.Rat) {
	var g big.Int
	return or.best(func(i int, num, den *big.Int) bool {
		num.SetInt64(1)
		for p := range or.P {
			if or.gain(i, p, &g).Sign() <= 0 {
				return false
			}
			num.Mul(num, &g)
		}
		den.Exp(big.NewInt(10), big.NewInt(int64(12*or.P)), nil)
		return true
	})
}

// ideal returns each party's greatest utility over the individually
// rational packages, in 10^-12, or nil.
func (or *oracle) ideal() []*big.Int {
	var ideal []int
	for i := range or.n {
		if !or.rational(i) {
			continue
		}
		if ideal == nil {
			ideal = make([]int, or.P)
			for p := range ideal {
				ideal[p] = i
			}
		}
		for p := range or.P {
			if or.cmp(i, ideal[p], p) > 0 {
				ideal[p] = i
			}
		}
	}
	if ideal == nil {
		return nil
	}
	out := make([]*big.Int, or.P)
	for p, i := range ideal {
		out[p] = new(big.Int).Add(or.gain(i, p, new(big.Int)), or.resI[p])
	}
	return out
}

// ks: the greatest smallest share (u_i − r_i)/(I_i − r_i), a share being
// 1 where I_i = r_i, over the individually rational packages; then those
// on the frontier.
func (or *oracle) ks() ([]int, *big.Rat) {
	ideal := or.ideal()
	if ideal == nil {
		return nil, nil
	}
	rng := make([]*big.Int, or.P)
	for p := range rng {
		rng[p] = new(big.Int).Sub(ideal[p], or.resI[p])
	}
	var g, x, y big.Int
	idx, v := or.best(func(i int, num, den *big.Int) bool {
		if !or.rational(i) {
			return false
		}
		num.SetInt64(1)
		den.SetInt64(1)
		for p := range or.P {
			if rng[p].Sign() == 0 {
				continue
			}
			or.gain(i, p, &g)
			if x.Mul(&g, den).Cmp(y.Mul(num, rng[p])) < 0 {
				num.Set(&g)
				den.Set(rng[p])
			}
		}
		return true
	})
	return or.onFrontier(idx), v
}

// maximin: the greatest smallest gain over the individually rational
// packages; then those on the frontier.
func (or *oracle) maximin() ([]int, *big.Rat) {
	var g big.Int
	idx, v := or.best(func(i int, num, den *big.Int) bool {
		if !or.rational(i) {
			return false
		}
		for p := range or.P {
			or.gain(i, p, &g)
			if p == 0 || g.Cmp(num) < 0 {
				num.Set(&g)
			}
		}
		den.Exp(big.NewInt(10), big.NewInt(12), nil)
		return true
	})
	return or.onFrontier(idx), v
}

// checkAgainstOracle compares the frontier, the solutions and the
// assessment of some packages with the oracle's.
func checkAgainstOracle(t tb, inst *Instance, lim Limits, assess []Package) {
	t.Helper()
	pb, err := NewProblem(inst)
	if err != nil {
		t.Fatalf("NewProblem: %v", err)
	}
	f, err := pb.Frontier(context.Background(), lim)
	if err != nil {
		t.Fatalf("Frontier: %v", err)
	}
	or := newOracle(t, inst)
	keys, packages := or.vectors(or.front)
	if f.Len() != len(keys) {
		t.Fatalf("%d frontier points, want %d", f.Len(), len(keys))
	}
	total := new(big.Int)
	for i, k := range keys {
		if got := decKey(f.Utilities(i)); got != k {
			t.Fatalf("point %d: utilities %s, want %s", i, got, k)
		}
		want := packages[k]
		if n := f.Count(i); n.Cmp(big.NewInt(int64(len(want)))) != 0 {
			t.Fatalf("point %d (%s): %v packages, want %d", i, k, n, len(want))
		}
		total.Add(total, f.Count(i))
		if got := f.Packages(i, len(want)+1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("point %d (%s): packages %v, want %v", i, k, got, want)
		}
		if len(want) > 1 {
			if got := f.Packages(i, len(want)-1); !slices.EqualFunc(got, want[:len(want)-1], slices.Equal) {
				t.Fatalf("point %d: the first %d packages are %v, want %v", i, len(want)-1, got, want[:len(want)-1])
			}
		}
		rational := or.rational(or.index(want[0]))
		if f.IndividuallyRational(i) != rational {
			t.Fatalf("point %d: individually rational %v, want %v", i, f.IndividuallyRational(i), rational)
		}
	}
	if total.Cmp(f.CountAll()) != 0 || total.Int64() != int64(len(or.front)) {
		t.Fatalf("%v packages on the frontier, want %d", f.CountAll(), len(or.front))
	}
	ideal := or.ideal()
	if got := f.Ideal(); (got == nil) != (ideal == nil) {
		t.Fatalf("ideal %v, want %v", got, ideal)
	}
	for p, x := range ideal {
		if want := new(big.Rat).SetFrac(x, unit.Num()); f.Ideal()[p].Rat().Cmp(want) != 0 {
			t.Fatalf("party %d's ideal is %v, want %v", p, f.Ideal()[p], want)
		}
	}
	for _, s := range []struct {
		name  string
		got   Solution
		want  func() ([]int, *big.Rat)
		scale bool
	}{
		{"nash", f.Nash(), or.nash, false},
		{"kalai_smorodinsky", f.KalaiSmorodinsky(), or.ks, false},
		{"maximin", f.Maximin(), or.maximin, false},
	} {
		idx, v := s.want()
		wantKeys, _ := or.vectors(idx)
		var gotKeys []string
		for _, i := range s.got.Points {
			gotKeys = append(gotKeys, decKey(f.Utilities(i)))
		}
		if !slices.Equal(gotKeys, wantKeys) {
			t.Fatalf("%s: points %q, want %q", s.name, gotKeys, wantKeys)
		}
		if (s.got.Value == nil) != (v == nil) || v != nil && s.got.Value.Cmp(v) != 0 {
			t.Fatalf("%s: value %v, want %v", s.name, s.got.Value, v)
		}
		if (len(idx) == 0) != (s.got.Reason != "") {
			t.Fatalf("%s: reason %q with %d points", s.name, s.got.Reason, len(idx))
		}
	}
	for _, pkg := range assess {
		checkAssessment(t, or, f, pkg)
	}
}

func checkAssessment(t tb, or *oracle, f *Frontier, pkg Package) {
	t.Helper()
	a, err := f.Assess(pkg)
	if err != nil {
		t.Fatalf("Assess(%v): %v", pkg, err)
	}
	j := or.index(pkg)
	u := or.u(j)
	if decKey(a.Utilities) != vecKey(u) {
		t.Fatalf("Assess(%v): utilities %v, want %v", pkg, a.Utilities, u)
	}
	if a.IndividuallyRational != or.rational(j) {
		t.Fatalf("Assess(%v): individually rational %v", pkg, a.IndividuallyRational)
	}
	if a.ParetoOptimal == or.dominated(j) {
		t.Fatalf("Assess(%v): Pareto optimal %v", pkg, a.ParetoOptimal)
	}
	for p := range u {
		bi, wi := 0, 0
		for i := range or.n {
			if or.cmp(i, bi, p) > 0 {
				bi = i
			}
			if or.cmp(i, wi, p) < 0 {
				wi = i
			}
		}
		best, worst := or.u(bi)[p], or.u(wi)[p]
		from := new(big.Rat).Sub(best, u[p])
		if a.FromBest[p].Rat().Cmp(from) != 0 {
			t.Fatalf("Assess(%v): party %d is %v from its best, want %v", pkg, p, a.FromBest[p], from)
		}
		share := new(big.Rat)
		if r := new(big.Rat).Sub(best, worst); r.Sign() != 0 {
			share.Quo(from, r)
		}
		if a.ShareOfRange[p].Cmp(share) != 0 {
			t.Fatalf("Assess(%v): party %d share %v, want %v", pkg, p, a.ShareOfRange[p], share)
		}
	}
	var better []int
	anyBetter := false
	for i := range or.n {
		strictly := true
		for p := range or.P {
			strictly = strictly && or.cmp(i, j, p) > 0
		}
		if strictly {
			anyBetter = true
			if or.onF[i] {
				better = append(better, i)
			}
		}
	}
	wantKeys, _ := or.vectors(better)
	var gotKeys []string
	for _, i := range a.Improvements {
		gotKeys = append(gotKeys, decKey(f.Utilities(i)))
	}
	if !slices.Equal(gotKeys, wantKeys) || a.ImprovementPackages.Int64() != int64(len(better)) {
		t.Fatalf("Assess(%v): improvements %q (%v packages), want %q (%d)", pkg, gotKeys, a.ImprovementPackages, wantKeys, len(better))
	}
	if anyBetter != (len(a.Improvements) > 0) {
		t.Fatalf("Assess(%v): some package is better for all: %v, but %d improvements on the frontier", pkg, anyBetter, len(a.Improvements))
	}
}

// genSpec shapes random instances.
type genSpec struct {
	maxParties, maxIssues, maxOptions int
	maxPackages                       int
}

// decGen draws decimals: from a few values, so that utilities tie
// often, from the six-decimal range, or large, to need wide integers.
func decGen(kind int) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		switch kind {
		case 0:
			return rapid.SampledFrom([]string{"0", "1", "0.5", "0.25", "2", "-0.5", "0.75"}).Draw(t, "coarse")
		case 1:
			n := rapid.Int64Range(-1_000_000, 3_000_000).Draw(t, "fine")
			return MustParseDec(fmt.Sprint(n)).scaledString(6)
		default:
			n := rapid.Int64Range(-999_999_999_999_999_999, 999_999_999_999_999_999).Draw(t, "large")
			frac := rapid.IntRange(0, 999_999).Draw(t, "frac")
			return fmt.Sprintf("%d.%06d", n, frac)
		}
	})
}

// scaledString returns d × 10^-n as a decimal string: the test's way to
// draw a number of micro-units.
func (d Dec) scaledString(n int) string {
	c, _ := d.scaled(0)
	return formatScaled(c, n)
}

func genInstance(spec genSpec) *rapid.Generator[*Instance] {
	return rapid.Custom(func(t *rapid.T) *Instance {
		kind := rapid.SampledFrom([]int{0, 0, 1, 1, 2}).Draw(t, "kind")
		nIssues := rapid.IntRange(1, spec.maxIssues).Draw(t, "issues")
		inst := &Instance{}
		packages := 1
		for k := range nIssues {
			most := min(spec.maxOptions, spec.maxPackages/packages)
			if most < 1 {
				break
			}
			n := rapid.IntRange(1, most).Draw(t, "options")
			packages *= n
			is := Issue{ID: fmt.Sprintf("i%d", k)}
			for o := range n {
				is.Options = append(is.Options, fmt.Sprintf("o%d", o))
			}
			inst.Issues = append(inst.Issues, is)
		}
		nParties := rapid.IntRange(1, spec.maxParties).Draw(t, "parties")
		dec := decGen(kind)
		for p := range nParties {
			pr := Preferences{Party: fmt.Sprintf("p%d", p), Weights: map[string]Dec{}, Values: map[string]map[string]Dec{}}
			for _, is := range inst.Issues {
				pr.Weights[is.ID] = MustParseDec(dec.Draw(t, "weight"))
				pr.Values[is.ID] = map[string]Dec{}
				for _, o := range is.Options {
					pr.Values[is.ID][o] = MustParseDec(dec.Draw(t, "value"))
				}
			}
			pr.Reservation = MustParseDec(dec.Draw(t, "reservation"))
			if kind < 2 && rapid.Bool().Draw(t, "product-scale reservation") {
				// Reservations of the scale of the utilities, so that
				// some packages are individually rational and some not.
				pr.Reservation = MustParseDec(rapid.SampledFrom([]string{"0", "0.5", "1", "1.5", "-1"}).Draw(t, "reservation"))
			}
			inst.Parties = append(inst.Parties, pr)
		}
		return inst
	})
}

func genPackage(inst *Instance) *rapid.Generator[Package] {
	return rapid.Custom(func(t *rapid.T) Package {
		pkg := make(Package, len(inst.Issues))
		for k, is := range inst.Issues {
			pkg[k] = rapid.IntRange(0, len(is.Options)-1).Draw(t, "option")
		}
		return pkg
	})
}

// TestFrontierMatchesEnumeration compares the frontier, the three
// solutions and assessments with the enumeration of every package, on
// random instances of up to 5 parties and 1,500 packages, in both widths of
// integers.
func TestFrontierMatchesEnumeration(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		inst := genInstance(genSpec{maxParties: 5, maxIssues: 6, maxOptions: 5, maxPackages: 1500}).Draw(t, "instance")
		pkgs := rapid.SliceOfN(genPackage(inst), 1, 3).Draw(t, "assess")
		wide := rapid.Bool().Draw(t, "wide")
		checkAgainstOracle(t, inst, Limits{forceWide: wide}, pkgs)
	})
}

// TestFrontierMatchesEnumerationLarge does the same on a few generated
// instances of a quarter of a million to a million packages.
func TestFrontierMatchesEnumerationLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("enumerates up to a million packages")
	}
	for seed, spec := range []GenSpec{
		{Parties: 2, Issues: 6, Options: 10},                         // 10^6 packages
		{Parties: 2, Issues: 6, Options: 10, Values: AntiCorrelated}, // 10^6
		{Parties: 3, Issues: 8, Options: 5},                          // 390,625
		{Parties: 3, Issues: 12, Options: 3, Levels: 3},              // 531,441, with ties
		{Parties: 4, Issues: 9, Options: 4, Values: Correlated},      // 262,144
	} {
		inst := Generate(spec, uint64(seed))
		t.Run(fmt.Sprintf("%+v", spec), func(t *testing.T) {
			pkgs := []Package{make(Package, spec.Issues), make(Package, spec.Issues)}
			for k := range pkgs[1] {
				pkgs[1][k] = (k * 7) % spec.Options
			}
			checkAgainstOracle(t, inst, Limits{}, pkgs)
		})
	}
}

// tb is what the checks need of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

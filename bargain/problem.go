package bargain

import (
	"context"
	"math/big"
	"slices"

	"github.com/parleyhq/parley"
)

// utilScale is the number of decimals of a utility: a weight's six
// times a value's six.
const utilScale = 2 * MaxDecimals

// A Problem is a checked instance with every weight × value computed
// exactly, ready for the frontier and the assessment of packages.
type Problem struct {
	issues  []Issue
	parties []string
	res     []*big.Int   // each party's reservation, in units of 10^-12
	contrib [][]*big.Int // per issue, option by option, what each party's utility gets, in 10^-12
	best    []*big.Int   // each party's greatest utility over all packages
	worst   []*big.Int   // and its least
	wide    bool         // the frontier needs four-word integers
}

// NewProblem validates inst and prepares it. The problem keeps no
// reference to inst.
func NewProblem(inst *Instance) (*Problem, error) {
	if err := inst.Validate(); err != nil {
		return nil, err
	}
	P := len(inst.Parties)
	pb := &Problem{
		issues:  make([]Issue, len(inst.Issues)),
		parties: make([]string, P),
		res:     make([]*big.Int, P),
		contrib: make([][]*big.Int, len(inst.Issues)),
		best:    make([]*big.Int, P),
		worst:   make([]*big.Int, P),
	}
	for k, is := range inst.Issues {
		pb.issues[k] = Issue{ID: is.ID, Options: slices.Clone(is.Options)}
	}
	bound := make([]*big.Int, P) // Σ over the issues of the largest |contribution|
	for p, pr := range inst.Parties {
		pb.parties[p] = pr.Party
		pb.res[p], _ = pr.Reservation.scaled(utilScale)
		pb.best[p], pb.worst[p], bound[p] = new(big.Int), new(big.Int), new(big.Int)
	}
	for k, is := range inst.Issues {
		c := make([]*big.Int, len(is.Options)*P)
		for p, pr := range inst.Parties {
			w, _ := pr.Weights[is.ID].scaled(MaxDecimals)
			var hi, lo, mag *big.Int
			for o, opt := range is.Options {
				v, _ := pr.Values[is.ID][opt].scaled(MaxDecimals)
				x := new(big.Int).Mul(w, v)
				c[o*P+p] = x
				if hi == nil || x.Cmp(hi) > 0 {
					hi = x
				}
				if lo == nil || x.Cmp(lo) < 0 {
					lo = x
				}
				if a := new(big.Int).Abs(x); mag == nil || a.Cmp(mag) > 0 {
					mag = a
				}
			}
			pb.best[p].Add(pb.best[p], hi)
			pb.worst[p].Add(pb.worst[p], lo)
			bound[p].Add(bound[p], mag)
		}
		pb.contrib[k] = c
	}
	limit := new(big.Int).Lsh(big.NewInt(1), 62)
	for p := range bound {
		// Partial sums stay within bound; gains within bound + |r|.
		if new(big.Int).Add(bound[p], new(big.Int).Abs(pb.res[p])).Cmp(limit) >= 0 {
			pb.wide = true
		}
	}
	return pb, nil
}

// Issues returns the issues, which the caller must not modify.
func (pb *Problem) Issues() []Issue { return pb.issues }

// Parties returns the parties' IDs in the order of every per-party slice
// of this package, which the caller must not modify.
func (pb *Problem) Parties() []string { return pb.parties }

func utilDec(x *big.Int) Dec { return newDec(new(big.Int).Set(x), utilScale) }

// Reservation returns party p's reservation.
func (pb *Problem) Reservation(p int) Dec { return utilDec(pb.res[p]) }

// Best returns party p's greatest utility over all packages.
func (pb *Problem) Best(p int) Dec { return utilDec(pb.best[p]) }

// Worst returns party p's least utility over all packages.
func (pb *Problem) Worst(p int) Dec { return utilDec(pb.worst[p]) }

// utilities returns the utilities of pkg, in 10^-12, which must choose a
// valid option for every issue.
func (pb *Problem) utilities(pkg Package) []*big.Int {
	P := len(pb.parties)
	u := make([]*big.Int, P)
	for p := range u {
		u[p] = new(big.Int)
		for k, o := range pkg {
			u[p].Add(u[p], pb.contrib[k][o*P+p])
		}
	}
	return u
}

// Utilities returns every party's utility of pkg, exactly.
func (pb *Problem) Utilities(pkg Package) ([]Dec, error) {
	if err := pb.checkPackage(pkg); err != nil {
		return nil, err
	}
	return decs(pb.utilities(pkg)), nil
}

func decs(xs []*big.Int) []Dec {
	out := make([]Dec, len(xs))
	for i, x := range xs {
		out[i] = utilDec(x)
	}
	return out
}

// checkPackage refuses a package that does not choose one of its options
// for every issue of pb, such as one made for other issues.
func (pb *Problem) checkPackage(pkg Package) error {
	if len(pkg) != len(pb.issues) {
		return parley.Errorf(parley.EINVALID, "the package chooses options for %d issues, not the %d of the problem", len(pkg), len(pb.issues))
	}
	for k, o := range pkg {
		if o < 0 || o >= len(pb.issues[k].Options) {
			return parley.Errorf(parley.EINVALID, "the package chooses option %d of issue %q, which has %d", o, pb.issues[k].ID, len(pb.issues[k].Options))
		}
	}
	return nil
}

// Limits bound the computation of a frontier.
type Limits struct {
	// MaxPoints is the most vectors the frontier of the first issues may
	// have at any step; beyond it Frontier fails with parley.ETOOLARGE
	// rather than answer inexactly. 0 means DefaultMaxPoints.
	MaxPoints int

	forceWide bool // compute with four-word integers (for tests)
}

// DefaultMaxPoints is the default of Limits.MaxPoints: about 100 MB of
// memory for two parties and ten options per issue.
const DefaultMaxPoints = 1_000_000

// Frontier computes the exact Pareto frontier of all packages. It fails
// with parley.ETOOLARGE when a partial frontier grows past
// lim.MaxPoints, and with ctx's error when ctx ends first.
func (pb *Problem) Frontier(ctx context.Context, lim Limits) (*Frontier, error) {
	if lim.MaxPoints <= 0 {
		lim.MaxPoints = DefaultMaxPoints
	}
	var (
		d    *dag
		util [][]*big.Int
		err  error
	)
	if pb.wide || lim.forceWide {
		d, util, err = frontierOf[w4](ctx, pb, lim.MaxPoints)
	} else {
		d, util, err = frontierOf[w1](ctx, pb, lim.MaxPoints)
	}
	if err != nil {
		return nil, err
	}
	return newFrontier(pb, d, util), nil
}

func frontierOf[T word](ctx context.Context, pb *Problem, maxPoints int) (*dag, [][]*big.Int, error) {
	P := len(pb.parties)
	contrib := make([][]T, len(pb.contrib))
	for k, c := range pb.contrib {
		contrib[k] = make([]T, len(c))
		for i, x := range c {
			contrib[k][i] = wfromBig[T](x)
		}
	}
	d, final, err := build(ctx, contrib, P, maxPoints)
	if err != nil {
		return nil, nil, err
	}
	util := make([][]*big.Int, len(final)/P)
	for i := range util {
		util[i] = make([]*big.Int, P)
		for p := range P {
			util[i][p] = wtoBig(final[i*P+p], new(big.Int))
		}
	}
	return d, util, nil
}

package bargain

import (
	"encoding/json"
	"errors"
	"io"
	"math/big"
)

// DefaultMaxTies is the default of ResultOptions.MaxTies.
const DefaultMaxTies = 100

// ResultOptions say what a Result holds.
type ResultOptions struct {
	// MaxTies is the most packages listed for one utility vector; the
	// others are counted, and Result.Truncated says that some were left
	// out. 0 means DefaultMaxTies.
	MaxTies int
	// Current and Proposal, when not nil, are assessed.
	Current, Proposal Package
}

// A Result is the output of `parley packages` (docs/PACKAGES.md): the
// frontier and the three solutions as lists of packages with their
// utilities, the values the solutions reach, each party's bounds, and
// the assessments asked for.
type Result struct {
	Parties          []string `json:"parties"`
	Frontier         []Entry  `json:"frontier"`
	Nash             []Entry  `json:"nash"`
	KalaiSmorodinsky []Entry  `json:"kalai_smorodinsky"`
	Maximin          []Entry  `json:"maximin"`
	// SolutionValues holds nash_product, kalai_smorodinsky_share and
	// maximin_gain, for the solutions that are not empty.
	SolutionValues Ordered[string] `json:"solution_values"`
	// Reasons says, for each empty solution, why it is empty.
	Reasons Ordered[string]      `json:"reasons,omitempty"`
	Bounds  Ordered[PartyBounds] `json:"bounds"`
	Points  int                  `json:"points"`   // frontier vectors
	Count   string               `json:"packages"` // frontier packages
	// Truncated says that some vector's packages were not all listed,
	// in any list of the result; MaxTies is the cap that applied.
	Truncated bool      `json:"truncated"`
	MaxTies   int       `json:"max_ties"`
	Current   *Assessed `json:"current,omitempty"`
	Proposal  *Assessed `json:"proposal,omitempty"`
}

// An Entry is one package with every party's utility of it. Point is the
// index of its utility vector in the frontier, which tied packages share;
// Ties, when the vector has more than one package, is how many it has.
type Entry struct {
	Package              Ordered[string] `json:"package"`
	Utilities            Ordered[string] `json:"utilities"`
	IndividuallyRational bool            `json:"individually_rational"`
	Point                int             `json:"point"`
	Ties                 string          `json:"ties,omitempty"`
}

// PartyBounds are one party's reservation, its worst and best utilities
// over all packages, and its ideal, the best over the individually
// rational packages (absent when there is none).
type PartyBounds struct {
	Reservation string `json:"reservation"`
	Worst       string `json:"worst"`
	Best        string `json:"best"`
	Ideal       string `json:"ideal,omitempty"`
}

// Assessed is an Assessment as the result shows it.
type Assessed struct {
	Package              Ordered[string] `json:"package"`
	Utilities            Ordered[string] `json:"utilities"`
	Gains                Ordered[string] `json:"gains"`
	IndividuallyRational bool            `json:"individually_rational"`
	ParetoOptimal        bool            `json:"pareto_optimal"`
	FromBest             Ordered[string] `json:"from_best"`
	ShareOfRange         Ordered[string] `json:"share_of_range"`
	Improvements         []Entry         `json:"improvements"`
	ImprovementPoints    int             `json:"improvement_points"`
	ImprovementPackages  string          `json:"improvement_packages"`
}

// Ordered is a JSON object whose members keep their order.
type Ordered[V any] []Member[V]

// A Member is one member of an Ordered object.
type Member[V any] struct {
	Name  string
	Value V
}

// MarshalJSON writes o as an object, its members in order.
func (o Ordered[V]) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, m.Name)
		b = append(b, ':')
		if s, ok := any(m.Value).(string); ok {
			b = appendJSONString(b, s)
			continue
		}
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string, as json.Marshal would.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Get returns the value of the member named name.
func (o Ordered[V]) Get(name string) (V, bool) {
	for _, m := range o {
		if m.Name == name {
			return m.Value, true
		}
	}
	var zero V
	return zero, false
}

// Result returns f with its solutions in the form of `parley packages`.
func (f *Frontier) Result(o ResultOptions) (*Result, error) {
	if o.MaxTies <= 0 {
		o.MaxTies = DefaultMaxTies
	}
	pb := f.pb
	r := &Result{
		Parties: pb.parties,
		Points:  f.Len(),
		Count:   f.CountAll().String(),
		MaxTies: o.MaxTies,
	}
	entries := func(points []int) []Entry {
		out := []Entry{}
		for _, i := range points {
			n := f.dag.counts[i]
			ties := ""
			if n.Cmp(big.NewInt(1)) > 0 {
				ties = n.String()
			}
			pkgs := f.Packages(i, o.MaxTies)
			if big.NewInt(int64(len(pkgs))).Cmp(n) < 0 {
				r.Truncated = true
			}
			for _, pkg := range pkgs {
				out = append(out, Entry{
					Package:              f.pb.packageJSON(pkg),
					Utilities:            f.pb.partyJSON(f.Utilities(i)),
					IndividuallyRational: f.ir[i],
					Point:                i,
					Ties:                 ties,
				})
			}
		}
		return out
	}
	all := make([]int, f.Len())
	for i := range all {
		all[i] = i
	}
	r.Frontier = entries(all)
	for _, sol := range []struct {
		name, value string
		s           Solution
		to          *[]Entry
		text        func(*big.Rat) string
	}{
		{"nash", "nash_product", f.Nash(), &r.Nash, FormatRat},
		{"kalai_smorodinsky", "kalai_smorodinsky_share", f.KalaiSmorodinsky(), &r.KalaiSmorodinsky, FormatRat},
		{"maximin", "maximin_gain", f.Maximin(), &r.Maximin, FormatRat},
	} {
		*sol.to = entries(sol.s.Points)
		if sol.s.Reason != "" {
			r.Reasons = append(r.Reasons, Member[string]{sol.name, sol.s.Reason})
			continue
		}
		r.SolutionValues = append(r.SolutionValues, Member[string]{sol.value, sol.text(sol.s.Value)})
	}
	ideal := f.Ideal()
	for p, id := range pb.parties {
		b := PartyBounds{
			Reservation: pb.Reservation(p).String(),
			Worst:       pb.Worst(p).String(),
			Best:        pb.Best(p).String(),
		}
		if ideal != nil {
			b.Ideal = ideal[p].String()
		}
		r.Bounds = append(r.Bounds, Member[PartyBounds]{id, b})
	}
	for _, a := range []struct {
		pkg Package
		to  **Assessed
	}{{o.Current, &r.Current}, {o.Proposal, &r.Proposal}} {
		if a.pkg == nil {
			continue
		}
		as, err := f.Assess(a.pkg)
		if err != nil {
			return nil, err
		}
		shares := make([]string, len(as.ShareOfRange))
		for p, s := range as.ShareOfRange {
			shares[p] = FormatRat(s)
		}
		*a.to = &Assessed{
			Package:              pb.packageJSON(as.Package),
			Utilities:            pb.partyJSON(as.Utilities),
			Gains:                pb.partyJSON(as.Gains),
			IndividuallyRational: as.IndividuallyRational,
			ParetoOptimal:        as.ParetoOptimal,
			FromBest:             pb.partyJSON(as.FromBest),
			ShareOfRange:         partyStrings(pb.parties, shares),
			Improvements:         entries(as.Improvements),
			ImprovementPoints:    len(as.Improvements),
			ImprovementPackages:  as.ImprovementPackages.String(),
		}
	}
	return r, nil
}

func (pb *Problem) packageJSON(pkg Package) Ordered[string] {
	o := make(Ordered[string], len(pkg))
	for k, opt := range pkg {
		o[k] = Member[string]{pb.issues[k].ID, pb.issues[k].Options[opt]}
	}
	return o
}

func (pb *Problem) partyJSON(ds []Dec) Ordered[string] {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return partyStrings(pb.parties, s)
}

func partyStrings(parties, s []string) Ordered[string] {
	o := make(Ordered[string], len(s))
	for p, v := range s {
		o[p] = Member[string]{parties[p], v}
	}
	return o
}

// Write writes r as JSON followed by a newline: on one line if compact,
// and otherwise laid out for reading, one package per line: an object or
// array is written on one line when it holds no object or array, or when
// it is an element of an array, and with one member or element per line
// otherwise.
func (r *Result) Write(w io.Writer, compact bool) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if !compact {
		if b, err = layout(b); err != nil {
			return err
		}
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// layout lays out the compact JSON b (as json.Marshal writes it: no
// white space) for reading, by the rule of Result.Write. A first pass
// finds the depth of every object and array, a second writes.
func layout(b []byte) ([]byte, error) {
	// depth[n] is the depth of the n-th object or array to open: 1 if it
	// holds none, more otherwise.
	var depth []int32
	var open []int // the open containers, by number
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			i = endOfString(b, i)
		case '{', '[':
			open = append(open, len(depth))
			depth = append(depth, 1)
		case '}', ']':
			n := open[len(open)-1]
			open = open[:len(open)-1]
			if len(open) > 0 {
				p := open[len(open)-1]
				depth[p] = max(depth[p], depth[n]+1)
			}
		}
	}
	type frame struct {
		oneLine, array bool
	}
	out := make([]byte, 0, len(b)+len(b)/4)
	var stack []frame
	newline := func() {
		out = append(out, '\n')
		for range stack {
			out = append(out, ' ', ' ')
		}
	}
	opened := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '"':
			j := endOfString(b, i)
			out = append(out, b[i:j+1]...)
			i = j
		case '{', '[':
			inArray := len(stack) > 0 && (stack[len(stack)-1].array || stack[len(stack)-1].oneLine)
			f := frame{oneLine: inArray || depth[opened] <= 1, array: c == '['}
			opened++
			out = append(out, c)
			if i+1 < len(b) && (b[i+1] == '}' || b[i+1] == ']') {
				out = append(out, b[i+1])
				i++
				continue
			}
			stack = append(stack, f)
			if !f.oneLine {
				newline()
			}
		case '}', ']':
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !f.oneLine {
				newline()
			}
			out = append(out, c)
		case ',':
			out = append(out, ',')
			if stack[len(stack)-1].oneLine {
				out = append(out, ' ')
			} else {
				newline()
			}
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	if len(stack) != 0 {
		return nil, errors.New("bargain: unbalanced JSON")
	}
	return out, nil
}

// endOfString returns the index of the quote that closes the string
// opening at b[i].
func endOfString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b)
}

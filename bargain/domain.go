package bargain

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/parleyhq/parley"
)

// Limits on an instance. Beyond them it is refused whole, before any
// computation.
const (
	MaxIssues    = 1000
	MaxOptions   = 1000 // per issue
	MaxParties   = 100
	MaxInputSize = 16 << 20 // bytes of JSON
)

// An Issue is one question to settle, with the options it can be settled
// by. IDs are parley IDs ([A-Za-z0-9_.:-]+, at most parley.MaxIDLength
// bytes); the order of the options is the order packages are listed in.
type Issue struct {
	ID      string   `json:"id"`
	Options []string `json:"options"`
}

// Preferences are one party's linear additive preferences: a weight per
// issue, a value per option of each issue, and the value of no agreement
// (its reservation). The party's utility of a package is the sum over the
// issues of the issue's weight times the value of the option the package
// chooses for it.
type Preferences struct {
	Party       string                    `json:"id"`
	Weights     map[string]Dec            `json:"weights"`
	Values      map[string]map[string]Dec `json:"values"`
	Reservation Dec                       `json:"reservation"`
}

// An Instance is what the computation starts from: the issues and every
// party's preferences. Its JSON form is the input of `parley packages`
// (docs/PACKAGES.md).
type Instance struct {
	Issues  []Issue       `json:"issues"`
	Parties []Preferences `json:"parties"`
}

// inField returns err, a *parley.Error, as an error in field, keeping its
// code.
func inField(field string, err error) error {
	return parley.Wrapf(parley.ErrorCode(err), "%s: %s", err, fieldArg(field))
}

// rootField names the instance itself as a field.
const rootField = "the instance"

// fieldArg is a field as an argument of an error: the instance itself is
// named in the reader's language.
func fieldArg(field string) any {
	if field == rootField {
		return parley.Key("the instance")
	}
	return field
}

// CheckIssues checks a list of issues and returns an *parley.Error naming
// the first offending field below field, such as "issues[2].options[1]".
// Two IDs that differ only in case are refused as repeated: they would be
// keys of one JSON object in the preferences, which parley.CheckJSON
// refuses.
func CheckIssues(issues []Issue, field string) error {
	if len(issues) == 0 {
		return inField(field, parley.Errorf(parley.EINVALID, "no issues; give at least one issue with its options"))
	}
	if len(issues) > MaxIssues {
		return parley.Errorf(parley.ETOOLARGE, "%s: %d issues; give at most %d", field, len(issues), MaxIssues)
	}
	seen := map[string]int{}
	for k, is := range issues {
		f := fmt.Sprintf("%s[%d]", field, k)
		if err := checkID(f+".id", is.ID, "issue"); err != nil {
			return err
		}
		if j, ok := seen[strings.ToLower(is.ID)]; ok {
			return inField(f+".id", parley.Errorf(parley.EINVALID, "%q names the issue already given as %s[%d] (%q); give each issue once, with all its options", is.ID, field, j, issues[j].ID))
		}
		seen[strings.ToLower(is.ID)] = k
		if len(is.Options) == 0 {
			return inField(f+".options", parley.Errorf(parley.EINVALID, "issue %q has no options; give at least one", is.ID))
		}
		if len(is.Options) > MaxOptions {
			return parley.Errorf(parley.ETOOLARGE, "%s.options: %d options; give at most %d", f, len(is.Options), MaxOptions)
		}
		opts := map[string]int{}
		for i, o := range is.Options {
			fo := fmt.Sprintf("%s.options[%d]", f, i)
			if err := checkID(fo, o, "option"); err != nil {
				return err
			}
			if j, ok := opts[strings.ToLower(o)]; ok {
				return inField(fo, parley.Errorf(parley.EINVALID, "%q repeats option %q of issue %q (options[%d]); give each option once", o, is.Options[j], is.ID, j))
			}
			opts[strings.ToLower(o)] = i
		}
	}
	return nil
}

func checkID(field, id, what string) error {
	if id == "" {
		switch what {
		case "issue":
			return inField(field, parley.Errorf(parley.EINVALID, "missing; give the issue an ID, such as %q", "tranches"))
		case "option":
			return inField(field, parley.Errorf(parley.EINVALID, "missing; give the option an ID, such as %q", "2"))
		}
		return inField(field, parley.Errorf(parley.EINVALID, "missing; give the party an ID, such as %q", "gov"))
	}
	if !parley.ValidID(id) {
		return inField(field, parley.Errorf(parley.EINVALID, "%s is not a valid ID; use letters, digits and _.:- (at most %d bytes)", quote(id), parley.MaxIDLength))
	}
	return nil
}

// Check checks p against the issues, which CheckIssues accepts, and
// returns an *parley.Error naming the first offending field below field,
// such as "parties[1].values.tranches". Every issue needs a weight, every
// option a value, and the party a reservation; every number at most
// MaxDecimals decimals and MaxIntegerDigits digits before the point.
func (p *Preferences) Check(issues []Issue, field string) error {
	if err := checkID(field+".id", p.Party, "party"); err != nil {
		return err
	}
	byID := map[string]*Issue{}
	var ids []string
	for k := range issues {
		byID[issues[k].ID] = &issues[k]
		ids = append(ids, issues[k].ID)
	}
	if p.Weights == nil {
		return inField(field+".weights", parley.Errorf(parley.EINVALID, "missing; give a weight for each issue (%s)", list(ids)))
	}
	if p.Values == nil {
		return inField(field+".values", parley.Errorf(parley.EINVALID, "missing; give for each issue (%s) a value for each of its options", list(ids)))
	}
	for _, id := range sortedKeys(p.Weights) {
		if byID[id] == nil {
			return inField(field+".weights."+id, parley.Errorf(parley.EINVALID, "there is no issue %q; the issues are %s", id, list(ids)))
		}
	}
	for _, id := range sortedKeys(p.Values) {
		if byID[id] == nil {
			return inField(field+".values."+id, parley.Errorf(parley.EINVALID, "there is no issue %q; the issues are %s", id, list(ids)))
		}
	}
	for _, is := range issues {
		w, ok := p.Weights[is.ID]
		if !ok {
			return inField(field+".weights", parley.Errorf(parley.EINVALID, "issue %q has no weight; give a weight for every issue (0 if it does not matter to the party)", is.ID))
		}
		if err := w.checkInput(); err != nil {
			return inField(field+".weights."+is.ID, err)
		}
		vals, ok := p.Values[is.ID]
		if !ok || vals == nil {
			return inField(field+".values", parley.Errorf(parley.EINVALID, "issue %q has no values; give a value for each of its options (%s)", is.ID, list(is.Options)))
		}
		for _, o := range sortedKeys(vals) {
			if !slices.Contains(is.Options, o) {
				return inField(field+".values."+is.ID+"."+o, parley.Errorf(parley.EINVALID, "issue %q has no option %q; its options are %s", is.ID, o, list(is.Options)))
			}
		}
		for _, o := range is.Options {
			v, ok := vals[o]
			if !ok {
				return inField(field+".values."+is.ID, parley.Errorf(parley.EINVALID, "option %q has no value; give a value for every option of the issue", o))
			}
			if err := v.checkInput(); err != nil {
				return inField(field+".values."+is.ID+"."+o, err)
			}
		}
	}
	if err := p.Reservation.checkInput(); err != nil {
		return inField(field+".reservation", err)
	}
	return nil
}

// Validate checks the instance and returns an *parley.Error naming the
// first offending field, such as "parties[1].values.tranches".
func (inst *Instance) Validate() error {
	if err := CheckIssues(inst.Issues, "issues"); err != nil {
		return err
	}
	if len(inst.Parties) == 0 {
		return inField("parties", parley.Errorf(parley.EINVALID, "no parties; give at least one party's preferences"))
	}
	if len(inst.Parties) > MaxParties {
		return parley.Errorf(parley.ETOOLARGE, "parties: %d parties; give at most %d", len(inst.Parties), MaxParties)
	}
	seen := map[string]int{}
	for k := range inst.Parties {
		p := &inst.Parties[k]
		f := fmt.Sprintf("parties[%d]", k)
		if err := p.Check(inst.Issues, f); err != nil {
			return err
		}
		if j, ok := seen[strings.ToLower(p.Party)]; ok {
			return inField(f+".id", parley.Errorf(parley.EINVALID, "%q names the party already given as parties[%d] (%q); give each party once", p.Party, j, inst.Parties[j].Party))
		}
		seen[strings.ToLower(p.Party)] = k
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// list names up to ten IDs for a message.
func list(ids []string) any {
	if len(ids) > 10 {
		return parley.Key("%s and %d more", strings.Join(ids[:10], ", "), len(ids)-10)
	}
	return strings.Join(ids, ", ")
}

// A Package chooses one option for every issue: Package[k] is the index
// of the option chosen for issue k, in the order of the issues and of
// their options.
type Package []int

// PackageOf returns the package that chooses, for every issue, the option
// m names, and an *parley.Error naming field if m leaves an issue out,
// names an issue that does not exist or an option the issue lacks.
func PackageOf(issues []Issue, m map[string]string, field string) (Package, error) {
	var ids []string
	for _, is := range issues {
		ids = append(ids, is.ID)
	}
	for _, id := range sortedKeys(m) {
		if !slices.ContainsFunc(issues, func(is Issue) bool { return is.ID == id }) {
			return nil, inField(field+"."+id, parley.Errorf(parley.EINVALID, "there is no issue %q; the issues are %s", id, list(ids)))
		}
	}
	pkg := make(Package, len(issues))
	for k, is := range issues {
		o, ok := m[is.ID]
		if !ok {
			return nil, inField(field, parley.Errorf(parley.EINVALID, "issue %q has no option; a package chooses one option for every issue (%s)", is.ID, list(is.Options)))
		}
		pkg[k] = slices.Index(is.Options, o)
		if pkg[k] < 0 {
			return nil, inField(field+"."+is.ID, parley.Errorf(parley.EINVALID, "issue %q has no option %q; its options are %s", is.ID, o, list(is.Options)))
		}
	}
	return pkg, nil
}

// Map returns the package as issue ID → option ID.
func (pkg Package) Map(issues []Issue) map[string]string {
	m := make(map[string]string, len(issues))
	for k, is := range issues {
		m[is.ID] = is.Options[pkg[k]]
	}
	return m
}

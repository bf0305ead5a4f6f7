// Package bargain computes, exactly, what the parties' private
// preferences over the options of several issues allow: the Pareto
// frontier over all packages, the Nash, Kalai–Smorodinsky and maximin
// packages, the packages that would make every party better off than a
// current one, and how far each party is from its best in a proposed one.
//
// Preferences are linear additive: a party gives a weight per issue, a
// value per option and the value of no agreement (its reservation), each a
// decimal with at most six decimals; its utility of a package is the sum
// over the issues of weight × value, an exact decimal of at most twelve
// decimals. Nothing is computed in floating point, and ties are kept: every
// package achieving a frontier vector is counted, and listed on demand.
//
// The use is in three steps:
//
//	inst, err := bargain.ReadInstance(r)      // or build an Instance, then Validate
//	pb, err := bargain.NewProblem(inst)
//	f, err := pb.Frontier(ctx, bargain.Limits{})
//	f.Nash(); f.KalaiSmorodinsky(); f.Maximin(); f.Assess(pkg)
//	res, err := f.Result(bargain.ResultOptions{})  // the JSON of `parley packages`
//
// The pieces a record of sealed preferences needs are separate: CheckIssues
// and DecodeIssues for a mediator's issues, Preferences.Check and
// DecodePreferences for one party's preferences against them, and
// PackageOf and DecodePackage for a package. Every error is a
// *parley.Error naming the field, such as
// "parties[1].values.tranches: option "3" has no value; …".
//
// docs/PACKAGES.md describes the format, the definitions and their
// sources, how the frontier is computed and where it stops being
// affordable.
package bargain

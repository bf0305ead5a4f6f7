// Package measures is the model of measures carried out: the plan of a
// confidence-building measure as sequenced and reciprocal steps, each
// obliging one party and verified by a neutral; the parties' reports and
// the verifiers' findings; and, computed from them as of any point of the
// record, each step's status, who must move next for each measure and
// since when, each party's record, and the steps done, which conditions
// name as done(STEP).
//
// It does no I/O and depends on the root package only. A Book applies the
// acts in log order (Check, Apply) and is told when a measure is agreed
// (SetAgreed); package state keeps one beside the rest of the talks, and
// the agreement engine reads Done for the done(STEP) atoms.
// docs/MEASURES.md describes the model, the statuses and the payloads of
// the acts.
package measures

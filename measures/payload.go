package measures

import (
	"time"

	"github.com/parleyhq/parley"
)

// The kinds of event of measures carried out. Their payloads are types of
// the root package, in its table of kinds (parley.PlanMeasure,
// parley.ReportStep, parley.VerifyStep); docs/MEASURES.md gives who may
// sign each and what it shows.
const (
	KindPlanMeasure = parley.KindPlanMeasure // PlanMeasure; a mediator
	KindReportStep  = parley.KindReportStep  // ReportStep; the head or a delegate of the step's obliged party
	KindVerifyStep  = parley.KindVerifyStep  // VerifyStep; the step's verifier
)

// Verdicts of a verifier.
const (
	Confirmed = parley.VerdictConfirmed // the step was done as reported, in full
	Partial   = parley.VerdictPartial   // the step was done in part: Quantity of the planned quantity
	Disputed  = parley.VerdictDisputed  // the report is not borne out; Reason says why
)

// Limits on plans, reports and verifications.
const (
	MaxSteps    = parley.MaxPlanSteps    // steps in one plan
	MaxAction   = parley.MaxStepAction   // bytes of a step's action
	MaxUnit     = parley.MaxStepUnit     // bytes of a step's unit
	MaxQuantity = parley.MaxStepQuantity // a step's quantity, reported or verified
	MaxDue      = parley.MaxStepDue      // bytes of a due time
	MaxAnnex    = parley.MaxAnnex        // bytes of a sealed annex
)

// The payloads, as the root package's table of kinds decodes them.
type (
	// PlanMeasure tables a version of a measure's plan.
	PlanMeasure = parley.PlanMeasure
	// Step is one act a party is obliged to carry out under a measure.
	Step = parley.Step
	// ReportStep reports a step done by its obliged party.
	ReportStep = parley.ReportStep
	// VerifyStep is a verifier's finding on a report.
	VerifyStep = parley.VerifyStep
)

// DecodePlan decodes the payload of a measure.plan event strictly
// (parley.DecodeStrict) and checks it on its own (PlanMeasure.Check).
func DecodePlan(b []byte) (*PlanMeasure, error) {
	var p PlanMeasure
	if err := decode(KindPlanMeasure, b, &p); err != nil {
		return nil, err
	}
	for i := range p.Steps { // an empty list is no list
		s := &p.Steps[i]
		if len(s.After) == 0 {
			s.After = nil
		}
		if len(s.Together) == 0 {
			s.Together = nil
		}
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return &p, nil
}

// DecodeReport decodes the payload of a step.report event strictly and
// checks it on its own.
func DecodeReport(b []byte) (*ReportStep, error) {
	var r ReportStep
	if err := decode(KindReportStep, b, &r); err != nil {
		return nil, err
	}
	if err := r.Check(); err != nil {
		return nil, err
	}
	return &r, nil
}

// DecodeVerification decodes the payload of a step.verify event strictly
// and checks it on its own.
func DecodeVerification(b []byte) (*VerifyStep, error) {
	var v VerifyStep
	if err := decode(KindVerifyStep, b, &v); err != nil {
		return nil, err
	}
	if err := v.Check(); err != nil {
		return nil, err
	}
	return &v, nil
}

func decode(kind string, b []byte, v any) error {
	if len(b) == 0 || b[0] != '{' {
		return parley.Errorf(parley.EINVALID, "payload of %s: want a JSON object", kind)
	}
	if err := parley.DecodeStrict(b, v); err != nil {
		return parley.Wrapf(parley.ErrorCode(err), "payload of %s: %s", err, kind)
	}
	return nil
}

// parseDue parses a due time that a plan's check has accepted.
func parseDue(f, s string) (time.Time, error) { return parley.ParseDue(f, s) }

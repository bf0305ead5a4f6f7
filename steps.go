package parley

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The kinds of event of measures carried out (docs/MEASURES.md): the plan
// of a measure as steps, a party's report of a step done, and the
// verifier's finding on it. Package measures keeps their state and
// computes the statuses.
const (
	KindPlanMeasure = "measure.plan" // PlanMeasure; a mediator
	KindReportStep  = "step.report"  // ReportStep; a head or delegate of the step's obliged party
	KindVerifyStep  = "step.verify"  // VerifyStep; the step's verifier
)

// Verdicts of a verifier on a report.
const (
	VerdictConfirmed = "confirmed" // the step was done as reported, in full
	VerdictPartial   = "partial"   // the step was done in part: Quantity of the planned quantity
	VerdictDisputed  = "disputed"  // the report is not borne out; Reason says why
)

// Limits on plans, reports and verifications.
const (
	MaxPlanSteps    = 1000          // steps in one plan
	MaxStepAction   = 1000          // bytes of a step's action
	MaxStepUnit     = 40            // bytes of a step's unit
	MaxStepQuantity = 1_000_000_000 // a step's quantity, reported or verified
	MaxStepDue      = 64            // bytes of a due time
	MaxAnnex        = MaxEventSize  // bytes of a sealed annex
)

// PlanMeasure tables a version of a measure's plan: the steps that carry it
// out. It is a version of the measure as a text is of a document: it
// takes the item's next version number, and stances name it.
type PlanMeasure struct {
	Item    string `json:"item"`
	Version int    `json:"version"`
	Steps   []Step `json:"steps"`
	Note    string `json:"note,omitempty"`
}

// A Step is one act a party is obliged to carry out under a measure.
//
// ID is unique across the talks, so that a condition's done(ID) names one
// step: the plan gives it in full (the convention is MEASURE.NAME, such as
// "M1.t1", but any id will do). After lists the steps it waits for: it is
// not due before they are done. Together lists the steps of other parties
// carried out with it as one exchange: due at the same time, verified by
// the same verifier, and done only when every share is.
type Step struct {
	ID       string   `json:"id"`
	Party    string   `json:"party"`              // the obliged party
	Action   string   `json:"action"`             // what is to be done, one line
	Quantity int64    `json:"quantity,omitempty"` // how many, 0 if the step is not counted
	Unit     string   `json:"unit,omitempty"`     // of the quantity, such as "detainees"; with a quantity only
	Due      string   `json:"due"`                // RFC 3339, with its offset: 2015-05-10T18:00:00+03:00
	After    []string `json:"after,omitempty"`    // steps it waits for, of this measure or another
	Together []string `json:"together,omitempty"` // steps of this plan exchanged with it
	Verifier string   `json:"verifier"`           // the key of an actor with the role verifier
	Annex    bool     `json:"annex,omitempty"`    // a report must carry a sealed annex (a list of persons)
}

// ReportStep reports a step done by its obliged party, which it names (so
// that the table of kinds can authorize a head or delegate of that party,
// as for a stance). Quantity is the quantity done in all, not since the
// last report. Annex is a sealed payload (docs/RECORD.md §11) for the
// parties of the measure and the step's verifier, bound to the channel
// AnnexChannel(Step); the host cannot read it.
type ReportStep struct {
	Step     string          `json:"step"`
	Party    string          `json:"party"`
	Quantity int64           `json:"quantity,omitempty"`
	Note     string          `json:"note,omitempty"`
	Annex    json.RawMessage `json:"annex,omitempty"`
}

// VerifyStep is a verifier's finding on the report of a step awaiting it.
// Quantity is the quantity the verifier could verify. Annex, optional, is a
// sealed payload for the same recipients as a report's: the details of a
// finding that the public must not read. A dispute is a finding with the
// verdict disputed and a reason.
type VerifyStep struct {
	Step     string          `json:"step"`
	Verdict  string          `json:"verdict"`
	Quantity int64           `json:"quantity,omitempty"`
	Reason   string          `json:"reason,omitempty"`
	Annex    json.RawMessage `json:"annex,omitempty"`
}

// AnnexContent is the content of a sealed annex: what its recipients read
// once they open it. Text is free text, such as the list of persons
// released, one per line.
type AnnexContent struct {
	Text string `json:"text"`
}

func (*PlanMeasure) act() {}
func (*ReportStep) act()  {}
func (*VerifyStep) act()  {}

// Kind returns measure.plan.
func (*PlanMeasure) Kind() string { return KindPlanMeasure }

// Kind returns step.report.
func (*ReportStep) Kind() string { return KindReportStep }

// Kind returns step.verify.
func (*VerifyStep) Kind() string { return KindVerifyStep }

// ActParty returns the party the report is made for: the table of kinds
// lets a head or delegate of that party sign it.
func (r *ReportStep) ActParty() string { return r.Party }

// HasAnnex reports whether the report carries an annex.
func (r *ReportStep) HasAnnex() bool { return hasAnnex(r.Annex) }

// HasAnnex reports whether the finding carries an annex.
func (v *VerifyStep) HasAnnex() bool { return hasAnnex(v.Annex) }

func hasAnnex(a json.RawMessage) bool { return len(a) > 0 && string(a) != "null" }

// AnnexChannel is the channel an annex on a step is sealed on
// (docs/RECORD.md §11.2): "step:STEP".
func AnnexChannel(step string) string { return "step:" + step }

// Check checks the plan on its own, without the talks: ids, texts, due
// times, and the exchanges (Together), which lie within the plan. What the
// plan names outside itself (the item, parties, verifiers, steps of other
// measures) and cycles of After are checked by the state (package
// measures).
func (p *PlanMeasure) Check() error {
	if !ValidID(p.Item) {
		return badStepID("item", p.Item)
	}
	if p.Version < 1 {
		return Errorf(EINVALID, "payload field %q: %d is not a version number; versions count from 1", "version", p.Version)
	}
	if len(p.Steps) == 0 {
		return Errorf(EINVALID, "payload field %q: a plan has at least one step", "steps")
	}
	if len(p.Steps) > MaxPlanSteps {
		return Errorf(ETOOLARGE, "payload field %q: %d steps are more than the %d a plan may hold; split the measure", "steps", len(p.Steps), MaxPlanSteps)
	}
	at := p.index()
	for i, s := range p.Steps {
		f := "steps[" + strconv.Itoa(i) + "].id"
		if !ValidID(s.ID) {
			return badStepID(f, s.ID)
		}
		if j := at[s.ID]; j != i {
			return Errorf(EINVALID, "payload field %q: %q is the id of steps[%d] too; give each step its own id", f, s.ID, min(i, j))
		}
	}
	for i := range p.Steps {
		if err := p.Steps[i].check("steps["+strconv.Itoa(i)+"]", at); err != nil {
			return err
		}
	}
	if _, err := p.Exchanges(); err != nil {
		return err
	}
	return checkStepText("note", p.Note, MaxTextSize, false, true)
}

// index returns the position of each step id in the plan (the last, if an
// id repeats).
func (p *PlanMeasure) index() map[string]int {
	at := make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		if _, ok := at[s.ID]; !ok {
			at[s.ID] = i
		}
	}
	return at
}

func (s *Step) check(f string, at map[string]int) error {
	if !ValidID(s.Party) {
		return badStepID(f+".party", s.Party)
	}
	if err := checkStepText(f+".action", s.Action, MaxStepAction, true, false); err != nil {
		return err
	}
	switch {
	case s.Quantity < 0 || s.Quantity > MaxStepQuantity:
		return Errorf(EINVALID, "payload field %q: %d is not a quantity; give 1 to %d, or leave it out for a step that is not counted", f+".quantity", s.Quantity, MaxStepQuantity)
	case s.Quantity > 0 && s.Unit == "":
		return Errorf(EINVALID, "payload field %q: a step of quantity %d says what it counts, such as \"detainees\"", f+".unit", s.Quantity)
	case s.Quantity == 0 && s.Unit != "":
		return Errorf(EINVALID, "payload field %q: a step with no quantity has no unit; give its quantity or leave the unit out", f+".unit")
	}
	if err := checkStepText(f+".unit", s.Unit, MaxStepUnit, false, false); err != nil {
		return err
	}
	if _, err := ParseDue(f+".due", s.Due); err != nil {
		return err
	}
	if err := checkStepRefs(f+".after", s.ID, s.After); err != nil {
		return err
	}
	if err := checkStepRefs(f+".together", s.ID, s.Together); err != nil {
		return err
	}
	for k, id := range s.Together {
		if _, ok := at[id]; !ok {
			return Errorf(ENOTFOUND, "payload field %q: no step %q in this plan; the steps of an exchange are in one plan", f+".together["+strconv.Itoa(k)+"]", id)
		}
	}
	if _, err := ParseKey(s.Verifier); err != nil {
		return Errorf(EINVALID, "payload field %q: %q is not an actor's key (an Ed25519 public key in base64, 44 characters); name the verifier by its key", f+".verifier", clipText(s.Verifier))
	}
	return nil
}

// checkStepRefs checks a list of step ids: valid, not the step itself,
// each once.
func checkStepRefs(f, self string, ids []string) error {
	if len(ids) > MaxPlanSteps {
		return Errorf(ETOOLARGE, "payload field %q: %d steps are more than the %d a plan may hold", f, len(ids), MaxPlanSteps)
	}
	seen := make(map[string]bool, len(ids))
	for k, id := range ids {
		fk := f + "[" + strconv.Itoa(k) + "]"
		if !ValidID(id) {
			return badStepID(fk, id)
		}
		if id == self {
			return Errorf(EINVALID, "payload field %q: step %q names itself; a step cannot wait for itself or be exchanged with itself", fk, id)
		}
		if seen[id] {
			return Errorf(EINVALID, "payload field %q: step %q is listed twice", fk, id)
		}
		seen[id] = true
	}
	return nil
}

// Exchanges returns, for each step of the plan that is exchanged with
// others, the steps of its exchange (itself included) in plan order: the
// steps joined by Together, which need be written on one side only. It
// checks that the steps of an exchange are each another party's, due at
// the same time, with the same verifier, and that none waits for another.
// It expects a plan whose steps passed their own checks (Check does both).
func (p *PlanMeasure) Exchanges() (map[string][]string, error) {
	steps, at := p.Steps, p.index()
	root := make([]int, len(steps))
	for i := range root {
		root[i] = i
	}
	find := func(i int) int {
		for root[i] != i {
			root[i] = root[root[i]]
			i = root[i]
		}
		return i
	}
	for i, s := range steps {
		for _, id := range s.Together {
			j, ok := at[id]
			if !ok {
				continue
			}
			a, b := find(i), find(j)
			if a != b {
				root[max(a, b)] = min(a, b)
			}
		}
	}
	members := map[int][]int{}
	for i := range steps {
		r := find(i)
		members[r] = append(members[r], i)
	}
	out := map[string][]string{}
	for r := range steps {
		ms := members[r]
		if len(ms) < 2 {
			continue // not a root, or a step exchanged with none
		}
		first := steps[r]
		due, _ := ParseDue("", first.Due)
		ids := make([]string, len(ms))
		for k, i := range ms {
			ids[k] = steps[i].ID
		}
		for _, i := range ms[1:] {
			s := steps[i]
			f := "steps[" + strconv.Itoa(i) + "]"
			if d, _ := ParseDue("", s.Due); !d.Equal(due) {
				return nil, Errorf(EINVALID, "payload field %q: step %q is exchanged with %q, which is due %s; the steps of an exchange are due at the same time", f+".due", s.ID, first.ID, first.Due)
			}
			if s.Verifier != first.Verifier {
				return nil, Errorf(EINVALID, "payload field %q: step %q is exchanged with %q, which has another verifier; one verifier verifies an exchange", f+".verifier", s.ID, first.ID)
			}
		}
		for x, i := range ms {
			for _, j := range ms[x+1:] {
				if steps[i].Party == steps[j].Party {
					return nil, Errorf(EINVALID, "payload field %q: steps %q and %q of one exchange are both %q's; an exchange is between parties, each carrying out its share: make them one step", "steps["+strconv.Itoa(j)+"].together", steps[i].ID, steps[j].ID, steps[i].Party)
				}
			}
		}
		for _, i := range ms {
			for k, a := range steps[i].After {
				if j, ok := at[a]; ok && find(j) == r {
					return nil, Errorf(EINVALID, "payload field %q: step %q is exchanged together with %q and cannot wait for it", "steps["+strconv.Itoa(i)+"].after["+strconv.Itoa(k)+"]", steps[i].ID, a)
				}
			}
		}
		for _, i := range ms {
			out[steps[i].ID] = ids
		}
	}
	return out, nil
}

// Check checks the report on its own: the step's id, the quantity, the
// note and the form of the annex. The state checks it against the plan.
func (r *ReportStep) Check() error {
	if !ValidID(r.Step) {
		return badStepID("step", r.Step)
	}
	if !ValidID(r.Party) {
		return badStepID("party", r.Party)
	}
	if r.Quantity < 0 || r.Quantity > MaxStepQuantity {
		return Errorf(EINVALID, "payload field %q: %d is not a quantity; give the quantity done in all, 1 to %d, or leave it out for a step that is not counted", "quantity", r.Quantity, MaxStepQuantity)
	}
	if err := checkStepText("note", r.Note, MaxTextSize, false, true); err != nil {
		return err
	}
	return checkAnnex(r.Annex)
}

// Check checks the finding on its own: the step's id, the verdict, the
// quantity, the reason (required for a dispute) and the form of the annex.
// The state checks it against the report it verifies.
func (v *VerifyStep) Check() error {
	if !ValidID(v.Step) {
		return badStepID("step", v.Step)
	}
	switch v.Verdict {
	case VerdictConfirmed, VerdictPartial, VerdictDisputed:
	case "":
		return Errorf(EINVALID, "payload field %q: missing; give confirmed, partial (with the quantity verified) or disputed (with a reason)", "verdict")
	default:
		return Errorf(EINVALID, "payload field %q: %q is not confirmed, partial or disputed", "verdict", clipText(v.Verdict))
	}
	if v.Quantity < 0 || v.Quantity > MaxStepQuantity {
		return Errorf(EINVALID, "payload field %q: %d is not a quantity; give the quantity verified, 0 to %d", "quantity", v.Quantity, MaxStepQuantity)
	}
	if v.Verdict == VerdictDisputed && v.Reason == "" {
		return Errorf(EINVALID, "payload field %q: missing; a dispute says why the report is not borne out", "reason")
	}
	if err := checkStepText("reason", v.Reason, MaxTextSize, false, true); err != nil {
		return err
	}
	return checkAnnex(v.Annex)
}

// checkAnnex checks the form of an annex only: a JSON object of at most
// MaxAnnex bytes. Its structure, recipients and binding are checked by the
// state with package seal.
func checkAnnex(a json.RawMessage) error {
	if !hasAnnex(a) {
		return nil
	}
	if a[0] != '{' {
		return Errorf(EINVALID, "payload field %q: want a sealed payload, a JSON object (docs/RECORD.md §11.3)", "annex")
	}
	if len(a) > MaxAnnex {
		return Errorf(ETOOLARGE, "payload field %q: %d bytes are more than the %d an annex may take", "annex", len(a), MaxAnnex)
	}
	return nil
}

// ParseDue parses the due time of a step, RFC 3339 with its offset; f
// names the payload field for the error.
func ParseDue(f, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, Errorf(EINVALID, "payload field %q: missing; give the time the step is due by, in RFC 3339 with its offset, such as 2015-05-10T18:00:00+03:00", f)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || len(s) > MaxStepDue {
		return time.Time{}, Errorf(EINVALID, "payload field %q: %q is not a time in RFC 3339 with its offset, such as 2015-05-10T18:00:00+03:00 or 2015-05-10T15:00:00Z", f, clipText(s))
	}
	return t, nil
}

// checkStepText checks free text: valid UTF-8, no control characters but
// newlines and tabs (none at all in one line), at most limit bytes.
func checkStepText(f, s string, limit int, required, lines bool) error {
	if s == "" {
		if required {
			return Errorf(EINVALID, "payload field %q: missing; it is required", f)
		}
		return nil
	}
	if len(s) > limit {
		return Errorf(ETOOLARGE, "payload field %q: %d bytes are more than the limit of %d", f, len(s), limit)
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "payload field %q: not valid UTF-8", f)
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if !lines {
				return Errorf(EINVALID, "payload field %q: one line of text; it holds a newline or a tab", f)
			}
		case r < 0x20 || r == 0x7f:
			return Errorf(EINVALID, "payload field %q: holds the control character U+%04X", f, r)
		}
	}
	return nil
}

func badStepID(f, s string) error {
	return Errorf(EINVALID, "payload field %q: %q is not an id ([A-Za-z0-9_.:-], 1 to %d characters)", f, clipText(s), MaxIDLength)
}

// clipText shortens s for a message, at a character boundary.
func clipText(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	k := n
	for k > 0 && !utf8.RuneStart(s[k]) {
		k--
	}
	return s[:k] + "…"
}

// The descriptions of the kinds of measures carried out. They never hold
// an annex: only that one was attached, sealed.

func describePlanMeasure(a Act, n Namer, _ string) Description {
	p := a.(*PlanMeasure)
	return Description{Summary: n.T("tabled version %[2]d of %[3]s, a plan of %[1]d steps", len(p.Steps), p.Version, p.Item), Quote: p.Note, Item: p.Item}
}

func describeReportStep(a Act, n Namer, _ string) Description {
	p := a.(*ReportStep)
	var s string
	switch {
	case p.Quantity > 0 && p.HasAnnex():
		s = n.T("reported for %[1]s step %[2]s done, %[3]d in all, with a sealed annex", partyName(n, p.Party), p.Step, p.Quantity)
	case p.Quantity > 0:
		s = n.T("reported for %[1]s step %[2]s done, %[3]d in all", partyName(n, p.Party), p.Step, p.Quantity)
	case p.HasAnnex():
		s = n.T("reported for %[1]s step %[2]s done, with a sealed annex", partyName(n, p.Party), p.Step)
	default:
		s = n.T("reported for %[1]s step %[2]s done", partyName(n, p.Party), p.Step)
	}
	return Description{Summary: s, Short: n.T("%[1]s reported step %[2]s done", p.Party, p.Step), Quote: p.Note}
}

func describeVerifyStep(a Act, n Namer, _ string) Description {
	p := a.(*VerifyStep)
	var s string
	annex := p.HasAnnex()
	switch {
	case p.Verdict == VerdictConfirmed && annex:
		s = n.T("confirmed step %s as reported, with a sealed annex", p.Step)
	case p.Verdict == VerdictConfirmed:
		s = n.T("confirmed step %s as reported", p.Step)
	case p.Verdict == VerdictPartial && annex:
		s = n.T("confirmed step %[1]s in part, %[2]d verified, with a sealed annex", p.Step, p.Quantity)
	case p.Verdict == VerdictPartial:
		s = n.T("confirmed step %[1]s in part, %[2]d verified", p.Step, p.Quantity)
	case annex:
		s = n.T("disputed the report of step %[1]s, %[2]d verified, with a sealed annex", p.Step, p.Quantity)
	default:
		s = n.T("disputed the report of step %[1]s, %[2]d verified", p.Step, p.Quantity)
	}
	return Description{Summary: s, Quote: p.Reason}
}

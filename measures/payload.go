package measures

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// Kinds of event proposed for measures carried out. Each payload type below
// is the Go form of one; docs/MEASURES.md gives who may sign each and what
// it shows.
const (
	KindPlanMeasure = "measure.plan" // PlanMeasure; a mediator
	KindReportStep  = "step.report"  // ReportStep; the head or a delegate of the step's obliged party
	KindVerifyStep  = "step.verify"  // VerifyStep; the step's verifier
)

// Verdicts of a verifier.
const (
	Confirmed = "confirmed" // the step was done as reported, in full
	Partial   = "partial"   // the step was done in part: Quantity of the planned quantity
	Disputed  = "disputed"  // the report is not borne out; Reason says why
)

// Limits on plans, reports and verifications.
const (
	MaxSteps    = 1000                // steps in one plan
	MaxAction   = 1000                // bytes of a step's action
	MaxUnit     = 40                  // bytes of a step's unit
	MaxQuantity = 1_000_000_000       // a step's quantity, reported or verified
	MaxDue      = 64                  // bytes of a due time
	MaxAnnex    = parley.MaxEventSize // bytes of a sealed annex
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
// parties of the measure and the step's verifier; it is opaque here.
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
// finding that the public must not read.
type VerifyStep struct {
	Step     string          `json:"step"`
	Verdict  string          `json:"verdict"`
	Quantity int64           `json:"quantity,omitempty"`
	Reason   string          `json:"reason,omitempty"`
	Annex    json.RawMessage `json:"annex,omitempty"`
}

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
		return parley.Errorf(parley.ErrorCode(err), "payload of %s: %s", kind, parley.ErrorMessage(err))
	}
	return nil
}

// Check checks the plan on its own, without the talks: ids, texts, due
// times, and the exchanges (Together), which lie within the plan. What the
// plan names outside itself (the item, parties, verifiers, steps of other
// measures) and cycles of After are checked by Book.Check.
func (p *PlanMeasure) Check() error {
	if !parley.ValidID(p.Item) {
		return badID("item", p.Item)
	}
	if p.Version < 1 {
		return fieldf(parley.EINVALID, "version", "%d is not a version number; versions count from 1", p.Version)
	}
	if len(p.Steps) == 0 {
		return fieldf(parley.EINVALID, "steps", "a plan has at least one step")
	}
	if len(p.Steps) > MaxSteps {
		return fieldf(parley.ETOOLARGE, "steps", "%d steps are more than the %d a plan may hold; split the measure", len(p.Steps), MaxSteps)
	}
	at := make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		f := "steps[" + strconv.Itoa(i) + "]"
		if !parley.ValidID(s.ID) {
			return badID(f+".id", s.ID)
		}
		if j, ok := at[s.ID]; ok {
			return fieldf(parley.EINVALID, f+".id", "%q is the id of steps[%d] too; give each step its own id", s.ID, j)
		}
		at[s.ID] = i
	}
	for i := range p.Steps {
		if err := p.Steps[i].check("steps["+strconv.Itoa(i)+"]", at); err != nil {
			return err
		}
	}
	if _, err := exchanges(p.Steps, at); err != nil {
		return err
	}
	return checkText("note", p.Note, parley.MaxTextSize, false, true)
}

func (s *Step) check(f string, at map[string]int) error {
	if !parley.ValidID(s.Party) {
		return badID(f+".party", s.Party)
	}
	if err := checkText(f+".action", s.Action, MaxAction, true, false); err != nil {
		return err
	}
	switch {
	case s.Quantity < 0 || s.Quantity > MaxQuantity:
		return fieldf(parley.EINVALID, f+".quantity", "%d is not a quantity; give 1 to %d, or leave it out for a step that is not counted", s.Quantity, MaxQuantity)
	case s.Quantity > 0 && s.Unit == "":
		return fieldf(parley.EINVALID, f+".unit", "a step of quantity %d says what it counts, such as \"detainees\"", s.Quantity)
	case s.Quantity == 0 && s.Unit != "":
		return fieldf(parley.EINVALID, f+".unit", "a step with no quantity has no unit; give its quantity or leave the unit out")
	}
	if err := checkText(f+".unit", s.Unit, MaxUnit, false, false); err != nil {
		return err
	}
	if _, err := parseDue(f+".due", s.Due); err != nil {
		return err
	}
	if err := checkRefs(f+".after", s.ID, s.After); err != nil {
		return err
	}
	if err := checkRefs(f+".together", s.ID, s.Together); err != nil {
		return err
	}
	for k, id := range s.Together {
		if _, ok := at[id]; !ok {
			return fieldf(parley.ENOTFOUND, f+".together["+strconv.Itoa(k)+"]", "no step %q in this plan; the steps of an exchange are in one plan", id)
		}
	}
	if _, err := parley.ParseKey(s.Verifier); err != nil {
		return fieldf(parley.EINVALID, f+".verifier", "%q is not an actor's key (an Ed25519 public key in base64, 44 characters); name the verifier by its key", clip(s.Verifier))
	}
	return nil
}

// checkRefs checks a list of step ids: valid, not the step itself, each once.
func checkRefs(f, self string, ids []string) error {
	if len(ids) > MaxSteps {
		return fieldf(parley.ETOOLARGE, f, "%d steps are more than the %d a plan may hold", len(ids), MaxSteps)
	}
	seen := make(map[string]bool, len(ids))
	for k, id := range ids {
		fk := f + "[" + strconv.Itoa(k) + "]"
		if !parley.ValidID(id) {
			return badID(fk, id)
		}
		if id == self {
			return fieldf(parley.EINVALID, fk, "step %q names itself; a step cannot wait for itself or be exchanged with itself", id)
		}
		if seen[id] {
			return fieldf(parley.EINVALID, fk, "step %q is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// exchanges returns, for each step of a plan that is exchanged with others,
// the steps of its exchange (itself included) in plan order: the steps
// joined by Together, which need be written on one side only. It checks
// that the steps of an exchange are each another party's, due at the same
// time, with the same verifier, and that none waits for another.
func exchanges(steps []Step, at map[string]int) (map[string][]string, error) {
	root := make([]int, len(steps))
	for i := range root {
		root[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for root[i] != i {
			root[i] = root[root[i]]
			i = root[i]
		}
		return i
	}
	for i, s := range steps {
		for _, id := range s.Together {
			a, b := find(i), find(at[id])
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
		due, _ := parseDue("", first.Due)
		ids := make([]string, len(ms))
		for k, i := range ms {
			ids[k] = steps[i].ID
		}
		for _, i := range ms[1:] {
			s := steps[i]
			f := "steps[" + strconv.Itoa(i) + "]"
			if d, _ := parseDue("", s.Due); !d.Equal(due) {
				return nil, fieldf(parley.EINVALID, f+".due", "step %q is exchanged with %q, which is due %s; the steps of an exchange are due at the same time", s.ID, first.ID, first.Due)
			}
			if s.Verifier != first.Verifier {
				return nil, fieldf(parley.EINVALID, f+".verifier", "step %q is exchanged with %q, which has another verifier; one verifier verifies an exchange", s.ID, first.ID)
			}
		}
		for x, i := range ms {
			for _, j := range ms[x+1:] {
				if steps[i].Party == steps[j].Party {
					return nil, fieldf(parley.EINVALID, "steps["+strconv.Itoa(j)+"].together", "steps %q and %q of one exchange are both %q's; an exchange is between parties, each carrying out its share: make them one step", steps[i].ID, steps[j].ID, steps[i].Party)
				}
			}
		}
		for _, i := range ms {
			for k, a := range steps[i].After {
				if j, ok := at[a]; ok && find(j) == r {
					return nil, fieldf(parley.EINVALID, "steps["+strconv.Itoa(i)+"].after["+strconv.Itoa(k)+"]", "step %q is exchanged together with %q and cannot wait for it", steps[i].ID, a)
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
// note and the form of the annex. Book.Check checks it against the plan.
func (r *ReportStep) Check() error {
	if !parley.ValidID(r.Step) {
		return badID("step", r.Step)
	}
	if !parley.ValidID(r.Party) {
		return badID("party", r.Party)
	}
	if r.Quantity < 0 || r.Quantity > MaxQuantity {
		return fieldf(parley.EINVALID, "quantity", "%d is not a quantity; give the quantity done in all, 1 to %d, or leave it out for a step that is not counted", r.Quantity, MaxQuantity)
	}
	if err := checkText("note", r.Note, parley.MaxTextSize, false, true); err != nil {
		return err
	}
	return checkAnnex(r.Annex)
}

// ActParty returns the party the report is made for: the table of kinds
// lets a head or delegate of that party sign it.
func (r *ReportStep) ActParty() string { return r.Party }

// HasAnnex reports whether the report carries an annex.
func (r *ReportStep) HasAnnex() bool { return hasAnnex(r.Annex) }

// Check checks the finding on its own: the step's id, the verdict, the
// quantity, the reason (required for a dispute) and the form of the annex.
// Book.Check checks it against the report it verifies.
func (v *VerifyStep) Check() error {
	if !parley.ValidID(v.Step) {
		return badID("step", v.Step)
	}
	switch v.Verdict {
	case Confirmed, Partial, Disputed:
	case "":
		return fieldf(parley.EINVALID, "verdict", "missing; give confirmed, partial (with the quantity verified) or disputed (with a reason)")
	default:
		return fieldf(parley.EINVALID, "verdict", "%q is not confirmed, partial or disputed", clip(v.Verdict))
	}
	if v.Quantity < 0 || v.Quantity > MaxQuantity {
		return fieldf(parley.EINVALID, "quantity", "%d is not a quantity; give the quantity verified, 0 to %d", v.Quantity, MaxQuantity)
	}
	if v.Verdict == Disputed && v.Reason == "" {
		return fieldf(parley.EINVALID, "reason", "missing; a dispute says why the report is not borne out")
	}
	if err := checkText("reason", v.Reason, parley.MaxTextSize, false, true); err != nil {
		return err
	}
	return checkAnnex(v.Annex)
}

// HasAnnex reports whether the finding carries an annex.
func (v *VerifyStep) HasAnnex() bool { return hasAnnex(v.Annex) }

func hasAnnex(a json.RawMessage) bool { return len(a) > 0 && string(a) != "null" }

// checkAnnex checks the form of an annex only: a JSON object of at most
// MaxAnnex bytes. Its structure, recipients and binding are package seal's
// (seal.Parse, CheckRecipients, CheckContext).
func checkAnnex(a json.RawMessage) error {
	if !hasAnnex(a) {
		return nil
	}
	if a[0] != '{' {
		return fieldf(parley.EINVALID, "annex", "want a sealed payload, a JSON object (docs/RECORD.md §11.3)")
	}
	if len(a) > MaxAnnex {
		return fieldf(parley.ETOOLARGE, "annex", "%d bytes are more than the %d an annex may take", len(a), MaxAnnex)
	}
	return nil
}

// parseDue parses a due time: RFC 3339 with its offset.
func parseDue(f, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fieldf(parley.EINVALID, f, "missing; give the time the step is due by, in RFC 3339 with its offset, such as 2015-05-10T18:00:00+03:00")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || len(s) > MaxDue {
		return time.Time{}, fieldf(parley.EINVALID, f, "%q is not a time in RFC 3339 with its offset, such as 2015-05-10T18:00:00+03:00 or 2015-05-10T15:00:00Z", clip(s))
	}
	return t, nil
}

// checkText checks free text: valid UTF-8, no control characters but
// newlines and tabs (none at all in one line), at most limit bytes.
func checkText(f, s string, limit int, required, lines bool) error {
	if s == "" {
		if required {
			return fieldf(parley.EINVALID, f, "missing; it is required")
		}
		return nil
	}
	if len(s) > limit {
		return fieldf(parley.ETOOLARGE, f, "%d bytes are more than the limit of %d", len(s), limit)
	}
	if !utf8.ValidString(s) {
		return fieldf(parley.EINVALID, f, "not valid UTF-8")
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if !lines {
				return fieldf(parley.EINVALID, f, "one line of text; it holds a newline or a tab")
			}
		case r < 0x20 || r == 0x7f:
			return fieldf(parley.EINVALID, f, "holds the control character U+%04X", r)
		}
	}
	return nil
}

// fieldf returns an error about a payload field, in the form of the
// state's checks: payload field "steps[2].due": ...
func fieldf(code, f, format string, args ...any) *parley.Error {
	e := parley.Errorf(code, format, args...)
	e.Message = "payload field " + strconv.Quote(f) + ": " + e.Message
	return e
}

func badID(f, s string) error {
	return fieldf(parley.EINVALID, f, "%q is not an id ([A-Za-z0-9_.:-], 1 to %d characters)", clip(s), parley.MaxIDLength)
}

// clip shortens s for a message.
func clip(s string) string {
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

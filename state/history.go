package state

import (
	"slices"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// A Transition is an item becoming agreed, or ceasing to be, and the event
// that made it so.
type Transition struct {
	Item   string    `json:"item"`
	Agreed bool      `json:"agreed"`
	Index  int64     `json:"index"` // of the event
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	By     string    `json:"by"`              // the signer's key
	Party  string    `json:"party,omitempty"` // for a stance, the party
	Stance *Stance   `json:"stance,omitempty"`
}

// A Tracker follows what is agreed (in every outcome) as events are
// applied, and records each transition. It keeps an agreement.Engine: a
// stance changes one position of it, and only events that change the
// table, the versions or the rules rebuild it.
type Tracker struct {
	agreed      map[string]bool
	engine      *agreement.Engine
	Transitions []Transition
}

// NewTracker returns a tracker with nothing agreed.
func NewTracker() *Tracker { return &Tracker{agreed: map[string]bool{}} }

// Agreed reports whether item is agreed after the events observed so far.
func (tr *Tracker) Agreed(item string) bool { return tr.agreed[item] }

// AffectsAgreement reports whether an event of kind k can change what is
// agreed.
func AffectsAgreement(k string) bool {
	switch k {
	case parley.KindSetStance, parley.KindTableVersion, parley.KindAcceptInvitation, parley.KindDeclineInvitation,
		parley.KindInvite, parley.KindOpenRound, parley.KindCloseRound, parley.KindAddItem, parley.KindSetPackage,
		parley.KindSetRule, parley.KindConfirmFact, parley.KindAddParty,
		// The language acts change the holds: a version complete in every
		// official language, a divergence open or withdrawn.
		parley.KindTranslateVersion, parley.KindFlagDivergence, parley.KindWithdrawDivergence,
		parley.KindPlanMeasure, parley.KindVerifyStep:
		return true
	}
	return false
}

// Position returns the position that the agreement instance of the talks
// gives a party on an item: its stance on the item's latest version, if it
// covers every language the version has, and if the party sits at the
// current round's table; else none (Stance "").
func (t *Talks) Position(party, item string) agreement.Position {
	p := agreement.Position{Party: party, Item: item}
	it := t.Item(item)
	if it == nil || !slices.Contains(t.Participants(), party) {
		return p
	}
	if s, latest := it.Stances[party], it.Latest(); s != nil && latest != nil && s.Version == latest.N && covers(s.Langs, latest.Langs(t.Languages)) {
		p.Stance, p.Condition = s.Stance, s.Condition
	}
	return p
}

// Observe is called after e, at log index index, was applied to t. It
// brings the agreement up to date when e can change it and records
// transitions.
func (tr *Tracker) Observe(t *Talks, e *parley.Event, index int64) error {
	if !AffectsAgreement(e.Kind) {
		return nil
	}
	p, _ := e.Act.(*parley.SetStance)
	if err := tr.update(t, e, p); err != nil {
		return err
	}
	agreed, err := tr.engine.Agreed()
	if err != nil {
		return err
	}
	now := make(map[string]bool, len(agreed))
	for _, id := range agreed {
		now[id] = true
	}
	tmpl := Transition{Index: index, At: e.At(), Kind: e.Kind, By: e.Actor}
	if e.Kind == parley.KindSetStance {
		tmpl.Party = p.Party
		if it := t.Item(p.Item); it != nil {
			tmpl.Stance = it.Stances[p.Party]
		}
	}
	for _, it := range t.Items {
		if now[it.ID] != tr.agreed[it.ID] {
			tr2 := tmpl
			tr2.Item, tr2.Agreed = it.ID, now[it.ID]
			tr.Transitions = append(tr.Transitions, tr2)
		}
	}
	tr.agreed = now
	return nil
}

// update brings the engine up to date with e: one position for a stance,
// a rebuild for anything else.
func (tr *Tracker) update(t *Talks, e *parley.Event, p *parley.SetStance) error {
	if p == nil || tr.engine == nil {
		eng, err := agreement.NewEngine(t.Instance())
		tr.engine = eng
		return err
	}
	pos := t.Position(p.Party, p.Item)
	if pos.Stance != "" {
		return tr.engine.SetPosition(pos)
	}
	if _, had := tr.engine.Position(p.Party, p.Item); had {
		return tr.engine.RemovePosition(p.Party, p.Item)
	}
	return nil
}

// Replay applies events in order to a new state of the talks, tracking the
// agreement. It is how the history of a record is read back.
func Replay(talks string, events []*parley.Event) (*Talks, *Tracker, error) {
	st, tr := New(talks), NewTracker()
	for i, e := range events {
		if err := st.Apply(e, int64(i)); err != nil {
			return nil, nil, err
		}
		if err := tr.Observe(st, e, int64(i)); err != nil {
			return nil, nil, err
		}
	}
	return st, tr, nil
}

package state

import (
	"slices"
	"time"

	"github.com/parleyhq/parley"
)

// A Statement is a public statement by an actor.
type Statement struct {
	Text  string    `json:"text"`
	Lang  string    `json:"lang,omitempty"`
	Round string    `json:"round,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Index int64     `json:"index"`
}

// A CaucusMessage is a message in the caucus channel of one party with the
// mediators.
type CaucusMessage struct {
	Party string `json:"party"`
	// Text is the message in plain text; a sealed message has none here
	// (Sealed), since the host cannot read it: its recipients read it in
	// the sealed payload of its event.
	Text   string    `json:"text,omitempty"`
	Sealed bool      `json:"sealed,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Index  int64     `json:"index"`
}

// A Fact is a fact confirmed by a verifier; conditions name it fact(ID).
type Fact struct {
	Note  string    `json:"note,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Index int64     `json:"index"`
	// Later are confirmations of the same fact by verifiers who could not
	// see the earlier ones (a confirmation narrowed away from them): the
	// fact holds for a viewer who sees any of them.
	Later []*Fact `json:"later,omitempty"`
}

// seenBy reports whether viewer v may see a confirmation of the fact.
func (f *Fact) seenBy(t *Talks, v Viewer) bool {
	if t.VisibleAt(v, f.Index) {
		return true
	}
	return slices.ContainsFunc(f.Later, func(g *Fact) bool { return t.VisibleAt(v, g.Index) })
}

func init() {
	on(parley.KindStatement, (*Talks).statement)
	on(parley.KindCaucus, (*Talks).caucus)
	on(parley.KindConfirmFact, (*Talks).confirmFact)
}

func (t *Talks) statement(c act, p *parley.Statement) (func(), error) {
	if err := checkText("text", p.Text, true); err != nil {
		return nil, err
	}
	if r := t.rounds[p.Round]; p.Round != "" && (r == nil || !t.VisibleAt(t.signer(c.e), r.Planned)) {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"round\": no round %q", p.Round)
	}
	if len(p.Lang) > 35 {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"lang\": want a BCP 47 language tag such as \"ar\" or \"en\"")
	}
	return func() {
		t.Statements = append(t.Statements, &Statement{Text: p.Text, Lang: p.Lang, Round: p.Round, By: c.by, At: c.at, Index: c.index})
	}, nil
}

func (t *Talks) caucus(c act, p *parley.Caucus) (func(), error) {
	if err := t.checkParty(p.Party); err != nil {
		return nil, err
	}
	if c.e.Vis != "" && c.e.Vis != parley.VisParty(p.Party) {
		return nil, parley.Errorf(parley.EINVALID, "event field \"vis\": a caucus message is seen by its party and the mediators only; leave \"vis\" out")
	}
	s, required, err := t.Roster.checkCaucus(t.origin, c.e, p)
	if err != nil {
		return nil, err
	}
	return func() {
		t.Caucus = append(t.Caucus, &CaucusMessage{Party: p.Party, Text: p.Text, Sealed: s != nil, By: c.by, At: c.at, Index: c.index})
		if s != nil {
			party := p.Party
			t.keepSealed(c, s, required, func(r *Roster) []*Actor { return r.CaucusRecipients(party) })
		}
	}, nil
}

func (t *Talks) confirmFact(c act, p *parley.ConfirmFact) (func(), error) {
	if err := checkID("fact", p.Fact); err != nil {
		return nil, err
	}
	// A fact confirmed in an act hidden from the signer is, to it, not
	// confirmed: refusing the id would tell it of the hidden act.
	f := t.Facts[p.Fact]
	if f != nil && f.seenBy(t, t.signer(c.e)) {
		return nil, parley.Errorf(parley.ECONFLICT, "fact %q is already confirmed", p.Fact)
	}
	if err := checkText("note", p.Note, false); err != nil {
		return nil, err
	}
	return func() {
		g := &Fact{Note: p.Note, By: c.by, At: c.at, Index: c.index}
		if f == nil {
			t.Facts[p.Fact] = g
		} else {
			f.Later = append(f.Later, g)
		}
	}, nil
}

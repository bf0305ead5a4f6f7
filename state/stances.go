package state

import (
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
)

// A Stance is a party's position on a version of an item.
type Stance struct {
	Item      string `json:"item"`
	Party     string `json:"party"`
	Version   int    `json:"version"`
	Stance    string `json:"stance"`
	Condition string `json:"condition,omitempty"` // canonical form
	Reason    string `json:"reason,omitempty"`
	Round     string `json:"round"`
	// Langs are the languages the version had when the stance was taken,
	// in talks with official languages: a stance covers the texts it was
	// taken on, and a language tabled later needs the stance again.
	Langs []string `json:"langs,omitempty"`
	// Between is set on a stance taken while no round was open, after
	// Round closed: a capital's answer between rounds.
	Between bool      `json:"between,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Index   int64     `json:"index"`
}

func init() {
	on(parley.KindSetStance, (*Talks).setStance)
}

func (t *Talks) setStance(c act, p *parley.SetStance) (func(), error) {
	signer := t.signer(c.e)
	it, v, err := t.version(signer, p.Item, p.Version)
	if err != nil {
		return nil, err
	}
	round, err := t.checkAtTable(p.Party, takeStances, true)
	if err != nil {
		return nil, err
	}
	if !parley.ValidStance(p.Stance) {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"stance\": %q is not support, ad_referendum, abstain, reserve, oppose or conditional", p.Stance)
	}
	cond, err := t.condition(signer, p)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", p.Reason, false); err != nil {
		return nil, err
	}
	return func() {
		s := &Stance{Item: it.ID, Party: p.Party, Version: p.Version, Stance: p.Stance, Condition: cond, Reason: p.Reason, Round: round.ID, Between: round.Status != RoundOpen, Langs: t.langsSeen(signer, v), By: c.by, At: c.at, Index: c.index}
		it.Stances[p.Party] = s
		it.History = append(it.History, s)
	}, nil
}

// condition checks a stance's condition, which only a conditional stance
// has, and which names only items its signer may see, and returns it in
// canonical form.
func (t *Talks) condition(signer Viewer, p *parley.SetStance) (string, error) {
	if p.Stance != parley.StanceConditional {
		if p.Condition != "" {
			return "", parley.Errorf(parley.EINVALID, "payload field \"condition\": only a conditional stance has a condition")
		}
		return "", nil
	}
	c, err := agreement.ParseCondition(p.Condition)
	if err != nil {
		return "", parley.Wrapf(parley.EINVALID, "payload field \"condition\": %s", err)
	}
	for _, id := range c.Items() {
		if x := t.items[id]; x == nil || !t.VisibleAt(signer, x.Added) {
			return "", parley.Errorf(parley.ENOTFOUND, "payload field \"condition\": agreed(%s) names no item of the talks", id)
		}
	}
	for _, id := range c.Steps() {
		if err := t.checkStepNamed(signer, id); err != nil {
			return "", err
		}
	}
	return c.String(), nil
}

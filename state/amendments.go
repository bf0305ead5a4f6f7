package state

import (
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/document"
)

// An Amendment is a change to a version proposed by a party.
type Amendment struct {
	ID         string          `json:"id"`
	Party      string          `json:"party"`
	Version    int             `json:"version"`
	Lang       string          `json:"lang,omitempty"` // the language of Changes, in talks with official languages
	Changes    []parley.Change `json:"changes"`
	Paragraphs []string        `json:"paragraphs"` // the base version with the changes applied
	// Translations are the amendment stated in other languages: each
	// language's text of the base version with its changes applied.
	Translations map[string][]string `json:"translations,omitempty"`
	Reason       string              `json:"reason,omitempty"`
	By           string              `json:"by"`
	At           time.Time           `json:"at"`
	Index        int64               `json:"index"`
}

func init() {
	on(parley.KindProposeAmendment, (*Talks).proposeAmendment)
}

func (t *Talks) proposeAmendment(c act, p *parley.ProposeAmendment) (func(), error) {
	it, v, err := t.version(t.signer(c.e), p.Item, p.Version)
	if err != nil {
		return nil, err
	}
	if _, err := t.checkAtTable(p.Party, proposeAmendments, false); err != nil {
		return nil, err
	}
	if err := checkID("amendment", p.Amendment); err != nil {
		return nil, err
	}
	// An id is taken by the party's own amendments and by those the
	// signer may see: refusing one taken by another party's amendment
	// hidden from the signer would tell the signer that it exists.
	for _, a := range it.Amendments {
		if a.ID == p.Amendment && (a.Party == p.Party || t.VisibleAt(t.signer(c.e), a.Index)) {
			return nil, parley.Errorf(parley.ECONFLICT, "payload field \"amendment\": %q already names an amendment to %q", p.Amendment, it.ID)
		}
	}
	if len(p.Changes) == 0 {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"changes\": an amendment changes at least one paragraph")
	}
	signer := t.signer(c.e)
	base, err := t.amendedText(signer, v, p)
	if err != nil {
		return nil, err
	}
	paras, err := document.Apply(base, p.Changes)
	if err != nil {
		return nil, parley.Wrapf(parley.ErrorCode(err), "payload field \"changes\": %s", err)
	}
	translations, err := t.amendedTranslations(signer, v, p)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", p.Reason, false); err != nil {
		return nil, err
	}
	return func() {
		it.Amendments = append(it.Amendments, &Amendment{ID: p.Amendment, Party: p.Party, Version: p.Version, Lang: p.Lang, Changes: p.Changes, Paragraphs: paras, Translations: translations, Reason: p.Reason, By: c.by, At: c.at, Index: c.index})
	}, nil
}

package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

// The route of private preferences over packages (docs/PACKAGES.md): the
// issues of an item and their options as a mediator defined them, and the
// parties' preferences, sealed as stored, that the caller may read: a
// mediator all, a party's actor its own party's, anyone else none. The
// computation is done on the mediator's own device (parley packages
// --item, or the mediator's page), never by the host, which cannot open
// the preferences.

// PreferencesView is what a viewer sees of the preferences over the
// packages of an item.
type PreferencesView struct {
	Item string `json:"item"`
	// Definition is the current definition of the issues, or null before
	// one (or when the viewer may not see it).
	Definition *DefinitionJSON `json:"definition"`
	// Parties holds, in the order of the parties, each party's latest
	// preferences the viewer may read.
	Parties []PartyPreferencesJSON `json:"parties"`
	// Rewraps are the content keys of these preferences wrapped again for
	// later recipients (seal.rewrap), in log order.
	Rewraps []RewrapJSON `json:"rewraps"`
	// Recipients are whom a party's preferences are sealed to now: for a
	// party's actor, the mediators and its party's heads and delegates;
	// for a mediator, the mediators. Each with its current encryption key.
	Recipients []state.Actor `json:"recipients"`
}

// DefinitionJSON is a definition of the issues of an item: its issues
// and options in the form of the interchange format's "issues", the
// current package if given, and the signed event that recorded it.
type DefinitionJSON struct {
	Issues  []parley.IssueOptions `json:"issues"`
	Current map[string]string     `json:"current,omitempty"`
	Note    string                `json:"note,omitempty"`
	By      string                `json:"by"`
	At      time.Time             `json:"at"`
	Index   int64                 `json:"index"`
	Event   EventJSON             `json:"event"`
}

// PartyPreferencesJSON is one party's latest preferences: the sealed
// payload as stored (docs/RECORD.md §11.3), whose content is the party's
// entry of the interchange format, the definition it answers (stale when
// it is not the current one), and the signed event that carries it.
type PartyPreferencesJSON struct {
	Party      string          `json:"party"`
	Definition int64           `json:"definition"`
	Current    bool            `json:"current"` // it answers the current definition
	Sealed     json.RawMessage `json:"sealed"`
	By         string          `json:"by"`
	At         time.Time       `json:"at"`
	Index      int64           `json:"index"`
	Event      EventJSON       `json:"event"`
}

func (s *Server) handlePreferences(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	out, err := PreferencesOf(r.Context(), s.l, v, r.PathValue("item"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// PreferencesOf returns what view v holds of the preferences over the
// packages of an item, reading the events that carry them from l's store.
func PreferencesOf(ctx context.Context, l *ledger.Ledger, v *view.Talks, item string) (*PreferencesView, error) {
	if v.Item(item) == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %[1]q has no item %[2]q", v.ID, item)
	}
	out := &PreferencesView{Item: item, Parties: []PartyPreferencesJSON{}, Rewraps: []RewrapJSON{}, Recipients: []state.Actor{}}
	p := v.PreferencesOf(item)
	if p != nil && p.Definition != nil {
		d := p.Definition
		en, e, err := event(ctx, l, v.ID, d.Index)
		if err != nil {
			return nil, err
		}
		out.Definition = &DefinitionJSON{Issues: d.Issues, Current: d.Current, Note: d.Note, By: d.By, At: d.At, Index: d.Index, Event: eventJSON(en, e, v.VisibilityOf(d.Index))}
	}
	rewraps := map[int64]*parley.Rewrap{}
	if p != nil {
		for _, pp := range p.Parties {
			en, e, err := event(ctx, l, v.ID, pp.Index)
			if err != nil {
				return nil, err
			}
			cur := out.Definition != nil && out.Definition.Index == pp.Definition
			out.Parties = append(out.Parties, PartyPreferencesJSON{Party: pp.Party, Definition: pp.Definition, Current: cur, Sealed: pp.Sealed,
				By: pp.By, At: pp.At, Index: pp.Index, Event: eventJSON(en, e, v.VisibilityOf(pp.Index))})
			for _, rw := range v.RewrapsOf(pp.Index) {
				x := rewraps[rw.Index]
				if x == nil {
					_, e, err := event(ctx, l, v.ID, rw.Index)
					if err != nil {
						return nil, err
					}
					var ok bool
					if x, ok = e.Act.(*parley.Rewrap); !ok || rw.Entry >= len(x.Rewraps) {
						return nil, parley.Errorf(parley.EINTERNAL, "event %d of %s is not the re-wrap the state says", rw.Index, v.ID)
					}
					rewraps[rw.Index] = x
				}
				out.Rewraps = append(out.Rewraps, RewrapJSON{Of: rw.Of, Index: rw.Index, By: rw.By, Actor: rw.Actor, Key: rw.Key, Rewrap: x.Rewraps[rw.Entry].Rewrap})
			}
		}
	}
	as := make([]*state.Actor, len(v.Actors))
	for i := range v.Actors {
		as[i] = &v.Actors[i]
	}
	party := ""
	if v.Viewer.Actor != nil {
		party = v.Viewer.Actor.Party
	}
	for _, a := range state.PreferencesRecipientsAmong(as, party) {
		out.Recipients = append(out.Recipients, *a)
	}
	return out, nil
}

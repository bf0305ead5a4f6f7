package state

import (
	"encoding/json"
	"slices"

	"github.com/parleyhq/parley"
)

// A Viewer is who is looking at a talks: the public (nil Actor) or an actor
// on its roster.
type Viewer struct {
	Actor *Actor
}

// Public is the viewer without a key.
var Public = Viewer{}

// ViewerOf returns the viewer holding key, or the public viewer if the key
// is not on the roster or was revoked.
func (t *Talks) ViewerOf(key string) Viewer {
	a := t.Roster.Actors[key]
	if a == nil || a.Revoked {
		return Public
	}
	return Viewer{Actor: a}
}

// Chair reports whether the viewer is the convener or a mediator.
func (v Viewer) Chair() bool {
	return v.Actor != nil && (v.Actor.Role == parley.RoleConvener || v.Actor.Role == parley.RoleMediator)
}

// Name describes the viewer for messages.
func (v Viewer) Name() string {
	if v.Actor == nil {
		return "the public"
	}
	return v.Actor.Name + " (" + describe(v.Actor) + ")"
}

// VisibilityOf returns the visibility of an event in this talks: its own
// "vis", else the talks' default; roster events are always public. In
// proximity talks a party's stances and amendments are seen only by that
// party and the mediators.
func (t *Talks) VisibilityOf(e *parley.Event) string {
	if AlwaysPublic(e.Kind) {
		return parley.VisPublic
	}
	if e.Kind == parley.KindCaucus || (e.Kind == parley.KindRelease && e.Vis == "") {
		var p struct {
			Party string `json:"party"`
		}
		_ = json.Unmarshal(e.Payload, &p)
		return parley.VisParty(p.Party)
	}
	if e.Vis != "" {
		return e.Vis
	}
	if e.Kind == parley.KindStatement {
		return parley.VisPublic // a public statement, unless narrowed
	}
	if t.Proximity {
		switch e.Kind {
		case parley.KindSetStance, parley.KindProposeAmendment:
			var p struct {
				Party string `json:"party"`
			}
			if json.Unmarshal(e.Payload, &p) == nil && p.Party != "" {
				return parley.VisParty(p.Party)
			}
		}
	}
	if t.Visibility == "" {
		return parley.VisParticipants
	}
	return t.Visibility
}

// Sees reports whether the viewer may see an event of the given visibility.
func (v Viewer) Sees(vis string) bool {
	switch {
	case vis == parley.VisPublic:
		return true
	case v.Actor == nil:
		return false
	case v.Chair():
		return true
	case vis == parley.VisParticipants:
		return true
	}
	p, ok := parley.PartyOfVis(vis)
	return ok && v.Actor.Party == p
}

// Visible reports whether the viewer may see event e of this talks.
func (t *Talks) Visible(v Viewer, e *parley.Event) bool { return v.Sees(t.VisibilityOf(e)) }

// VisibilityAt returns the visibility of the event at a log index, or "" if
// there is none.
func (t *Talks) VisibilityAt(index int64) string {
	if index < 0 || index >= int64(len(t.vis)) {
		return ""
	}
	return t.vis[index]
}

// VisibleAt reports whether the viewer may see the event at a log index of
// this talks: by its visibility, or because a mediator released it to the
// viewer's party.
func (t *Talks) VisibleAt(v Viewer, index int64) bool {
	if index < 0 || index >= int64(len(t.vis)) {
		return false
	}
	if v.Sees(t.vis[index]) {
		return true
	}
	return v.Actor != nil && v.Actor.Party != "" && slices.Contains(t.Releases[index], v.Actor.Party)
}

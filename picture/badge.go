package picture

import (
	"io"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// Kinds of badge: an item's status as the pages show it, which tells
// apart what the engine's status alone does not (an item not agreed that
// was agreed before, and one that never was).
const (
	BadgeAgreed       = "agreed"
	BadgeAdReferendum = "agreed_ad_referendum"
	BadgeLost         = "lost"         // not agreed now, agreed before
	BadgeNever        = "never_agreed" // not agreed now, and never was
	BadgeContested    = "contested"
	BadgeOscillating  = "oscillating"
)

// A Badge is an item's status for display, with, for an item that lost
// agreement, when and by whose act.
type Badge struct {
	Kind  string
	Label string // "agreed", "lost agreement", "never agreed", …
	// For an item that lost agreement (a lost badge, or a contested or
	// oscillating item that was agreed before): the event that made it
	// lose agreement last, its time, and who did it.
	Index  int64 // -1 when there is none
	Since  time.Time
	Party  string // the party whose stance did it, if a stance did
	Actor  string // the signer, in words, when the viewer may see the event
	Hidden bool   // the event is hidden from the viewer
	// Text says it all in a sentence: "lost agreement on 10 April 2015
	// (#57), when Opposition Delegation A (oppA) made its support
	// conditional: it supports it only if M1a or M1b is agreed".
	Text string
}

// BadgeOf returns the badge of an item from its status (as the engine
// computes it for the view t) and the history of the agreement as the
// same viewer sees it, its label and text in the language of p. h may be
// nil: an item not agreed is then "never agreed" unless the caller knows
// better. When the history is truncated (view.History.Truncated), a loss
// after its end is not seen.
func BadgeOf(p *i18n.Printer, item, status string, h *view.History, t *view.Talks) Badge {
	p = printer(p)
	b := Badge{Index: -1}
	var last *view.Transition
	gained := false
	if h != nil {
		for k := range h.Transitions {
			tr := &h.Transitions[k]
			if tr.Item != item {
				continue
			}
			if tr.Agreed {
				gained = true
				continue
			}
			last = tr
		}
	}
	switch status {
	case agreement.StatusAgreed:
		b.Kind = BadgeAgreed
	case agreement.StatusAgreedAdReferendum:
		b.Kind = BadgeAdReferendum
	case agreement.StatusContested:
		b.Kind = BadgeContested
	case agreement.StatusOscillating:
		b.Kind = BadgeOscillating
	default:
		if gained {
			b.Kind, b.Label = BadgeLost, p.T("lost agreement")
		} else {
			b.Kind, b.Label = BadgeNever, p.T("never agreed")
		}
	}
	if b.Label == "" {
		b.Label = words.Status(p, status)
	}
	b.Text = b.Label
	switch b.Kind {
	case BadgeAdReferendum:
		b.Text = p.T("agreed ad referendum: it falls if a capital does not confirm")
	case BadgeContested:
		b.Text = p.T("contested: agreed in some outcomes of the conditions, not in others")
	case BadgeOscillating:
		b.Text = p.T("oscillating: its conditions admit no settled outcome")
	}
	if last == nil || !gained || view.Agreedish(status) {
		return b
	}
	b.Index, b.Since = last.Index, last.At
	var cause string
	switch {
	case last.Event == nil:
		b.Hidden = true
		if t == nil || t.Viewer.Actor == nil {
			cause = p.T("by an event hidden from the public")
		} else {
			cause = p.T("by an event hidden from this viewer")
		}
	case last.Stance != nil:
		x := last.Stance
		b.Party = x.Party
		b.Actor = actorName(p, t, last.Event.Actor)
		cause = stanceChange(p, partyName(t, x.Party), x.Stance, x.Condition)
	default:
		b.Actor = actorName(p, t, last.Event.Actor)
		cause = actWords(p, b.Actor, last.Event.Kind)
	}
	ref := "#" + strconv.FormatInt(last.Index, 10)
	if b.Kind == BadgeLost {
		b.Text = p.T("lost agreement on %[1]s (%[2]s), %[3]s", p.Date(last.At), ref, cause)
	} else {
		b.Text = p.T("%[4]s; it lost agreement on %[1]s (%[2]s), %[3]s", p.Date(last.At), ref, cause, b.Text)
	}
	return b
}

// stanceChange says what a party did to an item with its new stance, as
// the clause of a loss: "when oppA made its support conditional: it
// supports it only if M1a or M1b is agreed".
func stanceChange(p *i18n.Printer, party, stance, condition string) string {
	switch stance {
	case parley.StanceConditional:
		return p.T("when %[1]s made its support conditional: it supports it only if %[2]s", party, words.ConditionText(p, condition))
	case parley.StanceOppose:
		return p.T("when %s opposed it", party)
	case parley.StanceReserve:
		return p.T("when %s reserved its position", party)
	case parley.StanceAbstain:
		return p.T("when %s abstained", party)
	case parley.StanceSupport:
		return p.T("when %s supported it", party)
	case parley.StanceAdReferendum:
		return p.T("when %s supported it ad referendum", party)
	}
	return p.T("when %s withdrew its stance", party)
}

// actWords says what an event that is not a stance did, as the clause of
// a loss, by the actor who signed it.
func actWords(p *i18n.Printer, actor, kind string) string {
	switch kind {
	case parley.KindTableVersion:
		return p.T("when %s tabled a new version, on which no stance is taken yet", actor)
	case parley.KindSetPackage:
		return p.T("when %s set a package", actor)
	case parley.KindSetRule:
		return p.T("when %s set a decision rule", actor)
	case parley.KindOpenRound:
		return p.T("when %s opened a round", actor)
	case parley.KindCloseRound:
		return p.T("when %s closed a round", actor)
	case parley.KindAcceptInvitation, parley.KindDeclineInvitation, parley.KindInvite:
		return p.T("when %s changed who sits at the table", actor)
	}
	return p.T("when %[1]s recorded an event of the kind %[2]s", actor, kind)
}

// printer is the printer a picture speaks with: English for a picture
// built without one (by hand, in a test).
func printer(p *i18n.Printer) *i18n.Printer {
	if p == nil {
		return i18n.For(i18n.English)
	}
	return p
}

func partyName(t *view.Talks, id string) string {
	if t == nil {
		return id
	}
	if n := t.PartyName(id); n != id {
		return n + " (" + id + ")"
	}
	return id
}

func actorName(p *i18n.Printer, t *view.Talks, key string) string {
	if t == nil {
		return p.T("an actor")
	}
	a := t.Actor(key)
	if a == nil {
		return p.T("an actor not on the roster")
	}
	name := ""
	if a.Party != "" {
		name = t.PartyName(a.Party)
	}
	return words.Actor(p, a, name)
}

// writeGlyph writes the shape of a badge, centred at (cx, cy) with radius
// r: the shape tells the status apart without colour (a filled disc for
// agreed, a half-filled disc ad referendum, a triangle pointing down for
// lost agreement, a hollow square for never agreed, a diamond for
// contested and a zigzag for oscillating).
func (s *svg) glyph(kind string, cx, cy, r float64) { s.glyphAt(kind, s.X(cx), cy, r) }

// glyphAt writes a badge's shape centred at (x, cy) in the picture's own
// coordinates, not mirrored.
func (s *svg) glyphAt(kind string, x, cy, r float64) {
	switch kind {
	case BadgeAgreed:
		s.Raw(`<circle cx="`, num(x), `" cy="`, num(cy), `" r="`, num(r), `" fill="#1b5e20"/>`)
	case BadgeAdReferendum:
		s.Raw(`<circle cx="`, num(x), `" cy="`, num(cy), `" r="`, num(r), `" fill="#fff" stroke="#1b5e20" stroke-width="1.5"/>`,
			`<path d="M`, num(x), " ", num(cy-r), "A", num(r), " ", num(r), " 0 0 0 ", num(x), " ", num(cy+r), `z" fill="#1b5e20"/>`)
	case BadgeLost:
		s.Raw(`<path d="M`, num(x-r), " ", num(cy-r*0.8), "H", num(x+r), "L", num(x), " ", num(cy+r), `z" fill="#fff" stroke="#b71c1c" stroke-width="2"/>`)
	case BadgeContested:
		s.Raw(`<path d="M`, num(x), " ", num(cy-r), "L", num(x+r), " ", num(cy), "L", num(x), " ", num(cy+r), "L", num(x-r), " ", num(cy), `z" fill="#fff3e0" stroke="#8a4b00" stroke-width="1.5"/>`)
	case BadgeOscillating:
		s.Raw(`<path d="M`, num(x-r), " ", num(cy), "L", num(x-r/2), " ", num(cy-r), "L", num(x), " ", num(cy+r), "L", num(x+r/2), " ", num(cy-r), "L", num(x+r), " ", num(cy),
			`" fill="none" stroke="#4a148c" stroke-width="2"/>`)
	default: // never agreed, or unknown
		s.Raw(`<rect x="`, num(x-r*0.85), `" y="`, num(cy-r*0.85), `" width="`, num(r*1.7), `" height="`, num(r*1.7), `" fill="#fff" stroke="#333" stroke-width="1.5"/>`)
	}
}

// WriteBadge writes a badge as a small picture, 16 units square, whose
// text alternative is the badge's text; a page shows it beside the
// badge's label.
func WriteBadge(w io.Writer, b Badge, o Options) error {
	s := newSVG(o, "pb-")
	s.Open(16, 16, b.Label, b.Text)
	s.glyph(b.Kind, 8, 8, 6)
	s.Raw("\n")
	s.Close()
	return s.CopyTo(w)
}

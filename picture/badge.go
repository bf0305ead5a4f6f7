package picture

import (
	"fmt"
	"io"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
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
// same viewer sees it. h may be nil: an item not agreed is then "never
// agreed" unless the caller knows better. When the history is truncated
// (view.History.Truncated), a loss after its end is not seen.
func BadgeOf(item, status string, h *view.History, t *view.Talks) Badge {
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
		b.Kind, b.Label = BadgeAgreed, "agreed"
	case agreement.StatusAgreedAdReferendum:
		b.Kind, b.Label = BadgeAdReferendum, "agreed ad referendum"
	case agreement.StatusContested:
		b.Kind, b.Label = BadgeContested, "contested"
	case agreement.StatusOscillating:
		b.Kind, b.Label = BadgeOscillating, "oscillating"
	default:
		if gained {
			b.Kind, b.Label = BadgeLost, "lost agreement"
		} else {
			b.Kind, b.Label = BadgeNever, "never agreed"
		}
	}
	b.Text = b.Label
	switch b.Kind {
	case BadgeAdReferendum:
		b.Text = "agreed ad referendum: it falls if a capital does not confirm"
	case BadgeContested:
		b.Text = "contested: agreed in some outcomes of the conditions, not in others"
	case BadgeOscillating:
		b.Text = "oscillating: its conditions admit no settled outcome"
	}
	if last == nil || !gained || view.Agreedish(status) {
		return b
	}
	b.Index, b.Since = last.Index, last.At
	when := fmt.Sprintf("%s (#%d)", day(last.At), last.Index)
	lost := "lost agreement on " + when
	if b.Kind != BadgeLost {
		lost = b.Text + "; it lost agreement on " + when
	}
	switch {
	case last.Event == nil:
		b.Hidden = true
		b.Text = lost + ", by an event hidden from " + viewerName(t)
	case last.Stance != nil:
		x := last.Stance
		b.Party = x.Party
		b.Actor = actorName(t, last.Event.Actor)
		b.Text = lost + ", when " + partyName(t, x.Party) + " " + stanceChange(x.Stance, x.Condition)
	default:
		b.Actor = actorName(t, last.Event.Actor)
		b.Text = lost + ", when " + b.Actor + " " + actWords(last.Event.Kind)
	}
	return b
}

// stanceChange says what a party did to an item with its new stance, in
// the words of a loss.
func stanceChange(stance, condition string) string {
	switch stance {
	case parley.StanceConditional:
		return "made its support conditional: " + words.Stance(en, []string{"it"}, stance, condition, "")
	case parley.StanceOppose:
		return "opposed it"
	case parley.StanceReserve:
		return "reserved its position"
	case parley.StanceAbstain:
		return "abstained"
	case parley.StanceSupport:
		return "supported it"
	case parley.StanceAdReferendum:
		return "supported it ad referendum"
	}
	return "withdrew its stance"
}

// actWords says what an event that is not a stance did, for a loss.
func actWords(kind string) string {
	switch kind {
	case parley.KindTableVersion:
		return "tabled a new version, on which no stance is taken yet"
	case parley.KindSetPackage:
		return "set a package"
	case parley.KindSetRule:
		return "set a decision rule"
	case parley.KindOpenRound:
		return "opened a round"
	case parley.KindCloseRound:
		return "closed a round"
	case parley.KindAcceptInvitation, parley.KindDeclineInvitation, parley.KindInvite:
		return "changed who sits at the table"
	}
	return "recorded an event of kind " + kind
}

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

func partyName(t *view.Talks, id string) string {
	if t == nil {
		return id
	}
	if n := t.PartyName(id); n != id {
		return n + " (" + id + ")"
	}
	return id
}

func actorName(t *view.Talks, key string) string {
	if t == nil {
		return "an actor"
	}
	a := t.Actor(key)
	if a == nil {
		return "an actor not on the roster"
	}
	name := ""
	if a.Party != "" {
		name = t.PartyName(a.Party)
	}
	return words.Actor(en, a, name)
}

func viewerName(t *view.Talks) string {
	if t == nil || t.Viewer.Actor == nil {
		return "the public"
	}
	return "this viewer"
}

// writeGlyph writes the shape of a badge, centred at (cx, cy) with radius
// r: the shape tells the status apart without colour (a filled disc for
// agreed, a half-filled disc ad referendum, a triangle pointing down for
// lost agreement, a hollow square for never agreed, a diamond for
// contested and a zigzag for oscillating).
func (s *svg) glyph(kind string, cx, cy, r float64) { s.glyphAt(kind, s.x(cx), cy, r) }

// glyphAt writes a badge's shape centred at (x, cy) in the picture's own
// coordinates, not mirrored.
func (s *svg) glyphAt(kind string, x, cy, r float64) {
	switch kind {
	case BadgeAgreed:
		s.raw(`<circle cx="`, num(x), `" cy="`, num(cy), `" r="`, num(r), `" fill="#1b5e20"/>`)
	case BadgeAdReferendum:
		s.raw(`<circle cx="`, num(x), `" cy="`, num(cy), `" r="`, num(r), `" fill="#fff" stroke="#1b5e20" stroke-width="1.5"/>`,
			`<path d="M`, num(x), " ", num(cy-r), "A", num(r), " ", num(r), " 0 0 0 ", num(x), " ", num(cy+r), `z" fill="#1b5e20"/>`)
	case BadgeLost:
		s.raw(`<path d="M`, num(x-r), " ", num(cy-r*0.8), "H", num(x+r), "L", num(x), " ", num(cy+r), `z" fill="#fff" stroke="#b71c1c" stroke-width="2"/>`)
	case BadgeContested:
		s.raw(`<path d="M`, num(x), " ", num(cy-r), "L", num(x+r), " ", num(cy), "L", num(x), " ", num(cy+r), "L", num(x-r), " ", num(cy), `z" fill="#fff3e0" stroke="#8a4b00" stroke-width="1.5"/>`)
	case BadgeOscillating:
		s.raw(`<path d="M`, num(x-r), " ", num(cy), "L", num(x-r/2), " ", num(cy-r), "L", num(x), " ", num(cy+r), "L", num(x+r/2), " ", num(cy-r), "L", num(x+r), " ", num(cy),
			`" fill="none" stroke="#4a148c" stroke-width="2"/>`)
	default: // never agreed, or unknown
		s.raw(`<rect x="`, num(x-r*0.85), `" y="`, num(cy-r*0.85), `" width="`, num(r*1.7), `" height="`, num(r*1.7), `" fill="#fff" stroke="#333" stroke-width="1.5"/>`)
	}
}

// WriteBadge writes a badge as a small picture, 16 units square, whose
// text alternative is the badge's text; a page shows it beside the
// badge's label.
func WriteBadge(w io.Writer, b Badge, o Options) error {
	s := newSVG(o, "pb-")
	s.open(16, 16, b.Label, b.Text)
	s.glyph(b.Kind, 8, 8, 6)
	s.raw("\n")
	s.close()
	return s.write(w)
}

package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/state"
)

// A delegate acts where it reads: a stance from the document view and
// from its own party's cells of the dashboard, an amendment from the
// paragraph it edits. The forms are the workspace's (data-act, signed in
// the browser by acts.js); these say when the viewer may use them.

// acting is what the viewer's delegation may do now.
type acting struct {
	Party     string
	PartyName string
	Round     *roundView
	Between   bool   // no round is open: Round is the last held, and a stance is recorded as between rounds
	Stances   bool   // the party may take stances
	Amend     bool   // and propose amendments: a round is open
	Why       string // why it may not act, in words
}

// actingOf returns what the viewer's delegation may do, or nil when the
// viewer acts for no party or looks at the past. The workspace says the
// same (workspace.go): a party acts while it sits at the open round's
// table, and between rounds if it sat at the last one.
func actingOf(s *snap) *acting {
	party := s.Delegation()
	if party == "" || s.At >= 0 {
		return nil
	}
	a := &acting{Party: party, PartyName: s.PartyName(party), Round: s.OpenRound()}
	if a.Round == nil {
		if cur := s.CurrentRound(); cur != nil {
			a.Round, a.Between = cur, true
		}
	}
	var inv *invitationView
	if a.Round != nil {
		for i := range a.Round.Invitations {
			if a.Round.Invitations[i].Party == party {
				inv = &a.Round.Invitations[i]
			}
		}
	}
	switch {
	case a.Round == nil:
		a.Why = s.P.T("No round has been held yet: stances and amendments are recorded once a round is open. A mediator opens the first round.")
	case inv == nil:
		a.Why = s.P.T("Your party is not invited to round %s.", a.Round.ID)
	case inv.Status == state.Declined && a.Between:
		a.Why = s.P.T("Your party declined round %s, the last round held; it takes stances again once it sits at a round's table.", a.Round.ID)
	case inv.Status == state.Declined:
		a.Why = s.P.T("Your party declined round %s; accept the invitation on the overview to take part.", a.Round.ID)
	default:
		a.Stances, a.Amend = true, !a.Between
	}
	return a
}

// A stanceForm is the viewer's stance on one item, and the form that
// changes it.
type stanceForm struct {
	ID       string // prefixes the ids of the form's fields, unique in the page
	Talks    string
	Item     *itemView
	Party    string
	Version  int // the latest version, on which a stance is taken
	Mine     *state.Stance
	Outdated bool   // Mine is on an earlier version
	Cur      string // the stance the form starts at
	Others   []string
	Between  bool
	Round    string
}

// newStanceForm returns the stance form of an item for the viewer, or nil
// when it may not take a stance on it now.
func newStanceForm(s *snap, a *acting, it *itemView, id string) *stanceForm {
	if a == nil || !a.Stances || it == nil || it.Latest() == nil {
		return nil
	}
	f := &stanceForm{ID: id, Talks: s.ID, Item: it, Party: a.Party, Version: it.LatestN, Mine: it.Stances[a.Party], Between: a.Between, Round: a.Round.ID}
	if f.Mine != nil {
		f.Outdated = f.Mine.Version != it.LatestN
		f.Cur = f.Mine.Stance
	}
	if len(s.Items) <= quickItems+1 {
		for _, o := range s.Items {
			if o.ID != it.ID {
				f.Others = append(f.Others, o.ID)
			}
		}
	}
	return f
}

// An amendForm proposes an amendment to one paragraph of the latest
// version, in the language shown first.
type amendForm struct {
	Item      string
	Party     string
	Version   int
	Paragraph int    // from 1
	Text      string // the paragraph as it stands
	Lang      string // the language of Text, in talks with official languages
	ID        string // a free amendment id
}

// newAmendForm returns the form amending paragraph n (from 1) of the
// latest version of an item, or nil when the viewer may not.
func newAmendForm(s *snap, a *acting, it *itemView, n int, lang string) *amendForm {
	if a == nil || !a.Amend || it == nil || it.Kind != parley.ItemDocument {
		return nil
	}
	v := it.Latest()
	if v == nil {
		return nil
	}
	paras := v.Paragraphs
	if lang != "" {
		if t, ok := v.Texts[lang]; ok {
			paras = t
		}
	}
	if n < 1 || n > len(paras) {
		return nil
	}
	f := &amendForm{Item: it.ID, Party: a.Party, Version: v.N, Paragraph: n, Text: paras[n-1], Lang: lang}
	// A fresh id: the item, the party and the next free number.
	for k := len(it.Amendments) + 1; ; k++ {
		id := it.ID + "-" + a.Party + "-" + strconv.Itoa(k)
		if it.Amendment(id) == nil {
			f.ID = id
			break
		}
	}
	return f
}

// documentActing gives the document view the item's badge and what the
// viewer's delegation may do there: take a stance on the latest version,
// and, on the latest version shown in full, amend a paragraph (?amend=N,
// checked against the paragraphs before anything is built).
func (h *handler) documentActing(r *http.Request, s *snap, v *verdict, d *documentData) error {
	hist, err := h.history(r.Context(), s)
	if err != nil {
		return err
	}
	d.Badge = s.itemBadges(hist, v)[d.Item.ID]
	a := actingOf(s)
	d.Acting = a
	d.Stance = newStanceForm(s, a, d.Item, "ds")
	latest := d.Item.Latest()
	q := r.URL.Query()
	if a == nil || !a.Amend || latest == nil || d.Shown != latest || d.Item.Kind != parley.ItemDocument {
		if q.Has("amend") {
			return parley.Errorf(parley.ECONFLICT, "amend=%.12q: you may not propose an amendment to %s here now; the workspace says why", q.Get("amend"), d.Item.ID)
		}
		return nil
	}
	lang := d.A // the language shown first, in talks with official languages
	base := url.Values{}
	if d.Official != nil {
		if l := q.Get("lang"); l != "" {
			base.Set("lang", l)
		}
		if l := q.Get("with"); l != "" {
			base.Set("with", l)
		}
	}
	d.AmendBase = "/talks/" + s.ID + "/items/" + d.Item.ID + "?" + base.Encode()
	if len(base) > 0 {
		d.AmendBase += "&"
	}
	d.AmendBase += "amend="
	if v := q.Get("amend"); v != "" {
		paras := len(latest.Paragraphs)
		if t, ok := latest.Texts[lang]; ok {
			paras = len(t)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > paras {
			return parley.Errorf(parley.EINVALID, "amend=%.12q is not the number of a paragraph of %s version %d; choose “Amend” beside one", v, d.Item.ID, latest.N)
		}
		d.Amend = newAmendForm(s, a, d.Item, n, lang)
	}
	return nil
}

// An amendLink is the link that opens the amendment of paragraph N.
type amendLink struct {
	Href string
	N    int
}

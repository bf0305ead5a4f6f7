package web

import (
	"bytes"
	"context"
	"html/template"
	"net/url"
	"strconv"

	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/picture"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// The pages draw the pictures of package picture (docs/PICTURES.md) as
// SVG inlined in the page: the blocking graph beside an item's
// explanation, the agreement over time and the progress of the talks on
// the history page. Each is said as text beside it too.

// An itemBadge is an item's status as the pages show it: the engine's
// status told apart by the viewer's history (picture.BadgeOf), so that an
// item that lost agreement does not look like one never agreed, and, for
// one that lost it, since when and by whose act.
type itemBadge struct {
	Kind  string // a picture.Badge kind: agreed, lost, never_agreed, …
	Label string // in the reader's language
	Since template.HTML
	Title string // Since as plain text, for the badge's tooltip
}

// badgeOrder is the order in which the pages count badges.
var badgeOrder = []string{picture.BadgeAgreed, picture.BadgeAdReferendum, picture.BadgeContested, picture.BadgeLost, picture.BadgeNever, picture.BadgeOscillating}

// badgeLabel names a badge's kind in the reader's language.
func badgeLabel(p *i18n.Printer, kind string) string {
	switch kind {
	case picture.BadgeLost:
		return p.T("lost agreement")
	case picture.BadgeNever:
		return p.T("never agreed")
	case picture.BadgeAgreed:
		return words.Status(p, agreement.StatusAgreed)
	case picture.BadgeAdReferendum:
		return words.Status(p, agreement.StatusAgreedAdReferendum)
	case picture.BadgeContested:
		return words.Status(p, agreement.StatusContested)
	case picture.BadgeOscillating:
		return words.Status(p, agreement.StatusOscillating)
	}
	return words.Status(p, kind)
}

// itemBadges returns the badge of every item of the snap, from its
// statuses and the viewer's history of the agreement.
func (s *snap) itemBadges(hist *history, v *verdict) map[string]itemBadge {
	byItem := map[string][]view.Transition{}
	lost := map[string]transition{}
	if hist != nil {
		for _, tr := range hist.History.Transitions {
			byItem[tr.Item] = append(byItem[tr.Item], tr)
		}
		for _, tr := range hist.Transitions {
			if !tr.Agreed {
				lost[tr.Item] = tr
			}
		}
	}
	out := make(map[string]itemBadge, len(s.Items))
	for _, it := range s.Items {
		status := v.Status[it.ID]
		b := picture.BadgeOf(s.P, it.ID, status, &view.History{Transitions: byItem[it.ID]}, s.Talks)
		ib := itemBadge{Kind: b.Kind, Label: badgeLabel(s.P, b.Kind)}
		if tr, ok := lost[it.ID]; ok && b.Kind != picture.BadgeAgreed && b.Kind != picture.BadgeAdReferendum && b.Kind != picture.BadgeNever {
			ib.Since, ib.Title = s.lostWords(tr)
		}
		out[it.ID] = ib
	}
	return out
}

// lostWords says when an item lost agreement and by whose act, as HTML
// with a link to the event and as plain text: "lost agreement on 10 April
// 2015 (#57): oppA made its support of D1 version 2 conditional on …".
func (s *snap) lostWords(tr transition) (template.HTML, string) {
	date := s.P.Date(tr.At)
	idx := "#" + s.P.Digits(tr.Index)
	if !tr.Visible {
		key := i18n.Key("lost agreement on %[1]s (%[2]s), by an event hidden from you")
		return sayHTML(s.P, key, date, indexLinkHTML(s.P, s.ID, tr.Index)), s.P.T(key, date, idx)
	}
	key := i18n.Key("lost agreement on %[1]s (%[2]s): %[3]s")
	return sayHTML(s.P, key, date, indexLinkHTML(s.P, s.ID, tr.Index), tr.Cause.Short), s.P.T(key, date, idx, tr.Cause.Short)
}

// svgHTML writes a picture into a page. The package's SVG escapes every
// text and holds no script or style, so that it may stand in the page as
// it is.
func svgHTML(write func(*bytes.Buffer) error) (template.HTML, error) {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// pictureOptions are the options of the pictures of a page in the reader's
// language: mirrored for a right-to-left one.
func pictureOptions(p *i18n.Printer, id string) picture.Options {
	return picture.Options{Dir: p.Dir(), ID: id}
}

// blockingGraph draws the blocking graph of an explained item, its unlock
// options numbered as the explanation lists them.
func blockingGraph(s *snap, res *agreement.Result, x *explanation, hist *history) (template.HTML, *picture.Graph, error) {
	g, err := picture.Blocking(s.P, res, s.Talks, x.Item.ID, x.opts, picture.DefaultMaxNodes)
	if err != nil {
		return "", nil, err
	}
	if hist != nil {
		g.SetHistory(hist.History, s.Talks)
	}
	svg, err := svgHTML(func(b *bytes.Buffer) error { return picture.WriteGraph(b, g, pictureOptions(s.P, "pg-")) })
	return svg, g, err
}

// pictureFuncs are the template functions of the pictures' pages. They
// are added to the pages' own (pages.go); badgeOf is replaced by one that
// also names the badges' kinds (lost agreement, never agreed), so that
// every badge of a page, an explanation's items among them, tells them
// apart.
func pictureFuncs(p *i18n.Printer) map[string]any {
	return map[string]any{
		"historyLink": historyLink,
		"badgeOrder":  func() []string { return badgeOrder },
		"amendAt":     func(base string, n int) amendLink { return amendLink{Href: base + strconv.Itoa(n) + "#amend", N: n} },
		"badgeOf": func(kind string) template.HTML {
			return template.HTML(`<span class="badge s-` + template.HTMLEscapeString(kind) + `">` + template.HTMLEscapeString(badgeLabel(p, kind)) + `</span>`)
		},
	}
}

// dashboardPictures gives the dashboard its badges, counted by kind, the
// viewer's own cells, and, beside an item's explanation, its blocking
// graph and the viewer's stance form.
func (h *handler) dashboardPictures(ctx context.Context, s *snap, v *verdict, d *dashboardData) error {
	hist := d.History
	if hist == nil {
		var err error
		if hist, err = h.history(ctx, s); err != nil {
			return err
		}
	}
	badges := s.itemBadges(hist, v)
	d.Counts = map[string]int{}
	for _, it := range s.Items {
		d.Counts[badges[it.ID].Kind]++
	}
	a := actingOf(s)
	if a != nil && a.Stances {
		d.Matrix.Me = a.Party
	}
	for i := range d.Matrix.Rows {
		row := &d.Matrix.Rows[i]
		row.Badge = badges[row.Item.ID]
		for j := range row.Cells {
			if c := &row.Cells[j]; d.Matrix.Me != "" && c.Party == d.Matrix.Me {
				c.Mine, c.Item, c.Link = true, row.Item.ID, stanceLink(s.ID, row.Item.ID)
			}
		}
	}
	x := d.Explain
	if x == nil {
		return nil
	}
	x.Badge = badges[x.Item.ID]
	badgeTree(x.Tree, badges)
	res, err := s.result()
	if err != nil {
		return err
	}
	if x.Graph, _, err = blockingGraph(s, res, x, hist); err != nil {
		return err
	}
	x.MyStance = newStanceForm(s, a, x.Item, "ms")
	return nil
}

// badgeTree shows the items of an explanation's tree by their badges: an
// item that lost agreement apart from one never agreed.
func badgeTree(n *explainNode, badges map[string]itemBadge) {
	if n == nil {
		return
	}
	if b, ok := badges[n.Item]; ok && (b.Kind == picture.BadgeLost || b.Kind == picture.BadgeNever) {
		n.Status = b.Kind
	}
	for _, bl := range n.Blockers {
		for _, w := range bl.WaitsOn {
			badgeTree(w, badges)
		}
	}
	for _, p := range n.Packaged {
		badgeTree(p, badges)
	}
}

// stanceLink returns the URL of the dashboard explaining an item with the
// viewer's stance form, where a cell of its own party leads.
func stanceLink(talks, item string) string {
	return "/talks/" + talks + "/dashboard?" + url.Values{"item": {item}}.Encode() + "#my-stance"
}

package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
)

// documentData is the document view of one item.
type documentData struct {
	Item     *itemView
	Status   string
	Shown    *state.Version
	Bidi     bool // a paragraph of the version shown holds bidirectional controls
	From, To int  // the versions compared, 0 when there is no diff
	Diff     []document.ParagraphDiff
	Changed  int // paragraphs that differ
	// Standings is who stands where on each version: a row per party,
	// a cell per version.
	Standings  []standingRow
	Amendments []amendmentView
	Mediator   bool // the viewer may table a version
	Next       int  // the number of the next version
	Text       string

	// Languages: in talks with official languages, the version shown in
	// two of them side by side (A and B; B "" for one), aligned paragraph
	// by paragraph, the languages it has and lacks, the divergences
	// flagged, and each language's text for printing.
	Official []string
	A, B     string
	Rows     []alignedRow
	Have     []string
	Missing  []string
	Flags    []*state.Divergence
	Printed  []languageText

	// The item's badge, and what the viewer's delegation may do here
	// (acting.go): its stance, and the amendment of a paragraph (?amend=N).
	Badge     itemBadge
	Acting    *acting
	Stance    *stanceForm
	AmendBase string // the link to amend a paragraph, without its number; "" when the viewer may not
	Amend     *amendForm
}

// An alignedRow is one paragraph of a version in two languages.
type alignedRow struct {
	N    int
	A, B string
}

// A languageText is a version's text in one language, for printing.
type languageText struct {
	Lang, Dir  string
	Paragraphs []string
}

type standingRow struct {
	Party, Name string
	Cells       []*standingCell // by version, nil where the party took no stance on it
}

type standingCell struct {
	*state.Stance
	Current bool // the party's current stance
}

type amendmentView struct {
	*state.Amendment
	PartyName string
	TakenIn   []int
}

func (h *handler) document(r *http.Request) (*page, error) {
	s, err := h.load(r.Context(), h.printer(r), r.PathValue("id"), server.ViewerKey(r), -1)
	if err != nil {
		return nil, err
	}
	it := s.Item(r.PathValue("item"))
	if it == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no item %q that you may see; the overview lists its items", s.ID, r.PathValue("item"))
	}
	v, err := s.verdict()
	if err != nil {
		return nil, err
	}
	d := &documentData{Item: it, Next: it.LatestN + 1, Status: v.Status[it.ID]}
	version := func(name string) (*state.Version, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return nil, nil
		}
		n, err := strconv.Atoi(v)
		if err == nil {
			for _, ver := range it.Versions {
				if ver.N == n {
					return ver, nil
				}
			}
		}
		return nil, parley.Errorf(parley.ENOTFOUND, "%s=%q: item %s has no version %s that you may see", name, v, it.ID, v)
	}
	if d.Shown, err = version("v"); err != nil {
		return nil, err
	}
	if d.Shown == nil {
		d.Shown = it.Latest()
	}
	d.Official = s.Languages
	if len(d.Official) > 0 && d.Shown != nil {
		if err := languagesOf(d, r, s.P.Code()); err != nil {
			return nil, err
		}
	}
	if d.Shown != nil {
		for _, p := range d.Shown.Paragraphs {
			d.Bidi = d.Bidi || hasBidi(p)
		}
		for _, lt := range d.Printed {
			for _, p := range lt.Paragraphs {
				d.Bidi = d.Bidi || hasBidi(p)
			}
		}
		d.Text = strings.Join(it.Latest().Paragraphs, "\n")
	}
	from, err := version("from")
	if err != nil {
		return nil, err
	}
	to, err := version("to")
	if err != nil {
		return nil, err
	}
	if from == nil && to == nil && len(it.Versions) > 1 && r.URL.Query().Has("diff") {
		from, to = it.Versions[len(it.Versions)-2], it.Latest()
	}
	if from != nil && to == nil {
		to = it.Latest()
	}
	if from != nil && to != nil {
		d.From, d.To = from.N, to.N
		a, b := from.Paragraphs, to.Paragraphs
		if d.A != "" {
			// The diff in the language shown first, where both have it.
			if x, ok := from.Texts[d.A]; ok {
				a = x
			}
			if x, ok := to.Texts[d.A]; ok {
				b = x
			}
		}
		d.Diff = document.Diff(a, b)
		for _, pd := range d.Diff {
			if pd.Op != document.Same {
				d.Changed++
			}
		}
	}
	byVersion := map[int]int{}
	for k, ver := range it.Versions {
		byVersion[ver.N] = k
	}
	for _, p := range s.Parties {
		row := standingRow{Party: p.ID, Name: p.Name, Cells: make([]*standingCell, len(it.Versions))}
		any := false
		for _, x := range it.History {
			if x.Party != p.ID {
				continue
			}
			if k, ok := byVersion[x.Version]; ok {
				row.Cells[k] = &standingCell{Stance: x, Current: it.Stances[p.ID] == x}
				any = true
			}
		}
		if any || p.Participant {
			d.Standings = append(d.Standings, row)
		}
	}
	for _, a := range it.Amendments {
		av := amendmentView{Amendment: a, PartyName: s.PartyName(a.Party)}
		for _, ver := range it.Versions {
			for _, id := range ver.Amendments {
				if id == a.ID {
					av.TakenIn = append(av.TakenIn, ver.N)
				}
			}
		}
		d.Amendments = append(d.Amendments, av)
	}
	d.Mediator = s.Viewer.Actor != nil && s.Viewer.Actor.Role == parley.RoleMediator && !s.Viewer.Actor.Revoked
	if err := h.documentActing(r, s, v, d); err != nil {
		return nil, err
	}
	return &page{Name: "document", Title: s.P.T("%[1]s · %[2]s", it.ID, it.Title), S: s, Tab: "documents", Live: true, Data: d}, nil
}

// languagesOf fills the languages of the document view: the two shown
// side by side (?lang=A&with=B, by default the first two the version has),
// the languages the version has and lacks, its divergences, and each
// language's text for printing.
func languagesOf(d *documentData, r *http.Request, pageLang string) error {
	v := d.Shown
	d.Have = v.Langs(d.Official)
	d.Missing = v.Missing(d.Official)
	d.Flags = v.Flags
	q := r.URL.Query()
	pick := func(name, def string) (string, error) {
		l := q.Get(name)
		if l == "" {
			return def, nil
		}
		if _, ok := v.Texts[l]; !ok {
			return "", parley.Errorf(parley.ENOTFOUND, "%s=%q: version %d has no text in that language; it has %s", name, l, v.N, strings.Join(d.Have, ", "))
		}
		return l, nil
	}
	// By default the reader's language first, beside the first other
	// language the version has.
	var defA, defB string
	if len(d.Have) > 0 {
		defA = d.Have[0]
	}
	if slices.Contains(d.Have, pageLang) {
		defA = pageLang
	}
	for _, l := range d.Have {
		if l != defA {
			defB = l
			break
		}
	}
	var err error
	if d.A, err = pick("lang", defA); err != nil {
		return err
	}
	if d.B, err = pick("with", defB); err != nil {
		return err
	}
	if d.B == d.A {
		d.B = ""
		for _, l := range d.Have {
			if l != d.A {
				d.B = l
				break
			}
		}
	}
	for i, p := range v.Texts[d.A] {
		row := alignedRow{N: i + 1, A: p}
		if d.B != "" && i < len(v.Texts[d.B]) {
			row.B = v.Texts[d.B][i]
		}
		d.Rows = append(d.Rows, row)
	}
	for _, l := range d.Have {
		d.Printed = append(d.Printed, languageText{Lang: l, Dir: dirOf(l), Paragraphs: v.Texts[l]})
	}
	return nil
}

package state

import (
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/document"
)

// Languages: a talks may declare official languages at its founding. Each
// version of a text is then tabled in all of them, equally authentic and
// aligned paragraph by paragraph; a version missing a language is
// incomplete and cannot be agreed until a mediator tables it
// (version.translate); a party may flag a divergence between two language
// texts of a version, which keeps it from being agreed until a mediator
// tables a new version or the party withdraws the flag (docs/DOCUMENTS.md).

// MaxLanguages is the most official languages a talks may have.
const MaxLanguages = 10

// A Divergence is a party's flag of a divergence between two language
// texts of a version.
type Divergence struct {
	ID        string    `json:"id"`
	Party     string    `json:"party"`
	Paragraph int       `json:"paragraph"`
	Langs     [2]string `json:"langs"`
	Note      string    `json:"note"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Index     int64     `json:"index"`
	// Withdrawn is the log index of the event that withdrew the flag, 0
	// while it is open.
	Withdrawn int64  `json:"withdrawn,omitempty"`
	Reason    string `json:"reason,omitempty"` // the reason given when it was withdrawn
}

// Langs returns the languages a version has, in the order of the talks'
// official languages official.
func (v *Version) Langs(official []string) []string {
	var out []string
	for _, l := range official {
		if _, ok := v.Texts[l]; ok {
			out = append(out, l)
		}
	}
	return out
}

// langsSeen returns the official languages of a version whose text the
// viewer may see: an act of the viewer's names no other (a text hidden
// from its signer is, to it, a text that does not exist).
func (t *Talks) langsSeen(v Viewer, ver *Version) []string {
	var out []string
	for _, l := range ver.Langs(t.Languages) {
		if t.VisibleAt(v, ver.TextAt[l]) {
			out = append(out, l)
		}
	}
	return out
}

// Missing returns the official languages a version lacks.
func (v *Version) Missing(official []string) []string {
	var out []string
	for _, l := range official {
		if _, ok := v.Texts[l]; !ok {
			out = append(out, l)
		}
	}
	return out
}

// copy returns a copy of a version to change: a version, once tabled, is
// never changed in place, since views of the talks share it.
func (v *Version) copy() *Version {
	w := *v
	w.Texts = make(map[string][]string, len(v.Texts)+1)
	for l, x := range v.Texts {
		w.Texts[l] = x
	}
	w.TextAt = make(map[string]int64, len(v.TextAt)+1)
	for l, x := range v.TextAt {
		w.TextAt[l] = x
	}
	w.Flags = slices.Clone(v.Flags)
	return &w
}

// checkTitles checks the titles of a talks or an item in its official
// languages: each an official language, each title a name.
func checkTitles(titles map[string]string, langs []string) error {
	if len(titles) > 0 && len(langs) == 0 {
		return parley.Errorf(parley.EINVALID, "payload field \"titles\": these talks have no official languages; give the one title")
	}
	for _, l := range slices.Sorted(maps.Keys(titles)) {
		if !slices.Contains(langs, l) {
			return parley.Errorf(parley.EINVALID, "payload field \"titles\": %q is not an official language of the talks (%s)", l, strings.Join(langs, ", "))
		}
		if err := checkName("titles."+l, titles[l]); err != nil {
			return err
		}
	}
	return nil
}

// checkLanguages checks the official languages of a founding: BCP 47 tags
// in their canonical form, distinct, at most MaxLanguages.
func checkLanguages(langs []string) error {
	if len(langs) > MaxLanguages {
		return parley.Errorf(parley.EINVALID, "payload field \"languages\": %d languages, more than the limit of %d", len(langs), MaxLanguages)
	}
	for i, l := range langs {
		tag, err := language.Parse(l)
		if err != nil || len(l) > 35 {
			return parley.Errorf(parley.EINVALID, "payload field \"languages[%d]\": %q is not a BCP 47 language tag such as \"ar\", \"ru\" or \"en\"", i, l)
		}
		if tag.String() != l {
			return parley.Errorf(parley.EINVALID, "payload field \"languages[%d]\": write %q as %q, its canonical form", i, l, tag.String())
		}
		if slices.Contains(langs[:i], l) {
			return parley.Errorf(parley.EINVALID, "payload field \"languages[%d]\": %q is listed twice", i, l)
		}
	}
	return nil
}

// versionTexts checks the text of a version being tabled and returns its
// paragraphs and, in talks with official languages, its text in each.
func (t *Talks) versionTexts(p *parley.TableVersion) ([]string, map[string][]string, error) {
	if len(t.Languages) == 0 {
		if len(p.Texts) > 0 {
			return nil, nil, parley.Errorf(parley.EINVALID, "payload field \"texts\": these talks have no official languages; give the text as \"paragraphs\"")
		}
		if len(p.Paragraphs) == 0 {
			return nil, nil, parley.Errorf(parley.EINVALID, "payload field \"paragraphs\": a version has at least one paragraph")
		}
		if err := document.CheckVersion(p.Paragraphs); err != nil {
			return nil, nil, parley.Wrapf(parley.ErrorCode(err), "payload field \"paragraphs\": %s", err)
		}
		return p.Paragraphs, nil, nil
	}
	if len(p.Paragraphs) > 0 {
		return nil, nil, parley.Errorf(parley.EINVALID, "payload field \"paragraphs\": these talks have official languages (%s); give the text in each as \"texts\"", strings.Join(t.Languages, ", "))
	}
	if len(p.Texts) == 0 {
		return nil, nil, parley.Errorf(parley.EINVALID, "payload field \"texts\": a version has its text in at least one of the official languages (%s)", strings.Join(t.Languages, ", "))
	}
	texts := make(map[string][]string, len(p.Texts))
	var first string
	for _, l := range t.Languages {
		paras, ok := p.Texts[l]
		if !ok {
			continue
		}
		if err := document.CheckVersion(paras); err != nil {
			return nil, nil, parley.Wrapf(parley.ErrorCode(err), "payload field \"texts.%s\": %s", err, l)
		}
		if first == "" {
			first = l
		} else if err := document.Aligned(first, texts[first], l, paras); err != nil {
			return nil, nil, parley.Wrapf(parley.ErrorCode(err), "payload field \"texts.%s\": %s", err, l)
		}
		texts[l] = paras
	}
	if len(texts) != len(p.Texts) {
		for l := range p.Texts {
			if !slices.Contains(t.Languages, l) {
				return nil, nil, parley.Errorf(parley.EINVALID, "payload field \"texts\": %q is not an official language of these talks (%s)", l, strings.Join(t.Languages, ", "))
			}
		}
	}
	return texts[first], texts, nil
}

// amendedText returns the text an amendment's changes apply to: the
// version's, or in talks with official languages its text in the
// amendment's language.
func (t *Talks) amendedText(signer Viewer, v *Version, p *parley.ProposeAmendment) ([]string, error) {
	if len(t.Languages) == 0 {
		if p.Lang != "" || len(p.Translations) > 0 {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"lang\": these talks have no official languages; leave \"lang\" and \"translations\" out")
		}
		return v.Paragraphs, nil
	}
	seen := t.langsSeen(signer, v)
	if !slices.Contains(seen, p.Lang) {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"lang\": version %d has no text in %q; amend one of %s", v.N, p.Lang, strings.Join(seen, ", "))
	}
	return v.Texts[p.Lang], nil
}

// amendedTranslations checks an amendment's changes stated in other
// languages and returns each language's text with them applied.
func (t *Talks) amendedTranslations(signer Viewer, v *Version, p *parley.ProposeAmendment) (map[string][]string, error) {
	if len(p.Translations) == 0 {
		return nil, nil
	}
	out := make(map[string][]string, len(p.Translations))
	for _, l := range t.Languages {
		changes, ok := p.Translations[l]
		if !ok {
			continue
		}
		text, has := v.Texts[l]
		if !has || l == p.Lang || !t.VisibleAt(signer, v.TextAt[l]) {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"translations.%s\": version %d has no other text in %q to amend", l, v.N, l)
		}
		paras, err := document.Apply(text, changes)
		if err != nil {
			return nil, parley.Wrapf(parley.ErrorCode(err), "payload field \"translations.%s\": %s", err, l)
		}
		out[l] = paras
	}
	if len(out) != len(p.Translations) {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"translations\": name only official languages of these talks (%s)", strings.Join(t.Languages, ", "))
	}
	return out, nil
}

func init() {
	on(parley.KindTranslateVersion, (*Talks).translate)
	on(parley.KindFlagDivergence, (*Talks).flagDivergence)
	on(parley.KindWithdrawDivergence, (*Talks).withdrawDivergence)
}

// translate checks the text of a version in a language it lacks.
func (t *Talks) translate(c act, p *parley.TranslateVersion) (func(), error) {
	if len(t.Languages) == 0 {
		return nil, parley.Errorf(parley.EINVALID, "these talks have no official languages; a version has one text")
	}
	it := t.items[p.Item]
	if it == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q", p.Item)
	}
	if p.Version < 1 || p.Version > len(it.Versions) {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"version\": item %q has no version %d", it.ID, p.Version)
	}
	v := it.Versions[p.Version-1]
	if !slices.Contains(t.Languages, p.Lang) {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"lang\": %q is not an official language of these talks (%s)", p.Lang, strings.Join(t.Languages, ", "))
	}
	if _, ok := v.Texts[p.Lang]; ok {
		return nil, parley.Errorf(parley.ECONFLICT, "payload field \"lang\": version %d of %q has its %s text already; table a new version to change it", v.N, it.ID, p.Lang)
	}
	if err := document.CheckVersion(p.Paragraphs); err != nil {
		return nil, parley.Wrapf(parley.ErrorCode(err), "payload field \"paragraphs\": %s", err)
	}
	for _, l := range v.Langs(t.Languages) {
		if err := document.Aligned(l, v.Texts[l], p.Lang, p.Paragraphs); err != nil {
			return nil, parley.Wrapf(parley.ErrorCode(err), "payload field \"paragraphs\": %s", err)
		}
		break
	}
	if err := checkText("note", p.Note, false); err != nil {
		return nil, err
	}
	return func() {
		w := v.copy()
		w.Texts[p.Lang], w.TextAt[p.Lang] = p.Paragraphs, c.index
		w.Paragraphs = w.Texts[w.Langs(t.Languages)[0]]
		it.Versions[v.N-1] = w
	}, nil
}

// flagDivergence checks a party's flag of a divergence between two
// language texts of a version.
func (t *Talks) flagDivergence(c act, p *parley.FlagDivergence) (func(), error) {
	signer := t.signer(c.e)
	it, v, err := t.version(signer, p.Item, p.Version)
	if err != nil {
		return nil, err
	}
	if _, err := t.checkAtTable(p.Party, flagDivergences, true); err != nil {
		return nil, err
	}
	if err := checkID("flag", p.Flag); err != nil {
		return nil, err
	}
	// As for amendments: an id is taken by the party's own flags and by
	// those the signer may see, never by one hidden from it.
	for _, w := range it.Versions {
		for _, f := range w.Flags {
			if f.ID == p.Flag && (f.Party == p.Party || t.VisibleAt(signer, f.Index)) {
				return nil, parley.Errorf(parley.ECONFLICT, "payload field \"flag\": %q already names a flag on %q; pick another id", p.Flag, it.ID)
			}
		}
	}
	if p.Paragraph < 1 || p.Paragraph > len(v.Paragraphs) {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"paragraph\": version %d of %q has paragraphs 1 to %d", v.N, it.ID, len(v.Paragraphs))
	}
	for i, l := range p.Langs {
		if _, ok := v.Texts[l]; !ok || !t.VisibleAt(signer, v.TextAt[l]) {
			return nil, parley.Errorf(parley.EINVALID, "payload field \"langs[%d]\": version %d of %q has no %q text", i, v.N, it.ID, l)
		}
	}
	if p.Langs[0] == p.Langs[1] {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"langs\": name two different languages")
	}
	if err := checkText("note", p.Note, true); err != nil {
		return nil, parley.Errorf(parley.EINVALID, "%v: say what differs", err)
	}
	return func() {
		w := v.copy()
		w.Flags = append(w.Flags, &Divergence{ID: p.Flag, Party: p.Party, Paragraph: p.Paragraph, Langs: p.Langs, Note: p.Note, By: c.by, At: c.at, Index: c.index})
		it.Versions[v.N-1] = w
	}, nil
}

// withdrawDivergence checks the withdrawal of a flag by the party that
// raised it.
func (t *Talks) withdrawDivergence(c act, p *parley.WithdrawDivergence) (func(), error) {
	signer := t.signer(c.e)
	it := t.items[p.Item]
	if it == nil || !t.VisibleAt(signer, it.Added) {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"item\": no item %q", p.Item)
	}
	var f *Divergence
	var v *Version
	// The party's own flag of that id, else another the signer may see
	// (which it may not withdraw); one hidden from it is no flag.
	for _, w := range it.Versions {
		for _, x := range w.Flags {
			if x.ID != p.Flag || !t.VisibleAt(signer, x.Index) {
				continue
			}
			if f == nil || f.Party != p.Party {
				f, v = x, w
			}
		}
	}
	switch {
	case f == nil:
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"flag\": no flag %q on %q", p.Flag, it.ID)
	case f.Party != p.Party:
		return nil, parley.Errorf(parley.EFORBIDDEN, "payload field \"flag\": %q was raised by %q; only that party may withdraw it", p.Flag, f.Party)
	case f.Withdrawn > 0:
		return nil, parley.Errorf(parley.ECONFLICT, "payload field \"flag\": %q is already withdrawn", p.Flag)
	}
	if err := checkText("reason", p.Reason, false); err != nil {
		return nil, err
	}
	return func() {
		w := v.copy()
		for i, x := range w.Flags {
			if x == f {
				g := *f
				g.Withdrawn, g.Reason = c.index, p.Reason
				w.Flags[i] = &g
			}
		}
		it.Versions[v.N-1] = w
	}, nil
}

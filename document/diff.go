package document

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An Op says how a paragraph or a run of words differs between two
// versions.
type Op string

// Ops of a diff. Words use Same, Deleted and Inserted only.
const (
	Same     Op = "same"     // in both versions, unchanged
	Changed  Op = "changed"  // in both versions, edited; see ParagraphDiff.Words
	Inserted Op = "inserted" // only in the new version
	Deleted  Op = "deleted"  // only in the old version
)

// A ParagraphDiff is one entry of the alignment of two versions. Entries
// come in the order of both versions: their Old numbers increase, and so do
// their New numbers.
type ParagraphDiff struct {
	Op Op `json:"op"`
	// Old is the paragraph's number in the old version, from 1; 0 when Op
	// is Inserted.
	Old int `json:"old"`
	// New is the paragraph's number in the new version, from 1; 0 when Op
	// is Deleted.
	New int `json:"new"`
	// Text is the paragraph for Same, Inserted and Deleted; empty for
	// Changed.
	Text string `json:"text"`
	// Words is the word diff of a Changed paragraph: its Same and Deleted
	// runs make the old text, its Same and Inserted runs the new text.
	Words []WordDiff `json:"words"`
}

// A WordDiff is a run of text that is the same in both versions of a
// paragraph, deleted from the old one or inserted in the new one.
type WordDiff struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// OldText returns the paragraph as the old version has it, or "" when it
// was inserted.
func (d ParagraphDiff) OldText() string { return d.side(Deleted) }

// NewText returns the paragraph as the new version has it, or "" when it
// was deleted.
func (d ParagraphDiff) NewText() string { return d.side(Inserted) }

func (d ParagraphDiff) side(op Op) string {
	switch d.Op {
	case Same:
		return d.Text
	case Changed:
		var b strings.Builder
		for _, w := range d.Words {
			if w.Op == Same || w.Op == op {
				b.WriteString(w.Text)
			}
		}
		return b.String()
	case op:
		return d.Text
	}
	return ""
}

// Limits of the diff; docs/DOCUMENTS.md explains them.
var (
	paragraphLimit = limit{maxD: 1000, work: 1 << 24}
	wordLimit      = limit{maxD: 500, work: 1 << 22}
)

const (
	maxPairCells = 4096    // most (deleted × inserted) paragraphs the pairing compares all against all
	maxPairWork  = 1 << 22 // most words it compares doing so
)

// Diff aligns version a with version b.
//
// Paragraphs are aligned by a longest common subsequence of identical
// paragraphs. Between two identical ones, paragraphs of a and b that are
// similar enough are paired as Changed: similar means that at least half of
// their words are common (the Dice coefficient of their multisets of words
// and punctuation, spaces left out, is at least 1/2). The pairing keeps the
// order of both versions and maximizes the number of common words. The rest
// are Deleted and Inserted. A Changed paragraph has a word diff: the text is
// cut into words (letters, digits and combining marks, so Arabic and
// Cyrillic words stay whole), runs of white space, and single other
// characters (punctuation, markup, and each Chinese or Japanese character),
// and these are aligned by a longest common subsequence too.
//
// Both alignments are exact up to a bound (1,000 paragraph edits, 500 word
// edits, fewer for very long inputs); past it Diff falls back to a coarser
// alignment anchored on paragraphs or words that occur once in each
// version. docs/DOCUMENTS.md gives the details. Diff accepts any input.
func Diff(a, b []string) []ParagraphDiff {
	ids := make(map[string]int32, len(a))
	intern := func(ps []string) []int32 {
		out := make([]int32, len(ps))
		for i, p := range ps {
			id, ok := ids[p]
			if !ok {
				id = int32(len(ids))
				ids[p] = id
			}
			out[i] = id
		}
		return out
	}
	ia, ib := intern(a), intern(b)
	d := &differ{a: a, b: b, words: make(map[string]int32)}
	out := make([]ParagraphDiff, 0, max(len(a), len(b)))
	i, j, gi, gj := 0, 0, 0, 0
	for _, op := range align(ia, ib, paragraphLimit) {
		switch op {
		case opEq:
			out = d.gap(out, gi, i, gj, j)
			out = append(out, ParagraphDiff{Op: Same, Old: i + 1, New: j + 1, Text: a[i]})
			i, j = i+1, j+1
			gi, gj = i, j
		case opDel:
			i++
		case opIns:
			j++
		}
	}
	return d.gap(out, gi, i, gj, j)
}

type differ struct {
	a, b  []string
	words map[string]int32
	// Scratch space of tokenize.
	off      []int
	ids, bag []int32
}

// A tokenized paragraph.
type tokens struct {
	text string
	off  []int   // token k is text[off[k]:off[k+1]]
	ids  []int32 // interned tokens
	bag  []int32 // sorted ids of the tokens that are not white space
}

func (d *differ) tokenize(s string) tokens {
	off, ids, bag := d.off[:0], d.ids[:0], d.bag[:0]
	off = append(off, 0)
	for i := 0; i < len(s); {
		j, c := nextToken(s, i)
		tok := s[i:j]
		id, ok := d.words[tok]
		if !ok {
			id = int32(len(d.words))
			d.words[tok] = id
		}
		off = append(off, j)
		ids = append(ids, id)
		if c != space {
			bag = append(bag, id)
		}
		i = j
	}
	d.off, d.ids, d.bag = off, ids, bag
	t := tokens{text: s, off: slices.Clone(off), ids: slices.Clone(ids), bag: slices.Clone(bag)}
	slices.Sort(t.bag)
	return t
}

// nextToken returns the end of the token that starts at s[i], and its
// class.
func nextToken(s string, i int) (int, int) {
	r, w := utf8.DecodeRuneInString(s[i:])
	c := class(r, w)
	j := i + w
	if c != other {
		for j < len(s) {
			r, w := utf8.DecodeRuneInString(s[j:])
			if class(r, w) != c {
				break
			}
			j += w
		}
	}
	return j, c
}

// Classes of characters for cutting text into tokens.
const (
	other = iota // a token of its own
	space
	word
)

func class(r rune, w int) int {
	if r < utf8.RuneSelf {
		switch {
		case r == ' ' || '\t' <= r && r <= '\r':
			return space
		case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9':
			return word
		}
		return other
	}
	switch {
	case r == utf8.RuneError && w == 1:
		return other
	case unicode.IsLetter(r):
		if r >= '\u2E80' && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) {
			return other
		}
		return word
	case unicode.IsDigit(r) || unicode.IsMark(r) || r == '\u200C' || r == '\u200D':
		return word
	case unicode.IsSpace(r):
		return space
	}
	return other
}

// common returns the size of the intersection of two sorted multisets.
func common(x, y []int32) int {
	n := 0
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// similar reports whether two paragraphs with c common words are similar
// enough to be shown as one changed paragraph.
func similar(c int, x, y []int32) bool { return c > 0 && 4*c >= len(x)+len(y) }

// gap appends the entries for a[i0:i1] and b[j0:j1], a stretch with no
// identical paragraphs.
func (d *differ) gap(out []ParagraphDiff, i0, i1, j0, j1 int) []ParagraphDiff {
	k, l := i1-i0, j1-j0
	var pairs [][2]int
	var ta, tb []tokens
	if k > 0 && l > 0 {
		ta = make([]tokens, k)
		tb = make([]tokens, l)
		for x := range ta {
			ta[x] = d.tokenize(d.a[i0+x])
		}
		for y := range tb {
			tb[y] = d.tokenize(d.b[j0+y])
		}
		pairs = pair(ta, tb)
	}
	i, j := 0, 0
	for _, p := range append(pairs, [2]int{k, l}) {
		for ; i < p[0]; i++ {
			out = append(out, ParagraphDiff{Op: Deleted, Old: i0 + i + 1, Text: d.a[i0+i]})
		}
		for ; j < p[1]; j++ {
			out = append(out, ParagraphDiff{Op: Inserted, New: j0 + j + 1, Text: d.b[j0+j]})
		}
		if i < k && j < l {
			out = append(out, ParagraphDiff{Op: Changed, Old: i0 + i + 1, New: j0 + j + 1, Words: d.wordDiff(ta[i], tb[j])})
			i, j = i+1, j+1
		}
	}
	return out
}

// pair returns the pairs (x, y) of similar paragraphs ta[x], tb[y] to show
// as changed, increasing in both x and y.
func pair(ta, tb []tokens) [][2]int {
	k, l := len(ta), len(tb)
	work := 0
	for _, t := range ta {
		work += len(t.bag) * l
	}
	for _, t := range tb {
		work += len(t.bag) * k
	}
	var pairs [][2]int
	if k*l > maxPairCells || work > maxPairWork {
		// Too many to compare all against all: pair by position.
		for x := range min(k, l) {
			if similar(common(ta[x].bag, tb[x].bag), ta[x].bag, tb[x].bag) {
				pairs = append(pairs, [2]int{x, x})
			}
		}
		return pairs
	}
	// score[x*l+y] is the common words of a similar pair, 0 otherwise;
	// best[(x)*(l+1)+y] the best total over ta[x:], tb[y:].
	score := make([]int, k*l)
	for x := range k {
		for y := range l {
			if c := common(ta[x].bag, tb[y].bag); similar(c, ta[x].bag, tb[y].bag) {
				score[x*l+y] = c
			}
		}
	}
	best := make([]int, (k+1)*(l+1))
	at := func(x, y int) int { return best[x*(l+1)+y] }
	for x := k - 1; x >= 0; x-- {
		for y := l - 1; y >= 0; y-- {
			v := max(at(x+1, y), at(x, y+1))
			if s := score[x*l+y]; s > 0 {
				v = max(v, s+at(x+1, y+1))
			}
			best[x*(l+1)+y] = v
		}
	}
	for x, y := 0, 0; x < k && y < l; {
		switch s := score[x*l+y]; {
		case s > 0 && at(x, y) == s+at(x+1, y+1):
			pairs = append(pairs, [2]int{x, y})
			x, y = x+1, y+1
		case at(x, y) == at(x+1, y):
			x++
		default:
			y++
		}
	}
	return pairs
}

// wordDiff returns the word diff of two paragraphs.
func (d *differ) wordDiff(ta, tb tokens) []WordDiff {
	type hunk struct {
		eq       bool
		text     string // eq
		del, ins string // !eq
	}
	var hs []hunk
	s := align(ta.ids, tb.ids, wordLimit)
	slideLeft(s, ta.ids, tb.ids)
	i, j := 0, 0
	for x := 0; x < len(s); {
		if s[x] == opEq {
			i0 := i
			for ; x < len(s) && s[x] == opEq; x++ {
				i, j = i+1, j+1
			}
			hs = append(hs, hunk{eq: true, text: ta.text[ta.off[i0]:ta.off[i]]})
			continue
		}
		i0, j0 := i, j
		for ; x < len(s) && s[x] != opEq; x++ {
			if s[x] == opDel {
				i++
			} else {
				j++
			}
		}
		h := hunk{del: ta.text[ta.off[i0]:ta.off[i]], ins: tb.text[tb.off[j0]:tb.off[j]]}
		// White space alone between two changes joins them, so that a
		// rewritten phrase reads as one change rather than word by word.
		if n := len(hs); n >= 2 && hs[n-1].eq && strings.TrimSpace(hs[n-1].text) == "" && !hs[n-2].eq {
			w := hs[n-1].text
			hs[n-2].del += w + h.del
			hs[n-2].ins += w + h.ins
			hs = hs[:n-1]
			continue
		}
		hs = append(hs, h)
	}
	var out []WordDiff
	for _, h := range hs {
		if h.eq {
			out = append(out, WordDiff{Op: Same, Text: h.text})
			continue
		}
		if h.del != "" {
			out = append(out, WordDiff{Op: Deleted, Text: h.del})
		}
		if h.ins != "" {
			out = append(out, WordDiff{Op: Inserted, Text: h.ins})
		}
	}
	return out
}

package document

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"pgregory.net/rapid"
)

// show writes a diff compactly: one entry per line, word runs as
// [=same][-deleted][+inserted].
func show(d []ParagraphDiff) string {
	var b strings.Builder
	for _, e := range d {
		fmt.Fprintf(&b, "%s %d %d", e.Op, e.Old, e.New)
		if e.Op == Changed {
			b.WriteByte(' ')
			for _, w := range e.Words {
				sign := map[Op]string{Same: "=", Deleted: "-", Inserted: "+"}[w.Op]
				if sign == "" {
					sign = "?" + string(w.Op)
				}
				b.WriteString("[" + sign + w.Text + "]")
			}
		} else {
			b.WriteString(" " + e.Text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestDiffExamples(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want string
	}{
		{"empty", nil, nil, ""},
		{"all inserted", nil, []string{"A.", "B."}, "inserted 0 1 A.\ninserted 0 2 B.\n"},
		{"all deleted", []string{"A."}, nil, "deleted 1 0 A.\n"},
		{
			"deleted in the middle",
			[]string{"One.", "Two.", "Three."},
			[]string{"One.", "Three."},
			"same 1 1 One.\ndeleted 2 0 Two.\nsame 3 2 Three.\n",
		},
		{
			"changed word",
			[]string{"Preamble.", "The parties shall release all detainees.", "End."},
			[]string{"Preamble.", "The parties should release all detainees.", "End."},
			"same 1 1 Preamble.\nchanged 2 2 [=The parties ][-shall][+should][= release all detainees.]\nsame 3 3 End.\n",
		},
		{
			"bracket resolved",
			[]string{"The parties [[shall || should]] release detainees within [[30]] days."},
			[]string{"The parties shall release detainees within 30 days."},
			"changed 1 1 [=The parties ][-[[][=shall][- || should]]][= release detainees within ][-[[][=30][-]]][= days.]\n",
		},
		{
			"rewritten phrase is one change",
			[]string{"They meet in Geneva on Monday next week."},
			[]string{"They meet in Moscow at noon next week."},
			"changed 1 1 [=They meet in ][-Geneva on Monday][+Moscow at noon][= next week.]\n",
		},
		{
			"dissimilar paragraphs are deleted and inserted",
			[]string{"One.", "The parties shall release all detainees.", "End."},
			[]string{"One.", "A ceasefire begins at midnight.", "End."},
			"same 1 1 One.\ndeleted 2 0 The parties shall release all detainees.\ninserted 0 2 A ceasefire begins at midnight.\nsame 3 3 End.\n",
		},
		{
			"new paragraph before a changed one",
			[]string{"One.", "The parties shall release all detainees.", "End."},
			[]string{"One.", "A ceasefire begins at midnight.", "The parties shall release all prisoners.", "End."},
			"same 1 1 One.\ninserted 0 2 A ceasefire begins at midnight.\n" +
				"changed 2 3 [=The parties shall release all ][-detainees][+prisoners][=.]\nsame 3 4 End.\n",
		},
		{
			"Arabic",
			[]string{"يلتزم الطرفان بالإفراج عن جميع المحتجزين."},
			[]string{"يلتزم الطرفان بالإفراج عن المحتجزين المدرجين في القائمة."},
			"changed 1 1 [=يلتزم الطرفان بالإفراج عن][- جميع][= المحتجزين][+ المدرجين في القائمة][=.]\n",
		},
		{
			"Arabic with diacritics stays one word",
			[]string{"عَلَى الطَّرَفَيْنِ"},
			[]string{"عَلَى الطَّرَفَانِ"},
			"changed 1 1 [=عَلَى ][-الطَّرَفَيْنِ][+الطَّرَفَانِ]\n",
		},
		{
			"Cyrillic",
			[]string{"Стороны обязуются освободить всех задержанных."},
			[]string{"Стороны договорились освободить всех задержанных."},
			"changed 1 1 [=Стороны ][-обязуются][+договорились][= освободить всех задержанных.]\n",
		},
		{
			"Chinese characters are words of their own",
			[]string{"双方应释放所有被拘留者。"},
			[]string{"双方应释放部分被拘留者。"},
			"changed 1 1 [=双方应释放][-所有][+部分][=被拘留者。]\n",
		},
		{
			"moved paragraph",
			[]string{"A.", "B.", "C."},
			[]string{"B.", "C.", "A."},
			"deleted 1 0 A.\nsame 2 1 B.\nsame 3 2 C.\ninserted 0 3 A.\n",
		},
	}
	for _, tt := range tests {
		d := Diff(tt.a, tt.b)
		if got := show(d); got != tt.want {
			t.Errorf("%s: Diff =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
		checkDiff(t, tt.a, tt.b, d)
	}
}

// tb is the part of testing.TB and *rapid.T that checkDiff needs.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkDiff checks the invariants of a diff of a and b.
func checkDiff(t tb, a, b []string, d []ParagraphDiff) {
	t.Helper()
	var rebuilt []string
	nextOld, nextNew := 1, 1
	for k, e := range d {
		if e.Old != 0 {
			if e.Old != nextOld {
				t.Fatalf("entry %d: Old = %d, want %d", k, e.Old, nextOld)
			}
			nextOld++
		}
		if e.New != 0 {
			if e.New != nextNew {
				t.Fatalf("entry %d: New = %d, want %d", k, e.New, nextNew)
			}
			nextNew++
		}
		switch e.Op {
		case Same:
			if e.Old == 0 || e.New == 0 || e.Text != a[e.Old-1] || e.Text != b[e.New-1] || e.Words != nil {
				t.Fatalf("entry %d: bad same entry %+v", k, e)
			}
			rebuilt = append(rebuilt, a[e.Old-1])
		case Changed:
			if e.Old == 0 || e.New == 0 || e.Text != "" || len(e.Words) == 0 {
				t.Fatalf("entry %d: bad changed entry %+v", k, e)
			}
			if a[e.Old-1] == b[e.New-1] {
				t.Fatalf("entry %d: identical paragraphs %q shown as changed", k, a[e.Old-1])
			}
			var old, new strings.Builder
			for w, run := range e.Words {
				if run.Text == "" {
					t.Fatalf("entry %d: word run %d is empty", k, w)
				}
				switch run.Op {
				case Same:
					if w > 0 && e.Words[w-1].Op == Same {
						t.Fatalf("entry %d: adjacent same runs %d and %d", k, w-1, w)
					}
					old.WriteString(run.Text)
					new.WriteString(run.Text)
				case Deleted:
					old.WriteString(run.Text)
				case Inserted:
					new.WriteString(run.Text)
				default:
					t.Fatalf("entry %d: word run %d has op %q", k, w, run.Op)
				}
			}
			if got := old.String(); got != a[e.Old-1] || e.OldText() != got {
				t.Fatalf("entry %d: old side of the word diff is %q, want %q", k, got, a[e.Old-1])
			}
			if got := new.String(); got != b[e.New-1] || e.NewText() != got {
				t.Fatalf("entry %d: new side of the word diff is %q, want %q", k, got, b[e.New-1])
			}
			rebuilt = append(rebuilt, new.String())
		case Inserted:
			if e.Old != 0 || e.New == 0 || e.Text != b[e.New-1] || e.OldText() != "" || e.NewText() != e.Text {
				t.Fatalf("entry %d: bad inserted entry %+v", k, e)
			}
			rebuilt = append(rebuilt, e.Text)
		case Deleted:
			if e.Old == 0 || e.New != 0 || e.Text != a[e.Old-1] || e.NewText() != "" || e.OldText() != e.Text {
				t.Fatalf("entry %d: bad deleted entry %+v", k, e)
			}
		default:
			t.Fatalf("entry %d: op %q", k, e.Op)
		}
	}
	if nextOld != len(a)+1 || nextNew != len(b)+1 {
		t.Fatalf("diff covers %d old and %d new paragraphs, want %d and %d", nextOld-1, nextNew-1, len(a), len(b))
	}
	if len(rebuilt) != len(b) {
		t.Fatalf("rebuilt %d paragraphs, want %d", len(rebuilt), len(b))
	}
	for i := range b {
		if rebuilt[i] != b[i] {
			t.Fatalf("rebuilt paragraph %d = %q, want %q", i+1, rebuilt[i], b[i])
		}
	}
}

// lcs returns the length of a longest common subsequence, by the textbook
// dynamic programme.
func lcs[T comparable](a, b []T) int {
	row := make([]int, len(b)+1)
	for i := range a {
		diag := 0
		for j := range b {
			up := row[j+1]
			if a[i] == b[j] {
				row[j+1] = diag + 1
			} else {
				row[j+1] = max(row[j+1], row[j])
			}
			diag = up
		}
	}
	return row[len(b)]
}

var (
	genWord     = rapid.SampledFrom([]string{"the", "parties", "shall", "release", "all", "[[a || b]]", "الطرفان", "стороны", ",", ".", "  ", "\t", "中"})
	genSentence = rapid.Map(rapid.SliceOfN(genWord, 0, 8), func(ws []string) string { return strings.Join(ws, " ") })
	genText     = rapid.OneOf(rapid.SampledFrom([]string{"A", "B", "C", "Article 1.", ""}), genSentence)
)

// genVersions generates two versions, the second often an edit of the
// first.
func genVersions(t *rapid.T) (a, b []string) {
	a = rapid.SliceOfN(genText, 0, 12).Draw(t, "a")
	if rapid.IntRange(0, 4).Draw(t, "unrelated") == 0 {
		return a, rapid.SliceOfN(genText, 0, 12).Draw(t, "b")
	}
	b = append([]string(nil), a...)
	for range rapid.IntRange(0, 5).Draw(t, "edits") {
		i := rapid.IntRange(0, len(b)).Draw(t, "at")
		switch rapid.IntRange(0, 2).Draw(t, "edit") {
		case 0:
			b = append(b[:i], append([]string{genText.Draw(t, "new")}, b[i:]...)...)
		case 1:
			if i < len(b) {
				b = append(b[:i], b[i+1:]...)
			}
		case 2:
			if i < len(b) {
				b[i] += " " + genWord.Draw(t, "word")
			}
		}
	}
	return a, b
}

func TestDiffProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genVersions(t)
		d := Diff(a, b)
		checkDiff(t, a, b, d)
		same := 0
		for _, e := range d {
			if e.Op == Same {
				same++
			}
		}
		if want := lcs(a, b); same != want {
			t.Fatalf("%d same paragraphs, want a longest common subsequence of %d\n%s", same, want, show(d))
		}
		for _, e := range d {
			if e.Op == Changed {
				ta, tb := tokenizeForTest(e.OldText()), tokenizeForTest(e.NewText())
				n := 0
				for _, w := range e.Words {
					if w.Op == Same {
						n += len(tokenizeForTest(w.Text))
					}
				}
				if want := lcs(ta, tb); n > want {
					t.Fatalf("word diff keeps %d tokens, more than the %d of a longest common subsequence", n, want)
				}
			}
		}
	})
}

func tokenizeForTest(s string) []string {
	d := &differ{words: make(map[string]int32)}
	tk := d.tokenize(s)
	out := make([]string, len(tk.ids))
	for i := range out {
		out[i] = s[tk.off[i]:tk.off[i+1]]
	}
	return out
}

func TestDiffSelf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.SliceOfN(genText, 0, 20).Draw(t, "a")
		for k, e := range Diff(a, a) {
			if e.Op != Same || e.Old != k+1 || e.New != k+1 {
				t.Fatalf("Diff(a, a)[%d] = %+v, want same %d %d", k, e, k+1, k+1)
			}
		}
	})
}

func TestTokenize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"The parties, shall.", "The· ·parties·,· ·shall·."},
		{"a  \tb", "a·  \t·b"},
		{"[[shall || should]]", "[·[·shall· ·|·|· ·should·]·]"},
		{"المحتجزين، فوراً", "المحتجزين·،· ·فوراً"},
		{"۱۲۳ 45", "۱۲۳· ·45"},
		{"می\u200cخواهم", "می\u200cخواهم"},
		{"Россия-Сирия", "Россия·-·Сирия"},
		{"双方a", "双·方·a"},
		{"a\xffb", "a·\xff·b"},
	}
	for _, tt := range tests {
		if got := strings.Join(tokenizeForTest(tt.in), "·"); got != tt.want {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestApplyDiff checks Apply against Diff: with distinct paragraphs, the
// paragraphs no change touches are exactly the same ones, in order.
func TestApplyDiff(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 15).Draw(t, "n")
		base := make([]string, n)
		for i := range base {
			base[i] = fmt.Sprintf("Base paragraph %d [[shall || should]] say something.", i)
		}
		touched := map[int]bool{}
		var changes []parley.Change
		for k := range rapid.IntRange(1, 8).Draw(t, "changes") {
			text := fmt.Sprintf("New text %d of the amendment.", k)
			switch op := rapid.SampledFrom([]string{parley.OpReplace, parley.OpDelete, parley.OpInsert}).Draw(t, "op"); op {
			case parley.OpInsert:
				changes = append(changes, parley.Change{Op: op, Paragraph: rapid.IntRange(1, n+1).Draw(t, "p"), Text: text})
			default:
				if n == 0 {
					continue
				}
				p := rapid.IntRange(1, n).Draw(t, "p")
				if touched[p] {
					continue
				}
				touched[p] = true
				c := parley.Change{Op: op, Paragraph: p}
				if op == parley.OpReplace {
					c.Text = text
					if rapid.Bool().Draw(t, "small edit") {
						c.Text = strings.Replace(base[p-1], "say", "state", 1)
					}
				}
				changes = append(changes, c)
			}
		}
		got, err := Apply(base, changes)
		if len(changes) == 0 {
			if err == nil {
				t.Fatalf("Apply with no changes gave no error")
			}
			return
		}
		if len(touched) == n && len(got) == 0 && err != nil {
			return // every paragraph deleted
		}
		if err != nil {
			t.Fatalf("Apply(%v): %v", changes, err)
		}
		d := Diff(base, got)
		checkDiff(t, base, got, d)
		var same []int
		for _, e := range d {
			if e.Op == Same {
				same = append(same, e.Old)
			}
			if e.Old != 0 && e.Op != Same && !touched[e.Old] {
				t.Fatalf("untouched paragraph %d is %s", e.Old, e.Op)
			}
		}
		var want []int
		for p := 1; p <= n; p++ {
			if !touched[p] {
				want = append(want, p)
			}
		}
		if fmt.Sprint(same) != fmt.Sprint(want) {
			t.Fatalf("same paragraphs %v, want %v", same, want)
		}
	})
}

// TestMyers checks the bounded shortest edit script against the textbook
// LCS, and that it gives up past its bound.
func TestMyers(t *testing.T) {
	gen := rapid.SliceOfN(rapid.Int32Range(0, 3), 0, 30)
	rapid.Check(t, func(t *rapid.T) {
		a, b := gen.Draw(t, "a"), gen.Draw(t, "b")
		maxD := rapid.IntRange(0, 60).Draw(t, "maxD")
		s, ok := myers(a, b, maxD)
		want := lcs(a, b)
		d := len(a) + len(b) - 2*want
		if len(a) > 0 && len(b) > 0 && ok != (d <= maxD) {
			t.Fatalf("myers(maxD=%d) ok = %v, but the distance is %d", maxD, ok, d)
		}
		if !ok {
			return
		}
		if eq := checkScript(t, s, a, b); eq != want {
			t.Fatalf("script keeps %d, want %d", eq, want)
		}
		slideLeft(s, a, b)
		if eq := checkScript(t, s, a, b); eq != want {
			t.Fatalf("slid script keeps %d, want %d", eq, want)
		}
		// No run of deletions or insertions alone can slide further.
		i, j := 0, 0
		for x := 0; x < len(s); x++ {
			if x > 0 && s[x-1] == opEq && s[x] != opEq {
				y := x
				for y < len(s) && s[y] == s[x] {
					y++
				}
				if y == len(s) || s[y] == opEq {
					n := y - x
					if s[x] == opDel && a[i-1] == a[i+n-1] || s[x] == opIns && b[j-1] == b[j+n-1] {
						t.Fatalf("script %v: run at %d can slide left", s, x)
					}
				}
			}
			switch s[x] {
			case opEq:
				i, j = i+1, j+1
			case opDel:
				i++
			case opIns:
				j++
			}
		}
		for _, lim := range []limit{{maxD: 0, work: 0}, {maxD: 1000, work: 1 << 20}} {
			s := align(a, b, lim)
			eq := checkScript(t, s, a, b)
			if lim.maxD > 0 && eq != want {
				t.Fatalf("align keeps %d, want %d", eq, want)
			}
		}
	})
}

// checkScript checks that s turns a into b and returns its equal count.
func checkScript(t tb, s []byte, a, b []int32) int {
	t.Helper()
	i, j, eq := 0, 0, 0
	for _, op := range s {
		switch op {
		case opEq:
			if i >= len(a) || j >= len(b) || a[i] != b[j] {
				t.Fatalf("script %v: bad equal at %d, %d", s, i, j)
			}
			i, j, eq = i+1, j+1, eq+1
		case opDel:
			i++
		case opIns:
			j++
		}
	}
	if i != len(a) || j != len(b) {
		t.Fatalf("script %v ends at %d, %d, want %d, %d", s, i, j, len(a), len(b))
	}
	return eq
}

// version returns n distinct paragraphs of some forty words.
func version(r *rand.Rand, n int) []string {
	words := strings.Fields("the parties shall release all detainees within thirty days of signature " +
		"and the mediator will verify each step with a neutral party agreed by both sides " +
		"ceasefire line withdrawal heavy weapons monitoring mission humanitarian access")
	v := make([]string, n)
	for i := range v {
		ws := make([]string, 40)
		for k := range ws {
			ws[k] = words[r.IntN(len(words))]
		}
		v[i] = fmt.Sprintf("%d. %s.", i+1, strings.Join(ws, " "))
	}
	return v
}

// edit returns v with every step-th paragraph changed by one word.
func edit(v []string, step int) []string {
	out := append([]string(nil), v...)
	for i := step / 2; i < len(out); i += step {
		out[i] = strings.Replace(out[i], " the ", " [[the || a]] ", 1) + " Amended."
	}
	return out
}

func TestDiffLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a := version(r, 3000)
	tests := []struct {
		name    string
		b       []string
		same    int // want at least this many same
		changed int // want exactly this many changed
	}{
		{"1% changed", edit(a, 100), 2970, 30},
		// 1,500 changed paragraphs are 3,000 edits, past the bound: the
		// unique unchanged paragraphs anchor the alignment.
		{"half changed", edit(a, 2), 1500, 1500},
	}
	for _, tt := range tests {
		d := Diff(a, tt.b)
		checkDiff(t, a, tt.b, d)
		count := map[Op]int{}
		for _, e := range d {
			count[e.Op]++
		}
		if count[Same] < tt.same || count[Changed] != tt.changed {
			t.Errorf("%s: %v, want ≥ %d same and %d changed", tt.name, count, tt.same, tt.changed)
		}
	}

	// No paragraph in common, every one dissimilar: all deleted and inserted.
	b := version(rand.New(rand.NewPCG(3, 4)), 3000)
	for i := range b {
		b[i] = strings.Repeat("x ", i%7+1) + fmt.Sprint(i)
	}
	d := Diff(a, b)
	checkDiff(t, a, b, d)

	// A reversed text: no anchor but the middle one.
	rev := append([]string(nil), a...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	checkDiff(t, a, rev, Diff(a, rev))
}

func TestWordDiffLarge(t *testing.T) {
	// Two long paragraphs differing in every tenth word: past the word
	// bound, the diff is coarser but still exact on both sides.
	r := rand.New(rand.NewPCG(5, 6))
	ws := make([]string, 6000)
	for i := range ws {
		ws[i] = fmt.Sprintf("w%d", r.IntN(100000))
	}
	a := strings.Join(ws, " ")
	for i := 0; i < len(ws); i += 10 {
		ws[i] = "changed"
	}
	b := strings.Join(ws, " ")
	d := Diff([]string{a}, []string{b})
	checkDiff(t, []string{a}, []string{b}, d)
	if len(d) != 1 || d[0].Op != Changed {
		t.Fatalf("got %d entries, first %s; want one changed", len(d), d[0].Op)
	}
}

func BenchmarkDiff(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	old := version(r, 3000)
	new := edit(old, 100)
	b.ResetTimer()
	for b.Loop() {
		Diff(old, new)
	}
}

// BenchmarkDiffRewrite diffs two versions of 10,000 paragraphs in which
// every paragraph changed: past the bound on paragraph edits.
func BenchmarkDiffRewrite(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	old := version(r, MaxParagraphs)
	new := edit(old, 1)
	b.ResetTimer()
	for b.Loop() {
		Diff(old, new)
	}
}

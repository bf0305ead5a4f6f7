package picture_test

import (
	"bytes"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/parleyhq/parley/drawing/drawingtest"
	"github.com/parleyhq/parley/picture"
)

// checkSVG checks what every picture must hold to (drawingtest.Check).
func checkSVG(t testing.TB, svg string) {
	t.Helper()
	if err := drawingtest.Check(svg); err != nil {
		t.Fatalf("%v in:\n%s", err, svg)
	}
}

// nasty are strings a title or a name may hold.
var nasty = []string{
	"", "A", "<script>alert(1)</script>", "a & b", `"quoted" 'single'`, "]]> <!-- -->",
	"وجدت الأطراف أرضية مشتركة", "x\u202Egnp.exe", "\u2066isolated\u2069", "tab\there\nnewline",
	"ctrl\x01\x07\x1f", "bad\xff\xfeutf8", "\uFFFE\uFFFF", strings.Repeat("long title ", 40), "emoji 🕊️",
}

func pick[T any](r *mrand.Rand, s []T) T { return s[r.IntN(len(s))] }

// randomGraph makes a graph of any shape from r: nodes of every kind with
// nasty names, edges between them (and to nodes that do not exist),
// cycles, unlocks.
func randomGraph(r *mrand.Rand) *picture.Graph {
	g := &picture.Graph{Talks: pick(r, []string{"t", "a b", "x\"y"}), At: int64(r.IntN(5)) - 2, Item: "I0"}
	n := 1 + r.IntN(30)
	kinds := []string{picture.NodeItem, picture.NodeParty, picture.NodeHold, picture.NodeFact}
	badges := []string{picture.BadgeAgreed, picture.BadgeAdReferendum, picture.BadgeLost, picture.BadgeNever, picture.BadgeContested, picture.BadgeOscillating, "odd"}
	for k := range n {
		kind := picture.NodeItem
		if k > 0 {
			kind = pick(r, kinds)
		}
		nd := &picture.Node{ID: fmt.Sprintf("%s:%d", kind, k), Kind: kind, Item: pick(r, nasty), Party: pick(r, nasty), Fact: pick(r, nasty),
			Hold: pick(r, []string{"open_brackets", "incomplete_version", "open_divergence", "other"}), Count: r.IntN(5),
			Title: pick(r, nasty), Status: pick(r, []string{"agreed", "not_agreed", "contested", "oscillating", "?"}),
			NoSupport: r.IntN(4) == 0, Depth: r.IntN(5), Chains: r.IntN(100), Rank: k}
		nd.Badge = picture.Badge{Kind: pick(r, badges), Label: pick(r, nasty), Text: pick(r, nasty)}
		if r.IntN(5) == 0 {
			nd.Unlocks = []int{1 + r.IntN(6)}
		}
		g.Nodes = append(g.Nodes, nd)
	}
	edgeKinds := []string{picture.EdgeWaits, picture.EdgeExcludes, picture.EdgeFact, picture.EdgePackage, picture.EdgeRelies, picture.EdgeBlocks, picture.EdgeHolds, picture.EdgeElided}
	for range r.IntN(3 * n) {
		from, to := g.Nodes[r.IntN(n)].ID, g.Nodes[r.IntN(n)].ID
		if r.IntN(20) == 0 {
			to = "missing:" + pick(r, nasty)
		}
		e := &picture.Edge{From: from, To: to, Kind: pick(r, edgeKinds), Short: pick(r, nasty), Label: pick(r, nasty), Via: r.IntN(300)}
		for range r.IntN(3) {
			e.Votes = append(e.Votes, picture.Vote{Party: pick(r, nasty), Stance: "conditional", Condition: pick(r, nasty)})
		}
		for range r.IntN(3) {
			e.Unlocks = append(e.Unlocks, 1+r.IntN(9))
		}
		g.Edges = append(g.Edges, e)
	}
	for k := range r.IntN(4) {
		g.Unlocks = append(g.Unlocks, &picture.Unlock{N: k + 1, Moves: []string{pick(r, nasty)}, Agreed: []string{pick(r, nasty)}, Text: pick(r, nasty)})
	}
	g.Left = picture.Counts{Items: r.IntN(3), Parties: r.IntN(3), Edges: r.IntN(3)}
	g.UnlocksLeft = r.IntN(3)
	return g
}

// TestGraphSVGWellFormed writes random graphs and badges, in both
// directions, and checks that each is a well-formed picture.
func TestGraphSVGWellFormed(t *testing.T) {
	for seed := range uint64(300) {
		r := mrand.New(mrand.NewPCG(seed, 7))
		o := picture.Options{Dir: pick(r, []string{"", "rtl", "ltr"}), ID: pick(r, []string{"", "p1-", `"><x`})}
		var buf bytes.Buffer
		check := func(what string, err error) {
			if err != nil {
				t.Fatalf("seed %d: %s: %v", seed, what, err)
			}
			if err := drawingtest.Check(buf.String()); err != nil {
				t.Fatalf("seed %d: %s: %v in:\n%s", seed, what, err, buf.String())
			}
			buf.Reset()
		}
		check("graph", picture.WriteGraph(&buf, randomGraph(r), o))
		check("badge", picture.WriteBadge(&buf, picture.Badge{Kind: pick(r, []string{"agreed", "lost", "x"}), Label: pick(r, nasty), Text: pick(r, nasty)}, o))
	}
}

// FuzzGraphSVG writes the graph a seed and two strings make, and checks
// that it is a well-formed picture.
func FuzzGraphSVG(f *testing.F) {
	f.Add(uint64(1), "D1", "Assessment")
	f.Add(uint64(2), "<a>", "وجدت\u202E")
	f.Fuzz(func(t *testing.T, seed uint64, a, b string) {
		r := mrand.New(mrand.NewPCG(seed, 11))
		g := randomGraph(r)
		g.Nodes[0].Title, g.Nodes[0].Item = a, b
		if len(g.Edges) > 0 {
			g.Edges[0].Short, g.Edges[0].Label = b, a
		}
		var buf bytes.Buffer
		if err := picture.WriteGraph(&buf, g, picture.Options{Dir: "rtl"}); err != nil {
			t.Fatal(err)
		}
		if err := drawingtest.Check(buf.String()); err != nil {
			t.Fatalf("%v in:\n%s", err, buf.String())
		}
	})
}

// TestUserText checks that text written by people reaches a picture
// escaped, with bidirectional controls made visible and isolated.
func TestUserText(t *testing.T) {
	g := &picture.Graph{Talks: "t", Item: "I1", Nodes: []*picture.Node{
		{ID: "item:I1", Kind: picture.NodeItem, Item: "I1", Title: "<b>x\u202Eyz</b> & وجدت"},
	}}
	var buf bytes.Buffer
	if err := picture.WriteGraph(&buf, g, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	checkSVG(t, svg)
	if strings.Contains(svg, "\u202E") || strings.Contains(svg, "<b>") {
		t.Errorf("the picture holds a raw override or raw markup:\n%s", svg)
	}
	if !strings.Contains(svg, "\u2068&lt;b&gt;x⟨RLO⟩yz&lt;/b&gt; &amp; وجدت\u2069") {
		t.Errorf("the title is not escaped, shown and isolated:\n%s", svg)
	}
}

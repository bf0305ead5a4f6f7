package picture_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/picture"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

// TestChainCap checks the cut of an explanation that reaches 200 items:
// the item, the root blocker at the end of the chain with the item it
// blocks, and the nearest nine items, with an elided edge for the 189
// items left out between them.
func TestChainCap(t *testing.T) {
	b := chain(200).build(t)
	g, err := picture.Blocking(nil, b.res, b.t, "I001", nil, 12)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, n := range g.Nodes {
		nodes = append(nodes, strings.TrimPrefix(strings.TrimPrefix(n.ID, "item:"), "party:"))
	}
	want := []string{"I001", "P002", "I200", "I002", "I003", "I004", "I005", "I006", "I007", "I008", "I009", "I010"}
	if !slices.Equal(nodes, want) {
		t.Errorf("nodes %v, want %v", nodes, want)
	}
	if g.Total != (picture.Counts{Items: 200, Parties: 1, Edges: 200}) || g.Left != (picture.Counts{Items: 189, Edges: 190}) {
		t.Errorf("total %+v, left %+v; want 200 items, 1 party, 200 edges, 189 items and 190 edges left out", g.Total, g.Left)
	}
	var elided []*picture.Edge
	for _, e := range g.Edges {
		if e.Kind == picture.EdgeElided {
			elided = append(elided, e)
		}
	}
	if len(elided) != 1 || elided[0].From != "item:I010" || elided[0].To != "item:I200" || elided[0].Via != 189 {
		t.Errorf("elided edges %+v, want one from I010 to I200 via 189 items", elided)
	}
	if len(g.Edges) != 11 {
		t.Errorf("%d edges, want 9 waits, 1 elided and 1 blocking", len(g.Edges))
	}
	var buf bytes.Buffer
	if err := picture.WriteGraph(&buf, g, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
	for _, s := range []string{"via 189 items", "Left out: 189 items, with 190 edges"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("the picture does not say %q", s)
		}
	}
	// Asking for more nodes than MaxNodes gets MaxNodes.
	if g, err = picture.Blocking(nil, b.res, b.t, "I001", nil, 1000); err != nil || len(g.Nodes) != picture.MaxNodes {
		t.Errorf("Blocking with max 1000: %d nodes, %v; want %d", len(g.Nodes), err, picture.MaxNodes)
	}
}

// TestHoldsFactsPackages checks the nodes that are not parties: a hold
// (open brackets) on an item waited on, a fact a condition needs, a
// package mate that fails, and an unlock that lifts the hold.
func TestHoldsFactsPackages(t *testing.T) {
	tk := newTalks("holds", 2, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	tk.round("r1", 2, 3)
	tk.item("A", "Ceasefire", "The parties cease fire.")
	tk.item("B", "Monitoring", "A mission [[of the UN || of the region]] monitors it.")
	tk.item("C", "Prisoners", "The parties release prisoners.")
	tk.item("D", "Aid", "Aid is let through.")
	tk.act("mediator", parley.KindSetPackage, parley.SetPackage{Package: "p1", Items: []string{"C", "D"}})
	for _, it := range []string{"A", "B", "C", "D"} {
		tk.stance(party(0), it, 1, parley.StanceSupport, "")
	}
	tk.stance(party(1), "A", 1, parley.StanceConditional, "agreed(B) and agreed(C) or fact(monitors.ready)")
	tk.stance(party(1), "B", 1, parley.StanceSupport, "")
	tk.stance(party(1), "C", 1, parley.StanceSupport, "")
	tk.stance(party(1), "D", 1, parley.StanceReserve, "")
	b := tk.build(t)
	opts, err := agreement.Unlock(b.t.Inst, "A", agreement.UnlockLimits{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := picture.Blocking(nil, b.res, b.t, "A", opts, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, n := range g.Nodes {
		kinds[n.ID] = n.Kind
	}
	for id, kind := range map[string]string{"item:A": "item", "item:B": "item", "item:C": "item", "item:D": "item",
		"hold:B:open_brackets": "hold", "fact:monitors.ready": "fact", "party:P002": "party"} {
		if kinds[id] != kind {
			t.Errorf("node %s is %q, want %q (nodes %v)", id, kinds[id], kind, kinds)
		}
	}
	edges := map[string]string{}
	for _, e := range g.Edges {
		edges[e.From+" "+e.To] = e.Kind
	}
	for k, kind := range map[string]string{"item:A item:B": "waits", "item:A item:C": "waits", "item:A fact:monitors.ready": "fact",
		"hold:B:open_brackets item:B": "holds", "item:C item:D": "package", "party:P002 item:D": "blocks"} {
		if edges[k] != kind {
			t.Errorf("edge %s is %q, want %q (edges %v)", k, edges[k], kind, edges)
		}
	}
	var hold *picture.Node
	for _, n := range g.Nodes {
		if n.Kind == picture.NodeHold {
			hold = n
		}
	}
	if hold == nil || hold.Count != 1 || !slices.Equal(hold.Unlocks, []int{2}) {
		t.Errorf("hold node %+v, want 1 open bracket, marked with the second option", hold)
	}
	var unlocks []string
	for _, u := range g.Unlocks {
		unlocks = append(unlocks, u.Text)
	}
	wantUnlocks := []string{"P002 supports A → A agreed", "P002 supports D, a mediator tables a version of B without brackets → D, B, C and A agreed"}
	if !slices.Equal(unlocks, wantUnlocks) {
		t.Errorf("unlocks %q, want %q", unlocks, wantUnlocks)
	}
	var buf bytes.Buffer
	if err := picture.WriteGraph(&buf, g, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
	for _, s := range []string{"1 open bracket", "fact monitors.ready", "P002 reserves its position on D", "C is agreed only with its package"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("the picture does not say %q", s)
		}
	}
	// B alone: its only way is to lift the hold, marked on the hold.
	opts, err = agreement.Unlock(b.t.Inst, "B", agreement.UnlockLimits{})
	if err != nil {
		t.Fatal(err)
	}
	g, err = picture.Blocking(nil, b.res, b.t, "B", opts, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Unlocks) != 1 || g.Unlocks[0].Text != "a mediator tables a version of B without brackets → B agreed" || !slices.Equal(g.Nodes[1].Unlocks, []int{1}) {
		t.Errorf("unlocks %+v, hold marks %v; want one lifting the hold, marked on it", g.Unlocks, g.Nodes[1].Unlocks)
	}
}

// TestCycle checks a cycle of conditions: X waits on Y, Y on X and on Z,
// which a party opposes. Chains stay finite, and the layout draws it.
func TestCycle(t *testing.T) {
	tk := newTalks("cycle", 2, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	tk.round("r1", 2, 3)
	for _, it := range []string{"X", "Y", "Z"} {
		tk.item(it, "Item "+it, "Text of "+it+".")
		tk.stance(party(0), it, 1, parley.StanceSupport, "")
	}
	tk.stance(party(1), "X", 1, parley.StanceConditional, "agreed(Y)")
	tk.stance(party(1), "Y", 1, parley.StanceConditional, "agreed(X) and agreed(Z)")
	tk.stance(party(1), "Z", 1, parley.StanceOppose, "")
	b := tk.build(t)
	g, err := picture.Blocking(nil, b.res, b.t, "X", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	chains := map[string]int{}
	for _, n := range g.Nodes {
		chains[n.ID] = n.Chains
	}
	// X and Y are one strongly connected part, from which one chain
	// leads to P002's objection to Z.
	want := map[string]int{"item:X": 1, "item:Y": 1, "item:Z": 1, "party:P002": 1}
	for id, c := range want {
		if chains[id] != c {
			t.Errorf("chains through %s: %d, want %d (all %v)", id, chains[id], c, chains)
		}
	}
	var buf bytes.Buffer
	if err := picture.WriteGraph(&buf, g, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
}

// TestBlockingErrors checks the errors of Blocking: each a *parley.Error
// with its code.
func TestBlockingErrors(t *testing.T) {
	m := loadMoscow(t)
	for _, tc := range []struct {
		name string
		res  *agreement.Result
		t    *view.Talks
		item string
		opts []agreement.UnlockOption
		code string
	}{
		{"no evaluation", nil, m.t, "D1", nil, parley.EINTERNAL},
		{"no view", m.res, nil, "D1", nil, parley.EINTERNAL},
		{"no such item", m.res, m.t, "D9", nil, parley.ENOTFOUND},
		{"an option naming no party", m.res, m.t, "D1", []agreement.UnlockOption{{Changes: []agreement.Position{{Party: "nobody", Item: "M1a", Stance: "support"}}}}, parley.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := picture.Blocking(nil, tc.res, tc.t, tc.item, tc.opts, 0)
			if got := parley.ErrorCode(err); got != tc.code {
				t.Errorf("error %v (code %q), want code %q", err, got, tc.code)
			}
		})
	}
	if err := picture.WriteGraph(&bytes.Buffer{}, &picture.Graph{}, picture.Options{}); parley.ErrorCode(err) != parley.EINTERNAL {
		t.Errorf("WriteGraph of an empty graph: %v", err)
	}
	// A view without the instance (view.LoadRecord) draws the graph but
	// cannot weigh the options.
	t2 := *m.t
	t2.Inst = nil
	g, err := picture.Blocking(nil, m.res, &t2, "D1", m.unlock, 0)
	if err != nil || len(g.Unlocks) != 3 || g.Unlocks[0].Agreed != nil || g.Unlocks[0].Text != "gov supports M1a" {
		t.Errorf("without an instance: %v, %+v", err, g.Unlocks)
	}
}

// TestBadges checks the badges from hand-made histories.
func TestBadges(t *testing.T) {
	m := loadMoscow(t)
	at := func(d int) time.Time { return time.Date(2015, 4, d, 10, 0, 0, 0, time.UTC) }
	stance := &state.Stance{Item: "D1", Party: "oppB", Stance: parley.StanceOppose}
	e := &parley.Event{Kind: parley.KindSetStance, Actor: "unknown"}
	version := &parley.Event{Kind: parley.KindTableVersion, Actor: "unknown"}
	gain := view.Transition{Index: 3, At: at(7), Item: "D1", Agreed: true}
	for _, tc := range []struct {
		name, status string
		trs          []view.Transition
		kind, text   string
	}{
		{"agreed", agreement.StatusAgreed, []view.Transition{gain}, picture.BadgeAgreed, "agreed"},
		{"ad referendum", agreement.StatusAgreedAdReferendum, nil, picture.BadgeAdReferendum, "agreed ad referendum: it falls if a capital does not confirm"},
		{"never", agreement.StatusNotAgreed, nil, picture.BadgeNever, "never agreed"},
		{"lost by a stance", agreement.StatusNotAgreed, []view.Transition{gain, {Index: 9, At: at(9), Item: "D1", Event: e, Stance: stance}},
			picture.BadgeLost, "lost agreement on 9 April 2015 (#9), when Opposition Delegation B (oppB) opposed it"},
		{"lost by a version", agreement.StatusNotAgreed, []view.Transition{gain, {Index: 9, At: at(9), Item: "D1", Event: version}},
			picture.BadgeLost, "lost agreement on 9 April 2015 (#9), when an actor not on the roster tabled a new version, on which no stance is taken yet"},
		{"lost by a hidden event", agreement.StatusNotAgreed, []view.Transition{gain, {Index: 9, At: at(9), Item: "D1"}},
			picture.BadgeLost, "lost agreement on 9 April 2015 (#9), by an event hidden from this viewer"},
		{"contested after a loss", agreement.StatusContested, []view.Transition{gain, {Index: 9, At: at(9), Item: "D1"}},
			picture.BadgeContested, "contested: agreed in some outcomes of the conditions, not in others; it lost agreement on 9 April 2015 (#9), by an event hidden from this viewer"},
		{"oscillating", agreement.StatusOscillating, nil, picture.BadgeOscillating, "oscillating: its conditions admit no settled outcome"},
		{"other items' history", agreement.StatusNotAgreed, []view.Transition{{Index: 3, Item: "M1a", Agreed: true}}, picture.BadgeNever, "never agreed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := picture.BadgeOf(nil, "D1", tc.status, &view.History{Transitions: tc.trs}, m.t)
			if b.Kind != tc.kind || b.Text != tc.text {
				t.Errorf("badge %s: %q, want %s: %q", b.Kind, b.Text, tc.kind, tc.text)
			}
			var buf bytes.Buffer
			if err := picture.WriteBadge(&buf, b, picture.Options{}); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, buf.String())
		})
	}
}

// TestAgreedRestsOn checks the graph of an agreed item: what its
// agreement rests on, a conditional support and the item it names.
func TestAgreedRestsOn(t *testing.T) {
	tk := newTalks("rests", 2, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	tk.round("r1", 2, 3)
	for _, it := range []string{"X", "Y"} {
		tk.item(it, "Item "+it, "Text of "+it+".")
		tk.stance(party(0), it, 1, parley.StanceSupport, "")
	}
	tk.stance(party(1), "X", 1, parley.StanceConditional, "agreed(Y)")
	tk.stance(party(1), "Y", 1, parley.StanceSupport, "")
	b := tk.build(t)
	g, err := picture.Blocking(nil, b.res, b.t, "X", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 2 || len(g.Edges) != 1 || g.Edges[0].Kind != picture.EdgeRelies ||
		g.Edges[0].Label != "X is agreed as P002 supports it on condition that Y is agreed" {
		t.Errorf("nodes %d, edges %+v; want X resting on Y through P002's condition", len(g.Nodes), g.Edges)
	}
	var buf bytes.Buffer
	if err := picture.WriteGraph(&buf, g, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
	if s := "<title id=\"pg-title\">What the agreement of X rests on</title>"; !strings.Contains(buf.String(), s) {
		t.Errorf("the picture's title is not %s", s)
	}
}

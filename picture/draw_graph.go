package picture

import (
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// Sizes of the nodes of a blocking graph.
const (
	itemW, itemH   = 240, 62
	otherW, otherH = 176, 48
	legendLine     = 18
	minGraphWidth  = 560
)

// WriteGraph writes a blocking graph as SVG: the explained item at the
// top, what it waits on below it, layer by layer, and the root blockers
// at the bottom, with arrows from what waits to what it waits on and from
// each blocker to what it blocks; each unlock option's number on the edges
// whose votes it changes; and a legend of the shapes, the unlock options
// and what is left out.
func WriteGraph(w io.Writer, g *Graph, o Options) error {
	if g == nil || len(g.Nodes) == 0 {
		return parley.Errorf(parley.EINTERNAL, "there is no graph to draw")
	}
	s := newSVG(o, "pg-")
	// The nodes, laid out on layers.
	idx := map[string]int{}
	ln := make([]*lnode, len(g.Nodes))
	for k, n := range g.Nodes {
		idx[n.ID] = k
		w, h := float64(otherW), float64(otherH)
		if n.Kind == NodeItem {
			w, h = itemW, itemH
		}
		ln[k] = &lnode{w: w, h: h, rank: k}
	}
	// The edges whose ends are both nodes of the graph.
	var edges []*Edge
	for _, e := range g.Edges {
		_, ok1 := idx[e.From]
		_, ok2 := idx[e.To]
		if ok1 && ok2 && e.From != e.To {
			edges = append(edges, e)
		}
	}
	graphLayers(g, edges, idx, ln)
	var pairs [][2]int
	for _, e := range edges {
		a, b := idx[e.From], idx[e.To]
		if e.Kind == EdgeBlocks || e.Kind == EdgeHolds {
			a, b = b, a // the blocked item stands above its blocker
		}
		pairs = append(pairs, [2]int{a, b})
	}
	L := newLayout(ln, pairs)
	lw, lh := L.size()
	width := max(lw, minGraphWidth)
	if d := (width - lw) / 2; d > 0 {
		for _, n := range L.nodes {
			n.x += d
		}
	}
	legend := graphLegend(g)
	height := lh + float64(len(legend))*legendLine + 8
	s.Open(width, height, graphTitle(g), strings.Join(g.Text(), " "))
	s.defs()
	ports := assignPorts(L, edges)
	// Edges under the nodes, then their labels and unlock marks.
	type labelAt struct {
		x, y float64
		e    *Edge
	}
	var labels []labelAt
	for k, e := range edges {
		pts := edgePoints(L, k, pairs[k], ports)
		if e.Kind == EdgeBlocks || e.Kind == EdgeHolds {
			for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
				pts[i], pts[j] = pts[j], pts[i]
			}
		}
		s.Raw("<g><title>")
		s.Text(e.Label)
		s.Raw(`</title><path d="`, s.curve(pts), `" fill="none"`, edgeStyle(e.Kind), ` marker-end="`, s.URL("arrow"), `"/></g>`, "\n")
		if len(pts) >= 2 {
			a, b := pts[0], pts[1]
			labels = append(labels, labelAt{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, e})
		}
	}
	for _, l := range labels {
		if l.e.Short != "" {
			s.Raw(`<text x="`, num(s.X(l.x)), `" y="`, num(l.y+3), `" text-anchor="middle" font-size="10" fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">`)
			s.Text(shorten(l.e.Short, 32))
			s.Raw("</text>\n")
		}
		if len(l.e.Unlocks) > 0 {
			s.unlockMark(l.x, l.y+16, l.e.Unlocks)
		}
	}
	for k, n := range g.Nodes {
		s.node(g, n, L.nodes[k], o)
	}
	// The legend.
	y := lh + 4
	for _, line := range legend {
		y += legendLine
		s.Raw(`<text x="`, num(s.X(margin)), `" y="`, num(y-5), `" text-anchor="`, "start", `" font-size="11" fill="#222">`)
		s.Text(shorten(line, fits(width-2*margin, 11)))
		s.Raw("</text>\n")
	}
	s.Close()
	return s.CopyTo(w)
}

func graphTitle(g *Graph) string {
	p := g.printer()
	if view.Agreedish(g.Status) {
		return p.T("What the agreement of %s rests on", g.Item)
	}
	return p.T("What blocks %[1]s (%[2]s)", g.Item, words.Status(p, g.Status))
}

// graphLayers puts each item on a layer below every item that waits on
// it: the longest path from the explained item, once the edges that close
// cycles (found by a depth-first search from the item) are set aside, so
// that every chain runs down the picture but those that close a cycle,
// which run up. Each root blocker stands one layer below the lowest item
// it blocks.
func graphLayers(g *Graph, edges []*Edge, idx map[string]int, ln []*lnode) {
	out := make([][]int, len(ln))
	for _, e := range edges {
		if e.Kind == EdgeBlocks || e.Kind == EdgeHolds || e.Kind == EdgeFact {
			continue
		}
		a, b := idx[e.From], idx[e.To]
		if a != b && g.Nodes[a].Kind == NodeItem && g.Nodes[b].Kind == NodeItem {
			out[a] = append(out[a], b)
		}
	}
	// Depth-first from the item (then from any item not reached), an
	// edge to a node on the stack closes a cycle; the rest form a DAG
	// whose reverse post-order is topological.
	state := make([]int8, len(ln)) // 0 new, 1 on the stack, 2 done
	var post []int
	dag := make([][]int, len(ln))
	var visit func(v int)
	visit = func(v int) {
		state[v] = 1
		for _, w := range out[v] {
			switch state[w] {
			case 0:
				dag[v] = append(dag[v], w)
				visit(w)
			case 2:
				dag[v] = append(dag[v], w)
			}
		}
		state[v] = 2
		post = append(post, v)
	}
	for v := range ln {
		if state[v] == 0 && g.Nodes[v].Kind == NodeItem {
			visit(v)
		}
	}
	for _, n := range ln {
		n.layer = 0
	}
	for k := len(post) - 1; k >= 0; k-- {
		v := post[k]
		for _, w := range dag[v] {
			ln[w].layer = max(ln[w].layer, ln[v].layer+1)
		}
	}
	for k, n := range g.Nodes {
		if n.Kind == NodeItem {
			continue
		}
		l := 1
		for _, e := range edges {
			switch {
			case e.From == n.ID:
				l = max(l, ln[idx[e.To]].layer+1)
			case e.To == n.ID:
				l = max(l, ln[idx[e.From]].layer+1)
			}
		}
		ln[k].layer = l
	}
}

// ports spreads the ends of the edges that meet a node's top or bottom
// across its width, in the order of the nodes at their other ends, so
// that arrows into one node stay apart.
type port struct {
	edge int
	top  bool // the end at the upper node
}

func assignPorts(L *layout, edges []*Edge) map[port]float64 {
	type end struct {
		p     port
		other float64
	}
	at := map[[2]int][]end{} // node, side (0 bottom, 1 top)
	for k := range edges {
		path := L.paths[k]
		if path == nil {
			continue
		}
		// The upper end leaves by the bottom of the node nearer the top.
		first, last := path[0], path[len(path)-1]
		n1, n2 := L.nodes[path[1]], L.nodes[path[len(path)-2]]
		side := func(n, next int) int {
			if L.nodes[next].layer > L.nodes[n].layer {
				return 0
			}
			return 1
		}
		at[[2]int{first, side(first, path[1])}] = append(at[[2]int{first, side(first, path[1])}], end{port{k, true}, n1.x})
		at[[2]int{last, side(last, path[len(path)-2])}] = append(at[[2]int{last, side(last, path[len(path)-2])}], end{port{k, false}, n2.x})
	}
	out := map[port]float64{}
	for key, ends := range at {
		n := L.nodes[key[0]]
		sort.SliceStable(ends, func(i, j int) bool {
			if ends[i].other != ends[j].other {
				return ends[i].other < ends[j].other
			}
			return ends[i].p.edge < ends[j].p.edge
		})
		span := n.w * 0.6
		for i, e := range ends {
			x := n.x
			if len(ends) > 1 {
				x = n.x - span/2 + span*float64(i)/float64(len(ends)-1)
			}
			out[e.p] = x
		}
	}
	return out
}

// edgePoints returns the points of edge k from its first node to its
// last, as laid out: out of the bottom or top of the first node, through
// its dummies, into the top or bottom of the last. An edge within one
// layer dips below the layer.
func edgePoints(L *layout, k int, pair [2]int, ports map[port]float64) [][2]float64 {
	path := L.paths[k]
	if path == nil {
		a, b := L.nodes[pair[0]], L.nodes[pair[1]]
		y := a.y + a.h/2
		mid := [2]float64{(a.x + b.x) / 2, y + layerGap/2}
		return [][2]float64{{a.x, y}, mid, {b.x, b.y + b.h/2}}
	}
	pts := make([][2]float64, len(path))
	for i, v := range path {
		n := L.nodes[v]
		pts[i] = [2]float64{n.x, n.y}
		switch i {
		case 0:
			pts[i][0] = ports[port{k, true}]
			if L.nodes[path[1]].layer > n.layer {
				pts[i][1] = n.y + n.h/2
			} else {
				pts[i][1] = n.y - n.h/2
			}
		case len(path) - 1:
			pts[i][0] = ports[port{k, false}]
			if L.nodes[path[i-1]].layer < n.layer {
				pts[i][1] = n.y - n.h/2
			} else {
				pts[i][1] = n.y + n.h/2
			}
		}
	}
	return pts
}

// curve joins points by cubic curves that leave and enter vertically.
func (s *svg) curve(pts [][2]float64) string {
	if len(pts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("M" + num(s.X(pts[0][0])) + " " + num(pts[0][1]))
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		my := (p[1] + q[1]) / 2
		b.WriteString("C" + num(s.X(p[0])) + " " + num(my) + " " + num(s.X(q[0])) + " " + num(my) + " " + num(s.X(q[0])) + " " + num(q[1]))
	}
	return b.String()
}

// edgeStyle tells the kinds of edge apart by dash as well as colour.
func edgeStyle(kind string) string {
	switch kind {
	case EdgeBlocks:
		return ` stroke="#b71c1c" stroke-width="2.5"`
	case EdgeHolds:
		return ` stroke="#8a4b00" stroke-width="2" stroke-dasharray="7 3"`
	case EdgePackage:
		return ` stroke="#333" stroke-width="1.5" stroke-dasharray="2 3"`
	case EdgeExcludes:
		return ` stroke="#4a148c" stroke-width="1.5" stroke-dasharray="8 3 2 3"`
	case EdgeFact:
		return ` stroke="#4a148c" stroke-width="1.5" stroke-dasharray="4 2"`
	case EdgeRelies:
		return ` stroke="#1b5e20" stroke-width="1.5"`
	case EdgeElided:
		return ` stroke="#555" stroke-width="1.5" stroke-dasharray="1 4" stroke-linecap="round"`
	}
	return ` stroke="#333" stroke-width="1.5"`
}

// unlockMark writes the numbers of unlock options in a circle (or a
// rounded box for several).
func (s *svg) unlockMark(x, y float64, ns []int) {
	var parts []string
	for _, n := range ns {
		parts = append(parts, strconv.Itoa(n))
	}
	t := strings.Join(parts, ",")
	w := max(16, float64(len(t))*6.5+8)
	s.Raw(`<rect x="`, num(s.X(x)-w/2), `" y="`, num(y-8), `" width="`, num(w), `" height="16" rx="8" fill="#fff" stroke="#0d47a1" stroke-width="1.5"/>`,
		`<text x="`, num(s.X(x)), `" y="`, num(y+4), `" text-anchor="middle" font-size="10" font-weight="bold" fill="#0d47a1">`)
	s.Text(t)
	s.Raw("</text>\n")
}

// node writes one node: its shape, its text, and for an item a link to
// its explanation.
func (s *svg) node(g *Graph, n *Node, ln *lnode, o Options) {
	x0, y0 := ln.x-ln.w/2, ln.y-ln.h/2
	left := s.X(x0)
	if s.RTL() {
		left = s.X(x0 + ln.w)
	}
	rect := func(extra string) {
		s.Raw(`<rect x="`, num(left), `" y="`, num(y0), `" width="`, num(ln.w), `" height="`, num(ln.h), `"`, extra, "/>")
	}
	tx := x0 + 10 // text start, inline
	line := func(y float64, size float64, bold bool, t content) {
		s.Raw(`<text x="`, num(s.X(tx)), `" y="`, num(y), `" text-anchor="`, "start", `" font-size="`, num(size), `"`)
		if bold {
			s.Raw(` font-weight="bold"`)
		}
		s.Raw(` fill="#111">`, t.markup(), "</text>")
	}
	switch n.Kind {
	case NodeItem:
		s.Raw(`<a href="`, escape(o.Links.item(g.Talks, n.Item, g.At)), `">`)
		s.Raw("<g><title>")
		s.Text(nodeText(g.printer(), n))
		s.Raw("</title>")
		fill, stroke := itemColours(n.Badge.Kind)
		sw := "1.5"
		if n == g.Nodes[0] {
			sw = "3"
		}
		dash := ""
		if n.Badge.Kind == BadgeAdReferendum || n.Badge.Kind == BadgeOscillating {
			dash = ` stroke-dasharray="5 3"`
		}
		rect(` rx="4" fill="` + fill + `" stroke="` + stroke + `" stroke-width="` + sw + `"` + dash)
		s.glyph(n.Badge.Kind, x0+14, y0+15, 6)
		tx = x0 + 26
		label := n.Item + " · " + n.Badge.Label
		line(y0+19, 12, true, plain(shorten(label, fits(ln.w-32, 12))))
		tx = x0 + 10
		note := ""
		if n.NoSupport {
			note = g.printer().T("no party supports it")
		}
		for k, l := range wrap(n.Title, fits(ln.w-18, 11), 2-min(1, len(note))) {
			line(y0+35+float64(k)*13, 11, false, user(l))
		}
		if note != "" {
			line(y0+48, 10, false, plain(note))
		}
		s.Raw("</g></a>\n")
	case NodeParty:
		s.Raw("<g><title>")
		s.Text(nodeText(g.printer(), n))
		s.Raw("</title>")
		rect(` rx="20" fill="#e3f2fd" stroke="#0d47a1" stroke-width="1.5"`)
		tx = x0 + 16
		line(y0+17, 12, true, plain(shorten(n.Party, fits(ln.w-32, 12))))
		if n.Title != "" && n.Title != n.Party {
			for k, l := range wrap(n.Title, fits(ln.w-32, 10), 2) {
				line(y0+30+float64(k)*12, 10, false, user(l))
			}
		}
		s.Raw("</g>\n")
	case NodeHold:
		s.Raw("<g><title>")
		s.Text(nodeText(g.printer(), n))
		s.Raw("</title>")
		// A box with cut corners, drawn dashed.
		c := 8.0
		pts := [][2]float64{{x0 + c, y0}, {x0 + ln.w - c, y0}, {x0 + ln.w, y0 + c}, {x0 + ln.w, y0 + ln.h - c}, {x0 + ln.w - c, y0 + ln.h}, {x0 + c, y0 + ln.h}, {x0, y0 + ln.h - c}, {x0, y0 + c}}
		s.Raw(`<path d="`, s.polygon(pts), `" fill="#fff8e1" stroke="#8a4b00" stroke-width="1.5" stroke-dasharray="5 2"/>`)
		line(y0+17, 12, true, plain(shorten(n.Title, fits(ln.w-20, 12))))
		line(y0+32, 10, false, plain(shorten(g.printer().T("on %s", n.Item), fits(ln.w-20, 10))))
		if len(n.Unlocks) > 0 {
			s.Raw("\n")
			s.unlockMark(x0+ln.w-6, y0, n.Unlocks)
		}
		s.Raw("</g>\n")
	default:
		s.Raw("<g><title>")
		s.Text(nodeText(g.printer(), n))
		s.Raw("</title>")
		k := 10.0
		pts := [][2]float64{{x0 + k, y0}, {x0 + ln.w, y0}, {x0 + ln.w - k, y0 + ln.h}, {x0, y0 + ln.h}}
		s.Raw(`<path d="`, s.polygon(pts), `" fill="#f3e5f5" stroke="#4a148c" stroke-width="1.5"/>`)
		tx = x0 + 14
		line(y0+17, 12, true, plain(shorten(g.printer().T("fact %s", n.Fact), fits(ln.w-28, 12))))
		line(y0+32, 10, false, plain(g.printer().T("not as a condition needs it")))
		s.Raw("</g>\n")
	}
}

func (s *svg) polygon(pts [][2]float64) string {
	var b strings.Builder
	for i, p := range pts {
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString("L")
		}
		b.WriteString(num(s.X(p[0])) + " " + num(p[1]))
	}
	b.WriteString("z")
	return b.String()
}

func itemColours(kind string) (fill, stroke string) {
	switch kind {
	case BadgeAgreed, BadgeAdReferendum:
		return "#e8f5e9", "#1b5e20"
	case BadgeLost:
		return "#fdecea", "#b71c1c"
	case BadgeContested:
		return "#fff3e0", "#8a4b00"
	case BadgeOscillating:
		return "#f3e5f5", "#4a148c"
	}
	return "#fff", "#333"
}

// wrap breaks text into at most lines lines of at most n characters, at
// spaces where it can, the last line cut with an ellipsis if need be.
func wrap(text string, n, lines int) []string {
	if text == "" || n < 1 || lines < 1 {
		return nil
	}
	var out []string
	rest := []rune(text)
	for len(rest) > 0 && len(out) < lines {
		if len(rest) <= n {
			out = append(out, string(rest))
			rest = nil
			break
		}
		if len(out) == lines-1 {
			out = append(out, shorten(string(rest), n))
			rest = nil
			break
		}
		cut := n
		for k := n; k > n/2; k-- {
			if rest[k] == ' ' {
				cut = k
				break
			}
		}
		out = append(out, strings.TrimRight(string(rest[:cut]), " "))
		rest = []rune(strings.TrimLeft(string(rest[cut:]), " "))
	}
	return out
}

// graphLegend returns the lines under a graph: what the shapes mean, the
// unlock options and what is left out.
func graphLegend(g *Graph) []string {
	p := g.printer()
	kinds := map[string]bool{}
	for _, n := range g.Nodes {
		kinds[n.Kind] = true
	}
	lines := []string{p.T("Arrows run from what waits to what it waits on, and from each blocker to what it blocks.")}
	var parts []string
	if kinds[NodeParty] {
		parts = append(parts, p.T("rounded: a party whose objection, reservation or silence ends a chain"))
	}
	if kinds[NodeHold] {
		parts = append(parts, p.T("cut corners: a hold"))
	}
	if kinds[NodeFact] {
		parts = append(parts, p.T("slanted: a fact"))
	}
	if len(parts) > 0 {
		shapes := parts[0]
		for _, x := range parts[1:] {
			shapes = p.T("%[1]s; %[2]s", shapes, x)
		}
		lines = append(lines, p.T("Shapes: %s.", shapes))
	}
	for _, u := range g.Unlocks {
		lines = append(lines, p.T("Unlock %[1]d: %[2]s", u.N, u.Text))
	}
	if g.UnlocksLeft > 0 {
		lines = append(lines, p.T("%d more unlock options in the explanation.", g.UnlocksLeft))
	}
	if g.Left.Nodes() > 0 {
		lines = append(lines, p.T("Left out: %s; the explanation lists them.", leftText(p, g.Left)))
	}
	return lines
}

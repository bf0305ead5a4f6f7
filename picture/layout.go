package picture

import "sort"

// A layered layout (after Sugiyama, Tagawa and Toda): nodes on layers,
// edges longer than one layer broken by dummy nodes, the order within
// each layer improved by barycenters, then positions along each layer
// pulled toward the nodes' neighbours.
//
// Every step is polynomial in the nodes and segments: at most
// sweepRounds sweeps, each counting crossings in time quadratic in the
// segments between two layers; with the graph cut to MaxNodes nodes
// this is bounded whatever the explanation's size.

type lnode struct {
	w, h   float64
	layer  int
	order  float64 // position in its layer while ordering
	x, y   float64
	rank   int  // tie break: the node's relevance rank
	dummy  bool // a bend of a long edge
	up, dn []int
}

type lseg struct{ a, b int } // a on layer l, b on layer l+1

type layout struct {
	nodes  []*lnode
	layers [][]int
	segs   []lseg
	// paths of the edges: the node indexes from the upper end to the
	// lower end, dummies between; nil for an edge within one layer.
	paths [][]int
	flat  [][2]int // edges within one layer
}

const (
	sweepRounds = 8
	layerGap    = 74 // between the bottom of a layer and the top of the next
	nodeGap     = 28
	margin      = 16
	dummyWidth  = 12
)

// newLayout lays out nodes (with sizes, layers and ranks) and edges given
// as pairs (upper, lower) of node indexes; an edge whose ends are on the
// same layer is drawn as an arc.
func newLayout(nodes []*lnode, edges [][2]int) *layout {
	L := &layout{nodes: nodes}
	top := 0
	for _, n := range nodes {
		top = max(top, n.layer)
	}
	for _, e := range edges {
		a, b := e[0], e[1]
		la, lb := nodes[a].layer, nodes[b].layer
		if la == lb {
			L.paths = append(L.paths, nil)
			L.flat = append(L.flat, e)
			continue
		}
		rev := la > lb
		if rev {
			a, b, la, lb = b, a, lb, la
		}
		path := []int{a}
		prev := a
		for l := la + 1; l < lb; l++ {
			d := len(L.nodes)
			L.nodes = append(L.nodes, &lnode{w: dummyWidth, layer: l, dummy: true, rank: L.nodes[prev].rank})
			L.link(prev, d)
			path = append(path, d)
			prev = d
		}
		L.link(prev, b)
		path = append(path, b)
		if rev {
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
		}
		L.paths = append(L.paths, path)
	}
	L.layers = make([][]int, top+1)
	for i, n := range L.nodes {
		L.layers[n.layer] = append(L.layers[n.layer], i)
	}
	for _, ly := range L.layers {
		sort.SliceStable(ly, func(i, j int) bool { return L.nodes[ly[i]].rank < L.nodes[ly[j]].rank })
		L.number(ly)
	}
	L.order()
	L.place()
	return L
}

func (L *layout) link(a, b int) {
	L.nodes[a].dn = append(L.nodes[a].dn, b)
	L.nodes[b].up = append(L.nodes[b].up, a)
	L.segs = append(L.segs, lseg{a, b})
}

func (L *layout) number(ly []int) {
	for k, i := range ly {
		L.nodes[i].order = float64(k)
	}
}

// order reduces crossings by barycenter sweeps, down then up, keeping the
// best order found.
func (L *layout) order() {
	best := L.crossings()
	saved := L.save()
	for r := 0; r < sweepRounds && best > 0; r++ {
		for l := 1; l < len(L.layers); l++ {
			L.sortLayer(l, true)
		}
		for l := len(L.layers) - 2; l >= 0; l-- {
			L.sortLayer(l, false)
		}
		if c := L.crossings(); c < best {
			best, saved = c, L.save()
		}
	}
	L.layers = saved
	for _, ly := range L.layers {
		L.number(ly)
	}
}

func (L *layout) save() [][]int {
	out := make([][]int, len(L.layers))
	for l, ly := range L.layers {
		out[l] = append([]int(nil), ly...)
	}
	return out
}

// sortLayer orders layer l by the barycenter of each node's neighbours on
// the layer above (down) or below; a node without any keeps its place.
func (L *layout) sortLayer(l int, down bool) {
	ly := L.layers[l]
	bary := make(map[int]float64, len(ly))
	for _, i := range ly {
		n := L.nodes[i]
		nb := n.up
		if !down {
			nb = n.dn
		}
		if len(nb) == 0 {
			bary[i] = n.order
			continue
		}
		s := 0.0
		for _, j := range nb {
			s += L.nodes[j].order
		}
		bary[i] = s / float64(len(nb))
	}
	sort.SliceStable(ly, func(a, b int) bool {
		x, y := bary[ly[a]], bary[ly[b]]
		if x != y {
			return x < y
		}
		return L.nodes[ly[a]].order < L.nodes[ly[b]].order
	})
	L.number(ly)
}

// crossings counts the pairs of segments that cross between adjacent
// layers.
func (L *layout) crossings() int {
	by := make([][]lseg, len(L.layers))
	for _, s := range L.segs {
		l := L.nodes[s.a].layer
		by[l] = append(by[l], s)
	}
	c := 0
	for _, ss := range by {
		for i := range ss {
			for j := i + 1; j < len(ss); j++ {
				a1, b1 := L.nodes[ss[i].a].order, L.nodes[ss[i].b].order
				a2, b2 := L.nodes[ss[j].a].order, L.nodes[ss[j].b].order
				if (a1-a2)*(b1-b2) < 0 {
					c++
				}
			}
		}
	}
	return c
}

// place gives every node its position: layers from the top, and along
// each layer the nodes packed in order, then pulled toward the mean
// position of their neighbours, down and up a few times, never closer
// than nodeGap.
func (L *layout) place() {
	y := float64(margin)
	for _, ly := range L.layers {
		h := 0.0
		for _, i := range ly {
			h = max(h, L.nodes[i].h)
		}
		for _, i := range ly {
			L.nodes[i].y = y + h/2
		}
		x := 0.0
		for _, i := range ly {
			n := L.nodes[i]
			n.x = x + n.w/2
			x += n.w + nodeGap
		}
		y += h + layerGap
	}
	// Centre the layers on the widest.
	width := 0.0
	for _, ly := range L.layers {
		width = max(width, L.span(ly))
	}
	for _, ly := range L.layers {
		d := (width - L.span(ly)) / 2
		for _, i := range ly {
			L.nodes[i].x += d
		}
	}
	for r := 0; r < 4; r++ {
		for l := 1; l < len(L.layers); l++ {
			L.pull(l, true)
		}
		for l := len(L.layers) - 2; l >= 0; l-- {
			L.pull(l, false)
		}
	}
	minX := 0.0
	first := true
	for _, n := range L.nodes {
		if first || n.x-n.w/2 < minX {
			minX, first = n.x-n.w/2, false
		}
	}
	for _, n := range L.nodes {
		n.x += margin - minX
	}
}

func (L *layout) span(ly []int) float64 {
	if len(ly) == 0 {
		return 0
	}
	s := 0.0
	for _, i := range ly {
		s += L.nodes[i].w
	}
	return s + float64(len(ly)-1)*nodeGap
}

// pull moves the nodes of layer l toward the mean position of their
// neighbours on the layer above (down) or below, keeping their order and
// the gap between them: the mean of a pass pushing right and a pass
// pushing left, made feasible again.
func (L *layout) pull(l int, down bool) {
	ly := L.layers[l]
	if len(ly) == 0 {
		return
	}
	want := make([]float64, len(ly))
	for k, i := range ly {
		n := L.nodes[i]
		nb := n.up
		if !down {
			nb = n.dn
		}
		want[k] = n.x
		if len(nb) > 0 {
			s := 0.0
			for _, j := range nb {
				s += L.nodes[j].x
			}
			want[k] = s / float64(len(nb))
		}
	}
	gap := func(k int) float64 { return (L.nodes[ly[k-1]].w+L.nodes[ly[k]].w)/2 + nodeGap }
	right := append([]float64(nil), want...)
	for k := 1; k < len(ly); k++ {
		right[k] = max(right[k], right[k-1]+gap(k))
	}
	left := append([]float64(nil), want...)
	for k := len(ly) - 2; k >= 0; k-- {
		left[k] = min(left[k], left[k+1]-gap(k+1))
	}
	for k := range ly {
		want[k] = (right[k] + left[k]) / 2
	}
	for k := 1; k < len(ly); k++ {
		want[k] = max(want[k], want[k-1]+gap(k))
	}
	for k, i := range ly {
		L.nodes[i].x = want[k]
	}
}

// size returns the width and height the layout takes, margins included.
func (L *layout) size() (w, h float64) {
	for _, n := range L.nodes {
		w = max(w, n.x+n.w/2)
		h = max(h, n.y+n.h/2)
	}
	return w + margin, h + margin
}

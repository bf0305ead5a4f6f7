package picture

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// Kinds of node of a blocking graph.
const (
	NodeItem  = "item"  // an item of the talks
	NodeParty = "party" // a party whose plain vote blocks an item: a root blocker
	NodeHold  = "hold"  // a hold on an item, such as open brackets: a root blocker
	NodeFact  = "fact"  // a fact a failing condition needs confirmed (or not)
)

// Kinds of edge of a blocking graph. Edges point from what waits to what
// it waits on, and from a blocker to what it blocks.
const (
	EdgeWaits    = "waits"    // item → item its failing condition needs agreed
	EdgeExcludes = "excludes" // item → agreed item its failing condition needs not agreed
	EdgeFact     = "fact"     // item → fact its failing condition needs (un)confirmed
	EdgePackage  = "package"  // item → package mate that fails its rule or is held
	EdgeRelies   = "relies"   // agreed item → agreed item its agreement rests on
	EdgeBlocks   = "blocks"   // party → item: a plain objection, reservation or silence
	EdgeHolds    = "holds"    // hold → item it holds back
	EdgeElided   = "elided"   // item → item it reaches through items left out
)

// DefaultMaxNodes is the number of nodes a blocking graph keeps when the
// caller asks for none in particular, as an explanation on the dashboard
// follows at most 12 items (docs/UI.md, "Large talks"). MaxNodes bounds
// what a caller may ask for, and so the time of the layout.
const (
	DefaultMaxNodes = 12
	MaxNodes        = 60
	// MaxUnlocks is the number of unlock options a graph marks; the
	// others are counted in UnlocksLeft.
	MaxUnlocks = 6
)

// A Graph is the blocking graph of one item: the item, the items its
// failing conditions wait on and their package mates, down to the root
// blockers (parties' plain objections, reservations and silences, holds
// and facts), with each party's vote on each edge, cut to the most
// relevant nodes, and the unlock options marked on it.
type Graph struct {
	Talks  string
	At     int64 // the view's log index, -1 for now
	Item   string
	Status string
	Badge  Badge
	// Nodes are the nodes kept, in relevance order: Nodes[0] is the item.
	Nodes []*Node
	// Edges are the edges between nodes kept, and elided edges where a
	// chain goes on through nodes left out, sorted by From then To.
	Edges []*Edge
	// Unlocks are the unlock options marked, at most MaxUnlocks: those
	// that change a vote or lift a hold the graph shows first, then the
	// others, each numbered by its place in the list given (from 1).
	Unlocks     []*Unlock
	UnlocksLeft int // options given but not marked
	// Total counts the nodes and edges of the whole explanation, Left
	// those not kept (elided edges aside).
	Total, Left Counts
	p           *i18n.Printer // the language of its words
}

// Counts counts the nodes of a graph by kind, and its edges.
type Counts struct {
	Items, Parties, Holds, Facts, Edges int
}

// Nodes returns the number of nodes counted.
func (c Counts) Nodes() int { return c.Items + c.Parties + c.Holds + c.Facts }

// A Node is a node of a blocking graph.
type Node struct {
	ID    string // unique in the graph: "item:D1", "party:gov", "hold:D1:open_brackets", "fact:f1"
	Kind  string
	Item  string // of an item, or the item a hold holds
	Party string // of a party node
	Fact  string // of a fact node
	Hold  string // of a hold node: its kind
	Count int    // of a hold node: how many are open
	Title string // the item's title, the party's name, the hold in words
	// Status is an item's status; Badge tells it for display (until
	// Graph.SetHistory gives the history, an item not agreed shows as
	// never agreed).
	Status    string
	Badge     Badge
	NoSupport bool // an item no party votes yes on: a root blocker itself
	// Depth is the length of the shortest chain from the explained item
	// to the node; Chains the number of shortest chains from the item to
	// a root blocker that pass through it (or end at it), at most
	// MaxChains.
	Depth, Chains int
	Root          bool // a root blocker: a party, hold or fact node, or an item no party supports
	Rank          int  // the node's place in the relevance order of the whole explanation, from 0
	Unlocks       []int
}

// MaxChains caps the count of chains through a node, which can grow
// exponentially with the depth of a graph of conditions.
const MaxChains = 1 << 40

// A Vote is one party's vote that an edge stands for.
type Vote struct {
	Party     string
	Stance    string
	Condition string // for a conditional vote, in the record's syntax
}

// An Edge is an edge of a blocking graph.
type Edge struct {
	From, To string // node ids
	Kind     string
	Votes    []Vote // the votes it stands for, by party
	Short    string // a label short enough to stand on the edge: "oppA, oppB", "opposes"
	Label    string // in words
	Via      int    // of an elided edge: the items left out on the shortest way
	Unlocks  []int  // the unlock options that change one of its votes
}

// An Unlock is an unlock option marked on a graph.
type Unlock struct {
	N       int // its place in the list of options given, from 1
	Changes []agreement.Position
	Lift    []agreement.Hold
	Moves   []string // each move in words: "gov supports M1a"
	// Agreed lists the items that would become agreed: those the option
	// changes first, then the others of the graph from the deepest up to
	// the explained item, then the rest by id; Fall those that would no
	// longer be. Both are nil when the view has no
	// instance to weigh the option on.
	Agreed, Fall []string
	Text         string // "gov supports M1a → M1a and D1 agreed"
}

// Blocking builds the blocking graph of item, its words in the language of
// p, from an evaluation res of the view t (t.Evaluate()), keeping the max most relevant nodes (max ≤ 0
// means DefaultMaxNodes; at most MaxNodes), and marks on it the unlock
// options given (agreement.Unlock of t.Inst and the item, smallest
// first), each weighed on t.Inst to list the items it would make agreed.
//
// Relevance: the explained item first; then the root blockers, by the
// number of chains ending at them (most first), the nearest first, each
// with the item it blocks, until they fill half the nodes; then the items
// the explained item waits on directly, then the other items, each by the
// number of chains through them (most first), the nearest first; then
// the remaining root blockers; ties by id. A chain followed through nodes left out shows as an elided edge
// between the nodes kept at its ends, with the number of items left out
// on the way. docs/PICTURES.md says why.
func Blocking(p *i18n.Printer, res *agreement.Result, t *view.Talks, item string, unlocks []agreement.UnlockOption, max int) (*Graph, error) {
	p = printer(p)
	if res == nil || t == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "a blocking graph needs an evaluation and the view it comes from")
	}
	ir := res.Items[item]
	if ir == nil || t.Item(item) == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no item %q that you may see", t.ID, item)
	}
	if max <= 0 {
		max = DefaultMaxNodes
	}
	max = min(max, MaxNodes)
	b := &builder{p: p, res: res, t: t, nodes: map[string]*Node{}, edges: map[[3]string]*Edge{}}
	b.explore(item)
	b.measure(item)
	order := b.relevance(item, max)
	g := &Graph{Talks: t.ID, At: t.At, Item: item, Status: ir.Status, Badge: BadgeOf(p, item, ir.Status, nil, t), p: p}
	kept := map[string]bool{}
	for k, n := range order {
		n.Rank = k
		if k < len(b.keep) {
			kept[n.ID] = true
		}
	}
	for _, n := range b.keep {
		g.Nodes = append(g.Nodes, n)
	}
	for _, n := range b.nodes {
		countNode(&g.Total, n)
		if !kept[n.ID] {
			countNode(&g.Left, n)
		}
	}
	for _, e := range b.edges {
		g.Total.Edges++
		if kept[e.From] && kept[e.To] {
			g.Edges = append(g.Edges, e)
		} else {
			g.Left.Edges++
		}
	}
	g.Edges = append(g.Edges, b.elide(kept)...)
	sort.Slice(g.Edges, func(i, j int) bool {
		a, c := g.Edges[i], g.Edges[j]
		if a.From != c.From {
			return a.From < c.From
		}
		if a.To != c.To {
			return a.To < c.To
		}
		return a.Kind < c.Kind
	})
	if err := g.mark(t, unlocks); err != nil {
		return nil, err
	}
	return g, nil
}

func countNode(c *Counts, n *Node) {
	switch n.Kind {
	case NodeItem:
		c.Items++
	case NodeParty:
		c.Parties++
	case NodeHold:
		c.Holds++
	case NodeFact:
		c.Facts++
	}
}

type builder struct {
	p     *i18n.Printer
	res   *agreement.Result
	t     *view.Talks
	nodes map[string]*Node
	edges map[[3]string]*Edge // by from, to, kind
	items []string            // item nodes in the order found (breadth first)
	out   map[string][]string // item node id → item node ids it waits on (waits, package): the chains
	term  map[string][]string // item node id → root blocker node ids that end a chain at it
	keep  []*Node
}

func itemID(id string) string { return "item:" + id }

func (b *builder) itemNode(id string) *Node {
	key := itemID(id)
	if n := b.nodes[key]; n != nil {
		return n
	}
	n := &Node{ID: key, Kind: NodeItem, Item: id, Depth: -1}
	if it := b.t.Item(id); it != nil {
		n.Title = it.Title
	}
	if ir := b.res.Items[id]; ir != nil {
		n.Status = ir.Status
		n.Badge = BadgeOf(b.p, id, ir.Status, nil, b.t)
		n.NoSupport = ir.NoSupport && len(ir.Holds) == 0
		n.Root = n.NoSupport
	}
	b.nodes[key] = n
	b.items = append(b.items, id)
	return n
}

func (b *builder) node(n *Node) *Node {
	if m := b.nodes[n.ID]; m != nil {
		return m
	}
	n.Depth = -1
	b.nodes[n.ID] = n
	return n
}

func (b *builder) edge(from, to, kind string, v *Vote) *Edge {
	key := [3]string{from, to, kind}
	e := b.edges[key]
	if e == nil {
		e = &Edge{From: from, To: to, Kind: kind}
		b.edges[key] = e
	}
	if v != nil && !slices.Contains(e.Votes, *v) {
		e.Votes = append(e.Votes, *v)
	}
	return e
}

// explore finds every node of the explanation of item, breadth first.
func (b *builder) explore(item string) {
	b.out, b.term = map[string][]string{}, map[string][]string{}
	b.itemNode(item)
	for k := 0; k < len(b.items); k++ {
		id := b.items[k]
		ir := b.res.Items[id]
		if ir == nil {
			continue
		}
		from := itemID(id)
		next := func(to string, kind string, v *Vote) {
			n := b.itemNode(to)
			b.edge(from, n.ID, kind, v)
			if !slices.Contains(b.out[from], n.ID) {
				b.out[from] = append(b.out[from], n.ID)
			}
		}
		if view.Agreedish(ir.Status) {
			// What an agreed item's agreement rests on.
			for _, r := range ir.ReliesOn {
				v := Vote{Party: r.Party, Stance: parley.StanceConditional, Condition: r.Condition}
				for _, on := range r.On {
					next(on, EdgeRelies, &v)
				}
			}
			for _, d := range ir.DependsOn {
				if ir2 := b.res.Items[d]; ir2 != nil && !b.hasEdge(from, itemID(d), EdgeRelies) {
					next(d, EdgeRelies, nil)
				}
			}
			continue
		}
		for _, h := range ir.Holds {
			n := b.node(&Node{ID: "hold:" + id + ":" + h.Kind, Kind: NodeHold, Item: id, Hold: h.Kind, Count: h.Count,
				Title: holdTitle(b.p, h.Kind, h.Count), Root: true})
			b.edge(n.ID, from, EdgeHolds, nil)
			b.term[from] = append(b.term[from], n.ID)
		}
		if b.nodes[from].NoSupport {
			b.term[from] = append(b.term[from], from)
		}
		for _, bl := range ir.Blockers {
			v := Vote{Party: bl.Party, Stance: bl.Stance, Condition: bl.Condition}
			if bl.Stance != parley.StanceConditional || len(bl.WaitsOn)+len(bl.ExcludedBy)+len(bl.MissingFacts)+len(bl.ExcludedByFacts) == 0 {
				n := b.node(&Node{ID: "party:" + bl.Party, Kind: NodeParty, Party: bl.Party, Title: b.t.PartyName(bl.Party), Root: true})
				b.edge(n.ID, from, EdgeBlocks, &v)
				if !slices.Contains(b.term[from], n.ID) {
					b.term[from] = append(b.term[from], n.ID)
				}
				continue
			}
			for _, w := range bl.WaitsOn {
				next(w, EdgeWaits, &v)
			}
			for _, x := range bl.ExcludedBy {
				n := b.itemNode(x)
				b.edge(from, n.ID, EdgeExcludes, &v)
			}
			for _, f := range append(slices.Clone(bl.MissingFacts), bl.ExcludedByFacts...) {
				n := b.node(&Node{ID: "fact:" + f, Kind: NodeFact, Fact: f, Title: b.p.T("the fact %s", f), Root: true})
				b.edge(from, n.ID, EdgeFact, &v)
				if !slices.Contains(b.term[from], n.ID) {
					b.term[from] = append(b.term[from], n.ID)
				}
			}
		}
		for _, p := range ir.PackageBlockedBy {
			next(p, EdgePackage, nil)
		}
	}
}

func (b *builder) hasEdge(from, to, kind string) bool {
	_, ok := b.edges[[3]string{from, to, kind}]
	return ok
}

// holdTitle names a hold by what it counts: "2 open brackets".
func holdTitle(p *i18n.Printer, kind string, count int) string {
	switch kind {
	case agreement.HoldOpenBrackets:
		return p.T("%d open brackets", count)
	case agreement.HoldIncompleteVersion:
		return p.T("%d languages missing", count)
	case agreement.HoldOpenDivergence:
		return p.T("%d open divergences", count)
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// measure sets every node's depth and count of chains. Depth is the
// breadth-first distance from the item along the chains (from an item to
// what it waits on; a root blocker one further than the item it blocks).
// Chains are counted on the graph of the chains with each cycle of
// conditions (each strongly connected part) taken as one node, so that
// their number is finite: chains(v) = from(v) × to(v), where from(v)
// counts the ways from the item to v's part and to(v) the ways from v's
// part to a root blocker (a root blocker counts once for each item it
// blocks); a root blocker's count is the sum of from() over the items it
// blocks.
func (b *builder) measure(item string) {
	start := itemID(item)
	b.nodes[start].Depth = 0
	queue := []string{start}
	var order []string
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		order = append(order, v)
		for _, w := range b.out[v] {
			if n := b.nodes[w]; n.Depth < 0 {
				n.Depth = b.nodes[v].Depth + 1
				queue = append(queue, w)
			}
		}
	}
	for _, v := range order {
		for _, r := range b.term[v] {
			if n := b.nodes[r]; r != v && (n.Depth < 0 || n.Depth > b.nodes[v].Depth+1) {
				n.Depth = b.nodes[v].Depth + 1
			}
		}
	}
	// Excluded and relied-on items that no chain reaches stand one below
	// the items that name them.
	for _, e := range b.edges {
		if to := b.nodes[e.To]; to.Depth < 0 {
			if from := b.nodes[e.From]; from.Depth >= 0 {
				to.Depth = from.Depth + 1
			}
		}
	}
	for _, n := range b.nodes {
		if n.Depth < 0 {
			n.Depth = 1
		}
	}
	comp, parts := b.components(order)
	to := make([]float64, len(parts))
	for c, part := range parts { // sinks first
		for _, v := range part {
			to[c] += float64(len(b.term[v]))
			for _, w := range b.out[v] {
				if comp[w] != c {
					to[c] += to[comp[w]]
				}
			}
		}
		to[c] = math.Min(to[c], MaxChains)
	}
	from := make([]float64, len(parts))
	from[comp[start]] = 1
	for c := len(parts) - 1; c >= 0; c-- { // sources first
		for _, v := range parts[c] {
			for _, w := range b.out[v] {
				if comp[w] != c {
					from[comp[w]] = math.Min(from[comp[w]]+from[c], MaxChains)
				}
			}
		}
	}
	ends := map[string]float64{}
	for _, v := range order {
		for _, r := range b.term[v] {
			if r != v {
				ends[r] += from[comp[v]]
			}
		}
	}
	for id, n := range b.nodes {
		var c float64
		switch {
		case n.Kind == NodeItem:
			if k, ok := comp[id]; ok {
				c = from[k] * to[k]
			}
		default:
			c = ends[id]
		}
		n.Chains = int(math.Min(c, MaxChains))
	}
}

// components returns the strongly connected parts of the chains among
// the items reached (Tarjan's algorithm), in reverse topological order:
// every part comes after the parts it reaches. It returns each item's
// part too.
func (b *builder) components(order []string) (map[string]int, [][]string) {
	index := map[string]int{}
	low := map[string]int{}
	on := map[string]bool{}
	comp := map[string]int{}
	var stack []string
	var parts [][]string
	// An explicit stack of (node, next edge) frames, so that a chain of
	// thousands of items does not recurse as deep.
	type frame struct {
		v string
		k int
	}
	for _, root := range order {
		if _, seen := index[root]; seen {
			continue
		}
		frames := []frame{{root, 0}}
		index[root], low[root] = len(index), len(index)
		stack, on[root] = append(stack, root), true
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.k < len(b.out[f.v]) {
				w := b.out[f.v][f.k]
				f.k++
				if _, seen := index[w]; !seen {
					index[w], low[w] = len(index), len(index)
					stack, on[w] = append(stack, w), true
					frames = append(frames, frame{w, 0})
				} else if on[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				u := frames[len(frames)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] == index[v] {
				var part []string
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					on[w] = false
					comp[w] = len(parts)
					part = append(part, w)
					if w == v {
						break
					}
				}
				parts = append(parts, part)
			}
		}
	}
	return comp, parts
}

// relevance returns every node in relevance order and sets b.keep to the
// nodes kept, at most max.
func (b *builder) relevance(item string, max int) []*Node {
	start := b.nodes[itemID(item)]
	kept := map[string]bool{start.ID: true}
	b.keep = []*Node{start}
	add := func(n *Node) {
		if !kept[n.ID] {
			kept[n.ID] = true
			b.keep = append(b.keep, n)
		}
	}
	// The ends of chains: each root blocker with the item it blocks.
	type end struct {
		root, at *Node
		chains   int
	}
	var ends []end
	var items, roots []*Node
	for _, n := range b.nodes {
		if n.Kind == NodeItem {
			if n != start {
				items = append(items, n)
			}
			continue
		}
		roots = append(roots, n)
	}
	for _, v := range b.items {
		at := b.nodes[itemID(v)]
		for _, r := range b.term[at.ID] {
			if r == at.ID {
				continue // an item no party supports is ranked as an item
			}
			ends = append(ends, end{root: b.nodes[r], at: at, chains: b.nodes[r].Chains})
		}
	}
	sort.Slice(ends, func(i, j int) bool {
		a, c := ends[i], ends[j]
		if a.chains != c.chains {
			return a.chains > c.chains
		}
		if a.at.Depth != c.at.Depth {
			return a.at.Depth < c.at.Depth
		}
		if a.at.Item != c.at.Item {
			return a.at.Item < c.at.Item
		}
		return a.root.ID < c.root.ID
	})
	byRelevance := func(s []*Node) {
		sort.Slice(s, func(i, j int) bool {
			a, c := s[i], s[j]
			if a.Chains != c.Chains {
				return a.Chains > c.Chains
			}
			if a.Depth != c.Depth {
				return a.Depth < c.Depth
			}
			return a.ID < c.ID
		})
	}
	byRelevance(items)
	byRelevance(roots)
	half := (max + 1) / 2
	for _, e := range ends {
		need := 0
		if !kept[e.root.ID] {
			need++
		}
		if !kept[e.at.ID] {
			need++
		}
		if need == 0 {
			continue
		}
		if len(b.keep)+need > half {
			break
		}
		add(e.root)
		add(e.at)
	}
	// What the item waits on directly, then the rest.
	for _, near := range []bool{true, false} {
		for _, n := range items {
			if len(b.keep) >= max {
				break
			}
			if (n.Depth == 1) == near {
				add(n)
			}
		}
	}
	for _, e := range ends {
		if len(b.keep) >= max {
			break
		}
		if !kept[e.root.ID] && (kept[e.at.ID] || len(b.keep)+2 <= max) {
			add(e.root)
			add(e.at)
		}
	}
	for _, n := range roots {
		if len(b.keep) >= max {
			break
		}
		add(n)
	}
	order := slices.Clone(b.keep)
	for _, s := range [][]*Node{items, roots} {
		for _, n := range s {
			if !kept[n.ID] {
				order = append(order, n)
				kept[n.ID] = true
			}
		}
	}
	return order
}

// elide returns, for each item kept, an edge to each item kept that it
// reaches along the chains through items left out only, with the number
// of items left out on the shortest such way.
func (b *builder) elide(kept map[string]bool) []*Edge {
	var out []*Edge
	for _, n := range b.keep {
		if n.Kind != NodeItem {
			continue
		}
		dist := map[string]int{}
		var queue []string
		for _, w := range b.out[n.ID] {
			if !kept[w] {
				if _, ok := dist[w]; !ok {
					dist[w] = 1
					queue = append(queue, w)
				}
			}
		}
		found := map[string]int{}
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, w := range b.out[v] {
				if kept[w] {
					if _, ok := found[w]; !ok && w != n.ID {
						found[w] = dist[v]
					}
					continue
				}
				if _, ok := dist[w]; !ok {
					dist[w] = dist[v] + 1
					queue = append(queue, w)
				}
			}
			// A root blocker left out ends a chain too; it shows in the
			// counts of what is left out, not as an edge.
		}
		targets := make([]string, 0, len(found))
		for w := range found {
			targets = append(targets, w)
		}
		sort.Strings(targets)
		for _, w := range targets {
			if b.hasEdge(n.ID, w, EdgeWaits) || b.hasEdge(n.ID, w, EdgePackage) {
				continue // a direct edge says more
			}
			out = append(out, &Edge{From: n.ID, To: w, Kind: EdgeElided, Via: found[w]})
		}
	}
	return out
}

// label writes an edge's labels in words: Short on the edge, Label a
// sentence.
func (e *Edge) label(g *Graph) {
	p := g.printer()
	parties := make([]string, len(e.Votes))
	for k, v := range e.Votes {
		parties[k] = v.Party
	}
	from, to := nodeName(p, e.From), nodeName(p, e.To)
	switch e.Kind {
	case EdgeWaits, EdgeFact, EdgeExcludes:
		e.Short = join(p, parties)
		var clauses []string
		for _, grp := range byCondition(e.Votes) {
			clauses = append(clauses, words.Stance(p, grp.parties, parley.StanceConditional, grp.cond, from))
		}
		switch e.Kind {
		case EdgeWaits:
			clauses = append(clauses, p.T("%s is not agreed", to))
		case EdgeExcludes:
			clauses = append(clauses, p.T("%s is agreed", to))
			e.Short = p.T("%[1]s (not %[2]s)", e.Short, to)
		}
		e.Label = clauses[0]
		for _, c := range clauses[1:] {
			e.Label = p.T("%[1]s; %[2]s", e.Label, c)
		}
	case EdgeBlocks:
		var short, long []string
		for _, v := range e.Votes {
			short = append(short, blockWords(p, v.Stance))
			long = append(long, blockSentence(p, from, v.Stance, to))
		}
		e.Short = join(p, short)
		if len(long) > 0 {
			e.Label = long[0]
			for _, c := range long[1:] {
				e.Label = p.T("%[1]s; %[2]s", e.Label, c)
			}
		}
	case EdgeHolds:
		e.Short = p.T("holds")
		if n := g.node(e.From); n != nil {
			e.Label = words.Hold(p, n.Hold, n.Count, n.Item)
		}
	case EdgePackage:
		e.Short = p.T("package")
		e.Label = p.T("%[1]s is agreed only with its package, and %[2]s fails", from, to)
	case EdgeRelies:
		e.Short = join(p, parties)
		switch len(parties) {
		case 0:
			e.Label = p.T("%[1]s is agreed with %[2]s, its package mate or the condition of its support", from, to)
		case 1:
			e.Label = p.T("%[1]s is agreed as %[2]s supports it on condition that %[3]s is agreed", from, parties[0], to)
		default:
			e.Label = p.T("%[1]s is agreed as %[2]s support it on condition that %[3]s is agreed", from, p.List(parties), to)
		}
	case EdgeElided:
		e.Short = p.T("via %d items", e.Via)
		e.Label = p.T("%[2]s waits on %[3]s through %[1]d items left out of the picture", e.Via, from, to)
	}
}

// join joins short labels with the language's comma: "oppA, oppB".
func join(p *i18n.Printer, items []string) string {
	if len(items) == 0 {
		return ""
	}
	s := items[0]
	for _, it := range items[1:] {
		s = p.T("%[1]s, %[2]s", s, it)
	}
	return s
}

type condGroup struct {
	cond    string
	parties []string
}

func byCondition(votes []Vote) []condGroup {
	var out []condGroup
	for _, v := range votes {
		k := slices.IndexFunc(out, func(g condGroup) bool { return g.cond == v.Condition })
		if k < 0 {
			out = append(out, condGroup{cond: v.Condition})
			k = len(out) - 1
		}
		out[k].parties = append(out[k].parties, v.Party)
	}
	return out
}

// blockWords is the short label of a party's vote on the edge to the
// item it blocks: "opposes".
func blockWords(p *i18n.Printer, stance string) string {
	switch stance {
	case parley.StanceOppose:
		return p.T("opposes")
	case parley.StanceReserve:
		return p.T("reserves on")
	case "silent":
		return p.T("has no stance on")
	case parley.StanceConditional:
		return p.T("supports only on a condition that fails")
	}
	return strings.ReplaceAll(stance, "_", " ")
}

// blockSentence says how a party's vote blocks an item: "gov opposes
// M1a".
func blockSentence(p *i18n.Printer, party, stance, item string) string {
	switch stance {
	case "silent":
		return words.Stance(p, []string{party}, "", "", item)
	case parley.StanceConditional:
		return p.T("%[1]s supports %[2]s only on a condition that fails", party, item)
	}
	return words.Stance(p, []string{party}, stance, "", item)
}

// nodeName is the short name of a node id: the item, party or fact.
func nodeName(p *i18n.Printer, id string) string {
	kind, rest, _ := strings.Cut(id, ":")
	if kind == NodeHold {
		item, _, _ := strings.Cut(rest, ":")
		return p.T("the hold on %s", item)
	}
	return rest
}

// SetHistory sets the badges of the graph's items from the history of the
// agreement as the view's viewer sees it, so that an item that lost
// agreement shows as lost, since when and by whose act.
func (g *Graph) SetHistory(h *view.History, t *view.Talks) {
	p := g.printer()
	g.Badge = BadgeOf(p, g.Item, g.Status, h, t)
	for _, n := range g.Nodes {
		if n.Kind == NodeItem {
			n.Badge = BadgeOf(p, n.Item, n.Status, h, t)
		}
	}
}

// printer is the language of the graph's words, English for a graph
// built by hand.
func (g *Graph) printer() *i18n.Printer { return printer(g.p) }

func (g *Graph) node(id string) *Node {
	for _, n := range g.Nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// mark weighs the unlock options on the view's instance, marks each on
// the edges whose votes it changes and the holds it lifts, and labels the
// edges.
func (g *Graph) mark(t *view.Talks, opts []agreement.UnlockOption) error {
	p := g.printer()
	for _, e := range g.Edges {
		e.label(g)
	}
	// Mark the options that change something the picture shows first,
	// in the order given, then the others; each keeps its number in the
	// list given, so that it matches the list on the page.
	var chosen []int
	for _, touching := range []bool{true, false} {
		for k, o := range opts {
			if len(chosen) < MaxUnlocks && g.touches(o) == touching {
				chosen = append(chosen, k)
			}
		}
	}
	sort.Ints(chosen)
	g.UnlocksLeft = len(opts) - len(chosen)
	if len(chosen) == 0 {
		return nil
	}
	var eng *agreement.Engine
	var before map[string]bool
	if t.Inst != nil {
		var err error
		if eng, err = agreement.NewEngine(t.Inst); err != nil {
			return err
		}
		list, err := eng.Agreed()
		if err != nil {
			return err
		}
		before = set(list)
	}
	depthOf := map[string]int{}
	for _, n := range g.Nodes {
		if n.Kind == NodeItem {
			depthOf[n.Item] = n.Depth
		}
	}
	for _, k := range chosen {
		o := opts[k]
		u := &Unlock{N: k + 1, Changes: o.Changes, Lift: o.Lift}
		for _, c := range o.Changes {
			u.Moves = append(u.Moves, moveWords(p, c))
		}
		for _, h := range o.Lift {
			u.Moves = append(u.Moves, liftWords(p, h))
		}
		if eng != nil {
			after, err := weigh(eng, o)
			if err != nil {
				return err
			}
			for id := range after {
				if !before[id] {
					u.Agreed = append(u.Agreed, id)
				}
			}
			for id := range before {
				if !after[id] {
					u.Fall = append(u.Fall, id)
				}
			}
			// The items the option changes first, then those that
			// follow from them, up the chains to the explained item.
			moved := map[string]bool{}
			for _, c := range o.Changes {
				moved[c.Item] = true
			}
			for _, h := range o.Lift {
				moved[h.Item] = true
			}
			sort.Slice(u.Agreed, func(i, j int) bool {
				a, b := u.Agreed[i], u.Agreed[j]
				if moved[a] != moved[b] {
					return moved[a]
				}
				da, oka := depthOf[a]
				db, okb := depthOf[b]
				if oka != okb {
					return oka
				}
				if da != db {
					return da > db
				}
				return a < b
			})
			sort.Strings(u.Fall)
		}
		// The moves are made together: a comma between them, not "and".
		u.Text = join(p, u.Moves)
		switch {
		case u.Agreed != nil && len(u.Fall) > 0:
			u.Text = p.T("%[1]s → %[2]s agreed, %[3]s no longer agreed", u.Text, p.List(u.Agreed), p.List(u.Fall))
		case u.Agreed != nil:
			u.Text = p.T("%[1]s → %[2]s agreed", u.Text, p.List(u.Agreed))
		case eng != nil:
			u.Text = p.T("%s → nothing more agreed", u.Text)
		}
		for _, e := range g.Edges {
			for _, c := range o.Changes {
				if e.changedBy(c) && !slices.Contains(e.Unlocks, u.N) {
					e.Unlocks = append(e.Unlocks, u.N)
				}
			}
		}
		for _, h := range o.Lift {
			if n := g.node("hold:" + h.Item + ":" + h.Kind); n != nil {
				n.Unlocks = append(n.Unlocks, u.N)
			}
		}
		g.Unlocks = append(g.Unlocks, u)
	}
	return nil
}

// touches reports whether an unlock option changes a vote on an edge of
// the graph or lifts a hold it shows.
func (g *Graph) touches(o agreement.UnlockOption) bool {
	for _, c := range o.Changes {
		for _, e := range g.Edges {
			if e.changedBy(c) {
				return true
			}
		}
	}
	for _, h := range o.Lift {
		if g.node("hold:"+h.Item+":"+h.Kind) != nil {
			return true
		}
	}
	return false
}

// changedBy reports whether a change of stance changes a vote the edge
// stands for: the party's vote on the item blocked, for a blocking edge,
// or on the item that waits, for the others.
func (e *Edge) changedBy(c agreement.Position) bool {
	on := e.From
	if e.Kind == EdgeBlocks {
		on = e.To
	}
	if on != itemID(c.Item) {
		return false
	}
	for _, v := range e.Votes {
		if v.Party == c.Party {
			return true
		}
	}
	return false
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// weigh applies an option to the engine, reads what is agreed, and
// undoes it.
func weigh(eng *agreement.Engine, o agreement.UnlockOption) (map[string]bool, error) {
	type old struct {
		pos agreement.Position
		had bool
	}
	var undo []old
	var holds [][]agreement.Hold
	var err error
	defer func() {
		for k := len(undo) - 1; k >= 0; k-- {
			if undo[k].had {
				eng.SetPosition(undo[k].pos)
			} else {
				eng.RemovePosition(undo[k].pos.Party, undo[k].pos.Item)
			}
		}
		for k := len(holds) - 1; k >= 0; k-- {
			if len(holds[k]) > 0 {
				eng.SetHolds(holds[k][0].Item, holds[k])
			}
		}
	}()
	for _, c := range o.Changes {
		p, had := eng.Position(c.Party, c.Item)
		if !had {
			p = agreement.Position{Party: c.Party, Item: c.Item}
		}
		if err = eng.SetPosition(c); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "unlock option changes %s on %s: %v", c.Party, c.Item, err)
		}
		undo = append(undo, old{p, had})
	}
	for _, h := range o.Lift {
		hs := eng.Holds(h.Item)
		var rest []agreement.Hold
		for _, x := range hs {
			if x.Kind != h.Kind {
				rest = append(rest, x)
			}
		}
		if err = eng.SetHolds(h.Item, rest); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "unlock option lifts a hold on %s: %v", h.Item, err)
		}
		holds = append(holds, hs)
	}
	list, err := eng.Agreed()
	if err != nil {
		return nil, err
	}
	return set(list), nil
}

// moveWords says a move of an unlock option: "gov supports M1a".
func moveWords(p *i18n.Printer, c agreement.Position) string {
	if c.Stance == "" {
		return p.T("%[1]s withdraws its stance on %[2]s", c.Party, c.Item)
	}
	return words.Stance(p, []string{c.Party}, c.Stance, c.Condition, c.Item)
}

// liftWords says the lifting of a hold: "a mediator tables a version of
// D1 without brackets".
func liftWords(p *i18n.Printer, h agreement.Hold) string {
	switch h.Kind {
	case agreement.HoldOpenBrackets:
		return p.T("a mediator tables a version of %s without brackets", h.Item)
	case agreement.HoldIncompleteVersion:
		return p.T("a mediator tables %s in every official language", h.Item)
	case agreement.HoldOpenDivergence:
		return p.T("the divergences of %s are resolved", h.Item)
	}
	return p.T("the %[1]s hold on %[2]s is lifted", strings.ReplaceAll(h.Kind, "_", " "), h.Item)
}

// Text returns what the graph shows, in sentences: the text alternative
// of its picture, which a page may also show as text.
func (g *Graph) Text() []string {
	p := g.printer()
	var out []string
	name := g.Item
	if start := g.Nodes[0]; start.Title != "" {
		name = g.Item + " " + words.Quote(p, start.Title)
	}
	if view.Agreedish(g.Status) && len(g.Nodes) > 1 {
		out = append(out, p.T("Why %[1]s is %[2]s, and what its agreement rests on.", name, words.Status(p, g.Status)))
	} else {
		out = append(out, p.T("Why %[1]s is %[2]s.", name, words.Status(p, g.Status)))
	}
	for _, n := range g.Nodes[1:] {
		out = append(out, words.Sentence(nodeText(p, n)))
	}
	for _, e := range g.Edges {
		out = append(out, words.Sentence(e.Label))
	}
	for _, u := range g.Unlocks {
		out = append(out, p.T("Unlock %[1]d: %[2]s", u.N, words.Sentence(u.Text)))
	}
	if g.UnlocksLeft > 0 {
		out = append(out, p.T("%d more unlock options are not marked.", g.UnlocksLeft))
	}
	if l := g.Left; l.Nodes() > 0 {
		out = append(out, p.T("Left out of the picture: %s.", leftText(p, l)))
	}
	return out
}

func nodeText(p *i18n.Printer, n *Node) string {
	switch n.Kind {
	case NodeItem:
		name := n.Item
		if n.Title != "" {
			name = n.Item + " " + words.Quote(p, n.Title)
		}
		if n.NoSupport {
			return p.T("%[1]s: %[2]s, no party supports it", name, words.Status(p, n.Status))
		}
		return p.T("%[1]s: %[2]s", name, words.Status(p, n.Status))
	case NodeParty:
		if n.Title != "" && n.Title != n.Party {
			return p.T("Party %[1]s (%[2]s)", n.Title, n.Party)
		}
		return p.T("Party %s", n.Party)
	case NodeHold:
		return p.T("Hold on %[1]s: %[2]s", n.Item, n.Title)
	}
	return p.T("Fact %s, not as the condition needs it", n.Fact)
}

// leftText says what a graph leaves out: "3 items and 2 parties, with 5
// edges".
func leftText(p *i18n.Printer, l Counts) string {
	var parts []string
	if l.Items > 0 {
		parts = append(parts, p.T("%d items", l.Items))
	}
	if l.Parties > 0 {
		parts = append(parts, p.T("%d parties", l.Parties))
	}
	if l.Holds > 0 {
		parts = append(parts, p.T("%d holds", l.Holds))
	}
	if l.Facts > 0 {
		parts = append(parts, p.T("%d facts", l.Facts))
	}
	s := p.List(parts)
	if l.Edges > 0 {
		s = p.T("%[2]s, with %[1]d edges", l.Edges, s)
	}
	return s
}

package picture_test

import (
	"bytes"
	"context"
	"flag"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/picture"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

// moscow is the Moscow scenario replayed: its events, the mediators'
// view of the talks at the end, its evaluation, the unlock options of D1
// and the mediators' history of the agreement.
type moscow struct {
	events []*parley.Event
	st     *state.Talks
	t      *view.Talks
	res    *agreement.Result
	unlock []agreement.UnlockOption
	h      *view.History
}

var (
	moscowOnce sync.Once
	moscowRun  *moscow
	moscowErr  error
)

func loadMoscow(t testing.TB) *moscow {
	t.Helper()
	moscowOnce.Do(func() { moscowRun, moscowErr = replayMoscow("mediators") })
	if moscowErr != nil {
		t.Fatal(moscowErr)
	}
	return moscowRun
}

// replayMoscow signs and replays the scenario, as the audience sees it.
func replayMoscow(audience string) (*moscow, error) {
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		return nil, err
	}
	m := &moscow{}
	app := scenario.AppenderFunc(func(_ context.Context, se parley.SignedEvent) error {
		e, err := parley.DecodeEvent(se.Bytes)
		if err != nil {
			return err
		}
		m.events = append(m.events, e)
		return nil
	})
	if err := s.Replay(context.Background(), app, ks, parley.Origin("demo.example", s.Talks), nil); err != nil {
		return nil, err
	}
	m.st = state.New(s.Talks)
	for i, e := range m.events {
		if err := m.st.Apply(e, int64(i)); err != nil {
			return nil, err
		}
	}
	v, err := view.Audience(audience)
	if err != nil {
		return nil, err
	}
	m.t = view.New(m.st, v, "", parley.Checkpoint{})
	if m.res, err = m.t.Evaluate(); err != nil {
		return nil, err
	}
	if m.unlock, err = agreement.Unlock(m.t.Inst, "D1", agreement.UnlockLimits{}); err != nil {
		return nil, err
	}
	var hs *view.Histories
	if m.h, err = hs.Of(context.Background(), m.t, view.EventsSource(m.events)); err != nil {
		return nil, err
	}
	return m, nil
}

var update = flag.Bool("update", false, "rewrite the golden pictures in testdata")

// stanceIndex returns the log index of the stance a party set on an item
// in the Moscow record, the last if it set several with that stance.
func (m *moscow) stanceIndex(t testing.TB, party, item, stance string) int64 {
	t.Helper()
	at := int64(-1)
	for i, e := range m.events {
		var p parley.SetStance
		if e.Kind == parley.KindSetStance && parley.DecodePayload(e, &p) == nil && p.Party == party && p.Item == item && p.Stance == stance {
			at = int64(i)
		}
	}
	if at < 0 {
		t.Fatalf("the Moscow record has no stance %s of %s on %s", stance, party, item)
	}
	return at
}

// golden compares a picture with its file in testdata.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./picture -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test ./picture -update and look at the difference); got:\n%s", path, got)
	}
}

// TestMoscowGraph checks the blocking graph of D1 at the end of the Moscow
// round: D1 waits on M1a and M1b through oppA's and oppB's conditions;
// gov blocks M1a; oppA, oppB and oppC block M1b; and the unlock options
// are marked where they change a vote, with what they would agree.
func TestMoscowGraph(t *testing.T) {
	m := loadMoscow(t)
	g, err := picture.Blocking(nil, m.res, m.t, "D1", m.unlock, 0)
	if err != nil {
		t.Fatal(err)
	}
	g.SetHistory(m.h, m.t)
	var nodes []string
	for _, n := range g.Nodes {
		nodes = append(nodes, n.ID)
	}
	wantNodes := []string{"item:D1", "party:gov", "item:M1a", "party:oppA", "item:M1b", "party:oppB", "party:oppC"}
	if !slices.Equal(nodes, wantNodes) {
		t.Errorf("nodes in relevance order %v, want %v", nodes, wantNodes)
	}
	cond := "agreed(M1a) or agreed(M1b)"
	waits := []picture.Vote{{Party: "oppA", Stance: "conditional", Condition: cond}, {Party: "oppB", Stance: "conditional", Condition: cond}}
	oppose := func(p string) []picture.Vote { return []picture.Vote{{Party: p, Stance: "oppose"}} }
	want := []struct {
		from, to, kind string
		votes          []picture.Vote
		label          string
		unlocks        []int
	}{
		{"item:D1", "item:M1a", picture.EdgeWaits, waits, "oppA and oppB support D1 only if M1a or M1b is agreed; M1a is not agreed", []int{2}},
		{"item:D1", "item:M1b", picture.EdgeWaits, waits, "oppA and oppB support D1 only if M1a or M1b is agreed; M1b is not agreed", []int{2}},
		{"party:gov", "item:M1a", picture.EdgeBlocks, oppose("gov"), "gov opposes M1a", []int{1}},
		{"party:oppA", "item:M1b", picture.EdgeBlocks, oppose("oppA"), "oppA opposes M1b", []int{3}},
		{"party:oppB", "item:M1b", picture.EdgeBlocks, oppose("oppB"), "oppB opposes M1b", []int{3}},
		{"party:oppC", "item:M1b", picture.EdgeBlocks, oppose("oppC"), "oppC opposes M1b", []int{3}},
	}
	if len(g.Edges) != len(want) {
		t.Errorf("%d edges, want %d", len(g.Edges), len(want))
	}
	for k, w := range want {
		if k >= len(g.Edges) {
			break
		}
		e := g.Edges[k]
		if e.From != w.from || e.To != w.to || e.Kind != w.kind || !slices.Equal(e.Votes, w.votes) || e.Label != w.label || !slices.Equal(e.Unlocks, w.unlocks) {
			t.Errorf("edge %d = %s → %s (%s) %v %q unlocks %v,\nwant %s → %s (%s) %v %q unlocks %v",
				k, e.From, e.To, e.Kind, e.Votes, e.Label, e.Unlocks, w.from, w.to, w.kind, w.votes, w.label, w.unlocks)
		}
	}
	wantUnlocks := []string{
		"gov supports M1a → M1a and D1 agreed",
		"oppA supports D1, oppB supports D1 → D1 agreed",
		"oppA supports M1b, oppB supports M1b, oppC supports M1b → M1b and D1 agreed",
	}
	var unlocks []string
	for _, u := range g.Unlocks {
		unlocks = append(unlocks, u.Text)
	}
	if !slices.Equal(unlocks, wantUnlocks) {
		t.Errorf("unlocks %q, want %q", unlocks, wantUnlocks)
	}
	if g.Left != (picture.Counts{}) || g.Total != (picture.Counts{Items: 3, Parties: 4, Edges: 6}) {
		t.Errorf("total %+v, left %+v; want 3 items, 4 parties, 6 edges, nothing left out", g.Total, g.Left)
	}
	d1, m1a := g.Nodes[0], g.Nodes[2]
	lost := m.stanceIndex(t, "oppA", "D1", "conditional")
	if d1.Badge.Kind != picture.BadgeLost || d1.Badge.Index != lost || d1.Badge.Party != "oppA" || m1a.Badge.Kind != picture.BadgeNever {
		t.Errorf("badges: D1 %+v, M1a %+v; want D1 lost at #%d by oppA, M1a never agreed", d1.Badge, m1a.Badge, lost)
	}
	if d1.Depth != 0 || m1a.Depth != 1 || g.Nodes[1].Depth != 2 || d1.Chains != 4 || m1a.Chains != 1 || g.Nodes[4].Chains != 3 {
		t.Errorf("depths and chains: D1 %d/%d, M1a %d/%d, gov %d, M1b chains %d; want 0/4, 1/1, 2, 3",
			d1.Depth, d1.Chains, m1a.Depth, m1a.Chains, g.Nodes[1].Depth, g.Nodes[4].Chains)
	}
	var buf bytes.Buffer
	if err := picture.WriteGraph(&buf, g, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	checkSVG(t, svg)
	for _, s := range append(wantUnlocks, "Government of the Syrian Arab Republic", "M1b “Confidence-building measure: release from an agreed list”: not agreed") {
		if !strings.Contains(svg, html.EscapeString(s)) {
			t.Errorf("the picture does not hold %q", s)
		}
	}
	if s := `<a href="/talks/moscow-consultations/dashboard?item=M1a#explain">`; !strings.Contains(svg, s) {
		t.Errorf("the picture does not link M1a to its explanation, %s", s)
	}
	golden(t, "moscow-graph.svg", svg)
	buf.Reset()
	if err := picture.WriteGraph(&buf, g, picture.Options{Dir: "rtl", ID: "rtl-"}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
	golden(t, "moscow-graph-rtl.svg", buf.String())
}

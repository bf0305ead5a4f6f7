package scenario_test

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/sqlite"
)

// TestSandbox replays the Moscow script, then the sandbox round a demo
// opens after it: the record of the script is unchanged before it, the
// round is marked as a sandbox and open with the parties of round 2 at
// its table (not the coalition, which declined), the agreement does not
// move, and a delegation can change its stance in it at once.
func TestSandbox(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(st, ledger.Config{Host: "demo.parley.localhost", Keys: keys})
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, err := l.Append(ctx, se)
		return err
	})
	origin := l.Origin(s.Talks)
	if err := s.Replay(ctx, app, ks, origin, nil); err != nil {
		t.Fatal(err)
	}
	before := readEvents(t, l, s.Talks)
	_, _, resBefore, err := evaluate(l, s.Talks)
	if err != nil {
		t.Fatal(err)
	}

	at := time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)
	if err := s.ReplaySandbox(ctx, app, ks, origin, at); err != nil {
		t.Fatal(err)
	}
	after := readEvents(t, l, s.Talks)
	if len(after) <= len(before) {
		t.Fatalf("the sandbox appended nothing: %d events before, %d after", len(before), len(after))
	}
	for i, e := range before {
		if string(after[i].Payload) != string(e.Payload) || after[i].Kind != e.Kind {
			t.Fatalf("event %d changed under the sandbox: %s %s, was %s %s", i, after[i].Kind, after[i].Payload, e.Kind, e.Payload)
		}
	}
	for _, e := range after[len(before):] {
		if !e.At().Equal(at) {
			t.Errorf("a sandbox event (%s) is dated %v, want %v", e.Kind, e.At(), at)
		}
	}
	tk, _, res, err := evaluate(l, s.Talks)
	if err != nil {
		t.Fatal(err)
	}
	r := tk.OpenRound()
	if r == nil || r.ID != scenario.SandboxRound || !r.Sandbox || r.Starts != "2026-03-02" || r.Ends != "2026-03-08" {
		t.Fatalf("the open round: %+v, want the sandbox round of 2 to 8 March 2026", r)
	}
	var invited []string
	for _, inv := range r.Invitations {
		invited = append(invited, inv.Party)
	}
	if want := []string{"gov", "oppA", "oppB", "oppC"}; !slices.Equal(invited, want) {
		t.Errorf("the sandbox round invites %v, want %v (round 2's table, without the coalition, which declined)", invited, want)
	}
	for id, ir := range resBefore.Items {
		if got := res.Items[id].Status; got != ir.Status {
			t.Errorf("the sandbox round changed %s from %s to %s", id, ir.Status, got)
		}
	}

	// oppA supports D1 plainly, in the sandbox, at once.
	d1 := tk.Item("D1")
	e, err := parley.NewEvent(s.Talks, parley.KindSetStance, ks["oppA"].Public().(ed25519.PublicKey), at.Add(time.Minute), parley.SetStance{Item: "D1", Version: d1.Latest().N, Party: "oppA", Stance: parley.StanceSupport})
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(origin, e, ks["oppA"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, se); err != nil {
		t.Fatalf("oppA changing its stance in the sandbox round: %v", err)
	}
	tk, _, _, err = evaluate(l, s.Talks)
	if err != nil {
		t.Fatal(err)
	}
	if x := tk.Item("D1").Stances["oppA"]; x == nil || x.Stance != parley.StanceSupport || x.Round != scenario.SandboxRound || x.Between {
		t.Errorf("oppA's stance on D1: %+v, want support taken in the sandbox round", x)
	}
}

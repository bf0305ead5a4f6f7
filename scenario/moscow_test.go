package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/state"
)

// moscow replays the scenario into a fresh SQLite record and calls check at
// each of its checkpoints with the ledger.
func moscow(t *testing.T, check func(name string, l *ledger.Ledger) error) (*ledger.Ledger, *scenario.Script) {
	t.Helper()
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
	err = s.Replay(ctx, app, ks, l.Origin(s.Talks), func(name string) error { return check(name, l) })
	if err != nil {
		t.Fatal(err)
	}
	return l, s
}

// evaluate returns the current state's instance and its evaluation.
func evaluate(l *ledger.Ledger, talks string) (*state.Talks, *agreement.Instance, *agreement.Result, error) {
	var st *state.Talks
	var inst *agreement.Instance
	err := l.View(context.Background(), talks, func(s *state.Talks, _ parley.Checkpoint) error {
		st, inst = s, s.Instance()
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	res, err := agreement.Evaluate(inst)
	return st, inst, res, err
}

func status(res *agreement.Result, item string) string { return res.Items[item].Status }

// blockers lists an item's blockers as "party:stance".
func blockers(res *agreement.Result, item string) string {
	var out []string
	for _, b := range res.Items[item].Blockers {
		out = append(out, b.Party+":"+b.Stance)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func roots(res *agreement.Result, item string) string {
	var out []string
	for _, rb := range res.Items[item].RootBlockers {
		out = append(out, rb.Party+"/"+rb.Item+"/"+rb.Stance)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestMoscow checks every point of the scenario's "What the acceptance test
// checks" that the engine and the record reach.
func TestMoscow(t *testing.T) {
	talks := scenario.Moscow().Talks
	seen := map[string]bool{}
	check := func(name string, l *ledger.Ledger) error {
		seen[name] = true
		st, inst, res, err := evaluate(l, talks)
		if err != nil {
			return err
		}
		if slices.Contains(inst.Parties, "snc") {
			return fmt.Errorf("snc declined round 2 but is among the participating parties %v", inst.Parties)
		}
		for id, ir := range res.Items {
			for _, b := range ir.Blockers {
				if b.Party == "snc" {
					return fmt.Errorf("snc blocks %s", id)
				}
			}
		}
		switch name {
		case "step3":
			if got := status(res, "D1"); got != agreement.StatusAgreed {
				return fmt.Errorf("D1 is %s, want agreed", got)
			}
			for _, p := range []string{"gov", "oppA", "oppB", "oppC"} {
				s := st.Item("D1").Stances[p]
				if s == nil || s.Stance != parley.StanceSupport || s.Version != 2 {
					return fmt.Errorf("%s's stance on D1 = %+v, want signed support of version 2", p, s)
				}
			}
		case "step5":
			if got := status(res, "D1"); got != agreement.StatusAgreed {
				return fmt.Errorf("D1 is %s, want still agreed", got)
			}
			if got, want := blockers(res, "M1a"), "gov:oppose"; got != want {
				return fmt.Errorf("M1a blockers = %q, want %q", got, want)
			}
			if got, want := blockers(res, "M1b"), "oppA:oppose oppB:oppose oppC:oppose"; got != want {
				return fmt.Errorf("M1b blockers = %q, want %q", got, want)
			}
		case "step6", "final":
			if got := status(res, "D1"); got != agreement.StatusNotAgreed {
				return fmt.Errorf("D1 is %s, want not agreed", got)
			}
			if got, want := blockers(res, "D1"), "oppA:conditional oppB:conditional"; got != want {
				return fmt.Errorf("D1 blockers = %q, want %q", got, want)
			}
			for _, b := range res.Items["D1"].Blockers {
				if got := strings.Join(b.WaitsOn, ","); got != "M1a,M1b" {
					return fmt.Errorf("%s's condition waits on %q, want M1a,M1b", b.Party, got)
				}
			}
			if got, want := roots(res, "D1"), "gov/M1a/oppose oppA/M1b/oppose oppB/M1b/oppose oppC/M1b/oppose"; got != want {
				return fmt.Errorf("D1 root blockers = %q, want %q", got, want)
			}
			opts, err := agreement.Unlock(inst, "D1", agreement.UnlockLimits{})
			if err != nil {
				return fmt.Errorf("unlock D1: %w", err)
			}
			var got []string
			for _, o := range opts {
				var cs []string
				for _, c := range o.Changes {
					cs = append(cs, c.Party+" "+c.Stance+" "+c.Item)
				}
				sort.Strings(cs)
				got = append(got, strings.Join(cs, " & "))
			}
			for _, want := range []string{
				"gov support M1a",
				"oppA support M1b & oppB support M1b & oppC support M1b",
				"oppA support D1 & oppB support D1",
			} {
				if !slices.Contains(got, want) {
					return fmt.Errorf("unlock options of D1 = %q, want among them %q", got, want)
				}
			}
		}
		return nil
	}
	l, _ := moscow(t, check)
	for _, name := range []string{"step3", "step5", "step6", "final"} {
		if !seen[name] {
			t.Errorf("the scenario never reached check %s", name)
		}
	}

	// The briefing of round 2 tells the story from the record.
	events := readEvents(t, l, talks)
	md, err := briefing.Round(talks, events, "r2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Syrian National Coalition (snc): **declined**",
		"We do not trust the intentions of the host",
		"**D1** “Assessment of the political situation” was agreed on 8 April 2015 (day 3)",
		"lost agreement on 10 April 2015 (day 5) [#",
		"Opposition Delegation A (oppA) made its support of version 2 conditional on agreed(M1a) or agreed(M1b)",
		"Opposition Delegation B (oppB) did the same",
		"**M1a** “Confidence-building measure: broad release of detainees”: not agreed.",
		"Government of the Syrian Arab Republic (gov) opposes",
		"**M1b** “Confidence-building measure: release from an agreed list”: not agreed.",
		"Nothing is agreed at the end of the round.",
		"This round found common ground.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the briefing lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "snc (") || strings.Contains(md, "Coalition (snc) opposes") {
		t.Errorf("the briefing shows snc blocking something:\n%s", md)
	}
}

func readEvents(t *testing.T, l *ledger.Ledger, talks string) []*parley.Event {
	t.Helper()
	ctx := context.Background()
	n, err := l.Store().Size(ctx, talks)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := l.Store().Entries(ctx, talks, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	var events []*parley.Event
	for _, en := range entries {
		e, err := parley.DecodeEvent(en.Event)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	return events
}

// TestScriptIsValid checks the embedded script names only its cast and
// known kinds, and that its payloads decode strictly.
func TestScriptIsValid(t *testing.T) {
	s := scenario.Moscow()
	if !strings.Contains(s.Notice, "illustrative reconstruction") {
		t.Errorf("the notice must say the scenario is an illustrative reconstruction")
	}
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range s.Steps {
		if st.Kind == "" {
			continue
		}
		se, err := s.Event(i, ks, "h/talks/"+s.Talks)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var e parley.Event
		if err := json.Unmarshal(se.Bytes, &e); err != nil || strings.Contains(string(e.Payload), "$key:") {
			t.Errorf("step %d: payload %s still holds a key placeholder or does not decode (%v)", i, e.Payload, err)
		}
	}
}

// TestMoscowRecord checks the record points of the scenario: the public
// bundle verifies offline, shows oppA's signed support of D1 version 2 and
// its later signed change, and fails verification if any byte changes.
func TestMoscowRecord(t *testing.T) {
	l, s := moscow(t, func(string, *ledger.Ledger) error { return nil })
	b, err := l.Bundle(context.Background(), s.Talks, "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	verify := func(data []byte) error {
		b, err := record.ParseBundle(data)
		if err != nil {
			return err
		}
		_, err = record.Verify(b, rosterAuth{state.NewRoster(s.Talks)}, nil)
		return err
	}
	if err := verify(data); err != nil {
		t.Fatalf("the public bundle does not verify: %v", err)
	}
	// oppA's signed stances on D1, in the public record.
	var oppA []string
	for _, en := range b.Entries {
		if en.Hidden() {
			continue
		}
		e, err := parley.DecodeEvent(en.Event)
		if err != nil || e.Kind != parley.KindSetStance {
			continue
		}
		var p parley.SetStance
		parley.DecodePayload(e, &p)
		if p.Party == "oppA" && p.Item == "D1" {
			oppA = append(oppA, fmt.Sprintf("%s v%d %s", p.Stance, p.Version, p.Condition))
		}
	}
	if got, want := strings.Join(oppA, "; "), "support v2 ; conditional v2 agreed(M1a) or agreed(M1b)"; got != want {
		t.Errorf("oppA's signed stances on D1 in the public bundle = %q, want %q", got, want)
	}
	// Any changed byte fails verification (a sample, with the signatures
	// of every event checked each time).
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := 0; i < 150; i++ {
		j := rng.IntN(len(data))
		bad := append([]byte(nil), data...)
		bad[j] ^= byte(1 + rng.IntN(255))
		if verify(bad) == nil {
			t.Fatalf("changing byte %d of the bundle (%q) still verifies", j, data[max(0, j-20):min(len(data), j+20)])
		}
	}
}

type rosterAuth struct{ r *state.Roster }

func (a rosterAuth) Authorize(e *parley.Event) error { return a.r.Authorize(e, -1) }

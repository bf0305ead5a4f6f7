package web

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/sqlite"
)

// TestOpenDemoPreferences checks what the demo server opens of the
// preferences over D2 of the demo's exchange for each demo actor, through
// the actor's filtered view: the mediator both parties', a party's actor
// its own party's only, the verifier none.
func TestOpenDemoPreferences(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(st, ledger.Config{Host: "test.parley.localhost", Keys: keys})
	s := scenario.Exchange()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, err := l.Append(ctx, se)
		return err
	})
	if err := s.Replay(ctx, app, ks, l.Origin(s.Talks), nil); err != nil {
		t.Fatal(err)
	}
	h := &handler{l: l}
	for who, want := range map[string][]string{"xmediator": {"gov", "opp"}, "xgov": {"gov"}, "xgovdel": {"gov"}, "xopp": {"opp"}, "xverifier": {}} {
		sn, err := h.load(ctx, i18n.For(i18n.English), s.Talks, ks.Public(who), -1)
		if err != nil {
			t.Fatal(err)
		}
		d, err := h.openDemoPreferences(ctx, sn, "D2", ks.Encryption(who))
		if err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		if !slices.Equal(d.Opened, want) || len(d.Notes) != 0 {
			t.Errorf("%s: opened %v, notes %v; want %v", who, d.Opened, d.Notes, want)
		}
		if (d.Instance != "") != (len(want) > 0) {
			t.Errorf("%s: instance %q", who, d.Instance)
		}
	}
}

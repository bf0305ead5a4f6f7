package ledger_test

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
)

// TestLogKeyOrigin checks that a talks' log key names its origin, and that a
// ledger whose host gives another origin stores nothing in that log, even an
// event whose signature holds for the ledger's own origin.
func TestLogKeyOrigin(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 1)
	keys, err := ledger.NewKeys(filepath.Join(f.dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := keys.Origin("t1"); err != nil || got != host+"/talks/t1" {
		t.Errorf("Origin(t1) = %q, %v; want %q", got, err, host+"/talks/t1")
	}
	if got, err := keys.Origin("t2"); err != nil || got != "" {
		t.Errorf("Origin of a talks with no log key = %q, %v; want \"\"", got, err)
	}

	size, err := f.st.Size(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	other := ledger.New(f.st, ledger.Config{Host: "other.example", Keys: keys})
	e, err := parley.NewEvent("t1", parley.KindStatement, f.keys["p0"].Public().(ed25519.PublicKey), time.Now(), parley.Statement{Text: "Hello."})
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(other.Origin("t1"), e, f.keys["p0"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Append(ctx, se); err == nil || !strings.Contains(err.Error(), "for the origin "+host+"/talks/t1") {
		t.Errorf("appending through a ledger of another host: %v; want refused, naming the log's origin", err)
	}
	if got, err := f.st.Size(ctx, "t1"); err != nil || got != size {
		t.Errorf("the log has %d entries (%v) after the refused append, want %d", got, err, size)
	}
}

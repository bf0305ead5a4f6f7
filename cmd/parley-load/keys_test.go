package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKeysPhase runs the keys phase alone, small: keys from one address
// against a server with the default limits get no more than one address
// may, and the read limit, the tightest at this size, refuses some.
func TestKeysPhase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it for a few seconds")
	}
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "figures.json")
	args := []string{"-dir", dir, "-json", jsonFile, "-phases", "keys", "-keys", "20", "-duration", "2s", "-timeout", "1m"}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{"## Many keys from one address", "| reads |", "| write routes in all |", "Every per-address limit held", "Errors: none."} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"## Writes", "## Fan-out", "## Reads"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("the keys phase alone also ran %q:\n%s", unwanted, out)
		}
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	k := s.Keys
	if k == nil || k.Held == nil || !*k.Held || k.SignedIn != 20 || k.Failed != 0 {
		t.Fatalf("keys phase: %+v; want 20 keys signed in, the limits held, nothing failed", k)
	}
	if most := 2*keysReadRate + keysReadRate*k.Seconds; float64(k.ReadsOK) > most || k.ReadsOK == k.ReadsSent || k.ReadsOK == 0 {
		t.Errorf("%d of %d reads accepted in %.1f s; want some refused, and at most %.0f accepted", k.ReadsOK, k.ReadsSent, k.Seconds, most)
	}
	if k.Seconds < 2 || k.Seconds > 2+float64(time.Minute/time.Second) {
		t.Errorf("the phase took %.1f s, want about 2", k.Seconds)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/scenario"
)

// TestDemoExchange checks that the demo records, beside the Moscow round,
// the illustrative detainee exchange, labelled as such, with the keys of
// its cast; and that "measure status" reads it from the demo's record as
// the exchange's script leaves it: tranche 1 done, tranche 2 of gov
// disputed at 43, tranche 3 waiting, gov's report overdue.
func TestDemoExchange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	env := map[string]string{"PARLEY_SESSIONS": filepath.Join(t.TempDir(), "sessions.json")}
	getenv := func(k string) string { return env[k] }
	out, err := cli(t, getenv, "demo", "--serve=false", "--dir", dir)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	x := scenario.Exchange()
	if want := "Beside it, the demo serves " + x.Title; !strings.Contains(out, want) || !strings.Contains(out, "Illustrative only.") {
		t.Errorf("the demo does not say it serves the exchange, labelled illustrative:\n%s", out)
	}
	for _, m := range x.Cast {
		if _, err := os.Stat(filepath.Join(dir, "keys", m.ID+".key")); err != nil {
			t.Errorf("the demo left no key of %s: %v", m.ID, err)
		}
	}
	status, err := cli(t, getenv, "measure", "status", "X", "--dir", dir, "--talks", x.Talks, "--key", filepath.Join(dir, "keys", "xverifier.key"), "--open")
	if err != nil {
		t.Fatalf("measure status: %v\n%s", err, status)
	}
	for _, want := range []string{
		"X, plan version 1, in force",
		"X.t1.gov", "X.t2.gov", "disputed 43",
		"waiting (on X.t2.gov)",
		"Next: gov must report X.t2.gov",
		"Steps done (conditions name them done(ID)): X.t1.gov, X.t1.opp",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("measure status lacks %q:\n%s", want, status)
		}
	}
	if strings.Contains(status, "not opened") {
		t.Errorf("the verifier does not open every annex:\n%s", status)
	}
}

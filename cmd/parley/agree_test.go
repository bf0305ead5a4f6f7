package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// failingWriter fails every write, as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

const agreeInstance = `{"rule": {"kind": "consensus"}, "parties": ["gov", "opp"], "items": ["D1", "M1"],
 "positions": [
  {"party": "gov", "item": "D1", "stance": "support"},
  {"party": "opp", "item": "D1", "stance": "conditional", "condition": "agreed(M1)"},
  {"party": "gov", "item": "M1", "stance": "oppose"},
  {"party": "opp", "item": "M1", "stance": "support"}]}`

// TestAgreeWriteFailure checks that every mode of "parley agree" fails,
// saying so, when its output cannot be written, on a writer that fails
// and on /dev/full.
func TestAgreeWriteFailure(t *testing.T) {
	modes := [][]string{
		{"agree"},
		{"agree", "-compact"},
		{"agree", "-explain", "D1"},
		{"agree", "-unlock", "D1"},
		{"agree", "-unlock", "M1"},
		{"agree", "-impact", `{"party":"gov","item":"M1","stance":"support"}`},
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Logf("no /dev/full: %v", err)
	} else {
		defer full.Close()
	}
	for _, args := range modes {
		var stderr strings.Builder
		err := run(context.Background(), args, os.Getenv, strings.NewReader(agreeInstance), failingWriter{}, &stderr)
		if err == nil || !strings.Contains(err.Error(), "writing the result to standard output: no space left on device") {
			t.Errorf("%q on a failing writer: got %v, want a write error", args, err)
		}
		if code := exitCode(err, &stderr); code == 0 {
			t.Errorf("%q on a failing writer: exit status 0", args)
		}
		if full == nil {
			continue
		}
		err = run(context.Background(), args, os.Getenv, strings.NewReader(agreeInstance), full, &stderr)
		if err == nil || !strings.Contains(err.Error(), "writing the result to standard output") || !strings.Contains(err.Error(), "no space left on device") {
			t.Errorf("%q on /dev/full: got %v, want a write error", args, err)
		}
	}
	// And the output is written when it can be.
	var out strings.Builder
	if err := run(context.Background(), []string{"agree", "-explain", "D1"}, os.Getenv, strings.NewReader(agreeInstance), &out, &out); err != nil || !strings.Contains(out.String(), "D1: not agreed") {
		t.Errorf("explain: %v, %q", err, out.String())
	}
}

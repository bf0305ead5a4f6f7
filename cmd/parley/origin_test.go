package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/sqlite"
)

// TestWrongHostRefused checks that acting on or reading a local record
// with a host other than the one its log key names is refused, naming
// both origins, and leaves the record as it was.
func TestWrongHostRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if out, err := cli(t, func(string) string { return "" }, "demo", "--serve=false", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	before := dirDigest(t, dir)
	demo := demoBundle(t, dir) // what the demo recorded
	talks := "moscow-consultations"
	key := filepath.Join(dir, "keys", "oppC.key")
	for _, c := range []struct {
		env  map[string]string
		args []string
		from string
	}{
		{nil, []string{"statement", "--dir", dir, "--talks", talks, "--key", key, "--host", "other.example", "Signed for another origin."}, "--host other.example"},
		{map[string]string{"PARLEY_HOST": "other.example"}, []string{"statement", "--dir", dir, "--talks", talks, "--key", key, "Signed for another origin."}, "PARLEY_HOST other.example"},
		{nil, []string{"stance", "D1", "support", "--version", "2", "--party", "oppA", "--dir", dir, "--talks", talks, "--key", filepath.Join(dir, "keys", "oppA.key"), "--host", "localhost"}, "--host localhost"},
		{map[string]string{"PARLEY_HOST": "localhost"}, []string{"export", "--dir", dir, "--talks", talks, "-o", filepath.Join(dir, "x.bundle")}, "PARLEY_HOST localhost"},
		{nil, []string{"show", "--dir", dir, "--talks", talks, "--host", "other.example"}, "--host other.example"},
	} {
		out, err := cli(t, func(k string) string { return c.env[k] }, c.args...)
		if err == nil {
			t.Errorf("parley %s: succeeded, want refused\n%s", strings.Join(c.args, " "), out)
			continue
		}
		for _, want := range []string{"recorded for the origin demo.parley.localhost/talks/" + talks, c.from, "drop "} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("parley %s: error %q does not say %q", c.args[0], err, want)
			}
		}
	}
	if after := dirDigest(t, dir); after != before {
		t.Errorf("a refused command changed the record's files")
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.Size(context.Background(), talks); err != nil || n != int64(len(demo.Entries)) {
		t.Errorf("the record holds %d events (%v), want the demo's %d", n, err, len(demo.Entries))
	}
	// The same host as the record's is accepted, as is none.
	for _, args := range [][]string{
		{"show", "--dir", dir, "--talks", talks, "--host", "demo.parley.localhost"},
		{"show", "--dir", dir, "--talks", talks},
	} {
		if out, err := cli(t, func(string) string { return "" }, args...); err != nil {
			t.Errorf("parley %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// dirDigest hashes every file under dir but SQLite's shared-memory
// index, which readers write to.
func dirDigest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "-shm") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %x\n", path, sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestServeRefusesAnotherHost checks that serve refuses a record whose
// log keys name another host than its own, before it listens, saying which.
func TestServeRefusesAnotherHost(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if out, err := cli(t, func(string) string { return "" }, "demo", "--serve=false", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	// Without the check it would serve until the context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr strings.Builder
	err := run(ctx, []string{"serve", "--dir", dir, "--addr", "127.0.0.1:0", "--host", "other.example"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	out := stdout.String()
	if err == nil || strings.Contains(out, "Parley is serving") {
		t.Fatalf("serve with another host than the record's served (%v):\n%s", err, out)
	}
	// The demo keeps two talks; whichever is checked first is refused,
	// named with the origin its log key gives.
	said := regexp.MustCompile(`talks "(moscow-consultations|detainee-exchange)" .* recorded for the origin demo\.parley\.localhost/talks/(moscow-consultations|detainee-exchange), not other\.example/talks/`)
	if m := said.FindStringSubmatch(err.Error()); m == nil || m[1] != m[2] || !strings.Contains(err.Error(), "--host demo.parley.localhost") {
		t.Errorf("error %q does not name a talks of the demo, the origin it is recorded for, and --host demo.parley.localhost", err)
	}
}

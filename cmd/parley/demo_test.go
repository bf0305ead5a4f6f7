package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/scenario"
)

// hints returns the commands the demo printed: the lines that start with
// the program it names, each split into arguments as a shell would.
func hints(t *testing.T, out, prog string) [][]string {
	t.Helper()
	var cmds [][]string
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "  "+prog+" ")
		if !ok {
			continue
		}
		args, err := shellSplit(rest)
		if err != nil {
			t.Fatalf("the demo printed %q, which a shell cannot read: %v", line, err)
		}
		cmds = append(cmds, args)
	}
	return cmds
}

// shellSplit splits a command line as a POSIX shell does, for the
// quoting that shellQuote writes: single quotes and backslashes.
func shellSplit(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\'' {
				quoted = false
			} else {
				cur.WriteByte(c)
			}
		case c == '\'':
			quoted, in = true, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case c == ' ' || c == '\t':
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		case strings.IndexByte("\"$`;&|<>(){}*?[]~#", c) >= 0:
			return nil, fmt.Errorf("unquoted %q", c)
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if in {
		args = append(args, cur.String())
	}
	return args, nil
}

func TestShellQuote(t *testing.T) {
	for _, s := range []string{"plain", "/tmp/a b/keys/oppC.key", "It's good.", "", "a'b'c", "$HOME;rm -rf", "--addr=127.0.0.1:0"} {
		got, err := shellSplit(shellQuote(s))
		if err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("shellSplit(shellQuote(%q)) = %q, %v", s, got, err)
		}
	}
}

// runHints runs the demo's commands in process, as the binary would, and
// returns the output of the last one.
func runHints(t *testing.T, getenv func(string) string, cmds [][]string) string {
	t.Helper()
	var last string
	for _, args := range cmds {
		out, err := cli(t, getenv, args...)
		if err != nil {
			t.Fatalf("the demo's command %q fails: %v\n%s", args, err, out)
		}
		last = out
	}
	return last
}

func subcommands(cmds [][]string) string {
	var names []string
	for _, c := range cmds {
		names = append(names, c[0])
	}
	return strings.Join(names, " ")
}

// TestDemoHints replays the demo without serving, runs exactly the
// commands it prints (acting as a demo actor, showing, exporting), and
// checks that the exported record still verifies.
func TestDemoHints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	env := map[string]string{"PARLEY_SESSIONS": filepath.Join(t.TempDir(), "sessions.json")}
	getenv := func(k string) string { return env[k] }
	out, err := cli(t, getenv, "demo", "--serve=false", "--dir", dir)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	// The real people's words are marked as quoted, with their source.
	for _, q := range scenario.Moscow().Quotations() {
		if want := fmt.Sprintf("  %s, %s (%s): “%s”\n", q.By.Name, q.Occasion, q.Source, q.Text); !strings.Contains(out, "Quoted in the press") || !strings.Contains(out, want) {
			t.Errorf("the demo does not mark %s's words as quoted in the press, with the source: want %q in\n%s", q.By.ID, want, out)
		}
	}
	// The round-2 briefing in each language of the interface.
	for name, want := range map[string]string{
		"briefing.md":    "# Briefing: Moscow consultations on Syria — Second round",
		"briefing.ar.md": "# إحاطة: مشاورات موسكو بشأن سوريا — Second round",
		"briefing.ru.md": "# Информационная справка: Московские консультации по Сирии — Second round",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("the demo left no %s: %v", name, err)
		} else if !strings.HasPrefix(string(b), want+"\n") {
			t.Errorf("%s does not start with %q:\n%s", name, want, b)
		}
	}
	prog := selfCommand(getenv)
	cmds := hints(t, out, prog)
	if got, want := subcommands(cmds), "verify statement show caucus export verify"; got != want {
		t.Fatalf("the demo suggests %q, want %q:\n%s", got, want, out)
	}
	// The public record holds the talks' official languages, the texts
	// in each and oppA's flag of a divergence on M1b, signed.
	b := demoBundle(t, dir)
	checkDemoLanguages(t, b)
	last := runHints(t, getenv, cmds)
	if want := fmt.Sprintf(" %d signatures", signedEvents(b)+1); !strings.Contains(last, "verified demo.parley.localhost/talks/moscow-consultations") || !strings.Contains(last, want) {
		t.Errorf("the record the demo's commands exported does not verify with the actor's statement in it (want%s):\n%s", want, last)
	}
	// The demo actor reads its caucus, sealed in the record, with the key
	// file the demo wrote.
	if out := runHints(t, getenv, cmds[3:4]); !strings.Contains(out, "Delegation C keeps its support for the assessment") || !strings.Contains(out, ", sealed\n") {
		t.Errorf("the demo's caucus read does not open oppC's sealed message:\n%s", out)
	}
}

// TestDemoServeHints serves the demo on a free port, runs the commands it
// prints for while it serves, stops it, then runs those for its record.
func TestDemoServeHints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	env := map[string]string{"PARLEY_SESSIONS": filepath.Join(t.TempDir(), "sessions.json")}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--dir", dir}, getenv, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	// What the demo printed up to the line that says where it serves.
	serving := make(chan string, 1)
	go func() {
		var out strings.Builder
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Parley is serving at ") {
				serving <- out.String()
			}
		}
		close(serving)
	}()
	var printed string
	select {
	case p, ok := <-serving:
		if !ok {
			t.Fatalf("the demo ended before serving: %v", <-done)
		}
		printed = p
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not serve within 60 s")
	}
	_, url, _ := strings.Cut(printed, "Parley is serving at ")
	url = strings.TrimSuffix(strings.TrimSpace(url), "/")
	prog := selfCommand(getenv)
	cmds := hints(t, printed, prog)
	if got, want := subcommands(cmds), "statement show verify statement show caucus export verify"; got != want {
		t.Fatalf("the demo suggests %q, want %q:\n%s", got, want, printed)
	}
	// While it serves: the commands that go through the server; its first
	// page marks the quotations.
	if out := runHints(t, getenv, cmds[:2]); !strings.Contains(out, "D1") {
		t.Errorf("show through the demo server:\n%s", out)
	}
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Quoted in the press:") || !strings.Contains(string(page), "a press report of 10 April 2015") {
		t.Errorf("the demo's first page does not mark the quotations with their source:\n%s", page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the demo ended with %v", err)
	}
	// Once stopped: the commands on the record itself.
	last := runHints(t, getenv, cmds[2:])
	if want := fmt.Sprintf(" %d signatures", signedEvents(demoBundle(t, dir))+2); !strings.Contains(last, "verified demo.parley.localhost/talks/moscow-consultations") || !strings.Contains(last, want) {
		t.Errorf("the record does not verify with both statements in it (want%s):\n%s", want, last)
	}
}

// demoBundle reads the public bundle the demo left in dir, which the
// demo exported once its record was replayed: what the demo's commands add
// is counted from it.
func demoBundle(t *testing.T, dir string) *record.Bundle {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "public.bundle"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := record.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Entries) == 0 {
		t.Fatal("the demo's public bundle is empty")
	}
	return b
}

// signedEvents returns the number of events a bundle shows, each signed:
// its entries but the hidden ones.
func signedEvents(b *record.Bundle) int {
	n := 0
	for _, e := range b.Entries {
		if !e.Hidden() {
			n++
		}
	}
	return n
}

// checkDemoLanguages checks the demo's public record for the languages of
// the Moscow talks: they are founded with Arabic, Russian and English as
// official languages; D1, M1a and M1b have their text in each; oppA flags
// a divergence between the Arabic and the Russian of paragraph 1 of M1b,
// and the mediator then tables version 2 of M1b in the three languages.
func checkDemoLanguages(t *testing.T, b *record.Bundle) {
	t.Helper()
	official := []string{"ar", "ru", "en"}
	var langs []string
	texts := map[string][]string{} // item → languages of its latest version
	flagged := -1
	for _, en := range b.Entries {
		if en.Hidden() {
			continue
		}
		e, err := parley.DecodeEvent(en.Event)
		if err != nil {
			t.Fatal(err)
		}
		switch a := e.Act.(type) {
		case *parley.FoundTalks:
			langs = a.Languages
		case *parley.TableVersion:
			texts[a.Item] = nil
			for _, l := range official {
				if len(a.Texts[l]) > 0 {
					texts[a.Item] = append(texts[a.Item], l)
				}
			}
			if a.Item == "M1b" && a.Version == 2 && flagged < 0 {
				t.Errorf("version 2 of M1b is tabled before any divergence is flagged on version 1")
			}
		case *parley.TranslateVersion:
			texts[a.Item] = append(texts[a.Item], a.Lang)
		case *parley.FlagDivergence:
			if a.Item != "M1b" || a.Version != 1 || a.Party != "oppA" || a.Paragraph != 1 || a.Langs != [2]string{"ar", "ru"} || a.Note == "" {
				t.Errorf("the demo flags a divergence %+v, want oppA's on paragraph 1 of M1b version 1, between ar and ru, saying what differs", a)
			}
			flagged = int(en.Index)
		}
	}
	if strings.Join(langs, " ") != "ar ru en" {
		t.Errorf("the demo's talks have the official languages %q, want ar, ru and en", langs)
	}
	for _, item := range []string{"D1", "M1a", "M1b"} {
		if got := texts[item]; len(got) != len(official) {
			t.Errorf("the latest version of %s has texts in %q, want one in each of %q", item, got, official)
		}
	}
	if flagged < 0 {
		t.Errorf("no divergence is flagged in the demo's public record")
	}
}

// TestDemoBusyPort checks that the demo refuses a busy address before
// replaying anything, and says what to do.
func TestDemoBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "demo")
	start := time.Now()
	var stdout, stderr strings.Builder
	err = run(context.Background(), []string{"demo", "--addr", ln.Addr().String(), "--dir", dir}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if err == nil {
		t.Fatal("the demo ran on a busy port")
	}
	for _, want := range []string{ln.Addr().String(), "busy", "--addr 127.0.0.1:0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(stderr.String(), "replaying") {
		t.Errorf("the demo replayed the scenario before finding the port busy:\n%s", stderr.String())
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the demo wrote %s before finding the port busy (%v)", dir, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing a busy port took %v", d)
	}
}

// TestCommandFor checks how the demo names the program in its hints.
func TestCommandFor(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "cmd", "parley"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "cmd", "parley", "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin dir", "parley")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "other-parley")
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	onPath := func(p string) func(string) (string, error) {
		return func(string) (string, error) { return p, nil }
	}
	notOnPath := func(string) (string, error) { return "", errors.New("not found") }
	for _, c := range []struct {
		exe, wd, gocache string
		look             func(string) (string, error)
		want             string
	}{
		{"/tmp/go-build123/b001/exe/parley", root, "", notOnPath, "go run ./cmd/parley"},
		{"/tmp/go-build123/b001/exe/parley", t.TempDir(), "", notOnPath, "go run github.com/parleyhq/parley/cmd/parley"},
		{"/home/u/.cache/go-build/ab/abcdef-d/parley", root, "", onPath(bin), "go run ./cmd/parley"},
		{"/srv/cache/ab/abcdef-d/parley", root, "/srv/cache", notOnPath, "go run ./cmd/parley"},
		{bin, root, "", onPath(bin), "parley"},
		{bin, root, "", onPath(other), "'" + bin + "'"},
		{bin, root, "", notOnPath, "'" + bin + "'"},
		{"/usr/local/bin/parley", root, "/srv/cache", notOnPath, "/usr/local/bin/parley"},
	} {
		if got := commandFor(c.exe, c.wd, c.gocache, c.look); got != c.want {
			t.Errorf("commandFor(%q, wd %q, GOCACHE %q) = %q, want %q", c.exe, c.wd, c.gocache, got, c.want)
		}
	}
}

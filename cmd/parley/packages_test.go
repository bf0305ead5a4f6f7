package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updatePackagesDoc = flag.Bool("update-packages-doc", false, "rewrite the outputs of the worked examples in docs/PACKAGES.md")

const packagesDoc = "../../docs/PACKAGES.md"

// A packagesDocBlock is a fenced block of a Markdown file: its info string and
// the lines of its contents, lines[start:end].
type packagesDocBlock struct {
	info       string
	start, end int
	file       string // the name an HTML comment just before it gives it
}

func packagesDocBlocks(lines []string) []packagesDocBlock {
	var out []packagesDocBlock
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") {
			continue
		}
		b := packagesDocBlock{info: strings.TrimPrefix(lines[i], "```"), start: i + 1}
		if i > 0 {
			if name, ok := strings.CutPrefix(lines[i-1], "<!-- file: "); ok {
				b.file = strings.TrimSuffix(name, " -->")
			}
		}
		for i++; i < len(lines) && lines[i] != "```"; i++ {
		}
		b.end = i
		out = append(out, b)
	}
	return out
}

// packagesShellWords splits a command line as a shell would, for plain words and
// single quotes only.
func packagesShellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			w.WriteRune(r)
		case r == '\'':
			quoted, in = true, true
		case r == ' ':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if quoted {
		return nil, errors.New("unclosed quote")
	}
	if in {
		words = append(words, w.String())
	}
	return words, nil
}

// TestPackagesDoc runs every "parley packages" command of the worked
// examples of docs/PACKAGES.md on the files the page shows, and checks
// that the output is exactly the one shown after it. With
// -update-packages-doc it writes the outputs into the page instead.
func TestPackagesDoc(t *testing.T) {
	b, err := os.ReadFile(packagesDoc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	blocks := packagesDocBlocks(lines)
	files := map[string]string{}
	dir := t.TempDir()
	type edit struct {
		start, end int
		text       []string
	}
	var edits []edit
	ran := 0
	for k, bl := range blocks {
		body := strings.Join(lines[bl.start:bl.end], "\n") + "\n"
		if bl.file != "" {
			files[bl.file] = body
			if err := os.WriteFile(filepath.Join(dir, bl.file), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		cmd := strings.TrimSpace(body)
		if bl.info != "sh" || !strings.HasPrefix(cmd, "parley packages") {
			continue
		}
		if k+1 == len(blocks) || blocks[k+1].info != "json" {
			t.Fatalf("line %d: the command %q is not followed by a json block for its output", bl.start, cmd)
		}
		words, err := packagesShellWords(cmd)
		if err != nil {
			t.Fatalf("line %d: %v", bl.start, err)
		}
		var args []string
		var stdin string
		for i := 1; i < len(words); i++ {
			if words[i] == "<" && i+1 < len(words) {
				in, ok := files[words[i+1]]
				if !ok {
					t.Fatalf("line %d: no file %s shown before the command", bl.start, words[i+1])
				}
				stdin = in
				i++
				continue
			}
			args = append(args, words[i])
		}
		var stdout, stderr bytes.Buffer
		getenv := func(string) string { return "" }
		if err := run(context.Background(), args, getenv, strings.NewReader(stdin), &stdout, &stderr); err != nil {
			t.Fatalf("line %d: %s: %v\n%s", bl.start, cmd, err, stderr.String())
		}
		ran++
		out := blocks[k+1]
		want := strings.Join(lines[out.start:out.end], "\n") + "\n"
		if *updatePackagesDoc {
			edits = append(edits, edit{out.start, out.end, strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")})
			continue
		}
		if got := stdout.String(); got != want {
			t.Errorf("line %d: %s\ngot:\n%s\nwant (as the page shows):\n%s\n(run go test ./cmd/parley -run TestPackagesDoc -update-packages-doc to rewrite the page)", bl.start, cmd, got, want)
		}
	}
	if ran < 3 {
		t.Errorf("%d examples ran, want at least 3", ran)
	}
	if *updatePackagesDoc {
		for i := len(edits) - 1; i >= 0; i-- {
			e := edits[i]
			lines = append(lines[:e.start], append(e.text, lines[e.end:]...)...)
		}
		if err := os.WriteFile(packagesDoc, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPackagesWriteError checks that a failure to write the result is
// reported as such.
func TestPackagesWriteError(t *testing.T) {
	in := `{"issues": [{"id": "a", "options": ["x", "y"]}], "parties": [{"id": "p", "weights": {"a": "1"}, "values": {"a": {"x": "0", "y": "1"}}, "reservation": "0"}]}`
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"packages"}, func(string) string { return "" }, strings.NewReader(in), packagesFailWriter{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "writing the result: the disk is full") {
		t.Fatalf("got %v, want an error about writing the result", err)
	}
	if code := exitCode(err, &stderr); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

type packagesFailWriter struct{}

func (packagesFailWriter) Write([]byte) (int, error) { return 0, errors.New("the disk is full") }

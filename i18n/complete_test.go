package i18n

import (
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var writeMissing = flag.String("missing", "", "write the keys a catalog lacks to this directory, one JSON file per language, each key with where it is said")

// A use is where the program says a key.
type use struct{ key, where string }

// keysOfGo returns the keys a Go file says: the string literal that
// starts a call of T or Key, and the format of a call of Errorf whose
// first argument is an error code (parley.Errorf), which the pages say in
// the reader's language.
func keysOfGo(t *testing.T, path string) []use {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []use
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		var name string
		switch fn := call.Fun.(type) {
		case *ast.SelectorExpr:
			name = fn.Sel.Name
			if x, ok := fn.X.(*ast.Ident); ok && name == "Errorf" && x.Name != "parley" {
				return true // fmt.Errorf, t.Errorf: not said to people as such
			}
		case *ast.Ident:
			name = fn.Name
		}
		arg := -1
		switch name {
		case "T", "Key":
			arg = 0
		case "Errorf":
			if len(call.Args) >= 2 {
				arg = 1
			}
		}
		if arg < 0 || len(call.Args) <= arg {
			return true
		}
		lit, ok := call.Args[arg].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		key, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, use{key, fset.Position(lit.Pos()).String()})
		return true
	})
	return out
}

// tmplKey matches a key said by a template, {{t "…" …}} or (t "…"), and
// by a script, t("…") or t('…').
var (
	tmplKey = regexp.MustCompile(`[{(]\s*-?\s*t\s+("(?:[^"\\]|\\.)*")`)
	jsKey   = regexp.MustCompile(`\bt\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`)
)

func keysOfText(t *testing.T, path string, re *regexp.Regexp) []use {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []use
	for _, m := range re.FindAllSubmatchIndex(b, -1) {
		lit := string(b[m[2]:m[3]])
		if lit[0] == '\'' {
			lit = `"` + strings.ReplaceAll(strings.ReplaceAll(lit[1:len(lit)-1], `\'`, `'`), `"`, `\"`) + `"`
		}
		key, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, lit, err)
		}
		line := 1 + strings.Count(string(b[:m[0]]), "\n")
		out = append(out, use{key, path + ":" + strconv.Itoa(line)})
	}
	return out
}

// usedKeys walks the program's source and gathers every key it says.
func usedKeys(t *testing.T) map[string][]string {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "vendor", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		var uses []use
		switch {
		case strings.HasSuffix(p, "_test.go"):
		case strings.HasSuffix(p, ".go"):
			uses = keysOfGo(t, p)
		case strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".tmpl") || strings.HasSuffix(p, ".svg"):
			uses = keysOfText(t, p, tmplKey)
		case strings.HasSuffix(p, ".js") && !strings.Contains(p, "/vendor/"):
			uses = keysOfText(t, p, jsKey)
		}
		for _, u := range uses {
			rel, _ := filepath.Rel(root, u.where)
			keys[u.key] = append(keys[u.key], rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestEveryMessageIsTranslated fails on a message of the interface that a
// catalog of Arabic or Russian lacks, and on a translation whose key the
// program no longer says. With -missing DIR it writes what each lacks.
func TestEveryMessageIsTranslated(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	used := usedKeys(t)
	if len(used) == 0 {
		t.Fatal("found no message in the source; the scan is broken")
	}
	for _, tag := range Tags[1:] {
		var missing []string
		for key := range used {
			if !c.Has(tag, key) {
				missing = append(missing, key)
			}
		}
		sort.Strings(missing)
		for _, key := range missing {
			t.Errorf("%s lacks %q (said at %s)", tag, key, used[key][0])
		}
		if *writeMissing != "" && len(missing) > 0 {
			skel := map[string]string{}
			for _, k := range missing {
				skel[k] = used[k][0] // where it is said, as a hint for the translator
			}
			b, _ := json.MarshalIndent(skel, "", "  ")
			if err := os.WriteFile(filepath.Join(*writeMissing, Code(tag)+".missing.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tag := range Tags {
		for _, key := range c.Keys(tag) {
			if _, ok := used[key]; !ok {
				t.Errorf("%s translates %q, which the program no longer says; remove it", tag, key)
			}
		}
	}
}

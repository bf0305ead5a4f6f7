package main

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestVendoredFiles checks the committed files of web/static/vendor against
// the SHA-256 the manifest recorded when they were fetched.
func TestVendoredFiles(t *testing.T) {
	if err := Check(os.DirFS("../../web/static/vendor")); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRefuses(t *testing.T) {
	manifest := `{"comment":"","packages":[],"files":{"a/mod.js":"` + strings.Repeat("0", 64) + `"}}`
	for name, fsys := range map[string]fstest.MapFS{
		"changed":  {"manifest.json": {Data: []byte(manifest)}, "a/mod.js": {Data: []byte("x")}},
		"missing":  {"manifest.json": {Data: []byte(manifest)}},
		"unlisted": {"manifest.json": {Data: []byte(manifest)}, "b.js": {Data: []byte("x")}},
		"no files": {"manifest.json": {Data: []byte(`{"comment":"","packages":[],"files":{}}`)}},
	} {
		if err := Check(fsys); err == nil {
			t.Errorf("%s: Check passed", name)
		}
	}
}

func TestRewrite(t *testing.T) {
	names := map[string]bool{"@hpke/common": true, "mlkem": true}
	in := strings.Join([]string{
		`import { a, b, } from "@hpke/common";`,
		`export * from "mlkem";`,
		`import { c } from "./src/c.js";`,
		` * } from "@hpke/core";`,
		`        const { webcrypto } = await import("crypto"); // node:crypto`,
		``,
	}, "\n")
	got, err := rewrite([]byte(in), "@hpke/core/src/x.js", names)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`import { a, b, } from "../../common/mod.js";`,
		`export * from "../../../mlkem/mod.js";`,
		`import { c } from "./src/c.js";`,
		` * } from "@hpke/core";`,
		`        const { webcrypto } = await import("crypto"); // node:crypto`,
		``,
	}, "\n")
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{
		`import { x } from "left-pad";`,
		"import {\n  x,\n} from \"@hpke/common\";",
		`const m = await import("@noble/hashes");`,
	} {
		if _, err := rewrite([]byte(bad), "@hpke/core/mod.js", names); err == nil {
			t.Errorf("rewrite accepted %q", bad)
		}
	}
}

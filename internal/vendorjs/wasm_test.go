package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
)

// TestWasm builds cmd/parley-wasm as the manifest pins it and checks that
// the committed WebAssembly and wasm_exec.js are exactly what the build
// writes, so that they cannot drift from the Go they are built from. It
// needs the go command of the version the manifest records; without it
// the test is skipped, unless PARLEY_REQUIRE_ALL=1.
func TestWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the WebAssembly; skipped with -short")
	}
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("PARLEY_REQUIRE_ALL") == "1" {
			t.Fatalf(format+" (PARLEY_REQUIRE_ALL=1)", args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := exec.LookPath("go"); err != nil {
		skip("no go command on the PATH: cannot rebuild the WebAssembly")
	}
	const dir = "../../web/static/vendor"
	m, err := ReadManifest(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if m.Go == nil {
		t.Fatal("the vendor manifest records no WebAssembly build: run go run ./internal/vendorjs -wasm")
	}
	version, err := goVersion("../..")
	if err != nil {
		t.Fatal(err)
	}
	if version != m.Go.Version {
		skip("the WebAssembly was built with %s and this is %s, which builds other bytes: run the test with %s", m.Go.Version, version, m.Go.Version)
	}
	if m.Go.Package != wasmPackage || !equal(m.Go.Env, wasmEnv) || !equal(m.Go.Flags, wasmFlags) {
		t.Errorf("the manifest records the build %s %v %v, not the pinned %s %v %v: run go run ./internal/vendorjs -wasm", m.Go.Package, m.Go.Env, m.Go.Flags, wasmPackage, wasmEnv, wasmFlags)
	}
	files, gb, err := buildWasm("../..")
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		got, err := os.ReadFile(dir + "/" + p)
		if err != nil {
			t.Errorf("%v: run go run ./internal/vendorjs -wasm and commit what it wrote", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("web/static/vendor/%s is not what cmd/parley-wasm builds to (%d bytes, SHA-256 %s): run go run ./internal/vendorjs -wasm and commit what it wrote", p, len(want), gb.Files[p])
		}
		if m.Go.Files[p] != gb.Files[p] {
			t.Errorf("the manifest gives %s the SHA-256 %s, the build %s", p, m.Go.Files[p], gb.Files[p])
		}
	}
	if len(m.Go.Files) != len(files) {
		t.Errorf("the manifest lists %d files of the build, the build writes %d", len(m.Go.Files), len(files))
	}
}

// TestCheckWasmFiles checks that Check counts the files of the
// WebAssembly build as listed, and says which command writes them.
func TestCheckWasmFiles(t *testing.T) {
	sum := func(b string) string { s := sha256.Sum256([]byte(b)); return hex.EncodeToString(s[:]) }
	manifest := `{"comment":"","packages":[],"files":{"a/mod.js":"` + sum("x") + `"},` +
		`"go":{"version":"go1","package":"./cmd/parley-wasm","env":[],"flags":[],"files":{"go/parley.wasm":"` + sum("w") + `"}}}`
	ok := fstest.MapFS{"manifest.json": {Data: []byte(manifest)}, "a/mod.js": {Data: []byte("x")}, "go/parley.wasm": {Data: []byte("w")}}
	if err := Check(ok); err != nil {
		t.Fatal(err)
	}
	changed := fstest.MapFS{"manifest.json": {Data: []byte(manifest)}, "a/mod.js": {Data: []byte("x")}, "go/parley.wasm": {Data: []byte("v")}}
	if err := Check(changed); err == nil || !strings.Contains(err.Error(), "vendorjs -wasm") {
		t.Errorf("a changed WebAssembly: %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

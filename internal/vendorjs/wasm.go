package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A GoBuild records how the WebAssembly of the mediator's packages page
// (cmd/parley-wasm) was built, and Go's wasm_exec.js that runs it, so that
// anyone with the same Go can build the same bytes: BuildWasm writes them
// and TestWasm checks that the committed files are what it builds.
type GoBuild struct {
	Version string            `json:"version"` // go env GOVERSION
	Package string            `json:"package"`
	Env     []string          `json:"env"`
	Flags   []string          `json:"flags"`
	Files   map[string]string `json:"files"` // path under the vendor directory → hex SHA-256
}

// The pinned build. -trimpath and an empty build ID leave no path of the
// machine and no ID in the binary, -buildvcs=false no commit, and -s -w
// no symbol table or DWARF, which the page does not need.
var (
	wasmPackage = "./cmd/parley-wasm"
	wasmEnv     = []string{"GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOWASM=", "GOFLAGS=", "GOEXPERIMENT="}
	wasmFlags   = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}
)

// The files written, under the vendor directory.
const (
	wasmFile    = "go/parley.wasm"
	wasmExecJS  = "go/wasm_exec.js"
	wasmLicense = "go/LICENSE"
)

// goVersion returns the version of the go command on the PATH.
func goVersion(root string) (string, error) {
	out, err := goCmd(root, nil, "env", "GOVERSION")
	return strings.TrimSpace(string(out)), err
}

func goCmd(root string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// buildWasm builds cmd/parley-wasm as the manifest pins it, from the
// module at root, and returns the files to vendor: the WebAssembly, Go's
// wasm_exec.js (lib/wasm since Go 1.24, misc/wasm before) and Go's
// licence, which covers both.
func buildWasm(root string) (map[string][]byte, *GoBuild, error) {
	version, err := goVersion(root)
	if err != nil {
		return nil, nil, err
	}
	goroot, err := goCmd(root, nil, "env", "GOROOT")
	if err != nil {
		return nil, nil, err
	}
	gr := strings.TrimSpace(string(goroot))
	tmp, err := os.MkdirTemp("", "parley-wasm")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "parley.wasm")
	args := append([]string{"build"}, wasmFlags...)
	args = append(args, "-o", out, wasmPackage)
	if _, err := goCmd(root, wasmEnv, args...); err != nil {
		return nil, nil, err
	}
	files := map[string][]byte{}
	if files[wasmFile], err = os.ReadFile(out); err != nil {
		return nil, nil, err
	}
	for _, dir := range []string{"lib/wasm", "misc/wasm"} {
		if b, err := os.ReadFile(filepath.Join(gr, dir, "wasm_exec.js")); err == nil {
			files[wasmExecJS] = b
			break
		}
	}
	if files[wasmExecJS] == nil {
		return nil, nil, fmt.Errorf("%s has no lib/wasm/wasm_exec.js nor misc/wasm/wasm_exec.js", gr)
	}
	if files[wasmLicense], err = os.ReadFile(filepath.Join(gr, "LICENSE")); err != nil {
		return nil, nil, err
	}
	gb := &GoBuild{Version: version, Package: wasmPackage, Env: wasmEnv, Flags: wasmFlags, Files: map[string]string{}}
	for p, b := range files {
		sum := sha256.Sum256(b)
		gb.Files[p] = hex.EncodeToString(sum[:])
	}
	return files, gb, nil
}

// BuildWasm builds the WebAssembly of the module at root, writes it with
// wasm_exec.js under dir, and records the build in the manifest.
func BuildWasm(root, dir string) error {
	m, err := ReadManifest(os.DirFS(dir))
	if err != nil {
		return err
	}
	files, gb, err := buildWasm(root)
	if err != nil {
		return err
	}
	if m.Go != nil {
		for p := range m.Go.Files {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	m.Go = gb
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, manifestName), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return Check(os.DirFS(dir))
}

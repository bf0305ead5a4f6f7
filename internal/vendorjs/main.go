// Command vendorjs fetches the JavaScript packages the web pages use from
// the npm registry and writes their ES modules under web/static/vendor, so
// that the server serves them itself and the pages need no build step and
// no network.
//
// web/static/vendor/manifest.json pins each package: its version, the URL of
// its tarball and the tarball's integrity (the sha512 the registry
// publishes as dist.integrity). vendorjs downloads each tarball, refuses it
// unless its SHA-512 is the pinned one, takes its esm/ modules and its
// licence, rewrites the bare import specifiers between the pinned packages
// ("@hpke/common") to relative paths, since a page's Content-Security-Policy
// forbids the inline import map that would resolve them, and records the
// SHA-256 of every file it wrote in the manifest.
//
//	go run ./internal/vendorjs            # fetch and write again
//	go run ./internal/vendorjs -check     # check the files against the manifest, offline
//	go run ./internal/vendorjs -wasm      # build the packages page's WebAssembly (cmd/parley-wasm), offline
//
// To move to a new version, change the version, tarball and integrity in
// the manifest (npm view NAME@VERSION dist.tarball dist.integrity) and run
// it again.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A Manifest pins the vendored packages and the files written from them.
type Manifest struct {
	Comment  string            `json:"comment"`
	Packages []Package         `json:"packages"`
	Files    map[string]string `json:"files"` // path under the vendor directory → hex SHA-256
	// Go is the build of the WebAssembly and Go's wasm_exec.js (wasm.go).
	Go *GoBuild `json:"go,omitempty"`
}

// A Package is one npm package, pinned.
type Package struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	License   string `json:"license"`
	Tarball   string `json:"tarball"`
	Integrity string `json:"integrity"` // "sha512-" + base64, as npm publishes it
}

const manifestName = "manifest.json"

// kept are the files of the vendor directory that vendorjs does not write.
var kept = []string{manifestName, "README.md"}

func main() {
	dir := flag.String("dir", "web/static/vendor", "the vendor directory")
	check := flag.Bool("check", false, "only check the files against the manifest")
	wasm := flag.Bool("wasm", false, "build the WebAssembly of cmd/parley-wasm and copy Go's wasm_exec.js, instead of fetching")
	flag.Parse()
	var err error
	switch {
	case *check:
		err = Check(os.DirFS(*dir))
	case *wasm:
		err = BuildWasm(".", *dir)
	default:
		err = Fetch(*dir, http.DefaultClient)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vendorjs: %v\n", err)
		os.Exit(1)
	}
}

// ReadManifest reads the manifest of a vendor directory.
func ReadManifest(fsys fs.FS) (*Manifest, error) {
	b, err := fs.ReadFile(fsys, manifestName)
	if err != nil {
		return nil, err
	}
	var m Manifest
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", manifestName, err)
	}
	return &m, nil
}

// Check checks that the vendor directory holds exactly the files of the
// manifest, each with its SHA-256.
func Check(fsys fs.FS) error {
	m, err := ReadManifest(fsys)
	if err != nil {
		return err
	}
	if len(m.Files) == 0 {
		return errors.New("the manifest lists no file")
	}
	listed := maps.Clone(m.Files)
	if m.Go != nil {
		for p, sum := range m.Go.Files {
			listed[p] = sum
		}
	}
	seen := map[string]bool{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.Contains(kept, p) {
			return err
		}
		want, ok := listed[p]
		if !ok {
			return fmt.Errorf("%s is not in the manifest: remove it, or run go run ./internal/vendorjs", p)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != want {
			return fmt.Errorf("%s differs from what was fetched or built (SHA-256 %x, the manifest says %s): run %s", p, got, want, m.command(p))
		}
		seen[p] = true
		return nil
	})
	if err != nil {
		return err
	}
	for p := range listed {
		if !seen[p] {
			return fmt.Errorf("%s is in the manifest but missing: run %s", p, m.command(p))
		}
	}
	return nil
}

// command is the command that writes the file p of the manifest.
func (m *Manifest) command(p string) string {
	if m.Go != nil && m.Go.Files[p] != "" {
		return "go run ./internal/vendorjs -wasm"
	}
	return "go run ./internal/vendorjs"
}

// Fetch downloads the pinned packages, checks them, writes their files
// under dir and records the files in the manifest.
func Fetch(dir string, client *http.Client) error {
	m, err := ReadManifest(os.DirFS(dir))
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, p := range m.Packages {
		names[p.Name] = true
	}
	files := map[string][]byte{}
	for _, p := range m.Packages {
		tgz, err := download(client, p.Tarball)
		if err != nil {
			return fmt.Errorf("%s@%s: %v", p.Name, p.Version, err)
		}
		if err := checkIntegrity(tgz, p.Integrity); err != nil {
			return fmt.Errorf("%s@%s: %v", p.Name, p.Version, err)
		}
		fs, err := extract(p, tgz, names)
		if err != nil {
			return fmt.Errorf("%s@%s: %v", p.Name, p.Version, err)
		}
		for k, v := range fs {
			files[k] = v
		}
	}
	// Replace the packages' directories whole.
	for _, p := range m.Packages {
		if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(p.Name))); err != nil {
			return err
		}
	}
	m.Files = map[string]string{}
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m.Files[p] = hex.EncodeToString(sum[:])
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, manifestName), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return Check(os.DirFS(dir))
}

func download(client *http.Client, url string) ([]byte, error) {
	if !strings.HasPrefix(url, "https://registry.npmjs.org/") {
		return nil, fmt.Errorf("tarball %s is not on registry.npmjs.org", url)
	}
	c := *client
	c.Timeout = 2 * time.Minute
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 32<<20))
}

// checkIntegrity checks a tarball against npm's "sha512-BASE64".
func checkIntegrity(tgz []byte, integrity string) error {
	want, ok := strings.CutPrefix(integrity, "sha512-")
	if !ok {
		return fmt.Errorf("integrity %q is not sha512-BASE64", integrity)
	}
	sum := sha512.Sum512(tgz)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("the tarball's SHA-512 is %s, not the pinned %s: refusing it", got, want)
	}
	return nil
}

// extract returns the files to write from a package's tarball: its esm/
// modules, without the esm/ prefix, and its licence, under the package's
// name.
func extract(p Package, tgz []byte, names map[string]bool) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		var rel string
		switch {
		case name == "package/LICENSE":
			rel = "LICENSE"
		case strings.HasPrefix(name, "package/esm/") && strings.HasSuffix(name, ".js"):
			rel = strings.TrimPrefix(name, "package/esm/")
		default:
			continue
		}
		if !fs.ValidPath(rel) {
			return nil, fmt.Errorf("unsafe path %q in the tarball", h.Name)
		}
		b, err := io.ReadAll(io.LimitReader(tr, 8<<20))
		if err != nil {
			return nil, err
		}
		dst := p.Name + "/" + rel
		if strings.HasSuffix(rel, ".js") {
			if b, err = rewrite(b, dst, names); err != nil {
				return nil, fmt.Errorf("%s: %v", rel, err)
			}
		}
		out[dst] = b
	}
	if out[p.Name+"/mod.js"] == nil || out[p.Name+"/LICENSE"] == nil {
		return nil, errors.New("the tarball has no esm/mod.js or no LICENSE")
	}
	return out, nil
}

var (
	staticImport  = regexp.MustCompile(`^((?:import|export)\b[^"'\n]*\bfrom ")([^"]+)(";?\s*)$`)
	dynamicImport = regexp.MustCompile(`\bimport\(\s*["']([^"']+)["']\s*\)`)
	// multiline is the end of an import written over several lines, which
	// rewrite does not handle.
	multiline = regexp.MustCompile(`^\}\s*from\s*["']([^"'.][^"']*)["']`)
	// nodeFallback is the one bare specifier left: @hpke/common and mlkem
	// import Node's "crypto" only where globalThis.crypto is missing, which
	// in a browser it never is.
	nodeFallback = "crypto"
)

// rewrite rewrites the import specifiers of a module at path dst that name
// a vendored package to that package's mod.js, relative to dst. Any other
// bare specifier is an error.
func rewrite(b []byte, dst string, names map[string]bool) ([]byte, error) {
	lines := strings.SplitAfter(string(b), "\n")
	for i, line := range lines {
		if m := staticImport.FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
			spec := m[2]
			if strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") {
				continue
			}
			if !names[spec] {
				return nil, fmt.Errorf("line %d imports %q, which is not a pinned package", i+1, spec)
			}
			rel, err := filepath.Rel(path.Dir(dst), spec+"/mod.js")
			if err != nil {
				return nil, err
			}
			rel = filepath.ToSlash(rel)
			if !strings.HasPrefix(rel, ".") {
				rel = "./" + rel
			}
			lines[i] = m[1] + rel + m[3]
			if strings.HasSuffix(line, "\n") {
				lines[i] += "\n"
			}
			continue
		}
		if m := multiline.FindStringSubmatch(line); m != nil {
			return nil, fmt.Errorf("line %d imports %q over several lines", i+1, m[1])
		}
		for _, m := range dynamicImport.FindAllStringSubmatch(line, -1) {
			if spec := m[1]; spec != nodeFallback && !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				return nil, fmt.Errorf("line %d imports %q dynamically", i+1, spec)
			}
		}
	}
	return []byte(strings.Join(lines, "")), nil
}

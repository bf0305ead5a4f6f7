package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley"
)

func TestServerSecretRefusesDamagedKey(t *testing.T) {
	for _, size := range []int{0, 1, 16, 31, 33, 64} {
		dir := t.TempDir()
		path := filepath.Join(dir, "session.key")
		if err := os.WriteFile(path, bytes.Repeat([]byte{7}, size), 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := serverSecret(dir)
		if err == nil || !strings.Contains(err.Error(), "not the 32") || !strings.Contains(err.Error(), "delete the file") {
			t.Errorf("a session.key of %d bytes: got %x, %v; want an error saying what to do", size, b, err)
		}
		// The damaged file is left for the operator to look at.
		if got, _ := os.ReadFile(path); len(got) != size {
			t.Errorf("a session.key of %d bytes was replaced", size)
		}
	}
}

func TestServerSecretCreatedOnce(t *testing.T) {
	dir := t.TempDir()
	a, err := serverSecret(dir)
	if err != nil || len(a) != 32 {
		t.Fatalf("serverSecret = %x, %v; want 32 bytes", a, err)
	}
	b, err := serverSecret(dir)
	if err != nil || !bytes.Equal(a, b) {
		t.Errorf("read again: %x, %v; want %x", b, err, a)
	}
	fi, err := os.Stat(filepath.Join(dir, "session.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session.key: %v, %v; want mode 0600", fi.Mode(), err)
	}
}

// Processes starting together on one directory agree on one secret, and
// none of them reads a file half written.
func TestServerSecretRace(t *testing.T) {
	for range 20 {
		dir := t.TempDir()
		const n = 16
		got := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				got[i], errs[i] = serverSecret(dir)
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil || len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
				t.Fatalf("starter %d: %x, %v; want the 32 bytes the first got, %x", i, got[i], errs[i], got[0])
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("the directory holds %q, want session.key alone", names)
		}
	}
}

func TestReadFounders(t *testing.T) {
	dir := t.TempDir()
	var keys []string
	for range 2 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, parley.KeyString(pub))
	}
	path := filepath.Join(dir, "founders")
	text := "# who may found talks\n\n" + keys[0] + "\n  " + keys[1] + "   # the second convener\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := readFounders(path)
	if err != nil || len(f) != 2 || !f[keys[0]] || !f[keys[1]] {
		t.Errorf("readFounders = %v, %v; want the two keys", f, err)
	}
	if err := os.WriteFile(path, []byte(keys[0]+"\nnot-a-key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readFounders(path); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a founders file with a bad line: %v, want an error naming line 2", err)
	}
	if _, err := readFounders(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing founders file is accepted")
	}
}

func TestParseProxies(t *testing.T) {
	ps, err := parseProxies("10.0.0.0/8, 192.0.2.1,::1, 2001:db8::/32")
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("2001:db8::/32")}
	if err != nil || !slices.Equal(ps, want) {
		t.Errorf("parseProxies = %v, %v; want %v", ps, err, want)
	}
	if _, err := parseProxies("10.0.0.0/8,proxy.example"); err == nil {
		t.Error("a host name is accepted as a proxy")
	}
}

func TestReadMetricsToken(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		text string
		ok   bool
	}{{"s3cret-token-of-20-ch\n", true}, {"short\n", false}, {"two tokens-of-enough-length\n", false}, {"", false}} {
		path := filepath.Join(dir, "token")
		os.WriteFile(path, []byte(c.text), 0o600)
		tok, err := readMetricsToken(path)
		if (err == nil) != c.ok || (c.ok && tok != strings.TrimSpace(c.text)) {
			t.Errorf("readMetricsToken(%q) = %q, %v; want ok %v", c.text, tok, err, c.ok)
		}
	}
}

func TestDemoHosts(t *testing.T) {
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	got := demoHosts("127.0.0.1:8080", bound, "")
	want := []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"}
	if !slices.Equal(got, want) {
		t.Errorf("demoHosts = %q, want %q", got, want)
	}
	got = demoHosts("0.0.0.0:0", &net.TCPAddr{IP: net.IPv4zero, Port: 4321}, "https://demo.example.org")
	want = []string{"127.0.0.1:4321", "localhost:4321", "[::1]:4321", "demo.example.org"}
	if !slices.Equal(got, want) {
		t.Errorf("demoHosts with an unspecified address and a public URL = %q, want %q", got, want)
	}
	got = demoHosts("demo.lan:8080", bound, "")
	if !slices.Contains(got, "demo.lan:8080") {
		t.Errorf("demoHosts = %q, want the host of --addr in it", got)
	}
}

// parley serve serves /metrics on its main address only with a token.
func TestServeMetricsNeedToken(t *testing.T) {
	status := func(url, token string) int {
		req, _ := http.NewRequest("GET", url+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	url, stop := startServe(t, t.TempDir(), func(string) string { return "" })
	if got := status(url, ""); got != http.StatusNotFound {
		t.Errorf("/metrics without --metrics-addr or a token: %d, want 404", got)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "metrics.token")
	const token = "metrics-token-for-the-test"
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, stop = startServe(t, t.TempDir(), func(k string) string {
		if k == "PARLEY_METRICS_TOKEN_FILE" {
			return tokenFile
		}
		return ""
	})
	defer stop()
	if got := status(url, ""); got != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", got)
	}
	if got := status(url, token); got != http.StatusOK {
		t.Errorf("/metrics with the token: %d, want 200", got)
	}
}

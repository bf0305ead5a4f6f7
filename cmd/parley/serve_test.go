package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServe runs "parley serve" through run() on port 0 and returns its
// URL once /healthz answers, and a function that stops it and returns
// run's error.
func startServe(t *testing.T, dir string, getenv func(string) string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--dir", dir, "--host", "cli.test"}, getenv, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Parley is serving at "); ok {
				urlc <- strings.TrimSuffix(u, "/")
			}
		}
	}()
	var url string
	select {
	case url = <-urlc:
	case err := <-done:
		t.Fatalf("serve ended before serving: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve printed no URL\n%s", stderr.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer 200: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return url, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop within 20 s of its context ending")
			return nil
		}
	}
}

// cli runs one parley command in process and returns its output.
func cli(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	if err != nil {
		return out.String() + errOut.String(), err
	}
	return out.String(), nil
}

// TestServeAndClient starts the server with run() on port 0, polls
// /healthz, then drives a talks from the command line against it: every
// act signed locally and sent with --server, reads as a signed-in actor.
func TestServeAndClient(t *testing.T) {
	dir := t.TempDir()
	work := t.TempDir()
	env := map[string]string{"PARLEY_SESSIONS": filepath.Join(work, "sessions.json"), "PARLEY_TALKS": "t1"}
	getenv := func(k string) string { return env[k] }
	url, stop := startServe(t, dir, getenv)
	env["PARLEY_SERVER"] = url

	keys := map[string]string{}
	for _, n := range []string{"conv", "med", "gov"} {
		out, err := cli(t, getenv, "keygen", "-o", filepath.Join(work, n+".key"))
		if err != nil {
			t.Fatal(err)
		}
		keys[n] = strings.TrimSpace(out)
	}
	key := func(n string) string { return filepath.Join(work, n+".key") }
	must := func(args ...string) string {
		t.Helper()
		out, err := cli(t, getenv, args...)
		if err != nil {
			t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	must("init", "--key", key("conv"), "--title", "CLI talks", "--name", "Host")
	must("mediator", "add", keys["med"], "Med", "--key", key("conv"))
	must("party", "add", "gov", "Government", "--key", key("med"))
	must("roster", "add", keys["gov"], "Gov head", "--role", "head", "--party", "gov", "--key", key("med"))
	must("round", "plan", "r1", "--title", "One", "--starts", "2026-01-01", "--ends", "2026-01-02", "--key", key("med"))
	must("invite", "r1", "gov", "--key", key("med"))
	must("round", "open", "r1", "--key", key("med"))
	must("item", "add", "D1", "--title", "Declaration", "--key", key("med"))
	if err := os.WriteFile(filepath.Join(work, "d1.txt"), []byte("The parties meet."), 0o644); err != nil {
		t.Fatal(err)
	}
	must("version", "table", "D1", "--file", filepath.Join(work, "d1.txt"), "--key", key("med"))
	out := must("stance", "D1", "support", "--party", "gov", "--key", key("gov"))
	if !strings.Contains(out, "recorded stance.set in t1 at index") {
		t.Errorf("stance output: %q", out)
	}
	// The server refuses a delegate acting for another party, with its reason.
	if out, err := cli(t, getenv, "stance", "D1", "oppose", "--party", "opp", "--key", key("gov")); err == nil || !strings.Contains(out+err.Error(), "forbidden") {
		t.Errorf("acting for another party: %v %s, want refused as forbidden", err, out)
	}
	// Reads as the public, then signed in.
	if out, err := cli(t, getenv, "show"); err != nil || strings.Contains(out, "D1") || strings.Contains(out, "round r1") {
		t.Errorf("the public's view of a talks for participants shows its agenda or rounds: %v\n%s", err, out)
	}
	must("login", "--key", key("gov"))
	out = must("show")
	if !strings.Contains(out, "D1") || !strings.Contains(out, "agreed") || !strings.Contains(out, "support") {
		t.Errorf("show --server as gov:\n%s", out)
	}
	if out := must("briefing", "--round", "r1"); !strings.Contains(out, "# Briefing: CLI talks") {
		t.Errorf("briefing --server:\n%s", out)
	}
	if err := stop(); err != nil {
		t.Errorf("serve ended with %v, want a graceful stop", err)
	}
}

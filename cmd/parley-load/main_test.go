package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmallRun runs the whole tool at a tiny size against its in-process
// server and checks that the report has every section, that nothing failed,
// and that the figures are plausible.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it for a few seconds")
	}
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "figures.json")
	args := []string{
		"-dir", dir, "-json", jsonFile,
		"-parties", "4", "-items", "10", "-versions", "2", "-paragraphs", "2",
		"-writers", "4", "-duration", "500ms", "-max-writes", "5000",
		"-subscribers", "20", "-events", "10", "-rate", "40", "-drain", "5s",
		"-readers", "4", "-timeout", "1m",
	}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	t.Logf("the run took %v", time.Since(start))
	out := stdout.String()
	for _, want := range []string{
		"# Parley load report", "## Writes", "## Fan-out", "## Reads", "## Goals",
		"| bare handler |", "| checkpoint |", "| bare handler, overview's bytes |", "| talks overview |",
		"rate limits | off", "No failures",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if got, want := strings.Count(out, "Errors: none."), 3; got != want {
		t.Errorf("the report says \"Errors: none.\" %d times, want %d (one per phase):\n%s", got, want, out)
	}
	if strings.Contains(out, "Failures") {
		t.Errorf("the report lists failures:\n%s", out)
	}
	// The temporary record is removed.
	if m, _ := filepath.Glob(filepath.Join(dir, "parley-load-*")); len(m) != 0 {
		t.Errorf("the temporary record is left behind: %v", m)
	}

	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("decoding the figures: %v\n%s", err, b)
	}
	if s.SetupEvents != 3+3*4+1+10*3 {
		t.Errorf("set-up posted %d events, want %d", s.SetupEvents, 3+3*4+1+10*3)
	}
	if s.WritesPerSec <= 0 || s.WriteP50ms <= 0 || s.WriteP99ms < s.WriteP50ms {
		t.Errorf("implausible write figures: %.1f/s, p50 %.2f ms, p99 %.2f ms", s.WritesPerSec, s.WriteP50ms, s.WriteP99ms)
	}
	if s.Subscribers != 20 || s.FanoutMissed != 0 || s.FanoutDropped != 0 || s.FanoutP50ms <= 0 {
		t.Errorf("fan-out: %d subscribers, %d missed, %d dropped, p50 %.2f ms; want 20, 0, 0, > 0", s.Subscribers, s.FanoutMissed, s.FanoutDropped, s.FanoutP50ms)
	}
	if len(s.Reads) != 4 {
		t.Fatalf("%d read targets, want 4", len(s.Reads))
	}
	for _, r := range s.Reads {
		if r.PerSec <= 0 || r.Failed != 0 || r.BodyBytes == 0 {
			t.Errorf("read target %s: %.0f/s, %d failed, %d bytes", r.Name, r.PerSec, r.Failed, r.BodyBytes)
		}
	}
	if s.Reads[0].OfBare != 1 {
		t.Errorf("the bare handler is %.2f of itself", s.Reads[0].OfBare)
	}
}

// TestParseID checks the parsing of the "id:" lines of a stream.
func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		line string
		id   int64
		ok   bool
	}{
		{"id: 0\n", 0, true},
		{"id: 12345\n", 12345, true},
		{"id: 7\r\n", 7, true},
		{"id: 7", 7, true},
		{"id: \n", 0, false},
		{"id: -1\n", 0, false},
		{"id: 12a\n", 0, false},
		{"event: event\n", 0, false},
		{"data: {\"id\": 3}\n", 0, false},
		{"id:5\n", 0, false},
		{"id: 99999999999999999999\n", 0, false},
	} {
		id, ok := parseID([]byte(tc.line))
		if id != tc.id || ok != tc.ok {
			t.Errorf("parseID(%q) = %d, %v; want %d, %v", tc.line, id, ok, tc.id, tc.ok)
		}
	}
}

// TestLoopbackOnly checks that only loopback servers are accepted, before
// any connection is made.
func TestLoopbackOnly(t *testing.T) {
	ctx := context.Background()
	for _, raw := range []string{
		"http://127.0.0.1:8080", "http://127.1.2.3:80", "http://[::1]:8080", "http://localhost:8080", "http://127.0.0.1:8080/",
	} {
		if _, err := checkServerURL(ctx, raw); err != nil {
			t.Errorf("checkServerURL(%q): %v", raw, err)
		}
	}
	for _, raw := range []string{
		"http://10.0.0.1:8080", "http://example.com", "http://192.168.1.1", "https://127.0.0.1:8443",
		"http://0.0.0.0:8080", "http://[::]:8080", "127.0.0.1:8080", "http://127.0.0.1:8080/api",
		"http://user@127.0.0.1:8080", "http://localhost.example.com:8080", "ftp://127.0.0.1",
	} {
		if _, err := checkServerURL(ctx, raw); err == nil {
			t.Errorf("checkServerURL(%q) accepted a target that is not a loopback server URL", raw)
		}
	}
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80"} {
		if err := loopbackOnly("tcp", addr, nil); err != nil {
			t.Errorf("loopbackOnly(%q): %v", addr, err)
		}
	}
	for _, addr := range []string{"10.1.1.1:80", "[2001:db8::1]:80", "example.com:80"} {
		if err := loopbackOnly("tcp", addr, nil); err == nil {
			t.Errorf("loopbackOnly(%q) allowed a connection", addr)
		}
	}
	var stderr bytes.Buffer
	err := run(ctx, []string{"-server", "http://192.0.2.1:8080"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("run with a non-loopback server: %v, want a refusal naming loopback", err)
	}
}

// TestFlags checks help, bounds and unknown phases.
func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage: parley-load", "-subscribers", "loopback"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h output lacks %q:\n%s", want, &stderr)
		}
	}
	for _, args := range [][]string{
		{"-subscribers", "0"}, {"-subscribers", "1000000"}, {"-duration", "1h"}, {"-rate", "0"},
		{"-phases", "writes,sleep"}, {"-parties", "-1"}, {"extra"},
		{"-server", "http://127.0.0.1:8080,"}, {"-server", "http://127.0.0.1:8080,http://127.0.0.1:8080"},
	} {
		stderr.Reset()
		if err := run(context.Background(), args, &bytes.Buffer{}, &stderr); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
		if stderr.Len() == 0 {
			t.Errorf("%q: nothing said on stderr", args)
		}
	}
}

// TestDistOf checks the nearest-rank percentiles.
func TestDistOf(t *testing.T) {
	var samples []time.Duration
	for i := 100; i >= 1; i-- {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	got := distOf(samples)
	want := dist{N: 100, Mean: 50500 * time.Microsecond, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Errorf("distOf(1…100 ms) = %+v, want %+v", got, want)
	}
	if got := distOf(nil); got != (dist{}) {
		t.Errorf("distOf(nil) = %+v, want zero", got)
	}
	if got := distOf([]time.Duration{7}); got.P50 != 7 || got.P99 != 7 || got.Max != 7 {
		t.Errorf("distOf of one sample = %+v", got)
	}
}

// TestReportFailures checks that failed requests, missed deliveries and
// dropped streams are counted and shown, and that a goal is not met when
// its phase failed.
func TestReportFailures(t *testing.T) {
	werrs := newTally()
	werrs.add("HTTP 500", "internal error")
	werrs.add("HTTP 500", "internal error")
	r := &report{
		cfg:     &config{parties: 1, items: 1, versions: 1, paragraphs: 1, act: actStance, duration: time.Second, rate: 20},
		started: time.Now(), ended: time.Now(),
		target: &target{desc: "a test", inproc: true},
		talks:  &talks{id: "t1"},
		writes: &writeResult{
			Writers: 1, Elapsed: time.Second, OK: 5000, Failed: 2, errs: werrs,
			Latency: dist{N: 5002, P99: time.Millisecond},
		},
		fanouts: []*fanoutResult{{
			Viewers: viewersParties, Subscribers: 1000, Connected: 1000, Events: 10, Posted: 10, Rate: 20,
			Missed: 3, Incomplete: 1, Dropped: 1, dropReason: "unexpected EOF", errs: newTally(),
			Violations: 2, Violators: 1, violation: "subscriber 7 (an actor of party p7) received event 12, which only party p3 may see",
			Delay: dist{N: 9997, P99: time.Millisecond},
		}},
	}
	r.talks.parties = []string{"p0"}
	if got, want := r.failures(), 2+3+1+2; got != want {
		t.Errorf("failures() = %d, want %d", got, want)
	}
	var b bytes.Buffer
	if err := r.write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| HTTP 500 | 2 | internal error |", "1 subscriber missed at least one event it may see (3 deliveries in all)",
		"1 stream ended before the phase did; the first because: unexpected EOF", "**Failures: 8**",
		"**1 subscriber received at least one event it may not see (2 events in all); the first: subscriber 7",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	for _, g := range r.goals() {
		if g.Met == "yes" {
			t.Errorf("goal %q is met despite failures: %s", g.Goal, g.Measured)
		}
	}
}

// TestSplitServers checks the parsing of a list of servers.
func TestSplitServers(t *testing.T) {
	got, err := splitServers("http://127.0.0.1:8080, http://127.0.0.1:8081")
	if err != nil || len(got) != 2 || got[0] != "http://127.0.0.1:8080" || got[1] != "http://127.0.0.1:8081" {
		t.Errorf("splitServers of two: %q, %v", got, err)
	}
	if got, err := splitServers("http://127.0.0.1:8080"); err != nil || len(got) != 1 {
		t.Errorf("splitServers of one: %q, %v", got, err)
	}
	many := make([]string, maxServers+1)
	for i := range many {
		many[i] = fmt.Sprintf("http://127.0.0.1:%d", 8000+i)
	}
	for _, raw := range []string{
		"", ",", "http://127.0.0.1:8080,", ",http://127.0.0.1:8080", "http://127.0.0.1:8080,,http://127.0.0.1:8081",
		"http://127.0.0.1:8080,http://127.0.0.1:8080", strings.Join(many, ","),
	} {
		if got, err := splitServers(raw); err == nil {
			t.Errorf("splitServers(%q) = %q, want an error", raw, got)
		}
	}
}

// TestExternalServers checks that the servers of a list are each checked,
// must name one host and must differ once resolved, against stand-ins
// that answer GET /api/v1/info.
func TestExternalServers(t *testing.T) {
	info := func(host string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/v1/info" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintf(w, `{"host": %q}`, host)
		}))
		t.Cleanup(s.Close)
		return s
	}
	a, b, other := info("parley.test"), info("parley.test"), info("elsewhere.test")
	hc := &http.Client{Transport: newTransport(4), Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	ctx := context.Background()

	tgt, err := external(ctx, []string{a.URL, b.URL}, hc)
	if err != nil {
		t.Fatalf("two servers of one host: %v", err)
	}
	if tgt.base != a.URL || len(tgt.bases) != 2 || tgt.bases[1] != b.URL || tgt.host != "parley.test" || tgt.inproc {
		t.Errorf("two servers: base %q, bases %q, host %q", tgt.base, tgt.bases, tgt.host)
	}
	if !strings.Contains(tgt.desc, "2 running servers") {
		t.Errorf("the description does not say there are two servers: %s", tgt.desc)
	}
	if _, err := external(ctx, []string{a.URL, other.URL}, hc); err == nil || !strings.Contains(err.Error(), "elsewhere.test") {
		t.Errorf("servers of two hosts: %v, want an error naming the other host", err)
	}
	port := a.URL[strings.LastIndex(a.URL, ":")+1:]
	// localhost may resolve to ::1, where nothing listens: an error too.
	if _, err := external(ctx, []string{a.URL, "http://localhost:" + port}, hc); err == nil {
		t.Errorf("one server under two names: accepted")
	}
	if _, err := external(ctx, []string{a.URL, "http://192.0.2.1:8080"}, hc); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("a list with a non-loopback server: %v, want a refusal naming loopback", err)
	}
}

package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
)

// Tests of the limits, sign-out, the demo's host names, response headers
// and /metrics. Names start with "sec" to stay clear of the package's
// other tests. Requests come from 127.0.0.1, a trusted proxy in these
// servers, so that X-Forwarded-For stands for other client addresses.

const secHost = "sec.parley.localhost"

type secEnv struct {
	t     *testing.T
	ts    *httptest.Server
	srv   *server.Server
	l     *ledger.Ledger
	store parley.Store
}

// secServer starts a server over a fresh SQLite record (or the one at
// path, if given) with cfg, trusting 127.0.0.1 as a proxy.
func secServer(t *testing.T, cfg server.Config, path string) *secEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if path == "" {
		path = filepath.Join(dir, "parley.db")
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(filepath.Dir(path), "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	e := &secEnv{t: t}
	e.store = &secCountingStore{Store: st}
	e.l = ledger.New(e.store, ledger.Config{Host: secHost, Keys: keys, OnAppend: func(a ledger.Appended) { e.srv.Published(a) }})
	cfg.Host = secHost
	if cfg.Secret == nil {
		cfg.Secret = make([]byte, 32)
		rand.Read(cfg.Secret)
	}
	cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix("127.0.0.1/32"))
	e.srv = server.New(e.l, cfg)
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(func() {
		e.srv.Close()
		e.ts.Close()
		st.Close()
	})
	return e
}

// secCountingStore counts the entries read from a store.
type secCountingStore struct {
	parley.Store
	entries atomic.Int64 // entries asked for
}

func (s *secCountingStore) Entries(ctx context.Context, talks string, from, to int64) ([]parley.Entry, error) {
	s.entries.Add(to - from)
	return s.Store.Entries(ctx, talks, from, to)
}

// do sends a request from the client address from ("" for 127.0.0.1).
func (e *secEnv) do(method, path, from string, body any, hdr http.Header) (*http.Response, []byte) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func secBearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func secKey(t *testing.T) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func secPub(k ed25519.PrivateKey) string { return parley.KeyString(k.Public().(ed25519.PublicKey)) }

// signIn signs in with key from an address and returns the session.
func (e *secEnv) signIn(key ed25519.PrivateKey, from string) (server.SessionResponse, *http.Cookie) {
	e.t.Helper()
	resp, b := e.do("POST", "/api/v1/auth/challenge", from, map[string]string{"key": secPub(key)}, nil)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("challenge: %d %s", resp.StatusCode, b)
	}
	var ch struct{ Challenge string }
	json.Unmarshal(b, &ch)
	sig := ed25519.Sign(key, server.SessionMessage(secHost, ch.Challenge))
	resp, b = e.do("POST", "/api/v1/auth/session", from, map[string]string{"key": secPub(key), "challenge": ch.Challenge, "signature": base64.StdEncoding.EncodeToString(sig)}, nil)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("session: %d %s", resp.StatusCode, b)
	}
	var s server.SessionResponse
	json.Unmarshal(b, &s)
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "parley_session" {
			cookie = c
		}
	}
	return s, cookie
}

// found posts the founding event of a talks signed by key, from an
// address, and returns the response.
func (e *secEnv) found(key ed25519.PrivateKey, talks, title, from string) (*http.Response, []byte) {
	e.t.Helper()
	ev, err := parley.NewEvent(talks, parley.KindFoundTalks, key.Public().(ed25519.PublicKey), time.Now(), parley.FoundTalks{
		Title: title, ConvenerName: "Convener", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic, Description: "About " + title,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	se, err := parley.Sign(parley.Origin(secHost, talks), ev, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do("POST", "/api/v1/talks/"+talks+"/events", from, se, nil)
}

func secProblem(b []byte) (code, detail string) {
	var p struct{ Code, Detail string }
	json.Unmarshal(b, &p)
	return p.Code, p.Detail
}

// Throwaway keys do not lift the limits: 30 keys signed in from one
// address share its reads; one key from many addresses is held by its
// own limit.
func TestSecLimitsPerAddressAndKey(t *testing.T) {
	e := secServer(t, server.Config{ReadRate: 5, WriteRate: 100, SignInRate: 600}, "")
	var tokens []string
	for range 30 {
		s, _ := e.signIn(secKey(t), "198.51.100.1")
		tokens = append(tokens, s.Token)
	}
	// Each key reads twice from the same address: 60 reads, where the
	// address allows a burst of 10 and 5 a second.
	start := time.Now()
	ok, refused := 0, 0
	for round := range 2 {
		for _, tok := range tokens {
			resp, b := e.do("GET", "/api/v1/info", "198.51.100.2", nil, secBearer(tok))
			switch resp.StatusCode {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				refused++
				if _, d := secProblem(b); !strings.Contains(d, "client address") || resp.Header.Get("Retry-After") == "" {
					t.Errorf("round %d: refused with %q, Retry-After %q; want the client address named and a Retry-After", round, d, resp.Header.Get("Retry-After"))
				}
			default:
				t.Fatalf("GET /api/v1/info: %d %s", resp.StatusCode, b)
			}
		}
	}
	if most := 10 + int(5*time.Since(start).Seconds()) + 1; ok > most || ok < 10 || refused == 0 {
		t.Errorf("30 keys from one address: %d reads accepted, %d refused; want 10 to %d accepted", ok, refused, most)
	}
	// /healthz, which asks the store, is a read of the address too: of
	// three at once from an address past its limit, at most one passes.
	passed := 0
	for range 3 {
		if resp, _ := e.do("GET", "/healthz", "198.51.100.2", nil, nil); resp.StatusCode != http.StatusTooManyRequests {
			passed++
		}
	}
	if passed > 1 {
		t.Errorf("%d of 3 requests to /healthz from an address past its limit passed", passed)
	}
	// Another address is not held by the first one's limit.
	if resp, b := e.do("GET", "/api/v1/info", "198.51.100.3", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("another address: %d %s", resp.StatusCode, b)
	}
	// One key from 30 addresses is held by the key's limit.
	tok := tokens[0]
	ok = 0
	start = time.Now()
	for i := range 30 {
		resp, b := e.do("GET", "/api/v1/info", fmt.Sprintf("203.0.113.%d", i+1), nil, secBearer(tok))
		if resp.StatusCode == http.StatusOK {
			ok++
		} else if _, d := secProblem(b); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(d, "by this key") {
			t.Errorf("one key from many addresses: %d %q; want 429 naming the key", resp.StatusCode, d)
		}
	}
	if most := 10 + int(5*time.Since(start).Seconds()) + 1; ok > most {
		t.Errorf("one key from 30 addresses: %d reads accepted, want at most %d", ok, most)
	}
	// An invalid token counts against the address all the same.
	bad := 0
	for range 30 {
		if resp, _ := e.do("GET", "/api/v1/info", "192.0.2.200", nil, secBearer("not.a-token")); resp.StatusCode == http.StatusUnauthorized {
			bad++
		}
	}
	if bad > 12 {
		t.Errorf("%d requests with a bad token were answered 401, not refused by the address's limit", bad)
	}
}

// Sign-ins are limited per address, whatever the key.
func TestSecSignInLimit(t *testing.T) {
	e := secServer(t, server.Config{SignInRate: 6}, "")
	ok := 0
	for range 12 {
		resp, b := e.do("POST", "/api/v1/auth/challenge", "198.51.100.1", map[string]string{"key": secPub(secKey(t))}, nil)
		switch resp.StatusCode {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			if _, d := secProblem(b); !strings.Contains(d, "sign-in") {
				t.Errorf("refused with %q, want the sign-in limit named", d)
			}
		default:
			t.Fatalf("challenge: %d %s", resp.StatusCode, b)
		}
	}
	if ok != 6 {
		t.Errorf("%d of 12 sign-in requests from one address accepted, want 6", ok)
	}
	if resp, _ := e.do("POST", "/api/v1/auth/challenge", "198.51.100.2", map[string]string{"key": secPub(secKey(t))}, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("another address: %d, want 200", resp.StatusCode)
	}
}

// secStream opens a live stream and returns the response, or the status
// and body of a refusal.
func (e *secEnv) stream(ctx context.Context, talks, from string, hdr http.Header) (*http.Response, int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.ts.URL+"/api/v1/talks/"+talks+"/stream", nil)
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("X-Forwarded-For", from)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, resp.StatusCode, b
	}
	return resp, resp.StatusCode, nil
}

func TestSecStreamsPerAddress(t *testing.T) {
	e := secServer(t, server.Config{AnonStreamsPerAddr: 2, StreamsPerAddr: 3, StreamsPerID: 8}, "")
	conv := secKey(t)
	if resp, b := e.found(conv, "streams", "Streams", "198.51.100.9"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("founding: %d %s", resp.StatusCode, b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(from string, hdr http.Header) (int, string) {
		resp, code, b := e.stream(ctx, "streams", from, hdr)
		if resp != nil {
			t.Cleanup(func() { resp.Body.Close() })
		}
		_, d := secProblem(b)
		return code, d
	}
	for i := range 2 {
		if code, d := open("198.51.100.1", nil); code != http.StatusOK {
			t.Fatalf("anonymous stream %d: %d %s", i+1, code, d)
		}
	}
	if code, d := open("198.51.100.1", nil); code != http.StatusTooManyRequests || !strings.Contains(d, "without signing in") {
		t.Errorf("third anonymous stream from one address: %d %q; want 429 about streams without a session", code, d)
	}
	if code, d := open("198.51.100.2", nil); code != http.StatusOK {
		t.Errorf("an anonymous stream from another address: %d %s", code, d)
	}
	s, _ := e.signIn(secKey(t), "198.51.100.1")
	if code, d := open("198.51.100.1", secBearer(s.Token)); code != http.StatusOK {
		t.Errorf("a signed-in stream from the address: %d %s", code, d)
	}
	s2, _ := e.signIn(secKey(t), "198.51.100.1")
	if code, d := open("198.51.100.1", secBearer(s2.Token)); code != http.StatusTooManyRequests || !strings.Contains(d, "live streams open") {
		t.Errorf("a fourth stream from one address, with another key: %d %q; want 429", code, d)
	}
	// Closing streams gives the slots back.
	cancel()
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := open("198.51.100.1", nil)
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after its streams closed, the address still may not open one: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSecFounders(t *testing.T) {
	allowed, other := secKey(t), secKey(t)
	e := secServer(t, server.Config{Founders: map[string]bool{secPub(allowed): true}}, "")
	resp, b := e.found(other, "not-listed", "Not listed", "")
	if code, d := secProblem(b); resp.StatusCode != http.StatusForbidden || code != parley.EFORBIDDEN || !strings.Contains(d, "founders file") {
		t.Errorf("a key not listed founds a talks: %d %s; want 403 naming the founders file", resp.StatusCode, b)
	}
	if n, _ := e.store.Size(context.Background(), "not-listed"); n != 0 {
		t.Errorf("the refused talks was stored (%d events)", n)
	}
	if resp, b := e.found(allowed, "listed", "Listed", ""); resp.StatusCode != http.StatusCreated {
		t.Errorf("a listed key founds a talks: %d %s", resp.StatusCode, b)
	}
}

func TestSecFoundingQuota(t *testing.T) {
	e := secServer(t, server.Config{TalksPerHour: 3}, "")
	for i := range 3 {
		if resp, b := e.found(secKey(t), fmt.Sprintf("q%d", i), "Q", "198.51.100.1"); resp.StatusCode != http.StatusCreated {
			t.Fatalf("talks %d: %d %s", i+1, resp.StatusCode, b)
		}
	}
	resp, b := e.found(secKey(t), "q4", "Q", "198.51.100.1")
	if _, d := secProblem(b); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(d, "new talks per hour") {
		t.Errorf("a fourth talks in the hour from one address: %d %s; want 429", resp.StatusCode, b)
	}
	// The wait is a third of an hour, and Retry-After says so.
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1000 || ra > 1200 {
		t.Errorf("Retry-After %q for the founding quota, want the seconds until a new talks may be founded (about 1,200)", resp.Header.Get("Retry-After"))
	}
	if resp, b := e.found(secKey(t), "q5", "Q", "198.51.100.2"); resp.StatusCode != http.StatusCreated {
		t.Errorf("from another address: %d %s", resp.StatusCode, b)
	}
}

// The list of talks comes in pages, each read from the founding events of
// its own talks only: a fresh server lists 12 talks without loading any.
func TestSecTalksListPages(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "parley.db")
	e := secServer(t, server.Config{TalksPerHour: -1}, path)
	conv := secKey(t)
	var want []string
	for i := range 12 {
		id := fmt.Sprintf("t%02d", i)
		if resp, b := e.found(conv, id, "Talks "+id, ""); resp.StatusCode != http.StatusCreated {
			t.Fatalf("founding %s: %d %s", id, resp.StatusCode, b)
		}
		want = append(want, id)
	}
	e.ts.Close()
	e.store.(*secCountingStore).Store.Close()

	f := secServer(t, server.Config{}, path)
	cs := f.store.(*secCountingStore)
	var got []string
	pages := 0
	for after := ""; ; pages++ {
		if pages > 12 {
			t.Fatal("the pages do not end")
		}
		resp, b := f.do("GET", "/api/v1/talks?limit=5&after="+after, "", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/talks: %d %s", resp.StatusCode, b)
		}
		var page server.TalksPage
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		for _, ts := range page.Talks {
			got = append(got, ts.ID)
			if ts.Title != "Talks "+ts.ID || ts.Description != "About Talks "+ts.ID || ts.Size != 1 || ts.Visibility != parley.VisPublic || ts.Founded.IsZero() {
				t.Errorf("listed %+v", ts)
			}
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || pages != 2 {
		t.Errorf("listed %q in %d pages, want %q in 3", got, pages+1, want)
	}
	if n := cs.entries.Load(); n != 12 {
		t.Errorf("listing 12 talks read %d entries from the store, want 12: the founding events only", n)
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=x", "after=Not%20an%20id"} {
		if resp, _ := f.do("GET", "/api/v1/talks?"+q, "", nil, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /api/v1/talks?%s: %d, want 400", q, resp.StatusCode)
		}
	}
	// The helper the web UI lists talks with says the same.
	page, err := server.ListTalks(context.Background(), f.store, "t09", 10)
	if err != nil || len(page.Talks) != 2 || page.Talks[0].ID != "t10" || page.Next != "" {
		t.Errorf("ListTalks after t09 = %+v, %v; want t10 and t11, and no next page", page, err)
	}
}

// Signing out revokes the token on the server, for every server sharing
// the directory, and ends the session's live streams at once.
func TestSecSignOutRevokes(t *testing.T) {
	revoked := t.TempDir()
	secret := make([]byte, 32)
	rand.Read(secret)
	e := secServer(t, server.Config{Secret: secret, RevokedDir: revoked}, "")
	other := secServer(t, server.Config{Secret: secret, RevokedDir: revoked}, "")
	elsewhere := secServer(t, server.Config{Secret: secret, RevokedDir: t.TempDir()}, "")
	conv := secKey(t)
	if resp, b := e.found(conv, "bye", "Bye", ""); resp.StatusCode != http.StatusCreated {
		t.Fatalf("founding: %d %s", resp.StatusCode, b)
	}
	s, _ := e.signIn(conv, "")
	for _, srv := range []*secEnv{e, other} {
		if resp, b := srv.do("GET", "/api/v1/auth/session", "", nil, secBearer(s.Token)); resp.StatusCode != http.StatusOK {
			t.Fatalf("whoami before signing out: %d %s", resp.StatusCode, b)
		}
	}
	resp, _, b := e.stream(context.Background(), "bye", "198.51.100.1", secBearer(s.Token))
	if resp == nil {
		t.Fatalf("stream: %s", b)
	}
	defer resp.Body.Close()
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
		}
	}()
	if resp, b := e.do("DELETE", "/api/v1/auth/session", "", nil, secBearer(s.Token)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out: %d %s", resp.StatusCode, b)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Error("the session's live stream did not end when it signed out")
	}
	for name, srv := range map[string]*secEnv{"the same server": e, "another sharing the directory": other} {
		resp, b := srv.do("GET", "/api/v1/auth/session", "", nil, secBearer(s.Token))
		if _, d := secProblem(b); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(d, "sign in again") {
			t.Errorf("%s, after sign-out: %d %s; want 401", name, resp.StatusCode, b)
		}
		if resp, _ := srv.do("GET", "/api/v1/talks/bye/stream", "", nil, secBearer(s.Token)); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: a stream with the revoked token: %d, want 401", name, resp.StatusCode)
		}
	}
	if resp, _ := elsewhere.do("GET", "/api/v1/auth/session", "", nil, secBearer(s.Token)); resp.StatusCode != http.StatusOK {
		t.Errorf("a server that does not share the directory: %d, want 200 (the test would prove nothing)", resp.StatusCode)
	}
	// A cookie session: signing out with its CSRF token revokes the
	// cookie, which then reads as the public.
	s2, cookie := e.signIn(conv, "")
	withCookie := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}
	if resp, b := e.do("GET", "/api/v1/auth/session", "", nil, withCookie); resp.StatusCode != http.StatusOK {
		t.Fatalf("whoami with the cookie: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("DELETE", "/api/v1/auth/session", "", nil, withCookie); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with the cookie and no CSRF token: %d, want 403", resp.StatusCode)
	}
	withCSRF := http.Header{"Cookie": withCookie["Cookie"], "X-Csrf-Token": {s2.CSRF}}
	if resp, b := e.do("DELETE", "/api/v1/auth/session", "", nil, withCSRF); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out with the cookie: %d %s", resp.StatusCode, b)
	}
	if resp, _ := other.do("GET", "/api/v1/auth/session", "", nil, withCookie); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked cookie: whoami %d, want 401 (the public)", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/v1/auth/session", "", nil, secBearer(s2.Token)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the cookie session's token as a bearer token: %d, want 401", resp.StatusCode)
	}
}

// The demo's API answers only at the demo's own host names, so that a page
// whose DNS name is rebound to the demo's address cannot act as its
// actors.
func TestSecDemoHosts(t *testing.T) {
	k := secKey(t)
	for _, c := range []struct {
		hosts   []string
		host    string
		allowed bool
	}{
		{nil, "127.0.0.1:8080", true},
		{nil, "localhost:9", true},
		{nil, "[::1]:8080", true},
		{nil, "evil.example:8080", false},
		{nil, "localhost.evil.example", false},
		{[]string{"127.0.0.1:8080", "demo.example.org"}, "127.0.0.1:8080", true},
		{[]string{"127.0.0.1:8080", "demo.example.org"}, "DEMO.example.org", true},
		{[]string{"127.0.0.1:8080", "demo.example.org"}, "127.0.0.1:9090", false},
		{[]string{"127.0.0.1:8080", "demo.example.org"}, "localhost:8080", false},
	} {
		demo := &server.Demo{Talks: "demo", Actors: []server.DemoActor{{ID: "med", Name: "Mediator", Role: parley.RoleMediator, Key: k}}, Hosts: c.hosts}
		e := secServer(t, server.Config{Demo: demo}, "")
		for _, r := range []struct {
			method, path string
			body         any
			ok           int
		}{
			{"GET", "/api/v1/demo", nil, 200},
			{"POST", "/api/v1/demo/session", map[string]string{"as": "med"}, 200},
			{"POST", "/api/v1/demo/sign", server.DemoSignRequest{As: "med", Talks: "demo", Kind: parley.KindFoundTalks, Payload: json.RawMessage(`{"title":"Demo","convener_name":"C","rule":{"kind":"consensus"}}`)}, 201},
		} {
			b, _ := json.Marshal(r.body)
			req, _ := http.NewRequest(r.method, e.ts.URL+r.path, bytes.NewReader(b))
			req.Host = c.host
			if r.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := r.ok
			if !c.allowed {
				want = http.StatusForbidden
			}
			if resp.StatusCode != want {
				t.Errorf("hosts %q, Host %q: %s %s = %d %s; want %d", c.hosts, c.host, r.method, r.path, resp.StatusCode, body, want)
			}
		}
	}
}

// Every API response says nosniff, and every one that may depend on the
// viewer or the session says no-store: each route of the router's own list
// is asked, so that a new route is covered without a new case.
func TestSecHeaders(t *testing.T) {
	demo := &server.Demo{Talks: "demo", Actors: []server.DemoActor{{ID: "med", Name: "Mediator", Role: parley.RoleMediator, Key: secKey(t)}}}
	e := secServer(t, server.Config{Demo: demo, UI: http.NotFoundHandler()}, "")
	conv := secKey(t)
	if resp, b := e.found(conv, "hdr", "Headers", ""); resp.StatusCode != http.StatusCreated {
		t.Fatalf("founding: %d %s", resp.StatusCode, b)
	}
	s, _ := e.signIn(conv, "")
	params := strings.NewReplacer("{id}", "hdr", "{item}", "i1", "{n}", "1", "{index}", "0", "{party}", "p1", "{code}", "invalid")
	cacheable := map[string]bool{"GET /api/openapi.json": true, "GET /api/problems/{code}": true}
	routes := append(e.srv.Routes(), "GET /api/v1/no-such-route", "GET /healthz", "GET /metrics")
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		for _, tok := range []string{"", s.Token} {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			req, _ := http.NewRequestWithContext(ctx, method, e.ts.URL+params.Replace(path), strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				cancel()
				t.Fatalf("%s: %v", route, err)
			}
			resp.Body.Close()
			cancel()
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s → %d: X-Content-Type-Options %q, want nosniff", route, resp.StatusCode, got)
			}
			want := "no-store"
			if cacheable[route] && resp.StatusCode == http.StatusOK {
				want = "public, max-age=300"
			}
			if got := resp.Header.Get("Cache-Control"); got != want {
				t.Errorf("%s → %d: Cache-Control %q, want %q", route, resp.StatusCode, got, want)
			}
		}
	}
}

func TestSecMetrics(t *testing.T) {
	token := "a-metrics-token-of-some-length"
	e := secServer(t, server.Config{MetricsToken: token}, "")
	if resp, _ := e.do("GET", "/metrics", "", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/metrics", "", nil, secBearer(token+"x")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token: %d, want 401", resp.StatusCode)
	}
	if resp, b := e.do("GET", "/metrics", "", nil, secBearer(token)); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "parley_http_requests_total") {
		t.Errorf("/metrics with the token: %d %.200s", resp.StatusCode, b)
	}

	f := secServer(t, server.Config{MetricsElsewhere: true}, "")
	if resp, _ := f.do("GET", "/metrics", "", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main address when served elsewhere: %d, want 404", resp.StatusCode)
	}
	ms := httptest.NewServer(f.srv.MetricsHandler())
	defer ms.Close()
	resp, err := http.Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "parley_appends_total") {
		t.Errorf("/metrics on its own address: %d %.200s", resp.StatusCode, b)
	}
	// The metrics handler serves nothing else.
	if resp, err := http.Get(ms.URL + "/api/v1/info"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the metrics address serves the API: %v %v", resp.StatusCode, err)
	}
}

// Requests race on the limiter, the stream slots and the revocations;
// run with -race.
func TestSecConcurrent(t *testing.T) {
	e := secServer(t, server.Config{ReadRate: 50, SignInRate: -1, RevokedDir: t.TempDir()}, "")
	conv := secKey(t)
	if resp, b := e.found(conv, "race", "Race", ""); resp.StatusCode != http.StatusCreated {
		t.Fatalf("founding: %d %s", resp.StatusCode, b)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			k := secKey(t)
			s, _ := e.signIn(k, fmt.Sprintf("198.51.100.%d", i%3))
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if resp, _, _ := e.stream(ctx, "race", fmt.Sprintf("198.51.100.%d", i%3), secBearer(s.Token)); resp != nil {
				defer resp.Body.Close()
			}
			for range 20 {
				e.do("GET", "/api/v1/talks", fmt.Sprintf("198.51.100.%d", i%3), nil, secBearer(s.Token))
			}
			e.do("DELETE", "/api/v1/auth/session", "", nil, secBearer(s.Token))
		})
	}
	wg.Wait()
}

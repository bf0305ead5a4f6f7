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
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
)

const host = "test.parley.localhost"

// newServer starts a server over a fresh SQLite record.
func newServer(t testing.TB, cfg server.Config) (*httptest.Server, *ledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	var srv *server.Server
	l := ledger.New(st, ledger.Config{Host: host, Keys: keys, OnAppend: func(a ledger.Appended) { srv.Published(a) }})
	cfg.Host = host
	cfg.Secret = make([]byte, 32)
	rand.Read(cfg.Secret)
	srv = server.New(l, cfg)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
		st.Close()
	})
	return ts, l
}

// client is one actor's client: its own key, its own HTTP client and
// session.
type client struct {
	t     testing.TB
	base  string
	key   ed25519.PrivateKey
	hc    *http.Client
	token string
}

func newClient(t testing.TB, base string, key ed25519.PrivateKey) *client {
	return &client{t: t, base: base, key: key, hc: &http.Client{Timeout: 10 * time.Second}}
}

func (c *client) pub() string { return parley.KeyString(c.key.Public().(ed25519.PublicKey)) }

// do sends a request and returns the status and body.
func (c *client) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *client) getJSON(path string, v any) {
	c.t.Helper()
	code, b := c.do("GET", path, nil)
	if code != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, code, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
}

// signIn signs in with challenge–response.
func (c *client) signIn() {
	c.t.Helper()
	code, b := c.do("POST", "/api/v1/auth/challenge", map[string]string{"key": c.pub()})
	if code != http.StatusOK {
		c.t.Fatalf("challenge: %d %s", code, b)
	}
	var ch struct{ Challenge, Message string }
	json.Unmarshal(b, &ch)
	msg, _ := base64.StdEncoding.DecodeString(ch.Message)
	if !bytes.Equal(msg, server.SessionMessage(host, ch.Challenge)) {
		c.t.Fatalf("the challenge's message is not SessionMessage(host, challenge)")
	}
	sig := ed25519.Sign(c.key, msg)
	code, b = c.do("POST", "/api/v1/auth/session", map[string]string{"key": c.pub(), "challenge": ch.Challenge, "signature": base64.StdEncoding.EncodeToString(sig)})
	if code != http.StatusOK {
		c.t.Fatalf("session: %d %s", code, b)
	}
	var s server.SessionResponse
	json.Unmarshal(b, &s)
	c.token = s.Token
}

// post appends a signed event.
func (c *client) post(talks string, se parley.SignedEvent) (int, []byte) {
	return c.do("POST", "/api/v1/talks/"+talks+"/events", se)
}

// TestMoscowOverHTTP replays the scenario over HTTP with one client per
// actor, each signed in with its own key, and checks the acceptance points
// through the API.
func TestMoscowOverHTTP(t *testing.T) {
	ts, _ := newServer(t, server.Config{})
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]*client{}
	for _, m := range s.Cast {
		clients[ks.Public(m.ID)] = newClient(t, ts.URL, ks[m.ID])
	}
	var info struct{ Host string }
	clients[ks.Public("host")].getJSON("/api/v1/info", &info)
	origin := parley.Origin(info.Host, s.Talks)
	public := newClient(t, ts.URL, nil)
	signedIn := map[string]bool{}
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		e, err := parley.DecodeEvent(se.Bytes)
		if err != nil {
			return err
		}
		c := clients[e.Actor]
		if !signedIn[e.Actor] && e.Kind != parley.KindFoundTalks {
			c.signIn()
			signedIn[e.Actor] = true
		}
		code, b := c.post(s.Talks, se)
		if code != http.StatusCreated {
			return fmt.Errorf("%d %s", code, b)
		}
		var rec record.Receipt
		if err := json.Unmarshal(b, &rec); err != nil {
			return err
		}
		var talks server.TalksView
		public.getJSON("/api/v1/talks/"+s.Talks, &talks)
		vkey, err := ledgerKey(public, s.Talks)
		if err != nil {
			return err
		}
		if err := rec.Verify(vkey, se.Bytes, se.Sig, rec.Salt); err != nil {
			return fmt.Errorf("receipt of %s: %w", e.Kind, err)
		}
		return nil
	})
	check := func(name string) error {
		var ag server.AgreementView
		clients[ks.Public("mediator")].getJSON("/api/v1/talks/"+s.Talks+"/agreement", &ag)
		if ag.Partial {
			return fmt.Errorf("the mediator's view of the agreement is partial")
		}
		st := func(item string) string { return ag.Items[item].Status }
		switch name {
		case "step3":
			if st("D1") != agreement.StatusAgreed {
				return fmt.Errorf("D1 is %s, want agreed", st("D1"))
			}
		case "step5":
			if st("D1") != agreement.StatusAgreed || st("M1a") != agreement.StatusNotAgreed || st("M1b") != agreement.StatusNotAgreed {
				return fmt.Errorf("statuses D1 %s, M1a %s, M1b %s; want agreed, not agreed, not agreed", st("D1"), st("M1a"), st("M1b"))
			}
		case "step6", "final":
			if st("D1") != agreement.StatusNotAgreed {
				return fmt.Errorf("D1 is %s, want not agreed", st("D1"))
			}
			var roots []string
			for _, rb := range ag.Items["D1"].RootBlockers {
				roots = append(roots, rb.Party+"/"+rb.Item)
			}
			sort.Strings(roots)
			if got, want := strings.Join(roots, " "), "gov/M1a oppA/M1b oppB/M1b oppC/M1b"; got != want {
				return fmt.Errorf("D1's root blockers = %s, want %s", got, want)
			}
			var un struct {
				Options []agreement.UnlockOption `json:"options"`
			}
			clients[ks.Public("oppA")].getJSON("/api/v1/talks/"+s.Talks+"/agreement/unlock/D1", &un)
			found := false
			for _, o := range un.Options {
				if len(o.Changes) == 1 && o.Changes[0].Party == "gov" && o.Changes[0].Item == "M1a" {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("unlock options of D1 lack gov supporting M1a: %+v", un.Options)
			}
		}
		return nil
	}
	if err := s.Replay(context.Background(), app, ks, origin, check); err != nil {
		t.Fatal(err)
	}
	// The briefing over HTTP reports the refusal.
	code, b := public.do("GET", "/api/v1/talks/"+s.Talks+"/briefing?round=r2", nil)
	if code != http.StatusOK || !bytes.Contains(b, []byte("We do not trust the intentions of the host")) {
		t.Errorf("briefing: %d, want the Coalition's reason in it:\n%s", code, b)
	}
}

// ledgerKey reads the log's verifier key from the public bundle.
func ledgerKey(c *client, talks string) (string, error) {
	code, b := c.do("GET", "/api/v1/talks/"+talks+"/bundle", nil)
	if code != http.StatusOK {
		return "", fmt.Errorf("bundle: %d %s", code, b)
	}
	bd, err := record.ParseBundle(b)
	if err != nil {
		return "", err
	}
	return bd.LogKey, nil
}

// world is a small talks built over HTTP for the tests below.
type world struct {
	ts     *httptest.Server
	talks  string
	keys   map[string]ed25519.PrivateKey
	c      map[string]*client
	public *client
}

func newWorld(t testing.TB, cfg server.Config, proximity bool) *world {
	ts, _ := newServer(t, cfg)
	w := &world{ts: ts, talks: "t1", keys: map[string]ed25519.PrivateKey{}, c: map[string]*client{}, public: newClient(t, ts.URL, nil)}
	for _, n := range []string{"convener", "mediator", "gov", "opp", "observer", "stranger"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		w.keys[n] = k
		w.c[n] = newClient(t, ts.URL, k)
	}
	w.act(t, "convener", parley.KindFoundTalks, "", parley.FoundTalks{Title: "T", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}, Visibility: parley.VisParticipants, Proximity: proximity})
	w.act(t, "convener", parley.KindAddMediator, "", parley.AddMediator{Key: w.c["mediator"].pub(), Name: "M"})
	for _, p := range []string{"gov", "opp"} {
		w.act(t, "mediator", parley.KindAddParty, "", parley.AddParty{Party: p, Name: "Party " + p})
		w.act(t, "mediator", parley.KindAddActor, "", parley.AddActor{Key: w.c[p].pub(), Name: "Head " + p, Role: parley.RoleHead, Party: p})
	}
	w.act(t, "mediator", parley.KindAddActor, "", parley.AddActor{Key: w.c["observer"].pub(), Name: "Obs", Role: parley.RoleObserver})
	w.act(t, "mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r1", Title: "R", Starts: "2026-01-01", Ends: "2026-01-03"})
	for _, p := range []string{"gov", "opp"} {
		w.act(t, "mediator", parley.KindInvite, "", parley.Invitation{Round: "r1", Party: p})
		w.act(t, p, parley.KindAcceptInvitation, "", parley.Invitation{Round: "r1", Party: p})
	}
	w.act(t, "mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r1"})
	w.act(t, "mediator", parley.KindAddItem, "", parley.AddItem{Item: "D1", Title: "D", Kind: parley.ItemDocument})
	w.act(t, "mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "D1", Version: 1, Paragraphs: []string{"Text."}})
	for _, c := range w.c {
		if c != w.c["stranger"] {
			c.signIn()
		}
	}
	w.c["stranger"].signIn()
	return w
}

func (w *world) sign(t testing.TB, by, kind, vis string, payload any) parley.SignedEvent {
	e, err := parley.NewEvent(w.talks, kind, w.keys[by].Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	e.Vis = vis
	se, err := parley.Sign(parley.Origin(host, w.talks), e, w.keys[by])
	if err != nil {
		t.Fatal(err)
	}
	return se
}

func (w *world) act(t testing.TB, by, kind, vis string, payload any) int64 {
	t.Helper()
	code, b := w.c[by].post(w.talks, w.sign(t, by, kind, vis, payload))
	if code != http.StatusCreated {
		t.Fatalf("%s by %s: %d %s", kind, by, code, b)
	}
	var rec struct{ Index int64 }
	json.Unmarshal(b, &rec)
	return rec.Index
}

// TestStolenToken shows that a session token cannot forge an act: writes
// carry the actor's own signature, and the token adds nothing to it.
func TestStolenToken(t *testing.T) {
	w := newWorld(t, server.Config{}, false)
	thief := newClient(t, w.ts.URL, w.keys["stranger"])
	thief.token = w.c["gov"].token // stolen
	// With the token the thief reads as gov…
	var talks server.TalksView
	thief.getJSON("/api/v1/talks/t1", &talks)
	if talks.Viewer == nil || talks.Viewer.Party != "gov" {
		t.Fatalf("the stolen token should read as gov, got viewer %+v", talks.Viewer)
	}
	// …but cannot act as gov: an event signed with the thief's key claiming
	// gov's key fails the signature check, and one signed as itself is not
	// on the roster.
	e, _ := parley.NewEvent("t1", parley.KindSetStance, w.keys["gov"].Public().(ed25519.PublicKey), time.Now(), parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "oppose"})
	b, _ := json.Marshal(e)
	forged := parley.SignedEvent{Bytes: b, Sig: ed25519.Sign(w.keys["stranger"], parley.SignedMessage(parley.Origin(host, "t1"), b))}
	if code, body := thief.post("t1", forged); code != http.StatusUnauthorized {
		t.Errorf("forged event with a stolen token: %d %s, want 401", code, body)
	}
	own := w.sign(t, "stranger", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "oppose"})
	if code, body := thief.post("t1", own); code != http.StatusForbidden {
		t.Errorf("event signed by the thief with a stolen token: %d %s, want 403", code, body)
	}
	var item server.ItemView
	w.c["mediator"].getJSON("/api/v1/talks/t1/items/D1", &item)
	if len(item.History) != 0 {
		t.Errorf("a stance was recorded: %+v", item.History)
	}
	// A cookie session cannot write without the CSRF token.
	req, _ := http.NewRequest("POST", w.ts.URL+"/api/v1/talks/t1/events", bytes.NewReader([]byte(`{}`)))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: w.c["gov"].token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cookie write without CSRF token: %d, want 403", resp.StatusCode)
	}
}

func TestBadRequests(t *testing.T) {
	w := newWorld(t, server.Config{}, false)
	gov := w.c["gov"]
	good := w.sign(t, "gov", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"})
	goodJSON, _ := json.Marshal(good)
	raw := func(ct string, body []byte) (int, string, []byte) {
		req, _ := http.NewRequest("POST", w.ts.URL+"/api/v1/talks/t1/events", bytes.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
	forged := good
	forged.Sig = append([]byte(nil), good.Sig...)
	forged.Sig[3] ^= 1
	forgedJSON, _ := json.Marshal(forged)
	tests := []struct {
		name string
		ct   string
		body []byte
		code int
		want string
	}{
		{"bad JSON", "application/json", []byte(`{"event":`), 400, "invalid"},
		{"wrong content type", "text/plain", goodJSON, 400, "Content-Type"},
		{"huge body", "application/json", bytes.Repeat([]byte(" "), 4<<20), 413, "limit"},
		{"deep nesting", "application/json", []byte(strings.Repeat("[", 100) + strings.Repeat("]", 100)), 400, "nested"},
		{"unknown field", "application/json", []byte(`{"event":"","sig":"","x":1}`), 400, "unknown field"},
		{"invalid signature", "application/json", forgedJSON, 401, "signature"},
	}
	before := size(t, w)
	for _, tt := range tests {
		code, ct, b := raw(tt.ct, tt.body)
		if code != tt.code || ct != "application/problem+json" || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %d %s %s, want %d problem+json mentioning %q", tt.name, code, ct, b, tt.code, tt.want)
			continue
		}
		var p server.Problem
		if err := json.Unmarshal(b, &p); err != nil || p.Status != code || !strings.HasPrefix(p.Type, server.ProblemTypeBase) || p.Detail == "" {
			t.Errorf("%s: problem %s is not RFC 9457 with a stable type", tt.name, b)
		}
	}
	if after := size(t, w); after != before {
		t.Errorf("bad requests changed the log: size %d → %d", before, after)
	}
	if code, b := gov.post("t1", good); code != http.StatusCreated {
		t.Fatalf("the good event after the bad ones: %d %s", code, b)
	}
	if code, _ := gov.post("t1", good); code != http.StatusConflict {
		t.Errorf("replayed event: %d, want 409", code)
	}
}

func size(t testing.TB, w *world) int64 {
	var cp server.CheckpointJSON
	w.c["mediator"].getJSON("/api/v1/talks/t1/checkpoint", &cp)
	return cp.Size
}

func TestRateLimit(t *testing.T) {
	w := newWorld(t, server.Config{ReadRate: 5, WriteRate: 1000}, false)
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		code, b := w.c["gov"].do("GET", "/api/v1/talks/t1/checkpoint", nil)
		if code == http.StatusTooManyRequests {
			limited = true
			if !strings.Contains(string(b), "slow down") {
				t.Errorf("429 without a clear problem: %s", b)
			}
		}
	}
	if !limited {
		t.Errorf("30 quick reads at a limit of 5/s were never refused")
	}
}

// sse reads a server-sent event stream.
type sse struct {
	resp *http.Response
	r    *bufio.Reader
}

type sseMsg struct {
	id    int64
	event string
	data  string
}

func openStream(t *testing.T, c *client, talks, lastID string) *sse {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/v1/talks/"+talks+"/stream", nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream: %d %s", resp.StatusCode, b)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next returns the next message, or fails after a timeout.
func (s *sse) next(t *testing.T, timeout time.Duration) sseMsg {
	t.Helper()
	ch := make(chan sseMsg, 1)
	errc := make(chan error, 1)
	go func() {
		var m sseMsg
		for {
			line, err := s.r.ReadString('\n')
			if err != nil {
				errc <- err
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if m.event != "" {
					ch <- m
					return
				}
			case strings.HasPrefix(line, "id: "):
				m.id, _ = strconv.ParseInt(line[4:], 10, 64)
			case strings.HasPrefix(line, "event: "):
				m.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.data = line[6:]
			}
		}
	}()
	select {
	case m := <-ch:
		return m
	case err := <-errc:
		t.Fatalf("stream ended: %v", err)
	case <-time.After(timeout):
		t.Fatalf("no message within %v", timeout)
	}
	return sseMsg{}
}

// events reads messages until it has n event messages, returning their ids.
func (s *sse) events(t *testing.T, n int) []int64 {
	var ids []int64
	for len(ids) < n {
		m := s.next(t, 15*time.Second)
		if m.event == "event" {
			ids = append(ids, m.id)
		}
	}
	return ids
}

// TestStreamResume checks that a client that disconnects and reconnects
// with Last-Event-ID gets every event it missed, once, then live ones.
func TestStreamResume(t *testing.T) {
	w := newWorld(t, server.Config{}, false)
	obs := w.c["observer"]
	first := openStream(t, obs, "t1", "-1") // the whole log
	n := int(size(t, w))
	ids := first.events(t, n)
	for i, id := range ids {
		if id != int64(i) {
			t.Fatalf("backlog ids %v, want 0..%d in order", ids, n-1)
		}
	}
	// Live: a stance arrives on the open stream, with its checkpoint and
	// the agreement change.
	idx := w.act(t, "gov", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"})
	got := map[string]bool{}
	for len(got) < 3 {
		m := first.next(t, 15*time.Second)
		if m.event == "event" && m.id != idx {
			t.Fatalf("live event id %d, want %d", m.id, idx)
		}
		got[m.event] = true
	}
	last := idx
	first.resp.Body.Close()
	// While disconnected, more acts happen.
	var missed []int64
	for _, p := range []string{"opp", "gov", "opp"} {
		missed = append(missed, w.act(t, p, parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: p, Stance: "support"}))
	}
	second := openStream(t, obs, "t1", strconv.FormatInt(last, 10))
	if ids := second.events(t, len(missed)); !slices.Equal(ids, missed) {
		t.Fatalf("after resuming from %d got %v, want %v", last, ids, missed)
	}
	live := w.act(t, "gov", parley.KindStatement, "", parley.Statement{Text: "Live."})
	if ids := second.events(t, 1); ids[0] != live {
		t.Fatalf("live event after resume = %d, want %d (no duplicates, no loss)", ids[0], live)
	}
}

// TestSlowClientDropped checks that a client that does not read is dropped
// instead of holding up the others.
func TestSlowClientDropped(t *testing.T) {
	w := newWorld(t, server.Config{StreamBuffer: 4, WriteRate: -1}, false)
	slow := openStream(t, w.c["observer"], "t1", "")
	fast := openStream(t, w.c["mediator"], "t1", "")
	_ = slow // never read
	// The fast client reads all the time.
	seen := make(chan int64, 1024)
	go func() {
		defer close(seen)
		for {
			line, err := fast.r.ReadString('\n')
			if err != nil {
				return
			}
			if id, ok := strings.CutPrefix(strings.TrimSpace(line), "id: "); ok {
				n, _ := strconv.ParseInt(id, 10, 64)
				seen <- n
			}
		}
	}()
	start := time.Now()
	var last int64
	// Enough data to fill the socket buffers of the stuck client.
	for i := 0; i < 400; i++ {
		last = w.act(t, "gov", parley.KindStatement, "", parley.Statement{Text: fmt.Sprintf("statement %d %s", i, strings.Repeat("x", 60000))})
	}
	// The fast client sees every event, promptly.
	timeout := time.After(10 * time.Second)
	for got := int64(-1); got < last; {
		select {
		case id, ok := <-seen:
			if !ok {
				t.Fatalf("the fast client's stream ended at %d, before %d", got, last)
			}
			got = id
		case <-timeout:
			t.Fatalf("the fast client got up to %d, not %d", got, last)
		}
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("400 appends with a stuck client took %v", d)
	}
	code, b := w.c["mediator"].do("GET", "/metrics", nil)
	if code != 200 || !strings.Contains(string(b), `parley_streams_dropped_total{reason="slow"}`) {
		t.Errorf("the slow client was not dropped:\n%s", b)
	}
}

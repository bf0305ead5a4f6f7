package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/web"
)

const testHost = "test.parley.localhost"

// fixture is a server with the web UI over a fresh SQLite record in which
// the Moscow scenario was replayed.
type fixture struct {
	t      testing.TB
	ts     *httptest.Server
	l      *ledger.Ledger
	script *scenario.Script
	keys   scenario.Keys
	talks  string
}

type fixtureOptions struct {
	demo bool
	// steps, if > 0, replays only the script's first steps.
	steps int
	// unsealed replays the script up to its first encryption key: its
	// actors have none yet, and a caucus message is sent in plain text.
	unsealed bool
	// sandbox opens the sandbox round after the script, as the demo does.
	sandbox bool
}

func newFixture(t testing.TB, opt fixtureOptions) *fixture {
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
	l := ledger.New(st, ledger.Config{Host: testHost, Keys: keys, OnAppend: func(a ledger.Appended) { srv.Published(a) }})
	s := scenario.Moscow()
	if opt.steps > 0 {
		s.Steps = s.Steps[:opt.steps]
	}
	if opt.unsealed {
		for i, st := range s.Steps {
			if st.Kind == parley.KindEncryptionKey {
				s.Steps = s.Steps[:i]
				break
			}
		}
	}
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	var demo *server.Demo
	if opt.demo {
		demo = &server.Demo{Talks: s.Talks, Notice: s.Notice}
		for _, m := range s.Cast {
			demo.Actors = append(demo.Actors, server.DemoActor{ID: m.ID, Name: m.Name, Role: m.Role, Party: m.Party, Key: ks[m.ID], Encryption: ks.Encryption(m.ID)})
		}
		for _, q := range s.Quotations() {
			demo.Quotations = append(demo.Quotations, server.DemoQuotation{Actor: q.By.ID, Text: q.Text, Source: q.Occasion + ", as quoted in " + q.Source})
		}
	}
	ui, err := web.New(l, web.Config{Host: testHost, Demo: demo, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	srv = server.New(l, server.Config{Host: testHost, Secret: secret, Demo: demo, UI: ui, ReadRate: 10000, WriteRate: 10000})
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, err := l.Append(ctx, se)
		return err
	})
	if err := s.Replay(ctx, app, ks, l.Origin(s.Talks), nil); err != nil {
		t.Fatal(err)
	}
	if opt.sandbox {
		if err := s.ReplaySandbox(ctx, app, ks, l.Origin(s.Talks), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
		st.Close()
	})
	return &fixture{t: t, ts: ts, l: l, script: s, keys: ks, talks: s.Talks}
}

// act signs and appends an act by a cast member.
func (f *fixture) act(by, kind, vis string, payload any) *ledger.Receipt {
	f.t.Helper()
	key := f.keys[by]
	e, err := parley.NewEvent(f.talks, kind, key.Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		f.t.Fatal(err)
	}
	e.Vis = vis
	se, err := parley.Sign(f.l.Origin(f.talks), e, key)
	if err != nil {
		f.t.Fatal(err)
	}
	rec, err := f.l.Append(context.Background(), se)
	if err != nil {
		f.t.Fatalf("%s by %s: %v", kind, by, err)
	}
	return rec
}

// openRound plans and opens a new round with every party of round 2 but
// the one that declined invited.
func (f *fixture) openRound(id string) {
	f.t.Helper()
	f.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: id, Title: "Round " + id, Starts: "2015-05-04", Ends: "2015-05-08", Venue: "Moscow"})
	for _, p := range []string{"gov", "oppA", "oppB", "oppC"} {
		f.act("mediator", parley.KindInvite, "", parley.Invitation{Round: id, Party: p})
	}
	f.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: id})
}

// token signs in as a cast member with its key and returns the session
// token.
func (f *fixture) token(who string) string {
	f.t.Helper()
	tok, err := signIn(f.ts.URL, f.keys[who])
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// signIn answers the server's challenge with key and returns the session
// token.
func signIn(base string, key ed25519.PrivateKey) (string, error) {
	pub := parley.KeyString(key.Public().(ed25519.PublicKey))
	var ch struct {
		Challenge string `json:"challenge"`
		Message   string `json:"message"`
	}
	if err := postJSON(base+"/api/v1/auth/challenge", map[string]string{"key": pub}, &ch); err != nil {
		return "", err
	}
	msg, err := base64.StdEncoding.DecodeString(ch.Message)
	if err != nil {
		return "", err
	}
	var sess struct {
		Token string `json:"token"`
	}
	err = postJSON(base+"/api/v1/auth/session", map[string]string{"key": pub, "challenge": ch.Challenge, "signature": b64(ed25519.Sign(key, msg))}, &sess)
	return sess.Token, err
}

func postJSON(url string, body, out any) error {
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, data)
	}
	return json.Unmarshal(data, out)
}

// get fetches a path as the holder of token ("" for the public) and
// returns the status and body.
func (f *fixture) get(token, path string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.ts.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// page fetches a page that must answer 200.
func (f *fixture) page(token, path string) string {
	f.t.Helper()
	code, body := f.get(token, path)
	if code != http.StatusOK {
		f.t.Fatalf("GET %s: status %d, want 200; body:\n%s", path, code, body)
	}
	return body
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func urlQuery(s string) string { return url.QueryEscape(s) }

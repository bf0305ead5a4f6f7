package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
)

// A sealWorld is a talks on a "parley serve" of its own, driven by the
// command line, for the tests of the sealed caucus: the convener, the
// mediator, gov's head, gov's delegate (who joins later), opp's head, an
// observer and a stranger, each with a key file.
type sealWorld struct {
	t      *testing.T
	dir    string // the server's data directory
	work   string // the key files
	url    string
	logs   *syncBuffer // what the server logged, at debug level
	stop   func() error
	env    map[string]string
	pub    map[string]string // public signing keys by name
	token  string            // the metrics token
	pgURL  string            // the PostgreSQL database, or "" for SQLite
	marker string            // a prefix of every marker of the test
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newSealWorld(t *testing.T, db string) *sealWorld {
	t.Helper()
	w := &sealWorld{t: t, dir: t.TempDir(), work: t.TempDir(), logs: &syncBuffer{}, pub: map[string]string{}, pgURL: db}
	var b [4]byte
	rand.Read(b[:])
	w.marker = "SEALMARK" + hex.EncodeToString(b[:])
	w.token = hex.EncodeToString(make([]byte, 16)) + "metrics"
	tokenFile := filepath.Join(w.work, "metrics.token")
	if err := os.WriteFile(tokenFile, []byte(w.token), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{"PARLEY_SESSIONS": filepath.Join(w.work, "sessions.json"), "PARLEY_TALKS": "t1"}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--dir", w.dir, "--host", "seal.test", "--log-level", "debug",
		"--metrics-token-file", tokenFile, "--read-rate", "-1", "--write-rate", "-1", "--sign-in-rate", "-1"}
	if db != "" {
		args = append(args, "--db", db)
	}
	w.url, w.stop = startServeArgs(t, args, w.logs, w.getenv)
	w.env["PARLEY_SERVER"] = w.url
	for _, n := range []string{"conv", "med", "gov", "govdel", "opp", "obs", "stranger"} {
		w.pub[n] = strings.TrimSpace(w.must("keygen", "-o", w.key(n)))
	}
	return w
}

func (w *sealWorld) getenv(k string) string { return w.env[k] }

func (w *sealWorld) key(n string) string { return filepath.Join(w.work, n+".key") }

// must runs a parley command that must succeed and returns its output.
func (w *sealWorld) must(args ...string) string {
	w.t.Helper()
	out, err := cli(w.t, w.getenv, args...)
	if err != nil {
		w.t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// mark returns a new marker.
func (w *sealWorld) mark(what string) string { return w.marker + what }

// setup founds the talks for participants, with gov and opp, an observer,
// and a plain-text control message sent while no key is published.
func (w *sealWorld) setup(control string) {
	w.must("init", "--key", w.key("conv"), "--title", "Sealed talks", "--name", "Host")
	w.must("mediator", "add", w.pub["med"], "Mediator", "--key", w.key("conv"))
	w.must("party", "add", "gov", "Government", "--key", w.key("med"))
	w.must("party", "add", "opp", "Opposition", "--key", w.key("med"))
	w.must("roster", "add", w.pub["gov"], "Gov head", "--role", "head", "--party", "gov", "--key", w.key("med"))
	w.must("roster", "add", w.pub["opp"], "Opp head", "--role", "head", "--party", "opp", "--key", w.key("med"))
	w.must("roster", "add", w.pub["obs"], "Observer", "--role", "observer", "--key", w.key("med"))
	if control != "" {
		w.must("caucus", "gov", control, "--plain", "--key", w.key("gov"))
	}
	for _, n := range []string{"conv", "med", "gov", "opp", "obs"} {
		w.must("key", "publish", "--key", w.key(n))
	}
}

// startServeArgs runs "parley serve" with args through run(), its log in
// logs, and returns its URL once /healthz answers and a function that
// stops it.
func startServeArgs(t *testing.T, args []string, logs io.Writer, getenv func(string) string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, getenv, strings.NewReader(""), pw, logs)
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
	var u string
	select {
	case u = <-urlc:
	case err := <-done:
		t.Fatalf("serve ended before serving: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve printed no URL")
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return fmt.Errorf("serve did not stop within 20 s of its context ending")
		}
	}
	t.Cleanup(func() { stop() })
	return u, stop
}

// base64Runs matches runs of standard base64 in an answer.
var base64Runs = regexp.MustCompile(`[A-Za-z0-9+/]{16,}={0,2}`)

// expanded returns b followed by the decoding of every run of base64 in
// it, so that a marker inside an event's signed bytes counts as found.
func expanded(b []byte) []byte {
	out := bytes.Clone(b)
	for _, run := range base64Runs.FindAll(b, -1) {
		if d, err := base64.StdEncoding.DecodeString(string(run)); err == nil {
			out = append(append(out, '\n'), d...)
		}
	}
	return out
}

// get fetches a path with a session token ("" for none) and returns its
// status and body.
func (w *sealWorld) get(token, path string) (int, []byte) {
	w.t.Helper()
	req, err := http.NewRequest("GET", w.url+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// stream reads a live stream with its backlog from the start for a moment.
func (w *sealWorld) stream(token string) []byte {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", w.url+"/api/v1/talks/t1/stream?after=-1", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // until the deadline
	if !bytes.Contains(b, []byte("event: event")) {
		w.t.Errorf("the stream as %.8q sent no event:\n%.300s", token, b)
	}
	return b
}

// answers fetches every read route of the API, the pages, a live stream
// and /metrics as the holder of token and returns what they answered.
func (w *sealWorld) answers(token string) map[string][]byte {
	w.t.Helper()
	out := map[string][]byte{}
	_, ov := w.get(token, "/api/v1/talks/t1")
	var size int64
	if m := regexp.MustCompile(`"size":(\d+)`).FindSubmatch(ov); m != nil {
		size, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	paths := []string{"/api/v1/talks", "/api/v1/talks/t1", "/api/v1/talks/t1/events?limit=5000", "/api/v1/talks/t1/caucus/gov", "/api/v1/talks/t1/caucus/opp",
		"/api/v1/talks/t1/statements", "/api/v1/talks/t1/briefing", "/api/v1/talks/t1/agreement", "/api/v1/talks/t1/bundle", "/api/v1/talks/t1/checkpoint",
		"/talks/t1", "/talks/t1/workspace", "/talks/t1/workspace?party=gov", "/talks/t1/timeline", "/talks/t1/timeline?from=0", "/talks/t1/public", "/talks/t1/verify", "/talks/t1/dashboard"}
	for i := int64(0); i < size; i++ {
		paths = append(paths, fmt.Sprintf("/api/v1/talks/t1/receipts/%d", i), fmt.Sprintf("/api/v1/talks/t1/proofs/%d", i))
	}
	for _, p := range paths {
		code, b := w.get(token, p)
		if code >= 500 {
			w.t.Errorf("GET %s: %d %s", p, code, b)
		}
		out[p] = b
	}
	out["stream"] = w.stream(token)
	req, _ := http.NewRequest("GET", w.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("# TYPE")) {
		w.t.Fatalf("/metrics: %d %.200s", resp.StatusCode, b)
	}
	out["/metrics"] = b
	return out
}

// signIn returns a session token for a key file.
func (w *sealWorld) signIn(n string) string {
	w.t.Helper()
	k, err := readKey(w.key(n))
	if err != nil {
		w.t.Fatal(err)
	}
	c := &apiClient{base: w.url, hc: http.DefaultClient}
	s, err := c.signIn(context.Background(), k)
	if err != nil {
		w.t.Fatal(err)
	}
	return s.Token
}

// files returns every file under dir, by path.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tables returns the content of every table of the test's PostgreSQL
// schema, each row's values one after the other, bytea as raw bytes.
func tables(t *testing.T, dbURL string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	rows, err := conn.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no table in schema %s", schema)
	}
	out := map[string][]byte{}
	for _, n := range names {
		rows, err := conn.Query(ctx, "SELECT * FROM "+pgx.Identifier{schema, n}.Sanitize())
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					b.Write(v)
				default:
					fmt.Fprintf(&b, "%v", v)
				}
				b.WriteByte('\n')
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		out[n] = b.Bytes()
	}
	return out
}

// nowhere checks that no marker of the test is in any of the texts.
func (w *sealWorld) nowhere(where string, texts map[string][]byte, markers ...string) {
	w.t.Helper()
	for name, b := range texts {
		x := expanded(b)
		for _, m := range markers {
			if bytes.Contains(x, []byte(m)) {
				w.t.Errorf("%s %s holds the sealed marker %s", where, name, m)
			}
		}
	}
}

// somewhere checks that the marker is in one of the texts: the control
// that the search would find a leak.
func (w *sealWorld) somewhere(where string, texts map[string][]byte, marker string) {
	w.t.Helper()
	for _, b := range texts {
		if bytes.Contains(expanded(b), []byte(marker)) {
			return
		}
	}
	w.t.Errorf("the plain-text control %s is in no %s: the search would miss a leak", marker, where)
}

// TestSealedCaucusNowhere sends caucus messages with the command line
// against a real server, on SQLite and on PostgreSQL, and checks that each
// marker they carry is read by every recipient, and by no one else, and
// is in no byte of the database (the SQLite file and its WAL, the
// PostgreSQL tables), the data directory, the server's log, any answer of
// the API or the pages, a live stream, a bundle, or /metrics. A control
// message sent in plain text, before the keys were published, is found in
// the database by the same search.
func TestSealedCaucusNowhere(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { sealedNowhere(t, "") })
	t.Run("postgres", func(t *testing.T) { sealedNowhere(t, pgURL(t)) })
}

func sealedNowhere(t *testing.T, db string) {
	w := newSealWorld(t, db)
	control := w.mark("PLAINCONTROL")
	w.setup(control)
	byGov, byMed := w.mark("FROMGOV"), w.mark("FROMMED")
	if out := w.must("caucus", "gov", byGov+" our red lines", "--key", w.key("gov")); !strings.Contains(out, "sealed to 2 recipients") {
		t.Fatalf("caucus: %s", out)
	}
	w.must("caucus", "gov", byMed+" noted", "--key", w.key("med"))
	// A delegate who joins later reads them once gov wraps their keys
	// again for it.
	w.must("roster", "add", w.pub["govdel"], "Gov delegate", "--role", "delegate", "--party", "gov", "--key", w.key("gov"))
	w.must("key", "publish", "--key", w.key("govdel"))
	w.must("caucus", "rewrap", "gov", w.pub["govdel"], "--key", w.key("gov"))
	late := w.mark("AFTERJOIN")
	w.must("caucus", "gov", late, "--key", w.key("med"))
	sealed := []string{byGov, byMed, late}

	// Every recipient reads every message, with the command line.
	for _, n := range []string{"gov", "med", "govdel"} {
		out := w.must("caucus", "read", "gov", "--key", w.key(n))
		for _, m := range sealed {
			if !strings.Contains(out, m) {
				t.Errorf("%s does not read %s:\n%s", n, m, out)
			}
		}
		if !strings.Contains(out, control) || !strings.Contains(out, "not sealed: the host could read it") {
			t.Errorf("%s's caucus does not show the plain control as not sealed:\n%s", n, out)
		}
	}
	// The other party, the observer and a stranger may not read the
	// caucus; the convener sees its messages but cannot open them.
	for _, n := range []string{"opp", "obs", "stranger"} {
		out, err := cli(t, w.getenv, "caucus", "read", "gov", "--key", w.key(n))
		if err == nil || !strings.Contains(err.Error(), "open to that party and the mediators only") || strings.Contains(out, w.marker+"FROM") {
			t.Errorf("%s reads gov's caucus: %v\n%s", n, err, out)
		}
	}
	if out := w.must("caucus", "read", "gov", "--key", w.key("conv")); strings.Contains(out, w.marker+"FROM") || strings.Count(out, "not among its recipients") != 3 {
		t.Errorf("the convener's reading of the caucus:\n%s", out)
	}

	// What the server answers, to each viewer.
	tokens := map[string]string{"public": ""}
	for _, n := range []string{"conv", "med", "gov", "govdel", "opp", "obs", "stranger"} {
		tokens[n] = w.signIn(n)
	}
	for who, tok := range tokens {
		w.nowhere("the answer to "+who+" of", w.answers(tok), sealed...)
	}
	// The database and the data directory, while the server runs and
	// after it stopped; the server's log.
	check := func(when string) {
		all := files(t, w.dir)
		if db == "" {
			if _, ok := all[filepath.Join(w.dir, "parley.db")]; !ok {
				t.Fatalf("no parley.db in %s", w.dir)
			}
			w.somewhere("file of the data directory "+when, all, control)
		} else {
			tb := tables(t, db)
			w.nowhere("PostgreSQL table "+when, tb, sealed...)
			w.somewhere("PostgreSQL table "+when, tb, control)
		}
		w.nowhere("file "+when, all, sealed...)
	}
	if db == "" {
		if _, err := os.Stat(filepath.Join(w.dir, "parley.db-wal")); err != nil {
			t.Errorf("the running server's SQLite has no WAL to search: %v", err)
		}
	}
	check("while the server runs")
	logs := w.logs.String()
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	check("after the server stopped")
	if !strings.Contains(logs, "level=DEBUG") && !strings.Contains(logs, "level=INFO") {
		t.Errorf("the server logged nothing to search:\n%s", logs)
	}
	w.nowhere("the server's log", map[string][]byte{"": []byte(w.logs.String())}, sealed...)
}

// TestSealedTamper checks, on a local record made with the command line,
// that a sealed caucus message changed in any byte after it was signed is
// refused at append; that a sealed payload moved into another event (by
// another signer, into another party's caucus, into another talks) is
// refused; that a bundle with any byte of a sealed payload changed fails
// parley verify, naming the entry; and that parley verify's replay, given
// a validly signed message sealed to the wrong recipients, refuses it.
func TestSealedTamper(t *testing.T) {
	work := t.TempDir()
	dir := filepath.Join(work, "data")
	env := map[string]string{"PARLEY_DIR": dir, "PARLEY_TALKS": "t1", "PARLEY_SESSIONS": filepath.Join(work, "sessions.json")}
	getenv := func(k string) string { return env[k] }
	must := func(args ...string) string {
		t.Helper()
		out, err := cli(t, getenv, args...)
		if err != nil {
			t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	pub := map[string]string{}
	key := func(n string) string { return filepath.Join(work, n+".key") }
	for _, n := range []string{"conv", "med", "gov", "opp"} {
		pub[n] = strings.TrimSpace(must("keygen", "-o", key(n)))
	}
	for _, talks := range []string{"t1", "t2"} {
		env["PARLEY_TALKS"] = talks
		must("init", "--key", key("conv"), "--title", "Talks "+talks, "--name", "Host")
		must("mediator", "add", pub["med"], "Mediator", "--key", key("conv"))
		must("party", "add", "gov", "Government", "--key", key("med"))
		must("party", "add", "opp", "Opposition", "--key", key("med"))
		must("roster", "add", pub["gov"], "Gov head", "--role", "head", "--party", "gov", "--key", key("med"))
		must("roster", "add", pub["opp"], "Opp head", "--role", "head", "--party", "opp", "--key", key("med"))
		for _, n := range []string{"med", "gov", "opp"} {
			must("key", "publish", "--key", key(n))
		}
	}
	env["PARLEY_TALKS"] = "t1"
	must("caucus", "gov", "Our red lines.", "--key", key("gov"))

	ctx := context.Background()
	l, closeStore, err := openLedger(ctx, dataConfig{Dir: dir, DB: filepath.Join(dir, "parley.db"), Host: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	size, err := l.Store().Size(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := l.Store().Entries(ctx, "t1", size-1, size)
	if err != nil {
		t.Fatal(err)
	}
	en := entries[0]
	e, err := parley.DecodeEvent(en.Event)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := e.Act.(*parley.Caucus)
	if !ok || !p.IsSealed() {
		t.Fatalf("the last event is %s, not a sealed caucus message", e.Kind)
	}
	from := bytes.Index(en.Event, p.Sealed)
	if from < 0 {
		t.Fatal("the sealed payload is not in the event's bytes")
	}

	// Any byte of the sealed payload changed after signing: refused.
	for i := from; i < from+len(p.Sealed); i++ {
		bad := bytes.Clone(en.Event)
		bad[i] ^= 0x01
		if bad[i] == '"' || bad[i] == '\\' {
			bad[i] ^= 0x03
		}
		if _, err := l.Append(ctx, parley.SignedEvent{Bytes: bad, Sig: en.Sig}); err == nil {
			t.Fatalf("the event with byte %d of its sealed payload changed was appended", i-from)
		}
	}
	if n, _ := l.Store().Size(ctx, "t1"); n != size {
		t.Fatalf("the log grew from %d to %d", size, n)
	}

	// The payload moved into another event, signed afresh: refused.
	sign := func(talks, by string, payload any) error {
		k, err := readKey(key(by))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := parley.NewEvent(talks, parley.KindCaucus, k.Public().(ed25519.PublicKey), time.Now(), payload)
		if err != nil {
			t.Fatal(err)
		}
		se, err := parley.Sign(l.Origin(talks), ev, k)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Append(ctx, se)
		return err
	}
	for _, c := range []struct {
		name, talks, by, party string
	}{
		{"signed by another actor", "t1", "med", "gov"},
		{"into another party's caucus", "t1", "opp", "opp"},
		{"into another talks", "t2", "gov", "gov"},
	} {
		err := sign(c.talks, c.by, parley.Caucus{Party: c.party, Sealed: p.Sealed})
		if err == nil || !strings.Contains(err.Error(), "payload field \"sealed\"") {
			t.Errorf("the sealed payload moved %s: %v, want it refused", c.name, err)
		}
	}

	// A bundle with a byte of the sealed payload changed fails verify.
	b, err := l.Bundle(ctx, "t1", pub["gov"])
	if err != nil {
		t.Fatal(err)
	}
	idx := int(size - 1)
	verify := func(b *record.Bundle) error {
		_, err := record.Verify(b, state.NewAuthorizer(b.Origin), nil)
		return err
	}
	if err := verify(b); err != nil {
		t.Fatalf("gov's bundle does not verify: %v", err)
	}
	good := b.Entries[idx].Event
	for i := from; i < from+len(p.Sealed); i += 13 {
		bad := bytes.Clone(good)
		bad[i] ^= 0x01
		b.Entries[idx].Event = bad
		if err := verify(b); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("entry %d", idx)) {
			t.Fatalf("byte %d of the sealed payload changed in the bundle: %v, want verify to fail at entry %d", i-from, err, idx)
		}
	}
	bad := bytes.Clone(good)
	bad[from+len(p.Sealed)/2] ^= 0x01
	b.Entries[idx].Event = bad
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(work, "tampered.bundle")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, getenv, "verify", path)
	var xe *exitError
	if !errors.As(err, &xe) || xe.code != 1 || !strings.Contains(err.Error(), fmt.Sprintf("entry %d (caucus.message by %s)", idx, pub["gov"])) {
		t.Errorf("parley verify of the tampered bundle: %v\n%s", err, out)
	}

	// Verify's replay refuses a validly signed message sealed to the
	// wrong recipients, which a host that skipped its checks could have
	// recorded: its signature holds, its recipients do not.
	auth := state.NewAuthorizer(l.Origin("t1"))
	all, err := l.Store().Entries(ctx, "t1", 0, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range all {
		e, err := parley.DecodeEvent(en.Event)
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.Authorize(e, en.Index); err != nil {
			t.Fatalf("replaying %s: %v", e.Kind, err)
		}
	}
	gk, err := readKeyFile(key("gov"))
	if err != nil {
		t.Fatal(err)
	}
	onlyGov, err := seal.Seal(seal.Context{Origin: l.Origin("t1"), Kind: parley.KindCaucus, Channel: "party:gov", Sender: gk.sign.Public().(ed25519.PublicKey)},
		[]byte(`{"text":"for me alone"}`), []seal.Recipient{{Actor: gk.sign.Public().(ed25519.PublicKey), Key: gk.enc.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(onlyGov)
	fe, err := parley.NewEvent("t1", parley.KindCaucus, gk.sign.Public().(ed25519.PublicKey), time.Now(), parley.Caucus{Party: "gov", Sealed: raw})
	if err != nil {
		t.Fatal(err)
	}
	fse, err := parley.Sign(l.Origin("t1"), fe, gk.sign)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := parley.DecodeEvent(fse.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Authorize(forged, size); err == nil || !strings.Contains(err.Error(), "it is not sealed to "+pub["med"]) {
		t.Errorf("verify's replay of a message sealed to the wrong recipients: %v, want it refused naming the mediator", err)
	}
}

// TestSealedRosterFromRecord puts a lying server between the command line
// and the real one. It names, in the talks' overview, the stranger (whose
// key it holds) as a mediator, with an encryption key published in an
// event the stranger signed, which it serves as an event of the log; and,
// with a second lie, serves a record in which one signature was changed.
// The command line takes whom to seal to from the record, not from the
// overview: the caucus message is sealed to the real recipients only, and
// a record that does not verify stops it before anything is sealed.
func TestSealedRosterFromRecord(t *testing.T) {
	w := newSealWorld(t, "")
	w.setup("")
	real, err := url.Parse(w.url)
	if err != nil {
		t.Fatal(err)
	}
	// The stranger's key event, signed by the stranger for this log, as
	// the lying server serves it at an index of its choosing.
	sk, err := readKeyFile(w.key("stranger"))
	if err != nil {
		t.Fatal(err)
	}
	const fake = 9999
	ev, err := parley.NewEvent("t1", parley.KindEncryptionKey, sk.sign.Public().(ed25519.PublicKey), time.Now(), parley.EncryptionKey{Key: sk.enc.Public().String()})
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(parley.Origin("seal.test", "t1"), ev, sk.sign)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := json.Marshal(server.EventsPage{Size: fake + 1, Entries: []server.EventOrLeaf{{EventJSON: &server.EventJSON{Index: fake, Kind: ev.Kind, Actor: ev.Actor, Time: ev.Time,
		Payload: ev.Payload, Event: base64.StdEncoding.EncodeToString(se.Bytes), Sig: base64.StdEncoding.EncodeToString(se.Sig)}}}})
	var tamperBundle atomic.Bool
	proxy := httputil.NewSingleHostReverseProxy(real)
	proxy.ModifyResponse = func(r *http.Response) error {
		path := r.Request.URL.Path
		replace := func(b []byte) {
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			r.Header.Del("Content-Length")
		}
		switch {
		case path == "/api/v1/talks/t1":
			var tv map[string]any
			b, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(b, &tv); err != nil {
				return err
			}
			tv["roster"] = append(tv["roster"].([]any), map[string]any{"key": w.pub["stranger"], "name": "A mediator", "role": "mediator",
				"since": 1, "encryption_key": sk.enc.Public().String(), "encryption_key_index": fake})
			b, _ = json.Marshal(tv)
			replace(b)
		case path == "/api/v1/talks/t1/events" && r.Request.URL.Query().Get("from") == strconv.Itoa(fake):
			r.StatusCode = http.StatusOK
			replace(page)
		case path == "/api/v1/talks/t1/bundle" && tamperBundle.Load():
			b, _ := io.ReadAll(r.Body)
			// One character of the first signature changed, its form kept.
			if i := bytes.Index(b, []byte(`"sig":"`)) + len(`"sig":"`); i >= len(`"sig":"`) {
				if b[i] == 'A' {
					b[i] = 'B'
				} else {
					b[i] = 'A'
				}
			}
			replace(b)
		}
		return nil
	}
	liar := httptest.NewServer(proxy)
	defer liar.Close()
	via := func(args ...string) (string, error) {
		return cli(t, w.getenv, append(args, "--server", liar.URL)...)
	}
	out, err := via("caucus", "gov", w.mark("VIALIAR"), "--key", w.key("gov"))
	if err != nil {
		t.Fatalf("caucus through the lying server: %v\n%s", err, out)
	}
	if !strings.Contains(out, "sealed to 2 recipients") || strings.Contains(out, "A mediator") {
		t.Errorf("the caucus message through a server that names the stranger a mediator:\n%s\nwant it sealed to gov's head and the mediator only", out)
	}
	tamperBundle.Store(true)
	if out, err := via("caucus", "gov", w.mark("TAMPERED"), "--key", w.key("gov")); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("caucus through a server serving a changed record: %v\n%s", err, out)
	}
}

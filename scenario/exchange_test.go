package scenario_test

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
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/measures"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/web"
)

// exchangeServer is a Parley server on SQLite, with the web UI, serving
// the illustrative exchange as it is replayed over its API.
type exchangeServer struct {
	t      *testing.T
	ts     *httptest.Server
	l      *ledger.Ledger
	db     string
	logs   *syncBuffer
	s      *scenario.Script
	ks     scenario.Keys
	tokens map[string]string
	size   int64
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newExchangeServer(t *testing.T) *exchangeServer {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var srv *server.Server
	l := ledger.New(st, ledger.Config{Host: "demo.parley.localhost", Keys: keys, Logger: logger, OnAppend: func(a ledger.Appended) { srv.Published(a) }})
	ui, err := web.New(l, web.Config{Host: "demo.parley.localhost", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	srv = server.New(l, server.Config{Host: "demo.parley.localhost", Secret: secret, UI: ui, Logger: logger, ReadRate: -1, WriteRate: -1, SignInRate: -1, StreamsPerAddr: -1, AnonStreamsPerAddr: -1})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
		st.Close()
	})
	s := scenario.Exchange()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &exchangeServer{t: t, ts: ts, l: l, db: db, logs: logs, s: s, ks: ks, tokens: map[string]string{}}
}

// append posts a signed event to the API, as any client does.
func (x *exchangeServer) append(_ context.Context, se parley.SignedEvent) error {
	b, _ := json.Marshal(se)
	resp, err := http.Post(x.ts.URL+"/api/v1/talks/"+x.s.Talks+"/events", "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST events: %s: %s", resp.Status, body)
	}
	var rec struct {
		Index int64 `json:"index"`
	}
	if err := json.Unmarshal(body, &rec); err != nil {
		return err
	}
	x.size = rec.Index + 1
	return nil
}

// token signs in as a member of the cast ("" for the public).
func (x *exchangeServer) token(who string) string {
	x.t.Helper()
	if who == "" {
		return ""
	}
	if tok, ok := x.tokens[who]; ok {
		return tok
	}
	key := x.ks[who]
	pub := parley.KeyString(key.Public().(ed25519.PublicKey))
	var ch struct {
		Challenge string `json:"challenge"`
		Message   string `json:"message"`
	}
	x.post("/api/v1/auth/challenge", map[string]string{"key": pub}, &ch)
	msg, _ := base64.StdEncoding.DecodeString(ch.Message)
	var sess struct {
		Token string `json:"token"`
	}
	x.post("/api/v1/auth/session", map[string]string{"key": pub, "challenge": ch.Challenge, "signature": base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))}, &sess)
	x.tokens[who] = sess.Token
	return sess.Token
}

func (x *exchangeServer) post(path string, body, out any) {
	x.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(x.ts.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		x.t.Fatalf("POST %s: %s: %s", path, resp.Status, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		x.t.Fatal(err)
	}
}

// get fetches a path as a member of the cast and returns the body; a
// status other than want fails the test.
func (x *exchangeServer) get(who, path string, want int) string {
	x.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, x.ts.URL+path, nil)
	if tok := x.token(who); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		x.t.Fatalf("GET %s as %q: %s, want %d: %.400s", path, who, resp.Status, want, b)
	}
	return string(b)
}

func (x *exchangeServer) getJSON(who, path string, v any) {
	x.t.Helper()
	if err := json.Unmarshal([]byte(x.get(who, path, http.StatusOK)), v); err != nil {
		x.t.Fatalf("GET %s: %v", path, err)
	}
}

// annexTexts returns the texts of the annexes of the script, which the
// host never reads: none may appear in anything it keeps or shows.
func annexTexts(s *scenario.Script) []string {
	var out []string
	for _, st := range s.Steps {
		var p struct {
			Annex *parley.AnnexContent `json:"annex"`
		}
		if json.Unmarshal(st.Payload, &p) == nil && p.Annex != nil && p.Annex.Text != "" {
			out = append(out, p.Annex.Text)
		}
	}
	return out
}

// secrets are distinctive parts of the annexes: the entries of the lists.
var secrets = regexp.MustCompile(`[GO][0-9]-0[0-9][0-9]`)

// leaks returns the annex texts, or entries of their lists, that body
// holds, its runs of base64 decoded too.
func leaks(body string, texts []string) []string {
	var b strings.Builder
	b.WriteString(body)
	for _, run := range regexp.MustCompile(`[A-Za-z0-9+/]{16,}={0,2}`).FindAllString(body, -1) {
		if d, err := base64.StdEncoding.DecodeString(run); err == nil {
			b.WriteByte('\n')
			b.Write(d)
		}
	}
	all := b.String()
	var out []string
	for _, t := range texts {
		if strings.Contains(all, t) {
			out = append(out, t)
		}
	}
	return append(out, secrets.FindAllString(all, 3)...)
}

// TestExchange replays the illustrative exchange over the HTTP API, every
// act signed by its actor, and checks at each checkpoint, as the public,
// both parties, the verifier and the mediator: every step's status, who
// moves next, the steps done, the Opposition's support of D2 conditional
// on the Government's tranche 2, and the records; then that no annex's
// content is anywhere the host keeps or shows, to anyone, and that the
// verifier and the parties open the annexes sealed to them while the
// mediator cannot.
func TestExchange(t *testing.T) {
	x := newExchangeServer(t)
	ctx := context.Background()
	id := x.s.Talks
	texts := annexTexts(x.s)
	if len(texts) != 5 {
		t.Fatalf("the script has %d annexes, want 5", len(texts))
	}
	// A public live stream, opened once the talks exists.
	var stream *liveStream

	type row struct{ step, status string }
	const (
		nif = measures.StatusNotInForce
		wai = measures.StatusWaiting
		due = measures.StatusDue
		rep = measures.StatusReported
		don = measures.StatusDone
		con = measures.StatusConfirmed
		dis = measures.StatusDisputed
	)
	steps := []string{"X.t1.gov", "X.t1.opp", "X.t2.gov", "X.t2.opp", "X.t3.gov", "X.t3.opp"}
	rows := func(statuses ...string) []row {
		var out []row
		for i, s := range statuses {
			out = append(out, row{steps[i], s})
		}
		return out
	}
	move := func(act, step string, overdue bool) string { return fmt.Sprintf("%s %s %v", act, step, overdue) }
	type want struct {
		rows []row
		next []string
		done []string
	}
	wants := map[string]want{
		"tabled":   {rows(nif, nif, nif, nif, nif, nif), nil, nil},
		"agreed":   {rows(due, due, wai, wai, wai, wai), []string{move("step.report", "X.t1.gov", false), move("step.report", "X.t1.opp", false)}, nil},
		"tranche1": {rows(don, don, due, due, wai, wai), []string{move("step.report", "X.t2.gov", false), move("step.report", "X.t2.opp", false)}, []string{"X.t1.gov", "X.t1.opp"}},
		"reported": {rows(don, don, rep, rep, wai, wai), []string{move("step.verify", "X.t2.gov", false), move("step.verify", "X.t2.opp", false)}, []string{"X.t1.gov", "X.t1.opp"}},
		"disputed": {rows(don, don, dis, con, wai, wai), []string{move("step.report", "X.t2.gov", true)}, []string{"X.t1.gov", "X.t1.opp"}},
	}
	viewers := []string{"", "xgov", "xopp", "xverifier", "xmediator"}
	seen := map[string]bool{}
	var reportedSize int64 // the log's size at the check "reported"
	check := func(name string) error {
		seen[name] = true
		if name == "reported" {
			reportedSize = x.size
		}
		w, ok := wants[name]
		if !ok {
			return fmt.Errorf("no expectations for check %q", name)
		}
		if stream == nil {
			stream = openLive(t, x.ts.URL, id)
		}
		at := strconv.FormatInt(x.size-1, 10)
		for _, v := range viewers {
			var mv server.MeasureView
			x.getJSON(v, "/api/v1/talks/"+id+"/measures/X?at="+at, &mv)
			var got []row
			for _, s := range mv.Measure.Steps {
				got = append(got, row{s.Step.ID, s.Status})
			}
			if !slices.Equal(got, w.rows) {
				return fmt.Errorf("as %q: statuses %v, want %v", v, got, w.rows)
			}
			var next []string
			for _, m := range mv.Measure.Next {
				next = append(next, move(m.Act, m.Step, m.Overdue))
			}
			if !slices.Equal(next, w.next) {
				return fmt.Errorf("as %q: next %q, want %q", v, next, w.next)
			}
			var all server.MeasuresView
			x.getJSON(v, "/api/v1/talks/"+id+"/measures?at="+at, &all)
			if d := w.done; !slices.Equal(all.Done, d) && !(len(d) == 0 && len(all.Done) == 0) {
				return fmt.Errorf("as %q: done %q, want %q", v, all.Done, d)
			}
			if all.AsOf.Index != x.size-1 {
				return fmt.Errorf("as %q: as of #%d, want #%d", v, all.AsOf.Index, x.size-1)
			}
		}
		// The agreement: X is agreed once both support its plan; D2
		// waits on the Government's tranche 2, a step not done.
		var ag server.AgreementView
		x.getJSON("", "/api/v1/talks/"+id+"/agreement", &ag)
		if xs, ok := ag.Items["X"]; !ok || (name != "tabled") != (xs.Status == agreement.StatusAgreed) {
			return fmt.Errorf("X is %+v", ag.Items["X"])
		}
		if name != "tabled" {
			d2 := ag.Items["D2"]
			if d2.Status != agreement.StatusNotAgreed || len(d2.Blockers) != 1 || d2.Blockers[0].Party != "opp" ||
				!slices.Equal(d2.Blockers[0].MissingSteps, []string{"X.t2.gov"}) ||
				!slices.Equal(d2.RootBlockers, []agreement.RootBlocker{{Item: "D2", Stance: agreement.StanceNotDone, Step: "X.t2.gov"}}) {
				return fmt.Errorf("D2 is %+v", d2)
			}
		}
		return nil
	}
	if err := x.s.Replay(ctx, scenario.AppenderFunc(x.append), x.ks, x.l.Origin(id), check); err != nil {
		t.Fatal(err)
	}
	for n := range wants {
		if !seen[n] {
			t.Errorf("the script has no check %q", n)
		}
	}

	// Now, long after: the Government's move on tranche 2 is overdue
	// since the dispute, tranche 3 still waits on it, and the records.
	var mv server.MeasureView
	x.getJSON("", "/api/v1/talks/"+id+"/measures/X", &mv)
	if len(mv.Measure.Next) != 1 || mv.Measure.Next[0].Party != "gov" || !mv.Measure.Next[0].Overdue || !mv.Measure.Next[0].Since.Equal(time.Date(2015, 5, 13, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("now: next %+v, want gov's overdue report since the dispute", mv.Measure.Next)
	}
	if s := mv.Measure.Steps[4]; s.Status != measures.StatusWaiting || !slices.Equal(s.WaitingOn, []string{"X.t2.gov"}) {
		t.Errorf("now: tranche 3 is %s, waiting on %q", s.Status, s.WaitingOn)
	}
	g := mv.Measure.Steps[2]
	if g.Report == nil || g.Report.Quantity != 50 || !g.Report.Annex || g.Finding == nil || g.Finding.Quantity != 43 || g.Finding.Verdict != measures.Disputed || g.Finding.Note == "" {
		t.Errorf("the public sees tranche 2 of gov as %+v / %+v; want the counts, the verdict and the reason", g.Report, g.Finding)
	}
	recs, _ := json.Marshal(mv.Records)
	if want := `[{"party":"gov","on_time":["X.t1.gov"],"late":[],"in_part":[],"disputed":["X.t2.gov"],"open":["X.t3.gov"],"disputes":1},{"party":"opp","on_time":["X.t1.opp","X.t2.opp"],"late":[],"in_part":[],"disputed":[],"open":["X.t3.opp"],"disputes":0}]`; string(recs) != want {
		t.Errorf("records:\n got %s\nwant %s", recs, want)
	}

	// The implementation page, for the public: counts, dates, statuses,
	// the picture; for the verifier: whom the annexes are sealed to.
	page := x.get("", "/talks/"+id+"/measures/X", http.StatusOK)
	for _, want := range []string{"X.t2.gov", "<svg", "43", "7 of the 50 persons listed were not among those released."} {
		if !strings.Contains(page, want) {
			t.Errorf("the public's implementation page lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "<svg"), strings.Index(page, "</svg>"); i < 0 || j < i || strings.Contains(strings.ToLower(page[i:j]), "script") {
		t.Errorf("the implementation page has no picture, or one with a script")
	}
	if vp := x.get("xverifier", "/talks/"+id+"/measures/X", http.StatusOK); !strings.Contains(vp, "parley measure status --open X") {
		t.Errorf("the verifier's page does not say how to open the annexes sealed to it")
	}
	x.get("", "/talks/"+id+"/measures/X?at=3", http.StatusNotFound) // before X was on the agenda
	if past := x.get("", "/talks/"+id+"/measures/X?at="+strconv.FormatInt(reportedSize-1, 10), http.StatusOK); !strings.Contains(past, "m-reported") {
		t.Errorf("the page as of the reports of tranche 2 does not show them reported")
	}
	x.get("", "/talks/"+id+"/measures/D2", http.StatusNotFound)

	// No annex's content anywhere the host keeps or shows, to anyone.
	paths := []string{
		"/api/v1/talks/" + id, "/api/v1/talks/" + id + "/events?limit=5000", "/api/v1/talks/" + id + "/bundle",
		"/api/v1/talks/" + id + "/measures", "/api/v1/talks/" + id + "/measures/X", "/api/v1/talks/" + id + "/agreement",
		"/api/v1/talks/" + id + "/briefing", "/api/v1/talks/" + id + "/statements",
		"/talks/" + id, "/talks/" + id + "/measures/X", "/talks/" + id + "/timeline?from=0", "/talks/" + id + "/timeline",
		"/talks/" + id + "/items/X", "/talks/" + id + "/items/D2", "/talks/" + id + "/dashboard", "/talks/" + id + "/dashboard?item=D2",
		"/talks/" + id + "/public", "/talks/" + id + "/workspace",
	}
	for _, v := range viewers {
		for _, p := range paths {
			if l := leaks(x.get(v, p, http.StatusOK), texts); len(l) > 0 {
				t.Errorf("GET %s as %q shows annex content: %q", p, v, l)
			}
		}
		backlog := readStream(t, x.ts.URL, id, x.token(v))
		if !strings.Contains(backlog, "step.verify") {
			t.Errorf("the stream backlog of %q lacks the findings", v)
		}
		if l := leaks(backlog, texts); len(l) > 0 {
			t.Errorf("the stream backlog of %q shows annex content: %q", v, l)
		}
	}
	live := stream.drain()
	if !strings.Contains(live, "step.report") {
		t.Errorf("the public live stream did not carry the reports")
	}
	if l := leaks(live, texts); len(l) > 0 {
		t.Errorf("the public live stream shows annex content: %q", l)
	}
	if l := leaks(x.logs.String(), texts); len(l) > 0 {
		t.Errorf("the server's log shows annex content: %q", l)
	}
	for _, f := range []string{x.db, x.db + "-wal"} {
		if b, err := os.ReadFile(f); err == nil {
			if l := leaks(string(b), texts); len(l) > 0 {
				t.Errorf("%s holds annex content: %q", filepath.Base(f), l)
			}
		}
	}

	// The measures as of each event, answered from the Book at its mark
	// without replaying the log (view.LoadMeasures, which the API and the
	// command line use), equal those of a view of the past that replays
	// it (view.Load), for the public and the verifier.
	for _, who := range []string{"", "xverifier"} {
		key := ""
		if who != "" {
			key = parley.KeyString(x.ks[who].Public().(ed25519.PublicKey))
		}
		for at := int64(0); at < x.size; at++ {
			fast, err := view.LoadMeasures(ctx, x.l, id, key, at)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := view.Load(ctx, x.l, id, key, at)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(fast.Measures)
			b, _ := json.Marshal(slow.Measures)
			if string(a) != string(b) || fast.Size != slow.Size {
				t.Fatalf("as %q, as of #%d: the measures without replay are\n%s\n(size %d), replayed\n%s\n(size %d)", who, at, a, fast.Size, b, slow.Size)
			}
		}
	}

	// The verifier and the parties open what is sealed to them, from the
	// events the API serves; the mediator, not a recipient, cannot.
	var page1 server.EventsPage
	x.getJSON("xverifier", "/api/v1/talks/"+id+"/events?limit=5000", &page1)
	opened := map[string][]string{}
	for _, en := range page1.Entries {
		if en.EventJSON == nil {
			continue
		}
		b, _ := base64.StdEncoding.DecodeString(en.Event)
		sig, _ := base64.StdEncoding.DecodeString(en.Sig)
		e, err := parley.SignedEvent{Bytes: b, Sig: sig}.Open(x.l.Origin(id))
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind != parley.KindReportStep && e.Kind != parley.KindVerifyStep {
			continue
		}
		if _, _, carries, _ := seal.Carried(x.l.Origin(id), e); !carries {
			continue
		}
		for _, who := range []string{"xverifier", "xopp", "xgov", "xgovdel", "xmediator"} {
			pt, err := seal.OpenAct(x.l.Origin(id), e, x.ks[who].Public().(ed25519.PublicKey), []*seal.PrivateKey{x.ks.Encryption(who)}, nil)
			if who == "xmediator" {
				if err == nil || parley.ErrorCode(err) != parley.EFORBIDDEN {
					t.Errorf("the mediator opened the annex of event %d: %v", en.Index, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s cannot open the annex of event %d: %v", who, en.Index, err)
				continue
			}
			var c parley.AnnexContent
			if err := parley.DecodeStrict(pt, &c); err != nil {
				t.Fatal(err)
			}
			opened[who] = append(opened[who], c.Text)
		}
	}
	// The search above finds what it looks for.
	if l := leaks(base64.StdEncoding.EncodeToString([]byte(strings.Join(opened["xverifier"], "\n"))), texts); len(l) < len(texts) {
		t.Errorf("the search for annex content finds %d of the %d annexes opened", len(l), len(texts))
	}
	for _, who := range []string{"xverifier", "xopp", "xgov", "xgovdel"} {
		if !slices.Equal(opened[who], texts) {
			t.Errorf("%s opened %q, want every annex %q", who, opened[who], texts)
		}
	}
}

// A liveStream reads a talks' live stream in the background.
type liveStream struct {
	resp *http.Response
	mu   sync.Mutex
	b    strings.Builder
	done chan struct{}
}

func openLive(t *testing.T, base, id string) *liveStream {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/talks/" + id + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	ls := &liveStream{resp: resp, done: make(chan struct{})}
	go func() {
		defer close(ls.done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		for sc.Scan() {
			ls.mu.Lock()
			ls.b.WriteString(sc.Text() + "\n")
			ls.mu.Unlock()
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return ls
}

// drain waits for the stream to go quiet and returns what it carried.
func (ls *liveStream) drain() string {
	last := -1
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		ls.mu.Lock()
		n := ls.b.Len()
		ls.mu.Unlock()
		if n == last {
			break
		}
		last = n
	}
	ls.resp.Body.Close()
	<-ls.done
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.b.String()
}

// readStream reads a stream's backlog from the start, as the holder of
// token, until it goes quiet.
func readStream(t *testing.T, base, id, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/talks/"+id+"/stream?after=-1", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ls := &liveStream{resp: resp, done: make(chan struct{})}
	go func() {
		defer close(ls.done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		for sc.Scan() {
			ls.mu.Lock()
			ls.b.WriteString(sc.Text() + "\n")
			ls.mu.Unlock()
		}
	}()
	return ls.drain()
}

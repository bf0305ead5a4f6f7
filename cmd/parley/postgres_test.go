package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
)

// pgURL returns the URL of a fresh schema on the test PostgreSQL server,
// dropped at the end of the test. It skips when PostgreSQL is unreachable,
// unless PARLEY_REQUIRE_ALL=1.
func pgURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PARLEY_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("PARLEY_REQUIRE_ALL") == "1" {
			t.Fatalf("PostgreSQL is required (PARLEY_REQUIRE_ALL=1) but unreachable: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set PARLEY_TEST_POSTGRES): %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "parley_cmd_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// process is a "parley serve" process started from the test binary.
type process struct {
	cmd *exec.Cmd
	url string
}

// startProcess runs "parley serve" in a child process and waits for it to
// serve.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), "PARLEY_TEST_EXEC=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd}
	t.Cleanup(func() { p.stop(t) })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Parley is serving at "); ok {
				urlc <- strings.TrimSuffix(u, "/")
			}
		}
	}()
	select {
	case p.url = <-urlc:
	case <-time.After(30 * time.Second):
		t.Fatalf("parley serve did not start")
	}
	return p
}

// stop sends SIGTERM and checks the process ends gracefully.
func (p *process) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("parley serve ended with %v after SIGTERM, want a clean exit", err)
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("parley serve did not stop within 20 s of SIGTERM")
	}
}

// actor signs acts for the two-process tests.
type actor struct {
	key ed25519.PrivateKey
}

func newActor() actor {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	return actor{k}
}

func (a actor) pub() string { return parley.KeyString(a.key.Public().(ed25519.PublicKey)) }

func (a actor) sign(t *testing.T, origin, talks, kind string, payload any) parley.SignedEvent {
	e, err := parley.NewEvent(talks, kind, a.key.Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(origin, e, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return se
}

// post sends a signed event and returns the receipt's index.
func post(base, talks string, se parley.SignedEvent) (int64, error) {
	c := &apiClient{base: base, hc: &http.Client{Timeout: 30 * time.Second}}
	var rec record.Receipt
	if err := c.do(context.Background(), "POST", "/api/v1/talks/"+talks+"/events", se, &rec); err != nil {
		return -1, err
	}
	return rec.Index, nil
}

// TestTwoProcesses runs two "parley serve" processes on one PostgreSQL
// database, writes through both at once, follows the live stream of one
// while writing through the other, and verifies the exported bundle.
func TestTwoProcesses(t *testing.T) {
	db := pgURL(t)
	dir := t.TempDir() // the processes share the log keys and session secret
	p1 := startProcess(t, "--dir", dir, "--db", db, "--host", "two.test")
	p2 := startProcess(t, "--dir", dir, "--db", db, "--host", "two.test")
	const talks = "t2p"
	origin := parley.Origin("two.test", talks)
	conv, med := newActor(), newActor()
	must := func(base string, a actor, kind string, payload any) int64 {
		t.Helper()
		i, err := post(base, talks, a.sign(t, origin, talks, kind, payload))
		if err != nil {
			t.Fatalf("%s through %s: %v", kind, base, err)
		}
		return i
	}
	must(p1.url, conv, parley.KindFoundTalks, parley.FoundTalks{Title: "Two processes", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}, Visibility: parley.VisPublic})
	must(p2.url, conv, parley.KindAddMediator, parley.AddMediator{Key: med.pub(), Name: "M"})
	must(p1.url, med, parley.KindPlanRound, parley.PlanRound{Round: "r1", Title: "R", Starts: "2026-01-01", Ends: "2026-01-02"})
	var parties []actor
	for i := 0; i < 4; i++ {
		a := newActor()
		parties = append(parties, a)
		p := fmt.Sprintf("p%d", i)
		base := []string{p1.url, p2.url}[i%2]
		must(base, med, parley.KindAddParty, parley.AddParty{Party: p, Name: "Party " + p})
		must(base, med, parley.KindAddActor, parley.AddActor{Key: a.pub(), Name: "Head " + p, Role: parley.RoleHead, Party: p})
		must(base, med, parley.KindInvite, parley.Invitation{Round: "r1", Party: p})
	}
	must(p2.url, med, parley.KindOpenRound, parley.RoundRef{Round: "r1"})
	must(p1.url, med, parley.KindAddItem, parley.AddItem{Item: "D1", Title: "D", Kind: parley.ItemDocument})
	last := must(p2.url, med, parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Paragraphs: []string{"Text."}})

	// A live stream on process 2, from the start of the log.
	req, _ := http.NewRequest("GET", p2.url+"/api/v1/talks/"+talks+"/stream?after=-1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ids := make(chan int64, 1024)
	go func() {
		defer close(ids)
		r := bufio.NewReader(resp.Body)
		event := ""
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if ev, ok := strings.CutPrefix(line, "event: "); ok {
				event = ev
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok && event == "event" {
				var m struct{ Index int64 }
				json.Unmarshal([]byte(d), &m)
				ids <- m.Index
			}
			if line == "" {
				event = ""
			}
		}
	}()

	// Both processes take stances at once, each for two parties.
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[int64]bool{}
	errs := make(chan error, 200)
	for i, a := range parties {
		wg.Add(1)
		go func(i int, a actor) {
			defer wg.Done()
			base := []string{p1.url, p2.url}[i%2]
			for k := 0; k < 15; k++ {
				stance := []string{"support", "oppose", "abstain"}[k%3]
				idx, err := post(base, talks, a.sign(t, origin, talks, parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: fmt.Sprintf("p%d", i), Stance: stance}))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				acked[idx] = true
				mu.Unlock()
			}
		}(i, a)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(acked) != 60 {
		t.Fatalf("%d distinct indexes acknowledged for 60 stances", len(acked))
	}
	total := last + 1 + 60

	// The stream on process 2 sees every event, in order, once, including
	// those appended through process 1.
	timeout := time.After(15 * time.Second)
	for want := int64(0); want < total; want++ {
		select {
		case got, ok := <-ids:
			if !ok {
				t.Fatalf("the stream ended at %d of %d", want, total)
			}
			if got != want {
				t.Fatalf("the stream on process 2 sent index %d, want %d (in order, no gaps, no duplicates)", got, want)
			}
		case <-timeout:
			t.Fatalf("the stream on process 2 stopped at %d of %d events", want, total)
		}
	}

	// The bundle exported through either process verifies and holds every
	// acknowledged event, once the process has heard of the other's last
	// appends (which reach it asynchronously, by the database's
	// notifications).
	for _, p := range []*process{p1, p2} {
		c := &apiClient{base: p.url, hc: http.DefaultClient}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var data []byte
			if err := c.do(context.Background(), "GET", "/api/v1/talks/"+talks+"/bundle", nil, &data); err != nil {
				t.Fatal(err)
			}
			b, err := record.ParseBundle(data)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := record.Verify(b, state.NewAuthorizer(b.Origin), nil)
			if err != nil {
				t.Fatalf("the bundle from %s does not verify: %v", p.url, err)
			}
			if rep.Size == total {
				break
			}
			if rep.Size > total || time.Now().After(deadline) {
				t.Errorf("the bundle from %s has %d entries, want %d", p.url, rep.Size, total)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestDatabaseRestart terminates the server's database connections while
// writers append, and checks that every acknowledged event is in the
// record and that the server recovers on its own.
func TestDatabaseRestart(t *testing.T) {
	db := pgURL(t)
	dir := t.TempDir()
	p := startProcess(t, "--dir", dir, "--db", db, "--host", "restart.test")
	const talks = "trs"
	origin := parley.Origin("restart.test", talks)
	conv, med, gov := newActor(), newActor(), newActor()
	for _, a := range []struct {
		by      actor
		kind    string
		payload any
	}{
		{conv, parley.KindFoundTalks, parley.FoundTalks{Title: "Restart", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}}},
		{conv, parley.KindAddMediator, parley.AddMediator{Key: med.pub(), Name: "M"}},
		{med, parley.KindAddParty, parley.AddParty{Party: "gov", Name: "Gov"}},
		{med, parley.KindAddActor, parley.AddActor{Key: gov.pub(), Name: "G", Role: parley.RoleHead, Party: "gov"}},
	} {
		if _, err := post(p.url, talks, a.by.sign(t, origin, talks, a.kind, a.payload)); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(db)
	app := u.Query().Get("application_name")
	admin, err := pgx.Connect(context.Background(), strings.Replace(db, "application_name="+app, "application_name=admin", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())

	acked := map[string]bool{}
	failed := 0
	stop := time.After(4 * time.Second)
	kills := 0
	for n := 0; ; n++ {
		select {
		case <-stop:
		default:
			if n%40 == 20 {
				if _, err := admin.Exec(context.Background(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app); err != nil {
					t.Fatal(err)
				}
				kills++
			}
			time.Sleep(15 * time.Millisecond) // within the per-client write rate
			text := "statement " + strconv.Itoa(n)
			if _, err := post(p.url, talks, gov.sign(t, origin, talks, parley.KindStatement, parley.Statement{Text: text})); err != nil {
				failed++
				if !strings.Contains(err.Error(), "503") && !strings.Contains(err.Error(), "unavailable") && !strings.Contains(err.Error(), "internal") {
					t.Fatalf("append during the outage: %v", err)
				}
			} else {
				acked[text] = true
			}
			continue
		}
		break
	}
	if kills == 0 || len(acked) == 0 {
		t.Fatalf("the test did not exercise anything: %d kills, %d acknowledged", kills, len(acked))
	}
	// The server recovers on its own: a fresh append succeeds.
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := post(p.url, talks, gov.sign(t, origin, talks, parley.KindStatement, parley.Statement{Text: "after"}))
		if err == nil {
			acked["after"] = true
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not recover: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Every acknowledged statement is in the record, which verifies.
	c := &apiClient{base: p.url, hc: http.DefaultClient}
	var data []byte
	if err := c.do(context.Background(), "GET", "/api/v1/talks/"+talks+"/bundle", nil, &data); err != nil {
		t.Fatal(err)
	}
	b, err := record.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := record.Verify(b, state.NewAuthorizer(b.Origin), nil); err != nil {
		t.Fatalf("the record after the restarts does not verify: %v", err)
	}
	found := map[string]bool{}
	for _, en := range b.Entries {
		if e, err := parley.DecodeEvent(en.Event); err == nil && e.Kind == parley.KindStatement {
			var s parley.Statement
			json.Unmarshal(e.Payload, &s)
			found[s.Text] = true
		}
	}
	for text := range acked {
		if !found[text] {
			t.Errorf("acknowledged %q is not in the record", text)
		}
	}
	t.Logf("%d connection kills, %d appends acknowledged, %d refused during outages", kills, len(acked), failed)
}

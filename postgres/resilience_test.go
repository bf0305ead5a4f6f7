package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// terminate ends the backends of the connections named app, from conn, and
// if wait waits for them to end. It returns how many it ended.
func terminate(t *testing.T, conn *pgx.Conn, app string, wait bool) int {
	t.Helper()
	timeout := 0 // milliseconds
	if wait {
		timeout = 5000
	}
	var n int
	// The pids are chosen first, so that no other backend is terminated
	// whatever order the planner would evaluate conditions in.
	err := conn.QueryRow(context.Background(), `WITH victims AS MATERIALIZED (
	SELECT pid FROM pg_stat_activity
	WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1
)
SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, $2)) FROM victims`, app, timeout).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// isUnavailable reports whether err says the database is unreachable, as
// a caller would tell.
func isUnavailable(err error) bool {
	return parley.ErrorCode(err) == parley.EUNAVAILABLE && errors.Is(err, ErrUnavailable)
}

// A call that meets a connection whose backend ended runs again on a new
// connection, and succeeds.
func TestTerminatedConnection(t *testing.T) {
	ctx := t.Context()
	admin := adminConn(t)
	app := randomName("parley_test_")
	s := openStore(t, newSchema(t, false), "application_name", app, "pool_max_conns", "2")
	const talks = "t"
	if _, err := s.Append(ctx, talks, 0, storetest.NewEntries(talks, "a", 0, 2), storetest.Seal(talks)); err != nil {
		t.Fatal(err)
	}

	for _, call := range []struct {
		name string
		do   func() error
	}{
		{"Size", func() error { _, err := s.Size(ctx, talks); return err }},
		{"Entries", func() error { _, err := s.Entries(ctx, talks, 0, 2); return err }},
		{"ReadHashes", func() error { _, err := s.ReadHashes(ctx, talks, []int64{0, 1, 2}); return err }},
		{"Checkpoint", func() error { _, err := s.Checkpoint(ctx, talks, -1); return err }},
		{"ListTalks", func() error { _, err := s.ListTalks(ctx); return err }},
		{"FindNonce", func() error { _, _, err := s.FindNonce(ctx, talks, "x"); return err }},
		{"Append", func() error {
			at, err := s.Size(ctx, talks)
			if err != nil {
				return err
			}
			_, err = s.Append(ctx, talks, at, storetest.NewEntries(talks, "b", at, 1), storetest.Seal(talks))
			return err
		}},
	} {
		// Two connections in the pool, both just used.
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if _, err := s.pool.Exec(ctx, "SELECT pg_sleep(0.05)"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		used := time.Now()
		if n := terminate(t, admin, app, true); n != 2 {
			t.Fatalf("terminated %d connections of the store, want 2", n)
		}
		err := call.do()
		if since := time.Since(used); since > 900*time.Millisecond {
			// The pool pings a connection idle for a second before it
			// lends it, and would have found it dead.
			t.Logf("%s came %v after the connections were used; the retry was not needed", call.name, since)
		}
		if err != nil {
			t.Errorf("%s right after the store's connections were terminated: %v", call.name, err)
		}
	}
	log, _ := readLog(t, s, talks)
	if len(log) != 3 {
		t.Fatalf("the log has %d entries, want 3", len(log))
	}
}

// While the database is unreachable every call fails with EUNAVAILABLE and
// stores nothing; once it is back, calls succeed, with no new store.
func TestDatabaseUnreachable(t *testing.T) {
	ctx := t.Context()
	p := startProxy(t)
	schema := newSchema(t, false)
	s, err := Open(ctx, p.url(t, "connect_timeout", "5"), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const talks = "t"
	if _, err := s.Append(ctx, talks, 0, storetest.NewEntries(talks, "a", 0, 2), storetest.Seal(talks)); err != nil {
		t.Fatal(err)
	}

	p.down()
	es := storetest.NewEntries(talks, "b", 2, 2)
	for _, call := range []struct {
		name string
		do   func() error
	}{
		{"Size", func() error { _, err := s.Size(ctx, talks); return err }},
		{"Entries", func() error { _, err := s.Entries(ctx, talks, 0, 2); return err }},
		{"ReadHashes", func() error { _, err := s.ReadHashes(ctx, talks, []int64{0}); return err }},
		{"Checkpoint", func() error { _, err := s.Checkpoint(ctx, talks, -1); return err }},
		{"ListTalks", func() error { _, err := s.ListTalks(ctx); return err }},
		{"FindNonce", func() error { _, _, err := s.FindNonce(ctx, talks, es[0].Nonce); return err }},
		{"Append", func() error { _, err := s.Append(ctx, talks, 2, es, storetest.Seal(talks)); return err }},
		{"Open", func() error {
			s, err := Open(ctx, p.url(t, "connect_timeout", "5"), WithSchema(schema))
			if err == nil {
				s.Close()
			}
			return err
		}},
	} {
		err := call.do()
		if !isUnavailable(err) || errors.Is(err, ErrCommitUnknown) {
			t.Errorf("%s while the database is unreachable: got error %v, want code %s and ErrUnavailable", call.name, err, parley.EUNAVAILABLE)
		}
		if msg := parley.ErrorMessage(err); msg != ErrUnavailable.Message {
			t.Errorf("%s: message %q, want %q", call.name, msg, ErrUnavailable.Message)
		}
	}

	p.up()
	if n, err := s.Size(ctx, talks); n != 2 || err != nil {
		t.Fatalf("Size once the database is back = %d, %v; want 2 (the failed append stored nothing)", n, err)
	}
	if _, err := s.Append(ctx, talks, 2, es, storetest.Seal(talks)); err != nil {
		t.Fatalf("Append once the database is back: %v", err)
	}
	log, _ := readLog(t, s, talks)
	if len(log) != 4 || log[3].Nonce != es[1].Nonce {
		t.Errorf("the log has %d entries, want 4 ending with the append made once the database was back", len(log))
	}
}

// When the connection is lost while the append commits, the store cannot
// know whether the commit took place: it says so, and FindNonce tells.
func TestCommitUnknown(t *testing.T) {
	ctx := t.Context()
	p := startProxy(t)
	s, err := Open(ctx, p.url(t), WithSchema(newSchema(t, false)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const talks = "t"
	if _, err := s.Append(ctx, talks, 0, storetest.NewEntries(talks, "a", 0, 1), storetest.Seal(talks)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		trap   trap
		stored bool
	}{
		{"lost before the database committed", dropCommit, false},
		{"lost after the database committed", dropCommitted, true},
	} {
		at, err := s.Size(ctx, talks)
		if err != nil {
			t.Fatal(err)
		}
		es := storetest.NewEntries(talks, tc.name, at, 2)
		p.setTrap(tc.trap)
		_, err = s.Append(ctx, talks, at, es, storetest.Seal(talks))
		if !errors.Is(err, ErrCommitUnknown) || parley.ErrorCode(err) != parley.EUNAVAILABLE {
			t.Errorf("%s: got error %v, want ErrCommitUnknown", tc.name, err)
		}
		for i, e := range es {
			idx, ok, err := s.FindNonce(ctx, talks, e.Nonce)
			if err != nil || ok != tc.stored || (ok && idx != at+int64(i)) {
				t.Errorf("%s: FindNonce of entry %d = %d, %v, %v; want stored %v at %d", tc.name, i, idx, ok, err, tc.stored, at+int64(i))
			}
		}
		_, err = s.Checkpoint(ctx, talks, at+2)
		if (err == nil) != tc.stored {
			t.Errorf("%s: Checkpoint(%d): %v; want stored %v", tc.name, at+2, err, tc.stored)
		}
	}
	readLog(t, s, talks)
}

// An append whose connection ends while it holds the lock and seals fails
// with EUNAVAILABLE and stores nothing.
func TestTerminatedWhileSealing(t *testing.T) {
	ctx := t.Context()
	admin := adminConn(t)
	app := randomName("parley_test_")
	s := openStore(t, newSchema(t, false), "application_name", app, "pool_max_conns", "1")
	const talks = "t"
	if _, err := s.Append(ctx, talks, 0, storetest.NewEntries(talks, "a", 0, 2), storetest.Seal(talks)); err != nil {
		t.Fatal(err)
	}
	es := storetest.NewEntries(talks, "b", 2, 3)
	_, err := s.Append(ctx, talks, 2, es, func(size int64, root parley.Hash) ([]byte, error) {
		if n := terminate(t, admin, app, true); n != 1 {
			t.Errorf("terminated %d connections of the store, want 1", n)
		}
		return storetest.Note(talks, size, root), nil
	})
	if !isUnavailable(err) {
		t.Fatalf("Append whose connection ended while sealing: got error %v, want code %s and ErrUnavailable", err, parley.EUNAVAILABLE)
	}
	if errors.Is(err, ErrCommitUnknown) {
		t.Errorf("the append failed before committing, but its error says the outcome is unknown: %v", err)
	}
	for _, e := range es {
		if _, ok, err := s.FindNonce(ctx, talks, e.Nonce); ok || err != nil {
			t.Fatalf("FindNonce of an entry of the failed append = %v, %v; want false, nil", ok, err)
		}
	}
	if n, err := s.Size(ctx, talks); n != 2 || err != nil {
		t.Fatalf("Size after the failed append = %d, %v; want 2", n, err)
	}
	if _, err := s.Checkpoint(ctx, talks, 5); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("Checkpoint(5) after the failed append: got error %v, want code %s", err, parley.ENOTFOUND)
	}
	if _, err := s.Append(ctx, talks, 2, es, storetest.Seal(talks)); err != nil {
		t.Fatalf("the same append again: %v", err)
	}
	if i, ok, err := s.FindNonce(ctx, talks, es[1].Nonce); i != 3 || !ok || err != nil {
		t.Errorf("FindNonce = %d, %v, %v; want 3, true, nil", i, ok, err)
	}
	readLog(t, s, talks)
}

// Two stores append to one talks while their connections are terminated
// again and again: every acknowledged append is in the log, no failed one
// is, the log holds together, and appends succeed once the terminations
// stop.
func TestTerminatedUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of load; skipped with -short")
	}
	ctx := t.Context()
	admin := adminConn(t)
	app := randomName("parley_test_")
	schema := newSchema(t, false)
	stores := []*Store{
		openStore(t, schema, "application_name", app, "pool_max_conns", "3"),
		openStore(t, schema, "application_name", app, "pool_max_conns", "3"),
	}
	const (
		talks   = "load"
		workers = 2 // per store
		kills   = 30
	)
	var (
		mu                      sync.Mutex
		acked, failed, unknown  []batch
		unavailable, staleCount atomic.Int64
		stop                    = make(chan struct{})
		wg                      sync.WaitGroup
	)
	for si, s := range stores {
		for w := range workers {
			wg.Go(func() {
				for i := 0; i < 100000; i++ {
					select {
					case <-stop:
						return
					default:
					}
					at, err := s.Size(ctx, talks)
					if isUnavailable(err) {
						unavailable.Add(1)
						continue
					}
					if err != nil {
						t.Errorf("Size: %v", err)
						return
					}
					es := storetest.NewEntries(talks, fmt.Sprintf("s%d-w%d-%d", si, w, i), 0, 1+i%5)
					c, err := s.Append(ctx, talks, at, es, storetest.Seal(talks))
					mu.Lock()
					switch {
					case err == nil:
						acked = append(acked, batch{entries: es, cp: c})
					case errors.Is(err, parley.ErrStale):
						staleCount.Add(1)
					case errors.Is(err, ErrCommitUnknown):
						unknown = append(unknown, batch{entries: es})
					case isUnavailable(err):
						unavailable.Add(1)
						failed = append(failed, batch{entries: es})
					default:
						t.Errorf("Append at %d: %v", at, err)
						mu.Unlock()
						return
					}
					mu.Unlock()
				}
			})
		}
	}
	terminated := 0
	for k := 0; k < kills && !t.Failed(); k++ {
		time.Sleep(time.Duration(20+k*7%60) * time.Millisecond)
		terminated += terminate(t, admin, app, false)
	}
	close(stop)
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d connections terminated; %d appends acknowledged, %d failed, %d of unknown outcome; %d calls unavailable, %d stale appends",
		terminated, len(acked), len(failed), len(unknown), unavailable.Load(), staleCount.Load())
	if unavailable.Load() == 0 || len(acked) == 0 {
		t.Fatalf("%d calls failed as unavailable and %d appends were acknowledged; the test needs both", unavailable.Load(), len(acked))
	}

	// Appends work again, through either store, without waiting.
	for si, s := range stores {
		for i := range 3 {
			at, err := s.Size(ctx, talks)
			if err != nil {
				t.Fatalf("store %d: Size after the terminations: %v", si, err)
			}
			es := storetest.NewEntries(talks, fmt.Sprintf("after-s%d-%d", si, i), 0, 2)
			c, err := s.Append(ctx, talks, at, es, storetest.Seal(talks))
			if err != nil {
				t.Fatalf("store %d: Append after the terminations: %v", si, err)
			}
			acked = append(acked, batch{entries: es, cp: c})
		}
	}

	log, cps := readLog(t, stores[0], talks)
	found := checkBatches(t, log, cps, acked, failed, unknown)
	if found != len(log) {
		t.Fatalf("the log has %d entries but the appends account for %d", len(log), found)
	}
}

package ledger_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
)

// signAt signs an act by a fixture's actor with the given time.
func (f *fixture) signAt(t testing.TB, by string, at time.Time, kind string, payload any) parley.SignedEvent {
	t.Helper()
	e, err := parley.NewEvent("t1", kind, f.keys[by].Public().(ed25519.PublicKey), at, payload)
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(parley.Origin(host, "t1"), e, f.keys[by])
	if err != nil {
		t.Fatal(err)
	}
	return se
}

// TestEventTimeAhead checks that an act whose time is more than
// MaxAhead past the ledger's clock is refused when it is appended, and
// that a record holding such times still loads.
func TestEventTimeAhead(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	now := time.Now()
	if _, err := f.l.Append(ctx, f.signAt(t, "p0", now.Add(ledger.MaxAhead-time.Minute), parley.KindStatement, parley.Statement{Text: "Soon."})); err != nil {
		t.Fatalf("an act %v ahead: %v", ledger.MaxAhead-time.Minute, err)
	}
	_, err := f.l.Append(ctx, f.signAt(t, "p0", now.Add(ledger.MaxAhead+time.Minute), parley.KindStatement, parley.Statement{Text: "Later."}))
	if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(err.Error(), "clock") {
		t.Fatalf("an act %v ahead: got %v, want code %s saying the signer's clock is wrong", ledger.MaxAhead+time.Minute, err, parley.EINVALID)
	}
	// A ledger whose clock is far behind every event of the record
	// loads it: replaying holds no event to the clock.
	keys, err := ledger.NewKeys(filepath.Join(f.dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	past := ledger.New(f.st, ledger.Config{Host: host, Keys: keys, Now: func() time.Time { return time.Date(2015, 4, 6, 0, 0, 0, 0, time.UTC) }})
	if err := past.View(ctx, "t1", func(s *state.Talks, _ parley.Checkpoint) error { return nil }); err != nil {
		t.Fatalf("loading with a clock in 2015: %v", err)
	}
	if _, err := past.Append(ctx, f.sign(t, "p0", parley.KindStatement, parley.Statement{Text: "Now."})); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("appending an act of today with a clock in 2015: got %v, want code %s", err, parley.EINVALID)
	}
}

// TestCheck checks what Check says of an intact log, and that it writes
// nothing.
func TestCheck(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	f.l.WaitKept()
	before := digest(t, f.dir)
	keys, err := ledger.NewKeys(filepath.Join(f.dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ledger.New(f.st, ledger.Config{Host: host, Keys: keys}).Check(ctx, "t1", nil)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := f.st.Checkpoint(ctx, "t1", -1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != latest.Size || c.Root != latest.Root || c.Kept != latest.Size || c.LogKey != f.vkey {
		t.Errorf("Check = %+v; want size %d, root %x, kept %d, key %s", c, latest.Size, latest.Root, latest.Size, f.vkey)
	}
	if after := digest(t, f.dir); after != before {
		t.Error("Check changed the files of the record")
	}
	if _, err := ledger.New(f.st, ledger.Config{Host: host, Keys: keys}).Check(ctx, "nowhere", nil); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("checking a talks that does not exist: got %v, want code %s", err, parley.ENOTFOUND)
	}
}

// TestChangedAfterLoad changes a stored event while the ledger holds its
// log: serving it refuses the talks, and the log is refused from then on.
func TestChangedAfterLoad(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	if _, _, err := f.l.Entries(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE entries SET salt = zeroblob(32) WHERE key = ((SELECT no FROM talks WHERE id = 't1') << 40) + 3`); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.l.Entries(ctx, "t1")
	if parley.ErrorCode(err) != parley.ECORRUPT || !strings.HasPrefix(err.Error(), "entry 3 of talks t1: ") {
		t.Fatalf("serving a changed entry: got %v, want code %s naming entry 3", err, parley.ECORRUPT)
	}
	if _, err := f.l.Append(ctx, f.sign(t, "p0", parley.KindStatement, parley.Statement{Text: "x"})); parley.ErrorCode(err) != parley.ECORRUPT {
		t.Errorf("appending after: got %v, want code %s", err, parley.ECORRUPT)
	}
	if _, err := f.l.Receipt(ctx, "t1", 0); parley.ErrorCode(err) != parley.ECORRUPT {
		t.Errorf("a receipt after: got %v, want code %s", err, parley.ECORRUPT)
	}
}

// TestBundleOfChangedEntry changes a stored event while the ledger holds
// its log: the bundle that would carry it is refused, and the talks with it.
func TestBundleOfChangedEntry(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	if _, err := f.l.Bundle(ctx, "t1", ""); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE entries SET sig = zeroblob(64) WHERE key = ((SELECT no FROM talks WHERE id = 't1') << 40) + 2`); err != nil {
		t.Fatal(err)
	}
	_, err = f.l.Bundle(ctx, "t1", "")
	if parley.ErrorCode(err) != parley.ECORRUPT || !strings.HasPrefix(err.Error(), "entry 2 of talks t1: ") {
		t.Fatalf("a bundle with a changed entry: got %v, want code %s naming entry 2", err, parley.ECORRUPT)
	}
	if err := f.l.View(ctx, "t1", func(*state.Talks, parley.Checkpoint) error { return nil }); parley.ErrorCode(err) != parley.ECORRUPT {
		t.Errorf("viewing after: got %v, want code %s", err, parley.ECORRUPT)
	}
}

// failingStore fails to read entries once told to.
type failingStore struct {
	parley.Store
	mu   sync.Mutex
	fail bool
}

func (s *failingStore) Entries(ctx context.Context, talks string, from, to int64) ([]parley.Entry, error) {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail {
		return nil, parley.Errorf(parley.EUNAVAILABLE, "the database is away")
	}
	return s.Store.Entries(ctx, talks, from, to)
}

// notifier reports appends a test makes up.
type notifier chan [2]any

func (n notifier) Notify(ctx context.Context, f func(talks string, size int64)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m, ok := <-n:
			if !ok {
				return errors.New("notifications ended")
			}
			f(m[0].(string), m[1].(int64))
		}
	}
}

// syncBuffer is a buffer safe for a logger's concurrent writes.
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

// TestCatchUp checks a ledger that follows another process's appends:
// what it catches up with is checked, a failure to catch up is logged and
// counted, and a changed entry appended by the other process refuses the
// talks.
func TestCatchUp(t *testing.T) {
	f := newFixture(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys, err := ledger.NewKeys(filepath.Join(f.dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	st := &failingStore{Store: f.st}
	var logs syncBuffer
	var mu sync.Mutex
	var failures []string
	l2 := ledger.New(st, ledger.Config{Host: host, Keys: keys, Shared: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		OnCatchUpError: func(talks string, err error) {
			mu.Lock()
			failures = append(failures, talks+": "+err.Error())
			mu.Unlock()
		}})
	size := func() int64 {
		var n int64
		if err := l2.View(ctx, "t1", func(s *state.Talks, _ parley.Checkpoint) error { n = s.Size; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	n0 := size()
	notes := make(notifier)
	done := make(chan struct{})
	go func() { defer close(done); l2.Follow(ctx, notes) }()
	// The other process (f.l) appends; l2 hears of it and catches up.
	f.must(t, "p0", parley.KindStatement, parley.Statement{Text: "One."})
	notes <- [2]any{"t1", n0 + 1}
	waitFor(t, func() bool { return size() == n0+1 })

	// The store fails while catching up: logged and counted.
	st.mu.Lock()
	st.fail = true
	st.mu.Unlock()
	f.must(t, "p0", parley.KindStatement, parley.Statement{Text: "Two."})
	notes <- [2]any{"t1", n0 + 2}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(failures) == 1 })
	if !strings.Contains(failures[0], "the database is away") || !strings.Contains(logs.String(), "catching up with the appends of other processes failed") {
		t.Errorf("failure %q, log %q: want the store's error counted and logged", failures[0], logs.String())
	}
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()

	// The other process's next entry is changed in the store before l2
	// reads it: l2 refuses the talks.
	f.must(t, "p0", parley.KindStatement, parley.Statement{Text: "Three."})
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE entries SET event = CAST(replace(CAST(event AS TEXT), 'Three.', 'Thr3e.') AS BLOB) WHERE key = ((SELECT no FROM talks WHERE id = 't1') << 40) + ?`, n0+2); err != nil {
		t.Fatal(err)
	}
	notes <- [2]any{"t1", n0 + 3}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(failures) == 2 })
	err = l2.View(ctx, "t1", func(*state.Talks, parley.Checkpoint) error { return nil })
	if want := fmt.Sprintf("entry %d of talks t1: the stored signature does not verify", n0+2); parley.ErrorCode(err) != parley.ECORRUPT || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("after catching up with a changed entry: got %v, want code %s, %q", err, parley.ECORRUPT, want)
	}
	// The notifications end: logged, and Follow listens again.
	close(notes)
	waitFor(t, func() bool {
		return strings.Contains(logs.String(), "listening for the appends of other processes failed")
	})
	cancel()
	<-done
}

// waitFor waits up to 10 seconds for cond to hold.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKeptCheckpoint checks the checkpoint kept outside the database: it
// is the latest the log committed; writers, in any order and from several
// ledgers at once, never make it go back; a note that the log did not sign
// is never written; and one at the size of the kept one with another root
// is left, and reported.
func TestKeptCheckpoint(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	f.l.WaitKept()
	path := filepath.Join(f.dir, "logkeys", "t1.checkpoint")
	read := func() *record.Checkpoint {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := record.OpenCheckpoint(b, f.vkey)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	latest, err := f.st.Checkpoint(ctx, "t1", -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Size != latest.Size || got.Root != latest.Root {
		t.Fatalf("kept checkpoint of size %d, want the latest, %d", got.Size, latest.Size)
	}
	// Every checkpoint the store holds, written at once in every order.
	var notes [][]byte
	for n := int64(1); n <= latest.Size; n++ {
		cp, err := f.st.Checkpoint(ctx, "t1", n)
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, cp.Note)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(f.dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range notes {
				note := notes[(i*7+w*3)%len(notes)]
				if err := ledger.Keep(keys, "t1", f.vkey, note); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := read(); got.Size != latest.Size {
		t.Errorf("after concurrent writes the kept checkpoint has size %d, want %d", got.Size, latest.Size)
	}
	if err := ledger.Keep(keys, "t1", f.vkey, notes[0]); err != nil || read().Size != latest.Size {
		t.Errorf("writing an older checkpoint: %v; the kept one has size %d, want %d", err, read().Size, latest.Size)
	}
	// A note signed by another key is not written.
	skey, _, err := record.GenerateLogKey(parley.Origin(host, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := record.NewSealer(skey)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := sealer.Seal(latest.Size+10, parley.Hash{1})
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.Keep(keys, "t1", f.vkey, forged); err == nil || read().Size != latest.Size {
		t.Errorf("writing a checkpoint of another key: %v; want an error and the kept one unchanged", err)
	}
	// Another root at the kept size: the log signed two histories.
	other, err := record.NewSealer(f.skey(t))
	if err != nil {
		t.Fatal(err)
	}
	fork, err := other.Seal(latest.Size, parley.Hash{2})
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.Keep(keys, "t1", f.vkey, fork); parley.ErrorCode(err) != parley.ECORRUPT || !strings.Contains(err.Error(), "fork") || read().Root != latest.Root {
		t.Errorf("writing another root at the kept size: %v; want code %s naming a fork, and the kept one unchanged", err, parley.ECORRUPT)
	}
}

// skey reads the log signing key of t1.
func (f *fixture) skey(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join(f.dir, "logkeys", "t1.logkey"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitN(string(b), "\n", 2)[0]
}

package ledger_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/state"
)

// fixture is a ledger over SQLite in a temporary directory with a founded
// talks, a mediator and a party at an open round with an item.
type fixture struct {
	dir  string
	l    *ledger.Ledger
	st   *sqlite.Store
	keys map[string]ed25519.PrivateKey
	vkey string
}

const host = "test.example"

func newFixture(t testing.TB, parties int) *fixture {
	t.Helper()
	return newFixtureIn(t, t.TempDir(), parties)
}

// newFixtureIn is newFixture with the database and keys in dir.
func newFixtureIn(t testing.TB, dir string, parties int) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{dir: dir, st: st, l: ledger.New(st, ledger.Config{Host: host, Keys: keys, KeepCheckpoints: true}), keys: map[string]ed25519.PrivateKey{}}
	t.Cleanup(func() { f.l.Close() })
	for _, n := range []string{"convener", "mediator", "stranger"} {
		f.key(n)
	}
	f.must(t, "convener", parley.KindFoundTalks, parley.FoundTalks{Title: "T", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}})
	f.must(t, "convener", parley.KindAddMediator, parley.AddMediator{Key: f.pub("mediator"), Name: "M"})
	f.must(t, "mediator", parley.KindPlanRound, parley.PlanRound{Round: "r1", Title: "R", Starts: "2026-01-01", Ends: "2026-01-02"})
	for i := 0; i < parties; i++ {
		p := fmt.Sprintf("p%d", i)
		f.key(p)
		f.must(t, "mediator", parley.KindAddParty, parley.AddParty{Party: p, Name: "Party " + p})
		f.must(t, "mediator", parley.KindAddActor, parley.AddActor{Key: f.pub(p), Name: "Head " + p, Role: parley.RoleHead, Party: p})
		f.must(t, "mediator", parley.KindInvite, parley.Invitation{Round: "r1", Party: p})
	}
	f.must(t, "mediator", parley.KindOpenRound, parley.RoundRef{Round: "r1"})
	f.must(t, "mediator", parley.KindAddItem, parley.AddItem{Item: "D1", Title: "D", Kind: parley.ItemDocument})
	f.must(t, "mediator", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 1, Paragraphs: []string{"Text."}})
	f.vkey, err = f.l.VerifierKey(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) key(name string) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	f.keys[name] = k
}

func (f *fixture) pub(name string) string {
	return parley.KeyString(f.keys[name].Public().(ed25519.PublicKey))
}

func (f *fixture) sign(t testing.TB, by, kind string, payload any) parley.SignedEvent {
	e, err := parley.NewEvent("t1", kind, f.keys[by].Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(parley.Origin(host, "t1"), e, f.keys[by])
	if err != nil {
		t.Fatal(err)
	}
	return se
}

func (f *fixture) must(t testing.TB, by, kind string, payload any) *ledger.Receipt {
	t.Helper()
	rec, err := f.l.Append(context.Background(), f.sign(t, by, kind, payload))
	if err != nil {
		t.Fatalf("%s by %s: %v", kind, by, err)
	}
	return rec
}

// digest hashes every file under dir, so that a test can tell that
// nothing on disk changed.
func digest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		// SQLite's -shm file is a shared-memory index of the WAL that
		// readers update with their read marks; it holds no data.
		if err != nil || d.IsDir() || strings.HasSuffix(path, "-shm") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %x\n", path, sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestRefusedEventsChangeNothing(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	good := f.sign(t, "p0", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "p0", Stance: "support"})
	if _, err := f.l.Append(ctx, good); err != nil {
		t.Fatal(err)
	}
	bad := func() parley.SignedEvent {
		se := f.sign(t, "p1", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "p1", Stance: "support"})
		se.Sig[0] ^= 1
		return se
	}
	huge := f.sign(t, "p0", parley.KindStatement, parley.Statement{Text: strings.Repeat("a", parley.MaxTextSize+1)})
	tests := []struct {
		name string
		se   parley.SignedEvent
		code string
	}{
		{"replayed nonce", good, parley.ECONFLICT},
		{"forged signature", bad(), parley.EUNAUTHORIZED},
		{"wrong-role signer", f.sign(t, "p0", parley.KindTableVersion, parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"x"}}), parley.EFORBIDDEN},
		{"stranger", f.sign(t, "stranger", parley.KindStatement, parley.Statement{Text: "x"}), parley.EFORBIDDEN},
		{"other party", f.sign(t, "p0", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "p1", Stance: "oppose"}), parley.EFORBIDDEN},
		{"oversize text", huge, parley.ETOOLARGE},
		{"unknown payload field", f.sign(t, "p0", parley.KindStatement, map[string]string{"text": "x", "extra": "y"}), parley.EINVALID},
		{"invalid UTF-8", f.resign(t, "p0", f.sign(t, "p0", parley.KindStatement, parley.Statement{Text: "a-b"}), "a-b", "a\xffb"), parley.EINVALID},
		{"unknown kind", f.resign(t, "p0", f.sign(t, "p0", parley.KindStatement, parley.Statement{Text: "x"}), parley.KindStatement, "statement.shout"), parley.EINVALID},
		{"new talks without founding", f.signOther(t, "t2"), parley.ENOTFOUND},
		{"founding refused", f.signFound(t, "t3", ""), parley.EINVALID},
	}
	f.l.WaitKept() // the checkpoint of the good event, kept outside the database
	before := digest(t, f.dir)
	for _, tt := range tests {
		_, err := f.l.Append(ctx, tt.se)
		if err == nil {
			t.Errorf("%s: accepted, want refused", tt.name)
			continue
		}
		if got := parley.ErrorCode(err); got != tt.code {
			t.Errorf("%s: code %s (%v), want %s", tt.name, got, err, tt.code)
		}
	}
	if after := digest(t, f.dir); after != before {
		t.Errorf("refused events changed the files of the record")
	}
}

// resign replaces old by new in the bytes of se and signs them again.
func (f *fixture) resign(t testing.TB, by string, se parley.SignedEvent, old, new string) parley.SignedEvent {
	b := []byte(strings.Replace(string(se.Bytes), old, new, 1))
	return parley.SignedEvent{Bytes: b, Sig: ed25519.Sign(f.keys[by], parley.SignedMessage(parley.Origin(host, "t1"), b))}
}

func (f *fixture) signOther(t testing.TB, talks string) parley.SignedEvent {
	e, _ := parley.NewEvent(talks, parley.KindStatement, f.keys["convener"].Public().(ed25519.PublicKey), time.Now(), parley.Statement{Text: "x"})
	se, err := parley.Sign(parley.Origin(host, talks), e, f.keys["convener"])
	if err != nil {
		t.Fatal(err)
	}
	return se
}

func (f *fixture) signFound(t testing.TB, talks, title string) parley.SignedEvent {
	e, _ := parley.NewEvent(talks, parley.KindFoundTalks, f.keys["convener"].Public().(ed25519.PublicKey), time.Now(), parley.FoundTalks{Title: title, ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}})
	se, err := parley.Sign(parley.Origin(host, talks), e, f.keys["convener"])
	if err != nil {
		t.Fatal(err)
	}
	return se
}

// TestConcurrentAppends checks that many writers get receipts that verify,
// and that every checkpoint the log signed is consistent with every later
// one: the log never signs two views of history.
func TestConcurrentAppends(t *testing.T) {
	f := newFixture(t, 16)
	ctx := context.Background()
	var wg sync.WaitGroup
	recs := make(chan *ledger.Receipt, 16*20)
	errs := make(chan error, 16*20)
	for w := 0; w < 16; w++ {
		// Sign in this goroutine: f.sign may call t.Fatal, which only the
		// test's own goroutine may do.
		p := fmt.Sprintf("p%d", w)
		var signed []parley.SignedEvent
		for i := 0; i < 20; i++ {
			stance := []string{"support", "oppose", "abstain"}[i%3]
			signed = append(signed, f.sign(t, p, parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: p, Stance: stance}))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, se := range signed {
				rec, err := f.l.Append(ctx, se)
				if err != nil {
					errs <- err
					return
				}
				if err := rec.Verify(f.vkey, se.Bytes, se.Sig, rec.Salt); err != nil {
					errs <- fmt.Errorf("receipt %d: %w", rec.Index, err)
				}
				recs <- rec
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(recs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for r := range recs {
		if seen[r.Index] {
			t.Fatalf("two receipts for index %d", r.Index)
		}
		seen[r.Index] = true
	}
	size, err := f.st.Size(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(seen)) + 6 + 3*16; size != want {
		t.Errorf("log size = %d, want %d", size, want)
	}
	// Every stored checkpoint verifies and is consistent with the latest.
	latest, err := f.st.Checkpoint(ctx, "t1", -1)
	if err != nil {
		t.Fatal(err)
	}
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		hs, err := f.st.ReadHashes(ctx, "t1", idx)
		out := make([]tlog.Hash, len(hs))
		for i, h := range hs {
			out[i] = tlog.Hash(h)
		}
		return out, err
	})
	batches := 0
	for n := int64(1); n <= latest.Size; n++ {
		cp, err := f.st.Checkpoint(ctx, "t1", n)
		if parley.ErrorCode(err) == parley.ENOTFOUND {
			continue // inside a group commit: no checkpoint at this size
		}
		if err != nil {
			t.Fatal(err)
		}
		batches++
		if _, err := record.OpenCheckpoint(cp.Note, f.vkey); err != nil {
			t.Fatalf("checkpoint %d: %v", n, err)
		}
		if n == latest.Size {
			continue
		}
		proof, err := record.ProveConsistency(hr, n, latest.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := record.CheckConsistency(proof, n, cp.Root, latest.Size, latest.Root); err != nil {
			t.Fatalf("checkpoint %d is not consistent with checkpoint %d: %v", n, latest.Size, err)
		}
	}
	t.Logf("%d events in %d checkpoints", latest.Size, batches)
}

// TestReload checks that a new ledger over the same files continues the
// log where the old one stopped.
func TestReload(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	keys, err := ledger.NewKeys(filepath.Join(f.dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l2 := ledger.New(f.st, ledger.Config{Host: host, Keys: keys})
	se := f.sign(t, "p0", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "p0", Stance: "support"})
	rec, err := l2.Append(ctx, se)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Verify(f.vkey, se.Bytes, se.Sig, rec.Salt); err != nil {
		t.Fatalf("receipt from the reloaded ledger: %v", err)
	}
	if _, err := l2.Append(ctx, se); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("replay after reload: got %v, want a conflict", err)
	}
}

// TestCancelledBeforeChecking checks that an event whose request has ended
// before its signature could be checked is refused as unavailable, with
// nothing appended, and that the ledger goes on appending.
func TestCancelledBeforeChecking(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	size, err := f.st.Size(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	se := f.sign(t, "p0", parley.KindStatement, parley.Statement{Text: "Hello."})
	if _, err := f.l.Append(cancelled, se); parley.ErrorCode(err) != parley.EUNAVAILABLE {
		t.Fatalf("appending with a cancelled context: got error %v, want code %s", err, parley.EUNAVAILABLE)
	}
	if got, err := f.st.Size(ctx, "t1"); err != nil || got != size {
		t.Fatalf("after the refusal the log has %d entries (%v), want %d", got, err, size)
	}
	if _, err := f.l.Append(ctx, se); err != nil {
		t.Fatalf("appending the same event afterwards: %v", err)
	}
}

// appendingStore is a store in which another process appends once, right
// before the first checkpoint is read.
type appendingStore struct {
	parley.Store
	once   sync.Once
	append func()
}

func (s *appendingStore) Checkpoint(ctx context.Context, talks string, size int64) (parley.Checkpoint, error) {
	s.once.Do(s.append)
	return s.Store.Checkpoint(ctx, talks, size)
}

// TestLoadWhileAnotherAppends checks that a ledger sharing its store keeps
// the checkpoint of the entries it read when it loads a log, even when
// another process appends between reading the entries and the checkpoint.
func TestLoadWhileAnotherAppends(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	keys, err := ledger.NewKeys(filepath.Join(f.dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	st := &appendingStore{Store: f.st, append: func() {
		f.must(t, "p0", parley.KindStatement, parley.Statement{Text: "Meanwhile."})
	}}
	l2 := ledger.New(st, ledger.Config{Host: host, Keys: keys, Shared: true})
	err = l2.View(ctx, "t1", func(s *state.Talks, cp parley.Checkpoint) error {
		if cp.Size != s.Size {
			t.Errorf("loaded a state of %d entries with the checkpoint of %d", s.Size, cp.Size)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The next append catches up with the other process's entry.
	se := f.sign(t, "p0", parley.KindSetStance, parley.SetStance{Item: "D1", Version: 1, Party: "p0", Stance: "support"})
	rec, err := l2.Append(ctx, se)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Verify(f.vkey, se.Bytes, se.Sig, rec.Salt); err != nil {
		t.Fatalf("receipt after catching up: %v", err)
	}
	if size, err := f.st.Size(ctx, "t1"); err != nil || rec.Index != size-1 {
		t.Errorf("the receipt is for index %d of a log of %d entries (%v)", rec.Index, size, err)
	}
}

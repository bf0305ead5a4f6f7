package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

func TestStore(t *testing.T) {
	storetest.Test(t, func(t *testing.T) parley.Store {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMaxEntries(t *testing.T) {
	if MaxEntries != storetest.MaxEntries {
		t.Errorf("MaxEntries = %d, want storetest.MaxEntries = %d", MaxEntries, storetest.MaxEntries)
	}
}

// pragma reads an integer PRAGMA of the database file at path.
func pragma(t *testing.T, path, name string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenSettings(t *testing.T) {
	ctx := t.Context()
	// A name SQLite would read as URI syntax if it were not escaped.
	path := filepath.Join(t.TempDir(), "a dir?x=1#f%20", "parley.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database file is not where asked: %v", err)
	}
	for _, db := range []struct {
		name string
		db   *sql.DB
	}{{"writer", s.w}, {"reader", s.r}} {
		for _, p := range []struct {
			pragma string
			want   string
		}{
			{"journal_mode", "wal"},
			{"synchronous", "2"}, // FULL
			{"foreign_keys", "1"},
			{"busy_timeout", fmt.Sprint(busyTimeoutMillis)},
		} {
			var got string
			if err := db.db.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", db.name, p.pragma, got, p.want)
			}
		}
	}
	var q string
	if err := s.r.QueryRowContext(ctx, "PRAGMA query_only").Scan(&q); err != nil || q != "1" {
		t.Errorf("reader: PRAGMA query_only = %s, %v; want 1", q, err)
	}
	// The constraints of the schema hold: no entry with a short salt.
	_, err = s.w.ExecContext(ctx, `INSERT INTO entries (key, event, sig, salt, leaf, kind, actor, nonce, received, hashes) VALUES (0, x'01', x'01', zeroblob(31), zeroblob(32), '', '', 'n', 0, zeroblob(32))`)
	if err == nil {
		t.Errorf("inserting an entry with a 31-byte salt succeeded, want a constraint error")
	}
}

func TestMigrations(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}

	// Fresh: every migration applied, the file marked as parley's.
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "t", 0, storetest.NewEntries("t", "a", 0, 2), storetest.Seal("t")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := pragma(t, path, "user_version"); got != len(ms) {
		t.Errorf("user_version of a new store = %d, want %d", got, len(ms))
	}
	if got := pragma(t, path, "application_id"); got != applicationID {
		t.Errorf("application_id of a new store = %#x, want %#x", got, applicationID)
	}

	// Re-open: nothing to apply, the data still there.
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("re-opening: %v", err)
	}
	if n, err := s.Size(ctx, "t"); n != 2 || err != nil {
		t.Errorf("Size after re-opening = %d, %v; want 2", n, err)
	}
	s.Close()

	// A later binary adds a migration: it is applied on open, after the
	// ones before it, and the data stays.
	later := append(ms[:len(ms):len(ms)], migration{
		Version: len(ms) + 1,
		Name:    "later.sql",
		SQL:     "CREATE TABLE later (talks TEXT NOT NULL REFERENCES talks (id)); INSERT INTO later SELECT id FROM talks;",
	})
	s, err = open(ctx, path, later)
	if err != nil {
		t.Fatalf("opening with a new migration: %v", err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM later").Scan(&n); err != nil || n != 1 {
		t.Errorf("the new migration's table has %d rows, %v; want 1", n, err)
	}
	s.Close()
	if got := pragma(t, path, "user_version"); got != len(later) {
		t.Errorf("user_version after the new migration = %d, want %d", got, len(later))
	}

	// This binary, which knows fewer migrations, refuses the newer file.
	_, err = Open(ctx, path)
	want := fmt.Sprintf("database schema version %d is newer than this parley (knows %d); upgrade parley", len(later), len(ms))
	if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), want) {
		t.Errorf("opening a newer database: got error %v, want code %s and %q", err, parley.EINVALID, want)
	}
	if got := pragma(t, path, "user_version"); got != len(later) {
		t.Errorf("user_version after the refused open = %d, want %d (unchanged)", got, len(later))
	}
}

func TestMigrationFailureLeavesNothing(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	broken := append(ms[:len(ms):len(ms)], migration{Version: len(ms) + 1, Name: "broken.sql", SQL: "CREATE TABLE x (a); SELECT * FROM no_such_table;"})
	if _, err := open(ctx, path, broken); err == nil {
		t.Fatal("opening with a failing migration succeeded, want an error")
	}
	if got := pragma(t, path, "user_version"); got != 0 {
		t.Errorf("user_version after a failed migration = %d, want 0", got)
	}
	// The migrations run in one transaction: the working ones are undone.
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("opening after a failed migration: %v", err)
	}
	defer s.Close()
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'x'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table x of the failed migration: count %d, %v; want 0", n, err)
	}
}

func TestOpenForeignFile(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()

	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (body TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, other); parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(err.Error(), "not a parley store") {
		t.Errorf("opening another program's database: got error %v, want code %s saying it is not a parley store", err, parley.EINVALID)
	}

	text := filepath.Join(dir, "text.db")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, text); err == nil {
		t.Errorf("opening a text file succeeded, want an error")
	}

	if _, err := Open(ctx, filepath.Join(dir, "no", "such", "dir", "p.db")); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("opening in a missing directory: got error %v, want code %s", err, parley.EINVALID)
	}
	if _, err := Open(ctx, ""); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("opening no file: got error %v, want code %s", err, parley.EINVALID)
	}
}

// Two stores on one file, as two processes would have: appends through
// either are seen by both, and a stale one is refused.
func TestTwoStoresOneFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const talks = "shared"
	if _, err := a.Append(ctx, talks, 0, storetest.NewEntries(talks, "x", 0, 3), storetest.Seal(talks)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(ctx, talks, 0, storetest.NewEntries(talks, "y", 0, 1), storetest.Seal(talks)); err != parley.ErrStale {
		t.Fatalf("stale append through the second store: got error %v, want ErrStale", err)
	}
	if _, err := b.Append(ctx, talks, 3, storetest.NewEntries(talks, "x", 3, 2), storetest.Seal(talks)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Store{a, b} {
		c, err := s.Checkpoint(ctx, talks, -1)
		if err != nil || c.Size != 5 {
			t.Errorf("latest checkpoint = size %d, %v; want 5", c.Size, err)
		}
	}
}

// TestNoncesAcrossStores checks that a store refuses a nonce that another
// store on the same file appended after this one last looked, and one that
// was appended before the store was opened.
func TestNoncesAcrossStores(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	open := func() *Store {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	const talks = "nonces"
	seal := storetest.Seal(talks)
	if _, err := a.Append(ctx, talks, 0, storetest.NewEntries(talks, "a", 0, 3), seal); err != nil {
		t.Fatal(err)
	}
	// b loads its set now, at size 3.
	if _, err := b.Append(ctx, talks, 3, storetest.NewEntries(talks, "b", 3, 1), seal); err != nil {
		t.Fatal(err)
	}
	// a appends behind b's back; b must see that nonce in its transaction.
	later := storetest.NewEntries(talks, "a", 4, 1)
	if _, err := a.Append(ctx, talks, 4, later, seal); err != nil {
		t.Fatal(err)
	}
	again := storetest.NewEntries(talks, "c", 5, 1)
	again[0].Nonce = later[0].Nonce
	for name, s := range map[string]*Store{"the other store": b, "a store opened later": open()} {
		if _, err := s.Append(ctx, talks, 5, again, seal); err != parley.ErrDuplicate {
			t.Errorf("appending a nonce already in the log through %s: got error %v, want ErrDuplicate", name, err)
		}
	}
	if _, err := b.Append(ctx, talks, 5, storetest.NewEntries(talks, "c", 5, 1), seal); err != nil {
		t.Errorf("appending a fresh nonce after a refusal: %v", err)
	}
}

// TestNonceCompletedInTransaction appends through b a nonce that a is
// appending at the same moment: b loads the nonces it can see before its
// transaction, while a's is still open, then waits for the write lock and
// must find a's nonce when it completes the set inside its own transaction.
func TestNonceCompletedInTransaction(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	var a, b *Store
	for _, s := range []**Store{&a, &b} {
		var err error
		if *s, err = Open(ctx, path); err != nil {
			t.Fatal(err)
		}
		defer (*s).Close()
	}
	const talks = "race"
	seal := storetest.Seal(talks)
	if _, err := a.Append(ctx, talks, 0, storetest.NewEntries(talks, "a", 0, 3), seal); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(ctx, talks, 3, storetest.NewEntries(talks, "b", 3, 1), seal); err != nil {
		t.Fatal(err)
	}
	batch := storetest.NewEntries(talks, "a", 4, 2)
	dup := storetest.NewEntries(talks, "c", 6, 1)
	dup[0].Nonce = batch[1].Nonce
	done := make(chan error, 1)
	_, err := a.Append(ctx, talks, 4, batch, func(n int64, root parley.Hash) ([]byte, error) {
		// Inside a's transaction: b starts its append, which reads the
		// committed entries (four) and then waits for a to commit.
		go func() {
			_, err := b.Append(ctx, talks, 6, dup, seal)
			done <- err
		}()
		time.Sleep(200 * time.Millisecond)
		return seal(n, root)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != parley.ErrDuplicate {
		t.Errorf("appending through b the nonce a appended meanwhile: got error %v, want ErrDuplicate", err)
	}
}

// TestLargeBatch appends more entries at once than one multi-row statement
// takes, and checks the root against the tree of all the leaves.
func TestLargeBatch(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const talks = "large"
	first, second := storetest.NewEntries(talks, "a", 0, 3), storetest.NewEntries(talks, "a", 3, 700)
	if _, err := s.Append(ctx, talks, 0, first, storetest.Seal(talks)); err != nil {
		t.Fatal(err)
	}
	cp, err := s.Append(ctx, talks, 3, second, storetest.Seal(talks))
	if err != nil {
		t.Fatal(err)
	}
	var leaves []tlog.Hash
	for _, e := range append(first, second...) {
		leaves = append(leaves, tlog.Hash(e.Leaf))
	}
	want, err := tlog.TreeHash(703, leafTree(leaves))
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 703 || cp.Root != parley.Hash(want) {
		t.Errorf("checkpoint of size %d, root %x; want 703, %x", cp.Size, cp.Root, parley.Hash(want))
	}
	got, err := s.Entries(ctx, talks, 0, 703)
	if err != nil || len(got) != 703 || got[702].Nonce != second[699].Nonce {
		t.Errorf("Entries after a large batch: %d entries, %v", len(got), err)
	}
	all, err := s.ReadHashes(ctx, talks, []int64{0, tlog.StoredHashCount(703) - 1})
	if err != nil || len(all) != 2 {
		t.Errorf("ReadHashes of the first and last stored hashes: %v", err)
	}
}

// oldLog is what a test writes into a file at an older schema: two talks'
// logs, appended in batches, with their stored hashes and checkpoints.
type oldLog struct {
	talks   string
	entries []parley.Entry
	batches []int // the sizes of the appends, in order
}

// fillOldSchema creates the file at path with the migrations ms (schema 1,
// 2 or 3, whose entries, hashes and checkpoints tables have the same
// columns) and writes logs into it as the stores of those schemas did.
func fillOldSchema(t *testing.T, path string, ms []migration, logs []oldLog) {
	t.Helper()
	ctx := t.Context()
	base, err := dsn(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrate(ctx, db, path, ms); err != nil {
		t.Fatal(err)
	}
	for _, lg := range logs {
		if _, err := db.ExecContext(ctx, `INSERT INTO talks (id, created) VALUES (?, 1)`, lg.talks); err != nil {
			t.Fatal(err)
		}
		var leaves []tlog.Hash
		for _, e := range lg.entries {
			leaves = append(leaves, tlog.Hash(e.Leaf))
		}
		tree := leafTree(leaves)
		for i, e := range lg.entries {
			if _, err := db.ExecContext(ctx, `INSERT INTO entries (talks, idx, event, sig, salt, leaf, kind, actor, nonce, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				lg.talks, i, e.Event, e.Sig, e.Salt, e.Leaf[:], e.Kind, e.Actor, e.Nonce, int64(1000+i)); err != nil {
				t.Fatal(err)
			}
		}
		for k := range tlog.StoredHashCount(int64(len(lg.entries))) {
			h, err := tree.ReadHashes([]int64{k})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO hashes (talks, idx, hash) VALUES (?, ?, ?)`, lg.talks, k, h[0][:]); err != nil {
				t.Fatal(err)
			}
		}
		size := int64(0)
		for _, b := range lg.batches {
			size += int64(b)
			root, err := tlog.TreeHash(size, tree)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO checkpoints (talks, size, root, note) VALUES (?, ?, ?, ?)`, lg.talks, size, root[:], storetest.Note(lg.talks, size, parley.Hash(root))); err != nil {
				t.Fatal(err)
			}
		}
		if size != int64(len(lg.entries)) {
			t.Fatalf("the batches of %s add up to %d entries, not %d", lg.talks, size, len(lg.entries))
		}
	}
}

// TestMigrationFromOldSchemas fills files at schemas 1, 2 and 3 with two
// logs, then opens them with every migration: every entry, stored hash and
// checkpoint reads back as it was written, the nonces already stored are
// still refused, and the logs grow on.
func TestMigrationFromOldSchemas(t *testing.T) {
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 4 {
		t.Fatalf("%d migrations embedded, want at least 4", len(ms))
	}
	logs := []oldLog{
		{talks: "old-b", entries: storetest.NewEntries("old-b", "b", 0, 9), batches: []int{2, 7}},
		{talks: "old-a", entries: storetest.NewEntries("old-a", "a", 0, 70), batches: []int{1, 1, 3, 8, 1, 16, 2, 31, 7}},
	}
	for version := 1; version <= 3; version++ {
		t.Run(fmt.Sprint("schema ", version), func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "parley.db")
			fillOldSchema(t, path, ms[:version], logs)
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("migrating a schema-%d file: %v", version, err)
			}
			defer s.Close()
			if got := pragma(t, path, "user_version"); got != len(ms) {
				t.Errorf("user_version after migrating = %d, want %d", got, len(ms))
			}
			if ids, err := s.ListTalks(ctx); err != nil || strings.Join(ids, " ") != "old-a old-b" {
				t.Errorf("ListTalks after migrating = %q, %v; want old-a old-b", ids, err)
			}
			for _, lg := range logs {
				n := int64(len(lg.entries))
				got, err := s.Entries(ctx, lg.talks, 0, n)
				if err != nil || int64(len(got)) != n {
					t.Fatalf("Entries of %s after migrating: %d, %v; want %d", lg.talks, len(got), err, n)
				}
				var leaves []tlog.Hash
				for i, e := range lg.entries {
					g := got[i]
					if g.Index != int64(i) || !bytes.Equal(g.Event, e.Event) || !bytes.Equal(g.Sig, e.Sig) || !bytes.Equal(g.Salt, e.Salt) ||
						g.Leaf != e.Leaf || g.Kind != e.Kind || g.Actor != e.Actor || g.Nonce != e.Nonce || g.Received.UnixMicro() != int64(1000+i) {
						t.Errorf("entry %d of %s changed in the migration", i, lg.talks)
					}
					leaves = append(leaves, tlog.Hash(e.Leaf))
				}
				tree := leafTree(leaves)
				var all []int64
				for k := range tlog.StoredHashCount(n) {
					all = append(all, k)
				}
				hashes, err := s.ReadHashes(ctx, lg.talks, all)
				if err != nil {
					t.Fatalf("ReadHashes of %s after migrating: %v", lg.talks, err)
				}
				want, _ := tree.ReadHashes(all)
				for k := range all {
					if hashes[k] != parley.Hash(want[k]) {
						t.Errorf("stored hash %d of %s changed in the migration", k, lg.talks)
					}
				}
				size := int64(0)
				for _, b := range lg.batches {
					for in := size + 1; in < size+int64(b); in++ {
						if _, err := s.Checkpoint(ctx, lg.talks, in); parley.ErrorCode(err) != parley.ENOTFOUND {
							t.Errorf("checkpoint of %s at %d, inside an append: error %v, want %s", lg.talks, in, err, parley.ENOTFOUND)
						}
					}
					size += int64(b)
					root, _ := tlog.TreeHash(size, tree)
					c, err := s.Checkpoint(ctx, lg.talks, size)
					if err != nil || c.Size != size || c.Root != parley.Hash(root) || !bytes.Equal(c.Note, storetest.Note(lg.talks, size, parley.Hash(root))) {
						t.Errorf("checkpoint of %s at %d after migrating: %+v, %v", lg.talks, size, c, err)
					}
				}
				if c, err := s.Checkpoint(ctx, lg.talks, -1); err != nil || c.Size != n {
					t.Errorf("latest checkpoint of %s after migrating: size %d, %v; want %d", lg.talks, c.Size, err, n)
				}
				again := storetest.NewEntries(lg.talks, "c", n, 1)
				again[0].Nonce = lg.entries[n/2].Nonce
				if _, err := s.Append(ctx, lg.talks, n, again, storetest.Seal(lg.talks)); err != parley.ErrDuplicate {
					t.Errorf("appending to %s a nonce stored before the migration: got error %v, want ErrDuplicate", lg.talks, err)
				}
				next := storetest.NewEntries(lg.talks, "c", n, 3)
				cp, err := s.Append(ctx, lg.talks, n, next, storetest.Seal(lg.talks))
				if err != nil {
					t.Fatalf("appending to %s after the migration: %v", lg.talks, err)
				}
				for _, e := range next {
					leaves = append(leaves, tlog.Hash(e.Leaf))
				}
				if root, _ := tlog.TreeHash(n+3, leafTree(leaves)); cp.Size != n+3 || cp.Root != parley.Hash(root) {
					t.Errorf("checkpoint of %s after appending: size %d root %x, want %d %x", lg.talks, cp.Size, cp.Root, n+3, root)
				}
			}
		})
	}
}

// TestTwoStoresTakeTurns appends to one log through two stores on one file in
// turns of random lengths, so that each store's remembered frontier is often
// behind the log, and checks every root against the tree of all the leaves.
func TestTwoStoresTakeTurns(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	const talks = "turns"
	var leaves []tlog.Hash
	var size int64
	for turn := 0; turn < 60; turn++ {
		n := 1 + (turn*7)%5
		entries := storetest.NewEntries(talks, "t", size, n)
		cp, err := stores[(turn/2+turn%3)%2].Append(ctx, talks, size, entries, storetest.Seal(talks))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			leaves = append(leaves, tlog.Hash(e.Leaf))
		}
		size += int64(n)
		want, err := tlog.TreeHash(size, leafTree(leaves))
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size != size || cp.Root != parley.Hash(want) {
			t.Fatalf("turn %d: checkpoint of size %d, root %x; want size %d, root %x", turn, cp.Size, cp.Root, size, parley.Hash(want))
		}
	}
}

// leafTree returns a tlog.HashReader over the stored hashes of the tree of
// leaves, computed in memory.
func leafTree(leaves []tlog.Hash) tlog.HashReader {
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, k := range idx {
			out[i] = stored[k]
		}
		return out, nil
	})
	for n, l := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(n), l, r)
		if err != nil {
			panic(err)
		}
		stored = append(stored, hs...)
	}
	return r
}

func TestClosedStore(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Append(ctx, "t", 0, storetest.NewEntries("t", "a", 0, 1), storetest.Seal("t")); err == nil {
		t.Errorf("Append on a closed store succeeded, want an error")
	}
	if _, err := s.Size(ctx, "t"); err == nil {
		t.Errorf("Size on a closed store succeeded, want an error")
	}
}

// TestHashHome checks the place of every stored hash of trees of up to 300
// leaves against tlog's numbering: the hashes a leaf adds are at storage
// indexes StoredHashIndex(0, n) onwards, 1 + the trailing zeros of n+1 of
// them, and each belongs to exactly one leaf.
func TestHashHome(t *testing.T) {
	const leaves = 300
	next := int64(0)
	for n := int64(0); n < leaves; n++ {
		first := tlog.StoredHashIndex(0, n)
		if first != next {
			t.Fatalf("leaf %d adds hashes from %d, want %d", n, first, next)
		}
		count := int64(1 + bits.TrailingZeros64(uint64(n+1)))
		for k := first; k < first+count; k++ {
			if e, place := hashHome(k); e != n || int64(place) != k-first {
				t.Errorf("hashHome(%d) = %d, %d; want leaf %d, place %d", k, e, place, n, k-first)
			}
		}
		next = first + count
	}
	if next != tlog.StoredHashCount(leaves) {
		t.Errorf("%d leaves add %d hashes, want %d", leaves, next, tlog.StoredHashCount(leaves))
	}
	if e, place := hashHome(tlog.StoredHashIndex(indexBits, 0)); e != MaxLogSize-1 || place != indexBits {
		t.Errorf("the root of the largest log is at %d, %d; want the last leaf, %d, place %d", e, place, int64(MaxLogSize-1), indexBits)
	}
	for _, k := range []int64{tlog.StoredHashIndex(0, MaxLogSize), tlog.StoredHashIndex(indexBits+1, 0), tlog.StoredHashIndex(3, MaxLogSize>>3), 1 << 62} {
		if e, _ := hashHome(k); e != MaxLogSize {
			t.Errorf("hashHome(%d), past the largest log, = %d; want %d", k, e, int64(MaxLogSize))
		}
	}
}

// TestKeyConstants checks that the SQL text of the entry keys agrees with
// indexBits.
func TestKeyConstants(t *testing.T) {
	if indexMask != fmt.Sprint(MaxLogSize-1) || keysPerTalks != fmt.Sprint(MaxLogSize) {
		t.Errorf("indexMask %s and keysPerTalks %s, want %d and %d", indexMask, keysPerTalks, MaxLogSize-1, MaxLogSize)
	}
	if want := fmt.Sprintf("<< %d)", indexBits); !strings.Contains(talksKey, want) {
		t.Errorf("talksKey %q does not shift by %d", talksKey, indexBits)
	}
	migration4, err := migrationFiles.ReadFile("migrations/0004_one_row_per_entry.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(migration4), fmt.Sprintf("(t.no << %d) | e.idx", indexBits)) {
		t.Errorf("migration 4 does not make the keys (t.no << %d) | e.idx", indexBits)
	}
}

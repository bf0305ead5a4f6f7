package ledger_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/postgres"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/state"
)

// A medium is a database the tampering tests can reopen and change behind
// the store's back, as whoever holds the host's disk could.
type medium struct {
	name string
	dir  string // the data directory: log keys and kept checkpoints
	open func(t *testing.T) parley.Store
	// setEntry replaces the event, signature, salt and leaf of an entry.
	setEntry func(t *testing.T, talks string, idx int64, en parley.Entry)
	// setHashes replaces the stored hashes of the tree from storage
	// index first on.
	setHashes func(t *testing.T, talks string, first int64, hs []tlog.Hash)
	// truncate keeps the first n entries of a talks, with their hashes
	// and checkpoints: the cut a careful intruder makes.
	truncate func(t *testing.T, talks string, n int64)
	// deleteRow deletes one entry, leaving the log's size as it was.
	deleteRow func(t *testing.T, talks string, idx int64)
	// dropCheckpoint deletes the checkpoint stored at a size.
	dropCheckpoint func(t *testing.T, talks string, size int64)
	// save copies the database aside; the function it returns puts the
	// copy back. The store must be closed around both.
	save func(t *testing.T) (restore func())
}

// sqliteMedium is a SQLite database in a directory of its own.
func sqliteMedium(t *testing.T) *medium {
	dir := t.TempDir()
	path := filepath.Join(dir, "parley.db")
	raw := func(t *testing.T, query string, args ...any) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	// The key of entry ?2 of talks ?1.
	const key = `((SELECT no FROM talks WHERE id = ?1) << 40) + ?2`
	m := &medium{name: "sqlite", dir: dir}
	m.open = func(t *testing.T) parley.Store {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	m.setEntry = func(t *testing.T, talks string, idx int64, en parley.Entry) {
		raw(t, `UPDATE entries SET event = ?3, sig = ?4, salt = ?5, leaf = ?6 WHERE key = `+key, talks, idx, en.Event, en.Sig, en.Salt, en.Leaf[:])
	}
	m.setHashes = func(t *testing.T, talks string, first int64, hs []tlog.Hash) {
		// Entry n holds the stored hashes from StoredHashIndex(0, n) up to
		// StoredHashIndex(0, n+1).
		for n := int64(0); len(hs) > 0; n++ {
			lo, hi := tlog.StoredHashIndex(0, n), tlog.StoredHashIndex(0, n+1)
			if hi <= first {
				continue
			}
			var col []byte
			for k := lo; k < hi; k++ {
				if k < first {
					t.Fatalf("setHashes from %d cuts entry %d's hashes", first, n)
				}
				col = append(col, hs[0][:]...)
				hs = hs[1:]
			}
			raw(t, `UPDATE entries SET hashes = ?3 WHERE key = `+key, talks, n, col)
		}
	}
	m.truncate = func(t *testing.T, talks string, n int64) {
		raw(t, `DELETE FROM entries WHERE key >= `+key+` AND key < ((SELECT no FROM talks WHERE id = ?1) + 1) << 40`, talks, n)
	}
	m.deleteRow = func(t *testing.T, talks string, idx int64) {
		raw(t, `DELETE FROM entries WHERE key = `+key, talks, idx)
	}
	m.dropCheckpoint = func(t *testing.T, talks string, size int64) {
		raw(t, `UPDATE entries SET root = NULL, note = NULL WHERE key = `+key+` - 1`, talks, size)
	}
	m.save = func(t *testing.T) func() {
		saved := map[string][]byte{}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if b, err := os.ReadFile(path + suffix); err == nil {
				saved[suffix] = b
			}
		}
		return func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
				if b, ok := saved[suffix]; ok {
					if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	return m
}

// postgresURL is the database the PostgreSQL tests use unless
// PARLEY_TEST_POSTGRES names another.
func postgresURL() string {
	if u := os.Getenv("PARLEY_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// postgresMedium is a schema of its own in the test database, dropped when
// the test ends. It skips the test when the database is unreachable,
// unless PARLEY_REQUIRE_ALL=1.
func postgresMedium(t *testing.T) *medium {
	ctx := context.Background()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, postgresURL())
	if err == nil {
		err = conn.Ping(cctx)
	}
	if err != nil {
		if os.Getenv("PARLEY_REQUIRE_ALL") == "1" {
			t.Fatalf("PostgreSQL is required (PARLEY_REQUIRE_ALL=1) but unreachable: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set PARLEY_TEST_POSTGRES): %v", err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	b := make([]byte, 8)
	rand.Read(b)
	schema := "parley_test_" + hex.EncodeToString(b)
	ident := pgx.Identifier{schema}.Sanitize()
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			t.Errorf("dropping the test schema: %v", err)
		}
	})
	raw := func(t *testing.T, query string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, "SET search_path TO "+ident); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	m := &medium{name: "postgres", dir: t.TempDir()}
	m.open = func(t *testing.T) parley.Store {
		st, err := postgres.Open(ctx, postgresURL(), postgres.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	m.setEntry = func(t *testing.T, talks string, idx int64, en parley.Entry) {
		raw(t, `UPDATE entries SET event = $3, sig = $4, salt = $5, leaf = $6 WHERE talks = $1 AND idx = $2`, talks, idx, en.Event, en.Sig, en.Salt, en.Leaf[:])
	}
	m.setHashes = func(t *testing.T, talks string, first int64, hs []tlog.Hash) {
		for i, h := range hs {
			raw(t, `UPDATE hashes SET hash = $3 WHERE talks = $1 AND idx = $2`, talks, first+int64(i), h[:])
		}
	}
	m.truncate = func(t *testing.T, talks string, n int64) {
		raw(t, `DELETE FROM entries WHERE talks = $1 AND idx >= $2`, talks, n)
		raw(t, `DELETE FROM hashes WHERE talks = $1 AND idx >= $2`, talks, tlog.StoredHashCount(n))
		raw(t, `DELETE FROM checkpoints WHERE talks = $1 AND size > $2`, talks, n)
		raw(t, `UPDATE talks SET size = $2 WHERE id = $1`, talks, n)
	}
	m.deleteRow = func(t *testing.T, talks string, idx int64) {
		raw(t, `DELETE FROM entries WHERE talks = $1 AND idx = $2`, talks, idx)
	}
	m.dropCheckpoint = func(t *testing.T, talks string, size int64) {
		raw(t, `DELETE FROM checkpoints WHERE talks = $1 AND size = $2`, talks, size)
	}
	m.save = func(t *testing.T) func() {
		tables := []string{"talks", "entries", "hashes", "checkpoints"}
		for _, tb := range tables {
			raw(t, `CREATE TABLE saved_`+tb+` AS SELECT * FROM `+tb)
		}
		return func() {
			raw(t, `TRUNCATE checkpoints, hashes, entries, talks`)
			for _, tb := range tables {
				raw(t, `INSERT INTO `+tb+` SELECT * FROM saved_`+tb)
				raw(t, `DROP TABLE saved_`+tb)
			}
		}
	}
	return m
}

// media are the databases to run a tampering test on, by name.
var media = []struct {
	name string
	new  func(*testing.T) *medium
}{{"sqlite", sqliteMedium}, {"postgres", postgresMedium}}

// written is a talks written through a ledger: its actors and their clock.
type written struct {
	talks string
	keys  map[string]ed25519.PrivateKey
	clock time.Time
}

func newWritten(talks string) *written {
	w := &written{talks: talks, keys: map[string]ed25519.PrivateKey{}, clock: time.Now().Add(-time.Hour)}
	for _, n := range []string{"convener", "mediator", "head"} {
		_, w.keys[n], _ = ed25519.GenerateKey(rand.Reader)
	}
	return w
}

func (w *written) pub(name string) string {
	return parley.KeyString(w.keys[name].Public().(ed25519.PublicKey))
}

func (w *written) sign(t *testing.T, by, kind string, payload any) parley.SignedEvent {
	t.Helper()
	w.clock = w.clock.Add(time.Second)
	e, err := parley.NewEvent(w.talks, kind, w.keys[by].Public().(ed25519.PublicKey), w.clock, payload)
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(parley.Origin(host, w.talks), e, w.keys[by])
	if err != nil {
		t.Fatal(err)
	}
	return se
}

func (w *written) must(t *testing.T, l *ledger.Ledger, by, kind string, payload any) {
	t.Helper()
	if _, err := l.Append(context.Background(), w.sign(t, by, kind, payload)); err != nil {
		t.Fatalf("%s by %s: %v", kind, by, err)
	}
}

// found writes the founding of the talks and its roster: 4 entries.
func (w *written) found(t *testing.T, l *ledger.Ledger) {
	w.must(t, l, "convener", parley.KindFoundTalks, parley.FoundTalks{Title: "T", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}})
	w.must(t, l, "convener", parley.KindAddMediator, parley.AddMediator{Key: w.pub("mediator"), Name: "M"})
	w.must(t, l, "mediator", parley.KindAddParty, parley.AddParty{Party: "p0", Name: "Party"})
	w.must(t, l, "mediator", parley.KindAddActor, parley.AddActor{Key: w.pub("head"), Name: "Head", Role: parley.RoleHead, Party: "p0"})
}

// statements appends n statements, each in a batch of its own.
func (w *written) statements(t *testing.T, l *ledger.Ledger, n int, prefix string) {
	for i := range n {
		w.must(t, l, []string{"head", "mediator"}[i%2], parley.KindStatement, parley.Statement{Text: fmt.Sprintf("%s %03d", prefix, i)})
	}
}

// ledgerOn returns a ledger over a store with its keys in dir, closed at
// the end of the test.
func ledgerOn(t *testing.T, st parley.Store, dir string) *ledger.Ledger {
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(st, ledger.Config{Host: host, Keys: keys, KeepCheckpoints: true})
	t.Cleanup(func() { l.Close() })
	return l
}

// entry reads one stored entry.
func entry(t *testing.T, st parley.Store, talks string, idx int64) parley.Entry {
	t.Helper()
	es, err := st.Entries(context.Background(), talks, idx, idx+1)
	if err != nil {
		t.Fatal(err)
	}
	return es[0]
}

// refused checks that a talks is refused at load, with code corrupt and a
// message that names the entry and says want; that it stays refused; that
// Check finds the same; and that other talks are served meanwhile.
func refused(t *testing.T, m *medium, talks string, index int64, want string) {
	t.Helper()
	ctx := context.Background()
	st := m.open(t)
	defer st.Close()
	l := ledgerOn(t, st, m.dir)
	name := fmt.Sprintf("entry %d of talks %s: ", index, talks)
	if index < 0 {
		name = fmt.Sprintf("talks %s: ", talks)
	}
	check := func(what string, err error) {
		t.Helper()
		if parley.ErrorCode(err) != parley.ECORRUPT || !strings.HasPrefix(err.Error(), name) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "parley check") {
			t.Errorf("%s: got %v (code %s); want code %s, %q, %q and what to do", what, err, parley.ErrorCode(err), parley.ECORRUPT, name, want)
		}
	}
	err := l.View(ctx, talks, func(*state.Talks, parley.Checkpoint) error { return nil })
	check("loading", err)
	err2 := l.View(ctx, talks, func(*state.Talks, parley.Checkpoint) error { return nil })
	if err2 == nil || err == nil || err2.Error() != err.Error() {
		t.Errorf("loading again: got %v, want the same error", err2)
	}
	w := newWritten(talks)
	if _, err := l.Append(ctx, w.sign(t, "convener", parley.KindStatement, parley.Statement{Text: "x"})); parley.ErrorCode(err) != parley.ECORRUPT {
		t.Errorf("appending to the refused talks: got %v, want code %s", err, parley.ECORRUPT)
	}
	keys, _ := ledger.NewKeys(filepath.Join(m.dir, "logkeys"))
	_, err = ledger.New(st, ledger.Config{Host: host, Keys: keys}).Check(ctx, talks, nil)
	check("Check", err)
	// The other talks of the store is served.
	if err := l.View(ctx, "other", func(s *state.Talks, _ parley.Checkpoint) error {
		if s.Size != 6 {
			t.Errorf("the other talks has %d entries, want 6", s.Size)
		}
		return nil
	}); err != nil {
		t.Errorf("the other talks: %v", err)
	}
	o := newWritten("other")
	if _, err := l.Append(ctx, o.sign(t, "convener", parley.KindStatement, parley.Statement{Text: "x"})); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("appending to the other talks: got %v, want it checked against its state (code %s)", err, parley.EFORBIDDEN)
	}
}

// TestTampering changes a stored record the ways a host's disk allows and
// checks that each change is refused at load, naming the entry, and by
// Check; on SQLite and PostgreSQL.
func TestTampering(t *testing.T) {
	ctx := context.Background()
	for _, md := range media {
		newMedium := md.new
		// setUp writes the talks t1 (4 entries and 20 statements, each
		// in a batch of its own) and the talks other (6 entries), and
		// closes the store.
		setUp := func(t *testing.T) (*medium, *written) {
			m := newMedium(t)
			st := m.open(t)
			l := ledgerOn(t, st, m.dir)
			w := newWritten("t1")
			w.found(t, l)
			w.statements(t, l, 20, "Statement")
			o := newWritten("other")
			o.found(t, l)
			o.statements(t, l, 2, "Other")
			l.Close()
			st.Close()
			return m, w
		}
		// changed returns entry 12 of t1 with a byte of its statement
		// changed, as stored.
		changed := func(t *testing.T, m *medium) parley.Entry {
			st := m.open(t)
			defer st.Close()
			en := entry(t, st, "t1", 12)
			b := bytes.Replace(en.Event, []byte("Statement 008"), []byte("Statement 009"), 1)
			if bytes.Equal(b, en.Event) {
				t.Fatalf("entry 12 is not statement 8: %s", en.Event)
			}
			en.Event = b
			return en
		}
		for _, tc := range []struct {
			name   string
			change func(t *testing.T, m *medium, w *written)
			index  int64
			want   string
		}{
			{"a changed byte", func(t *testing.T, m *medium, w *written) {
				m.setEntry(t, "t1", 12, changed(t, m))
			}, 12, "the stored signature does not verify for its actor"},
			{"a recomputed leaf over changed bytes", func(t *testing.T, m *medium, w *written) {
				en := changed(t, m)
				en.Leaf = record.LeafHash(en.Salt, en.Event, en.Sig)
				m.setEntry(t, "t1", 12, en)
			}, 12, "the stored signature does not verify for its actor"},
			{"a changed leaf", func(t *testing.T, m *medium, w *written) {
				st := m.open(t)
				en := entry(t, st, "t1", 12)
				st.Close()
				en.Leaf[5] ^= 1
				m.setEntry(t, "t1", 12, en)
			}, 12, "the stored leaf hash is not the commitment"},
			{"a changed stored hash", func(t *testing.T, m *medium, w *written) {
				m.setHashes(t, "t1", tlog.StoredHashIndex(0, 12), []tlog.Hash{{1}})
			}, 12, "the Merkle hashes the store holds for it are not those of the tree"},
			{"another signed event in its place, its leaf and tree recomputed", func(t *testing.T, m *medium, w *written) {
				// A statement the head signed but the host never
				// recorded, put in the place of entry 12 (the head's
				// too), with a leaf and a tree that agree with it.
				se := w.sign(t, "head", parley.KindStatement, parley.Statement{Text: "Never said"})
				st := m.open(t)
				es, err := st.Entries(ctx, "t1", 0, 24)
				st.Close()
				if err != nil {
					t.Fatal(err)
				}
				es[12].Event, es[12].Sig = se.Bytes, se.Sig
				es[12].Leaf = record.LeafHash(es[12].Salt, se.Bytes, se.Sig)
				m.setEntry(t, "t1", 12, es[12])
				var hs []tlog.Hash
				r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
					out := make([]tlog.Hash, len(idx))
					for i, x := range idx {
						out[i] = hs[x]
					}
					return out, nil
				})
				for _, en := range es {
					add, err := tlog.StoredHashesForRecordHash(en.Index, tlog.Hash(en.Leaf), r)
					if err != nil {
						t.Fatal(err)
					}
					hs = append(hs, add...)
				}
				first := tlog.StoredHashIndex(0, 12)
				m.setHashes(t, "t1", first, hs[first:])
			}, 12, "it is not the entry its log signed at size 13"},
			{"deleted last rows", func(t *testing.T, m *medium, w *written) {
				m.truncate(t, "t1", 17)
			}, 17, "it is missing: the database holds 17 entries, but the log signed 24"},
			{"deleted last rows inside a batch, and the kept checkpoint", func(t *testing.T, m *medium, w *written) {
				m.truncate(t, "t1", 17)
				m.dropCheckpoint(t, "t1", 17)
				if err := os.Remove(filepath.Join(m.dir, "logkeys", "t1.checkpoint")); err != nil {
					t.Fatal(err)
				}
			}, 17, "it is missing: the log ends before it, at size 17, where its log signed no checkpoint"},
			{"a deleted row", func(t *testing.T, m *medium, w *written) {
				m.deleteRow(t, "t1", 9)
			}, 9, "it was deleted"},
			{"all rows deleted", func(t *testing.T, m *medium, w *written) {
				m.truncate(t, "t1", 0)
			}, 0, "it is missing: the database holds 0 entries, but the log signed 24"},
			{"a stored checkpoint replaced", func(t *testing.T, m *medium, w *written) {
				st := m.open(t)
				cp, err := st.Checkpoint(ctx, "t1", 23)
				st.Close()
				if err != nil {
					t.Fatal(err)
				}
				m.dropCheckpoint(t, "t1", 24)
				// The checkpoint of size 23 where that of 24 was.
				switch m.name {
				case "sqlite":
					db, _ := sql.Open("sqlite", "file:"+filepath.Join(m.dir, "parley.db"))
					defer db.Close()
					if _, err := db.Exec(`UPDATE entries SET root = ?, note = ? WHERE key = ((SELECT no FROM talks WHERE id = 't1') << 40) + 23`, cp.Root[:], cp.Note); err != nil {
						t.Fatal(err)
					}
				case "postgres":
					t.Skip("the checkpoints table keys a note by its size")
				}
			}, -1, "the checkpoint stored at size 24 is the one its log signed at size 23"},
		} {
			t.Run(md.name+"/"+tc.name, func(t *testing.T) {
				m, w := setUp(t)
				tc.change(t, m, w)
				refused(t, m, "t1", tc.index, tc.want)
			})
		}
		t.Run(md.name+"/an older copy", func(t *testing.T) {
			m, w := setUp(t)
			{
				restore := m.save(t)
				st := m.open(t)
				l := ledgerOn(t, st, m.dir)
				w.statements(t, l, 5, "Later")
				l.Close()
				st.Close()
				restore()
				refused(t, m, "t1", 24, "it is missing: the database holds 24 entries, but the log signed 29 (the checkpoint kept in")
			}
		})
		t.Run(md.name+"/an older copy appended to", func(t *testing.T) {
			m, w := setUp(t)
			{
				restore := m.save(t)
				st := m.open(t)
				l := ledgerOn(t, st, m.dir)
				w.statements(t, l, 5, "Later")
				l.Close()
				st.Close()
				restore()
				// Another history of 7 more entries, written by a host
				// that had the log key but not the kept checkpoint.
				other := t.TempDir()
				if err := os.MkdirAll(filepath.Join(other, "logkeys"), 0o700); err != nil {
					t.Fatal(err)
				}
				key, err := os.ReadFile(filepath.Join(m.dir, "logkeys", "t1.logkey"))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(other, "logkeys", "t1.logkey"), key, 0o600); err != nil {
					t.Fatal(err)
				}
				st = m.open(t)
				l = ledgerOn(t, st, other)
				w.statements(t, l, 7, "Forked")
				l.Close()
				st.Close()
				refused(t, m, "t1", -1, "its first 29 entries are not those the log signed in the checkpoint kept in")
			}
		})
	}
}

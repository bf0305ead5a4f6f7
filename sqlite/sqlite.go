// Package sqlite keeps the logs of talks in a SQLite database file: the
// embedded default parley.Store. It uses modernc.org/sqlite, so it needs no
// C compiler.
//
// The database runs in WAL mode with synchronous=FULL: an Append that has
// returned survives a crash of the process or of the machine. Each Append
// is one BEGIN IMMEDIATE transaction on a single writer connection; reads
// use a separate pool of read-only connections, which WAL lets run beside
// the writer. Several processes may open the same file; their writers wait
// for each other up to a busy timeout.
//
// Rules the store applies beyond the parley.Store interface (package
// storetest checks them for every Store):
//
//   - Append ignores the Index of the entries it is given: the store numbers
//     them at, at+1, … and Entries returns them so numbered. An entry's Talks
//     must be empty or the talks appended to. A zero Received is set to the
//     time of the append; times are kept to the microsecond.
//   - Append refuses, with parley.EINVALID, a malformed talks id, a negative
//     at, an empty batch, an entry without event bytes, signature or nonce or
//     with a salt that is not 32 bytes, and a nil SealFunc. It fails with
//     parley.EINTERNAL if the SealFunc returns an empty note.
//   - Entries serves at most MaxEntries entries per call (parley.ETOOLARGE
//     beyond); a caller pages through a longer log. A range that runs past
//     the end of the log is parley.ENOTFOUND.
//   - ReadHashes, Checkpoint and Entries report what is not stored with
//     parley.ENOTFOUND; Size of an unknown talks is 0.
//
// An append writes few pages, and few statements write them: an entry is
// one row of one table, keyed by an integer that keeps each log in order,
// and holds the Merkle hashes its leaf adds; the last row of an append
// holds its checkpoint (migrations/0004_one_row_per_entry.sql). An append
// thus changes the last pages of a single B-tree. The rows go in with a
// few multi-row INSERTs, the hashes its leaves join are remembered from
// the last append rather than read, and a repeated nonce is refused from a
// set of each log's nonces kept in memory (nonces.go) rather than by a
// unique index, whose random keys would touch a page per entry.
//
// A log holds at most MaxLogSize entries, and a file at most 8,388,607
// talks.
//
// The store does not check that an entry's Leaf commits to its Event and
// Salt, nor that Kind, Actor and Nonce match the event: those are the
// record's rules, checked before an append.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/logread"
)

// MaxEntries is the most entries one call to Entries returns.
const MaxEntries = 10000

// busyTimeoutMillis is how long a writer waits for another process's write
// transaction before giving up.
const busyTimeoutMillis = 10000

// A Store is a parley.Store in a SQLite database file. Its methods may be
// called from several goroutines at once.
type Store struct {
	path string
	w    *sql.DB // one connection: appends and migrations
	r    *sql.DB // read-only connections

	// Statements prepared on w.
	wSize, wTalksNo, wCreateTalks, wReadHashes, wNonces *sql.Stmt
	// Multi-row inserts on w, by the log2 of their rows.
	wInsertEntries []*sql.Stmt
	// Statements prepared on r.
	rSize, rEntries, rReadHashes, rNonces, rCheckpoint, rLatest, rTalks, rTalksPage *sql.Stmt
	// The read methods, over the statements on r (read.go).
	read logread.Reader

	// The hashes of each log that its next append reads, remembered from
	// the last append (see frontier), and the nonces in each log (see
	// nonces.go).
	fmu    sync.Mutex
	fronts map[string]map[int64]tlog.Hash
	nonces map[string]*nonceSet

	opened    bool // Open succeeded
	closeOnce sync.Once
	closeErr  error
}

var _ parley.Store = (*Store)(nil)

// Open opens the store in the SQLite file at path, creating the file if it
// does not exist and bringing its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	ms, err := embeddedMigrations()
	if err != nil {
		return nil, err
	}
	return open(ctx, path, ms)
}

// open opens the store at path with the schema migrations ms.
func open(ctx context.Context, path string, ms []migration) (*Store, error) {
	if path == "" {
		return nil, parley.Errorf(parley.EINVALID, "no database file given for the SQLite store: name one, e.g. parley.db")
	}
	base, err := dsn(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	s.w, err = sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		return nil, parley.Errorf(parley.EINVALID, "cannot open the database file %s: %v; check that its directory exists and is writable", path, err)
	}
	if err := migrate(ctx, s.w, path, ms); err != nil {
		return nil, err
	}
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return nil, fmt.Errorf("sqlite: setting WAL mode on %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return nil, parley.Errorf(parley.EINVALID, "the database file %s cannot use write-ahead logging (journal mode stays %q); put it on a local file system", path, mode)
	}

	s.r, err = sql.Open("sqlite", base+"&_query_only=1")
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)

	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	s.read = s.reader()
	ok = true
	s.opened = true
	return s, nil
}

// dsn returns the data source name of the database file at path, with the
// settings every connection needs.
func dsn(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", parley.Errorf(parley.EINVALID, "the database file name %q cannot be resolved: %v", path, err)
	}
	abs = filepath.ToSlash(abs)
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs // a Windows drive letter
	}
	u := url.URL{Scheme: "file", Path: abs}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMillis))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "FULL")
	u.RawQuery = q.Encode()
	// file:/abs/path?… — SQLite reads it as a URI filename, so characters
	// such as ? and # in the path are escaped.
	return u.String(), nil
}

func (s *Store) prepare(ctx context.Context) error {
	stmts := []struct {
		db  *sql.DB
		dst **sql.Stmt
		sql string
	}{
		{s.w, &s.wSize, sqlSize},
		{s.w, &s.wTalksNo, `SELECT no FROM talks WHERE id = ?`},
		{s.w, &s.wCreateTalks, `INSERT INTO talks (id, created) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`},
		{s.w, &s.wReadHashes, sqlReadHashes},
		{s.w, &s.wNonces, sqlNonces},
		{s.r, &s.rSize, sqlSize},
		{s.r, &s.rEntries, `SELECT key & ` + indexMask + `, event, sig, salt, leaf, kind, actor, nonce, received FROM entries WHERE key >= ` + talksKey + ` + ?2 AND key < ` + talksKey + ` + ?3 ORDER BY key`},
		{s.r, &s.rReadHashes, sqlReadHashes},
		{s.r, &s.rNonces, sqlNonces},
		{s.r, &s.rCheckpoint, `SELECT ?2, root, note FROM entries WHERE key = ` + talksKey + ` + ?2 - 1`},
		{s.r, &s.rLatest, `SELECT (key & ` + indexMask + `) + 1, root, note FROM entries WHERE key >= ` + talksKey + ` AND key < ` + talksKey + ` + ` + keysPerTalks + ` ORDER BY key DESC LIMIT 1`},
		{s.r, &s.rTalks, `SELECT id FROM talks ORDER BY id`},
		{s.r, &s.rTalksPage, `SELECT id FROM talks WHERE id > ? ORDER BY id LIMIT ?`},
	}
	for _, st := range stmts {
		p, err := st.db.PrepareContext(ctx, st.sql)
		if err != nil {
			return fmt.Errorf("sqlite: preparing %q: %w", st.sql, err)
		}
		*st.dst = p
	}
	var err error
	s.wInsertEntries, err = rowStatements(ctx, s.w, sqlInsertEntries, entryColumns)
	return err
}

// The entries of a talks are the keys no << indexBits | idx, where no is the
// talks' number in the talks table (see migrations/0004_one_row_per_entry.sql).
const (
	indexBits = 40
	// MaxLogSize is the most entries the log of one talks holds.
	MaxLogSize   = 1 << indexBits
	indexMask    = "1099511627775" // MaxLogSize − 1
	keysPerTalks = "1099511627776" // MaxLogSize
	// talksKey is the first key of the talks whose id is the statement's
	// first parameter; NULL for an unknown talks, which no key matches.
	talksKey = `((SELECT no FROM talks WHERE id = ?1) << 40)`
)

// The statements below take the talks id as their first parameter.
const (
	sqlSize = `SELECT (key & ` + indexMask + `) + 1 FROM entries WHERE key >= ` + talksKey + ` AND key < ` + talksKey + ` + ` + keysPerTalks + ` ORDER BY key DESC LIMIT 1`
	// The indexes of the entries whose hashes are read come as one JSON
	// array, so that any number of them is one prepared statement and
	// one query.
	sqlReadHashes = `SELECT key & ` + indexMask + `, hashes FROM entries WHERE key IN (SELECT ` + talksKey + ` + value FROM json_each(?2))`
	sqlNonces     = `SELECT key & ` + indexMask + `, nonce FROM entries WHERE key >= ` + talksKey + ` + ?2 AND key < ` + talksKey + ` + ?3 ORDER BY key`
)

// Close closes the store. It waits for no call in progress; calls after
// Close fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.opened {
			// Let SQLite refresh the statistics its query planner uses, as
			// its documentation advises before closing a connection.
			if _, err := s.w.Exec("PRAGMA optimize"); err != nil {
				errs = append(errs, fmt.Errorf("sqlite: optimizing %s: %w", s.path, err))
			}
		}
		for _, db := range []*sql.DB{s.r, s.w} {
			if db == nil {
				continue
			}
			// Closing a database closes its prepared statements.
			if err := db.Close(); err != nil {
				errs = append(errs, fmt.Errorf("sqlite: closing %s: %w", s.path, err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

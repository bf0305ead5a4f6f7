package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// Append implements parley.Store: it adds entries at the end of the log of
// talks in one transaction if the log holds exactly at entries. The store
// numbers the entries at, at+1, …, whatever their Index says.
func (s *Store) Append(ctx context.Context, talks string, at int64, entries []parley.Entry, seal parley.SealFunc) (parley.Checkpoint, error) {
	if err := parley.CheckAppend(talks, at, entries, seal); err != nil {
		return parley.Checkpoint{}, err
	}
	if at > MaxLogSize-int64(len(entries)) {
		return parley.Checkpoint{}, parley.Errorf(parley.ETOOLARGE, "the log of %s cannot grow past %d entries; continue in a new talks", talks, int64(MaxLogSize))
	}
	keys := make(map[nonceKey]struct{}, len(entries))
	for _, e := range entries {
		k := keyOf(e.Nonce)
		if _, ok := keys[k]; ok {
			return parley.Checkpoint{}, parley.ErrDuplicate
		}
		keys[k] = struct{}{}
	}
	ns := s.nonceSet(talks)
	if err := s.warm(ctx, talks, ns, at); err != nil {
		return parley.Checkpoint{}, err
	}
	now := time.Now().UnixMicro()

	tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see Open
	if err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: appending to %s: %w", talks, err)
	}
	defer tx.Rollback()

	var size int64
	err = tx.StmtContext(ctx, s.wSize).QueryRowContext(ctx, talks).Scan(&size)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: reading the size of %s: %w", talks, err)
	}
	if size != at {
		return parley.Checkpoint{}, parley.ErrStale
	}
	// The write lock is held: complete the nonce set up to the log's size
	// and refuse a nonce already in it. Only a commit adds the batch's.
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.size > at {
		// The file is shorter than it was: it was replaced or restored.
		// Start over, hashes included.
		ns.reset()
		s.forgetFrontier(talks)
	}
	if err := ns.load(ctx, tx.StmtContext(ctx, s.wNonces), talks, at); err != nil {
		return parley.Checkpoint{}, err
	}
	if ns.size != at {
		return parley.Checkpoint{}, parley.Errorf(parley.EINTERNAL, "the log of %s has %d entries but only %d nonces could be read; restore the database from a backup", talks, at, ns.size)
	}
	for k := range keys {
		if _, ok := ns.keys[k]; ok {
			return parley.Checkpoint{}, parley.ErrDuplicate
		}
	}
	if at == 0 {
		if _, err := tx.StmtContext(ctx, s.wCreateTalks).ExecContext(ctx, talks, now); err != nil {
			return parley.Checkpoint{}, fmt.Errorf("sqlite: creating talks %s (a file holds at most 8,388,607): %w", talks, err)
		}
	}
	var no int64
	if err := tx.StmtContext(ctx, s.wTalksNo).QueryRowContext(ctx, talks).Scan(&no); err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: reading the number of talks %s: %w", talks, err)
	}

	hr := &txHashReader{
		ctx:   ctx,
		stmt:  tx.StmtContext(ctx, s.wReadHashes),
		talks: talks,
		cache: s.frontier(talks, 3*len(entries)+64),
	}
	// Each entry's row holds the hashes its leaf adds to the tree, and the
	// last one the checkpoint; they go in with a few multi-row INSERTs.
	args := make([]any, 0, entryColumns*len(entries))
	blobs := make([]byte, 0, 2*len(entries)*hashSize)
	for i, e := range entries {
		n := at + int64(i)
		hashes, err := tlog.StoredHashesForRecordHash(n, tlog.Hash(e.Leaf), hr)
		if err != nil {
			return parley.Checkpoint{}, fmt.Errorf("sqlite: hashing entry %d of %s: %w", n, talks, err)
		}
		first := tlog.StoredHashIndex(0, n)
		start := len(blobs)
		for j, h := range hashes {
			hr.cache[first+int64(j)] = h
			blobs = append(blobs, h[:]...)
		}
		received := now
		if !e.Received.IsZero() {
			received = e.Received.UnixMicro()
		}
		args = append(args, no<<indexBits|n, e.Event, e.Sig, e.Salt, e.Leaf[:], e.Kind, e.Actor, e.Nonce, received, blobs[start:len(blobs):len(blobs)], nil, nil)
	}
	newSize := at + int64(len(entries))
	root, err := tlog.TreeHash(newSize, hr)
	if err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: computing the root of %s at size %d: %w", talks, newSize, err)
	}
	note, err := seal(newSize, parley.Hash(root))
	if err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: sealing the checkpoint of %s at size %d: %w", talks, newSize, err)
	}
	if len(note) == 0 {
		return parley.Checkpoint{}, parley.Errorf(parley.EINTERNAL, "the checkpoint of %s at size %d was sealed with an empty note; nothing was appended", talks, newSize)
	}
	args[len(args)-2], args[len(args)-1] = root[:], note
	if err := s.insertRows(ctx, tx, s.wInsertEntries, entryColumns, args); err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: storing entries %d to %d of %s: %w", at, newSize-1, talks, err)
	}
	if err := tx.Commit(); err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: committing the append to %s: %w", talks, err)
	}
	s.keepFrontier(talks, newSize, hr.cache)
	for k := range keys {
		ns.keys[k] = struct{}{}
	}
	ns.size = newSize
	return parley.Checkpoint{Talks: talks, Size: newSize, Root: parley.Hash(root), Note: note}, nil
}

// The multi-row INSERT statements of an append insert 1, 2, 4, … rows at
// once (see rowStatements); a batch of n rows takes one statement per bit
// of n.
const (
	entryColumns     = 12
	sqlInsertEntries = `INSERT INTO entries (key, event, sig, salt, leaf, kind, actor, nonce, received, hashes, root, note) VALUES `
	// maxRowsLog2 bounds the rows of one statement to 1<<maxRowsLog2, below
	// SQLite's limit of 32,766 bound parameters.
	maxRowsLog2 = 8
)

// rowStatements prepares on db the statements inserting 1, 2, 4, … up to
// 1<<maxRowsLog2 rows of cols columns with the INSERT prefix head.
func rowStatements(ctx context.Context, db *sql.DB, head string, cols int) ([]*sql.Stmt, error) {
	tuple := "(" + strings.Repeat("?, ", cols-1) + "?)"
	stmts := make([]*sql.Stmt, 0, maxRowsLog2+1)
	for b := 0; b <= maxRowsLog2; b++ {
		q := head + strings.Repeat(tuple+", ", (1<<b)-1) + tuple
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			for _, p := range stmts {
				p.Close()
			}
			return nil, fmt.Errorf("sqlite: preparing %q: %w", head, err)
		}
		stmts = append(stmts, st)
	}
	return stmts, nil
}

// insertRows inserts the rows whose values args holds, cols to a row, with
// the statements of rowStatements: the largest that fits first.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, stmts []*sql.Stmt, cols int, args []any) error {
	for len(args) > 0 {
		rows := len(args) / cols
		b := min(bits.Len(uint(rows))-1, len(stmts)-1)
		n := (1 << b) * cols
		if _, err := tx.StmtContext(ctx, stmts[b]).ExecContext(ctx, args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// frontier returns a map of the stored hashes of talks that the next append
// reads, as far as this store remembers them, with room for more. A stored
// hash never changes once committed, so a remembered one is always right;
// a missing one is read from the database.
func (s *Store) frontier(talks string, room int) map[int64]tlog.Hash {
	m := make(map[int64]tlog.Hash, room)
	s.fmu.Lock()
	defer s.fmu.Unlock()
	for k, h := range s.fronts[talks] {
		m[k] = h
	}
	return m
}

// keepFrontier remembers, after a commit, the hashes of a log of size n that
// the next append to it reads: the roots of the complete subtrees that make
// up the tree of size n. known holds them.
func (s *Store) keepFrontier(talks string, n int64, known map[int64]tlog.Hash) {
	f := make(map[int64]tlog.Hash, bits.OnesCount64(uint64(n)))
	for level := 0; n>>level > 0; level++ {
		if (n>>level)&1 == 1 {
			k := tlog.StoredHashIndex(level, (n>>level)-1)
			if h, ok := known[k]; ok {
				f[k] = h
			}
		}
	}
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if s.fronts == nil {
		s.fronts = make(map[string]map[int64]tlog.Hash)
	}
	for t := range s.fronts {
		if len(s.fronts) < maxFrontiers {
			break
		}
		delete(s.fronts, t) // an arbitrary one: it costs one query
	}
	s.fronts[talks] = f
}

// forgetFrontier drops the remembered hashes of talks.
func (s *Store) forgetFrontier(talks string) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	delete(s.fronts, talks)
}

// maxFrontiers bounds the talks whose frontier a store remembers.
const maxFrontiers = 4096

// A txHashReader reads the stored hashes of a talks inside an append's
// transaction, answering from the hashes the append wrote before querying.
type txHashReader struct {
	ctx   context.Context
	stmt  *sql.Stmt
	talks string
	cache map[int64]tlog.Hash
}

func (r *txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var missing []int64
	for _, k := range indexes {
		if _, ok := r.cache[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		found, err := queryHashes(r.ctx, r.stmt, r.talks, missing)
		if err != nil {
			return nil, wrap(err, "reading hashes of "+r.talks)
		}
		for k, h := range found {
			r.cache[k] = tlog.Hash(h)
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, k := range indexes {
		h, ok := r.cache[k]
		if !ok {
			return nil, fmt.Errorf("sqlite: talks %s has no stored hash %d", r.talks, k)
		}
		out[i] = h
	}
	return out, nil
}

// hashHome returns the entry whose row holds the stored hash at storage
// index k, and the hash's place among that row's hashes. The hash of level
// L and number n in its level is added by the leaf (n+1)·2^L − 1, the last
// of its subtree. An index past any log a store can hold gives MaxLogSize.
func hashHome(k int64) (entry int64, place int) {
	level, n := tlog.SplitStoredHashIndex(k)
	if level > indexBits || n+1 > MaxLogSize>>level {
		return MaxLogSize, 0
	}
	entry = (n+1)<<level - 1
	return entry, int(k - tlog.StoredHashIndex(0, entry))
}

// queryHashes runs the statement sqlReadHashes for the entries that hold
// the stored hashes at indexes and returns the hashes found, by index. It
// returns the database's errors as they are.
func queryHashes(ctx context.Context, stmt *sql.Stmt, talks string, indexes []int64) (map[int64]parley.Hash, error) {
	list := make([]byte, 0, 2+8*len(indexes))
	list = append(list, '[')
	type want struct {
		k     int64 // the storage index
		place int   // among the entry's hashes
	}
	wanted := make(map[int64][]want, len(indexes)) // by entry
	for _, k := range indexes {
		e, place := hashHome(k)
		if e >= MaxLogSize {
			continue
		}
		if wanted[e] == nil {
			if len(list) > 1 {
				list = append(list, ',')
			}
			list = strconv.AppendInt(list, e, 10)
		}
		wanted[e] = append(wanted[e], want{k, place})
	}
	list = append(list, ']')
	found := make(map[int64]parley.Hash, len(indexes))
	if len(wanted) == 0 {
		return found, nil
	}

	rows, err := stmt.QueryContext(ctx, talks, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e int64
		var blob []byte
		if err := rows.Scan(&e, &blob); err != nil {
			return nil, err
		}
		if len(blob) != hashSize*(1+bits.TrailingZeros64(uint64(e+1))) {
			return nil, parley.Errorf(parley.EINTERNAL, "the hashes of entry %d of %s are damaged (%d bytes); restore the database from a backup", e, talks, len(blob))
		}
		for _, w := range wanted[e] {
			found[w.k] = parley.Hash(blob[w.place*hashSize : (w.place+1)*hashSize])
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return found, nil
}

const hashSize = len(tlog.Hash{})

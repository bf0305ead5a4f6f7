package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parleyhq/parley"
)

// Append implements parley.Store: it adds entries at the end of the log of
// talks in one transaction if the log holds exactly at entries. The store
// numbers the entries at, at+1, …, whatever their Index says.
func (s *Store) Append(ctx context.Context, talks string, at int64, entries []parley.Entry, seal parley.SealFunc) (parley.Checkpoint, error) {
	if err := parley.CheckAppend(talks, at, entries, seal); err != nil {
		return parley.Checkpoint{}, err
	}
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if seen[e.Nonce] {
			return parley.Checkpoint{}, parley.ErrDuplicate
		}
		seen[e.Nonce] = true
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
	if at == 0 {
		if _, err := tx.StmtContext(ctx, s.wCreateTalks).ExecContext(ctx, talks, now); err != nil {
			return parley.Checkpoint{}, fmt.Errorf("sqlite: creating talks %s: %w", talks, err)
		}
	}

	insertEntry := tx.StmtContext(ctx, s.wInsertEntry)
	insertHash := tx.StmtContext(ctx, s.wInsertHash)
	hr := &txHashReader{
		ctx:   ctx,
		stmt:  tx.StmtContext(ctx, s.wReadHashes),
		talks: talks,
		cache: make(map[int64]tlog.Hash, 3*len(entries)),
	}
	for i, e := range entries {
		n := at + int64(i)
		received := now
		if !e.Received.IsZero() {
			received = e.Received.UnixMicro()
		}
		_, err := insertEntry.ExecContext(ctx, talks, n, e.Event, e.Sig, e.Salt, e.Leaf[:], e.Kind, e.Actor, e.Nonce, received)
		if err != nil {
			var se *driver.Error
			if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
				// The only unique key of entries besides its primary key,
				// which the size check above keeps free, is (talks, nonce).
				return parley.Checkpoint{}, parley.ErrDuplicate
			}
			return parley.Checkpoint{}, fmt.Errorf("sqlite: storing entry %d of %s: %w", n, talks, err)
		}
		hashes, err := tlog.StoredHashesForRecordHash(n, tlog.Hash(e.Leaf), hr)
		if err != nil {
			return parley.Checkpoint{}, fmt.Errorf("sqlite: hashing entry %d of %s: %w", n, talks, err)
		}
		first := tlog.StoredHashIndex(0, n)
		for j, h := range hashes {
			k := first + int64(j)
			hr.cache[k] = h
			if _, err := insertHash.ExecContext(ctx, talks, k, h[:]); err != nil {
				return parley.Checkpoint{}, fmt.Errorf("sqlite: storing hash %d of %s: %w", k, talks, err)
			}
		}
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
	if _, err := tx.StmtContext(ctx, s.wInsertCheckpoint).ExecContext(ctx, talks, newSize, root[:], note); err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: storing the checkpoint of %s at size %d: %w", talks, newSize, err)
	}
	if err := tx.Commit(); err != nil {
		return parley.Checkpoint{}, fmt.Errorf("sqlite: committing the append to %s: %w", talks, err)
	}
	return parley.Checkpoint{Talks: talks, Size: newSize, Root: parley.Hash(root), Note: note}, nil
}

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
			return nil, err
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

// queryHashes runs the statement sqlReadHashes for indexes and returns the
// hashes found, by index.
func queryHashes(ctx context.Context, stmt *sql.Stmt, talks string, indexes []int64) (map[int64]parley.Hash, error) {
	list := make([]byte, 0, 2+8*len(indexes))
	list = append(list, '[')
	for i, k := range indexes {
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, k, 10)
	}
	list = append(list, ']')

	rows, err := stmt.QueryContext(ctx, talks, string(list))
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading hashes of %s: %w", talks, err)
	}
	defer rows.Close()
	found := make(map[int64]parley.Hash, len(indexes))
	for rows.Next() {
		var k int64
		var h []byte
		if err := rows.Scan(&k, &h); err != nil {
			return nil, fmt.Errorf("sqlite: reading hashes of %s: %w", talks, err)
		}
		if len(h) != len(parley.Hash{}) {
			return nil, fmt.Errorf("sqlite: stored hash %d of %s is %d bytes", k, talks, len(h))
		}
		found[k] = parley.Hash(h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading hashes of %s: %w", talks, err)
	}
	return found, nil
}

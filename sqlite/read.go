package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley"
)

// Size implements parley.Store: it returns the number of entries in the log
// of talks, 0 if the talks is unknown.
func (s *Store) Size(ctx context.Context, talks string) (int64, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return 0, err
	}
	return s.size(ctx, talks)
}

func (s *Store) size(ctx context.Context, talks string) (int64, error) {
	var n int64
	err := s.rSize.QueryRowContext(ctx, talks).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: reading the size of %s: %w", talks, err)
	}
	return n, nil
}

// Entries implements parley.Store: it returns the entries [from, to) of the
// log of talks, at most MaxEntries of them.
func (s *Store) Entries(ctx context.Context, talks string, from, to int64) ([]parley.Entry, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return nil, err
	}
	switch {
	case from < 0 || to < from:
		return nil, parley.Errorf(parley.EINVALID, "entries [%d, %d) of %s: want 0 ≤ from ≤ to", from, to, talks)
	case to-from > MaxEntries:
		return nil, parley.Errorf(parley.ETOOLARGE, "entries [%d, %d) of %s: at most %d entries are read at once; read the range in pages", from, to, talks, MaxEntries)
	case to > MaxLogSize:
		return nil, parley.Errorf(parley.ENOTFOUND, "entries [%d, %d) of %s: no log holds more than %d entries", from, to, talks, int64(MaxLogSize))
	}
	out := make([]parley.Entry, 0, to-from)
	rows, err := s.rEntries.QueryContext(ctx, talks, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading entries of %s: %w", talks, err)
	}
	defer rows.Close()
	for rows.Next() {
		e := parley.Entry{Talks: talks}
		var leaf []byte
		var received int64
		if err := rows.Scan(&e.Index, &e.Event, &e.Sig, &e.Salt, &leaf, &e.Kind, &e.Actor, &e.Nonce, &received); err != nil {
			return nil, fmt.Errorf("sqlite: reading entries of %s: %w", talks, err)
		}
		if want := from + int64(len(out)); e.Index != want || len(leaf) != len(e.Leaf) {
			return nil, parley.Errorf(parley.EINTERNAL, "the log of %s is damaged at entry %d; restore the database from a backup", talks, want)
		}
		e.Leaf = parley.Hash(leaf)
		e.Received = time.UnixMicro(received).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading entries of %s: %w", talks, err)
	}
	if int64(len(out)) == to-from && (len(out) > 0 || from == 0) {
		return out, nil
	}
	// Fewer entries than asked for, or an empty range that may lie past the
	// end: compare with the size.
	size, err := s.size(ctx, talks)
	if err != nil {
		return nil, err
	}
	if to > size {
		return nil, parley.Errorf(parley.ENOTFOUND, "entries [%d, %d) of %s: the log has %d entries", from, to, talks, size)
	}
	return out, nil
}

// ReadHashes implements parley.Store: it returns the stored Merkle hashes of
// the log of talks at the given tlog storage indexes, in the same order.
func (s *Store) ReadHashes(ctx context.Context, talks string, indexes []int64) ([]parley.Hash, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return nil, err
	}
	for _, k := range indexes {
		if k < 0 {
			return nil, parley.Errorf(parley.EINVALID, "hash index %d of %s: indexes are never negative", k, talks)
		}
	}
	out := make([]parley.Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	found, err := queryHashes(ctx, s.rReadHashes, talks, indexes)
	if err != nil {
		return nil, err
	}
	for i, k := range indexes {
		h, ok := found[k]
		if !ok {
			return nil, parley.Errorf(parley.ENOTFOUND, "the log of %s has no stored hash %d: it is smaller than the proof asked for", talks, k)
		}
		out[i] = h
	}
	return out, nil
}

// Checkpoint implements parley.Store: it returns the checkpoint of the log
// of talks at size, or the latest when size is -1.
func (s *Store) Checkpoint(ctx context.Context, talks string, size int64) (parley.Checkpoint, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return parley.Checkpoint{}, err
	}
	if size < -1 {
		return parley.Checkpoint{}, parley.Errorf(parley.EINVALID, "checkpoint of %s at size %d: give a size, or -1 for the latest", talks, size)
	}
	var row *sql.Row
	switch {
	case size == -1:
		row = s.rLatest.QueryRowContext(ctx, talks)
	case size == 0 || size > MaxLogSize:
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint at size %d", talks, size)
	default:
		row = s.rCheckpoint.QueryRowContext(ctx, talks, size)
	}
	c := parley.Checkpoint{Talks: talks}
	var root []byte
	err := row.Scan(&c.Size, &root, &c.Note)
	if err == nil && root == nil && c.Note == nil && size != -1 {
		// The entry at that size is inside an append, not at its end.
		err = sql.ErrNoRows
	}
	switch {
	case errors.Is(err, sql.ErrNoRows) && size == -1:
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint: its log is empty", talks)
	case errors.Is(err, sql.ErrNoRows):
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint at size %d", talks, size)
	case err != nil:
		return parley.Checkpoint{}, fmt.Errorf("sqlite: reading the checkpoint of %s: %w", talks, err)
	case len(root) != len(c.Root) || len(c.Note) == 0:
		return parley.Checkpoint{}, parley.Errorf(parley.EINTERNAL, "the checkpoint of %s at size %d is damaged; restore the database from a backup", talks, c.Size)
	}
	c.Root = parley.Hash(root)
	return c, nil
}

// ListTalks implements parley.Store: it returns the ids of all talks that
// have a log, sorted.
func (s *Store) ListTalks(ctx context.Context) ([]string, error) {
	rows, err := s.rTalks.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing talks: %w", err)
	}
	return talksIDs(rows)
}

// ListTalksPage implements parley.Store: it returns at most limit ids of
// talks after the id after, sorted, reading only them from the index on
// talks.id.
func (s *Store) ListTalksPage(ctx context.Context, after string, limit int) ([]string, error) {
	if err := parley.CheckTalksPage(after, limit); err != nil {
		return nil, err
	}
	rows, err := s.rTalksPage.QueryContext(ctx, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing talks: %w", err)
	}
	return talksIDs(rows)
}

// talksIDs reads the ids of a query on talks and closes the rows.
func talksIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: listing talks: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing talks: %w", err)
	}
	return ids, nil
}

package postgres

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

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
	err := s.retry(func() error {
		n = 0
		err := s.pool.QueryRow(ctx, `SELECT size FROM talks WHERE id = $1`, talks).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, wrap(err, "reading the size of %s", talks)
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
	}
	var out []parley.Entry
	err := s.retry(func() error {
		out = make([]parley.Entry, 0, to-from)
		rows, err := s.pool.Query(ctx, `SELECT idx, event, sig, salt, leaf, kind, actor, nonce, received FROM entries WHERE talks = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`, talks, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := parley.Entry{Talks: talks}
			var leaf []byte
			var received time.Time
			if err := rows.Scan(&e.Index, &e.Event, &e.Sig, &e.Salt, &leaf, &e.Kind, &e.Actor, &e.Nonce, &received); err != nil {
				return err
			}
			if want := from + int64(len(out)); e.Index != want || len(leaf) != len(e.Leaf) {
				return parley.Errorf(parley.EINTERNAL, "the log of %s is damaged at entry %d; restore the database from a backup", talks, want)
			}
			e.Leaf = parley.Hash(leaf)
			e.Received = received.UTC()
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrap(err, "reading entries of %s", talks)
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
	if int64(len(out)) != to-from {
		return nil, parley.Errorf(parley.EINTERNAL, "the log of %s is damaged: it has %d entries but not all of [%d, %d); restore the database from a backup", talks, size, from, to)
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
	var found map[int64]parley.Hash
	err := s.retry(func() error {
		found = make(map[int64]parley.Hash, len(indexes))
		rows, err := s.pool.Query(ctx, sqlReadHashes, talks, indexes)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k int64
			var h []byte
			if err := rows.Scan(&k, &h); err != nil {
				return err
			}
			if len(h) != len(parley.Hash{}) {
				return parley.Errorf(parley.EINTERNAL, "stored hash %d of %s is damaged; restore the database from a backup", k, talks)
			}
			found[k] = parley.Hash(h)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrap(err, "reading hashes of %s", talks)
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
	c := parley.Checkpoint{Talks: talks}
	var root []byte
	err := s.retry(func() error {
		if size == -1 {
			return s.pool.QueryRow(ctx, `SELECT size, root, note FROM checkpoints WHERE talks = $1 ORDER BY size DESC LIMIT 1`, talks).Scan(&c.Size, &root, &c.Note)
		}
		return s.pool.QueryRow(ctx, `SELECT size, root, note FROM checkpoints WHERE talks = $1 AND size = $2`, talks, size).Scan(&c.Size, &root, &c.Note)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows) && size == -1:
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint: its log is empty", talks)
	case errors.Is(err, pgx.ErrNoRows):
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint at size %d", talks, size)
	case err != nil:
		return parley.Checkpoint{}, wrap(err, "reading the checkpoint of %s", talks)
	case len(root) != len(c.Root):
		return parley.Checkpoint{}, parley.Errorf(parley.EINTERNAL, "the checkpoint of %s at size %d is damaged; restore the database from a backup", talks, c.Size)
	}
	c.Root = parley.Hash(root)
	return c, nil
}

// ListTalks implements parley.Store: it returns the ids of all talks that
// have a log, sorted by bytes.
func (s *Store) ListTalks(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.retry(func() error {
		rows, err := s.pool.Query(ctx, `SELECT id FROM talks WHERE size > 0 ORDER BY id`)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, wrap(err, "listing talks")
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

// ListTalksPage implements parley.Store: it returns at most limit ids of
// talks that have a log and come after the id after, sorted by bytes,
// reading only them from the primary key.
func (s *Store) ListTalksPage(ctx context.Context, after string, limit int) ([]string, error) {
	if err := parley.CheckTalksPage(after, limit); err != nil {
		return nil, err
	}
	var ids []string
	err := s.retry(func() error {
		rows, err := s.pool.Query(ctx, `SELECT id FROM talks WHERE id > $1 AND size > 0 ORDER BY id LIMIT $2`, after, limit)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, wrap(err, "listing talks")
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

// FindNonce returns the index of the entry of talks with the given nonce,
// and whether there is one. After an Append failed with ErrCommitUnknown,
// it tells whether the entries were stored.
func (s *Store) FindNonce(ctx context.Context, talks, nonce string) (index int64, ok bool, err error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return 0, false, err
	}
	if !utf8.ValidString(nonce) || strings.ContainsRune(nonce, 0) {
		return 0, false, nil // Append refuses such a nonce
	}
	err = s.retry(func() error {
		return s.pool.QueryRow(ctx, `SELECT idx FROM entries WHERE talks = $1 AND nonce = $2`, talks, nonce).Scan(&index)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, wrap(err, "looking up a nonce in %s", talks)
	}
	return index, true, nil
}

package postgres

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/logread"
)

// The read methods of the store are those of package logread over the
// queries below, each run again once on a new connection if its
// connection was found dead (see retry).

// Size implements parley.Store: it returns the number of entries in the log
// of talks, 0 if the talks is unknown.
func (s *Store) Size(ctx context.Context, talks string) (int64, error) {
	return s.read.Size(ctx, talks)
}

// Entries implements parley.Store: it returns the entries [from, to) of the
// log of talks, at most MaxEntries of them.
func (s *Store) Entries(ctx context.Context, talks string, from, to int64) ([]parley.Entry, error) {
	return s.read.Entries(ctx, talks, from, to)
}

// ReadHashes implements parley.Store: it returns the stored Merkle hashes of
// the log of talks at the given tlog storage indexes, in the same order.
func (s *Store) ReadHashes(ctx context.Context, talks string, indexes []int64) ([]parley.Hash, error) {
	return s.read.ReadHashes(ctx, talks, indexes)
}

// Checkpoint implements parley.Store: it returns the checkpoint of the log
// of talks at size, or the latest when size is -1.
func (s *Store) Checkpoint(ctx context.Context, talks string, size int64) (parley.Checkpoint, error) {
	return s.read.Checkpoint(ctx, talks, size)
}

// ListTalks implements parley.Store: it returns the ids of all talks that
// have a log, sorted by bytes.
func (s *Store) ListTalks(ctx context.Context) ([]string, error) {
	return s.read.ListTalks(ctx)
}

// ListTalksPage implements parley.Store: it returns at most limit ids of
// talks that have a log and come after the id after, sorted by bytes,
// reading only them from the primary key.
func (s *Store) ListTalksPage(ctx context.Context, after string, limit int) ([]string, error) {
	return s.read.ListTalksPage(ctx, after, limit)
}

// reader returns the reader of the store's logs.
func (s *Store) reader() logread.Reader {
	return logread.Reader{
		Queries:    queries{s.pool},
		MaxEntries: MaxEntries,
		Run:        s.retry,
		Wrap:       func(err error, what string) error { return wrap(err, "%s", what) },
	}
}

// queries are the store's logread.Queries.
type queries struct{ pool *pgxpool.Pool }

func (q queries) Size(ctx context.Context, talks string) (int64, error) {
	var n int64
	err := q.pool.QueryRow(ctx, `SELECT size FROM talks WHERE id = $1`, talks).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

func (q queries) Entries(ctx context.Context, talks string, from, to int64, row func(parley.Entry, []byte) error) error {
	rows, err := q.pool.Query(ctx, `SELECT idx, event, sig, salt, leaf, kind, actor, nonce, received FROM entries WHERE talks = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`, talks, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e parley.Entry
		var leaf []byte
		var received time.Time
		if err := rows.Scan(&e.Index, &e.Event, &e.Sig, &e.Salt, &leaf, &e.Kind, &e.Actor, &e.Nonce, &received); err != nil {
			return err
		}
		e.Received = received.UTC()
		if err := row(e, leaf); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (q queries) Hashes(ctx context.Context, talks string, indexes []int64) (map[int64]parley.Hash, error) {
	found := make(map[int64]parley.Hash, len(indexes))
	rows, err := q.pool.Query(ctx, sqlReadHashes, talks, indexes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		var h []byte
		if err := rows.Scan(&k, &h); err != nil {
			return nil, err
		}
		if len(h) != len(parley.Hash{}) {
			return nil, parley.Errorf(parley.EINTERNAL, "stored hash %d of %s is damaged; restore the database from a backup", k, talks)
		}
		found[k] = parley.Hash(h)
	}
	return found, rows.Err()
}

func (q queries) Checkpoint(ctx context.Context, talks string, size int64) (n int64, root, note []byte, found bool, err error) {
	var row pgx.Row
	if size == -1 {
		row = q.pool.QueryRow(ctx, `SELECT size, root, note FROM checkpoints WHERE talks = $1 ORDER BY size DESC LIMIT 1`, talks)
	} else {
		row = q.pool.QueryRow(ctx, `SELECT size, root, note FROM checkpoints WHERE talks = $1 AND size = $2`, talks, size)
	}
	err = row.Scan(&n, &root, &note)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, nil, false, nil
	}
	return n, root, note, err == nil, err
}

func (q queries) Talks(ctx context.Context, after string, limit int) ([]string, error) {
	var rows pgx.Rows
	var err error
	if limit == 0 {
		rows, err = q.pool.Query(ctx, `SELECT id FROM talks WHERE size > 0 ORDER BY id`)
	} else {
		rows, err = q.pool.Query(ctx, `SELECT id FROM talks WHERE id > $1 AND size > 0 ORDER BY id LIMIT $2`, after, limit)
	}
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
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

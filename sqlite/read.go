package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/logread"
)

// The read methods of the store are those of package logread over the
// queries below, on the pool of read-only connections.

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
// have a log, sorted.
func (s *Store) ListTalks(ctx context.Context) ([]string, error) {
	return s.read.ListTalks(ctx)
}

// ListTalksPage implements parley.Store: it returns at most limit ids of
// talks after the id after, sorted, reading only them from the index on
// talks.id.
func (s *Store) ListTalksPage(ctx context.Context, after string, limit int) ([]string, error) {
	return s.read.ListTalksPage(ctx, after, limit)
}

// reader returns the reader of the store's logs.
func (s *Store) reader() logread.Reader {
	return logread.Reader{
		Queries:    queries{s},
		MaxEntries: MaxEntries,
		MaxLogSize: MaxLogSize,
		Wrap:       wrap,
	}
}

// wrap adds what the store was doing to err, unless it is a *parley.Error.
func wrap(err error, what string) error {
	var pe *parley.Error
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// queries are the store's logread.Queries.
type queries struct{ s *Store }

func (q queries) Size(ctx context.Context, talks string) (int64, error) {
	var n int64
	err := q.s.rSize.QueryRowContext(ctx, talks).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

func (q queries) Entries(ctx context.Context, talks string, from, to int64, row func(parley.Entry, []byte) error) error {
	rows, err := q.s.rEntries.QueryContext(ctx, talks, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e parley.Entry
		var leaf []byte
		var received int64
		if err := rows.Scan(&e.Index, &e.Event, &e.Sig, &e.Salt, &leaf, &e.Kind, &e.Actor, &e.Nonce, &received); err != nil {
			return err
		}
		e.Received = time.UnixMicro(received).UTC()
		if err := row(e, leaf); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (q queries) Hashes(ctx context.Context, talks string, indexes []int64) (map[int64]parley.Hash, error) {
	return queryHashes(ctx, q.s.rReadHashes, talks, indexes)
}

func (q queries) Checkpoint(ctx context.Context, talks string, size int64) (n int64, root, note []byte, found bool, err error) {
	var row *sql.Row
	if size == -1 {
		row = q.s.rLatest.QueryRowContext(ctx, talks)
	} else {
		row = q.s.rCheckpoint.QueryRowContext(ctx, talks, size)
	}
	err = row.Scan(&n, &root, &note)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil, false, nil
	}
	return n, root, note, err == nil, err
}

func (q queries) Talks(ctx context.Context, after string, limit int) ([]string, error) {
	var rows *sql.Rows
	var err error
	if limit == 0 {
		rows, err = q.s.rTalks.QueryContext(ctx)
	} else {
		rows, err = q.s.rTalksPage.QueryContext(ctx, after, limit)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

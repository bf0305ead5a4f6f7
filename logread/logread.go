// Package logread answers the read calls of a parley.Store over the
// queries the store makes of its database: it checks the arguments,
// checks what the queries return against what a log must be, and words
// the errors, so that every store reads its logs alike. Package sqlite and
// package postgres read through it; package storetest checks the result.
package logread

import (
	"context"

	"github.com/parleyhq/parley"
)

// Queries are the reads a store makes of its database. Each gets
// arguments a Reader has checked: a well-formed talks id, a range or
// indexes within bounds. Each returns the database's errors as they are
// (Reader.Wrap words them) and may return a *parley.Error of its own for
// what it finds damaged.
type Queries interface {
	// Size returns the number of entries in the log of talks, 0 when
	// there is no such talks.
	Size(ctx context.Context, talks string) (int64, error)

	// Entries calls row, in order of index, with each stored entry of
	// talks whose index is in [from, to) and the bytes of its leaf hash
	// as stored, the entry's Leaf left zero. It returns the first error
	// of row, which stops it.
	Entries(ctx context.Context, talks string, from, to int64, row func(e parley.Entry, leaf []byte) error) error

	// Hashes returns, by index, the stored Merkle hashes of talks that
	// it finds at the given storage indexes, none of them negative.
	Hashes(ctx context.Context, talks string, indexes []int64) (map[int64]parley.Hash, error)

	// Checkpoint returns the size, root and note stored with the
	// checkpoint of talks at size, or with the latest when size is -1;
	// found is false when the database holds no such row.
	Checkpoint(ctx context.Context, talks string, size int64) (n int64, root, note []byte, found bool, err error)

	// Talks returns, sorted, the ids of the talks that have a log and
	// come after the id after: at most limit of them, or all when limit
	// is 0 (after is then "").
	Talks(ctx context.Context, after string, limit int) ([]string, error)
}

// A Reader implements the read methods of parley.Store over Queries.
type Reader struct {
	Queries    Queries
	MaxEntries int64 // the most entries one call to Entries returns
	MaxLogSize int64 // the most entries a log can hold; 0 when the store sets no bound

	// Run runs op, a query that is safe to run twice, and returns its
	// error; a store whose connections may be found dead runs it again
	// on a new one. Nil runs op once.
	Run func(op func() error) error
	// Wrap returns err, from a query, with what the store was doing
	// ("reading entries of t1"). It returns a *parley.Error unchanged.
	Wrap func(err error, what string) error
}

func (r *Reader) run(op func() error) error {
	if r.Run == nil {
		return op()
	}
	return r.Run(op)
}

// Size returns the number of entries in the log of talks, 0 if the talks
// is unknown.
func (r *Reader) Size(ctx context.Context, talks string) (int64, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return 0, err
	}
	return r.size(ctx, talks)
}

func (r *Reader) size(ctx context.Context, talks string) (int64, error) {
	var n int64
	err := r.run(func() error {
		var err error
		n, err = r.Queries.Size(ctx, talks)
		return err
	})
	if err != nil {
		return 0, r.Wrap(err, "reading the size of "+talks)
	}
	return n, nil
}

// Entries returns the entries [from, to) of the log of talks, at most
// MaxEntries of them. A range past the end of the log is ENOTFOUND; a log
// whose entries do not follow each other from from, or whose leaf is not
// a hash, is EINTERNAL.
func (r *Reader) Entries(ctx context.Context, talks string, from, to int64) ([]parley.Entry, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return nil, err
	}
	switch {
	case from < 0 || to < from:
		return nil, parley.Errorf(parley.EINVALID, "entries [%d, %d) of %s: want 0 ≤ from ≤ to", from, to, talks)
	case to-from > r.MaxEntries:
		return nil, parley.Errorf(parley.ETOOLARGE, "entries [%d, %d) of %s: at most %d entries are read at once; read the range in pages", from, to, talks, r.MaxEntries)
	case r.MaxLogSize > 0 && to > r.MaxLogSize:
		return nil, parley.Errorf(parley.ENOTFOUND, "entries [%d, %d) of %s: no log holds more than %d entries", from, to, talks, r.MaxLogSize)
	}
	out := make([]parley.Entry, 0, to-from)
	row := func(e parley.Entry, leaf []byte) error {
		if want := from + int64(len(out)); e.Index != want || len(leaf) != len(e.Leaf) {
			return parley.Errorf(parley.EINTERNAL, "the log of %s is damaged at entry %d; restore the database from a backup", talks, want)
		}
		e.Talks = talks
		e.Leaf = parley.Hash(leaf)
		out = append(out, e)
		return nil
	}
	err := r.run(func() error {
		out = out[:0]
		return r.Queries.Entries(ctx, talks, from, to, row)
	})
	if err != nil {
		return nil, r.Wrap(err, "reading entries of "+talks)
	}
	if int64(len(out)) == to-from && (len(out) > 0 || from == 0) {
		return out, nil
	}
	// Fewer entries than asked for, or an empty range that may lie past the
	// end: compare with the size.
	size, err := r.size(ctx, talks)
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

// ReadHashes returns the stored Merkle hashes of the log of talks at the
// given tlog storage indexes, in the same order. A hash not stored is
// ENOTFOUND.
func (r *Reader) ReadHashes(ctx context.Context, talks string, indexes []int64) ([]parley.Hash, error) {
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
	err := r.run(func() error {
		var err error
		found, err = r.Queries.Hashes(ctx, talks, indexes)
		return err
	})
	if err != nil {
		return nil, r.Wrap(err, "reading hashes of "+talks)
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

// Checkpoint returns the checkpoint of the log of talks at size, or the
// latest when size is -1. One that is not stored is ENOTFOUND.
func (r *Reader) Checkpoint(ctx context.Context, talks string, size int64) (parley.Checkpoint, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return parley.Checkpoint{}, err
	}
	switch {
	case size < -1:
		return parley.Checkpoint{}, parley.Errorf(parley.EINVALID, "checkpoint of %s at size %d: give a size, or -1 for the latest", talks, size)
	case size == 0 || r.MaxLogSize > 0 && size > r.MaxLogSize:
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint at size %d", talks, size)
	}
	c := parley.Checkpoint{Talks: talks}
	var root []byte
	var found bool
	err := r.run(func() error {
		var err error
		c.Size, root, c.Note, found, err = r.Queries.Checkpoint(ctx, talks, size)
		return err
	})
	if err == nil && found && root == nil && c.Note == nil && size != -1 {
		// A store that keeps checkpoints with entries found the entry at
		// that size inside an append, not at its end.
		found = false
	}
	switch {
	case err != nil:
		return parley.Checkpoint{}, r.Wrap(err, "reading the checkpoint of "+talks)
	case !found && size == -1:
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint: its log is empty", talks)
	case !found:
		return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "talks %s has no checkpoint at size %d", talks, size)
	case len(root) != len(c.Root) || len(c.Note) == 0:
		return parley.Checkpoint{}, parley.Errorf(parley.EINTERNAL, "the checkpoint of %s at size %d is damaged; restore the database from a backup", talks, c.Size)
	}
	c.Root = parley.Hash(root)
	return c, nil
}

// ListTalks returns the ids of all talks that have a log, sorted by bytes.
func (r *Reader) ListTalks(ctx context.Context) ([]string, error) {
	return r.talks(ctx, "", 0)
}

// ListTalksPage returns at most limit ids of talks that have a log and
// come after the id after, sorted by bytes.
func (r *Reader) ListTalksPage(ctx context.Context, after string, limit int) ([]string, error) {
	if err := parley.CheckTalksPage(after, limit); err != nil {
		return nil, err
	}
	return r.talks(ctx, after, limit)
}

func (r *Reader) talks(ctx context.Context, after string, limit int) ([]string, error) {
	var ids []string
	err := r.run(func() error {
		var err error
		ids, err = r.Queries.Talks(ctx, after, limit)
		return err
	})
	if err != nil {
		return nil, r.Wrap(err, "listing talks")
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

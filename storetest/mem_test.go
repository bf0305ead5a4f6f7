package storetest

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// The suite passes on a plain in-memory store written from its rules
// alone, so what it asks of a store does not depend on SQLite.
func TestMemStore(t *testing.T) {
	Test(t, func(*testing.T) parley.Store { return &memStore{logs: map[string]*memLog{}} })
}

type memStore struct {
	mu   sync.Mutex
	logs map[string]*memLog
}

type memLog struct {
	entries []parley.Entry
	nonces  map[string]bool
	hashes  []tlog.Hash
	cps     map[int64]parley.Checkpoint
}

func invalid(format string, args ...any) error {
	return parley.Errorf(parley.EINVALID, format, args...)
}

func (s *memStore) Append(ctx context.Context, talks string, at int64, entries []parley.Entry, seal parley.SealFunc) (parley.Checkpoint, error) {
	if !parley.ValidTalksID(talks) || at < 0 || len(entries) == 0 || seal == nil {
		return parley.Checkpoint{}, invalid("bad append")
	}
	for _, e := range entries {
		if (e.Talks != "" && e.Talks != talks) || len(e.Event) == 0 || len(e.Sig) == 0 || len(e.Salt) != 32 || e.Nonce == "" {
			return parley.Checkpoint{}, invalid("bad entry")
		}
	}
	if err := ctx.Err(); err != nil {
		return parley.Checkpoint{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logs[talks]
	if l == nil {
		l = &memLog{nonces: map[string]bool{}, cps: map[int64]parley.Checkpoint{}}
	}
	if int64(len(l.entries)) != at {
		return parley.Checkpoint{}, parley.ErrStale
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if l.nonces[e.Nonce] || seen[e.Nonce] {
			return parley.Checkpoint{}, parley.ErrDuplicate
		}
		seen[e.Nonce] = true
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	hashes := slices.Clone(l.hashes)
	var added []parley.Entry
	for i, e := range entries {
		e.Talks, e.Index = talks, at+int64(i)
		e.Event, e.Sig, e.Salt = bytes.Clone(e.Event), bytes.Clone(e.Sig), bytes.Clone(e.Salt)
		if e.Received.IsZero() {
			e.Received = now
		}
		e.Received = e.Received.UTC().Truncate(time.Microsecond)
		hs, err := tlog.StoredHashesForRecordHash(e.Index, tlog.Hash(e.Leaf), sliceReader(hashes))
		if err != nil {
			return parley.Checkpoint{}, err
		}
		hashes = append(hashes, hs...)
		added = append(added, e)
	}
	size := at + int64(len(entries))
	root, err := tlog.TreeHash(size, sliceReader(hashes))
	if err != nil {
		return parley.Checkpoint{}, err
	}
	note, err := seal(size, parley.Hash(root))
	if err != nil {
		return parley.Checkpoint{}, err
	}
	if len(note) == 0 {
		return parley.Checkpoint{}, parley.Errorf(parley.EINTERNAL, "empty note")
	}
	if err := ctx.Err(); err != nil {
		return parley.Checkpoint{}, err
	}
	c := parley.Checkpoint{Talks: talks, Size: size, Root: parley.Hash(root), Note: bytes.Clone(note)}
	for _, e := range added {
		l.nonces[e.Nonce] = true
	}
	l.entries = append(l.entries, added...)
	l.hashes = hashes
	l.cps[size] = c
	s.logs[talks] = l
	return c, nil
}

func (s *memStore) Size(ctx context.Context, talks string) (int64, error) {
	if !parley.ValidTalksID(talks) {
		return 0, invalid("bad talks")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.logs[talks]; l != nil {
		return int64(len(l.entries)), nil
	}
	return 0, nil
}

func (s *memStore) Entries(ctx context.Context, talks string, from, to int64) ([]parley.Entry, error) {
	if !parley.ValidTalksID(talks) || from < 0 || to < from {
		return nil, invalid("bad range")
	}
	if to-from > MaxEntries {
		return nil, parley.Errorf(parley.ETOOLARGE, "too many")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var es []parley.Entry
	if l := s.logs[talks]; l != nil {
		es = l.entries
	}
	if to > int64(len(es)) {
		return nil, parley.Errorf(parley.ENOTFOUND, "past the end")
	}
	return slices.Clone(es[from:to]), nil
}

func (s *memStore) ReadHashes(ctx context.Context, talks string, indexes []int64) ([]parley.Hash, error) {
	if !parley.ValidTalksID(talks) {
		return nil, invalid("bad talks")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hs []tlog.Hash
	if l := s.logs[talks]; l != nil {
		hs = l.hashes
	}
	out := make([]parley.Hash, len(indexes))
	for i, k := range indexes {
		switch {
		case k < 0:
			return nil, invalid("negative index")
		case k >= int64(len(hs)):
			return nil, parley.Errorf(parley.ENOTFOUND, "no such hash")
		}
		out[i] = parley.Hash(hs[k])
	}
	return out, nil
}

func (s *memStore) Checkpoint(ctx context.Context, talks string, size int64) (parley.Checkpoint, error) {
	if !parley.ValidTalksID(talks) || size < -1 {
		return parley.Checkpoint{}, invalid("bad checkpoint")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.logs[talks]; l != nil {
		if size == -1 {
			size = int64(len(l.entries))
		}
		if c, ok := l.cps[size]; ok {
			return c, nil
		}
	}
	return parley.Checkpoint{}, parley.Errorf(parley.ENOTFOUND, "no checkpoint")
}

func (s *memStore) ListTalks(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.logs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

func (s *memStore) ListTalksPage(ctx context.Context, after string, limit int) ([]string, error) {
	if err := parley.CheckTalksPage(after, limit); err != nil {
		return nil, err
	}
	all, _ := s.ListTalks(ctx)
	ids := []string{}
	for _, id := range all {
		if id > after && len(ids) < limit {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *memStore) Close() error { return nil }

package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// A model is the reference a store is checked against: each log kept as
// plain slices, its hashes computed by tlog in memory.
type model struct {
	logs map[string]*modelLog
}

type modelLog struct {
	entries     []parley.Entry
	hashes      []tlog.Hash // the stored hashes, by storage index
	checkpoints map[int64]parley.Checkpoint
}

func newModel() *model { return &model{logs: map[string]*modelLog{}} }

func (m *model) size(talks string) int64 {
	if l := m.logs[talks]; l != nil {
		return int64(len(l.entries))
	}
	return 0
}

// An outcome is what an append should come to.
type outcome int

const (
	accepted outcome = iota
	refusedStale
	refusedDuplicate
	refusedStaleOrDuplicate // both rules are broken; either error is right
	refusedSeal
)

func (o outcome) String() string {
	switch o {
	case accepted:
		return "accepted"
	case refusedStale:
		return "refused with ErrStale"
	case refusedDuplicate:
		return "refused with ErrDuplicate"
	case refusedStaleOrDuplicate:
		return "refused with ErrStale or ErrDuplicate"
	case refusedSeal:
		return "refused with the seal's error"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// append applies an append of well-formed entries to the model, sealing
// with Seal(talks) if sealOK, and returns what it comes to and, when
// accepted, the checkpoint.
func (m *model) append(talks string, at int64, entries []parley.Entry, sealOK bool) (outcome, parley.Checkpoint, error) {
	l := m.logs[talks]
	if l == nil {
		l = &modelLog{checkpoints: map[int64]parley.Checkpoint{}}
	}
	stale := int64(len(l.entries)) != at
	nonces := map[string]bool{}
	for _, e := range l.entries {
		nonces[e.Nonce] = true
	}
	dup := false
	for _, e := range entries {
		dup = dup || nonces[e.Nonce]
		nonces[e.Nonce] = true
	}
	switch {
	case stale && dup:
		return refusedStaleOrDuplicate, parley.Checkpoint{}, nil
	case stale:
		return refusedStale, parley.Checkpoint{}, nil
	case dup:
		return refusedDuplicate, parley.Checkpoint{}, nil
	case !sealOK:
		return refusedSeal, parley.Checkpoint{}, nil
	}
	hashes := slices.Clone(l.hashes)
	for i, e := range entries {
		hs, err := tlog.StoredHashesForRecordHash(at+int64(i), tlog.Hash(e.Leaf), sliceReader(hashes))
		if err != nil {
			return 0, parley.Checkpoint{}, err
		}
		hashes = append(hashes, hs...)
	}
	size := at + int64(len(entries))
	root, err := tlog.TreeHash(size, sliceReader(hashes))
	if err != nil {
		return 0, parley.Checkpoint{}, err
	}
	c := parley.Checkpoint{Talks: talks, Size: size, Root: parley.Hash(root), Note: Note(talks, size, parley.Hash(root))}
	for i, e := range entries {
		e.Talks = talks
		e.Index = at + int64(i)
		l.entries = append(l.entries, e)
	}
	l.hashes = hashes
	l.checkpoints[size] = c
	m.logs[talks] = l
	return accepted, c, nil
}

// state returns the observable state of the model's logs of names.
func (m *model) state(names []string) state {
	st := state{Talks: []string{}}
	for t := range m.logs {
		st.Talks = append(st.Talks, t)
	}
	slices.Sort(st.Talks)
	for _, name := range names {
		ls := logState{Talks: name}
		if l := m.logs[name]; l != nil {
			ls.Size = int64(len(l.entries))
			ls.Entries = slices.Clone(l.entries)
			for _, h := range l.hashes {
				ls.Hashes = append(ls.Hashes, parley.Hash(h))
			}
			for size := int64(1); size <= ls.Size; size++ {
				if c, ok := l.checkpoints[size]; ok {
					ls.Checkpoints = append(ls.Checkpoints, c)
				}
			}
			if n := len(ls.Checkpoints); n > 0 {
				ls.Latest = &ls.Checkpoints[n-1]
			}
		}
		st.Logs = append(st.Logs, ls)
	}
	return st
}

// sliceReader reads stored hashes from a slice indexed by storage index.
func sliceReader(hashes []tlog.Hash) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, k := range indexes {
			if k < 0 || k >= int64(len(hashes)) {
				return nil, fmt.Errorf("no stored hash %d in a tree of %d stored hashes", k, len(hashes))
			}
			out[i] = hashes[k]
		}
		return out, nil
	})
}

// storedHashes computes, independently of any store, the stored hashes of
// a log with the given leaves.
func storedHashes(leaves []parley.Hash) ([]tlog.Hash, error) {
	var hashes []tlog.Hash
	for n, leaf := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(n), tlog.Hash(leaf), sliceReader(hashes))
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, hs...)
	}
	return hashes, nil
}

// storeReader reads the stored hashes of talks from a store, for tlog.
func storeReader(ctx context.Context, s parley.Store, talks string) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := s.ReadHashes(ctx, talks, indexes)
		if err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(hs))
		for i, h := range hs {
			out[i] = tlog.Hash(h)
		}
		return out, nil
	})
}

// A state is everything a reader of a store can observe about some logs.
type state struct {
	Talks []string // ListTalks
	Logs  []logState
}

type logState struct {
	Talks       string
	Size        int64
	Entries     []parley.Entry
	Hashes      []parley.Hash       // every stored hash, by storage index
	Checkpoints []parley.Checkpoint // every stored checkpoint, by size
	Latest      *parley.Checkpoint  // Checkpoint(-1); nil when there is none
}

// readState reads the state of the logs of names from s. ListTalks is
// narrowed to the ids that keep returns true for.
func readState(ctx context.Context, s parley.Store, names []string, keep func(string) bool) (state, error) {
	all, err := s.ListTalks(ctx)
	if err != nil {
		return state{}, fmt.Errorf("ListTalks: %w", err)
	}
	// The first page of ListTalksPage is the start of the same list.
	page, err := s.ListTalksPage(ctx, "", parley.MaxTalksPage)
	if err != nil {
		return state{}, fmt.Errorf("ListTalksPage: %w", err)
	}
	if want := all[:min(len(all), parley.MaxTalksPage)]; !slices.Equal(page, want) {
		return state{}, fmt.Errorf("ListTalksPage(\"\", %d) = %q, but ListTalks = %q", parley.MaxTalksPage, page, all)
	}
	st := state{Talks: []string{}}
	for _, t := range all {
		if keep(t) {
			st.Talks = append(st.Talks, t)
		}
	}
	for _, name := range names {
		ls, err := readLog(ctx, s, name)
		if err != nil {
			return state{}, err
		}
		st.Logs = append(st.Logs, ls)
	}
	return st, nil
}

// page is how many entries or hashes readLog asks a store for at once.
const page = 1000

func readLog(ctx context.Context, s parley.Store, talks string) (logState, error) {
	ls := logState{Talks: talks}
	size, err := s.Size(ctx, talks)
	if err != nil {
		return ls, fmt.Errorf("Size(%q): %w", talks, err)
	}
	ls.Size = size
	for from := int64(0); from < size; from += page {
		to := min(from+page, size)
		es, err := s.Entries(ctx, talks, from, to)
		if err != nil {
			return ls, fmt.Errorf("Entries(%q, %d, %d): %w", talks, from, to, err)
		}
		if int64(len(es)) != to-from {
			return ls, fmt.Errorf("Entries(%q, %d, %d) returned %d entries, want %d", talks, from, to, len(es), to-from)
		}
		ls.Entries = append(ls.Entries, es...)
	}
	count := tlog.StoredHashCount(size)
	for from := int64(0); from < count; from += page {
		var indexes []int64
		for k := from; k < min(from+page, count); k++ {
			indexes = append(indexes, k)
		}
		hs, err := s.ReadHashes(ctx, talks, indexes)
		if err != nil {
			return ls, fmt.Errorf("ReadHashes(%q, [%d…%d]): %w", talks, indexes[0], indexes[len(indexes)-1], err)
		}
		if len(hs) != len(indexes) {
			return ls, fmt.Errorf("ReadHashes(%q, %d indexes) returned %d hashes", talks, len(indexes), len(hs))
		}
		ls.Hashes = append(ls.Hashes, hs...)
	}
	if _, err := s.ReadHashes(ctx, talks, []int64{count}); parley.ErrorCode(err) != parley.ENOTFOUND {
		return ls, fmt.Errorf("ReadHashes(%q, [%d]) past the %d stored hashes: got error %v, want code %s", talks, count, count, err, parley.ENOTFOUND)
	}
	for n := int64(0); n <= size+1; n++ {
		c, err := s.Checkpoint(ctx, talks, n)
		switch {
		case err == nil && (n == 0 || n > size):
			return ls, fmt.Errorf("Checkpoint(%q, %d) of a log of %d entries returned a checkpoint, want code %s", talks, n, size, parley.ENOTFOUND)
		case err == nil:
			ls.Checkpoints = append(ls.Checkpoints, c)
		case parley.ErrorCode(err) != parley.ENOTFOUND:
			return ls, fmt.Errorf("Checkpoint(%q, %d): %w", talks, n, err)
		}
	}
	c, err := s.Checkpoint(ctx, talks, -1)
	switch {
	case err == nil:
		ls.Latest = &c
	case parley.ErrorCode(err) != parley.ENOTFOUND:
		return ls, fmt.Errorf("Checkpoint(%q, -1): %w", talks, err)
	}
	return ls, nil
}

// diffState describes the first difference between two states, or returns
// "" if they are the same.
func diffState(got, want state) string {
	if !slices.Equal(got.Talks, want.Talks) {
		return fmt.Sprintf("ListTalks = %q, want %q", got.Talks, want.Talks)
	}
	if len(got.Logs) != len(want.Logs) {
		return fmt.Sprintf("%d logs, want %d", len(got.Logs), len(want.Logs))
	}
	for i := range got.Logs {
		if d := diffLog(got.Logs[i], want.Logs[i]); d != "" {
			return d
		}
	}
	return ""
}

func diffLog(got, want logState) string {
	t := want.Talks
	if got.Size != want.Size {
		return fmt.Sprintf("Size(%q) = %d, want %d", t, got.Size, want.Size)
	}
	if len(got.Entries) != len(want.Entries) {
		return fmt.Sprintf("talks %q: %d entries, want %d", t, len(got.Entries), len(want.Entries))
	}
	for i := range got.Entries {
		if d := diffEntry(got.Entries[i], want.Entries[i]); d != "" {
			return fmt.Sprintf("talks %q, entry %d: %s", t, i, d)
		}
	}
	if len(got.Hashes) != len(want.Hashes) {
		return fmt.Sprintf("talks %q: %d stored hashes, want %d", t, len(got.Hashes), len(want.Hashes))
	}
	for i := range got.Hashes {
		if got.Hashes[i] != want.Hashes[i] {
			return fmt.Sprintf("talks %q: stored hash %d = %x, want %x", t, i, got.Hashes[i], want.Hashes[i])
		}
	}
	var gotSizes, wantSizes []int64
	for _, c := range got.Checkpoints {
		gotSizes = append(gotSizes, c.Size)
	}
	for _, c := range want.Checkpoints {
		wantSizes = append(wantSizes, c.Size)
	}
	if !slices.Equal(gotSizes, wantSizes) {
		return fmt.Sprintf("talks %q: checkpoints at sizes %v, want %v", t, gotSizes, wantSizes)
	}
	for i := range got.Checkpoints {
		if d := diffCheckpoint(got.Checkpoints[i], want.Checkpoints[i]); d != "" {
			return fmt.Sprintf("talks %q: checkpoint at size %d: %s", t, want.Checkpoints[i].Size, d)
		}
	}
	switch {
	case got.Latest == nil && want.Latest == nil:
	case got.Latest == nil:
		return fmt.Sprintf("talks %q: no latest checkpoint, want one at size %d", t, want.Latest.Size)
	case want.Latest == nil:
		return fmt.Sprintf("talks %q: latest checkpoint at size %d, want none", t, got.Latest.Size)
	default:
		if d := diffCheckpoint(*got.Latest, *want.Latest); d != "" {
			return fmt.Sprintf("talks %q: latest checkpoint: %s", t, d)
		}
	}
	return ""
}

// diffEntry describes how entry got differs from want, or returns "". A
// store keeps Received to the microsecond at least.
func diffEntry(got, want parley.Entry) string {
	var d []string
	if got.Talks != want.Talks {
		d = append(d, fmt.Sprintf("Talks = %q, want %q", got.Talks, want.Talks))
	}
	if got.Index != want.Index {
		d = append(d, fmt.Sprintf("Index = %d, want %d", got.Index, want.Index))
	}
	for _, f := range []struct {
		name      string
		got, want []byte
	}{{"Event", got.Event, want.Event}, {"Sig", got.Sig, want.Sig}, {"Salt", got.Salt, want.Salt}} {
		if !bytes.Equal(f.got, f.want) {
			d = append(d, fmt.Sprintf("%s = %q, want %q", f.name, f.got, f.want))
		}
	}
	if got.Leaf != want.Leaf {
		d = append(d, fmt.Sprintf("Leaf = %x, want %x", got.Leaf, want.Leaf))
	}
	if got.Kind != want.Kind || got.Actor != want.Actor || got.Nonce != want.Nonce {
		d = append(d, fmt.Sprintf("Kind, Actor, Nonce = %q, %q, %q, want %q, %q, %q", got.Kind, got.Actor, got.Nonce, want.Kind, want.Actor, want.Nonce))
	}
	if diff := got.Received.Sub(want.Received); diff <= -time.Microsecond || diff >= time.Microsecond {
		d = append(d, fmt.Sprintf("Received = %v, want %v", got.Received, want.Received))
	}
	return strings.Join(d, "; ")
}

func diffCheckpoint(got, want parley.Checkpoint) string {
	var d []string
	if got.Talks != want.Talks {
		d = append(d, fmt.Sprintf("Talks = %q, want %q", got.Talks, want.Talks))
	}
	if got.Size != want.Size {
		d = append(d, fmt.Sprintf("Size = %d, want %d", got.Size, want.Size))
	}
	if got.Root != want.Root {
		d = append(d, fmt.Sprintf("Root = %x, want %x", got.Root, want.Root))
	}
	if !bytes.Equal(got.Note, want.Note) {
		d = append(d, fmt.Sprintf("Note = %q, want %q", got.Note, want.Note))
	}
	return strings.Join(d, "; ")
}

// checkOutcome reports how err differs from what an append that comes to o
// should return, or returns "". sealErr is the error a failing seal gives.
func checkOutcome(err error, o outcome, sealErr error) string {
	ok := false
	switch o {
	case accepted:
		ok = err == nil
	case refusedStale:
		ok = errors.Is(err, parley.ErrStale)
	case refusedDuplicate:
		ok = errors.Is(err, parley.ErrDuplicate)
	case refusedStaleOrDuplicate:
		ok = errors.Is(err, parley.ErrStale) || errors.Is(err, parley.ErrDuplicate)
	case refusedSeal:
		ok = errors.Is(err, sealErr)
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("got error %v, want the append %v", err, o)
}

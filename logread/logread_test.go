package logread

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// fakeQueries answers from a list of stored entries, which may be damaged
// (indexes that skip, leaves of the wrong length); failOnce makes the first
// query of entries fail after its first row, as a lost connection does.
type fakeQueries struct {
	indexes  []int64 // the stored entries, by index
	leafLen  int     // the length of every stored leaf
	size     int64
	failOnce bool
	root     []byte // of every checkpoint
	note     []byte
}

var errLost = errors.New("connection lost")

func (q *fakeQueries) Size(context.Context, string) (int64, error) { return q.size, nil }

func (q *fakeQueries) Entries(_ context.Context, _ string, from, to int64, row func(parley.Entry, []byte) error) error {
	for k, i := range q.indexes {
		if i < from || i >= to {
			continue
		}
		if q.failOnce && k > 0 {
			q.failOnce = false
			return errLost
		}
		if err := row(parley.Entry{Index: i, Kind: fmt.Sprint("k", i)}, make([]byte, q.leafLen)); err != nil {
			return err
		}
	}
	return nil
}

func (q *fakeQueries) Hashes(_ context.Context, _ string, indexes []int64) (map[int64]parley.Hash, error) {
	out := map[int64]parley.Hash{}
	for _, k := range indexes {
		if k < 3 {
			out[k] = parley.Hash{byte(k)}
		}
	}
	return out, nil
}

func (q *fakeQueries) Checkpoint(_ context.Context, _ string, size int64) (int64, []byte, []byte, bool, error) {
	if size > q.size {
		return 0, nil, nil, false, nil
	}
	return size, q.root, q.note, true, nil
}

func (q *fakeQueries) Talks(context.Context, string, int) ([]string, error) { return nil, nil }

func newReader(q *fakeQueries) *Reader {
	return &Reader{
		Queries:    q,
		MaxEntries: 100,
		MaxLogSize: 1000,
		Run: func(op func() error) error {
			if err := op(); !errors.Is(err, errLost) {
				return err
			}
			return op()
		},
		Wrap: func(err error, what string) error {
			var pe *parley.Error
			if errors.As(err, &pe) {
				return err
			}
			return fmt.Errorf("fake: %s: %w", what, err)
		},
	}
}

func TestEntries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		q        fakeQueries
		from, to int64
		want     string // the indexes read, or the error's code
	}{
		{"whole", fakeQueries{indexes: []int64{0, 1, 2}, leafLen: 32, size: 3}, 0, 3, "[0 1 2]"},
		{"part", fakeQueries{indexes: []int64{0, 1, 2}, leafLen: 32, size: 3}, 1, 3, "[1 2]"},
		{"empty at the end", fakeQueries{indexes: []int64{0, 1, 2}, leafLen: 32, size: 3}, 3, 3, "[]"},
		{"retried after a row", fakeQueries{indexes: []int64{0, 1, 2}, leafLen: 32, size: 3, failOnce: true}, 0, 3, "[0 1 2]"},
		{"past the end", fakeQueries{indexes: []int64{0, 1, 2}, leafLen: 32, size: 3}, 2, 5, parley.ENOTFOUND},
		{"empty past the end", fakeQueries{indexes: []int64{0, 1, 2}, leafLen: 32, size: 3}, 4, 4, parley.ENOTFOUND},
		{"past any log", fakeQueries{size: 3}, 990, 1001, parley.ENOTFOUND},
		{"too many", fakeQueries{size: 3}, 0, 101, parley.ETOOLARGE},
		{"backwards", fakeQueries{size: 3}, 2, 1, parley.EINVALID},
		{"a gap", fakeQueries{indexes: []int64{0, 2, 3}, leafLen: 32, size: 4}, 0, 3, parley.EINTERNAL},
		{"a short leaf", fakeQueries{indexes: []int64{0, 1}, leafLen: 31, size: 2}, 0, 2, parley.EINTERNAL},
		{"missing at the end of the range", fakeQueries{indexes: []int64{0, 1, 3}, leafLen: 32, size: 4}, 0, 3, parley.EINTERNAL},
	}
	for _, tt := range tests {
		es, err := newReader(&tt.q).Entries(ctx, "t1", tt.from, tt.to)
		got := parley.ErrorCode(err)
		if err == nil {
			var idx []int64
			for _, e := range es {
				if e.Talks != "t1" || e.Kind != fmt.Sprint("k", e.Index) {
					t.Errorf("%s: entry %+v is not the one stored", tt.name, e)
				}
				idx = append(idx, e.Index)
			}
			got = fmt.Sprint(idx)
			if idx == nil {
				got = "[]"
			}
		}
		if got != tt.want {
			t.Errorf("%s: Entries(%d, %d) = %s (%v), want %s", tt.name, tt.from, tt.to, got, err, tt.want)
		}
	}
	if _, err := newReader(&fakeQueries{}).Entries(ctx, "T 1", 0, 0); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("Entries of a malformed talks id: got %v, want code %s", err, parley.EINVALID)
	}
}

// failing fails every query with err.
type failing struct {
	fakeQueries
	err error
}

func (f *failing) Size(context.Context, string) (int64, error) { return 0, f.err }
func (f *failing) Entries(context.Context, string, int64, int64, func(parley.Entry, []byte) error) error {
	return f.err
}

func TestWrap(t *testing.T) {
	ctx := context.Background()
	r := newReader(&fakeQueries{})
	r.Queries = &failing{err: errors.New("disk I/O error")}
	if _, err := r.Size(ctx, "t1"); err == nil || err.Error() != "fake: reading the size of t1: disk I/O error" {
		t.Errorf("Size: got %v, want the error wrapped", err)
	}
	r.Queries = &failing{err: parley.Errorf(parley.EINTERNAL, "damaged")}
	if _, err := r.Entries(ctx, "t1", 0, 1); err == nil || err.Error() != "damaged" {
		t.Errorf("Entries: got %v, want the store's own error as it is", err)
	}
}

func TestCheckpoint(t *testing.T) {
	ctx := context.Background()
	root := make([]byte, 32)
	tests := []struct {
		name       string
		q          fakeQueries
		size       int64
		want       string
		wantInText string
	}{
		{"latest", fakeQueries{size: 5, root: root, note: []byte("n")}, -1, "", ""},
		{"at a size", fakeQueries{size: 5, root: root, note: []byte("n")}, 3, "", ""},
		{"inside an append", fakeQueries{size: 5}, 3, parley.ENOTFOUND, "no checkpoint at size 3"},
		{"past the end", fakeQueries{size: 5, root: root, note: []byte("n")}, 6, parley.ENOTFOUND, "no checkpoint at size 6"},
		{"at 0", fakeQueries{size: 5, root: root, note: []byte("n")}, 0, parley.ENOTFOUND, "no checkpoint at size 0"},
		{"past any log", fakeQueries{size: 5000, root: root, note: []byte("n")}, 1001, parley.ENOTFOUND, "no checkpoint at size 1001"},
		{"below -1", fakeQueries{size: 5}, -2, parley.EINVALID, "give a size"},
		{"a short root", fakeQueries{size: 5, root: root[:31], note: []byte("n")}, 3, parley.EINTERNAL, "damaged"},
		{"no note", fakeQueries{size: 5, root: root}, -1, parley.EINTERNAL, "damaged"},
	}
	for _, tt := range tests {
		c, err := newReader(&tt.q).Checkpoint(ctx, "t1", tt.size)
		if parley.ErrorCode(err) != tt.want || err != nil && !strings.Contains(err.Error(), tt.wantInText) {
			t.Errorf("%s: Checkpoint(%d): got %v, want code %q with %q", tt.name, tt.size, err, tt.want, tt.wantInText)
		}
		if err == nil && (c.Talks != "t1" || c.Size != min(tt.size, tt.q.size) && tt.size != -1) {
			t.Errorf("%s: Checkpoint(%d) = %+v", tt.name, tt.size, c)
		}
	}
}

func TestReadHashes(t *testing.T) {
	ctx := context.Background()
	r := newReader(&fakeQueries{})
	hs, err := r.ReadHashes(ctx, "t1", []int64{2, 0, 2})
	if err != nil || len(hs) != 3 || hs[0][0] != 2 || hs[1][0] != 0 || hs[2][0] != 2 {
		t.Errorf("ReadHashes(2, 0, 2) = %v, %v; want the hashes in the order asked", hs, err)
	}
	if _, err := r.ReadHashes(ctx, "t1", []int64{1, 3}); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("ReadHashes of a hash not stored: got %v, want code %s", err, parley.ENOTFOUND)
	}
	if _, err := r.ReadHashes(ctx, "t1", []int64{-1}); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("ReadHashes(-1): got %v, want code %s", err, parley.EINVALID)
	}
	if hs, err := r.ReadHashes(ctx, "t1", nil); err != nil || hs == nil || len(hs) != 0 {
		t.Errorf("ReadHashes of none = %v, %v; want an empty list", hs, err)
	}
	ids, err := r.ListTalks(ctx)
	if err != nil || ids == nil || len(ids) != 0 {
		t.Errorf("ListTalks = %#v, %v; want an empty list, not nil", ids, err)
	}
}

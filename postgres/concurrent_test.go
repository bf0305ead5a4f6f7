package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// readLog reads the whole log of talks from s and checks that it holds
// together: entries numbered without gaps, the stored hashes those of
// their leaves, every stored checkpoint's root tlog.TreeHash over them. It
// returns the entries and the checkpoints by size.
func readLog(t *testing.T, s *Store, talks string) ([]parley.Entry, map[int64]parley.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	size, err := s.Size(ctx, talks)
	if err != nil {
		t.Fatal(err)
	}
	var entries []parley.Entry
	for from := int64(0); from < size; from += MaxEntries {
		es, err := s.Entries(ctx, talks, from, min(from+MaxEntries, size))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	var hashes []tlog.Hash
	for i, e := range entries {
		if e.Index != int64(i) {
			t.Fatalf("entry %d of %s has index %d", i, talks, e.Index)
		}
		hs, err := tlog.StoredHashesForRecordHash(int64(i), tlog.Hash(e.Leaf), tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(indexes))
			for j, k := range indexes {
				out[j] = hashes[k]
			}
			return out, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	if len(hashes) > 0 {
		indexes := make([]int64, len(hashes))
		for k := range indexes {
			indexes[k] = int64(k)
		}
		stored, err := s.ReadHashes(ctx, talks, indexes)
		if err != nil {
			t.Fatal(err)
		}
		for k := range hashes {
			if stored[k] != parley.Hash(hashes[k]) {
				t.Fatalf("stored hash %d of %s = %x, want %x (computed from the leaves)", k, talks, stored[k], hashes[k])
			}
		}
	}
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for j, k := range indexes {
			out[j] = hashes[k]
		}
		return out, nil
	})
	rows, err := s.pool.Query(ctx, `SELECT size FROM checkpoints WHERE talks = $1 ORDER BY size`, talks)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	cps := map[int64]parley.Checkpoint{}
	for _, n := range sizes {
		c, err := s.Checkpoint(ctx, talks, n)
		if err != nil {
			t.Fatal(err)
		}
		if n > size {
			t.Fatalf("%s has a checkpoint at size %d, past its size %d", talks, n, size)
		}
		root, err := tlog.TreeHash(n, reader)
		if err != nil {
			t.Fatal(err)
		}
		want := storetest.Note(talks, n, parley.Hash(root))
		if c.Root != parley.Hash(root) || !bytes.Equal(c.Note, want) {
			t.Fatalf("checkpoint of %s at size %d: root %x, note %q; want %x, %q", talks, n, c.Root, c.Note, root, want)
		}
		cps[n] = c
	}
	if size > 0 {
		latest, err := s.Checkpoint(ctx, talks, -1)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Size != size {
			t.Fatalf("the latest checkpoint of %s is at size %d, want %d", talks, latest.Size, size)
		}
	}
	return entries, cps
}

// An appended batch, as a worker made it.
type batch struct {
	entries []parley.Entry
	cp      parley.Checkpoint // the checkpoint the append returned, if it did
}

// checkBatches checks that each acknowledged batch is in log at the place
// its checkpoint says, that each failed batch is not, and that each batch
// whose outcome is unknown is in whole or not at all. It returns the number
// of entries of the batches found.
func checkBatches(t *testing.T, log []parley.Entry, cps map[int64]parley.Checkpoint, acked, failed, unknown []batch) int {
	t.Helper()
	at := map[string]int{}
	for i, e := range log {
		if _, ok := at[e.Nonce]; ok {
			t.Fatalf("nonce %s appears twice in the log", e.Nonce)
		}
		at[e.Nonce] = i
	}
	same := func(got, want parley.Entry) bool {
		return bytes.Equal(got.Event, want.Event) && bytes.Equal(got.Sig, want.Sig) && got.Leaf == want.Leaf && got.Nonce == want.Nonce
	}
	found := 0
	for _, b := range acked {
		first := b.cp.Size - int64(len(b.entries))
		for j, want := range b.entries {
			i := first + int64(j)
			if i >= int64(len(log)) || !same(log[i], want) {
				t.Fatalf("acknowledged entry %d of a batch appended up to size %d is not at index %d", j, b.cp.Size, i)
			}
		}
		c, ok := cps[b.cp.Size]
		if !ok || c.Root != b.cp.Root || !bytes.Equal(c.Note, b.cp.Note) {
			t.Fatalf("the checkpoint acknowledged at size %d is not the one stored (%+v)", b.cp.Size, c)
		}
		found += len(b.entries)
	}
	for _, b := range failed {
		for _, e := range b.entries {
			if i, ok := at[e.Nonce]; ok {
				t.Fatalf("an entry of a failed append is in the log at %d", i)
			}
		}
	}
	for _, b := range unknown {
		n := 0
		for _, e := range b.entries {
			if _, ok := at[e.Nonce]; ok {
				n++
			}
		}
		if n != 0 && n != len(b.entries) {
			t.Fatalf("%d of the %d entries of an append with an unknown outcome are in the log, want all or none", n, len(b.entries))
		}
		found += n
	}
	return found
}

// Two stores, as two server processes would have, append to one talks at
// once, each retrying when stale: every append lands once, whole, with its
// own checkpoint.
func TestTwoStoresOneTalks(t *testing.T) {
	ctx := t.Context()
	schema := newSchema(t, false)
	stores := []*Store{openStore(t, schema), openStore(t, schema)}
	const (
		talks   = "shared"
		workers = 3 // per store
		appends = 15
	)
	var (
		mu      sync.Mutex
		acked   []batch
		sizes   = map[int64]bool{}
		retries int
		wg      sync.WaitGroup
	)
	for si, s := range stores {
		for w := range workers {
			wg.Go(func() {
				for i := range appends {
					es := storetest.NewEntries(talks, fmt.Sprintf("s%d-w%d-%d", si, w, i), 0, 1+(w+i)%4)
					for try := 0; ; try++ {
						if try == 10000 {
							t.Errorf("store %d, worker %d: still stale after %d tries", si, w, try)
							return
						}
						at, err := s.Size(ctx, talks)
						if err != nil {
							t.Errorf("Size: %v", err)
							return
						}
						c, err := s.Append(ctx, talks, at, es, storetest.Seal(talks))
						if errors.Is(err, parley.ErrStale) {
							mu.Lock()
							retries++
							mu.Unlock()
							continue
						}
						if err != nil {
							t.Errorf("Append at %d: %v", at, err)
							return
						}
						mu.Lock()
						if sizes[c.Size] {
							t.Errorf("two appends returned checkpoints of size %d", c.Size)
						}
						sizes[c.Size] = true
						acked = append(acked, batch{entries: es, cp: c})
						mu.Unlock()
						break
					}
				}
			})
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d appends, %d stale tries retried", len(acked), retries)

	log, cps := readLog(t, stores[0], talks)
	total := 0
	for _, b := range acked {
		total += len(b.entries)
	}
	if len(log) != total {
		t.Fatalf("the log has %d entries, want the %d appended", len(log), total)
	}
	if len(cps) != len(acked) {
		t.Fatalf("%d checkpoints stored, want one for each of %d appends", len(cps), len(acked))
	}
	if n := checkBatches(t, log, cps, acked, nil, nil); n != total {
		t.Fatalf("%d entries of the appends found, want %d", n, total)
	}
	// Both stores see the same log.
	c0, err0 := stores[0].Checkpoint(ctx, talks, -1)
	c1, err1 := stores[1].Checkpoint(ctx, talks, -1)
	if err0 != nil || err1 != nil || c0.Size != int64(total) || c0.Root != c1.Root || c0.Size != c1.Size {
		t.Errorf("latest checkpoints: %d %x (%v) and %d %x (%v); want both at size %d", c0.Size, c0.Root, err0, c1.Size, c1.Root, err1, total)
	}
}

// waitForLock waits until a connection named app waits for a lock.
func waitForLock(t *testing.T, app string) {
	t.Helper()
	conn := adminConn(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		var waiting bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock')`, app).Scan(&waiting)
		if err != nil {
			t.Fatalf("no connection of %s waits for a lock: %v", app, err)
		}
		if waiting {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An append holds a lock on its talks from the size check to the commit:
// an append to the same talks from another store waits for it and is then
// stale; an append to another talks does not wait.
func TestLockPerTalks(t *testing.T) {
	ctx := t.Context()
	schema := newSchema(t, false)
	appA, appB := randomName("parley_test_a_"), randomName("parley_test_b_")
	a := openStore(t, schema, "application_name", appA)
	b := openStore(t, schema, "application_name", appB)
	for _, talks := range []string{"one", "two"} {
		if _, err := a.Append(ctx, talks, 0, storetest.NewEntries(talks, "a", 0, 1), storetest.Seal(talks)); err != nil {
			t.Fatal(err)
		}
	}

	sealing, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce() // lets the first append end, whatever happens
	first := make(chan error, 1)
	go func() {
		_, err := a.Append(ctx, "one", 1, storetest.NewEntries("one", "a", 1, 2), func(size int64, root parley.Hash) ([]byte, error) {
			close(sealing)
			<-release
			return storetest.Note("one", size, root), nil
		})
		first <- err
	}()
	select {
	case <-sealing:
	case err := <-first:
		t.Fatalf("the first append returned %v before sealing", err)
	}

	// Another talks: no wait.
	other, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := b.Append(other, "two", 1, storetest.NewEntries("two", "b", 1, 1), storetest.Seal("two")); err != nil {
		t.Fatalf("an append to another talks while one is locked: %v", err)
	}

	// The same talks: waits for the lock, then finds the log grown.
	second := make(chan error, 1)
	go func() {
		_, err := b.Append(ctx, "one", 1, storetest.NewEntries("one", "b", 1, 1), storetest.Seal("one"))
		second <- err
	}()
	waitForLock(t, appB)
	select {
	case err := <-second:
		t.Fatalf("an append to a locked talks returned %v without waiting", err)
	default:
	}
	releaseOnce()
	if err := <-first; err != nil {
		t.Fatalf("the first append: %v", err)
	}
	if err := <-second; !errors.Is(err, parley.ErrStale) {
		t.Fatalf("the append that waited: got error %v, want ErrStale", err)
	}
	if n, err := b.Size(ctx, "one"); n != 3 || err != nil {
		t.Errorf("Size = %d, %v; want 3", n, err)
	}
	readLog(t, b, "one")
	readLog(t, b, "two")
}

// Appends to many talks at once from two stores, each talks its own log.
func TestManyTalksInParallel(t *testing.T) {
	ctx := t.Context()
	schema := newSchema(t, false)
	stores := []*Store{openStore(t, schema), openStore(t, schema)}
	const (
		talksCount = 8
		appends    = 10
	)
	var wg sync.WaitGroup
	for k := range talksCount {
		talks := fmt.Sprintf("talks-%d", k)
		s := stores[k%2]
		wg.Go(func() {
			at := int64(0)
			for i := range appends {
				es := storetest.NewEntries(talks, "a", at, 1+i%3)
				c, err := s.Append(ctx, talks, at, es, storetest.Seal(talks))
				if err != nil {
					t.Errorf("Append to %s at %d: %v", talks, at, err)
					return
				}
				at = c.Size
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	ids, err := stores[1].ListTalks(ctx)
	if err != nil || len(ids) != talksCount {
		t.Fatalf("ListTalks = %q, %v; want %d talks", ids, err, talksCount)
	}
	for _, talks := range ids {
		log, _ := readLog(t, stores[0], talks)
		at := int64(0)
		for i := range appends {
			for j, want := range storetest.NewEntries(talks, "a", at, 1+i%3) {
				if got := log[at+int64(j)]; got.Nonce != want.Nonce || !bytes.Equal(got.Event, want.Event) {
					t.Fatalf("entry %d of %s is not the one appended", at+int64(j), talks)
				}
			}
			at += int64(1 + i%3)
		}
		if int64(len(log)) != at {
			t.Errorf("%s has %d entries, want %d", talks, len(log), at)
		}
	}
}

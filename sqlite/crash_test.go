package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// crashEnv names the database file TestCrashChild appends to; TestCrash
// sets it for the child processes it starts and kills.
const crashEnv = "PARLEY_SQLITE_CRASH_DB"

const (
	crashTalks = "crash"
	crashSeed  = "crash"
)

// TestCrashChild is not a test of its own: TestCrash runs the test binary
// again with only this function and crashEnv set. It appends batches of 1
// to 8 entries to the store, each entry storetest.NewEntry(crashTalks,
// crashSeed, index), and prints "ack N" once an Append making the log N
// entries long has returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("started by TestCrash only")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	// Stop by ourselves in case the parent died without killing us.
	for end := time.Now().Add(time.Minute); time.Now().Before(end); {
		size, err := s.Size(ctx, crashTalks)
		if err != nil {
			t.Fatal(err)
		}
		entries := storetest.NewEntries(crashTalks, crashSeed, size, 1+rng.IntN(8))
		c, err := s.Append(ctx, crashTalks, size, entries, storetest.Seal(crashTalks))
		if err != nil {
			t.Fatal(err)
		}
		// One write call per line: a kill never leaves half a line.
		if _, err := fmt.Fprintf(os.Stdout, "ack %d\n", c.Size); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCrash kills a process appending to a store at random moments and
// checks after each kill that every acknowledged entry survived, exactly,
// that the log, its hashes and its checkpoints agree, and that appending
// goes on.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills 20 processes")
	}
	const kills = 20
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	path := filepath.Join(t.TempDir(), "crash.db")
	c := &crashChecker{path: path}
	start := time.Now()
	for round := range kills {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=2m")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acks := make(chan []int64, 1)
		first := make(chan struct{}) // closed at the first acknowledgement
		go func() {
			var sizes []int64
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
					if v, err := strconv.ParseInt(n, 10, 64); err == nil {
						if sizes == nil {
							close(first)
						}
						sizes = append(sizes, v)
					}
				}
			}
			acks <- sizes
		}()

		// Mostly while appending, some time after the first append; now and
		// then at any moment from the start, which may fall while the
		// process starts or opens the store.
		if rng.IntN(4) == 0 {
			time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
		} else {
			select {
			case <-first:
			case <-time.After(10 * time.Second):
				t.Errorf("round %d: no append acknowledged in 10s", round)
			}
			time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		sizes := <-acks
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Exited() {
			t.Fatalf("round %d: the child ended before it was killed (%v):\n%s", round, err, stderr.Bytes())
		}
		for _, n := range sizes {
			if n <= c.acked {
				t.Fatalf("round %d: the child acknowledged size %d after %d", round, n, c.acked)
			}
			c.acked = n
		}
		c.newAcks = sizes
		c.check(t, round)
	}
	t.Logf("%d kills in %v; the log has %d entries, %d appended by the children; they acknowledged appends in %d rounds and were killed between a commit and its acknowledgement in %d", kills, time.Since(start).Round(time.Millisecond), c.acked, c.childEntries, c.productive, c.unacked)
	if c.productive < kills/4 {
		t.Errorf("the children acknowledged appends in only %d of %d rounds; the kills test little", c.productive, kills)
	}
}

// A crashChecker checks the store of TestCrash after each kill.
type crashChecker struct {
	path    string
	acked   int64   // the size of the log after the last acknowledged append
	newAcks []int64 // the sizes acknowledged in the last round

	want   []parley.Entry // the entries, NewEntry(crashTalks, crashSeed, i)
	hashes []tlog.Hash    // their stored hashes, computed here

	childEntries, productive, unacked int // statistics
}

func (c *crashChecker) check(t *testing.T, round int) {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, c.path)
	if err != nil {
		t.Fatalf("round %d: reopening after the kill: %v", round, err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
	}()
	size, err := s.Size(ctx, crashTalks)
	if err != nil {
		t.Fatal(err)
	}
	if size < c.acked {
		t.Fatalf("round %d: the log has %d entries, but %d were acknowledged", round, size, c.acked)
	}
	if len(c.newAcks) > 0 {
		c.productive++
	}
	if size > c.acked {
		c.unacked++
	}
	c.childEntries += int(size) - len(c.want)
	c.extend(t, size)

	// Every entry, acknowledged or not, is whole and exactly as appended,
	// with no gaps.
	for from := int64(0); from < size; from += MaxEntries {
		to := min(from+MaxEntries, size)
		got, err := s.Entries(ctx, crashTalks, from, to)
		if err != nil {
			t.Fatalf("round %d: Entries(%d, %d): %v", round, from, to, err)
		}
		for i, e := range got {
			if d := crashDiff(e, c.want[from+int64(i)]); d != "" {
				t.Fatalf("round %d: entry %d: %s", round, from+int64(i), d)
			}
		}
	}

	// The stored hashes are those of the entries; the latest checkpoint and
	// those acknowledged in this round have the right roots.
	indexes := make([]int64, len(c.hashes))
	for i := range indexes {
		indexes[i] = int64(i)
	}
	got, err := s.ReadHashes(ctx, crashTalks, indexes)
	if err != nil {
		t.Fatalf("round %d: ReadHashes: %v", round, err)
	}
	for i := range got {
		if tlog.Hash(got[i]) != c.hashes[i] {
			t.Fatalf("round %d: stored hash %d = %x, want %x", round, i, got[i], c.hashes[i])
		}
	}
	latest, err := s.Checkpoint(ctx, crashTalks, -1)
	switch {
	case size == 0:
		// Killed before its first append: an empty log has no checkpoint.
		if parley.ErrorCode(err) != parley.ENOTFOUND {
			t.Fatalf("round %d: latest checkpoint of an empty log: %v, want not found", round, err)
		}
		latest.Size = 0
	case err != nil:
		t.Fatalf("round %d: latest checkpoint: %v", round, err)
	}
	if latest.Size != size {
		t.Fatalf("round %d: the latest checkpoint is at size %d, the log has %d entries", round, latest.Size, size)
	}
	checked := c.newAcks
	if size > 0 {
		checked = append(checked, size)
	}
	for _, n := range checked {
		cp, err := s.Checkpoint(ctx, crashTalks, n)
		if err != nil {
			t.Fatalf("round %d: checkpoint at size %d: %v", round, n, err)
		}
		root, err := tlog.TreeHash(n, crashReader(c.hashes))
		if err != nil {
			t.Fatal(err)
		}
		if cp.Root != parley.Hash(root) || !bytes.Equal(cp.Note, storetest.Note(crashTalks, n, cp.Root)) {
			t.Fatalf("round %d: checkpoint at size %d has root %x and note %q, want root %x", round, n, cp.Root, cp.Note, root)
		}
	}

	// Appending goes on where the log ends.
	next := storetest.NewEntries(crashTalks, crashSeed, size, 1)
	cp, err := s.Append(ctx, crashTalks, size, next, storetest.Seal(crashTalks))
	if err != nil {
		t.Fatalf("round %d: appending after the kill: %v", round, err)
	}
	c.extend(t, size+1)
	if root, err := tlog.TreeHash(size+1, crashReader(c.hashes)); err != nil || cp.Root != parley.Hash(root) {
		t.Fatalf("round %d: the append after the kill has root %x, want %x (%v)", round, cp.Root, root, err)
	}
	c.acked = size + 1
}

// extend computes the wanted entries and hashes up to size.
func (c *crashChecker) extend(t *testing.T, size int64) {
	for n := int64(len(c.want)); n < size; n++ {
		e := storetest.NewEntry(crashTalks, crashSeed, n)
		hs, err := tlog.StoredHashesForRecordHash(n, tlog.Hash(e.Leaf), crashReader(c.hashes))
		if err != nil {
			t.Fatal(err)
		}
		c.want = append(c.want, e)
		c.hashes = append(c.hashes, hs...)
	}
}

func crashReader(hashes []tlog.Hash) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, k := range indexes {
			if k >= int64(len(hashes)) {
				return nil, fmt.Errorf("no hash %d of %d", k, len(hashes))
			}
			out[i] = hashes[k]
		}
		return out, nil
	})
}

// crashDiff describes how entry got differs from want, or returns "".
func crashDiff(got, want parley.Entry) string {
	switch {
	case got.Talks != want.Talks || got.Index != want.Index:
		return fmt.Sprintf("talks %q index %d, want %q %d", got.Talks, got.Index, want.Talks, want.Index)
	case !bytes.Equal(got.Event, want.Event):
		return fmt.Sprintf("event %q, want %q", got.Event, want.Event)
	case !bytes.Equal(got.Sig, want.Sig) || !bytes.Equal(got.Salt, want.Salt) || got.Leaf != want.Leaf:
		return fmt.Sprintf("sig, salt, leaf %x %x %x, want %x %x %x", got.Sig, got.Salt, got.Leaf, want.Sig, want.Salt, want.Leaf)
	case got.Kind != want.Kind || got.Actor != want.Actor || got.Nonce != want.Nonce:
		return fmt.Sprintf("kind, actor, nonce %q %q %q, want %q %q %q", got.Kind, got.Actor, got.Nonce, want.Kind, want.Actor, want.Nonce)
	case !got.Received.Equal(want.Received):
		return fmt.Sprintf("received %v, want %v", got.Received, want.Received)
	}
	return ""
}

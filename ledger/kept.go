package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
)

// The latest checkpoint of each talks is also kept outside the database,
// beside its log key: the file <talks>.checkpoint holds the signed note
// (C2SP tlog-checkpoint) exactly as the log signed it. Loading a log
// compares the database with it, so that a database rolled back to an
// older copy, or cut short, is refused rather than served.
//
// The file is replaced atomically (a temporary file, synced, renamed over
// it, the directory synced) and only by a larger checkpoint of the same
// log that verifies with the log's key, under a lock on the directory, so
// that processes sharing the directory never make it go backwards. It is
// written after the database commits, so it never runs ahead of it.

// keptPath returns the path of the file that keeps the latest checkpoint
// of a talks.
func (k *Keys) keptPath(talks string) string { return filepath.Join(k.dir, talks+".checkpoint") }

// kept returns the checkpoint kept outside the database for a talks, or
// nil if there is none. A file that does not hold a checkpoint signed by
// the log's key (vkey) is an error with code ECORRUPT.
func (k *Keys) kept(talks, vkey string) (*record.Checkpoint, error) {
	path := k.keptPath(talks)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, parley.Errorf(parley.EUNAVAILABLE, "reading the checkpoint of talks %s kept in %s: %v", talks, path, err)
	}
	cp, err := record.OpenCheckpoint(b, vkey)
	if err != nil {
		return nil, parley.Errorf(parley.ECORRUPT, "talks %s: the checkpoint kept in %s is not one its log signed (%v): it was changed outside Parley; restore the data directory from a backup, then run \"parley check\"", talks, path, err)
	}
	return cp, nil
}

// keep replaces the kept checkpoint of a talks with note, a checkpoint its
// log signed (verified with vkey), unless the file holds one at least as
// large. A file that holds another root at the same size is left as it is
// and reported: the log signed two histories.
func (k *Keys) keep(talks, vkey string, note []byte) error {
	cp, err := record.OpenCheckpoint(note, vkey)
	if err != nil {
		return fmt.Errorf("keeping the checkpoint of talks %s: %w", talks, err)
	}
	unlock, err := lockDir(k.dir)
	if err != nil {
		return fmt.Errorf("keeping the checkpoint of talks %s: %w", talks, err)
	}
	defer unlock()
	old, err := k.kept(talks, vkey)
	switch {
	case err != nil && parley.ErrorCode(err) != parley.ECORRUPT:
		return err
	case old == nil: // none yet, or one that does not verify: replace it
	case old.Size > cp.Size:
		return nil
	case old.Size == cp.Size && old.Root == cp.Root:
		return nil
	case old.Size == cp.Size:
		return parley.Errorf(parley.ECORRUPT, "talks %s: the log signed two roots at size %d, the one kept in %s and another; keep both notes as evidence of a fork", talks, cp.Size, k.keptPath(talks))
	}
	return writeFileAtomic(k.dir, k.keptPath(talks), note)
}

// writeFileAtomic replaces path, in dir, with data: it writes a temporary
// file in dir, syncs it, renames it over path and syncs dir, so that path
// holds either the old data or the new after a crash.
func writeFileAtomic(dir, path string, data []byte) error {
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails once renamed
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// existingLogKey returns the keys of a talks' log, which must exist: a log
// that holds entries without its key cannot be checked or extended.
func (k *Keys) existingLogKey(talks string, size int64) (skey, vkey string, err error) {
	if !parley.ValidTalksID(talks) {
		return "", "", parley.Errorf(parley.EINVALID, "%q is not a talks id", talks)
	}
	path := filepath.Join(k.dir, talks+".logkey")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", parley.Errorf(parley.ECORRUPT, "talks %s: its log holds %d entries, but its log key %s is missing: restore the data directory from a backup; without the key the log can be neither checked nor extended", talks, size, path)
	}
	if err != nil {
		return "", "", fmt.Errorf("reading the log key: %w", err)
	}
	return parseKeyFile(path, b)
}

// verifierKey returns the verifier key of a talks' log of size entries,
// without making one: a log with entries must have its key, and one
// without entries or key does not exist.
func (k *Keys) verifierKey(talks string, size int64) (string, error) {
	if size == 0 {
		if _, err := os.Stat(filepath.Join(k.dir, talks+".logkey")); errors.Is(err, fs.ErrNotExist) {
			return "", parley.Errorf(parley.ENOTFOUND, "there is no talks %q here: neither entries nor a log key", talks)
		}
	}
	_, vkey, err := k.existingLogKey(talks, size)
	return vkey, err
}

// keeper writes the checkpoints a log commits to its file, in the
// background, so that the syncs of a write never hold up an append: each
// committed batch hands its checkpoint over, and a writer takes the latest
// one when it starts a write. Writes of one log start at least keepEvery
// apart, so that a stream of small batches costs a write every keepEvery,
// not one per batch. The file thus lags the database by at most keepEvery
// and one write, and never runs ahead of it.
type keeper struct {
	mu    sync.Mutex
	next  parley.Checkpoint // the latest committed checkpoint not yet written
	busy  bool              // a writer is running
	start time.Time         // when the last write started
}

// keepEvery is the least time between the starts of two writes of a
// talks' kept checkpoint.
const keepEvery = 50 * time.Millisecond

// keep hands a committed checkpoint of a log over to be written to its
// file.
func (l *Ledger) keep(lg *talksLog, cp parley.Checkpoint) {
	if !l.cfg.KeepCheckpoints {
		return
	}
	k := &lg.keeper
	k.mu.Lock()
	defer k.mu.Unlock()
	if cp.Size > k.next.Size {
		k.next = cp
	}
	if k.busy {
		return
	}
	l.keepMu.Lock()
	defer l.keepMu.Unlock()
	if l.closed {
		return
	}
	k.busy = true
	l.keeping.Add(1)
	go l.writeKept(lg)
}

// writeKept writes the checkpoints handed over to a log's keeper until
// none is left.
func (l *Ledger) writeKept(lg *talksLog) {
	defer l.keeping.Done()
	k := &lg.keeper
	for {
		k.mu.Lock()
		if k.next.Size == 0 {
			k.busy = false
			k.mu.Unlock()
			return
		}
		wait := time.Until(k.start.Add(keepEvery))
		k.mu.Unlock()
		if wait > 0 {
			select {
			case <-time.After(wait):
			case <-l.closing:
			}
		}
		k.mu.Lock()
		cp := k.next
		k.next, k.start = parley.Checkpoint{}, time.Now()
		k.mu.Unlock()
		if err := l.cfg.Keys.keep(lg.id, lg.vkey, cp.Note); err != nil {
			l.cfg.Logger.Error("keeping the latest checkpoint outside the database failed", "talks", lg.id, "size", cp.Size, "err", err)
		}
	}
}

// Close waits until the checkpoints committed so far are written to their
// files outside the database, and stops writing them. It does not close
// the store. Call it before closing the store, once no more appends are
// made.
func (l *Ledger) Close() error {
	l.keepMu.Lock()
	if !l.closed {
		l.closed = true
		close(l.closing)
	}
	l.keepMu.Unlock()
	l.keeping.Wait()
	return nil
}

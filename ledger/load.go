package ledger

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
)

// The host is not trusted, and neither is its database: whoever can write
// to it can change a stored event, delete the last entries or put back an
// older copy. So a log is checked whenever the ledger reads it from the
// store, as a bundle's verifier would check it (docs/RECORD.md §10): every
// entry's signature, its leaf, the authorization replay of the state,
// the stored Merkle hashes against the leaves, the stored checkpoint's
// signature and root, and the checkpoint kept outside the database. A log
// that fails is refused, whole and for good, with code ECORRUPT: nothing
// is appended to it or served from it, and nothing signs over it.

// corruptEntry returns the error that refuses a talks whose entry index
// is the first that fails its checks, for the reason what: a phrase, an
// error, or the text of an error of package record. It says what the
// operator is to do.
func corruptEntry(talks string, index int64, what any) *parley.Error {
	return parley.Errorf(parley.ECORRUPT, "entry %d of talks %s: %s; this talks is refused until its record is repaired: restore the database (and the data directory) from a backup, then run \"parley check\" to check it", index, talks, what)
}

// corruptLog returns the error that refuses a talks whose log fails a
// check that names no single entry.
func corruptLog(talks string, what parley.Phrase) *parley.Error {
	return parley.Errorf(parley.ECORRUPT, "talks %s: %s; this talks is refused until its record is repaired: restore the database (and the data directory) from a backup, then run \"parley check\" to check it", talks, what)
}

// asCorrupt turns a failure that record.CheckStored names into the error
// that refuses the talks. Other errors (the store did not answer) are
// returned as they are.
func asCorrupt(talks string, err error) error {
	var ve *record.VerifyError
	if !errors.As(err, &ve) || ve.Index < 0 {
		return err
	}
	var re *replayError
	if errors.As(ve.Err, &re) {
		return corruptEntry(talks, ve.Index, re.phrase())
	}
	return corruptEntry(talks, ve.Index, ve.Err.Error())
}

// replayError is the state's refusal of a stored entry.
type replayError struct {
	kind, actor string
	err         error
}

func (e *replayError) Error() string { return e.phrase().String() }

// phrase says the refusal, the state's error kept.
func (e *replayError) phrase() parley.Phrase {
	return parley.Key("the replay of the record refuses this %s by %s: %s", e.kind, e.actor, asError(e.err))
}

// asError returns the *parley.Error of err's chain, or "internal error"
// for an error that is not one, whose text may leak internals.
func asError(err error) *parley.Error {
	var pe *parley.Error
	if errors.As(err, &pe) {
		return pe
	}
	return parley.Errorf(parley.EINTERNAL, "internal error")
}

// A Check says what checking a talks' stored log found (see Ledger.Check).
type Check struct {
	Talks   string
	Origin  string
	LogKey  string      // the log's verifier key
	Size    int64       // entries checked
	Root    parley.Hash // the root of the stored checkpoint at Size
	Kept    int64       // the size of the checkpoint kept outside the database, 0 if there is none
	Elapsed time.Duration
}

// String says in one line what was checked.
func (c *Check) String() string {
	kept := "no checkpoint kept outside the database"
	if c.Kept > 0 {
		kept = fmt.Sprintf("the checkpoint kept outside the database (size %d) agrees", c.Kept)
	}
	return fmt.Sprintf("%d entries, root %s; %s", c.Size, base64.StdEncoding.EncodeToString(c.Root[:]), kept)
}

// Check runs on the stored log of a talks the checks of loading — every
// entry's signature, leaf and authorization, the stored tree, the stored
// checkpoint and the one kept outside the database — and says what it
// found. It keeps nothing in memory and writes nothing. A log that fails
// gives an error with code ECORRUPT naming the first entry that fails and
// why. progress, when not nil, is called with the entries checked so far
// and the log's size.
func (l *Ledger) Check(ctx context.Context, talks string, progress func(done, total int64)) (*Check, error) {
	if err := parley.CheckTalksID(talks); err != nil {
		return nil, err
	}
	start := time.Now()
	size, err := l.store.Size(ctx, talks)
	if err != nil {
		return nil, err
	}
	vkey, err := l.cfg.Keys.verifierKey(talks, size)
	if err != nil {
		return nil, err
	}
	if size == 0 {
		// Without entries, it exists only if the log had some.
		kept, err := l.cfg.Keys.kept(talks, vkey)
		if err != nil {
			return nil, err
		}
		if kept == nil {
			return nil, parley.Errorf(parley.ENOTFOUND, "there is no talks %q in this store", talks)
		}
	}
	if v, err := note.NewVerifier(vkey); err != nil || v.Name() != l.Origin(talks) {
		return nil, parley.Errorf(parley.EINVALID, "the log key of talks %q is not for the origin %s: check it with the host of the origin its key names", talks, l.Origin(talks))
	}
	lg := &talksLog{id: talks, origin: l.Origin(talks), vkey: vkey}
	kept, err := l.load(ctx, lg, nil, progress)
	if err != nil {
		return nil, err
	}
	c := &Check{Talks: talks, Origin: lg.origin, LogKey: vkey, Size: lg.state.Size, Root: lg.cp.Root, Elapsed: time.Since(start)}
	if kept != nil {
		c.Kept = kept.Size
	}
	return c, nil
}

// load rebuilds a log's state and tree from the store, checking all it
// reads, and returns the checkpoint kept outside the database (nil if
// none). known is a tree of the log that was checked before, whose
// entries are taken on their leaf (see record.CheckStored); nil on a first
// load. The log changes only if all goes well.
func (l *Ledger) load(ctx context.Context, into *talksLog, known []tlog.Hash, progress func(done, total int64)) (*record.Checkpoint, error) {
	lg := &talksLog{id: into.id, origin: into.origin, vkey: into.vkey, state: state.New(into.id).WithOrigin(into.origin)}
	// Read the kept checkpoint before the size: it is written after the
	// database commits, so the store holds at least as much, unless the
	// database went back.
	kept, err := l.cfg.Keys.kept(lg.id, lg.vkey)
	if err != nil {
		return nil, err
	}
	size, err := l.store.Size(ctx, lg.id)
	if err != nil {
		return nil, err
	}
	knownLeaf := func(i int64) (parley.Hash, bool) {
		if k := tlog.StoredHashIndex(0, i); k < int64(len(known)) {
			return parley.Hash(known[k]), true
		}
		return parley.Hash{}, false
	}
	if err := l.checkRange(ctx, lg, 0, size, knownLeaf, nil, progress); err != nil {
		return nil, err
	}
	cp, err := l.checkTree(ctx, lg, size, kept)
	if err != nil {
		return nil, err
	}
	into.state, into.hashes, into.cp = lg.state, lg.hashes, cp
	return kept, nil
}

// checkRange checks the stored entries [from, to) of a log, which holds
// the entries before from, and applies them to its state and tree: each
// entry's index, event, signature (unless known gives its leaf) and leaf,
// on all cores; in order, the authorization replay of the state, and the
// Merkle hashes the store holds for the entry against those of the tree.
// Each entry that passes is then given to seen, if not nil. The store is
// read a page ahead of the checks.
func (l *Ledger) checkRange(ctx context.Context, lg *talksLog, from, to int64, known func(int64) (parley.Hash, bool), seen func(parley.Entry, *parley.Event), progress func(done, total int64)) error {
	if from >= to {
		return nil
	}
	type page struct {
		from    int64
		entries []parley.Entry
		hashes  []parley.Hash // the stored hashes the page's entries add
		err     error
	}
	pages := make(chan page, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(pages)
		for at := from; at < to; at += pageSize {
			end := min(at+pageSize, to)
			p := page{from: at}
			p.entries, p.err = l.store.Entries(ctx, lg.id, at, end)
			if code := parley.ErrorCode(p.err); code == parley.EINTERNAL || code == parley.ENOTFOUND {
				p.err = l.unreadable(ctx, lg.id, at, end, p.err)
			}
			if p.err == nil {
				first, last := tlog.StoredHashIndex(0, at), tlog.StoredHashIndex(0, end)
				idx := make([]int64, last-first)
				for i := range idx {
					idx[i] = first + int64(i)
				}
				p.hashes, p.err = l.store.ReadHashes(ctx, lg.id, idx)
			}
			if p.err == nil && int64(len(p.entries)) != end-at {
				p.err = fmt.Errorf("the store gave %d entries of talks %s from %d, not %d", len(p.entries), lg.id, at, end-at)
			}
			select {
			case pages <- p:
			case <-done:
				return
			}
			if p.err != nil {
				return
			}
		}
	}()
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		stored := p.hashes
		apply := func(en *parley.Entry, e *parley.Event) error {
			if err := lg.state.Apply(e, en.Index); err != nil {
				return &replayError{e.Kind, e.Actor, err}
			}
			hs, err := tlog.StoredHashesForRecordHash(en.Index, tlog.Hash(en.Leaf), lg.hashReader())
			if err != nil {
				return err
			}
			for i, h := range hs {
				if i >= len(stored) || parley.Hash(h) != stored[i] {
					return parley.Errorf(parley.ECORRUPT, "the Merkle hashes the store holds for it are not those of the tree of the entries: the stored tree was changed")
				}
			}
			stored = stored[len(hs):]
			lg.hashes = append(lg.hashes, hs...)
			if seen != nil {
				seen(*en, e)
			}
			return nil
		}
		var prog func(done, total int)
		if progress != nil {
			prog = func(done, _ int) { progress(p.from+int64(done), to) }
		}
		if err := record.CheckStored(lg.origin, p.from, p.entries, known, apply, prog); err != nil {
			return asCorrupt(lg.id, err)
		}
	}
	return ctx.Err()
}

// unreadable names the first of the entries [from, to) of a talks that the
// store, which counts them in the log, fails to give (err): it was deleted
// or damaged. If each can be read on its own, err is returned as it is.
func (l *Ledger) unreadable(ctx context.Context, talks string, from, to int64, err error) error {
	for i := from; i < to; i++ {
		es, rerr := l.store.Entries(ctx, talks, i, i+1)
		switch code := parley.ErrorCode(rerr); {
		case rerr == nil && len(es) == 1:
			continue
		case rerr == nil:
			return corruptEntry(talks, i, parley.Key("it is missing: the store counts it in the log but does not hold it; it was deleted"))
		case code == parley.EINTERNAL || code == parley.ENOTFOUND:
			return corruptEntry(talks, i, parley.Key("the store counts it in the log but cannot give it (%s): it was deleted or damaged", asError(rerr)))
		default:
			return rerr
		}
	}
	return err
}

// checkTree checks, once a log's size entries are checked and in its
// tree, that the store holds the checkpoint of that tree signed by the
// log's key, and that the tree extends the checkpoint kept outside the
// database (nil if none). It returns the stored checkpoint.
func (l *Ledger) checkTree(ctx context.Context, lg *talksLog, size int64, kept *record.Checkpoint) (parley.Checkpoint, error) {
	if kept != nil && kept.Size > size {
		return parley.Checkpoint{}, corruptEntry(lg.id, size, parley.Key("it is missing: the database holds %d entries, but the log signed %d (the checkpoint kept in %s): the database was rolled back to an older copy or its last entries were deleted", size, kept.Size, l.cfg.Keys.keptPath(lg.id)))
	}
	if size == 0 {
		return parley.Checkpoint{}, nil
	}
	cp, err := l.store.Checkpoint(ctx, lg.id, size)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return parley.Checkpoint{}, corruptEntry(lg.id, size, parley.Key("it is missing: the log ends before it, at size %d, where its log signed no checkpoint: the last entries were deleted, or the stored checkpoint was", size))
	}
	if err != nil {
		return parley.Checkpoint{}, err
	}
	root, err := tlog.TreeHash(size, lg.hashReader())
	if err != nil {
		return parley.Checkpoint{}, err
	}
	signed, err := record.OpenCheckpoint(cp.Note, lg.vkey)
	switch {
	case err != nil:
		return parley.Checkpoint{}, corruptLog(lg.id, parley.Key("the checkpoint stored at size %d is not one its log signed: %v", size, err))
	case signed.Size != size:
		return parley.Checkpoint{}, corruptLog(lg.id, parley.Key("the checkpoint stored at size %d is the one its log signed at size %d", size, signed.Size))
	case signed.Root != cp.Root:
		return parley.Checkpoint{}, corruptLog(lg.id, parley.Key("the checkpoint stored at size %d signs another root than the one stored beside it", size))
	case signed.Root != parley.Hash(root):
		return parley.Checkpoint{}, l.locate(ctx, lg, size)
	}
	if kept != nil {
		at, err := tlog.TreeHash(kept.Size, lg.hashReader())
		if err != nil {
			return parley.Checkpoint{}, err
		}
		if parley.Hash(at) != kept.Root {
			return parley.Checkpoint{}, corruptLog(lg.id, parley.Key("its first %d entries are not those the log signed in the checkpoint kept in %s: the database holds another history (an older copy that was then appended to, or a fork)", kept.Size, l.cfg.Keys.keptPath(lg.id)))
		}
	}
	return cp, nil
}

// locate names the entries that make a log's tree miss the root its log
// signed at size, although every entry, leaf and stored hash checks out:
// one of them was replaced by another with a valid signature, its leaf and
// the stored tree recomputed. It searches the checkpoints the log signed
// for the last one the tree matches and the first it does not.
func (l *Ledger) locate(ctx context.Context, lg *talksLog, size int64) error {
	matches := func(n int64) (found, ok bool, err error) {
		cp, err := l.store.Checkpoint(ctx, lg.id, n)
		if parley.ErrorCode(err) == parley.ENOTFOUND {
			return false, false, nil
		}
		if err != nil {
			return false, false, err
		}
		signed, err := record.OpenCheckpoint(cp.Note, lg.vkey)
		if err != nil || signed.Size != n {
			return true, false, nil
		}
		root, err := tlog.TreeHash(n, lg.hashReader())
		return true, err == nil && parley.Hash(root) == signed.Root, err
	}
	// probe finds the checkpoint between good and bad nearest mid.
	good, bad := int64(0), size // the tree matches at good, not at bad
	probe := func(mid int64) (n int64, found, ok bool, err error) {
		for n = mid; n < bad; n++ {
			if found, ok, err = matches(n); found || err != nil {
				return
			}
		}
		for n = mid - 1; n > good; n-- {
			if found, ok, err = matches(n); found || err != nil {
				return
			}
		}
		return 0, false, false, nil
	}
	for bad-good > 1 {
		n, found, ok, err := probe(good + (bad-good)/2)
		if err != nil {
			return err
		}
		if !found {
			break // no checkpoint between good and bad
		}
		if ok {
			good = n
		} else {
			bad = n
		}
	}
	if bad-good == 1 {
		return corruptEntry(lg.id, good, parley.Key("it is not the entry its log signed at size %d: it was replaced by another signed event, with its leaf and the stored tree recomputed", bad))
	}
	return corruptEntry(lg.id, good, parley.Key("it, or one of the entries after it up to entry %d, is not the entry its log signed: the tree of the entries matches the checkpoint the log signed at size %d but not the one at size %d; an entry was replaced by another signed event, with its leaf and the stored tree recomputed", bad-1, good, bad))
}

// log returns the in-memory log of a talks, loading it from the store and
// checking it on first use; create allows a talks that does not exist yet.
// One caller loads a talks while those who want it meanwhile wait for it,
// and other talks are served as usual. A talks whose stored log failed its
// checks stays refused: every later call gets the same error.
func (l *Ledger) log(ctx context.Context, talks string, create bool) (*talksLog, error) {
	for {
		l.mu.Lock()
		lg := l.logs[talks]
		if lg == nil {
			lg = &talksLog{id: talks, loaded: make(chan struct{})}
			l.logs[talks] = lg
			l.mu.Unlock()
			// The load is done for everyone who waits for it: the
			// caller that started it going away does not stop it.
			lg.err = l.open(context.WithoutCancel(ctx), lg, create)
			if lg.err != nil && lg.refused.Load() == nil {
				l.mu.Lock()
				delete(l.logs, talks) // the next call tries again
				l.mu.Unlock()
			}
			close(lg.loaded)
		} else {
			l.mu.Unlock()
		}
		select {
		case <-lg.loaded:
		case <-ctx.Done():
			return nil, parley.Errorf(parley.EUNAVAILABLE, "talks %s is being loaded and checked, and the request ended first (%v); try again shortly", talks, ctx.Err())
		}
		if err := lg.refused.Load(); err != nil {
			return nil, err
		}
		if lg.err != nil {
			if create && parley.ErrorCode(lg.err) == parley.ENOTFOUND {
				continue // another caller looked for it without founding it
			}
			return nil, lg.err
		}
		return lg, nil
	}
}

// open loads the log of a talks into lg, checking it, and keeps its
// latest checkpoint outside the database if it is not kept yet.
func (l *Ledger) open(ctx context.Context, lg *talksLog, create bool) error {
	talks := lg.id
	size, err := l.store.Size(ctx, talks)
	if err != nil {
		return err
	}
	origin := l.Origin(talks)
	var skey, vkey string
	switch {
	case size > 0:
		skey, vkey, err = l.cfg.Keys.existingLogKey(talks, size)
	case create:
		skey, vkey, err = l.cfg.Keys.LogKey(talks, origin)
	default:
		// A talks without entries may have had some: it exists if its
		// log key does, and then loading says what became of them.
		if _, err := l.cfg.Keys.verifierKey(talks, 0); err != nil {
			return parley.Errorf(parley.ENOTFOUND, "there is no talks %q on this server", talks)
		}
		skey, vkey, err = l.cfg.Keys.existingLogKey(talks, 0)
	}
	if err != nil {
		if parley.ErrorCode(err) == parley.ECORRUPT {
			l.refuse(lg, err)
		}
		return err
	}
	sealer, err := record.NewSealer(skey)
	if err != nil {
		return err
	}
	if sealer.Origin() != origin {
		// Events signed for this ledger's origin would not verify for
		// the log's: refuse them all rather than store them.
		return parley.Errorf(parley.EINTERNAL, "the log key of talks %q is for the origin %s, not %s: run with the host of that origin", talks, sealer.Origin(), origin)
	}
	lg.origin, lg.sealer, lg.vkey = origin, sealer, vkey
	start := time.Now()
	kept, err := l.load(ctx, lg, nil, nil)
	if parley.ErrorCode(err) == parley.ECORRUPT {
		l.refuse(lg, err)
	}
	if err != nil {
		return err
	}
	if lg.state.Size == 0 && !create {
		return parley.Errorf(parley.ENOTFOUND, "there is no talks %q on this server", talks)
	}
	if size > 0 {
		d := time.Since(start)
		l.cfg.Logger.Info("loaded and checked a talks", "talks", talks, "entries", lg.state.Size, "took", d.Round(time.Millisecond), "entries_per_s", int(float64(lg.state.Size)/max(d.Seconds(), 1e-9)))
	}
	if lg.cp.Size > 0 && (kept == nil || kept.Size < lg.cp.Size) {
		l.keep(lg, lg.cp)
	}
	return nil
}

// reload rebuilds a log's state and tree from the store, after an append
// failed or when memory may be ahead of the store. It checks what it reads
// as a first load does, but takes the entries the log held before on their
// leaf, rehashing them rather than verifying their signatures again.
// Until a reload succeeds the log is stale: memory may hold what the
// store does not, and it is reloaded before it is used again.
func (l *Ledger) reload(ctx context.Context, lg *talksLog) error {
	_, err := l.load(ctx, lg, lg.hashes, nil)
	lg.stale = err != nil
	if parley.ErrorCode(err) == parley.ECORRUPT {
		l.refuse(lg, err)
	}
	return err
}

// current makes sure that a log may be used: it is not refused, and if it
// is stale it is reloaded. Call it with lg.mu held.
func (l *Ledger) current(ctx context.Context, lg *talksLog) error {
	if err := lg.refused.Load(); err != nil {
		return err
	}
	if lg.stale {
		return l.reload(ctx, lg)
	}
	return nil
}

// refuse refuses a talks for good: its stored log failed its checks.
func (l *Ledger) refuse(lg *talksLog, err error) {
	var pe *parley.Error
	if !errors.As(err, &pe) {
		pe = parley.Errorf(parley.ECORRUPT, "%v", err)
	}
	if lg.refused.CompareAndSwap(nil, pe) {
		l.cfg.Logger.Error("refusing a talks whose stored record fails its checks", "talks", lg.id, "err", pe.Message)
	}
}

// served checks an entry read from the store to be served against hashes,
// the tree of the log as it was checked: the entry must be the one whose
// leaf the tree holds. One that is not was changed in the store since the
// log was loaded, and the talks is refused. An entry past the tree (that
// another process appended) is checked when the log catches up with it.
func (l *Ledger) served(lg *talksLog, hashes []tlog.Hash, en *parley.Entry) error {
	k := tlog.StoredHashIndex(0, en.Index)
	if k >= int64(len(hashes)) {
		return nil
	}
	if leaf := record.LeafHash(en.Salt, en.Event, en.Sig); leaf != parley.Hash(hashes[k]) || en.Leaf != leaf {
		err := corruptEntry(lg.id, en.Index, parley.Key("the stored entry is not the one that was checked when the log was loaded: it was changed in the store since"))
		l.refuse(lg, err)
		return err
	}
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

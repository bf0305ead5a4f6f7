// Package ledger is the append path of Parley: it checks a signed event
// (signature, the signer's role, the act against the state), appends it to
// the talks' Merkle log through a parley.Store in one transaction together
// with the log's hashes and a new signed checkpoint, and returns a receipt.
//
// Appends to one talks are serialized but committed in groups: while one
// batch is being written, the events that arrive queue up and go into the
// next transaction together, so that many writers share one disk sync and
// no acknowledged event can be lost.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
)

// Config configures a Ledger.
type Config struct {
	Host     string // the host part of log origins: "<host>/talks/<id>"
	Keys     *Keys  // where log signing keys are kept
	MaxBatch int    // events per transaction at most (default 256)
	// Verifiers bounds the signature checks that run at once. The
	// default, one fewer than GOMAXPROCS and at least one, leaves a core
	// to the commit path of a talks, which is serial: without the bound,
	// a commit that returns from the disk waits behind every check queued
	// for the processors, and the whole talks waits with it.
	Verifiers int
	Now       func() time.Time
	// OnAppend, if set, is called after each committed batch, in log
	// order, under the talks' lock: it must not block or call the ledger.
	// With Shared, it is also called with the batches other processes
	// appended, when this ledger catches up with them.
	OnAppend func(Appended)
	// Shared says that other processes append to the same store: the
	// ledger then catches up with the store before each batch.
	Shared bool
	// KeepCheckpoints keeps the latest checkpoint of each talks in a file
	// beside its log key as well (see Keys), written in the background
	// after each committed batch, so that loading detects a database
	// rolled back or cut short. Close waits for the writes in progress;
	// call it before the process exits. A kept checkpoint is checked at
	// load whether or not this is set.
	KeepCheckpoints bool
	// Logger receives what the ledger reports on its own: talks loaded
	// and refused, failures to catch up or to keep a checkpoint outside
	// the database. Nil discards it.
	Logger *slog.Logger
	// OnCatchUpError, if set, is called when catching up with the
	// appends of other processes fails (the error is logged too), so
	// that the failures can be counted. It is called under the talks'
	// lock: it must not block or call the ledger.
	OnCatchUpError func(talks string, err error)
}

// MaxAhead is how far ahead of the host's clock an event's time may be:
// an act signed later than that is refused, since the signer's clock is
// wrong. Old records are not held to it.
const MaxAhead = 10 * time.Minute

// A Locker serializes the appends of several processes to one talks: each
// takes the lock around catching up, checking a batch and appending it, so
// that none checks acts against a log that another is extending. Package
// postgres implements it with advisory locks.
type Locker interface {
	LockTalks(ctx context.Context, talks string) (unlock func(), err error)
}

// A Notifier reports the appends committed to a shared store by any
// process: package postgres implements it with LISTEN/NOTIFY.
type Notifier interface {
	// Notify calls f with a talks and its new size after appends, until
	// ctx ends or the notifications fail.
	Notify(ctx context.Context, f func(talks string, size int64)) error
}

// Appended is a committed batch of a talks' log.
type Appended struct {
	Talks      string
	Entries    []parley.Entry
	Events     []*parley.Event
	Vis        []string // the visibility of each event
	Checkpoint parley.Checkpoint
	// Agreement is set when an event of the batch can change what is
	// agreed.
	Agreement bool
	// Released holds, for each mediator.release of the batch, the event
	// it releases, so that live streams can send it to the party it is
	// released to, before the release.
	Released []Released
}

// A Released is an event a mediator.release of a batch shows a party.
type Released struct {
	Release int64  // the log index of the mediator.release
	Party   string // the party it is released to
	Entry   parley.Entry
	Event   *parley.Event
	Vis     string // its visibility, which does not include the party
}

// A Ledger appends signed events to the logs of talks and keeps their
// current state in memory.
type Ledger struct {
	store parley.Store
	cfg   Config

	mu   sync.Mutex
	logs map[string]*talksLog

	verifying chan struct{} // a token per signature check in progress

	keepMu  sync.Mutex     // guards closed and the start of writers
	closed  bool           // Close was called: keep no more checkpoints
	closing chan struct{}  // closed by Close: writers wait no more
	keeping sync.WaitGroup // writers of kept checkpoints (see keeper)
}

// New returns a Ledger over a store.
func New(store parley.Store, cfg Config) *Ledger {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Verifiers <= 0 {
		cfg.Verifiers = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Ledger{store: store, cfg: cfg, logs: map[string]*talksLog{}, verifying: make(chan struct{}, cfg.Verifiers), closing: make(chan struct{})}
}

// Store returns the ledger's store.
func (l *Ledger) Store() parley.Store { return l.store }

// Origin returns the log origin of a talks.
func (l *Ledger) Origin(talks string) string { return parley.Origin(l.cfg.Host, talks) }

// A Receipt is the host's signed acknowledgement of one event: its index,
// its leaf hash, and a checkpoint that contains it with the inclusion proof.
type Receipt = record.Receipt

// talksLog is the in-memory side of one talks' log.
type talksLog struct {
	id string

	// Set by the call that loads the log, before loaded is closed.
	loaded chan struct{}
	err    error // why the log could not be loaded
	origin string
	sealer *record.Sealer
	vkey   string

	// refused is set when the stored log fails its checks: the talks
	// is then refused for good, with this error.
	refused atomic.Pointer[parley.Error]
	keeper  keeper

	mu     sync.Mutex // guards the fields below and serializes commits
	stale  bool       // a reload failed: reload before using the log
	state  *state.Talks
	hashes []tlog.Hash // the stored hashes of the tree, by storage index
	cp     parley.Checkpoint

	qmu        sync.Mutex
	queue      []*request
	committing bool
}

type request struct {
	se   parley.SignedEvent
	e    *parley.Event
	salt []byte
	leaf parley.Hash
	done chan struct{}
	err  error
	// Set with a nil err when the event is committed: its entry, and the
	// checkpoint and tree (a prefix that never changes) to prove it in.
	entry  parley.Entry
	cp     parley.Checkpoint
	hashes []tlog.Hash
}

// Append checks a signed event and appends it to its talks' log. It returns
// the receipt, or an *parley.Error saying why the event was refused; a
// refused event changes nothing.
func (l *Ledger) Append(ctx context.Context, se parley.SignedEvent) (*Receipt, error) {
	e, err := parley.DecodeEvent(se.Bytes)
	if err != nil {
		return nil, err
	}
	if err := l.checkSignature(ctx, se, e); err != nil {
		return nil, err
	}
	if now := l.cfg.Now(); e.At().After(now.Add(MaxAhead)) {
		return nil, parley.Errorf(parley.EINVALID, "event field \"time\": %s is %v ahead of this server's clock (%s), more than the %v allowed: the signer's clock seems wrong; set it right and sign the act again", e.Time, e.At().Sub(now).Round(time.Second), now.UTC().Format(time.RFC3339), MaxAhead)
	}
	if e.Kind == parley.KindFoundTalks {
		// Check the founding on its own before a log key is made for it.
		if err := state.New(e.Talks).Apply(e, 0); err != nil {
			return nil, err
		}
	}
	lg, err := l.log(ctx, e.Talks, e.Kind == parley.KindFoundTalks)
	if err != nil {
		return nil, err
	}
	if err := l.checkWitnessing(ctx, lg, e); err != nil {
		return nil, err
	}
	// The leaf commitment does not depend on the event's place in the
	// log: compute it here, in parallel, rather than in the commit path.
	salt := record.NewSalt()
	req := &request{se: se, e: e, salt: salt, leaf: record.LeafHash(salt, se.Bytes, se.Sig), done: make(chan struct{})}
	lg.qmu.Lock()
	lg.queue = append(lg.queue, req)
	lead := !lg.committing
	lg.committing = true
	lg.qmu.Unlock()
	if lead {
		// This caller commits batches until the queue is empty. The
		// batch must not depend on this caller's context alone.
		l.commitLoop(context.WithoutCancel(ctx), lg)
	}
	// A queued event is committed or refused soon whatever the caller's
	// context does, so wait for the answer rather than leave it unknown.
	<-req.done
	if req.err != nil {
		return nil, req.err
	}
	return lg.receipt(req.entry, req.cp, req.hashes)
}

// checkSignature checks the signature of an event once a verification slot
// is free (see Config.Verifiers).
func (l *Ledger) checkSignature(ctx context.Context, se parley.SignedEvent, e *parley.Event) error {
	err := ctx.Err()
	if err == nil {
		select {
		case l.verifying <- struct{}{}:
			defer func() { <-l.verifying }()
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		return parley.Errorf(parley.EUNAVAILABLE, "the event was not checked: the request ended while it waited for a free signature check (%v); send it again", err)
	}
	return se.CheckSignature(l.Origin(e.Talks), e)
}

func (l *Ledger) commitLoop(ctx context.Context, lg *talksLog) {
	for {
		lg.qmu.Lock()
		n := min(len(lg.queue), l.cfg.MaxBatch)
		if n == 0 {
			lg.committing = false
			lg.qmu.Unlock()
			return
		}
		batch := lg.queue[:n:n]
		lg.queue = lg.queue[n:]
		lg.qmu.Unlock()
		l.commit(ctx, lg, batch)
		for _, r := range batch {
			close(r.done)
		}
	}
}

// commit checks a batch against the state and appends what passes in one
// transaction.
func (l *Ledger) commit(ctx context.Context, lg *talksLog, batch []*request) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if err := l.current(ctx, lg); err != nil {
		for _, r := range batch {
			r.err = err
		}
		return
	}
	if l.cfg.Shared {
		fail := func(err error) {
			for _, r := range batch {
				r.err = err
			}
		}
		if lk, ok := l.store.(Locker); ok {
			unlock, err := lk.LockTalks(ctx, lg.id)
			if err != nil {
				fail(err)
				return
			}
			defer unlock()
		}
		if err := l.catchUp(ctx, lg); err != nil {
			fail(err)
			return
		}
	}
	for attempt := 0; ; attempt++ {
		var accepted []*request
		var entries []parley.Entry
		size := lg.state.Size
		now := l.cfg.Now().UTC()
		for _, r := range batch {
			r.err = nil
			if err := lg.state.Apply(r.e, size+int64(len(entries))); err != nil {
				r.err = err
				continue
			}
			entries = append(entries, parley.Entry{
				Talks: lg.id, Index: size + int64(len(entries)),
				Event: r.se.Bytes, Sig: r.se.Sig, Salt: r.salt, Leaf: r.leaf,
				Kind: r.e.Kind, Actor: r.e.Actor, Nonce: r.e.Nonce, Received: now,
			})
			accepted = append(accepted, r)
		}
		if len(entries) == 0 {
			return
		}
		added, root, seal := lg.presign(entries)
		cp, err := l.store.Append(ctx, lg.id, size, entries, seal)
		if err == nil {
			if added != nil && cp.Size == size+int64(len(entries)) && cp.Root == root {
				lg.hashes, lg.cp = append(lg.hashes, added...), cp
				l.keep(lg, cp)
			} else if err := l.reload(ctx, lg); err != nil {
				// The entries are stored, but the tree in memory is not
				// the store's: it was rebuilt from the store, or failed to.
				for _, r := range accepted {
					r.err = err
				}
				return
			}
			for i, r := range accepted {
				// Each writer proves its own entry, outside the lock:
				// the tree up to this checkpoint never changes.
				r.entry, r.cp, r.hashes = entries[i], lg.cp, lg.hashes
			}
			events := make([]*parley.Event, len(accepted))
			for i, r := range accepted {
				events[i] = r.e
			}
			l.publish(lg, entries, events)
			return
		}
		// The state took in events that were not stored: rebuild it from
		// the store, then try again if another writer got there first.
		if rerr := l.reload(ctx, lg); rerr != nil {
			err = rerr
		} else {
			l.publishRange(ctx, lg, size, lg.state.Size)
		}
		if errors.Is(err, parley.ErrStale) && attempt < maxRetries {
			// Another process appended first: its events are in the
			// state now; check the batch again after a short, growing,
			// random pause, so that contending processes take turns.
			time.Sleep(time.Duration(mrand.Int64N(int64(attempt+1) * int64(time.Millisecond))))
			continue
		}
		if errors.Is(err, parley.ErrDuplicate) && len(accepted) > 1 && attempt < maxRetries {
			// One of the batch was already recorded by another writer;
			// the reload makes the state refuse it next time.
			continue
		}
		for _, r := range accepted {
			r.err = err
		}
		return
	}
}

// presign computes the tree the log will have once entries are appended
// and starts signing its checkpoint at once, so that the signature is made
// while the store writes. It returns the stored hashes the entries add to
// the tree and its root (nil and zero if they could not be computed), and
// the SealFunc to append with: it hands over the signed note if the store
// asks for the expected size and root, and signs nothing else. A store
// that computes another tree holds another log than the one the ledger
// checked and extends (its hashes were changed): the log signs no root it
// has not computed from checked entries.
func (lg *talksLog) presign(entries []parley.Entry) ([]tlog.Hash, parley.Hash, parley.SealFunc) {
	// lg.hashes is extended only after the commit, so that a failed
	// append leaves it as it was.
	added, err := grow(lg.hashes, entries)
	size := entries[len(entries)-1].Index + 1
	var root tlog.Hash
	if err == nil {
		root, err = tlog.TreeHash(size, treeReader(lg.hashes, &added))
	}
	if err != nil {
		return nil, parley.Hash{}, func(int64, parley.Hash) ([]byte, error) {
			return nil, parley.Errorf(parley.EINTERNAL, "computing the tree of talks %s at size %d: %v", lg.id, size, err)
		}
	}
	type signed struct {
		note []byte
		err  error
	}
	ch := make(chan signed, 1)
	go func() {
		note, err := lg.sealer.Seal(size, parley.Hash(root))
		ch <- signed{note, err}
	}()
	presigned := sync.OnceValues(func() ([]byte, error) {
		s := <-ch
		return s.note, s.err
	})
	return added, parley.Hash(root), func(n int64, h parley.Hash) ([]byte, error) {
		if n != size || h != parley.Hash(root) {
			return nil, corruptLog(lg.id, parley.Key("the store asked the log to sign size %d with root %s, but the checked entries give size %d with root %s: the tree the store holds is not the one that was checked; nothing was signed or appended", n, b64(h[:]), size, b64(root[:])))
		}
		return presigned()
	}
}

// grow returns the stored hashes that entries, appended in order to the
// tree whose stored hashes are base, add to it.
func grow(base []tlog.Hash, entries []parley.Entry) ([]tlog.Hash, error) {
	added := make([]tlog.Hash, 0, 2*len(entries)+1)
	r := treeReader(base, &added)
	for _, e := range entries {
		hs, err := tlog.StoredHashesForRecordHash(e.Index, tlog.Hash(e.Leaf), r)
		if err != nil {
			return nil, err
		}
		added = append(added, hs...)
	}
	return added, nil
}

// treeReader reads the stored hashes of a tree: those in base, then those
// in *added (if added is not nil) as they are when read.
func treeReader(base []tlog.Hash, added *[]tlog.Hash) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		var more []tlog.Hash
		if added != nil {
			more = *added
		}
		n := int64(len(base))
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			switch {
			case x >= 0 && x < n:
				out[i] = base[x]
			case x >= n && x < n+int64(len(more)):
				out[i] = more[x-n]
			default:
				return nil, parley.Errorf(parley.EINTERNAL, "hash %d is not in the tree of %d hashes", x, n+int64(len(more)))
			}
		}
		return out, nil
	})
}

// extend adds appended entries to the in-memory tree.
func (lg *talksLog) extend(entries []parley.Entry, cp parley.Checkpoint) error {
	added, err := grow(lg.hashes, entries)
	if err != nil {
		return err
	}
	lg.hashes, lg.cp = append(lg.hashes, added...), cp
	return nil
}

func (lg *talksLog) hashReader() tlog.HashReader { return treeReader(lg.hashes, nil) }

// receipt returns the receipt of an entry against the checkpoint cp, with
// the stored hashes of a tree of at least cp's size. Call it with lg.mu
// held and lg's own tree and checkpoint, or with ones taken under it.
func (lg *talksLog) receipt(e parley.Entry, cp parley.Checkpoint, hashes []tlog.Hash) (*Receipt, error) {
	proof, err := tlog.ProveRecord(cp.Size, e.Index, treeReader(hashes, nil))
	if err != nil {
		return nil, err
	}
	r := record.NewReceipt(lg.origin, e.Index, e.Leaf, cp.Note, proof)
	r.Salt = e.Salt
	return r, nil
}

// scan calls f with each of the first size entries of a talks' log and its
// decoded event, in log order, reading the store a page at a time.
func (l *Ledger) scan(ctx context.Context, talks string, size int64, f func(parley.Entry, *parley.Event) error) error {
	return l.scanRange(ctx, talks, 0, size, f)
}

// scanRange is scan over the entries [start, end).
func (l *Ledger) scanRange(ctx context.Context, talks string, start, end int64, f func(parley.Entry, *parley.Event) error) error {
	for from := start; from < end; from += pageSize {
		page, err := l.store.Entries(ctx, talks, from, min(from+pageSize, end))
		if err != nil {
			return err
		}
		for _, en := range page {
			e, err := parley.DecodeEvent(en.Event)
			if err != nil {
				return parley.Errorf(parley.EINTERNAL, "entry %d of talks %q does not decode: %v", en.Index, talks, err)
			}
			if err := f(en, e); err != nil {
				return err
			}
		}
	}
	return nil
}

const pageSize = 5000

// maxRetries bounds how often a batch is checked again when other
// processes keep appending to the same talks first.
const maxRetries = 20

// View calls f with the current state of a talks, under its lock. f must
// not keep the state or change it.
func (l *Ledger) View(ctx context.Context, talks string, f func(st *state.Talks, cp parley.Checkpoint) error) error {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return err
	}
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if err := l.current(ctx, lg); err != nil {
		return err
	}
	return f(lg.state, lg.cp)
}

// VerifierKey returns the signed-note verifier key of a talks' log.
func (l *Ledger) VerifierKey(ctx context.Context, talks string) (string, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return "", err
	}
	return lg.vkey, nil
}

// Entries returns every entry of a talks' log with its decoded event, in
// log order.
func (l *Ledger) Entries(ctx context.Context, talks string) ([]parley.Entry, []*parley.Event, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return nil, nil, err
	}
	lg.mu.Lock()
	err = l.current(ctx, lg)
	size, hashes := lg.state.Size, lg.hashes
	lg.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	entries := make([]parley.Entry, 0, size)
	events := make([]*parley.Event, 0, size)
	err = l.scan(ctx, talks, size, func(en parley.Entry, e *parley.Event) error {
		if err := l.served(lg, hashes, &en); err != nil {
			return err
		}
		entries, events = append(entries, en), append(events, e)
		return nil
	})
	return entries, events, err
}

// Read returns the entries [from, to) of a talks' log, each compared with
// the tree the log was checked as when it was loaded (an entry changed in
// the store since is refused with the code corrupt), with their decoded
// events. Every reader of a log's entries reads them through it.
func (l *Ledger) Read(ctx context.Context, talks string, from, to int64) ([]parley.Entry, []*parley.Event, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return nil, nil, err
	}
	lg.mu.Lock()
	err = l.current(ctx, lg)
	hashes := lg.hashes
	lg.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	entries, err := l.store.Entries(ctx, talks, from, to)
	if err != nil {
		return nil, nil, err
	}
	events := make([]*parley.Event, len(entries))
	for i := range entries {
		if err := l.served(lg, hashes, &entries[i]); err != nil {
			return nil, nil, err
		}
		if events[i], err = parley.DecodeEvent(entries[i].Event); err != nil {
			return nil, nil, parley.Errorf(parley.EINTERNAL, "entry %d of talks %q does not decode: %v", entries[i].Index, talks, err)
		}
	}
	return entries, events, nil
}

// Receipt returns the receipt of the event at index against the latest
// checkpoint, with its salt.
func (l *Ledger) Receipt(ctx context.Context, talks string, index int64) (*Receipt, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return nil, err
	}
	entries, err := l.store.Entries(ctx, talks, index, index+1)
	if err != nil {
		return nil, err
	}
	if len(entries) != 1 {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no event %d", talks, index)
	}
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if err := l.current(ctx, lg); err != nil {
		return nil, err
	}
	if err := l.served(lg, lg.hashes, &entries[0]); err != nil {
		return nil, err
	}
	return lg.receipt(entries[0], lg.cp, lg.hashes)
}

// Consistency returns the proof that the tree of size from is a prefix of
// the tree of size to.
func (l *Ledger) Consistency(ctx context.Context, talks string, from, to int64) (tlog.TreeProof, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return nil, err
	}
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if to > lg.state.Size || to < from {
		return nil, parley.Errorf(parley.EINVALID, "want 0 < from ≤ to ≤ %d, the log's size", lg.state.Size)
	}
	p, err := record.ProveConsistency(lg.hashReader(), from, to)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "%v", err)
	}
	return p, nil
}

// Bundle returns the bundle of a talks for the actor holding viewerKey (""
// for the public): the events that viewer may see with their salts, the
// leaf hashes of the others, the latest checkpoint and the log's key.
func (l *Ledger) Bundle(ctx context.Context, talks, viewerKey string) (*record.Bundle, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return nil, err
	}
	var size int64
	var visibleAt []bool
	lg.mu.Lock()
	v := lg.state.ViewerOf(viewerKey)
	size = lg.state.Size
	visibleAt = make([]bool, size)
	for i := range visibleAt {
		visibleAt[i] = lg.state.VisibleAt(v, int64(i))
	}
	lg.mu.Unlock()
	return l.BundleFor(ctx, talks, size, func(i int64) bool { return visibleAt[i] })
}

// BundleFor returns the bundle of the first size entries of a talks' log
// for a viewer who may see the events at the log indexes for which visible
// is true: those events with their salts, the leaf hashes of the others,
// the checkpoint of that size and the cosigned ones before it, and the
// log's key. A viewer's view of the talks (package view) gives size and
// visible.
func (l *Ledger) BundleFor(ctx context.Context, talks string, size int64, visible func(int64) bool) (*record.Bundle, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return nil, err
	}
	// Take what the bundle needs of the state under the lock; the entries
	// below size never change, so read them after.
	lg.mu.Lock()
	if err := l.current(ctx, lg); err != nil {
		lg.mu.Unlock()
		return nil, err
	}
	if size < 1 || size > lg.state.Size {
		lg.mu.Unlock()
		return nil, parley.Errorf(parley.EINVALID, "talks %q has %d events; a bundle covers 1 to that many", talks, lg.state.Size)
	}
	latest, hashes := lg.cp, lg.hashes
	// The cosigned checkpoints up to size, then the one of that size, each
	// with its cosignatures.
	bySize := map[int64][]*state.Cosignature{}
	for _, c := range lg.state.Cosigned {
		if c.Size <= size {
			bySize[c.Size] = append(bySize[c.Size], c)
		}
	}
	lg.mu.Unlock()
	if latest.Size != size {
		if latest, err = l.store.Checkpoint(ctx, talks, size); err != nil {
			return nil, err
		}
	}
	if bySize[latest.Size] == nil {
		bySize[latest.Size] = nil
	}
	visibleAt := make([]bool, size)
	for i := range visibleAt {
		visibleAt[i] = visible(int64(i))
	}
	byNonce := make(map[string]bool, size)
	entries := make([]parley.Entry, 0, size)
	var forks [][]byte
	err = l.scan(ctx, talks, size, func(en parley.Entry, e *parley.Event) error {
		if err := l.served(lg, hashes, &en); err != nil {
			return err
		}
		entries = append(entries, en)
		if visibleAt[en.Index] {
			byNonce[e.Nonce] = true
		}
		if p, ok := e.Act.(*parley.ForkEvidence); ok {
			forks = append(forks, p.Evidence)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sizes := make([]int64, 0, len(bySize))
	for n := range bySize {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	var cps []parley.Checkpoint
	var witnesses []record.WitnessKey
	seen := map[string]bool{}
	for _, n := range sizes {
		cp := latest
		if n != cp.Size {
			if cp, err = l.store.Checkpoint(ctx, talks, n); err != nil {
				return nil, err
			}
		}
		cp, ws, err := l.merge(lg, cp, bySize[n])
		if err != nil {
			return nil, err
		}
		cps = append(cps, cp)
		for _, w := range ws {
			if !seen[w.Name+" "+w.Key] {
				seen[w.Name+" "+w.Key] = true
				witnesses = append(witnesses, w)
			}
		}
	}
	b, err := record.NewBundle(lg.origin, lg.vkey, entries, cps, witnesses, func(e *parley.Event) bool { return byNonce[e.Nonce] })
	if err != nil {
		return nil, err
	}
	for _, f := range forks {
		var fe record.ForkEvidence
		if json.Unmarshal(f, &fe) == nil {
			b.Forks = append(b.Forks, &fe)
		}
	}
	return b, nil
}

// checkWitnessing checks what only the log can: that a cosigned checkpoint
// is one this log signed, and that fork evidence is about this log.
func (l *Ledger) checkWitnessing(ctx context.Context, lg *talksLog, e *parley.Event) error {
	switch p := e.Act.(type) {
	case *parley.Cosign:
		cp, err := record.OpenCheckpoint([]byte(p.Note), lg.vkey)
		if err != nil {
			return parley.Errorf(parley.EINVALID, "payload field \"note\": %v", err)
		}
		stored, err := l.store.Checkpoint(ctx, lg.id, cp.Size)
		if err != nil {
			return parley.Errorf(parley.ENOTFOUND, "payload field \"note\": this log has no checkpoint of size %d; cosign one it published", cp.Size)
		}
		if stored.Root != cp.Root {
			return parley.Errorf(parley.ECONFLICT, "payload field \"note\": the log signed another root at size %d; keep both checkpoints as fork evidence", cp.Size)
		}
	case *parley.ForkEvidence:
		var fe record.ForkEvidence
		if err := json.Unmarshal(p.Evidence, &fe); err != nil {
			return parley.Errorf(parley.EINVALID, "payload field \"evidence\": %v", err)
		}
		if err := fe.Verify(lg.vkey); err != nil {
			return parley.Errorf(parley.EINVALID, "payload field \"evidence\": it does not show a fork of this log: %v", err)
		}
	}
	return nil
}

// Checkpoint returns the checkpoint of a talks' log at a size (-1: the
// latest) with the cosignatures recorded for it merged into its note, and
// the witnesses who cosigned it.
func (l *Ledger) Checkpoint(ctx context.Context, talks string, size int64) (parley.Checkpoint, []record.WitnessKey, error) {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return parley.Checkpoint{}, nil, err
	}
	lg.mu.Lock()
	cp := lg.cp
	var cos []*state.Cosignature
	if size >= 0 && size != cp.Size {
		cp.Size = -1
	}
	for _, c := range lg.state.Cosigned {
		if c.Size == size || (size < 0 && c.Size == cp.Size) {
			cos = append(cos, c)
		}
	}
	lg.mu.Unlock()
	if cp.Size < 0 {
		if cp, err = l.store.Checkpoint(ctx, talks, size); err != nil {
			return parley.Checkpoint{}, nil, err
		}
	}
	return l.merge(lg, cp, cos)
}

// merge adds recorded cosignatures to a checkpoint's note.
func (l *Ledger) merge(lg *talksLog, cp parley.Checkpoint, cos []*state.Cosignature) (parley.Checkpoint, []record.WitnessKey, error) {
	if len(cos) == 0 {
		return cp, nil, nil
	}
	var notes [][]byte
	var ws []record.WitnessKey
	for _, c := range cos {
		notes = append(notes, []byte(c.Note))
		ws = append(ws, record.WitnessKey{Name: c.Witness, Key: c.Key})
	}
	note, err := record.MergeCosignatures(cp.Note, notes, lg.vkey, ws)
	if err != nil {
		return parley.Checkpoint{}, nil, parley.Errorf(parley.EINTERNAL, "merging the cosignatures of checkpoint %d: %v", cp.Size, err)
	}
	cp.Note = note
	return cp, ws, nil
}

// publishRange publishes the entries [from, to) of a log that this ledger
// did not append itself. Call it with lg.mu held, after the state has them.
func (l *Ledger) publishRange(ctx context.Context, lg *talksLog, from, to int64) {
	if l.cfg.OnAppend == nil || from >= to {
		return
	}
	var entries []parley.Entry
	var events []*parley.Event
	err := l.scanRange(ctx, lg.id, from, to, func(en parley.Entry, e *parley.Event) error {
		entries, events = append(entries, en), append(events, e)
		return nil
	})
	if err != nil {
		l.cfg.Logger.Warn("reading entries to publish failed: live streams miss them until they resume", "talks", lg.id, "from", from, "to", to, "err", err)
		return
	}
	l.publish(lg, entries, events)
}

func (l *Ledger) publish(lg *talksLog, entries []parley.Entry, events []*parley.Event) {
	if l.cfg.OnAppend == nil || len(entries) == 0 {
		return
	}
	a := Appended{Talks: lg.id, Entries: entries, Events: events, Checkpoint: lg.cp}
	for i, en := range entries {
		a.Vis = append(a.Vis, lg.state.VisibilityAt(en.Index))
		a.Agreement = a.Agreement || state.AffectsAgreement(events[i].Kind)
		if p, ok := events[i].Act.(*parley.Release); ok {
			// A read of one entry, for an act that is rare, under the
			// talks' lock: bounded in time, since a store that does not
			// answer would hold the talks.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err := l.scanRange(ctx, lg.id, p.Index, p.Index+1, func(ren parley.Entry, re *parley.Event) error {
				a.Released = append(a.Released, Released{Release: en.Index, Party: p.Party, Entry: ren, Event: re, Vis: lg.state.VisibilityAt(p.Index)})
				return nil
			})
			cancel()
			if err != nil {
				l.cfg.Logger.Warn("reading a released event to publish failed: live streams of its party miss it until they resume", "talks", lg.id, "index", p.Index, "err", err)
			}
		}
	}
	l.cfg.OnAppend(a)
}

package view

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/state"
)

// Replaying the past. A view of the past replays the log up to the event
// asked for into a new state, a cost that grows with the index a client
// names: on a log of 200,000 events, a second of CPU. So that no client
// can make the server spend that faster than it can, replays run at most
// half the processors at a time in the process (at least one); a request that waits longer than
// ReplayWait for its turn is refused (unavailable, with the time to retry)
// and costs nothing more. And because the state after a log's first n
// events never changes, the states replayed last are kept (at most
// pastKeep of them, replayed from at most pastBytes of events in all), so that a
// link to the talks as it was, circulated to many readers, is replayed
// once: every view of that point, whoever its viewer, is built from it.
// Building a view only reads a state.

// ReplayWait is how long a view of the past waits for a replay's turn.
var ReplayWait = 5 * time.Second

const (
	pastKeep  = 8
	pastBytes = 256 << 20
)

// A pastKey names the state after the first At+1 events of a talks' log
// in one ledger; Leaf, the leaf hash of the last of them, tells a log
// replaced since from the one replayed.
type pastKey struct {
	l     *ledger.Ledger
	talks string
	at    int64
	leaf  parley.Hash
}

type pastEntry struct {
	key   pastKey
	st    *state.Talks
	bytes int64 // of the events replayed into it
	used  uint64
}

var pasts = struct {
	mu      sync.Mutex
	entries []*pastEntry
	clock   uint64
	slots   chan struct{}
}{slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))}

// pastState returns the state of the log's first at+1 events of a talks,
// replayed or kept.
func pastState(ctx context.Context, l *ledger.Ledger, id string, at int64) (*state.Talks, error) {
	last, _, err := l.Read(ctx, id, at, at+1)
	if err != nil {
		return nil, err
	}
	if len(last) != 1 {
		return nil, parley.Errorf(parley.EINTERNAL, "the store gave %d entries at index %d of %s", len(last), at, id)
	}
	key := pastKey{l: l, talks: id, at: at, leaf: last[0].Leaf}
	if st := keptPast(key); st != nil {
		return st, nil
	}
	release, err := replaySlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	// Another request may have replayed it while this one waited.
	if st := keptPast(key); st != nil {
		return st, nil
	}
	st := state.New(id)
	var bytes int64
	for from := int64(0); from <= at; from += pageSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		entries, events, err := l.Read(ctx, id, from, min(at+1, from+pageSize))
		if err != nil {
			return nil, err
		}
		for i, en := range entries {
			if err := st.Apply(events[i], en.Index); err != nil {
				return nil, parley.Errorf(parley.EINTERNAL, "replaying event %d of %s: %v", en.Index, id, err)
			}
			bytes += int64(len(en.Event))
		}
	}
	keepPast(key, st, bytes)
	return st, nil
}

// replaySlot waits up to ReplayWait for one of the slots replays take
// turns in, and returns the function that gives it back.
func replaySlot(ctx context.Context) (func(), error) {
	wait := time.NewTimer(ReplayWait)
	defer wait.Stop()
	select {
	case pasts.slots <- struct{}{}:
		return func() { <-pasts.slots }, nil
	case <-wait.C:
		return nil, parley.Errorf(parley.EUNAVAILABLE, "the server is replaying the record for other readers of the talks as it was; retry in a few seconds, or view the talks as it is now")
	case <-ctx.Done():
		return nil, parley.Errorf(parley.EUNAVAILABLE, "the request ended while it waited for its turn to replay the record")
	}
}

// keptPast returns the state kept under key, or nil.
func keptPast(key pastKey) *state.Talks {
	pasts.mu.Lock()
	defer pasts.mu.Unlock()
	for _, e := range pasts.entries {
		if e.key == key {
			pasts.clock++
			e.used = pasts.clock
			return e.st
		}
	}
	return nil
}

// keepPast keeps a state replayed from bytes of events, unless another
// request kept the same meanwhile, forgetting the least recently used
// ones past the bounds.
func keepPast(key pastKey, st *state.Talks, bytes int64) {
	if bytes > pastBytes {
		return
	}
	pasts.mu.Lock()
	defer pasts.mu.Unlock()
	for _, e := range pasts.entries {
		if e.key == key {
			return
		}
	}
	pasts.clock++
	pasts.entries = append(pasts.entries, &pastEntry{key: key, st: st, bytes: bytes, used: pasts.clock})
	for {
		var total int64
		oldest := 0
		for i, e := range pasts.entries {
			total += e.bytes
			if e.used < pasts.entries[oldest].used {
				oldest = i
			}
		}
		if len(pasts.entries) <= pastKeep && total <= pastBytes {
			return
		}
		pasts.entries = append(pasts.entries[:oldest], pasts.entries[oldest+1:]...)
	}
}

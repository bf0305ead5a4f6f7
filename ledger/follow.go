package ledger

import (
	"context"
	"time"

	"github.com/parleyhq/parley"
)

// catchUp applies to a log's state the entries other processes appended to
// the store, checking them as loading does, and publishes them. Only the
// new entries are checked, and the stored checkpoint of the new size. Call
// it with lg.mu held.
func (l *Ledger) catchUp(ctx context.Context, lg *talksLog) error {
	err := l.catchUpChecked(ctx, lg)
	if err != nil && ctx.Err() == nil {
		l.cfg.Logger.Error("catching up with the appends of other processes failed", "talks", lg.id, "err", err)
		if l.cfg.OnCatchUpError != nil {
			l.cfg.OnCatchUpError(lg.id, err)
		}
	}
	return err
}

func (l *Ledger) catchUpChecked(ctx context.Context, lg *talksLog) error {
	if err := l.current(ctx, lg); err != nil {
		return err
	}
	size, err := l.store.Size(ctx, lg.id)
	if err != nil || size <= lg.state.Size {
		return err
	}
	var entries []parley.Entry
	var events []*parley.Event
	err = l.checkRange(ctx, lg, lg.state.Size, size, nil, func(en parley.Entry, e *parley.Event) {
		entries, events = append(entries, en), append(events, e)
	}, nil)
	var cp parley.Checkpoint
	if err == nil {
		cp, err = l.checkTree(ctx, lg, size, nil)
	}
	if parley.ErrorCode(err) == parley.ECORRUPT {
		l.refuse(lg, err)
		return err
	}
	if err != nil {
		// Memory may now be ahead of what it published; start over.
		if rerr := l.reload(ctx, lg); rerr != nil {
			return rerr
		}
		return err
	}
	lg.cp = cp
	l.publish(lg, entries, events)
	return nil
}

// Follow keeps the ledger up to date with appends made by other processes
// to a shared store, as n reports them, until ctx ends: each report makes
// the ledger catch up with that talks and publish what it missed. When the
// notifications fail (the database restarted), it listens again after a
// pause and catches up with every talks it holds, since reports may have
// been lost meanwhile. Talks not loaded yet are read when first used.
// Failures are logged, and catching up counted by Config.OnCatchUpError.
func (l *Ledger) Follow(ctx context.Context, n Notifier) {
	for {
		err := n.Notify(ctx, func(talks string, size int64) {
			if lg := l.loaded(talks); lg != nil {
				l.catchUpTo(ctx, lg, size)
			}
		})
		if ctx.Err() != nil {
			return
		}
		l.cfg.Logger.Warn("listening for the appends of other processes failed; listening again in a second", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		l.mu.Lock()
		logs := make([]*talksLog, 0, len(l.logs))
		for _, lg := range l.logs {
			logs = append(logs, lg)
		}
		l.mu.Unlock()
		for _, lg := range logs {
			if l.ready(lg) {
				l.catchUpTo(ctx, lg, -1)
			}
		}
	}
}

// loaded returns the in-memory log of a talks if it is loaded, checked and
// not refused.
func (l *Ledger) loaded(talks string) *talksLog {
	l.mu.Lock()
	lg := l.logs[talks]
	l.mu.Unlock()
	if lg == nil || !l.ready(lg) {
		return nil
	}
	return lg
}

// ready reports whether a log is loaded, checked and not refused.
func (l *Ledger) ready(lg *talksLog) bool {
	select {
	case <-lg.loaded:
		return lg.err == nil && lg.refused.Load() == nil
	default:
		return false
	}
}

// catchUpTo catches a log up with the store if it may be behind size (-1:
// whatever the store holds).
func (l *Ledger) catchUpTo(ctx context.Context, lg *talksLog, size int64) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if lg.refused.Load() == nil && (size < 0 || size > lg.state.Size) {
		l.catchUp(ctx, lg) // logged and counted
	}
}

package ledger

import "context"

// WaitKept waits until the checkpoints committed so far are written to
// their files outside the database. No append may start meanwhile.
func (l *Ledger) WaitKept() { l.keeping.Wait() }

// Keep writes a checkpoint note of a talks' log to its file, as the
// ledger does after each committed batch.
func Keep(k *Keys, talks, vkey string, note []byte) error { return k.keep(talks, vkey, note) }

// Reload rebuilds the log of a loaded talks from the store, as the ledger
// does after an append fails.
func (l *Ledger) Reload(ctx context.Context, talks string) error {
	lg, err := l.log(ctx, talks, false)
	if err != nil {
		return err
	}
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return l.reload(ctx, lg)
}

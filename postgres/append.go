package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// rollbackTimeout bounds the rollback of a failed append, which runs even
// when the caller's context is done.
const rollbackTimeout = 10 * time.Second

// The statements of an append.
const (
	sqlCreateTalks = `INSERT INTO talks (id, created) VALUES ($1, statement_timestamp()) ON CONFLICT (id) DO NOTHING`

	// The lock conflicts with itself, so appends to one talks take turns,
	// but not with the key-share locks that foreign keys take.
	sqlLockTalks = `SELECT size FROM talks WHERE id = $1 FOR NO KEY UPDATE`

	sqlReadHashes = `SELECT idx, hash FROM hashes WHERE talks = $1 AND idx = ANY($2)`

	// Each batch is one statement over arrays, whatever its length. The
	// entries are inserted if the log's size is $11: it runs after the lock
	// is taken, in a snapshot that sees the size the lock returned.
	sqlInsertEntries = `INSERT INTO entries (talks, idx, event, sig, salt, leaf, kind, actor, nonce, received)
SELECT $1, e.idx, e.event, e.sig, e.salt, e.leaf, e.kind, e.actor, e.nonce, coalesce(e.received, statement_timestamp())
FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
	AS e (idx, event, sig, salt, leaf, kind, actor, nonce, received)
WHERE (SELECT size FROM talks WHERE id = $1) = $11`
	sqlInsertHashes = `INSERT INTO hashes (talks, idx, hash) SELECT $1, h.idx, h.hash FROM unnest($2::bigint[], $3::bytea[]) AS h (idx, hash)`

	sqlSetSize          = `UPDATE talks SET size = $3 WHERE id = $1 AND size = $2`
	sqlInsertCheckpoint = `INSERT INTO checkpoints (talks, size, root, note) VALUES ($1, $2, $3, $4)`

	// Sent when the transaction commits; see Notify.
	sqlNotify = `SELECT pg_notify($1, $2)`
)

// Append implements parley.Store: it adds entries at the end of the log of
// talks in one transaction if the log holds exactly at entries. The store
// numbers the entries at, at+1, …, whatever their Index says.
//
// The transaction locks the row of talks, so that of several appends at the
// same size, from this process or another, one succeeds and the others get
// parley.ErrStale. An error wrapping ErrCommitUnknown means that the
// outcome is not known: see the package documentation.
func (s *Store) Append(ctx context.Context, talks string, at int64, entries []parley.Entry, seal parley.SealFunc) (parley.Checkpoint, error) {
	if err := parley.CheckAppend(talks, at, entries, seal); err != nil {
		return parley.Checkpoint{}, err
	}
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if seen[e.Nonce] {
			return parley.Checkpoint{}, parley.ErrDuplicate
		}
		seen[e.Nonce] = true
	}
	need, err := neededHashes(at, len(entries))
	if err != nil {
		return parley.Checkpoint{}, fmt.Errorf("postgres: hashing the entries for %s: %w", talks, err)
	}
	c, sealed, err := s.append(ctx, talks, at, entries, seal, need)
	if !sealed && lostConnection(err) {
		// Nothing was written and the seal was not called: see retry.
		s.pool.Reset()
		c, _, err = s.append(ctx, talks, at, entries, seal, need)
	}
	return c, err
}

// append makes one try at an Append, whose arguments are checked, with the
// storage indexes of the stored hashes it needs. It reports whether it
// called seal, after which it must not be tried again.
func (s *Store) append(ctx context.Context, talks string, at int64, entries []parley.Entry, seal parley.SealFunc, need []int64) (parley.Checkpoint, bool, error) {
	newSize := at + int64(len(entries))
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return parley.Checkpoint{}, false, wrap(err, "appending to %s", talks)
	}
	defer func() {
		// A connection left in a transaction that did not commit (or in
		// one whose outcome is unknown) is rolled back, or if that fails
		// closed by the pool on release.
		if !conn.Conn().IsClosed() && conn.Conn().PgConn().TxStatus() != 'I' {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
			conn.Exec(ctx, "ROLLBACK")
			cancel()
		}
		conn.Release()
	}()

	n := len(entries)
	var (
		idxs                        = make([]int64, n)
		events, sigs, salts, leaves = make([][]byte, n), make([][]byte, n), make([][]byte, n), make([][]byte, n)
		kinds, actors, nonces       = make([]string, n), make([]string, n), make([]string, n)
		received                    = make([]pgtype.Timestamptz, n)
	)
	for i, e := range entries {
		idxs[i] = at + int64(i)
		events[i], sigs[i], salts[i], leaves[i] = e.Event, e.Sig, e.Salt, e.Leaf[:]
		kinds[i], actors[i], nonces[i] = e.Kind, e.Actor, e.Nonce
		received[i] = pgtype.Timestamptz{Time: e.Received, Valid: !e.Received.IsZero()}
	}

	// The first round trip begins, creates the talks if the append is its
	// first, locks its row and reads the size, inserts the entries if the
	// size is at (a nonce in the log already fails the insert, so the seal
	// is not called for an append that would be refused), and reads the
	// stored hashes the new ones are computed from (which are those of a
	// log of at entries: if the size is not at, the append is refused).
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if at == 0 {
		b.Queue(sqlCreateTalks, talks)
	}
	b.Queue(sqlLockTalks, talks)
	b.Queue(sqlInsertEntries, talks, idxs, events, sigs, salts, leaves, kinds, actors, nonces, received, at)
	if len(need) > 0 {
		b.Queue(sqlReadHashes, talks, need)
	}
	cache := make(map[int64]tlog.Hash, len(need)+3*n)
	size, inserted, err := readFirst(conn.SendBatch(ctx, b), at, len(need) > 0, cache)
	switch {
	case isUniqueViolation(err, "entries_nonce"):
		return parley.Checkpoint{}, false, parley.ErrDuplicate
	case isUniqueViolation(err, "entries_pkey"):
		// Unreachable while appends lock the talks; should a writer not,
		// its entries at the same indexes still cannot both stay.
		return parley.Checkpoint{}, false, parley.ErrStale
	case err != nil:
		return parley.Checkpoint{}, false, wrap(err, "appending to %s", talks)
	case size != at:
		return parley.Checkpoint{}, false, parley.ErrStale
	case inserted != int64(n):
		return parley.Checkpoint{}, false, fmt.Errorf("postgres: appending to %s: %d of %d entries inserted", talks, inserted, n)
	}

	hashIdxs := make([]int64, 0, 3*n)
	hashes := make([][]byte, 0, 3*n)
	hr := cacheReader{talks: talks, cache: cache}
	for i, e := range entries {
		k := at + int64(i)
		hs, err := tlog.StoredHashesForRecordHash(k, tlog.Hash(e.Leaf), hr)
		if err != nil {
			return parley.Checkpoint{}, false, fmt.Errorf("postgres: hashing entry %d of %s: %w", k, talks, err)
		}
		first := tlog.StoredHashIndex(0, k)
		for j, h := range hs {
			cache[first+int64(j)] = h
			hashIdxs = append(hashIdxs, first+int64(j))
			hashes = append(hashes, h[:])
		}
	}
	root, err := tlog.TreeHash(newSize, hr)
	if err != nil {
		return parley.Checkpoint{}, false, fmt.Errorf("postgres: computing the root of %s at size %d: %w", talks, newSize, err)
	}
	note, err := seal(newSize, parley.Hash(root))
	if err != nil {
		return parley.Checkpoint{}, true, fmt.Errorf("postgres: sealing the checkpoint of %s at size %d: %w", talks, newSize, err)
	}
	if len(note) == 0 {
		return parley.Checkpoint{}, true, parley.Errorf(parley.EINTERNAL, "the checkpoint of %s at size %d was sealed with an empty note; nothing was appended", talks, newSize)
	}

	// The second round trip writes the rest, and the notification that
	// the commit will send.
	b = &pgx.Batch{}
	b.Queue(sqlInsertHashes, talks, hashIdxs, hashes)
	b.Queue(sqlSetSize, talks, at, newSize)
	b.Queue(sqlInsertCheckpoint, talks, newSize, root[:], note)
	b.Queue(sqlNotify, s.channel, notice(talks, newSize))
	if err := writeRest(conn.SendBatch(ctx, b)); err != nil {
		if isUniqueViolation(err, "checkpoints_pkey") {
			return parley.Checkpoint{}, true, parley.ErrStale // unreachable, as above
		}
		return parley.Checkpoint{}, true, wrap(err, "storing entries %d to %d of %s", at, newSize-1, talks)
	}

	// The third commits.
	if err := ctx.Err(); err != nil {
		return parley.Checkpoint{}, true, wrap(err, "appending to %s", talks)
	}
	tag, err := conn.Exec(ctx, "COMMIT")
	switch {
	case err == nil && tag.String() != "COMMIT":
		return parley.Checkpoint{}, true, fmt.Errorf("postgres: committing the append to %s: the database answered %q", talks, tag)
	case refused(err):
		return parley.Checkpoint{}, true, wrap(err, "committing the append to %s", talks)
	case err != nil:
		// pgconn.SafeToRetry cannot tell here whether COMMIT was sent: a
		// connection lost while its answer is awaited gives an error that
		// says it is safe to retry.
		return parley.Checkpoint{}, true, fmt.Errorf("postgres: committing the append of entries %d to %d of %s: %w: %w", at, newSize-1, talks, ErrCommitUnknown, err)
	}
	return parley.Checkpoint{Talks: talks, Size: newSize, Root: parley.Hash(root), Note: note}, true, nil
}

// refused reports whether err is an error the database answered with
// that ended the transaction without ending the session: unlike a FATAL
// one, which may come after a commit took place.
func refused(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	severity := pgErr.SeverityUnlocalized
	if severity == "" {
		severity = pgErr.Severity // servers before 9.6
	}
	return severity == "ERROR"
}

// readFirst reads the results of the first round trip of an append at at:
// BEGIN, the creation of the talks if at is 0, the size of the locked log,
// the number of entries inserted, and the stored hashes if hashes, which it
// puts in cache. It closes br.
func readFirst(br pgx.BatchResults, at int64, hashes bool, cache map[int64]tlog.Hash) (size, inserted int64, err error) {
	defer func() {
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := br.Exec(); err != nil {
		return 0, 0, err
	}
	if at == 0 {
		if _, err := br.Exec(); err != nil {
			return 0, 0, err
		}
	}
	err = br.QueryRow().Scan(&size)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, err
	}
	tag, err := br.Exec()
	if err != nil {
		return 0, 0, err
	}
	inserted = tag.RowsAffected()
	if !hashes {
		return size, inserted, nil
	}
	rows, err := br.Query()
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		var h []byte
		if err := rows.Scan(&k, &h); err != nil {
			return 0, 0, err
		}
		if len(h) != len(tlog.Hash{}) {
			return 0, 0, fmt.Errorf("stored hash %d is %d bytes", k, len(h))
		}
		cache[k] = tlog.Hash(h)
	}
	return size, inserted, rows.Err()
}

// writeRest runs the statements of the second round trip of an append
// (hashes, size, checkpoint, notification) and closes br. It returns the
// first error.
func writeRest(br pgx.BatchResults) (err error) {
	defer func() {
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}()
	for i := range 4 {
		tag, err := br.Exec()
		if err != nil {
			return err
		}
		if i == 1 && tag.RowsAffected() != 1 {
			// The row is locked and its size was read: unreachable.
			return errors.New("the size of the log changed under its lock")
		}
	}
	return nil
}

// neededHashes returns the storage indexes of the stored hashes of a log of
// at entries that appending n entries to it reads: the hashes the new ones
// are computed from and those of the new root. Which hashes tlog reads
// depends on the indexes alone, not on the values, so a dry run with zero
// hashes finds them.
func neededHashes(at int64, n int) ([]int64, error) {
	first := tlog.StoredHashIndex(0, at) // the first hash the append writes
	var need []int64
	seen := map[int64]bool{}
	r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		for _, k := range indexes {
			if k < first && !seen[k] {
				seen[k] = true
				need = append(need, k)
			}
		}
		return make([]tlog.Hash, len(indexes)), nil
	})
	for i := range int64(n) {
		if _, err := tlog.StoredHashesForRecordHash(at+i, tlog.Hash{}, r); err != nil {
			return nil, err
		}
	}
	if _, err := tlog.TreeHash(at+int64(n), r); err != nil {
		return nil, err
	}
	return need, nil
}

// A cacheReader serves the stored hashes an append needs: those read by
// its first round trip and those it computed.
type cacheReader struct {
	talks string
	cache map[int64]tlog.Hash
}

func (r cacheReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, k := range indexes {
		h, ok := r.cache[k]
		if !ok {
			return nil, fmt.Errorf("the log of %s has no stored hash %d", r.talks, k)
		}
		out[i] = h
	}
	return out, nil
}

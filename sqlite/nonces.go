package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"sync"

	"github.com/parleyhq/parley"
)

// The store refuses an entry whose nonce is already in its talks' log
// (parley.ErrDuplicate) without a unique index, which random nonces would
// make the costliest part of every commit: it keeps the set of each log's
// nonces in memory. The set is loaded from the entries table on first use
// and brought up to the log's size inside each append's transaction, which
// holds the database's write lock, so it is complete whenever it is
// consulted, even with other processes appending to the same file.

// A nonceKey is the first 16 bytes of the SHA-256 hash of a nonce: a fixed
// 16 bytes per entry whatever the nonce's length; two nonces share a key
// with a probability of about 2^-128.
type nonceKey [16]byte

func keyOf(nonce string) nonceKey {
	h := sha256.Sum256([]byte(nonce))
	return nonceKey(h[:16])
}

// A nonceSet holds the nonces of the first size entries of a log.
type nonceSet struct {
	mu   sync.Mutex
	size int64
	keys map[nonceKey]struct{}
}

// maxNonceSets bounds the logs whose nonces a store keeps, about 38 bytes
// per entry; past it, one set is dropped for each new one and is loaded
// again when used.
const maxNonceSets = 1024

// nonceSet returns the nonce set of a talks, creating an empty one.
func (s *Store) nonceSet(talks string) *nonceSet {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	ns := s.nonces[talks]
	if ns == nil {
		if s.nonces == nil {
			s.nonces = make(map[string]*nonceSet)
		}
		for t := range s.nonces {
			if len(s.nonces) < maxNonceSets {
				break
			}
			delete(s.nonces, t) // an arbitrary one: it is read again when used
		}
		ns = &nonceSet{keys: make(map[nonceKey]struct{})}
		s.nonces[talks] = ns
	}
	return ns
}

// load adds to ns the nonces of the entries [ns.size, to) of talks, read
// with stmt, as far as they are stored. Call it with ns.mu held.
func (ns *nonceSet) load(ctx context.Context, stmt *sql.Stmt, talks string, to int64) error {
	if to <= ns.size {
		return nil
	}
	rows, err := stmt.QueryContext(ctx, talks, ns.size, to)
	if err != nil {
		return fmt.Errorf("sqlite: reading the nonces of %s: %w", talks, err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var nonce string
		if err := rows.Scan(&idx, &nonce); err != nil {
			return fmt.Errorf("sqlite: reading the nonces of %s: %w", talks, err)
		}
		if idx != ns.size {
			return parley.Errorf(parley.EINTERNAL, "the log of %s is damaged at entry %d; restore the database from a backup", talks, ns.size)
		}
		ns.keys[keyOf(nonce)] = struct{}{}
		ns.size++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: reading the nonces of %s: %w", talks, err)
	}
	return nil
}

// reset empties ns. Call it with ns.mu held.
func (ns *nonceSet) reset() {
	ns.size = 0
	clear(ns.keys)
}

// warm loads, outside any transaction, the nonces of the first at entries of
// a talks' log that ns lacks and the store holds, so that an append at at
// reads in its transaction only those appended meanwhile.
func (s *Store) warm(ctx context.Context, talks string, ns *nonceSet, at int64) error {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.load(ctx, s.rNonces, talks, at)
}

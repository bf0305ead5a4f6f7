package parley

import (
	"context"
	"time"
)

// A Hash is a SHA-256 hash in the Merkle log (the same bytes as tlog.Hash).
type Hash [32]byte

// An Entry is one event in the log of a talks, as stored.
type Entry struct {
	Talks    string
	Index    int64     // position in the log, from 0
	Event    []byte    // the exact bytes the actor signed
	Sig      []byte    // the actor's Ed25519 signature
	Salt     []byte    // 32 random bytes; the leaf is a commitment to Event with it
	Leaf     Hash      // the Merkle leaf hash (see record.LeafHash)
	Kind     string    // copied from the event, for queries
	Actor    string    // copied from the event
	Nonce    string    // copied from the event; unique within a talks
	Received time.Time // when the host accepted it (not signed by the actor)
}

// A Checkpoint is a signed statement of the log's size and root hash, a
// C2SP tlog-checkpoint signed note.
type Checkpoint struct {
	Talks string
	Size  int64
	Root  Hash
	Note  []byte
}

// A SealFunc signs the checkpoint of a talks' log at a size and root hash.
// The store calls it inside the append's transaction, so a checkpoint is
// stored if and only if the entries it covers are.
type SealFunc func(size int64, root Hash) (note []byte, err error)

// A Store keeps the logs of talks: entries, their Merkle hashes and the
// checkpoints over them. Implementations: package sqlite, package postgres.
// Package storetest holds the conformance suite every Store passes.
type Store interface {
	// Append adds entries at the end of a talks' log in one transaction, if
	// the log holds exactly `at` entries; otherwise it returns ErrStale. It
	// stores the Merkle hashes of the new leaves, then calls seal with the
	// new size and root and stores that checkpoint. A nonce already in the
	// log gives ErrDuplicate. On any error nothing is stored. Appending at
	// 0 creates the talks.
	Append(ctx context.Context, talks string, at int64, entries []Entry, seal SealFunc) (Checkpoint, error)

	// Size returns the number of entries in a talks' log (0 if unknown).
	Size(ctx context.Context, talks string) (int64, error)

	// Entries returns the entries [from, to) of a talks' log.
	Entries(ctx context.Context, talks string, from, to int64) ([]Entry, error)

	// ReadHashes returns the stored Merkle hashes at the given storage
	// indexes (tlog.StoredHashIndex), for proofs.
	ReadHashes(ctx context.Context, talks string, indexes []int64) ([]Hash, error)

	// Checkpoint returns the checkpoint of a talks' log at a size, or the
	// latest when size is -1.
	Checkpoint(ctx context.Context, talks string, size int64) (Checkpoint, error)

	// ListTalks returns the ids of all talks, sorted.
	ListTalks(ctx context.Context) ([]string, error)

	Close() error
}

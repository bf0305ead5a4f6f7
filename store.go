package parley

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
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

	// ListTalksPage returns, sorted, at most limit ids of talks that come
	// after the id after ("" for the first page), so that a list of many
	// talks is read a page at a time. It refuses with EINVALID a limit
	// outside 1 to MaxTalksPage and an after that is neither "" nor a
	// well-formed talks id (it need not be the id of a talks).
	ListTalksPage(ctx context.Context, after string, limit int) ([]string, error)

	Close() error
}

// MaxTalksPage is the most ids a store returns in one call to
// ListTalksPage.
const MaxTalksPage = 1000

// CheckTalksPage returns an error if the arguments of Store.ListTalksPage
// are out of bounds.
func CheckTalksPage(after string, limit int) error {
	if limit < 1 || limit > MaxTalksPage {
		return Errorf(EINVALID, "cannot list %d talks at once: ask for 1 to %d", limit, MaxTalksPage)
	}
	if after != "" && !ValidTalksID(after) {
		return Errorf(EINVALID, "cannot list the talks after %q: it is not a talks id; give \"\" for the first page or the last id of the page before", truncate(after, 60))
	}
	return nil
}

// CheckTalksID returns an error if talks is not a well-formed talks id.
func CheckTalksID(talks string) error {
	if !ValidTalksID(talks) {
		return Errorf(EINVALID, "%q is not a talks id: use lower-case letters, digits and dashes, at most %d", talks, MaxIDLength)
	}
	return nil
}

// CheckAppend checks the arguments of Store.Append as every store refuses
// them: a well-formed talks id, a size that is not negative, at least one
// entry, a seal, and entries of that talks with event bytes, a signature,
// a 32-byte salt, a nonce, and kind, actor and nonce in UTF-8 text without
// NUL bytes.
func CheckAppend(talks string, at int64, entries []Entry, seal SealFunc) error {
	if err := CheckTalksID(talks); err != nil {
		return err
	}
	switch {
	case at < 0:
		return Errorf(EINVALID, "cannot append to %s at %d: a log size is never negative", talks, at)
	case len(entries) == 0:
		return Errorf(EINVALID, "nothing to append to %s: give at least one entry", talks)
	case seal == nil:
		return Errorf(EINVALID, "appending to %s needs a function to seal the checkpoint", talks)
	}
	isText := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	for i, e := range entries {
		var problem Phrase
		switch {
		case e.Talks != "" && e.Talks != talks:
			problem = Key("it belongs to talks %q", e.Talks)
		case len(e.Event) == 0:
			problem = Key("it has no event bytes")
		case len(e.Sig) == 0:
			problem = Key("it has no signature")
		case len(e.Salt) != 32:
			problem = Key("its salt is %d bytes, not 32", len(e.Salt))
		case e.Nonce == "":
			problem = Key("it has no nonce")
		case !isText(e.Kind) || !isText(e.Actor) || !isText(e.Nonce):
			problem = Key("its kind, actor or nonce is not UTF-8 text without NUL bytes")
		default:
			continue
		}
		return Errorf(EINVALID, "cannot append entry %d of %d to %s: %s", i+1, len(entries), talks, problem)
	}
	return nil
}

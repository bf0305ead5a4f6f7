package record

import (
	"crypto/ed25519"
	"fmt"

	"github.com/parleyhq/parley"
)

// CheckStored checks entries of the log with the given origin as a host
// reads them back from its own store, before it trusts them: entries are
// the entries [from, from+len(entries)) of that log. Each entry is checked
// as Verify checks a visible entry of a bundle, on all cores in the same
// pipeline: its index, that its event decodes and belongs to the origin's
// talks, that its signature verifies for the origin, and that its stored
// leaf is LeafHash of its salt, event and signature. Then apply is called
// with each entry and its event, in log order, for what needs the entries
// before it (the authorization replay, the tree).
//
// known, when not nil, gives the leaf of an entry whose signature was
// verified before (by an earlier load): an entry whose leaf recomputes to
// the known one holds the same bytes and signature, which are not verified
// again; an entry whose leaf does not is refused. It lets a host reload a
// log it holds at the cost of hashing it.
//
// The first failure in log order is returned as a *VerifyError whose
// Index is the entry's and whose Err says what is wrong; an error of apply
// is its Err as it is. progress, when not nil, is called with the entries
// of this call checked so far.
func CheckStored(origin string, from int64, entries []parley.Entry, known func(index int64) (parley.Hash, bool), apply func(en *parley.Entry, e *parley.Event) error, progress func(done, total int)) error {
	_, talks, _ := splitOrigin(origin)
	check := func(k int) checked {
		en := &entries[k]
		i := from + int64(k)
		fail := func(e *parley.Event, err error) checked {
			return checked{ev: e, err: &VerifyError{label(int(i), e), i, err}}
		}
		if en.Index != i {
			return fail(nil, fmt.Errorf("the store gave entry %d in its place: entries are out of order, missing or repeated", en.Index))
		}
		e, err := parley.DecodeEvent(en.Event)
		if err != nil {
			return fail(nil, fmt.Errorf("the stored event does not decode: %w", err))
		}
		if e.Talks != talks {
			return fail(e, fmt.Errorf("the stored event (%s by %s) belongs to the talks %q", e.Kind, e.Actor, e.Talks))
		}
		leaf := LeafHash(en.Salt, en.Event, en.Sig)
		want, seen := parley.Hash{}, false
		if known != nil {
			want, seen = known(i)
		}
		switch {
		case seen && leaf != want:
			return fail(e, fmt.Errorf("the stored entry (%s by %s) is not the one that was checked when the log was loaded: it was changed in the store since", e.Kind, e.Actor))
		case !seen && (len(en.Sig) != ed25519.SignatureSize || !ed25519.Verify(e.ActorKey(), parley.SignedMessage(origin, en.Event), en.Sig)):
			return fail(e, fmt.Errorf("the stored signature does not verify for its actor %s (a %s event): its bytes or its signature were changed after it was recorded", e.Actor, e.Kind))
		case leaf != en.Leaf:
			return fail(e, fmt.Errorf("the stored leaf hash is not the commitment to its event, signature and salt (%s by %s): the entry was changed after it was recorded", e.Kind, e.Actor))
		case len(en.Salt) != SaltSize:
			return fail(e, fmt.Errorf("the stored salt is %d bytes, not %d", len(en.Salt), SaltSize))
		}
		return checked{ev: e, leaf: leaf}
	}
	inOrder := func(k int, c *checked) error {
		if c.err != nil {
			return c.err
		}
		if err := apply(&entries[k], c.ev); err != nil {
			i := from + int64(k)
			return &VerifyError{label(int(i), c.ev), i, err}
		}
		return nil
	}
	return checkInOrder(len(entries), check, inOrder, progress)
}

package record

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// Reasons of fork evidence.
const (
	// ForkSameSize: the two checkpoints have one size and two roots.
	ForkSameSize = "same_size"
	// ForkNotPrefix: the larger checkpoint's tree does not extend the
	// smaller one's. The evidence holds Prefix, the root of the larger
	// tree's first A.Size leaves, and Proof, the consistency proof that the
	// larger tree extends a tree of that size and root. Prefix differs from
	// the smaller checkpoint's root.
	ForkNotPrefix = "not_a_prefix"
)

// ForkEvidence shows that a log's key signed two checkpoints that cannot
// both be true, so that the host showed different histories to different
// viewers. Anyone with the log's verifier key can check it offline (Verify).
//
// Its JSON form is
//
//	{"origin": "<host>/talks/<id>", "reason": "same_size" | "not_a_prefix",
//	 "a": "<signed note>", "b": "<signed note>",
//	 "prefix": "<base64>", "proof": ["<base64>", ...]}
//
// where "prefix" and "proof" appear for not_a_prefix only.
type ForkEvidence struct {
	Origin string
	Reason string
	A, B   []byte         // the two checkpoint notes; for ForkNotPrefix, A is the smaller
	Prefix parley.Hash    // ForkNotPrefix only
	Proof  tlog.TreeProof // ForkNotPrefix only
}

// CheckFork compares two checkpoint notes of the log with verifier key
// vkey, given proof, the consistency proof from the smaller size to the
// larger as the log served it. It returns nil, nil when they agree: same
// size and root, or proof shows that the larger extends the smaller. It
// returns evidence when they provably conflict: same size and different
// roots, or a proof that leads to the larger checkpoint's root from a
// prefix root other than the smaller checkpoint's. Otherwise it returns an
// error: a proof that merely fails to verify proves nothing against the
// log, since anyone can write one. When the smaller size is a power of two
// the proof does not hold the prefix root; ProveFork builds the evidence
// from the log's hashes.
func CheckFork(a, b []byte, vkey string, proof tlog.TreeProof) (*ForkEvidence, error) {
	ca, err := OpenCheckpoint(a, vkey)
	if err != nil {
		return nil, fmt.Errorf("first checkpoint: %w", err)
	}
	cb, err := OpenCheckpoint(b, vkey)
	if err != nil {
		return nil, fmt.Errorf("second checkpoint: %w", err)
	}
	if ca.Size > cb.Size {
		ca, cb = cb, ca
	}
	if ca.Size == cb.Size {
		if ca.Root == cb.Root {
			return nil, nil
		}
		return &ForkEvidence{Origin: ca.Origin, Reason: ForkSameSize, A: ca.Note, B: cb.Note}, nil
	}
	if ca.Size == 0 {
		return nil, ErrEmptyTree
	}
	if CheckConsistency(proof, ca.Size, ca.Root, cb.Size, cb.Root) == nil {
		return nil, nil
	}
	old, root, ok := impliedRoots(proof, ca.Size, cb.Size, tlog.Hash(ca.Root))
	if ok && root == tlog.Hash(cb.Root) && old != tlog.Hash(ca.Root) {
		ev := &ForkEvidence{Origin: ca.Origin, Reason: ForkNotPrefix, A: ca.Note, B: cb.Note, Prefix: parley.Hash(old), Proof: proof}
		if ev.Verify(vkey) == nil {
			return ev, nil
		}
	}
	return nil, fmt.Errorf("the consistency proof from size %d to size %d does not verify, but it does not show a fork either: ask the log for the proof again", ca.Size, cb.Size)
}

// ProveFork is CheckFork for someone who holds the hashes of the larger
// checkpoint's tree in r (the stored hashes of tlog, as a bundle's leaves
// give them): it computes the prefix root and the consistency proof itself,
// so it finds any fork between the two checkpoints.
func ProveFork(r tlog.HashReader, a, b []byte, vkey string) (*ForkEvidence, error) {
	ca, err := OpenCheckpoint(a, vkey)
	if err != nil {
		return nil, fmt.Errorf("first checkpoint: %w", err)
	}
	cb, err := OpenCheckpoint(b, vkey)
	if err != nil {
		return nil, fmt.Errorf("second checkpoint: %w", err)
	}
	if ca.Size > cb.Size {
		ca, cb = cb, ca
	}
	if ca.Size == cb.Size || ca.Size == 0 {
		return CheckFork(ca.Note, cb.Note, vkey, nil)
	}
	if root, err := tlog.TreeHash(cb.Size, r); err != nil || parley.Hash(root) != cb.Root {
		return nil, fmt.Errorf("the hashes given are not those of the tree of size %d", cb.Size)
	}
	prefix, err := tlog.TreeHash(ca.Size, r)
	if err != nil {
		return nil, err
	}
	if parley.Hash(prefix) == ca.Root {
		return nil, nil
	}
	proof, err := ProveConsistency(r, ca.Size, cb.Size)
	if err != nil {
		return nil, err
	}
	ev := &ForkEvidence{Origin: ca.Origin, Reason: ForkNotPrefix, A: ca.Note, B: cb.Note, Prefix: parley.Hash(prefix), Proof: proof}
	if err := ev.Verify(vkey); err != nil {
		return nil, err
	}
	return ev, nil
}

// Verify checks the evidence with the log's verifier key vkey: both notes
// are checkpoints signed by the log for the evidence's origin and they
// conflict for the stated reason. A nil error means the log forked.
func (f *ForkEvidence) Verify(vkey string) error {
	a, err := OpenCheckpoint(f.A, vkey)
	if err != nil {
		return fmt.Errorf("fork evidence: checkpoint a: %w", err)
	}
	b, err := OpenCheckpoint(f.B, vkey)
	if err != nil {
		return fmt.Errorf("fork evidence: checkpoint b: %w", err)
	}
	if a.Origin != f.Origin {
		return fmt.Errorf("fork evidence: it names the log %q but its checkpoints are for %q", trunc(f.Origin, 80), a.Origin)
	}
	switch f.Reason {
	case ForkSameSize:
		switch {
		case f.Prefix != parley.Hash{} || len(f.Proof) != 0:
			return errors.New("fork evidence: same_size evidence has no prefix or proof")
		case a.Size != b.Size:
			return fmt.Errorf("fork evidence: the checkpoints have sizes %d and %d, not one size", a.Size, b.Size)
		case a.Root == b.Root:
			return errors.New("fork evidence: the checkpoints have the same root")
		}
	case ForkNotPrefix:
		switch {
		case a.Size == 0 || a.Size >= b.Size:
			return fmt.Errorf("fork evidence: not_a_prefix needs 0 < size of a < size of b, not %d and %d", a.Size, b.Size)
		case f.Prefix == a.Root:
			return errors.New("fork evidence: the prefix root is the root of a")
		}
		if err := CheckConsistency(f.Proof, a.Size, f.Prefix, b.Size, b.Root); err != nil {
			return fmt.Errorf("fork evidence: %w", err)
		}
	default:
		return fmt.Errorf("fork evidence: the reason %q is not same_size or not_a_prefix", trunc(f.Reason, 40))
	}
	return nil
}

// describe says what the evidence shows, for messages.
func (f *ForkEvidence) describe() string {
	var a, b Checkpoint
	if n, err := readNote(f.A); err == nil {
		if c, err := parseCheckpointText(n.Text); err == nil {
			a = *c
		}
	}
	if n, err := readNote(f.B); err == nil {
		if c, err := parseCheckpointText(n.Text); err == nil {
			b = *c
		}
	}
	if f.Reason == ForkSameSize {
		return fmt.Sprintf("%s signed two checkpoints of size %d with different roots", f.Origin, a.Size)
	}
	return fmt.Sprintf("%s signed a checkpoint of size %d whose tree does not extend its checkpoint of size %d", f.Origin, b.Size, a.Size)
}

type forkJSON struct {
	Origin string          `json:"origin"`
	Reason string          `json:"reason"`
	A      string          `json:"a"`
	B      string          `json:"b"`
	Prefix *parley.Hash    `json:"prefix,omitempty"`
	Proof  *tlog.TreeProof `json:"proof,omitempty"`
}

// MarshalJSON encodes the evidence in its JSON form.
func (f ForkEvidence) MarshalJSON() ([]byte, error) {
	j := forkJSON{Origin: f.Origin, Reason: f.Reason, A: string(f.A), B: string(f.B)}
	if f.Reason != ForkSameSize {
		proof := nonNil(f.Proof)
		j.Prefix, j.Proof = &f.Prefix, &proof
	}
	return marshal(j)
}

// UnmarshalJSON decodes the JSON form strictly.
func (f *ForkEvidence) UnmarshalJSON(data []byte) error {
	var j forkJSON
	if err := unmarshal(data, &j); err != nil {
		return fmt.Errorf("decoding fork evidence: %w", err)
	}
	*f = ForkEvidence{Origin: j.Origin, Reason: j.Reason, A: []byte(j.A), B: []byte(j.B)}
	// The members are those of the reason: none more, none fewer.
	switch {
	case f.Reason == ForkSameSize && (j.Prefix != nil || j.Proof != nil):
		return errors.New("decoding fork evidence: same_size evidence has no prefix and no proof, not even an empty one")
	case f.Reason == ForkNotPrefix && (j.Prefix == nil || j.Proof == nil):
		return errors.New("decoding fork evidence: not_a_prefix evidence has a prefix and a proof")
	}
	if j.Prefix != nil {
		f.Prefix = *j.Prefix
	}
	if j.Proof != nil {
		f.Proof = *j.Proof
	}
	return nil
}

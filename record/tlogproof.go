package record

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/transparency-dev/formats/proof"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// maxProofHashes bounds the hashes of an inclusion proof: a tree of at most
// 2⁶³ leaves has at most 63 levels.
const maxProofHashes = 63

// MarshalProof encodes the receipt as a C2SP tlog-proof
// (https://c2sp.org/tlog-proof): the entry's index, the inclusion proof and
// the signed checkpoint. The proof's extra data is the 32-byte Merkle leaf
// hash of the entry, so that the proof is checkable without the event; the
// salt is not part of it.
//
//	c2sp.org/tlog-proof@v1
//	extra <base64 of the leaf hash>
//	index <index>
//	<base64 hash>
//	...
//
//	<checkpoint note>
func (r *Receipt) MarshalProof() []byte {
	p := proof.TLogProof{
		Index:      uint64(r.Index),
		Hashes:     make([][32]byte, len(r.Proof)),
		Checkpoint: r.Checkpoint,
		ExtraData:  append([]byte(nil), r.Leaf[:]...),
	}
	for i, h := range r.Proof {
		p.Hashes[i] = h
	}
	return p.Marshal()
}

// VerifyProof parses a C2SP tlog-proof written by MarshalProof and checks
// it against the log's verifier key vkey: the checkpoint is signed by the
// log, and the proof puts the leaf hash of the extra data at its index in
// the checkpoint's tree. It returns the proof as a Receipt without a salt,
// whose Leaf is the proven leaf hash: to tie it to an event, compare it with
// LeafHash of the event, signature and salt, or call Receipt.Verify.
func VerifyProof(data []byte, vkey string) (*Receipt, error) {
	if len(data) > 2*MaxNoteSize {
		return nil, fmt.Errorf("the proof is %d bytes, more than the limit of %d", len(data), 2*MaxNoteSize)
	}
	var p proof.TLogProof
	if err := p.Unmarshal(data); err != nil {
		return nil, fmt.Errorf("reading the tlog-proof: %w", err)
	}
	switch {
	case !bytes.Equal(p.Marshal(), data):
		// The parser is lax about base64 and line ends; one spelling only.
		return nil, errors.New("reading the tlog-proof: it is not in canonical form")
	case p.ExtraData == nil:
		return nil, errors.New("reading the tlog-proof: it has no extra line with the leaf hash: ask the host for a proof of this version")
	case len(p.ExtraData) != len(parley.Hash{}):
		return nil, fmt.Errorf("reading the tlog-proof: its extra data is %d bytes, not a 32-byte leaf hash", len(p.ExtraData))
	case p.Index > math.MaxInt64:
		return nil, fmt.Errorf("reading the tlog-proof: index %d is too large", p.Index)
	case len(p.Hashes) > maxProofHashes:
		return nil, fmt.Errorf("reading the tlog-proof: it has %d hashes, more than any tree needs", len(p.Hashes))
	}
	r := &Receipt{
		Index:      int64(p.Index),
		Leaf:       parley.Hash(p.ExtraData),
		Checkpoint: p.Checkpoint,
		Proof:      make(tlog.RecordProof, len(p.Hashes)),
	}
	for i, h := range p.Hashes {
		r.Proof[i] = h
	}
	cp, err := OpenCheckpoint(r.Checkpoint, vkey)
	if err != nil {
		return nil, fmt.Errorf("tlog-proof: %w", err)
	}
	r.Origin = cp.Origin
	if err := CheckInclusion(r.Proof, r.Index, cp.Size, r.Leaf, cp.Root); err != nil {
		return nil, fmt.Errorf("tlog-proof: %w", err)
	}
	return r, nil
}

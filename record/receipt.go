package record

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// A Receipt is the host's proof that it accepted one event: the entry's
// index and leaf hash, a checkpoint signed by the log's key, and the
// inclusion proof of the leaf in that checkpoint's tree. The signer keeps
// it; if the event is later missing from the record, the receipt and the
// event prove that the host dropped it.
//
// Its JSON form is
//
//	{"origin": "<host>/talks/<id>", "index": 17, "leaf": "<base64>",
//	 "salt": "<base64>", "checkpoint": "<signed note>", "proof": ["<base64>", ...]}
//
// with hashes and the salt in standard base64 and the checkpoint note as a
// JSON string. "salt" is the entry's salt, so that the signer can recompute
// the leaf; it may be omitted, and then the verifier needs it from
// elsewhere.
type Receipt struct {
	Origin     string
	Index      int64
	Leaf       parley.Hash
	Salt       []byte // may be nil
	Checkpoint []byte // a checkpoint of size > Index, as a signed note
	Proof      tlog.RecordProof
}

// NewReceipt returns the receipt of the entry at index with the given leaf
// hash, included in the signed checkpoint note by proof (see
// ProveInclusion). It does not check them; Verify does. The caller may set
// the Salt.
func NewReceipt(origin string, index int64, leaf parley.Hash, checkpoint []byte, proof tlog.RecordProof) *Receipt {
	return &Receipt{Origin: origin, Index: index, Leaf: leaf, Checkpoint: checkpoint, Proof: proof}
}

// VerifyLeaf checks the receipt alone with the log's verifier key vkey: the
// checkpoint is signed by the log for the receipt's origin, and the proof
// puts the receipt's leaf at its index in the checkpoint's tree. It returns
// the checkpoint.
func (r *Receipt) VerifyLeaf(vkey string) (*Checkpoint, error) {
	cp, err := OpenCheckpoint(r.Checkpoint, vkey)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	if cp.Origin != r.Origin {
		return nil, fmt.Errorf("receipt: it is for the log %q but its checkpoint is for %q", trunc(r.Origin, 80), cp.Origin)
	}
	if err := CheckInclusion(r.Proof, r.Index, cp.Size, r.Leaf, cp.Root); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	return cp, nil
}

// Verify checks that the receipt proves that the log with verifier key
// vkey holds the event with bytes event and signature sig: VerifyLeaf, then
// the leaf commitment LeafHash(salt, event, sig) equals the receipt's leaf,
// and the event decodes and its signature verifies for the origin. A nil
// salt means the receipt's own.
func (r *Receipt) Verify(vkey string, event, sig, salt []byte) error {
	if salt == nil {
		salt = r.Salt
	}
	if len(salt) != SaltSize {
		return fmt.Errorf("receipt: the salt is %d bytes, not %d: give the salt the host returned with the receipt", len(salt), SaltSize)
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("receipt: the signature is %d bytes, not %d", len(sig), ed25519.SignatureSize)
	}
	cp, err := r.VerifyLeaf(vkey)
	if err != nil {
		return err
	}
	if LeafHash(salt, event, sig) != r.Leaf {
		return errors.New("receipt: its leaf is not the commitment to this event, signature and salt")
	}
	if err := checkEvent(cp.Origin, event, sig); err != nil {
		return fmt.Errorf("receipt: %w", err)
	}
	return nil
}

// checkEvent decodes a signed event, checks that it belongs to the talks of
// origin, and checks its signature.
func checkEvent(origin string, event, sig []byte) error {
	e, err := parley.SignedEvent{Bytes: event, Sig: sig}.Open(origin)
	if err != nil {
		return err
	}
	if _, talks, _ := splitOrigin(origin); e.Talks != talks {
		return fmt.Errorf("the event belongs to the talks %q, not %q", e.Talks, talks)
	}
	return nil
}

type receiptJSON struct {
	Origin     string           `json:"origin"`
	Index      int64            `json:"index"`
	Leaf       parley.Hash      `json:"leaf"`
	Salt       []byte           `json:"salt,omitempty"`
	Checkpoint string           `json:"checkpoint"`
	Proof      tlog.RecordProof `json:"proof"`
}

// MarshalJSON encodes the receipt in its JSON form.
func (r Receipt) MarshalJSON() ([]byte, error) {
	return marshal(receiptJSON{r.Origin, r.Index, r.Leaf, r.Salt, string(r.Checkpoint), nonNil(r.Proof)})
}

// UnmarshalJSON decodes the JSON form strictly: unknown or repeated
// members, and base64 that is not canonical, are refused.
func (r *Receipt) UnmarshalJSON(data []byte) error {
	var j receiptJSON
	if err := unmarshal(data, &j); err != nil {
		return fmt.Errorf("decoding the receipt: %w", err)
	}
	*r = Receipt{j.Origin, j.Index, j.Leaf, j.Salt, []byte(j.Checkpoint), j.Proof}
	return nil
}

func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

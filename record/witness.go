package record

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// CosignerKey returns the verifier key of a witness's cosignatures: the
// C2SP tlog-cosignature key (algorithm 0x04, Ed25519 cosignature/v1) named
// name for the raw Ed25519 public key pub, in the encoding of
// golang.org/x/mod/sumdb/note: "<name>+<key hash>+<base64 of 0x04 || pub>".
// The name must be a valid note key name: no spaces, no "+".
func CosignerKey(name string, pub ed25519.PublicKey) (string, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", fmt.Errorf("the witness key is %d bytes, not an Ed25519 public key", len(pub))
	}
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", fmt.Errorf("witness name %q: %w: use a name without spaces or \"+\"", trunc(name, 80), err)
	}
	return fnote.VKeyToCosignatureV1(vkey)
}

// cosignatureVerifier returns the note verifier of a witness's
// cosignatures.
func cosignatureVerifier(name string, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := CosignerKey(name, pub)
	if err != nil {
		return nil, err
	}
	return fnote.NewVerifierForCosignatureV1(vkey)
}

// cosigner is a note.Signer of C2SP cosignature/v1 signatures at a given
// time: the signature is the 8-byte big-endian Unix time followed by the
// Ed25519 signature of "cosignature/v1\ntime <time>\n" and the note's text.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	time uint64
}

func (s *cosigner) Name() string    { return s.name }
func (s *cosigner) KeyHash() uint32 { return s.hash }
func (s *cosigner) Sign(msg []byte) ([]byte, error) {
	m := fmt.Appendf(nil, "cosignature/v1\ntime %d\n%s", s.time, msg)
	return append(binary.BigEndian.AppendUint64(nil, s.time), ed25519.Sign(s.key, m)...), nil
}

// Cosign adds to a checkpoint note the C2SP cosignature/v1 of the witness
// named witness with Ed25519 key key, timestamped now, and returns the
// note. Signatures already on the note are kept, except an earlier
// cosignature by the same witness, which the new one replaces. Cosign checks
// only that the note is a checkpoint; a witness checks the log's signature
// and consistency first (see Witness).
func Cosign(checkpoint []byte, witness string, key ed25519.PrivateKey, now time.Time) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("cosigning: the witness key is %d bytes, not an Ed25519 private key", len(key))
	}
	if now.Unix() < 0 {
		return nil, fmt.Errorf("cosigning: the time %v is before 1970", now)
	}
	n, err := readNote(checkpoint)
	if err != nil {
		return nil, fmt.Errorf("cosigning: %w", err)
	}
	if _, err := parseCheckpointText(n.Text); err != nil {
		return nil, fmt.Errorf("cosigning: %w", err)
	}
	v, err := cosignatureVerifier(witness, key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("cosigning: %w", err)
	}
	s := &cosigner{name: witness, hash: v.KeyHash(), key: key, time: uint64(now.Unix())}
	out, err := note.Sign(n, s)
	if err != nil {
		return nil, fmt.Errorf("cosigning: %w", err)
	}
	if _, err := note.Open(out, note.VerifierList(v)); err != nil {
		return nil, fmt.Errorf("cosigning: the new cosignature does not verify: %w", err)
	}
	return out, nil
}

// readNote parses a signed note without verifying any signature; all its
// signatures are in UnverifiedSigs.
func readNote(msg []byte) (*note.Note, error) {
	if len(msg) > MaxNoteSize {
		return nil, fmt.Errorf("the note is %d bytes, more than the limit of %d", len(msg), MaxNoteSize)
	}
	_, err := note.Open(msg, note.VerifierList())
	var u *note.UnverifiedNoteError
	if !errors.As(err, &u) {
		return nil, fmt.Errorf("the checkpoint is not a well-formed signed note: %w", err)
	}
	if err := checkSignatureLines(msg, u.Note); err != nil {
		return nil, err
	}
	return u.Note, nil
}

// VerifyCosignature checks that a checkpoint note carries a valid
// cosignature/v1 by the witness named witness with public key pub, and
// returns the time it states. It does not check the log's signature:
// OpenCheckpoint does.
func VerifyCosignature(checkpoint []byte, witness string, pub ed25519.PublicKey) (time.Time, error) {
	v, err := cosignatureVerifier(witness, pub)
	if err != nil {
		return time.Time{}, err
	}
	if len(checkpoint) > MaxNoteSize {
		return time.Time{}, fmt.Errorf("the checkpoint is %d bytes, more than the limit of %d", len(checkpoint), MaxNoteSize)
	}
	n, err := note.Open(checkpoint, note.VerifierList(v))
	var u *note.UnverifiedNoteError
	var bad *note.InvalidSignatureError
	switch {
	case errors.As(err, &u):
		return time.Time{}, fmt.Errorf("the checkpoint has no cosignature by the witness %s", witness)
	case errors.As(err, &bad):
		return time.Time{}, fmt.Errorf("the cosignature by the witness %s does not verify", witness)
	case err != nil:
		return time.Time{}, fmt.Errorf("the checkpoint is not a well-formed signed note: %w", err)
	}
	for _, s := range n.Sigs {
		if s.Name == v.Name() && s.Hash == v.KeyHash() {
			return fnote.CoSigV1Timestamp(s)
		}
	}
	return time.Time{}, fmt.Errorf("the checkpoint has no cosignature by the witness %s", witness)
}

// A Witness watches one log and cosigns its checkpoints, each only after
// checking that it extends the last one it cosigned. It keeps its state in
// Last; the caller stores it between runs.
type Witness struct {
	Name   string             // the witness's name in its cosignatures
	Key    ed25519.PrivateKey // the witness's Ed25519 key
	LogKey string             // the verifier key of the log
	Last   []byte             // the checkpoint note cosigned last; nil before the first
}

// A ForkError reports that a log signed two checkpoints that cannot both be
// true. Its evidence convinces anyone who holds the log's key.
type ForkError struct {
	Evidence *ForkEvidence
}

// Error says what the evidence shows.
func (e *ForkError) Error() string {
	return "the log forked: " + e.Evidence.describe() + ": keep the evidence and publish it"
}

// Update decides whether to cosign checkpoint, a note that should be
// signed by the log, given proof, the consistency proof from the size of
// w.Last to the checkpoint's size (ProveConsistency). It cosigns, sets Last
// and returns the cosigned note when the log's signature verifies and the
// proof shows that the checkpoint extends Last. The first checkpoint, when
// Last is nil, is taken on trust. It refuses an older or smaller checkpoint,
// a bad signature and a proof that does not verify; when the checkpoints
// provably conflict, the error is a *ForkError holding the evidence.
func (w *Witness) Update(checkpoint []byte, proof tlog.TreeProof, now time.Time) ([]byte, error) {
	cp, err := OpenCheckpoint(checkpoint, w.LogKey)
	if err != nil {
		return nil, fmt.Errorf("not cosigning: %w", err)
	}
	if w.Last != nil {
		last, err := OpenCheckpoint(w.Last, w.LogKey)
		if err != nil {
			return nil, fmt.Errorf("not cosigning: the last cosigned checkpoint: %w", err)
		}
		if err := w.extends(last, cp, proof); err != nil {
			return nil, err
		}
	}
	out, err := Cosign(checkpoint, w.Name, w.Key, now)
	if err != nil {
		return nil, err
	}
	w.Last = out
	return out, nil
}

// extends checks that cp extends last.
func (w *Witness) extends(last, cp *Checkpoint, proof tlog.TreeProof) error {
	switch {
	case last.Size == 0 && cp.Size > 0:
		return nil // every tree extends the empty one
	case cp.Size == last.Size && cp.Root == last.Root:
		return nil
	case cp.Size > last.Size && CheckConsistency(proof, last.Size, last.Root, cp.Size, cp.Root) == nil:
		return nil
	}
	small, large := last.Note, cp.Note
	if cp.Size < last.Size {
		small, large = cp.Note, last.Note
	}
	ev, err := CheckFork(small, large, w.LogKey, proof)
	if ev != nil {
		return &ForkError{ev}
	}
	if cp.Size < last.Size {
		return fmt.Errorf("not cosigning: the checkpoint (size %d) is older than the last one cosigned (size %d)", cp.Size, last.Size)
	}
	return fmt.Errorf("not cosigning the checkpoint of size %d: %w", cp.Size, err)
}

// WitnessKey names a witness and its raw Ed25519 public key, in the
// encoding of parley.KeyString.
type WitnessKey struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// verifier returns the cosignature verifier of the witness.
func (k WitnessKey) verifier() (note.Verifier, error) {
	pub, err := parley.ParseKey(k.Key)
	if err != nil || parley.KeyString(pub) != k.Key {
		return nil, fmt.Errorf("%q is not an Ed25519 public key in canonical base64", trunc(k.Key, 60))
	}
	return cosignatureVerifier(k.Name, pub)
}

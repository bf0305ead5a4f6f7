package record

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// WitnessName returns the name under which an actor cosigns: its label (a
// party id or a role) and the first 8 hex digits of the SHA-256 of its
// public key, e.g. "oppA-3f2a1b9c". Anyone holding the roster can derive it.
func WitnessName(label string, pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return label + "-" + hex.EncodeToString(sum[:4])
}

// MergeCosignatures returns the checkpoint note with the witness signature
// lines of each cosigned copy of it added, after the log's signature. Every
// copy must carry the log's valid signature over the same text, and every
// witness line must verify against one of witnesses.
func MergeCosignatures(checkpoint []byte, cosigned [][]byte, vkey string, witnesses []WitnessKey) ([]byte, error) {
	logV, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("the log key: %w", err)
	}
	vs := []note.Verifier{logV}
	for _, w := range witnesses {
		v, err := w.verifier()
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	verifiers := note.VerifierList(vs...)
	base, err := note.Open(checkpoint, verifiers)
	if err != nil {
		return nil, fmt.Errorf("the checkpoint: %w", err)
	}
	seen := map[string]bool{}
	for _, s := range base.Sigs {
		seen[s.Base64] = true
	}
	for i, c := range cosigned {
		n, err := note.Open(c, verifiers)
		if err != nil {
			return nil, fmt.Errorf("cosigned copy %d: %w", i, err)
		}
		if n.Text != base.Text {
			return nil, fmt.Errorf("cosigned copy %d is of another checkpoint", i)
		}
		for _, s := range n.Sigs {
			if !seen[s.Base64] {
				seen[s.Base64] = true
				base.Sigs = append(base.Sigs, s)
			}
		}
	}
	base.UnverifiedSigs = nil
	return note.Sign(base)
}

// ParseCheckpointText reads the origin, size and root of a checkpoint note
// without checking any signature: for those who check the signatures
// elsewhere, or who do not hold the log's key.
func ParseCheckpointText(msg []byte) (*Checkpoint, error) {
	i := bytes.Index(msg, []byte("\n\n"))
	if i < 0 {
		return nil, fmt.Errorf("not a signed note: no blank line before the signatures")
	}
	return parseCheckpointText(string(msg[:i+1]))
}

package record

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/parleyhq/parley"
)

// MaxNoteSize is the largest signed note this package reads: a checkpoint
// with its signature and up to 100 cosignatures fits many times over.
const MaxNoteSize = 1 << 20

// GenerateLogKey returns a new Ed25519 key pair for the log with the given
// origin, in the signed-note encodings of golang.org/x/mod/sumdb/note. The
// key's name is the origin, as C2SP tlog-checkpoint asks. skey is secret.
func GenerateLogKey(origin string) (skey, vkey string, err error) {
	if err := checkOrigin(origin); err != nil {
		return "", "", err
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("generating the log key of %s: %w", origin, err)
	}
	return skey, vkey, nil
}

// checkOrigin checks that origin has the form <host>/talks/<id> and can
// name a note key (no spaces, no "+").
func checkOrigin(origin string) error {
	host, talks, ok := splitOrigin(origin)
	if !ok || strings.ContainsAny(origin, "+") || strings.IndexFunc(origin, unicode.IsSpace) >= 0 || !utf8.ValidString(origin) || !parley.ValidTalksID(talks) || host == "" {
		return fmt.Errorf("%q is not a log origin of the form <host>/talks/<id>", trunc(origin, 80))
	}
	return nil
}

// splitOrigin splits "<host>/talks/<id>" into host and id.
func splitOrigin(origin string) (host, talks string, ok bool) {
	i := strings.LastIndex(origin, "/talks/")
	if i < 0 {
		return "", "", false
	}
	return origin[:i], origin[i+len("/talks/"):], true
}

// A Sealer signs the checkpoints of one log.
type Sealer struct {
	signer note.Signer
}

// NewSealer returns a Sealer for the log signing key skey, as returned by
// GenerateLogKey. The key's name is the log's origin.
func NewSealer(skey string) (*Sealer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("reading the log signing key: %w", err)
	}
	if err := checkOrigin(s.Name()); err != nil {
		return nil, fmt.Errorf("the log signing key is named %q: %w", trunc(s.Name(), 80), err)
	}
	return &Sealer{signer: s}, nil
}

// Origin returns the origin of the sealer's log.
func (s *Sealer) Origin() string { return s.signer.Name() }

// Seal returns the checkpoint of the log at size with the given root, as a
// C2SP tlog-checkpoint signed by the log's key:
//
//	<origin>
//	<size in decimal>
//	<root in standard base64>
//
//	— <origin> <base64 of key hash and Ed25519 signature>
//
// Its method value is a parley.SealFunc.
func (s *Sealer) Seal(size int64, root parley.Hash) ([]byte, error) {
	if size < 0 {
		return nil, fmt.Errorf("sealing a checkpoint of size %d: the size cannot be negative", size)
	}
	text := log.Checkpoint{Origin: s.signer.Name(), Size: uint64(size), Hash: root[:]}.Marshal()
	b, err := note.Sign(&note.Note{Text: string(text)}, s.signer)
	if err != nil {
		return nil, fmt.Errorf("signing the checkpoint: %w", err)
	}
	return b, nil
}

var _ parley.SealFunc = (*Sealer)(nil).Seal

// A Checkpoint is a checkpoint whose log signature has been verified.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   parley.Hash
	Note   []byte // the signed note, as given

	// Others holds the note's signatures by keys other than the log's,
	// not verified: cosignatures, for instance. VerifyCosignature checks
	// one.
	Others []note.Signature
}

// OpenCheckpoint verifies the log's signature on a checkpoint note with the
// log's verifier key vkey (as returned by GenerateLogKey) and parses it. The
// note's origin must be the key's name, its root 32 bytes, and its body the
// three lines of a checkpoint without extension lines. Signatures by other
// keys are not checked; they are returned in Others.
func OpenCheckpoint(msg []byte, vkey string) (*Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("reading the log's verifier key: %w", err)
	}
	cp, _, err := openCheckpoint(msg, v)
	return cp, err
}

// openCheckpoint is OpenCheckpoint with more verifiers. It also returns
// the opened note, whose Sigs are the verified signatures.
func openCheckpoint(msg []byte, v note.Verifier, others ...note.Verifier) (*Checkpoint, *note.Note, error) {
	if len(msg) > MaxNoteSize {
		return nil, nil, fmt.Errorf("the checkpoint is %d bytes, more than the limit of %d", len(msg), MaxNoteSize)
	}
	n, err := note.Open(msg, note.VerifierList(append([]note.Verifier{v}, others...)...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return nil, nil, fmt.Errorf("the checkpoint is not signed by the log key %s+%08x", v.Name(), v.KeyHash())
		case errors.As(err, &invalid):
			return nil, nil, fmt.Errorf("the signature of %s+%08x on the checkpoint does not verify", invalid.Name, invalid.Hash)
		}
		return nil, nil, fmt.Errorf("the checkpoint is not a well-formed signed note: %w", err)
	}
	if err := checkSignatureLines(msg, n); err != nil {
		return nil, nil, err
	}
	signed := false
	for _, s := range n.Sigs {
		signed = signed || s.Name == v.Name() && s.Hash == v.KeyHash()
	}
	if !signed {
		return nil, nil, fmt.Errorf("the checkpoint is not signed by the log key %s+%08x", v.Name(), v.KeyHash())
	}
	cp, err := parseCheckpointText(n.Text)
	if err != nil {
		return nil, nil, err
	}
	if cp.Origin != v.Name() {
		return nil, nil, fmt.Errorf("the checkpoint is for the log %q, not %q", trunc(cp.Origin, 80), v.Name())
	}
	cp.Note = msg
	for _, s := range n.Sigs {
		if s.Name != v.Name() || s.Hash != v.KeyHash() {
			cp.Others = append(cp.Others, s)
		}
	}
	cp.Others = append(cp.Others, n.UnverifiedSigs...)
	return cp, n, nil
}

// CanonicalKey checks that a note verifier key "<name>+<hash>+<key>",
// which note.NewVerifier has read, is spelled as an encoder writes it:
// the key hash in eight lower-case hex digits and the key in canonical
// base64 with no line breaks. note.NewVerifier also reads other
// spellings of the same key, which would make one key two strings.
func CanonicalKey(vkey string) error {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return err
	}
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return fmt.Errorf("the key %q is not <name>+<hash>+<key>", trunc(vkey, 80))
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || base64.StdEncoding.EncodeToString(raw) != parts[2] || parts[1] != fmt.Sprintf("%08x", v.KeyHash()) {
		return fmt.Errorf("the key is not in canonical form: write its hash in 8 lower-case hex digits and the key in base64 without line breaks")
	}
	return nil
}

// checkSignatureLines refuses what note.Open lets through but would give a
// note two spellings: signatures in base64 that is not canonical, and
// repeated signature lines.
func checkSignatureLines(msg []byte, n *note.Note) error {
	// note.Open keeps one signature per known key, dropping a known
	// key's later lines; two lines by one unknown key it keeps both of.
	lines := bytes.Count(msg[len(n.Text)+1:], []byte("\n"))
	if lines != len(n.Sigs)+len(n.UnverifiedSigs) {
		return errors.New("the checkpoint repeats a signature line")
	}
	seen := map[string]bool{}
	for _, s := range n.UnverifiedSigs {
		k := fmt.Sprintf("%s+%08x", s.Name, s.Hash)
		if seen[k] {
			return fmt.Errorf("the checkpoint has two signature lines by %s", k)
		}
		seen[k] = true
	}
	for _, list := range [][]note.Signature{n.Sigs, n.UnverifiedSigs} {
		for _, s := range list {
			if _, err := base64.StdEncoding.Strict().DecodeString(s.Base64); err != nil {
				return fmt.Errorf("the checkpoint's signature by %s is not in canonical base64", s.Name)
			}
		}
	}
	return nil
}

// parseCheckpointText parses the text of a checkpoint note: exactly the
// three lines origin, size and root hash, in canonical form.
func parseCheckpointText(text string) (*Checkpoint, error) {
	var c log.Checkpoint
	rest, err := c.Unmarshal([]byte(text))
	switch {
	case err != nil:
		return nil, fmt.Errorf("the checkpoint's text is malformed: %w", err)
	case rest != nil:
		return nil, errors.New("the checkpoint has extension lines, which this version does not read")
	case len(c.Hash) != len(parley.Hash{}):
		return nil, fmt.Errorf("the checkpoint's root hash is %d bytes, not 32", len(c.Hash))
	case c.Size > math.MaxInt64:
		return nil, fmt.Errorf("the checkpoint's size %d is too large", c.Size)
	case string(c.Marshal()) != text:
		// Leading zeros in the size, or base64 that is not canonical.
		return nil, errors.New("the checkpoint's text is not in canonical form")
	}
	return &Checkpoint{Origin: c.Origin, Size: int64(c.Size), Root: parley.Hash(c.Hash)}, nil
}

// trunc shortens s to about n bytes for an error message.
func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

package seal

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/parleyhq/parley"
)

// KEM names: the part of an encryption key string before the colon. Each
// names a whole HPKE suite (KEM, KDF and AEAD); a new suite gets a new name
// and the format of keys and sealed payloads stays as it is.
const (
	// XWing is MLKEM768-X25519 (X-Wing, HPKE KEM 0x647a) with HKDF-SHA256
	// and AES-256-GCM: post-quantum and classical at once. New keys use it.
	XWing = "xwing"
	// X25519 is DHKEM(X25519, HKDF-SHA256) (HPKE KEM 0x0020) with
	// HKDF-SHA256 and AES-256-GCM: classical only, for clients that cannot
	// do ML-KEM.
	X25519 = "x25519"
)

// A suite is one HPKE ciphersuite that keys may name.
type suite struct {
	name    string
	kem     hpke.KEM
	pkSize  int // SerializePublicKey
	skSize  int // the private key as key files keep it
	encSize int // the encapsulated key
}

// The KDF and AEAD of every suite so far.
var (
	kdf  = hpke.HKDFSHA256()
	aead = hpke.AES256GCM()
)

var suites = []*suite{
	{name: XWing, kem: hpke.MLKEM768X25519(), pkSize: 1216, skSize: 32, encSize: 1120},
	{name: X25519, kem: hpke.DHKEM(ecdh.X25519()), pkSize: 32, skSize: 32, encSize: 32},
}

// wrapSize is the size of a wrapped content key: the encapsulated key, the
// 32-byte key and the 16-byte AEAD tag.
func (s *suite) wrapSize() int { return s.encSize + KeySize + 16 }

// suiteOf returns the suite of a KEM name.
func suiteOf(name string) *suite {
	for _, s := range suites {
		if s.name == name {
			return s
		}
	}
	return nil
}

// KEMs returns the names of the KEMs this version knows, the default first.
func KEMs() []string {
	out := make([]string, len(suites))
	for i, s := range suites {
		out[i] = s.name
	}
	return out
}

// maxKeyString bounds the text of a key before it is decoded.
const maxKeyString = 2048

// A PublicKey is an actor's public encryption key. Its text form is
// "<kem>:<canonical standard base64 of the HPKE public key>", for instance
// "xwing:…" (1,216 bytes) or "x25519:…" (32 bytes).
type PublicKey struct {
	suite *suite
	raw   []byte
	pk    hpke.PublicKey
	text  string
}

// KEM returns the name of the key's KEM.
func (k *PublicKey) KEM() string { return k.suite.name }

// Bytes returns the HPKE serialization of the key (a copy).
func (k *PublicKey) Bytes() []byte { return bytes.Clone(k.raw) }

// String returns the key's text form.
func (k *PublicKey) String() string { return k.text }

// Equal reports whether two keys are the same key.
func (k *PublicKey) Equal(o *PublicKey) bool {
	return k != nil && o != nil && k.suite == o.suite && bytes.Equal(k.raw, o.raw)
}

// MarshalText encodes the key as its text form.
func (k *PublicKey) MarshalText() ([]byte, error) { return []byte(k.text), nil }

// UnmarshalText decodes a key with ParsePublicKey.
func (k *PublicKey) UnmarshalText(b []byte) error {
	p, err := ParsePublicKey(string(b))
	if err != nil {
		return err
	}
	*k = *p
	return nil
}

// ParsePublicKey decodes the text form of a public encryption key strictly:
// a known KEM name, a colon, and canonical standard base64 (with padding) of
// a key of exactly that KEM's size that the KEM accepts. An X25519 key (or
// the X25519 half of an X-Wing key) that is a point of small order, with
// which no secret can be agreed, is refused.
func ParsePublicKey(s string) (*PublicKey, error) {
	name, b64, ok := strings.Cut(s, ":")
	if len(s) > maxKeyString || !ok {
		return nil, parley.Errorf(parley.EINVALID, "%q is not an encryption key: want KEM:BASE64, such as \"xwing:…\" as \"parley keygen\" prints it", clip(s))
	}
	st := suiteOf(name)
	if st == nil {
		return nil, parley.Errorf(parley.EINVALID, "encryption key %q: unknown KEM %q (this version knows %s); update Parley or publish a key of a known KEM", clip(s), clip(name), strings.Join(KEMs(), ", "))
	}
	raw, err := decodeCanonical(b64)
	if err != nil || len(raw) != st.pkSize {
		return nil, parley.Errorf(parley.EINVALID, "encryption key %q: want %d bytes in canonical standard base64 after %q", clip(s), st.pkSize, name+":")
	}
	pk, err := st.kem.NewPublicKey(raw)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "encryption key %q is not a valid %s public key", clip(s), name)
	}
	if smallOrder(raw[len(raw)-32:]) {
		return nil, parley.Errorf(parley.EINVALID, "encryption key %q: its X25519 part is a point of small order, with which nothing can be sealed; make a new key", clip(s))
	}
	return &PublicKey{suite: st, raw: raw, pk: pk, text: s}, nil
}

// smallOrder reports whether an X25519 public key is a point of small
// order: X25519 of it with any clamped scalar, a multiple of the cofactor,
// is zero, which ecdh reports as an error.
func smallOrder(pub []byte) bool {
	p, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return true
	}
	_, err = probe.ECDH(p)
	return err != nil
}

// probe is a fixed X25519 private key used only to test public keys.
var probe = func() *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x5a}, 32))
	if err != nil {
		panic(err) // X25519 accepts any 32 bytes
	}
	return k
}()

// A PrivateKey is an actor's private encryption key. Its text form, kept in
// the key file, is "<kem>:<canonical standard base64 of the 32-byte
// seed>": for X-Wing the seed of draft-connolly-cfrg-xwing-kem from which
// both halves are expanded, for X25519 the private scalar's 32 bytes.
type PrivateKey struct {
	suite *suite
	seed  []byte
	sk    hpke.PrivateKey
	pub   *PublicKey
}

// GenerateKey makes a new private encryption key of the named KEM; ""
// means XWing.
func GenerateKey(kem string) (*PrivateKey, error) {
	if kem == "" {
		kem = XWing
	}
	st := suiteOf(kem)
	if st == nil {
		return nil, parley.Errorf(parley.EINVALID, "unknown KEM %q: choose one of %s", clip(kem), strings.Join(KEMs(), ", "))
	}
	for {
		seed := make([]byte, st.skSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		k, err := newPrivateKey(st, seed)
		if err == nil {
			return k, nil
		}
		// A seed whose public key has small order cannot happen for a
		// clamped X25519 scalar; loop rather than fail should it ever.
	}
}

// ParsePrivateKey decodes the text form of a private encryption key, as
// String writes it.
func ParsePrivateKey(s string) (*PrivateKey, error) {
	name, b64, ok := strings.Cut(strings.TrimSpace(s), ":")
	if len(s) > maxKeyString || !ok {
		return nil, parley.Errorf(parley.EINVALID, "this is not a private encryption key: want KEM:BASE64 as \"parley keygen\" writes it")
	}
	st := suiteOf(name)
	if st == nil {
		return nil, parley.Errorf(parley.EINVALID, "private encryption key of unknown KEM %q (this version knows %s); update Parley", clip(name), strings.Join(KEMs(), ", "))
	}
	seed, err := decodeCanonical(b64)
	if err != nil || len(seed) != st.skSize {
		return nil, parley.Errorf(parley.EINVALID, "private %s key: want %d bytes in canonical standard base64 after %q; is the key file whole?", name, st.skSize, name+":")
	}
	return newPrivateKey(st, seed)
}

func newPrivateKey(st *suite, seed []byte) (*PrivateKey, error) {
	sk, err := st.kem.NewPrivateKey(seed)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "not a valid private %s key", st.name)
	}
	raw := sk.PublicKey().Bytes()
	text := st.name + ":" + base64.StdEncoding.EncodeToString(raw)
	pub, err := ParsePublicKey(text)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{suite: st, seed: bytes.Clone(seed), sk: sk, pub: pub}, nil
}

// Public returns the public half of the key.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// KEM returns the name of the key's KEM.
func (k *PrivateKey) KEM() string { return k.suite.name }

// String returns the key's text form, for the key file. It is secret.
func (k *PrivateKey) String() string {
	return k.suite.name + ":" + base64.StdEncoding.EncodeToString(k.seed)
}

// decodeCanonical decodes standard base64 with padding and refuses any
// spelling other than the one an encoder writes (stray bits, line breaks).
func decodeCanonical(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, errNotCanonical
	}
	return b, nil
}

var errNotCanonical = parley.Errorf(parley.EINVALID, "not canonical base64")

// clip shortens text quoted in an error message.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	return s[:57] + "..."
}

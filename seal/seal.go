// Package seal encrypts acts for their recipients only, so that the host
// that stores and orders them cannot read them: a caucus message for a
// party and the mediators, an annex for two parties and a verifier.
//
// A sealed payload is encrypted once under a fresh 32-byte content key with
// AES-256-GCM; the content key is wrapped for each recipient with HPKE
// (RFC 9180, base mode) to the recipient's encryption key, X-Wing
// (MLKEM768-X25519) by default. The payload is bound to a Context (the log's
// origin, the event's kind, its channel and its sender) and to the exact
// list of recipients, so that it cannot be moved into another talks, kind of
// act, audience or signer's event: it would not open. Anyone can check its
// structure, its recipients and its binding without a key (Parse,
// CheckContext, CheckRecipients); only a recipient can open it (Open). A
// recipient can wrap the content key again for a later recipient
// (NewRewrap), bound to the same sealed payload.
//
// docs/RECORD.md specifies the format exactly; testdata/vectors.json holds
// known-answer vectors.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"slices"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// Limits.
const (
	// MaxRecipients bounds the recipients of one sealed payload. A caucus
	// goes to one party's delegation and the mediators, an annex to two
	// parties and a verifier; 256 leaves room for the largest talks DESIGN.md
	// plans for (about 200 parties, each represented once). 256 X-Wing
	// recipients take about 845 KB of JSON, which with MaxPlaintext of
	// content stays well inside an event's 2 MiB.
	MaxRecipients = 256
	// MaxPlaintext bounds the content of one sealed payload: 512 KiB, a
	// list of several thousand names or a long message.
	MaxPlaintext = 512 << 10
	// MaxSize bounds the JSON text of a sealed payload: that of an event.
	MaxSize = parley.MaxEventSize
	// KeySize is the size of a content key.
	KeySize = 32
	// maxContextField bounds the origin, kind and channel of a Context.
	maxContextField = 1024
)

// Domain labels: every hash and every HPKE info starts with one, so that no
// value computed for one purpose can be taken for another.
const (
	labelContext = "parley/v1/seal/context\n"
	labelWrap    = "parley/v1/seal/wrap\n"
	labelCommit  = "parley/v1/seal/commit\n"
	labelWraps   = "parley/v1/seal/wraps\n"
	labelSealed  = "parley/v1/seal/sealed\n"
	labelRewrap  = "parley/v1/seal/rewrap\n"
)

// A Context is what a sealed payload is bound to besides its recipients.
// All fields are required.
type Context struct {
	Origin  string            // the log's origin, "<host>/talks/<id>"
	Kind    string            // the kind of the event that carries it
	Channel string            // its audience, e.g. "party:oppA" for a caucus
	Sender  ed25519.PublicKey // the actor who signs the event that carries it
}

func (c Context) check() error {
	for _, f := range []struct{ name, v string }{{"origin", c.Origin}, {"kind", c.Kind}, {"channel", c.Channel}} {
		if f.v == "" || len(f.v) > maxContextField || !utf8.ValidString(f.v) {
			return parley.Errorf(parley.EINVALID, "sealing context: the %s must be UTF-8 text of 1 to %d bytes", f.name, maxContextField)
		}
	}
	if len(c.Sender) != ed25519.PublicKeySize {
		return parley.Errorf(parley.EINVALID, "sealing context: the sender must be an Ed25519 public key")
	}
	return nil
}

// A Recipient is an actor, named by its signing key, and the encryption key
// it published.
type Recipient struct {
	Actor ed25519.PublicKey
	Key   *PublicKey
}

// A Sealed is a sealed payload. Its JSON form is canonical (MarshalJSON,
// Parse).
type Sealed struct {
	context    [32]byte
	recipients []entry // sorted by actor, no two alike
	commit     [32]byte
	ciphertext []byte
}

// An entry is one recipient with its wrapped content key.
type entry struct {
	actor ed25519.PublicKey
	key   *PublicKey
	wrap  []byte
}

// Recipients returns the recipients, in their order (by signing key).
func (s *Sealed) Recipients() []Recipient {
	out := make([]Recipient, len(s.recipients))
	for i, e := range s.recipients {
		out[i] = Recipient{Actor: slices.Clone(e.actor), Key: e.key}
	}
	return out
}

// Seal encrypts plaintext for the recipients, bound to c. The recipients
// are sorted by signing key; one actor may appear only once.
func Seal(c Context, plaintext []byte, to []Recipient) (*Sealed, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return sealWith(c, plaintext, to, key, func(pk *PublicKey, info, k []byte) ([]byte, error) {
		return hpkeSeal(pk, info, k)
	})
}

// A wrapFunc wraps content key k for one recipient's key with HPKE info.
type wrapFunc func(pk *PublicKey, info, k []byte) ([]byte, error)

// sealWith seals with the content key and the wrapping given, so that
// known-answer tests can fix the randomness.
func sealWith(c Context, plaintext []byte, to []Recipient, key []byte, wrap wrapFunc) (*Sealed, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(plaintext) > MaxPlaintext {
		return nil, parley.Errorf(parley.ETOOLARGE, "the content to seal has %d bytes, more than %d; send it in parts", len(plaintext), MaxPlaintext)
	}
	if len(to) == 0 {
		return nil, parley.Errorf(parley.EINVALID, "nothing can be sealed to no recipient")
	}
	if len(to) > MaxRecipients {
		return nil, parley.Errorf(parley.ETOOLARGE, "%d recipients, more than %d", len(to), MaxRecipients)
	}
	s := &Sealed{recipients: make([]entry, len(to))}
	for i, r := range to {
		if len(r.Actor) != ed25519.PublicKeySize || r.Key == nil {
			return nil, parley.Errorf(parley.EINVALID, "recipient %d: want an Ed25519 signing key and an encryption key", i)
		}
		s.recipients[i] = entry{actor: slices.Clone(r.Actor), key: r.Key}
	}
	slices.SortFunc(s.recipients, func(a, b entry) int { return bytes.Compare(a.actor, b.actor) })
	for i := 1; i < len(s.recipients); i++ {
		if bytes.Equal(s.recipients[i-1].actor, s.recipients[i].actor) {
			return nil, parley.Errorf(parley.EINVALID, "recipient %s is named twice", parley.KeyString(s.recipients[i].actor))
		}
	}
	s.context = contextDigest(c, s.recipients)
	for i := range s.recipients {
		e := &s.recipients[i]
		w, err := wrap(e.key, wrapInfo(s.context, e.actor), key)
		if err != nil {
			return nil, parley.Errorf(parley.EINVALID, "wrapping the content key for %s: %v", parley.KeyString(e.actor), err)
		}
		e.wrap = w
	}
	s.commit = commitment(key)
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	s.ciphertext = gcm.Seal(nil, zeroNonce[:], plaintext, s.aad())
	return s, nil
}

// Open decrypts a sealed payload as the recipient actor with its private
// key, checking that it was sealed for c.
func Open(c Context, s *Sealed, actor ed25519.PublicKey, priv *PrivateKey) ([]byte, error) {
	pt, _, err := open(c, s, actor, priv)
	return pt, err
}

// open returns the plaintext and the content key.
func open(c Context, s *Sealed, actor ed25519.PublicKey, priv *PrivateKey) ([]byte, []byte, error) {
	if err := s.CheckContext(c); err != nil {
		return nil, nil, err
	}
	i := s.find(actor)
	if i < 0 {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "%s is not among the recipients of this sealed payload; one of them can wrap its key for you", parley.KeyString(actor))
	}
	e := s.recipients[i]
	if priv == nil || !e.key.Equal(priv.Public()) {
		return nil, nil, parley.Errorf(parley.EINVALID, "this was sealed to the encryption key %s; open it with that key (an earlier key of yours, if you have replaced it since)", clip(e.key.String()))
	}
	key, err := hpkeOpen(priv, wrapInfo(s.context, e.actor), e.wrap)
	if err != nil {
		return nil, nil, parley.Errorf(parley.EINVALID, "your key does not open the content key wrapped for you: the sealed payload was altered, or made wrongly")
	}
	pt, err := s.decrypt(key)
	return pt, key, err
}

// decrypt checks a content key against the commitment and decrypts.
func (s *Sealed) decrypt(key []byte) ([]byte, error) {
	if len(key) != KeySize {
		return nil, parley.Errorf(parley.EINVALID, "the content key wrapped for you has %d bytes, not %d: the sealed payload was made wrongly", len(key), KeySize)
	}
	c := commitment(key)
	if subtle.ConstantTimeCompare(c[:], s.commit[:]) != 1 {
		return nil, parley.Errorf(parley.EINVALID, "the content key wrapped for you does not match the payload's commitment: the recipients were given different keys, or it was altered")
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	pt, err := gcm.Open(nil, zeroNonce[:], s.ciphertext, s.aad())
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "the sealed content does not decrypt: it was altered")
	}
	return pt, nil
}

// CheckContext checks, without a key, that the payload says it was sealed
// for c and its recipients: the check a host runs to refuse a payload moved
// from another talks, kind, channel or sender. Open checks it too.
func (s *Sealed) CheckContext(c Context) error {
	if err := s.CheckStructure(); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	d := contextDigest(c, s.recipients)
	if d != s.context {
		return parley.Errorf(parley.EINVALID, "the sealed payload was sealed for another context: another talks, kind of act, channel, sender or list of recipients; seal it again for this one")
	}
	return nil
}

// CheckRecipients checks, without a key, that the payload is sealed to
// exactly the recipients want (in any order), each with the key given
// there: the check a host runs against what the act requires.
func (s *Sealed) CheckRecipients(want []Recipient) error {
	w := slices.Clone(want)
	slices.SortFunc(w, func(a, b Recipient) int { return bytes.Compare(a.Actor, b.Actor) })
	i, j := 0, 0
	for i < len(s.recipients) || j < len(w) {
		switch {
		case j == len(w) || i < len(s.recipients) && bytes.Compare(s.recipients[i].actor, w[j].Actor) < 0:
			return parley.Errorf(parley.EINVALID, "it is sealed to %s, who is not among the recipients this act requires; seal it again to exactly those", parley.KeyString(s.recipients[i].actor))
		case i == len(s.recipients) || bytes.Compare(s.recipients[i].actor, w[j].Actor) > 0:
			return parley.Errorf(parley.EINVALID, "it is not sealed to %s, whom this act requires among its recipients; seal it again to exactly those", parley.KeyString(w[j].Actor))
		case !s.recipients[i].key.Equal(w[j].Key):
			return parley.Errorf(parley.EINVALID, "it is sealed to %s with the encryption key %s, which is not that actor's current key; seal it again to the current key", parley.KeyString(w[j].Actor), clip(s.recipients[i].key.String()))
		}
		i++
		j++
	}
	return nil
}

// CheckStructure checks what can be checked without a key or a context:
// the version, sizes, recipients sorted and unique with keys of known KEMs,
// each wrapped key of its KEM's size, the ciphertext within bounds. Parse
// runs it.
func (s *Sealed) CheckStructure() error {
	if s == nil {
		return parley.Errorf(parley.EINVALID, "no sealed payload")
	}
	n := len(s.recipients)
	if n == 0 || n > MaxRecipients {
		return parley.Errorf(parley.EINVALID, "a sealed payload has 1 to %d recipients, not %d", MaxRecipients, n)
	}
	for i, e := range s.recipients {
		if len(e.actor) != ed25519.PublicKeySize || e.key == nil {
			return parley.Errorf(parley.EINVALID, "recipient %d: want an Ed25519 signing key and an encryption key", i)
		}
		if i > 0 && bytes.Compare(s.recipients[i-1].actor, e.actor) >= 0 {
			return parley.Errorf(parley.EINVALID, "recipient %d: recipients must be in increasing order of their signing keys, each once", i)
		}
		if len(e.wrap) != e.key.suite.wrapSize() {
			return parley.Errorf(parley.EINVALID, "recipient %d: a content key wrapped for a %s key has %d bytes, not %d", i, e.key.KEM(), e.key.suite.wrapSize(), len(e.wrap))
		}
	}
	if len(s.ciphertext) < 16 || len(s.ciphertext) > MaxPlaintext+16 {
		return parley.Errorf(parley.EINVALID, "the ciphertext has %d bytes; want 16 to %d", len(s.ciphertext), MaxPlaintext+16)
	}
	return nil
}

// Digest returns the sealed digest, which names the payload in a re-wrap:
// SHA-256 over a label, the AEAD's additional data and the ciphertext.
func (s *Sealed) Digest() [32]byte {
	h := sha256.New()
	h.Write([]byte(labelSealed))
	h.Write(s.aad())
	h.Write(s.ciphertext)
	return [32]byte(h.Sum(nil))
}

func (s *Sealed) find(actor ed25519.PublicKey) int {
	i, ok := slices.BinarySearchFunc(s.recipients, actor, func(e entry, a ed25519.PublicKey) int { return bytes.Compare(e.actor, a) })
	if !ok {
		return -1
	}
	return i
}

// aad is the content AEAD's additional data: the context digest, the key
// commitment and the digest of the wrapped keys, 96 bytes.
func (s *Sealed) aad() []byte {
	h := sha256.New()
	h.Write([]byte(labelWraps))
	var n [2]byte
	for _, e := range s.recipients {
		binary.BigEndian.PutUint16(n[:], uint16(len(e.wrap)))
		h.Write(n[:])
		h.Write(e.wrap)
	}
	a := make([]byte, 0, 96)
	a = append(a, s.context[:]...)
	a = append(a, s.commit[:]...)
	return h.Sum(a)
}

// contextDigest binds the context and the ordered recipients:
// SHA-256(label || str(origin) || str(kind) || str(channel) || sender ||
// u16(n) || for each recipient: actor || u16(KEM id) || str(public key)),
// where str(x) = u16(len(x)) || x and u16 is big-endian.
func contextDigest(c Context, rs []entry) [32]byte {
	b := make([]byte, 0, 256)
	b = append(b, labelContext...)
	b = appendStr(b, []byte(c.Origin))
	b = appendStr(b, []byte(c.Kind))
	b = appendStr(b, []byte(c.Channel))
	b = append(b, c.Sender...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rs)))
	h := sha256.New()
	h.Write(b)
	for _, e := range rs {
		b = append(b[:0], e.actor...)
		b = binary.BigEndian.AppendUint16(b, e.key.suite.kem.ID())
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.key.raw)))
		h.Write(b)
		h.Write(e.key.raw)
	}
	return [32]byte(h.Sum(nil))
}

func appendStr(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// wrapInfo is the HPKE info of the content key wrapped for a recipient.
func wrapInfo(context [32]byte, actor ed25519.PublicKey) []byte {
	b := make([]byte, 0, len(labelWrap)+64)
	b = append(b, labelWrap...)
	b = append(b, context[:]...)
	return append(b, actor...)
}

// commitment commits to the content key, so that every recipient who opens
// the payload has the same key and so reads the same content (AES-GCM alone
// does not commit to its key).
func commitment(key []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(labelCommit))
	h.Write(key)
	return [32]byte(h.Sum(nil))
}

// zeroNonce is the content AEAD's nonce. The content key is fresh for each
// payload and encrypts exactly once, so a fixed nonce is never repeated
// under one key; a random one would add a field and nothing else.
var zeroNonce [12]byte

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func hpkeSeal(pk *PublicKey, info, pt []byte) ([]byte, error) {
	return hpke.Seal(pk.pk, kdf, aead, info, pt)
}

func hpkeOpen(priv *PrivateKey, info, ct []byte) ([]byte, error) {
	return hpke.Open(priv.sk, kdf, aead, info, ct)
}

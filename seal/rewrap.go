package seal

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"

	"github.com/parleyhq/parley"
)

// A Rewrap gives a later recipient the content key of a sealed payload:
// a recipient who can open the payload wraps its content key again, for an
// actor who was not among its recipients, bound to the payload's digest
// and to that actor. A signed act carries it.
type Rewrap struct {
	sealed [32]byte
	to     entry
}

type wireRewrap struct {
	V      int    `json:"v"`
	Sealed []byte `json:"sealed"`
	Actor  string `json:"actor"`
	Key    string `json:"key"`
	Wrap   []byte `json:"wrap"`
}

// SealedDigest returns the digest of the sealed payload the re-wrap is for
// (Sealed.Digest).
func (r *Rewrap) SealedDigest() [32]byte { return r.sealed }

// Recipient returns the actor the re-wrap is for and its key.
func (r *Rewrap) Recipient() Recipient {
	return Recipient{Actor: bytes.Clone(r.to.actor), Key: r.to.key}
}

// MarshalJSON encodes the re-wrap in its canonical JSON form.
func (r *Rewrap) MarshalJSON() ([]byte, error) {
	if err := r.checkStructure(); err != nil {
		return nil, err
	}
	return json.Marshal(r.wire())
}

func (r *Rewrap) wire() *wireRewrap {
	return &wireRewrap{V: Version, Sealed: r.sealed[:], Actor: parley.KeyString(r.to.actor), Key: r.to.key.String(), Wrap: r.to.wrap}
}

// UnmarshalJSON decodes a re-wrap with ParseRewrap.
func (r *Rewrap) UnmarshalJSON(b []byte) error {
	p, err := ParseRewrap(b)
	if err != nil {
		return err
	}
	*r = *p
	return nil
}

// ParseRewrap decodes the JSON form of a re-wrap as strictly as Parse.
func ParseRewrap(b []byte) (*Rewrap, error) {
	if len(b) > 8192 {
		return nil, parley.Errorf(parley.ETOOLARGE, "a re-wrap has at most 8192 bytes, this one %d", len(b))
	}
	var w wireRewrap
	if err := parley.DecodeStrict(b, &w); err != nil {
		return nil, parley.Wrapf(parley.EINVALID, "re-wrap: %s", err)
	}
	if w.V != Version {
		return nil, parley.Errorf(parley.EINVALID, "re-wrap: version %d; this version of Parley reads version %d", w.V, Version)
	}
	if len(w.Sealed) != 32 {
		return nil, parley.Errorf(parley.EINVALID, "re-wrap: \"sealed\" holds the 32-byte digest of a sealed payload")
	}
	actor, err := parley.ParseKey(w.Actor)
	if err != nil {
		return nil, parley.Wrapf(parley.EINVALID, "re-wrap: %s", err)
	}
	key, err := ParsePublicKey(w.Key)
	if err != nil {
		return nil, parley.Wrapf(parley.EINVALID, "re-wrap: %s", err)
	}
	r := &Rewrap{sealed: [32]byte(w.Sealed), to: entry{actor: actor, key: key, wrap: w.Wrap}}
	if err := r.checkStructure(); err != nil {
		return nil, parley.Wrapf(parley.EINVALID, "re-wrap: %s", err)
	}
	if c, err := json.Marshal(r.wire()); err != nil || !bytes.Equal(c, b) {
		return nil, parley.Errorf(parley.EINVALID, "re-wrap: not in canonical form (members in order, no whitespace, canonical base64); re-encode it as the sealing client writes it")
	}
	return r, nil
}

func (r *Rewrap) checkStructure() error {
	if r == nil || len(r.to.actor) != ed25519.PublicKeySize || r.to.key == nil {
		return parley.Errorf(parley.EINVALID, "a re-wrap names an actor and its encryption key")
	}
	if len(r.to.wrap) != r.to.key.suite.wrapSize() {
		return parley.Errorf(parley.EINVALID, "a content key wrapped for a %s key has %d bytes, not %d", r.to.key.KEM(), r.to.key.suite.wrapSize(), len(r.to.wrap))
	}
	return nil
}

// Check checks, without a key, that the re-wrap is for s and for an actor
// who is not already among its recipients.
func (r *Rewrap) Check(s *Sealed) error {
	if err := r.checkStructure(); err != nil {
		return err
	}
	if err := s.CheckStructure(); err != nil {
		return err
	}
	if r.sealed != s.Digest() {
		return parley.Errorf(parley.EINVALID, "the re-wrap is for another sealed payload (digest %s)", base64.StdEncoding.EncodeToString(r.sealed[:]))
	}
	if s.find(r.to.actor) >= 0 {
		return parley.Errorf(parley.ECONFLICT, "%s is already a recipient of the sealed payload; it needs no re-wrap", parley.KeyString(r.to.actor))
	}
	return nil
}

// NewRewrap wraps the content key of s for to. The actor opening s is a
// recipient of s (via nil) or the actor of an earlier re-wrap via; priv is
// its private key. The payload is opened in full first, so that only a
// payload that opens is passed on.
func NewRewrap(c Context, s *Sealed, actor ed25519.PublicKey, priv *PrivateKey, via *Rewrap, to Recipient) (*Rewrap, error) {
	return newRewrap(c, s, actor, priv, via, to, func(pk *PublicKey, info, k []byte) ([]byte, error) {
		return hpkeSeal(pk, info, k)
	})
}

func newRewrap(c Context, s *Sealed, actor ed25519.PublicKey, priv *PrivateKey, via *Rewrap, to Recipient, wrap wrapFunc) (*Rewrap, error) {
	if len(to.Actor) != ed25519.PublicKeySize || to.Key == nil {
		return nil, parley.Errorf(parley.EINVALID, "a re-wrap is for an actor with an encryption key")
	}
	var key []byte
	var err error
	if via == nil {
		_, key, err = open(c, s, actor, priv)
	} else {
		if !bytes.Equal(via.to.actor, actor) {
			return nil, parley.Errorf(parley.EINVALID, "the re-wrap given is for %s, not for %s", parley.KeyString(via.to.actor), parley.KeyString(actor))
		}
		_, key, err = openRewrapped(c, s, via, priv)
	}
	if err != nil {
		return nil, err
	}
	r := &Rewrap{sealed: s.Digest(), to: entry{actor: bytes.Clone(to.Actor), key: to.Key}}
	if s.find(r.to.actor) >= 0 {
		return nil, parley.Errorf(parley.ECONFLICT, "%s is already a recipient of the sealed payload; it needs no re-wrap", parley.KeyString(r.to.actor))
	}
	r.to.wrap, err = wrap(to.Key, rewrapInfo(r.sealed, r.to.actor), key)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "wrapping the content key for %s: %v", parley.KeyString(r.to.actor), err)
	}
	return r, nil
}

// OpenRewrapped decrypts s as the actor of the re-wrap r with its private
// key, checking that s was sealed for c.
func OpenRewrapped(c Context, s *Sealed, r *Rewrap, priv *PrivateKey) ([]byte, error) {
	pt, _, err := openRewrapped(c, s, r, priv)
	return pt, err
}

func openRewrapped(c Context, s *Sealed, r *Rewrap, priv *PrivateKey) ([]byte, []byte, error) {
	if err := s.CheckContext(c); err != nil {
		return nil, nil, err
	}
	if err := r.Check(s); err != nil {
		return nil, nil, err
	}
	if priv == nil || !r.to.key.Equal(priv.Public()) {
		return nil, nil, parley.Errorf(parley.EINVALID, "this was re-wrapped to the encryption key %s; open it with that key", clip(r.to.key.String()))
	}
	key, err := hpkeOpen(priv, rewrapInfo(r.sealed, r.to.actor), r.to.wrap)
	if err != nil {
		return nil, nil, parley.Errorf(parley.EINVALID, "your key does not open the content key re-wrapped for you: the re-wrap was altered, or made wrongly")
	}
	pt, err := s.decrypt(key)
	return pt, key, err
}

// rewrapInfo is the HPKE info of a content key re-wrapped for an actor.
func rewrapInfo(sealed [32]byte, actor ed25519.PublicKey) []byte {
	b := make([]byte, 0, len(labelRewrap)+64)
	b = append(b, labelRewrap...)
	b = append(b, sealed[:]...)
	return append(b, actor...)
}

package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"

	"github.com/parleyhq/parley"
)

// Version is the version of the sealed format, the "v" of its JSON.
const Version = 1

// The JSON forms. Members are written in this order, with no whitespace;
// byte strings are canonical standard base64 with padding.
type (
	wireSealed struct {
		V          int             `json:"v"`
		Context    []byte          `json:"context"`
		Recipients []wireRecipient `json:"recipients"`
		Commit     []byte          `json:"commit"`
		Ciphertext []byte          `json:"ciphertext"`
	}
	wireRecipient struct {
		Actor string `json:"actor"`
		Key   string `json:"key"`
		Wrap  []byte `json:"wrap"`
	}
)

// MarshalJSON encodes the payload in its canonical JSON form.
func (s *Sealed) MarshalJSON() ([]byte, error) {
	if err := s.CheckStructure(); err != nil {
		return nil, err
	}
	return json.Marshal(s.wire())
}

func (s *Sealed) wire() *wireSealed {
	w := &wireSealed{V: Version, Context: s.context[:], Commit: s.commit[:], Ciphertext: s.ciphertext, Recipients: make([]wireRecipient, len(s.recipients))}
	for i, e := range s.recipients {
		w.Recipients[i] = wireRecipient{Actor: parley.KeyString(e.actor), Key: e.key.String(), Wrap: e.wrap}
	}
	return w
}

// UnmarshalJSON decodes a payload with Parse, so that a sealed payload in a
// struct decoded by parley.DecodeStrict is held to the same rules.
func (s *Sealed) UnmarshalJSON(b []byte) error {
	p, err := Parse(b)
	if err != nil {
		return err
	}
	*s = *p
	return nil
}

// Parse decodes the JSON form of a sealed payload strictly and checks its
// structure (CheckStructure). The text must be exactly the canonical form
// MarshalJSON writes: members in order, no whitespace, no escapes, canonical
// base64, no null; anything else is refused, so that one payload has one
// spelling.
func Parse(b []byte) (*Sealed, error) {
	return ParseKnown(b, nil)
}

// ParseKnown is Parse, taking the recipients' encryption keys that known
// returns (a key parsed and checked before, such as a roster's) instead
// of parsing and checking them again: a host checks many payloads sealed
// to the same few keys. known may be nil.
func ParseKnown(b []byte, known func(text string) *PublicKey) (*Sealed, error) {
	if len(b) > MaxSize {
		return nil, parley.Errorf(parley.ETOOLARGE, "a sealed payload has at most %d bytes, this one %d", MaxSize, len(b))
	}
	// The canonical form is read directly; anything else goes through the
	// strict JSON decoder, which says what is wrong with it. Either way
	// the payload must re-encode to exactly its text (below).
	w, ok := scanCanonical(b)
	if !ok {
		w = new(wireSealed)
		if err := parley.DecodeStrict(b, w); err != nil {
			return nil, parley.Wrapf(parley.EINVALID, "sealed payload: %s", err)
		}
	}
	if w.V != Version {
		return nil, parley.Errorf(parley.EINVALID, "sealed payload: version %d; this version of Parley reads version %d", w.V, Version)
	}
	if len(w.Context) != 32 || len(w.Commit) != 32 {
		return nil, parley.Errorf(parley.EINVALID, "sealed payload: \"context\" and \"commit\" hold 32 bytes each")
	}
	if len(w.Recipients) == 0 || len(w.Recipients) > MaxRecipients {
		return nil, parley.Errorf(parley.EINVALID, "sealed payload: 1 to %d recipients, not %d", MaxRecipients, len(w.Recipients))
	}
	s := &Sealed{context: [32]byte(w.Context), commit: [32]byte(w.Commit), ciphertext: w.Ciphertext, recipients: make([]entry, len(w.Recipients))}
	for i, r := range w.Recipients {
		actor, err := parley.ParseKey(r.Actor)
		if err != nil {
			return nil, parley.Wrapf(parley.EINVALID, "sealed payload: recipient %d: %s", err, i)
		}
		var key *PublicKey
		if known != nil {
			key = known(r.Key)
		}
		if key == nil || key.text != r.Key {
			if key, err = ParsePublicKey(r.Key); err != nil {
				return nil, parley.Wrapf(parley.EINVALID, "sealed payload: recipient %d: %s", err, i)
			}
		}
		s.recipients[i] = entry{actor: actor, key: key, wrap: r.Wrap}
	}
	if err := s.CheckStructure(); err != nil {
		return nil, parley.Wrapf(parley.EINVALID, "sealed payload: %s", err)
	}
	if c, err := json.Marshal(s.wire()); err != nil || !bytes.Equal(c, b) {
		return nil, parley.Errorf(parley.EINVALID, "sealed payload: not in canonical form (members in order, no whitespace, canonical base64); re-encode it as the sealing client writes it")
	}
	return s, nil
}

// scanCanonical reads a sealed payload written exactly in the canonical
// form MarshalJSON writes, {"v":1,"context":"…","recipients":[{"actor":
// "…","key":"…","wrap":"…"},…],"commit":"…","ciphertext":"…"}, without
// the general JSON decoder: a host reads many, each mostly base64. It
// reports false for any other text, which Parse then reads strictly. The
// strings of the canonical form hold no escape and no quote.
func scanCanonical(b []byte) (*wireSealed, bool) {
	sc := scanner{b: b}
	w := &wireSealed{V: Version}
	ok := sc.lit(`{"v":1,"context":"`) && sc.b64(&w.Context) && sc.lit(`","recipients":[`)
	for ok {
		var r wireRecipient
		ok = sc.lit(`{"actor":"`) && sc.text(&r.Actor) && sc.lit(`","key":"`) && sc.text(&r.Key) && sc.lit(`","wrap":"`) && sc.b64(&r.Wrap) && sc.lit(`"}`)
		if !ok || len(w.Recipients) == MaxRecipients {
			return nil, false
		}
		w.Recipients = append(w.Recipients, r)
		if !sc.lit(",") {
			break
		}
	}
	ok = ok && sc.lit(`],"commit":"`) && sc.b64(&w.Commit) && sc.lit(`","ciphertext":"`) && sc.b64(&w.Ciphertext) && sc.lit(`"}`) && sc.i == len(b)
	return w, ok
}

// A scanner reads the canonical form of scanCanonical.
type scanner struct {
	b []byte
	i int
}

// lit reads the literal text s.
func (sc *scanner) lit(s string) bool {
	if !bytes.HasPrefix(sc.b[sc.i:], []byte(s)) {
		return false
	}
	sc.i += len(s)
	return true
}

// str reads a string up to its closing quote, which it leaves. What it
// holds is checked by whoever reads it (a key, base64) and by the
// payload's re-encoding, which a quote or backslash in it would change.
func (sc *scanner) str(v *[]byte) bool {
	j := bytes.IndexByte(sc.b[sc.i:], '"')
	if j < 0 {
		return false
	}
	*v = sc.b[sc.i : sc.i+j]
	sc.i += j
	return true
}

// text reads a string as str, as a Go string.
func (sc *scanner) text(v *string) bool {
	var b []byte
	if !sc.str(&b) {
		return false
	}
	*v = string(b)
	return true
}

// b64 reads a string of standard base64 and decodes it.
func (sc *scanner) b64(v *[]byte) bool {
	var src []byte
	if !sc.str(&src) {
		return false
	}
	d := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(d, src)
	*v = d[:n]
	return err == nil
}

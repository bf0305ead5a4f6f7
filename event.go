package parley

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// EventVersion is the version of the event encoding described in
// docs/RECORD.md.
const EventVersion = 1

// EventDomain prefixes every message an actor signs, so that an event
// signature can never be taken for a signature over anything else.
const EventDomain = "parley/v1/event\n"

// Limits on events. An event is refused whole when it breaks one.
const (
	MaxEventSize = 2 << 20 // bytes of the encoded event
	MaxJSONDepth = 32      // nesting of objects and arrays
	MaxIDLength  = 64
	MaxTextSize  = 64 << 10 // one paragraph, statement or reason
)

// ValidID reports whether s may name an item, party, round, package or fact:
// [A-Za-z0-9_.:-]+ of at most MaxIDLength bytes (the ID of DESIGN.md §4).
func ValidID(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// ValidTalksID reports whether s may name a talks: lower-case letters, digits
// and dashes, starting with a letter or digit, at most MaxIDLength bytes. It
// appears in URLs and in the log origin.
func ValidTalksID(s string) bool {
	if s == "" || len(s) > MaxIDLength || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return true
}

// Origin returns the log origin of a talks on a host: "<host>/talks/<id>".
func Origin(host, talks string) string { return host + "/talks/" + talks }

// An Event is one act, as its signer encoded it. The JSON encoding of an
// Event is what is signed and stored; it is never re-encoded after signing.
type Event struct {
	V       int             `json:"v"`
	Talks   string          `json:"talks"`
	Kind    string          `json:"kind"`
	Actor   string          `json:"actor"`         // standard base64 of the signer's Ed25519 public key
	Time    string          `json:"time"`          // RFC 3339, as the signer's clock saw it
	Nonce   string          `json:"nonce"`         // standard base64 of 16 random bytes
	Vis     string          `json:"vis,omitempty"` // visibility, when narrower than the talks' default
	Payload json.RawMessage `json:"payload"`

	// Act is the payload decoded, strictly and once, into the type the
	// table of kinds gives its kind (*SetStance for stance.set, …).
	// DecodeEvent sets it; it is never encoded.
	Act Act `json:"-"`
}

// Decode returns the event's act, decoding the payload the first time
// for an event that was not read by DecodeEvent (one built in memory).
func (e *Event) Decode() (Act, error) {
	if e.Act != nil {
		return e.Act, nil
	}
	act, err := decodeAct(e.Kind, e.Payload)
	if err != nil {
		return nil, err
	}
	e.Act = act
	return act, nil
}

// decodeAct decodes a payload strictly into the act of its kind.
func decodeAct(kind string, payload []byte) (Act, error) {
	spec := Spec(kind)
	if spec == nil {
		return nil, Errorf(EINVALID, "event field \"kind\": %q is not a known kind of event", truncate(kind, 80))
	}
	act := spec.New()
	if err := DecodeStrict(payload, act); err != nil {
		return nil, Wrapf(ErrorCode(err), "payload of %s: %s", err, kind)
	}
	return act, nil
}

// ActorKey returns the decoded public key of the signer. It is valid on an
// event returned by DecodeEvent.
func (e *Event) ActorKey() ed25519.PublicKey {
	k, _ := base64.StdEncoding.DecodeString(e.Actor)
	return ed25519.PublicKey(k)
}

// At returns the signer's time of the event. It is valid on an event
// returned by DecodeEvent.
func (e *Event) At() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, e.Time)
	return t
}

// validTime reports whether s is a time as events write it: RFC 3339,
// YYYY-MM-DDTHH:MM:SS, optional fractional seconds, then Z or an offset
// ±HH:MM, with T and Z in upper case (as Go's time.Parse reads them) and
// an offset's hours 00 to 23 and minutes 00 to 59 (which time.Parse
// does not check).
func validTime(s string) bool {
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return false
	}
	if n := len(s); n >= 6 && (s[n-6] == '+' || s[n-6] == '-') {
		return s[n-5:n-3] <= "23" && s[n-2:] <= "59"
	}
	return true
}

// KeyString encodes a public key as events and rosters write it.
func KeyString(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

// ParseKey decodes a public key written by KeyString.
func ParseKey(s string) (ed25519.PublicKey, error) {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, Errorf(EINVALID, "%q is not an Ed25519 public key in base64 (44 characters)", truncate(s, 60))
	}
	return ed25519.PublicKey(k), nil
}

// NewEvent returns an event of the given kind by actor at time t, with a
// fresh random nonce and the payload encoded as JSON.
func NewEvent(talks, kind string, actor ed25519.PublicKey, t time.Time, payload any) (*Event, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, Errorf(EINVALID, "encoding the payload of %s: %v", kind, err)
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	e := &Event{
		V:       EventVersion,
		Talks:   talks,
		Kind:    kind,
		Actor:   KeyString(actor),
		Time:    t.UTC().Format(time.RFC3339Nano),
		Nonce:   base64.StdEncoding.EncodeToString(nonce[:]),
		Payload: p,
	}
	// An act that does not decode is left for the state to refuse.
	e.Act, _ = decodeAct(kind, p)
	return e, nil
}

// A SignedEvent is the exact bytes of an event and the signer's signature
// over SignedMessage(origin, Bytes). Its JSON form carries both in standard
// base64: {"event": "...", "sig": "..."}.
type SignedEvent struct {
	Bytes []byte `json:"event"`
	Sig   []byte `json:"sig"`
}

// SignedMessage returns the message an actor signs for event bytes b in the
// log with the given origin.
func SignedMessage(origin string, b []byte) []byte {
	m := make([]byte, 0, len(EventDomain)+len(origin)+1+len(b))
	m = append(m, EventDomain...)
	m = append(m, origin...)
	m = append(m, '\n')
	return append(m, b...)
}

// Sign encodes e and signs it for the log with the given origin.
func Sign(origin string, e *Event, key ed25519.PrivateKey) (SignedEvent, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return SignedEvent{}, Errorf(EINVALID, "encoding the event: %v", err)
	}
	return SignedEvent{Bytes: b, Sig: ed25519.Sign(key, SignedMessage(origin, b))}, nil
}

// Open decodes the event and checks its signature for the log with the
// given origin. It does not check that the signer may act: that is the
// state's job.
func (s SignedEvent) Open(origin string) (*Event, error) {
	e, err := DecodeEvent(s.Bytes)
	if err != nil {
		return nil, err
	}
	return e, s.CheckSignature(origin, e)
}

// CheckSignature checks the signature of s, whose bytes decode to e, for
// the log with the given origin.
func (s SignedEvent) CheckSignature(origin string, e *Event) error {
	if len(s.Sig) != ed25519.SignatureSize || !ed25519.Verify(e.ActorKey(), SignedMessage(origin, s.Bytes), s.Sig) {
		return Errorf(EUNAUTHORIZED, "the signature of this %s event does not verify for %s with its actor key: sign the exact bytes sent, with the key named in \"actor\"", e.Kind, origin)
	}
	return nil
}

// DecodeEvent parses event bytes strictly: one JSON object in valid UTF-8
// as CheckJSON wants it, members named exactly (case included) as the
// fields of Event, no trailing data, every field well formed, actor and
// nonce in canonical base64, and the payload decoded strictly into the
// act of its kind (Event.Act). It does not check the signature.
func DecodeEvent(b []byte) (*Event, error) {
	if len(b) > MaxEventSize {
		return nil, Errorf(ETOOLARGE, "the event is %d bytes, more than the limit of %d", len(b), MaxEventSize)
	}
	e, err := decodeEventJSON(b)
	if err != nil {
		return nil, err
	}
	switch {
	case e.V != EventVersion:
		return nil, Errorf(EINVALID, "event field \"v\": version %d is not supported (want %d)", e.V, EventVersion)
	case !ValidTalksID(e.Talks):
		return nil, Errorf(EINVALID, "event field \"talks\": %q is not a talks id (lower-case letters, digits and dashes)", truncate(e.Talks, 80))
	case !KnownKind(e.Kind):
		return nil, Errorf(EINVALID, "event field \"kind\": %q is not a known kind of event", truncate(e.Kind, 80))
	case e.Vis != "" && !ValidVisibility(e.Vis):
		return nil, Errorf(EINVALID, "event field \"vis\": %q is not public, participants, party:ID or mediators", truncate(e.Vis, 80))
	}
	k, err := ParseKey(e.Actor)
	if err != nil {
		return nil, Wrapf(EINVALID, "event field \"actor\": %s", err)
	}
	if s := KeyString(k); s != e.Actor {
		return nil, Errorf(EINVALID, "event field \"actor\": %q is not canonical base64: write the key as %q", truncate(e.Actor, 60), s)
	}
	if !validTime(e.Time) {
		return nil, Errorf(EINVALID, "event field \"time\": %q is not an RFC 3339 time", truncate(e.Time, 80))
	}
	if !validNonce(e.Nonce) {
		return nil, Errorf(EINVALID, "event field \"nonce\": want 16 random bytes in canonical standard base64 (24 characters, the last two \"==\")")
	}
	if len(e.Payload) == 0 || e.Payload[0] != '{' {
		return nil, Errorf(EINVALID, "event field \"payload\": want a JSON object")
	}
	if e.Act, err = decodeAct(e.Kind, e.Payload); err != nil {
		return nil, err
	}
	return e, nil
}

// eventShape is the shape of Event for checkJSON.
var eventShape = shapeOf(reflect.TypeFor[Event]())

// decodeEventJSON decodes b into an Event in one scan: checkJSON with the
// shape of Event, which leaves nothing to refuse but values of the wrong
// type, then the values where the scan found them, decoded as
// encoding/json would: null leaves a field empty, json.RawMessage takes
// the value's bytes.
func decodeEventJSON(b []byte) (*Event, error) {
	var spans [maxSpans]span
	if len(eventShape.fields) > len(spans) {
		return nil, Errorf(EINTERNAL, "Event has more fields than decodeEventJSON knows")
	}
	if err := checkJSONInto(b, eventShape, spans[:]); err != nil {
		if me, ok := err.(*memberError); ok {
			return nil, me.eventError()
		}
		return nil, err
	}
	if bytes.TrimLeft(b, " \t\r\n")[0] != '{' {
		return nil, Errorf(EINVALID, "decoding the event: want a JSON object")
	}
	e := new(Event)
	for k, sp := range spans[:len(eventShape.fields)] {
		if sp.end == 0 {
			continue
		}
		v := b[sp.start:sp.end]
		name := eventShape.fields[k].name
		if name == "payload" {
			e.Payload = append(json.RawMessage(nil), v...)
			continue
		}
		if v[0] == 'n' { // null
			continue
		}
		if name == "v" {
			n, err := strconv.Atoi(string(v)) // refuses strings, literals and numbers with a fraction or an exponent
			if err != nil {
				return nil, Errorf(EINVALID, "event field \"v\": want an integer, found %s", describeValue(v))
			}
			e.V = n
			continue
		}
		if v[0] != '"' {
			return nil, Errorf(EINVALID, "event field %q: want a string, found %s", name, describeValue(v))
		}
		var str string
		if v = v[1 : len(v)-1]; bytes.IndexByte(v, '\\') >= 0 {
			str = string(AppendUnescapedJSON(nil, v))
		} else {
			str = string(v)
		}
		switch name {
		case "talks":
			e.Talks = str
		case "kind":
			e.Kind = str
		case "actor":
			e.Actor = str
		case "time":
			e.Time = str
		case "nonce":
			e.Nonce = str
		case "vis":
			e.Vis = str
		default:
			return nil, Errorf(EINTERNAL, "decodeEventJSON does not know the field %q of Event", name)
		}
	}
	return e, nil
}

// validNonce reports whether s is 16 bytes in canonical standard base64:
// what the encoder writes, with no stray bits and no line breaks, which the
// decoder would skip.
func validNonce(s string) bool {
	var n [18]byte // room for 24 characters without padding
	var enc [24]byte
	if len(s) != len(enc) {
		return false
	}
	if k, err := base64.StdEncoding.Decode(n[:], []byte(s)); err != nil || k != 16 {
		return false
	}
	base64.StdEncoding.Encode(enc[:], n[:16])
	return string(enc[:]) == s
}

// DecodePayload decodes the payload of e strictly into v, for a v other
// than e's act (a test, or a tool that reads payloads as another type):
// as CheckJSON
// wants it, with every member of an object decoded into a struct named
// exactly (case included) as one of its fields, in nested structs, slices,
// arrays, maps and pointers too; json.RawMessage and other types that
// decode themselves are not looked into.
func DecodePayload(e *Event, v any) error {
	if err := DecodeStrict(e.Payload, v); err != nil {
		return Wrapf(ErrorCode(err), "payload of %s: %s", err, e.Kind)
	}
	return nil
}

// DecodeStrict decodes one JSON value into v with the rules of
// DecodePayload: what CheckJSON wants, and member names exactly as v's
// fields spell them. The API decodes request bodies with it.
func DecodeStrict(b []byte, v any) error {
	if err := checkJSON(b, shapeOf(reflect.TypeOf(v))); err != nil {
		if me, ok := err.(*memberError); ok {
			return me.error()
		}
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeError says an error of encoding/json's decoder, which reads what
// checkJSON accepted: a value of another type than its Go field's, or an
// error of a type's own decoder.
func decodeError(err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return Errorf(EINVALID, "the JSON does not decode: %v", err)
	}
	want := Key("a value of another type")
	switch te.Type.Kind() {
	case reflect.String:
		want = Key("a string")
	case reflect.Bool:
		want = Key("a boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		want = Key("a whole number")
	case reflect.Float32, reflect.Float64:
		want = Key("a number")
	case reflect.Slice, reflect.Array:
		want = Key("an array")
	case reflect.Struct, reflect.Map:
		want = Key("an object")
	}
	found, number, isNumber := strings.Cut(te.Value, " ")
	if te.Field == "" {
		if isNumber && found == "number" {
			return Errorf(EINVALID, "the JSON holds the number %s, which is not %s in range", truncate(number, 40), want)
		}
		return Errorf(EINVALID, "the JSON holds %s where %s goes", jsonType(found), want)
	}
	if isNumber && found == "number" {
		return Errorf(EINVALID, "member %q holds the number %s, which is not %s in range", truncate(te.Field, 120), truncate(number, 40), want)
	}
	return Errorf(EINVALID, "member %q holds %s where %s goes", truncate(te.Field, 120), jsonType(found), want)
}

// jsonType names a JSON type as encoding/json's errors name it.
func jsonType(t string) any {
	switch t {
	case "string":
		return Key("a string")
	case "number":
		return Key("a number")
	case "bool":
		return Key("a boolean")
	case "array":
		return Key("an array")
	case "object":
		return Key("an object")
	}
	return t
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// actorKey returns a fixed Ed25519 public key named by s.
func actorKey(s string) ed25519.PublicKey {
	seed := sha256.Sum256([]byte("actor " + s))
	return ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
}

// A member is a recipient with its private key.
type member struct {
	actor ed25519.PublicKey
	priv  *PrivateKey
}

func (m member) recipient() Recipient { return Recipient{Actor: m.actor, Key: m.priv.Public()} }

func newMembers(t testing.TB, kem string, n int) []member {
	t.Helper()
	ms := make([]member, n)
	for i := range ms {
		k, err := GenerateKey(kem)
		if err != nil {
			t.Fatal(err)
		}
		ms[i] = member{actor: actorKey(fmt.Sprintf("%s-%d-%p", kem, i, k)), priv: k}
	}
	return ms
}

func recipientsOf(ms []member) []Recipient {
	rs := make([]Recipient, len(ms))
	for i, m := range ms {
		rs[i] = m.recipient()
	}
	return rs
}

var testContext = Context{
	Origin:  "parley.example.org/talks/moscow-2015",
	Kind:    parley.KindCaucus,
	Channel: "party:oppA",
	Sender:  actorKey("sender"),
}

func TestRoundTrip(t *testing.T) {
	for _, kem := range KEMs() {
		for _, n := range []int{1, 2, 7} {
			t.Run(fmt.Sprintf("%s/%d", kem, n), func(t *testing.T) {
				ms := newMembers(t, kem, n)
				msg := []byte("the detainee lists are ready; meet at nine")
				s, err := Seal(testContext, msg, recipientsOf(ms))
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				p, err := Parse(b)
				if err != nil {
					t.Fatalf("Parse of what MarshalJSON wrote: %v\n%s", err, b)
				}
				if err := p.CheckRecipients(recipientsOf(ms)); err != nil {
					t.Errorf("CheckRecipients: %v", err)
				}
				if err := p.CheckContext(testContext); err != nil {
					t.Errorf("CheckContext: %v", err)
				}
				for i, m := range ms {
					got, err := Open(testContext, p, m.actor, m.priv)
					if err != nil {
						t.Fatalf("recipient %d: %v", i, err)
					}
					if !bytes.Equal(got, msg) {
						t.Errorf("recipient %d: got %q, want %q", i, got, msg)
					}
				}
				other := newMembers(t, kem, 1)[0]
				if _, err := Open(testContext, p, other.actor, other.priv); parley.ErrorCode(err) != parley.ENOTFOUND {
					t.Errorf("Open by a non-recipient: got %v, want a not_found error", err)
				}
				if _, err := Open(testContext, p, ms[0].actor, other.priv); parley.ErrorCode(err) != parley.EINVALID {
					t.Errorf("Open with another key: got %v, want an invalid error", err)
				}
			})
		}
	}
}

func TestEmptyAndLargest(t *testing.T) {
	ms := newMembers(t, X25519, 2)
	for _, msg := range [][]byte{{}, bytes.Repeat([]byte{'x'}, MaxPlaintext)} {
		s, err := Seal(testContext, msg, recipientsOf(ms))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Open(testContext, s, ms[1].actor, ms[1].priv)
		if err != nil || !bytes.Equal(got, msg) {
			t.Errorf("%d bytes: got %d bytes, %v", len(msg), len(got), err)
		}
	}
	if _, err := Seal(testContext, make([]byte, MaxPlaintext+1), recipientsOf(ms)); parley.ErrorCode(err) != parley.ETOOLARGE {
		t.Errorf("sealing %d bytes: got %v, want too_large", MaxPlaintext+1, err)
	}
}

func TestMaxRecipients(t *testing.T) {
	ms := newMembers(t, XWing, MaxRecipients+1)
	s, err := Seal(testContext, []byte("all"), recipientsOf(ms[:MaxRecipients]))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	// Room is left in an event for the content and the rest of the act.
	if len(b) > parley.MaxEventSize-MaxPlaintext*4/3-64<<10 {
		t.Errorf("%d X-Wing recipients take %d bytes of JSON, too many to fit an event with %d bytes of content", MaxRecipients, len(b), MaxPlaintext)
	}
	if _, err := Parse(b); err != nil {
		t.Fatal(err)
	}
	if _, err := Seal(testContext, []byte("all"), recipientsOf(ms)); parley.ErrorCode(err) != parley.ETOOLARGE {
		t.Errorf("sealing to %d: got %v, want too_large", len(ms), err)
	}
}

func TestSealRefuses(t *testing.T) {
	ms := newMembers(t, X25519, 2)
	rs := recipientsOf(ms)
	for _, tc := range []struct {
		name string
		c    Context
		rs   []Recipient
	}{
		{"no recipient", testContext, nil},
		{"twice", testContext, []Recipient{rs[0], rs[1], rs[0]}},
		{"no key", testContext, []Recipient{{Actor: rs[0].Actor}}},
		{"short actor", testContext, []Recipient{{Actor: rs[0].Actor[:31], Key: rs[0].Key}}},
		{"no origin", Context{Kind: "k", Channel: "c", Sender: actorKey("s")}, rs},
		{"no kind", Context{Origin: "o", Channel: "c", Sender: actorKey("s")}, rs},
		{"no channel", Context{Origin: "o", Kind: "k", Sender: actorKey("s")}, rs},
		{"no sender", Context{Origin: "o", Kind: "k", Channel: "c"}, rs},
		{"long origin", Context{Origin: strings.Repeat("o", 1025), Kind: "k", Channel: "c", Sender: actorKey("s")}, rs},
		{"bad UTF-8", Context{Origin: "o\xff", Kind: "k", Channel: "c", Sender: actorKey("s")}, rs},
	} {
		if _, err := Seal(tc.c, []byte("x"), tc.rs); err == nil {
			t.Errorf("%s: sealed", tc.name)
		} else if parley.ErrorCode(err) == parley.EINTERNAL {
			t.Errorf("%s: %v is not a *parley.Error", tc.name, err)
		}
	}
}

// TestMoved checks that a payload moved to another talks, kind, channel,
// sender or audience is refused, by a recipient and by the keyless checks.
func TestMoved(t *testing.T) {
	for _, kem := range KEMs() {
		t.Run(kem, func(t *testing.T) {
			ms := newMembers(t, kem, 3)
			s, err := Seal(testContext, []byte("only for the three of us"), recipientsOf(ms))
			if err != nil {
				t.Fatal(err)
			}
			moved := map[string]Context{}
			c := testContext
			c.Origin = "parley.example.org/talks/geneva-2016"
			moved["origin"] = c
			c = testContext
			c.Origin = "evil.example.org/talks/moscow-2015"
			moved["host"] = c
			c = testContext
			c.Kind = parley.KindStatement
			moved["kind"] = c
			c = testContext
			c.Channel = "party:gov"
			moved["channel"] = c
			c = testContext
			c.Sender = ms[0].actor
			moved["sender"] = c
			for name, c := range moved {
				if err := s.CheckContext(c); err == nil {
					t.Errorf("%s: CheckContext accepted the payload in another context", name)
				}
				for i, m := range ms {
					if _, err := Open(c, s, m.actor, m.priv); err == nil {
						t.Errorf("%s: recipient %d opened the payload in another context", name, i)
					}
				}
			}

			// The audience: the host compares the recipients with those the
			// act requires.
			others := newMembers(t, kem, 1)
			rs := recipientsOf(ms)
			for name, want := range map[string][]Recipient{
				"one more":  append(slices.Clone(rs), others[0].recipient()),
				"one fewer": rs[1:],
				"another":   {rs[0], rs[1], others[0].recipient()},
				"other key": {rs[0], rs[1], {Actor: rs[2].Actor, Key: others[0].priv.Public()}},
			} {
				if err := s.CheckRecipients(want); err == nil {
					t.Errorf("%s: CheckRecipients accepted the payload for another audience", name)
				}
			}
			if err := s.CheckRecipients([]Recipient{rs[2], rs[0], rs[1]}); err != nil {
				t.Errorf("CheckRecipients in another order: %v", err)
			}

			// A list changed in the payload, its context digest made anew
			// for the new list (anyone can compute it): the keyless check
			// passes, but nobody can open it.
			for name, change := range map[string]func(*Sealed){
				"recipient removed": func(s *Sealed) { s.recipients = s.recipients[1:] },
				"recipient added": func(s *Sealed) {
					o, err := Seal(testContext, []byte("other"), recipientsOf(others))
					if err != nil {
						t.Fatal(err)
					}
					s.recipients = append(s.recipients, o.recipients[0])
					slices.SortFunc(s.recipients, func(a, b entry) int { return bytes.Compare(a.actor, b.actor) })
				},
				"wraps swapped": func(s *Sealed) {
					s.recipients[0].wrap, s.recipients[1].wrap = s.recipients[1].wrap, s.recipients[0].wrap
				},
			} {
				m := clone(s)
				change(m)
				m.context = contextDigest(testContext, m.recipients)
				if err := m.CheckContext(testContext); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for i, r := range ms {
					if _, err := Open(testContext, m, r.actor, r.priv); err == nil {
						t.Errorf("%s: recipient %d opened it", name, i)
					}
				}
			}
		})
	}
}

func clone(s *Sealed) *Sealed {
	c := *s
	c.ciphertext = slices.Clone(s.ciphertext)
	c.recipients = slices.Clone(s.recipients)
	for i := range c.recipients {
		c.recipients[i].actor = slices.Clone(c.recipients[i].actor)
		c.recipients[i].wrap = slices.Clone(c.recipients[i].wrap)
	}
	return &c
}

package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/parleyhq/parley"
)

// refused reports whether a sealed payload in JSON is refused: by Parse, by
// the keyless context check, or by every recipient's Open.
func refused(t *testing.T, b []byte, ms []member) (byParse, byContext, byAll bool) {
	t.Helper()
	s, err := Parse(b)
	if err != nil {
		if parley.ErrorCode(err) == parley.EINTERNAL {
			t.Errorf("Parse: %v is not a *parley.Error", err)
		}
		return true, true, true
	}
	byContext = s.CheckContext(testContext) != nil
	byAll = true
	for _, m := range ms {
		if _, err := Open(testContext, s, m.actor, m.priv); err == nil {
			byAll = false
		} else if parley.ErrorCode(err) == parley.EINTERNAL {
			t.Errorf("Open: %v is not a *parley.Error", err)
		}
	}
	return false, byContext, byAll
}

// TestTamperEveryField flips each byte of each field of a sealed payload, in
// turn, and checks that nobody opens the result; where the field is bound
// by the context digest (the context itself, the recipients' signing and
// encryption keys) the keyless check refuses it too.
func TestTamperEveryField(t *testing.T) {
	for _, kem := range KEMs() {
		t.Run(kem, func(t *testing.T) {
			ms := newMembers(t, kem, 2)
			s, err := Seal(testContext, []byte("do not show this to the host"), recipientsOf(ms))
			if err != nil {
				t.Fatal(err)
			}
			type field struct {
				name  string
				keyed bool // bound by the context digest
				get   func(w *wireSealed) *[]byte
			}
			fields := []field{
				{"context", true, func(w *wireSealed) *[]byte { return &w.Context }},
				{"commit", false, func(w *wireSealed) *[]byte { return &w.Commit }},
				{"ciphertext", false, func(w *wireSealed) *[]byte { return &w.Ciphertext }},
			}
			for i := range ms {
				fields = append(fields, field{fmt.Sprintf("recipient %d wrap", i), false, func(w *wireSealed) *[]byte { return &w.Recipients[i].Wrap }})
			}
			flips := 0
			for _, f := range fields {
				n := len(*f.get(s.wire()))
				for j := range n {
					w := s.wire()
					p := f.get(w)
					*p = bytes.Clone(*p)
					(*p)[j] ^= 0xff
					b, err := json.Marshal(w)
					if err != nil {
						t.Fatal(err)
					}
					_, byContext, byAll := refused(t, b, ms)
					if !byAll {
						t.Fatalf("%s, byte %d flipped: a recipient opened it", f.name, j)
					}
					if f.keyed && !byContext {
						t.Fatalf("%s, byte %d flipped: the keyless check accepted it", f.name, j)
					}
					flips++
				}
			}
			// The signing and encryption keys of the recipients, byte by byte.
			for i := range ms {
				for j := range 32 {
					w := s.wire()
					a, _ := base64.StdEncoding.DecodeString(w.Recipients[i].Actor)
					a[j] ^= 0xff
					w.Recipients[i].Actor = base64.StdEncoding.EncodeToString(a)
					b, _ := json.Marshal(w)
					if _, byContext, byAll := refused(t, b, ms); !byAll || !byContext {
						t.Fatalf("recipient %d actor, byte %d flipped: refused by context %v, by all %v", i, j, byContext, byAll)
					}
					flips++
				}
				raw := ms[i].priv.Public().Bytes()
				for j := range raw {
					k := bytes.Clone(raw)
					k[j] ^= 0xff
					w := s.wire()
					w.Recipients[i].Key = kem + ":" + base64.StdEncoding.EncodeToString(k)
					b, _ := json.Marshal(w)
					if _, byContext, byAll := refused(t, b, ms); !byAll || !byContext {
						t.Fatalf("recipient %d key, byte %d flipped: refused by context %v, by all %v", i, j, byContext, byAll)
					}
					flips++
				}
			}
			t.Logf("%d flips, all refused", flips)
		})
	}
}

// TestTamperEveryByte changes each byte of the JSON text of a sealed
// payload: the result is refused by Parse or by every recipient.
func TestTamperEveryByte(t *testing.T) {
	for _, kem := range KEMs() {
		t.Run(kem, func(t *testing.T) {
			ms := newMembers(t, kem, 2)
			s, err := Seal(testContext, []byte("x"), recipientsOf(ms))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(s)
			step := 1
			if testing.Short() {
				step = 13
			}
			for i := 0; i < len(b); i += step {
				for _, x := range []byte{0x01, 0x20} {
					c := bytes.Clone(b)
					c[i] ^= x
					if _, _, byAll := refused(t, c, ms); !byAll {
						t.Fatalf("byte %d (%q) changed to %q: a recipient opened it", i, b[i], c[i])
					}
				}
			}
			// Nothing before or after either.
			for _, c := range [][]byte{append([]byte(" "), b...), append(bytes.Clone(b), ' '), b[:len(b)-1]} {
				if _, err := Parse(c); err == nil {
					t.Errorf("Parse accepted %q…%q", c[:8], c[len(c)-8:])
				}
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	ms := newMembers(t, X25519, 2)
	s, err := Seal(testContext, []byte("x"), recipientsOf(ms))
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(s)
	w := s.wire()
	rec := func(f func(w *wireSealed)) string {
		c := s.wire()
		c.Recipients = append([]wireRecipient(nil), w.Recipients...)
		f(c)
		b, _ := json.Marshal(c)
		return string(b)
	}
	cases := map[string]string{
		"empty":             "",
		"null":              "null",
		"array":             "[]",
		"version 2":         string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v":2,`), 1)),
		"no version":        string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{`), 1)),
		"unknown member":    string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v":1,"x":1,`), 1)),
		"member twice":      string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v":1,"v":1,`), 1)),
		"member in caps":    string(bytes.Replace(good, []byte(`"commit"`), []byte(`"Commit"`), 1)),
		"members reordered": string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{`), 1)[:len(good)-7]) + `,"v":1}`,
		"whitespace":        string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v": 1,`), 1)),
		"escaped name":      string(bytes.Replace(good, []byte(`"commit"`), []byte(`"\u0063ommit"`), 1)),
		"null commit":       rec(func(c *wireSealed) { c.Commit = nil }),
		"short context":     rec(func(c *wireSealed) { c.Context = c.Context[:31] }),
		"no recipient":      rec(func(c *wireSealed) { c.Recipients = nil }),
		"recipients out of order": rec(func(c *wireSealed) {
			c.Recipients[0], c.Recipients[1] = c.Recipients[1], c.Recipients[0]
		}),
		"recipient twice":    rec(func(c *wireSealed) { c.Recipients[1] = c.Recipients[0] }),
		"unknown KEM":        rec(func(c *wireSealed) { c.Recipients[0].Key = "x448:" + c.Recipients[0].Key[7:] }),
		"short wrap":         rec(func(c *wireSealed) { c.Recipients[0].Wrap = c.Recipients[0].Wrap[:79] }),
		"long wrap":          rec(func(c *wireSealed) { c.Recipients[0].Wrap = append(bytes.Clone(c.Recipients[0].Wrap), 0) }),
		"short ciphertext":   rec(func(c *wireSealed) { c.Ciphertext = c.Ciphertext[:15] }),
		"non-canonical key":  rec(func(c *wireSealed) { c.Recipients[0].Actor = c.Recipients[0].Actor[:42] + "B=" }),
		"unpadded base64":    strings0(good, `"commit":"`, 44),
		"base64 line break":  string(bytes.Replace(good, []byte(`"commit":"`), []byte(`"commit":"\n`), 1)),
		"base64url":          strings1(good),
		"trailing garbage":   string(good) + "x",
		"leading whitespace": " " + string(good),
	}
	for name, in := range cases {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse accepted %.80q", name, in)
		} else if parley.ErrorCode(err) == parley.EINTERNAL {
			t.Errorf("%s: %v is not a *parley.Error", name, err)
		}
	}
	if _, err := Parse(make([]byte, MaxSize+1)); parley.ErrorCode(err) != parley.ETOOLARGE {
		t.Errorf("a text past MaxSize: got %v, want too_large", err)
	}
}

// strings0 drops the padding of the base64 value after a member name.
func strings0(b []byte, name string, n int) string {
	i := bytes.Index(b, []byte(name)) + len(name)
	v := b[i : i+n]
	return string(b[:i]) + string(bytes.TrimRight(v, "=")) + string(b[i+n:])
}

// strings1 rewrites the first "+" or "/" of the ciphertext as base64url.
func strings1(b []byte) string {
	i := bytes.Index(b, []byte(`"ciphertext":"`))
	c := bytes.Clone(b)
	for j := i; j < len(c); j++ {
		switch c[j] {
		case '+':
			c[j] = '-'
			return string(c)
		case '/':
			c[j] = '_'
			return string(c)
		}
	}
	return string(c) + "?"
}

// TestProperties: for any context, content and set of recipients of either
// KEM, every recipient opens what was sealed, a non-recipient cannot, any
// other context is refused, and one changed byte of the content is refused.
func TestProperties(t *testing.T) {
	keys := map[string][]member{XWing: newMembers(t, XWing, 5), X25519: newMembers(t, X25519, 5)}
	rapid.Check(t, func(t *rapid.T) {
		var ms []member
		for _, kem := range KEMs() {
			for _, i := range rapid.SliceOfNDistinct(rapid.IntRange(0, 4), 0, 5, rapid.ID).Draw(t, kem) {
				ms = append(ms, keys[kem][i])
			}
		}
		if len(ms) == 0 {
			ms = keys[X25519][:1]
		}
		text := rapid.StringN(1, 64, -1)
		c := Context{
			Origin:  text.Draw(t, "origin"),
			Kind:    text.Draw(t, "kind"),
			Channel: text.Draw(t, "channel"),
			Sender:  actorKey(rapid.String().Draw(t, "sender")),
		}
		msg := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "content")
		s, err := Seal(c, msg, recipientsOf(ms))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			got, err := Open(c, p, m.actor, m.priv)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("opened %q, %v; want %q", got, err, msg)
			}
		}
		o := c
		switch rapid.IntRange(0, 3).Draw(t, "moved") {
		case 0:
			o.Origin += "x"
		case 1:
			o.Kind = "x" + o.Kind
		case 2:
			o.Channel += "\x00"
		case 3:
			o.Sender = actorKey("another sender")
		}
		if _, err := Open(o, p, ms[0].actor, ms[0].priv); err == nil {
			t.Fatalf("opened in another context")
		}
		w := p.wire()
		if len(w.Ciphertext) > 0 {
			w.Ciphertext = bytes.Clone(w.Ciphertext)
			w.Ciphertext[rapid.IntRange(0, len(w.Ciphertext)-1).Draw(t, "byte")] ^= byte(rapid.IntRange(1, 255).Draw(t, "xor"))
			tb, _ := json.Marshal(w)
			if tp, err := Parse(tb); err == nil {
				if _, err := Open(c, tp, ms[0].actor, ms[0].priv); err == nil {
					t.Fatalf("opened a changed ciphertext")
				}
			}
		}
	})
}

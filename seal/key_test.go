package seal

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

func TestKeys(t *testing.T) {
	if KEMs()[0] != XWing {
		t.Errorf("the default KEM is %s, want %s", KEMs()[0], XWing)
	}
	k, err := GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	if k.KEM() != XWing || k.Public().KEM() != XWing {
		t.Errorf("GenerateKey(\"\") made a %s key, want %s", k.KEM(), XWing)
	}
	for _, kem := range KEMs() {
		k, err := GenerateKey(kem)
		if err != nil {
			t.Fatal(err)
		}
		s := k.Public().String()
		if !strings.HasPrefix(s, kem+":") || len(k.Public().Bytes()) != suiteOf(kem).pkSize {
			t.Errorf("%s: public key %.20s… of %d bytes", kem, s, len(k.Public().Bytes()))
		}
		p, err := ParsePublicKey(s)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Equal(k.Public()) || p.String() != s {
			t.Errorf("%s: the public key does not survive its text form", kem)
		}
		var q PublicKey
		if err := q.UnmarshalText([]byte(s)); err != nil || !q.Equal(p) {
			t.Errorf("%s: UnmarshalText: %v", kem, err)
		}
		priv, err := ParsePrivateKey(k.String())
		if err != nil {
			t.Fatal(err)
		}
		if !priv.Public().Equal(k.Public()) || priv.String() != k.String() {
			t.Errorf("%s: the private key does not survive its text form", kem)
		}
		if len(k.String()) != len(kem)+1+44 {
			t.Errorf("%s: the private key's text has %d characters, want a 32-byte seed", kem, len(k.String()))
		}
	}
	if _, err := GenerateKey("rsa"); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("GenerateKey(rsa): %v", err)
	}
}

func TestParsePublicKeyRefuses(t *testing.T) {
	// A key whose base64 has a + or a /, so that its base64url differs.
	x, _ := GenerateKey(X25519)
	for b := x.Public().Bytes(); base64.URLEncoding.EncodeToString(b) == base64.StdEncoding.EncodeToString(b); b = x.Public().Bytes() {
		x, _ = GenerateKey(X25519)
	}
	w, _ := GenerateKey(XWing)
	xs, ws := x.Public().String(), w.Public().String()
	raw := w.Public().Bytes()
	// An ML-KEM coefficient of 4095, at least q: not a valid encapsulation key.
	badML := bytes.Clone(raw)
	badML[0], badML[1] = 0xff, badML[1]|0x0f
	// The X25519 half a point of small order.
	lowX := bytes.Clone(raw)
	copy(lowX[1184:], make([]byte, 32))
	lowX[1184] = 1
	cases := map[string]string{
		"empty":             "",
		"no KEM":            xs[len("x25519:"):],
		"unknown KEM":       "x448:" + xs[len("x25519:"):],
		"KEM in caps":       "X25519:" + xs[len("x25519:"):],
		"short":             xs[:len(xs)-4],
		"wrong KEM":         "xwing:" + xs[len("x25519:"):],
		"stray bits":        xs[:len(xs)-2] + "B=",
		"no padding":        strings.TrimRight(xs, "="),
		"space":             xs + " ",
		"line break":        xs[:20] + "\n" + xs[20:],
		"base64url":         "x25519:" + base64.URLEncoding.EncodeToString(x.Public().Bytes()),
		"zero point":        "x25519:" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
		"point of order 4":  "x25519:" + base64.StdEncoding.EncodeToString(append([]byte{1}, make([]byte, 31)...)),
		"ML-KEM key bad":    "xwing:" + base64.StdEncoding.EncodeToString(badML),
		"X-Wing small half": "xwing:" + base64.StdEncoding.EncodeToString(lowX),
		"X-Wing too long":   "xwing:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(raw), 0)),
		"huge":              ws + strings.Repeat("A", 4096),
	}
	for name, s := range cases {
		if _, err := ParsePublicKey(s); err == nil {
			t.Errorf("%s: accepted %.40q", name, s)
		} else if parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("%s: %v is not an invalid *parley.Error", name, err)
		}
	}
	for name, s := range map[string]string{
		"public key":  ws,
		"short seed":  "xwing:" + base64.StdEncoding.EncodeToString(make([]byte, 31)),
		"unknown KEM": "kyber:" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
		"no colon":    base64.StdEncoding.EncodeToString(make([]byte, 32)),
	} {
		if _, err := ParsePrivateKey(s); err == nil {
			t.Errorf("private key, %s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	var vs vectorFile
	readJSON(&testing.T{}, vectorsPath, &vs)
	for _, v := range vs.Vectors {
		f.Add([]byte(v.Sealed))
	}
	f.Add([]byte(`{"v":1,"context":"","recipients":[],"commit":"","ciphertext":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			if parley.ErrorCode(err) == parley.EINTERNAL {
				t.Fatalf("%v is not a *parley.Error", err)
			}
			return
		}
		if err := s.CheckStructure(); err != nil {
			t.Fatalf("Parse returned a payload that fails CheckStructure: %v", err)
		}
		out, err := s.MarshalJSON()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("Parse accepted a text that is not the canonical form of what it parsed")
		}
		_ = s.CheckContext(testContext)
		_ = s.CheckRecipients(s.Recipients())
	})
}

func FuzzParseRewrap(f *testing.F) {
	var vs vectorFile
	readJSON(&testing.T{}, vectorsPath, &vs)
	for _, v := range vs.Vectors {
		if v.Rewrap != nil {
			f.Add([]byte(v.Rewrap.Rewrap))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRewrap(b)
		if err != nil {
			return
		}
		out, err := r.MarshalJSON()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("ParseRewrap accepted a text that is not the canonical form of what it parsed")
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	for _, kem := range KEMs() {
		k, _ := GenerateKey(kem)
		f.Add(k.Public().String())
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePublicKey(s)
		if err != nil {
			return
		}
		if k.String() != s || k.KEM()+":"+base64.StdEncoding.EncodeToString(k.Bytes()) != s {
			t.Fatalf("ParsePublicKey accepted %q, which is not the text of the key it returned", s)
		}
	})
}

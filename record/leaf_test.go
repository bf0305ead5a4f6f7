package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestLeafHashKnownAnswer pins the leaf commitment of docs/RECORD.md with a
// vector computed outside Go (Python's hashlib):
// SHA-256(0x00 || "parley/v1/leaf\n" || salt || SHA-256(event) || sig).
func TestLeafHashKnownAnswer(t *testing.T) {
	salt := make([]byte, 32)
	for i := range salt {
		salt[i] = byte(i)
	}
	sig := make([]byte, 64)
	for i := range sig {
		sig[i] = byte(0x40 + i)
	}
	event := []byte(`{"v":1}`)
	const want = "1c6999fe011ff715ad9c0c0bae2e21780e3a3f39a926660f5f3c72169a4352bf"
	h := LeafHash(salt, event, sig)
	if got := hex.EncodeToString(h[:]); got != want {
		t.Errorf("LeafHash = %s, want %s", got, want)
	}
	d := LeafData(salt, event, sig)
	eh := sha256.Sum256(event)
	wantData := bytes.Join([][]byte{[]byte("parley/v1/leaf\n"), salt, eh[:], sig}, nil)
	if !bytes.Equal(d, wantData) || len(d) != 143 {
		t.Errorf("LeafData = %x (%d bytes), want %x (143 bytes)", d, len(d), wantData)
	}
}

// TestLeafHashCommits checks that changing any input changes the leaf.
func TestLeafHashCommits(t *testing.T) {
	salt, event, sig := NewSalt(), []byte(`{"kind":"statement.publish"}`), bytes.Repeat([]byte{7}, 64)
	base := LeafHash(salt, event, sig)
	for name, h := range map[string][32]byte{
		"salt":  LeafHash(NewSalt(), event, sig),
		"event": LeafHash(salt, []byte(`{"kind":"statement.publisH"}`), sig),
		"sig":   LeafHash(salt, event, append(bytes.Repeat([]byte{7}, 63), 8)),
	} {
		if h == base {
			t.Errorf("changing the %s leaves the leaf hash the same", name)
		}
	}
}

func TestNewSalt(t *testing.T) {
	a, b := NewSalt(), NewSalt()
	if len(a) != SaltSize || len(b) != SaltSize {
		t.Fatalf("salt sizes %d, %d, want %d", len(a), len(b), SaltSize)
	}
	if bytes.Equal(a, b) {
		t.Error("two salts are equal")
	}
}

package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/seal"
)

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := seal.GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	both := filepath.Join(dir, "both.key")
	if err := writeKeys(both, priv, enc); err != nil {
		t.Fatal(err)
	}
	k, err := readKeyFile(both)
	if err != nil {
		t.Fatal(err)
	}
	if !k.sign.Equal(priv) || k.enc == nil || k.enc.String() != enc.String() {
		t.Errorf("read back other keys than were written")
	}
	if fi, err := os.Stat(both); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}

	// A file of the signing key only, as keygen wrote before: it signs,
	// and asking it for an encryption key says how to add one.
	old := filepath.Join(dir, "old.key")
	if err := writeKeyFile(old, priv); err != nil {
		t.Fatal(err)
	}
	if got, err := readKey(old); err != nil || !got.Equal(priv) {
		t.Fatalf("readKey of a signing-only file: %v", err)
	}
	_, err = readEncryptionKey(old)
	if err == nil || !strings.Contains(err.Error(), "parley keygen --add-encryption -o "+old) {
		t.Errorf("readEncryptionKey of a signing-only file: got %v, want how to add a key", err)
	}
	if err := addEncryptionKey(old, enc); err != nil {
		t.Fatal(err)
	}
	got, err := readEncryptionKey(old)
	if err != nil || got.String() != enc.String() {
		t.Fatalf("readEncryptionKey after --add-encryption: %v", err)
	}
	if k, err := readKey(old); err != nil || !k.Equal(priv) {
		t.Errorf("the signing key changed when an encryption key was added")
	}
	a, _ := os.ReadFile(old)
	b, _ := os.ReadFile(both)
	if !bytes.Equal(a, b) {
		t.Errorf("a file given an encryption key differs from one made with both:\n%s\n%s", a, b)
	}
	if fi, err := os.Stat(old); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode after --add-encryption %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if err := addEncryptionKey(old, enc); err == nil {
		t.Error("added a second encryption key")
	}
	if err := writeKeys(both, priv, enc); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("overwrote a key file: %v", err)
	}
	if _, err := readKeyFile(""); err == nil || !strings.Contains(err.Error(), "parley keygen") {
		t.Errorf("no key file: %v", err)
	}
}

package record

import (
	"crypto/rand"
	"crypto/sha256"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// LeafDomain prefixes the data of every leaf, so that a leaf can never be
// taken for any other hashed value.
const LeafDomain = "parley/v1/leaf\n"

// SaltSize is the size of a leaf's salt in bytes.
const SaltSize = 32

// NewSalt returns SaltSize fresh random bytes for the leaf of one entry.
func NewSalt() []byte {
	b := make([]byte, SaltSize)
	rand.Read(b) // never fails; see crypto/rand.Read
	return b
}

// LeafData returns the data of the leaf that commits to the signed event
// bytes event with signature sig under salt:
//
//	LeafDomain || salt || SHA-256(event) || sig
//
// With a SaltSize salt and a 64-byte Ed25519 signature the data is always
// 143 bytes. Every part has a fixed size, so the data splits one way only.
// LeafData does not check the sizes; Verify does.
func LeafData(salt, event, sig []byte) []byte {
	d := make([]byte, 0, len(LeafDomain)+len(salt)+sha256.Size+len(sig))
	d = append(d, LeafDomain...)
	d = append(d, salt...)
	h := sha256.Sum256(event)
	d = append(d, h[:]...)
	return append(d, sig...)
}

// LeafHash returns the Merkle leaf hash of a signed event: the RFC 6962
// leaf hash SHA-256(0x00 || LeafData(salt, event, sig)), which is
// tlog.RecordHash of the data.
//
// The leaf commits to the exact bytes the actor signed and to the
// signature. Without the salt, 256 random bits kept beside the entry, the
// leaf reveals nothing about the event: nobody can confirm a guess of it.
func LeafHash(salt, event, sig []byte) parley.Hash {
	return parley.Hash(tlog.RecordHash(LeafData(salt, event, sig)))
}

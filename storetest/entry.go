package storetest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// Host is the host name in the log origins of the entries and checkpoints
// this package makes. It is reserved (RFC 2606) and names no real server.
const Host = "storetest.invalid"

// epoch is the Received time of entry 0 made by NewEntry.
var epoch = time.Date(2015, time.April, 6, 9, 0, 0, 0, time.UTC)

// NewEntry returns entry i of a test log of talks: a signed statement event
// whose bytes, signature, salt, leaf, nonce and received time are derived
// from talks, seed and i alone, so that a test can make the same entry
// again to compare with what a store returns. Entries differing in talks,
// seed or i have different nonces. Index is set to i and Talks to talks.
//
// The leaf is SHA-256 over the salt and the event (tlog.RecordHash); a store
// treats it as opaque.
func NewEntry(talks, seed string, i int64) parley.Entry {
	sum := sha256.Sum256(fmt.Appendf(nil, "parley storetest entry\n%s\n%s\n%d\n", talks, seed, i))
	keySeed := sha256.Sum256(fmt.Appendf(nil, "parley storetest key\n%s\n", seed))
	key := ed25519.NewKeyFromSeed(keySeed[:])
	salt := sha256.Sum256(append([]byte("parley storetest salt\n"), sum[:]...))
	received := epoch.Add(time.Duration(i)*time.Second + time.Duration(i%1000)*time.Microsecond)

	// The text varies in length and mixes scripts, Arabic (right to left)
	// included, so that a store that changed bytes would be caught.
	text := fmt.Sprintf("entry %d of %s (%s): ", i, talks, seed) +
		strings.Repeat("وقف إطلاق النار — cessez-le-feu; ", int(sum[16]%8))
	payload, _ := json.Marshal(parley.Statement{Text: text, Lang: "ar"}) // strings always encode
	e := &parley.Event{
		V:       parley.EventVersion,
		Talks:   talks,
		Kind:    parley.KindStatement,
		Actor:   parley.KeyString(key.Public().(ed25519.PublicKey)),
		Time:    received.Add(-time.Duration(sum[17]) * time.Millisecond).Format(time.RFC3339Nano),
		Nonce:   base64.StdEncoding.EncodeToString(sum[:16]),
		Payload: payload,
	}
	se, err := parley.Sign(parley.Origin(Host, talks), e, key)
	if err != nil {
		// Unreachable: an event of strings and an encoded payload always
		// encodes. Sign the nonce alone so the entry stays well formed.
		se = parley.SignedEvent{Bytes: []byte(e.Nonce), Sig: ed25519.Sign(key, []byte(e.Nonce))}
	}
	return parley.Entry{
		Talks:    talks,
		Index:    i,
		Event:    se.Bytes,
		Sig:      se.Sig,
		Salt:     salt[:],
		Leaf:     parley.Hash(tlog.RecordHash(append(salt[:], se.Bytes...))),
		Kind:     e.Kind,
		Actor:    e.Actor,
		Nonce:    e.Nonce,
		Received: received,
	}
}

// NewEntries returns NewEntry(talks, seed, i) for i in [from, from+n).
func NewEntries(talks, seed string, from int64, n int) []parley.Entry {
	es := make([]parley.Entry, n)
	for i := range es {
		es[i] = NewEntry(talks, seed, from+int64(i))
	}
	return es
}

// Note returns the checkpoint note Seal makes for talks at size and root:
// the body of a C2SP tlog-checkpoint, without a signature.
func Note(talks string, size int64, root parley.Hash) []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", parley.Origin(Host, talks), size, base64.StdEncoding.EncodeToString(root[:]))
}

// Seal returns a SealFunc for talks that makes the note Note returns.
func Seal(talks string) parley.SealFunc {
	return func(size int64, root parley.Hash) ([]byte, error) {
		return Note(talks, size, root), nil
	}
}

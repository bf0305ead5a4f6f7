package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
)

// A sealedReader opens sealed payloads as one actor: as a recipient, with
// the encryption keys of its key file, or as a later recipient, through
// the re-wraps of their content keys given to it.
type sealedReader struct {
	origin  string
	actor   ed25519.PublicKey
	keys    []*seal.PrivateKey
	rewraps map[int64][]*seal.Rewrap // by the index of the payload, those for the actor
	byIndex map[int64][]server.RewrapJSON
}

// newSealedReader reads, of the re-wraps a view lists, those given to the
// actor of key.
func newSealedReader(origin string, key *keyFile, rws []server.RewrapJSON) (*sealedReader, error) {
	r := &sealedReader{origin: origin, actor: key.sign.Public().(ed25519.PublicKey), keys: key.encryptionKeys(), rewraps: map[int64][]*seal.Rewrap{}, byIndex: map[int64][]server.RewrapJSON{}}
	me := parley.KeyString(r.actor)
	for _, rw := range rws {
		r.byIndex[rw.Of] = append(r.byIndex[rw.Of], rw)
		if rw.Actor != me {
			continue
		}
		x, err := seal.ParseRewrap(rw.Rewrap)
		if err != nil {
			return nil, parley.Errorf(parley.EINVALID, "the re-wrap of event %d in event %d: %s", rw.Of, rw.Index, parley.ErrorMessage(err))
		}
		r.rewraps[rw.Of] = append(r.rewraps[rw.Of], x)
	}
	return r, nil
}

// openAct opens the sealed payload of the event at a log index.
func (r *sealedReader) openAct(e *parley.Event, index int64) ([]byte, error) {
	return seal.OpenAct(r.origin, e, r.actor, r.keys, r.rewraps[index])
}

// has reports whether actor a can already read the sealed payload at
// index: a recipient, or given its key with its current encryption key.
func (r *sealedReader) has(s *seal.Sealed, index int64, a *state.Actor) bool {
	for _, x := range s.Recipients() {
		if parley.KeyString(x.Actor) == a.Key {
			return true
		}
	}
	for _, rw := range r.byIndex[index] {
		if rw.Actor == a.Key && rw.Key == a.EncryptionKey {
			return true
		}
	}
	return false
}

// keyFor returns the reader's private key that opens the sealed payload at
// index, and the re-wrap it opens through, if it is a later recipient; a
// nil key if it cannot open it.
func (r *sealedReader) keyFor(s *seal.Sealed, index int64) (*seal.PrivateKey, *seal.Rewrap) {
	for _, x := range s.Recipients() {
		if !x.Actor.Equal(r.actor) {
			continue
		}
		for _, k := range r.keys {
			if k.Public().Equal(x.Key) {
				return k, nil
			}
		}
	}
	for _, rw := range r.rewraps[index] {
		for _, k := range r.keys {
			if k.Public().Equal(rw.Recipient().Key) {
				return k, rw
			}
		}
	}
	return nil, nil
}

// rewrapsFor wraps again, for the later recipient to, the content key of
// every sealed payload of events that the reader can open and to cannot
// read yet. It returns the re-wraps and how many payloads the reader could
// not open itself.
func (r *sealedReader) rewrapsFor(tc *talksConn, events []*server.EventJSON, to *state.Actor) ([]parley.RewrapOf, int, error) {
	toKey, err := parley.ParseKey(to.Key)
	if err != nil {
		return nil, 0, err
	}
	toEnc, err := seal.ParsePublicKey(to.EncryptionKey)
	if err != nil {
		return nil, 0, err
	}
	var out []parley.RewrapOf
	skipped := 0
	for _, ej := range events {
		ev, err := tc.decode(ej)
		if err != nil {
			return nil, 0, err
		}
		s, c, ok, err := seal.Carried(tc.origin, ev)
		if err != nil || !ok || r.has(s, ej.Index, to) {
			continue
		}
		priv, via := r.keyFor(s, ej.Index)
		if priv == nil {
			skipped++ // sealed before the reader could read it
			continue
		}
		rw, err := seal.NewRewrap(c, s, r.actor, priv, via, seal.Recipient{Actor: toKey, Key: toEnc})
		if err != nil {
			return nil, 0, parley.Errorf(parley.EINVALID, "event %d: %s", ej.Index, parley.ErrorMessage(err))
		}
		b, err := json.Marshal(rw)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, parley.RewrapOf{Index: ej.Index, Rewrap: b})
	}
	return out, skipped, nil
}

// laterRecipient finds the actor of the signing key target on the roster,
// as one to whom sealed payloads may be given now: not revoked, with an
// encryption key published in an event that the key's owner signed.
func (tc *talksConn) laterRecipient(ctx context.Context, target string) (*state.Actor, error) {
	roster, err := tc.roster(ctx)
	if err != nil {
		return nil, err
	}
	var to *state.Actor
	for i := range roster {
		if roster[i].Key == target {
			to = &roster[i]
		}
	}
	switch {
	case to == nil:
		return nil, parley.Errorf(parley.EINVALID, "%s is not on the roster of %s", target, tc.talks)
	case to.Revoked:
		return nil, parley.Errorf(parley.EINVALID, "%s was revoked: nothing sealed is given to a revoked actor", to.Name)
	case to.EncryptionKey == "":
		return nil, parley.Errorf(parley.EINVALID, "%s has published no encryption key yet; it can be given what is sealed once it has (\"parley key publish\")", to.Name)
	}
	if err := tc.checkKeys(ctx, []*state.Actor{to}); err != nil {
		return nil, err
	}
	return to, nil
}

// sendRewraps records re-wraps in seal.rewrap events of at most 500,
// telling said of each: how many re-wraps it holds and its log index.
func (tc *talksConn) sendRewraps(ctx context.Context, key ed25519.PrivateKey, out []parley.RewrapOf, said func(n int, index int64)) error {
	for from := 0; from < len(out); from += 500 {
		batch := out[from:min(from+500, len(out))]
		rec, err := tc.send(ctx, key, parley.KindRewrap, parley.Rewrap{Rewraps: batch})
		if err != nil {
			return err
		}
		said(len(batch), rec.Index)
	}
	return nil
}

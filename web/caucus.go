package web

import (
	"context"
	"crypto/ed25519"
	"encoding/json"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/state"
)

// sealingView is what the workspace's caucus needs of sealing: whom a new
// message is sealed to, and who keeps it from being sealed.
type sealingView struct {
	Recipients []*state.Actor // whom a new message is sealed to now
	// Keyless are those of them who have published no encryption key:
	// while there are any, a message cannot be sealed, and is sent in
	// plain text, which the host can read.
	Keyless []*state.Actor
	// JSON is [{"actor", "key"}] of the recipients, which the page seals
	// a new message to.
	JSON string
	// DemoOpens says that the demo server opens the caucus for the demo
	// actor the visitor acts as.
	DemoOpens bool
}

// keyView is the viewer's encryption key as the roster shows it.
type keyView struct {
	Key   string // the current published key, "" if none
	Index int64  // the log index of its key.encryption event
}

// sealing completes a workspace's caucus with what sealing adds: which
// messages are sealed, whom a new one is sealed to, and, in demo mode, the
// text of the sealed messages the demo actor acting may open, which the
// demo server opens with the keys it holds. Anywhere else the page opens
// them in the browser, with the viewer's key: the server cannot.
func (h *handler) sealing(ctx context.Context, s *snap, party string, msgs []caucusMessage) (*sealingView, error) {
	sv := &sealingView{Recipients: s.CaucusRecipients(party)}
	sv.Keyless = state.Keyless(sv.Recipients)
	type rcpt struct {
		Actor string `json:"actor"`
		Key   string `json:"key"`
	}
	rs := []rcpt{}
	for _, a := range sv.Recipients {
		if a.EncryptionKey != "" {
			rs = append(rs, rcpt{a.Key, a.EncryptionKey})
		}
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return nil, err
	}
	sv.JSON = string(b)
	sealed := map[int64]bool{}
	for _, m := range s.CaucusOf(party) {
		sealed[m.Index] = m.Sealed
	}
	var demo *seal.PrivateKey
	if a, ok := h.cfg.Demo.ActorByKey(s.viewerKey()); ok && a.Encryption != nil {
		demo, sv.DemoOpens = a.Encryption, true
	}
	for i := range msgs {
		m := &msgs[i]
		m.Sealed = sealed[m.Index]
		if !m.Sealed || demo == nil {
			continue
		}
		text, err := h.demoOpen(ctx, s, m.Index, demo)
		if err != nil {
			m.NotOpened = s.P.Error(err)
			continue
		}
		m.Text, m.Opened = text, true
	}
	return sv, nil
}

// viewerKey returns the viewer's signing key, "" for the public.
func (s *snap) viewerKey() string {
	if s.Viewer.Actor == nil {
		return ""
	}
	return s.Viewer.Actor.Key
}

// myKey returns the viewer's published encryption key.
func (s *snap) myKey() keyView {
	if s.Viewer.Actor == nil {
		return keyView{}
	}
	return keyView{Key: s.Viewer.Actor.EncryptionKey, Index: s.Viewer.Actor.EncryptionKeyIndex}
}

// demoOpen opens the sealed caucus message at a log index as the demo
// actor viewing s, with its private encryption key.
func (h *handler) demoOpen(ctx context.Context, s *snap, index int64, key *seal.PrivateKey) (string, error) {
	pt, err := h.openAsViewer(ctx, s, index, key)
	if err != nil {
		return "", err
	}
	var c parley.CaucusContent
	if err := parley.DecodeStrict(pt, &c); err != nil {
		return "", parley.Errorf(parley.EINVALID, "it opens, but its content is not a caucus message: %s", err)
	}
	return c.Text, nil
}

// openAsViewer opens the sealed payload of the event at a log index as
// the actor viewing s, with its private encryption key: directly, or
// through a re-wrap of its key for the actor. The demo server opens the
// caucus and the annexes of measures with it for the demo actors.
func (h *handler) openAsViewer(ctx context.Context, s *snap, index int64, key *seal.PrivateKey) ([]byte, error) {
	e, err := h.event(ctx, s.ID, index)
	if err != nil {
		return nil, err
	}
	actor, err := parley.ParseKey(s.viewerKey())
	if err != nil {
		return nil, err
	}
	var rewraps []*seal.Rewrap
	for _, rw := range s.RewrapsOf(index) {
		if rw.Actor != s.viewerKey() {
			continue
		}
		re, err := h.event(ctx, s.ID, rw.Index)
		if err != nil {
			return nil, err
		}
		if p, ok := re.Act.(*parley.Rewrap); ok && rw.Entry < len(p.Rewraps) {
			if r, err := seal.ParseRewrap(p.Rewraps[rw.Entry].Rewrap); err == nil {
				rewraps = append(rewraps, r)
			}
		}
	}
	return seal.OpenAct(s.Origin, e, ed25519.PublicKey(actor), []*seal.PrivateKey{key}, rewraps)
}

// event reads and decodes the event at a log index of a talks.
func (h *handler) event(ctx context.Context, talks string, index int64) (*parley.Event, error) {
	_, events, err := h.l.Read(ctx, talks, index, index+1)
	if err != nil {
		return nil, err
	}
	if len(events) != 1 {
		return nil, parley.Errorf(parley.EINTERNAL, "the store has no event %d of %s", index, talks)
	}
	return events[0], nil
}

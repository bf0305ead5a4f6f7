package seal

import (
	"bytes"
	"crypto/ed25519"

	"github.com/parleyhq/parley"
)

// Carried returns the sealed payload an event carries, if it carries one,
// with the context it is sealed for in the log of origin: for a caucus
// message, the channel "party:ID" of its party; for the annex of a report
// or a finding on a step, "step:STEP"; for a party's preferences over
// packages, "preferences:ITEM:PARTY". ok is false for an event
// that carries none (a caucus message in plain text, another kind).
func Carried(origin string, e *parley.Event) (s *Sealed, c Context, ok bool, err error) {
	act, err := e.Decode()
	if err != nil {
		return nil, Context{}, false, err
	}
	var raw []byte
	switch p := act.(type) {
	case *parley.Caucus:
		if !p.IsSealed() {
			return nil, Context{}, false, nil
		}
		raw, c.Channel = p.Sealed, parley.VisParty(p.Party)
	case *parley.ReportStep:
		if !p.HasAnnex() {
			return nil, Context{}, false, nil
		}
		raw, c.Channel = p.Annex, parley.AnnexChannel(p.Step)
	case *parley.VerifyStep:
		if !p.HasAnnex() {
			return nil, Context{}, false, nil
		}
		raw, c.Channel = p.Annex, parley.AnnexChannel(p.Step)
	case *parley.GivePreferences:
		if len(p.Sealed) == 0 || string(p.Sealed) == "null" {
			return nil, Context{}, false, nil
		}
		raw, c.Channel = p.Sealed, parley.PreferencesChannel(p.Item, p.Party)
	default:
		return nil, Context{}, false, nil
	}
	c.Origin, c.Kind, c.Sender = origin, e.Kind, e.ActorKey()
	if s, err = Parse(raw); err != nil {
		return nil, Context{}, true, err
	}
	return s, c, true, nil
}

// OpenAct opens the sealed payload that event e of the log of origin
// carries, as actor: with the private key among keys that it was sealed
// to, or through one of the re-wraps given to actor. keys may hold the
// actor's earlier keys too, so that what was sealed before a key was
// replaced still opens.
func OpenAct(origin string, e *parley.Event, actor ed25519.PublicKey, keys []*PrivateKey, rewraps []*Rewrap) ([]byte, error) {
	s, c, ok, err := Carried(origin, e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, parley.Errorf(parley.EINVALID, "this %s event carries no sealed payload", e.Kind)
	}
	if i := s.find(actor); i >= 0 {
		for _, k := range keys {
			if k != nil && k.Public().Equal(s.recipients[i].key) {
				return Open(c, s, actor, k)
			}
		}
		return nil, parley.Errorf(parley.ENOTFOUND, "it was sealed to your encryption key %s, which you do not hold here: open it with the key file or browser that holds that key", clip(s.recipients[i].key.String()))
	}
	var later *Rewrap
	for _, r := range rewraps {
		if r != nil && bytes.Equal(r.to.actor, actor) {
			later = r
			for _, k := range keys {
				if k != nil && k.Public().Equal(r.to.key) {
					return OpenRewrapped(c, s, r, k)
				}
			}
		}
	}
	if later != nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "its key was wrapped again for your encryption key %s, which you do not hold here", clip(later.to.key.String()))
	}
	return nil, parley.Errorf(parley.EFORBIDDEN, "you are not among its recipients, and no recipient has wrapped its key for you yet: ask one of them to wrap it for you (parley caucus rewrap)")
}

package state

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
)

// The room of sealed acts (docs/RECORD.md §11): the encryption keys the
// actors published, which the roster keeps and applies (so that an
// offline verifier, replaying the roster alone, knows them too); the
// sealed payloads of the log with the later recipients given their
// content keys (seal.rewrap); and the check of a sealed payload, without
// any key, that every act carrying one runs (Roster.CheckSealed), which
// the caucus uses (statements.go).

// A KeyRecord is one encryption key an actor published.
type KeyRecord struct {
	Key   string    `json:"key"`   // "xwing:BASE64"
	Index int64     `json:"index"` // the log index of its key.encryption event
	At    time.Time `json:"at"`
}

// sealing is the part of a talks' state that sealed acts make.
type sealing struct {
	origin string
	sealed map[int64]*sealedPayload // by log index of the event that carries it
	// Rewraps are the content keys wrapped again for later recipients,
	// in log order.
	Rewraps []*Rewrapped `json:"rewraps,omitempty"`
}

// A Rewrapped is the content key of a sealed payload wrapped again for a
// later recipient, by a seal.rewrap event.
type Rewrapped struct {
	Of    int64  `json:"of"`    // the log index of the event whose sealed payload it opens
	Actor string `json:"actor"` // the later recipient's signing key
	Key   string `json:"key"`   // the encryption key it is wrapped to
	By    string `json:"by"`
	Index int64  `json:"index"` // the log index of the seal.rewrap event
	Entry int    `json:"entry"` // its position among the event's rewraps
}

// A sealedPayload is what the state keeps of a sealed payload in the log:
// enough to check a re-wrap of it.
type sealedPayload struct {
	vis        string   // the visibility of the event that carries it
	digest     [32]byte // seal.Sealed.Digest
	recipients []recipient
	later      []recipient // given its key by a re-wrap, in log order
	// entitled returns, by the roster as it is now, who may read it.
	entitled func(r *Roster) []*Actor
}

// A recipient is an actor and the encryption key a payload's content key
// is wrapped to.
type recipient struct{ actor, key string }

// maxRewraps bounds the re-wraps of one seal.rewrap event; an X-Wing
// re-wrap takes about 1.7 KB.
const maxRewraps = 500

func init() {
	// The roster applies key.encryption when it authorizes it.
	checks[parley.KindEncryptionKey] = func(*Talks, act, parley.Act) (func(), error) { return nil, nil }
	on(parley.KindRewrap, (*Talks).rewrap)
}

// WithOrigin sets the log origin, "<host>/talks/<id>", that the talks'
// sealed payloads are bound to, and returns t. A state that has none (the
// replay of a log the ledger has already checked) checks sealed payloads
// without their binding.
func (t *Talks) WithOrigin(origin string) *Talks {
	t.origin = origin
	return t
}

// publishKey applies an actor's key.encryption: it becomes the actor's
// current key, and the roster keeps every earlier one.
func (r *Roster) publishKey(e *parley.Event, p *parley.EncryptionKey, index int64) error {
	pk, err := seal.ParsePublicKey(p.Key)
	if err != nil {
		return parley.Wrapf(parley.EINVALID, "payload field \"key\": %s", err)
	}
	a := r.Actors[e.Actor]
	if a.EncryptionKey == p.Key {
		return parley.Errorf(parley.ECONFLICT, "payload field \"key\": it is already the current encryption key of %s", a.Name)
	}
	if owner, ok := r.keyOwner[p.Key]; ok && owner != e.Actor {
		return parley.Errorf(parley.ECONFLICT, "payload field \"key\": that encryption key was published by another actor, %s; make your own (parley keygen, or the Keys page)", r.Actors[owner].Name)
	}
	if r.Keys == nil {
		r.Keys, r.keyOwner, r.parsed = map[string][]KeyRecord{}, map[string]string{}, map[string]*seal.PublicKey{}
	}
	r.Keys[e.Actor] = append(r.Keys[e.Actor], KeyRecord{Key: p.Key, Index: index, At: e.At()})
	r.keyOwner[p.Key] = e.Actor
	r.parsed[p.Key] = pk
	a.EncryptionKey, a.EncryptionKeyIndex = p.Key, index
	return nil
}

// CaucusRecipients returns whom a caucus message of a party is sealed to
// now: the party's actors and the mediators, not revoked, in the order of
// their keys as written. The convener, who sees that the caucus holds a
// message, is not among them.
func (r *Roster) CaucusRecipients(party string) []*Actor {
	return CaucusRecipientsAmong(slices.Collect(maps.Values(r.Actors)), party)
}

// CaucusRecipientsAmong returns those of the actors of a roster whom a
// caucus message of a party is sealed to, as Roster.CaucusRecipients.
func CaucusRecipientsAmong(actors []*Actor, party string) []*Actor {
	var out []*Actor
	for _, a := range actors {
		if !a.Revoked && (a.Role == parley.RoleMediator || (a.Party == party && party != "")) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *Actor) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Keyless returns those of the actors who have published no encryption
// key.
func Keyless(as []*Actor) []*Actor {
	var out []*Actor
	for _, a := range as {
		if a.EncryptionKey == "" {
			out = append(out, a)
		}
	}
	return out
}

// names lists actors for a message: "Name (head of oppA), …".
func names(as []*Actor) parley.Phrase {
	var s parley.Phrase
	for i, a := range as {
		n := parley.Key("%s (%s)", a.Name, describe(a))
		if i == 0 {
			s = n
		} else {
			s = parley.Key("%[1]s, %[2]s", s, n)
		}
	}
	return s
}

// CheckSealed checks a sealed payload raw that event e carries on a
// channel, without any key: its form (seal.Parse); its binding to the
// log's origin, e's kind, the channel and e's signer (CheckContext),
// unless origin is ""; and that it is sealed to exactly the actors
// required, each with its current encryption key (CheckRecipients). An
// actor required who has published no key is refused by name, since
// nothing can be sealed to them. Every act that carries a sealed payload
// checks it here, with the recipients its kind requires.
func (r *Roster) CheckSealed(origin string, e *parley.Event, channel string, raw []byte, required []*Actor) (*seal.Sealed, error) {
	return r.checkSealedField(origin, e, "sealed", channel, raw, required)
}

// checkSealedField is CheckSealed of the sealed payload in the payload
// field named field ("sealed" of a caucus message, "annex" of a report).
func (r *Roster) checkSealedField(origin string, e *parley.Event, field, channel string, raw []byte, required []*Actor) (*seal.Sealed, error) {
	if none := Keyless(required); len(none) > 0 {
		return nil, parley.Errorf(parley.EINVALID, "payload field %q: %s published no encryption key, and a %s must be sealed to every actor it is for; wait until they publish one (parley key publish, or the Keys page)", field, names(none), e.Kind)
	}
	// The keys the roster holds were parsed and checked when they were
	// published: each payload's recipients' keys are not checked again.
	s, err := seal.ParseKnown(raw, r.knownKey)
	if err != nil {
		return nil, parley.Wrapf(parley.EINVALID, "payload field %q: %s", err, field)
	}
	if origin != "" {
		c := seal.Context{Origin: origin, Kind: e.Kind, Channel: channel, Sender: e.ActorKey()}
		if err := s.CheckContext(c); err != nil {
			return nil, parley.Wrapf(parley.EINVALID, "payload field %q: %s", err, field)
		}
	}
	want := make([]seal.Recipient, len(required))
	for i, a := range required {
		k, err := parley.ParseKey(a.Key)
		if err != nil {
			return nil, parley.Errorf(parley.EINTERNAL, "the roster holds the key %s, which does not decode", short(a.Key))
		}
		pk := r.knownKey(a.EncryptionKey)
		if pk == nil {
			return nil, parley.Errorf(parley.EINTERNAL, "the roster holds the encryption key of %s, which does not decode", a.Name)
		}
		want[i] = seal.Recipient{Actor: k, Key: pk}
	}
	if err := s.CheckRecipients(want); err != nil {
		return nil, parley.Wrapf(parley.EINVALID, "payload field %q: %s", r.nameKeys(err), field)
	}
	return s, nil
}

// knownKey returns an encryption key published on the roster, parsed, or
// nil.
func (r *Roster) knownKey(text string) *seal.PublicKey { return r.parsed[text] }

// nameKeys follows each actor key in the arguments of err, an error, with
// the actor's name.
func (r *Roster) nameKeys(err error) error {
	var e *parley.Error
	if !errors.As(err, &e) || e.Format == "" {
		return err
	}
	args := slices.Clone(e.Args)
	for i, a := range args {
		if s, ok := a.(string); ok {
			for k, a := range r.Actors {
				s = strings.ReplaceAll(s, k, k+" ("+a.Name+")")
			}
			args[i] = s
		}
	}
	return parley.Errorf(e.Code, e.Format, args...)
}

// CheckSealedAct checks the sealed payload an event carries, if any,
// against the roster as it stands before the event, as CheckSealed does:
// what an offline verifier, who replays the roster and the encryption keys
// (both always public) but not the rest of the state, can check of it. A
// caucus message in plain text is checked to have been allowed: only
// while one of its recipients had no key. The annex of a report or a
// finding on a step is checked for its form and its binding to the
// channel "step:STEP"; whom it must be sealed to depends on the plan of
// the step's measure, which the roster alone does not hold, so its
// recipients are checked when the event is appended (state.Talks).
func (r *Roster) CheckSealedAct(origin string, e *parley.Event) error {
	var step string
	var annex []byte
	switch p := e.Act.(type) {
	case *parley.Caucus:
		_, _, err := r.checkCaucus(origin, e, p)
		return err
	case *parley.GivePreferences:
		_, err := r.CheckSealed(origin, e, parley.PreferencesChannel(p.Item, p.Party), p.Sealed, r.PreferencesRecipients(p.Party))
		return err
	case *parley.ReportStep:
		step, annex = p.Step, p.Annex
	case *parley.VerifyStep:
		step, annex = p.Step, p.Annex
	}
	if len(annex) == 0 || string(annex) == "null" {
		return nil
	}
	s, err := seal.Parse(annex)
	if err != nil {
		return parley.Wrapf(parley.EINVALID, "payload field %q: %s", err, "annex")
	}
	if origin != "" {
		c := seal.Context{Origin: origin, Kind: e.Kind, Channel: parley.AnnexChannel(step), Sender: e.ActorKey()}
		if err := s.CheckContext(c); err != nil {
			return parley.Wrapf(parley.EINVALID, "payload field %q: %s", err, "annex")
		}
	}
	return nil
}

// checkCaucus checks a caucus message's text: sealed to the party's
// actors and the mediators, or in plain text only while one of them has
// no encryption key. It returns the sealed payload, if any, and whom it
// was required to be sealed to.
func (r *Roster) checkCaucus(origin string, e *parley.Event, p *parley.Caucus) (*seal.Sealed, []*Actor, error) {
	required := r.CaucusRecipients(p.Party)
	if !p.IsSealed() {
		if err := checkText("text", p.Text, true); err != nil {
			return nil, nil, err
		}
		if len(required) > 0 && len(Keyless(required)) == 0 {
			return nil, nil, parley.Errorf(parley.EINVALID, "payload field \"text\": every actor of %s and every mediator has published an encryption key, so a caucus message is sealed to them and no longer sent in plain text, which the host could read; send it sealed (payload field \"sealed\"), as parley caucus and the workspace do", p.Party)
		}
		return nil, required, nil
	}
	if p.Text != "" {
		return nil, nil, parley.Errorf(parley.EINVALID, "payload field \"text\": a sealed caucus message carries its text inside \"sealed\" only; leave \"text\" out")
	}
	s, err := r.CheckSealed(origin, e, parley.VisParty(p.Party), p.Sealed, required)
	return s, required, err
}

// keepSealed keeps what a re-wrap of the sealed payload s, carried by the
// event of c, will be checked against.
func (t *Talks) keepSealed(c act, s *seal.Sealed, required []*Actor, entitled func(*Roster) []*Actor) {
	if t.sealed == nil {
		t.sealed = map[int64]*sealedPayload{}
	}
	sp := &sealedPayload{vis: t.VisibilityOf(c.e), digest: s.Digest(), entitled: entitled, recipients: make([]recipient, len(required))}
	for i, a := range required {
		// The payload's recipients are exactly these, with these keys
		// (CheckSealed): keep the roster's strings.
		sp.recipients[i] = recipient{actor: a.Key, key: a.EncryptionKey}
	}
	t.sealed[c.index] = sp
}

// Sealed reports whether the event at a log index carries a sealed
// payload.
func (t *Talks) Sealed(index int64) bool { return t.sealed[index] != nil }

// canOpen reports whether an actor can open the payload: a recipient of
// it, or a later recipient.
func (sp *sealedPayload) canOpen(actor string) bool {
	return slices.ContainsFunc(sp.recipients, func(r recipient) bool { return r.actor == actor }) ||
		slices.ContainsFunc(sp.later, func(r recipient) bool { return r.actor == actor })
}

// rewrapVisibility is the visibility of a seal.rewrap event: that of the
// sealed payloads it names, which all share one.
func (t *Talks) rewrapVisibility(e *parley.Event) string {
	if p, ok := e.Act.(*parley.Rewrap); ok && len(p.Rewraps) > 0 {
		if sp := t.sealed[p.Rewraps[0].Index]; sp != nil {
			return sp.vis
		}
	}
	return parley.VisMediators
}

// rewrap checks content keys wrapped again for later recipients: each for
// a sealed payload in the log, by one of its recipients (or an earlier
// later recipient), for an actor entitled to read it now, not revoked and
// not a recipient already, with that actor's current key; all of one
// channel, which is the event's visibility.
func (t *Talks) rewrap(c act, p *parley.Rewrap) (func(), error) {
	if len(p.Rewraps) == 0 || len(p.Rewraps) > maxRewraps {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"rewraps\": give 1 to %d re-wraps, not %d; send more in further acts", maxRewraps, len(p.Rewraps))
	}
	signer := t.signer(c.e)
	type add struct {
		sp *sealedPayload
		rw *Rewrapped
	}
	adds := make([]add, 0, len(p.Rewraps))
	var first int64
	for i, x := range p.Rewraps {
		at := parley.Key("payload field \"rewraps\", entry %d", i)
		sp := t.sealed[x.Index]
		if sp == nil || !t.VisibleAt(signer, x.Index) {
			return nil, parley.Errorf(parley.ENOTFOUND, "%s: no sealed payload at index %d that you may see", at, x.Index)
		}
		if i == 0 {
			first = x.Index
		} else if sp.vis != adds[0].sp.vis {
			return nil, parley.Errorf(parley.EINVALID, "%s: the payload at index %d is seen by %s, the one at index %d by %s; one seal.rewrap names payloads of one audience only, so send one for each", at, x.Index, sp.vis, first, adds[0].sp.vis)
		}
		if !sp.canOpen(c.by) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "%s: %s is not a recipient of the sealed payload at index %d, and only a recipient can wrap its key again", at, signer.Name(), x.Index)
		}
		rw, err := seal.ParseRewrap(x.Rewrap)
		if err != nil {
			return nil, parley.Wrapf(parley.EINVALID, "%s: %s", err, at)
		}
		if rw.SealedDigest() != sp.digest {
			return nil, parley.Errorf(parley.EINVALID, "%s: the re-wrap is for another sealed payload than the one at index %d (its \"sealed\" digest differs)", at, x.Index)
		}
		to := rw.Recipient()
		actor, key := parley.KeyString(to.Actor), to.Key.String()
		a := t.Roster.Actors[actor]
		switch {
		case a == nil:
			return nil, parley.Errorf(parley.ENOTFOUND, "%s: %s is not on the roster", at, short(actor))
		case slices.ContainsFunc(sp.recipients, func(r recipient) bool { return r.actor == actor }):
			return nil, parley.Errorf(parley.ECONFLICT, "%s: %s is already a recipient of the sealed payload at index %d; it needs no re-wrap", at, a.Name, x.Index)
		case a.Revoked:
			return nil, parley.Errorf(parley.EFORBIDDEN, "%s: %s was revoked and receives nothing sealed", at, a.Name)
		case !slices.Contains(sp.entitled(t.Roster), a):
			return nil, parley.Errorf(parley.EFORBIDDEN, "%s: %s (%s) is not among those who may read the sealed payload at index %d", at, a.Name, describe(a), x.Index)
		case a.EncryptionKey != key:
			return nil, parley.Errorf(parley.EINVALID, "%s: the re-wrap is for the encryption key %s, which is not the current key of %s; wrap it to the current one", at, clipKey(key), a.Name)
		}
		for _, r := range sp.later {
			if r.actor == actor && r.key == key {
				return nil, parley.Errorf(parley.ECONFLICT, "%s: %s was already given the key of the sealed payload at index %d", at, a.Name, x.Index)
			}
		}
		for _, o := range adds {
			if o.rw.Of == x.Index && o.rw.Actor == actor {
				return nil, parley.Errorf(parley.ECONFLICT, "%s: it repeats an earlier entry, for the payload at index %d and %s", at, x.Index, a.Name)
			}
		}
		adds = append(adds, add{sp, &Rewrapped{Of: x.Index, Actor: a.Key, Key: a.EncryptionKey, By: c.by, Index: c.index, Entry: i}})
	}
	if c.e.Vis != "" && c.e.Vis != adds[0].sp.vis {
		return nil, parley.Errorf(parley.EINVALID, "event field \"vis\": a seal.rewrap is seen by those who see the payloads it names (%s); leave \"vis\" out", adds[0].sp.vis)
	}
	return func() {
		for _, o := range adds {
			o.sp.later = append(o.sp.later, recipient{actor: o.rw.Actor, key: o.rw.Key})
			t.Rewraps = append(t.Rewraps, o.rw)
		}
	}, nil
}

// clipKey shortens an encryption key for a message.
func clipKey(k string) string {
	if len(k) > 20 {
		return k[:20] + "…"
	}
	return k
}

// An Authorizer is the authorization replay of docs/RECORD.md §9 that
// record.Verify runs over the visible events of a bundle: the roster,
// with the encryption keys, replayed event by event, and the sealed
// payload an event carries checked against it without any key (its form,
// its binding to the log's origin, kind, channel and signer, and its
// recipients: CheckSealedAct).
type Authorizer struct {
	r      *Roster
	origin string
}

// NewAuthorizer returns the replay of the log with the given origin,
// "<host>/talks/<id>".
func NewAuthorizer(origin string) *Authorizer {
	talks := origin
	if i := strings.LastIndex(origin, "/talks/"); i >= 0 {
		talks = origin[i+len("/talks/"):]
	}
	return &Authorizer{r: NewRoster(talks), origin: origin}
}

// Actors returns the actors of the roster replayed so far, each with its
// current encryption key, in the order they joined.
func (a *Authorizer) Actors() []Actor {
	out := make([]Actor, 0, len(a.r.Actors))
	for _, x := range a.r.Actors {
		out = append(out, *x)
	}
	slices.SortFunc(out, func(x, y Actor) int { return cmp.Or(cmp.Compare(x.Since, y.Since), cmp.Compare(x.Key, y.Key)) })
	return out
}

// Authorize checks the event at a log index against the roster as it
// stands, applies it, and checks its sealed payload against the roster
// then: a caucus message is sealed to the actors as they stood before it.
func (a *Authorizer) Authorize(e *parley.Event, index int64) error {
	if err := a.r.Authorize(e, index); err != nil {
		return err
	}
	return a.r.CheckSealedAct(a.origin, e)
}

package state_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/state"
)

const sealOrigin = "parley.test/talks/t1"

// sealWorld is a world whose state knows the log's origin, with an
// encryption key for every name, and a delegate of oppA ("oppAdel") who
// joins later.
type sealWorld struct {
	*world
	enc map[string]*seal.PrivateKey
}

func newSealWorld(t *testing.T) *sealWorld {
	t.Helper()
	w := newWorld(t)
	w.st = state.New("t1").WithOrigin(sealOrigin)
	k, err := newKey()
	if err != nil {
		t.Fatal(err)
	}
	w.keys["oppAdel"] = k
	sw := &sealWorld{world: w, enc: map[string]*seal.PrivateKey{}}
	for n := range w.keys {
		kem := seal.XWing
		if n == "oppB" || n == "observer" {
			kem = seal.X25519
		}
		if sw.enc[n], err = seal.GenerateKey(kem); err != nil {
			t.Fatal(err)
		}
	}
	w.setup()
	return sw
}

func newKey() (ed25519.PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(nil)
	return k, err
}

// publish publishes the named actor's encryption key.
func (w *sealWorld) publish(names ...string) {
	w.t.Helper()
	for _, n := range names {
		w.must(n, parley.KindEncryptionKey, parley.EncryptionKey{Key: w.enc[n].Public().String()})
	}
}

// seal seals text as a caucus message of party by sender, to the named
// recipients with their current keys, bound to ctx (the caucus's own
// context by default).
func (w *sealWorld) seal(by, party, text string, to []string, ctx *seal.Context) json.RawMessage {
	w.t.Helper()
	c := seal.Context{Origin: sealOrigin, Kind: parley.KindCaucus, Channel: parley.VisParty(party), Sender: w.keys[by].Public().(ed25519.PublicKey)}
	if ctx != nil {
		c = *ctx
	}
	var rs []seal.Recipient
	for _, n := range to {
		rs = append(rs, seal.Recipient{Actor: w.keys[n].Public().(ed25519.PublicKey), Key: w.enc[n].Public()})
	}
	content, _ := json.Marshal(parley.CaucusContent{Text: text})
	s, err := seal.Seal(c, content, rs)
	if err != nil {
		w.t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// caucusOf returns oppA's caucus recipients by name: oppA, the mediator,
// and whoever else the test put on oppA's delegation.
var caucusOfOppA = []string{"oppA", "mediator"}

func TestEncryptionKeys(t *testing.T) {
	w := newSealWorld(t)
	w.publish("gov")
	a := w.st.Roster.Actors[w.pub("gov")]
	if a.EncryptionKey != w.enc["gov"].Public().String() || a.EncryptionKeyIndex != w.st.Size-1 {
		t.Fatalf("gov's key on the roster = %.30q at %d, want the one published at %d", a.EncryptionKey, a.EncryptionKeyIndex, w.st.Size-1)
	}
	// Rotation: a new key replaces the current one; the roster keeps
	// both in order.
	old := w.enc["gov"]
	next, err := seal.GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	w.enc["gov"] = next
	w.publish("gov")
	if got := w.st.Roster.Actors[w.pub("gov")].EncryptionKey; got != next.Public().String() {
		t.Errorf("after rotation the current key is %.30q, want the new one", got)
	}
	if h := w.st.Roster.Keys[w.pub("gov")]; len(h) != 2 || h[0].Key != old.Public().String() || h[1].Key != next.Public().String() {
		t.Errorf("key history = %+v, want the old key then the new one", h)
	}
	pub := w.st.VisibilityAt(w.st.Size - 1)
	if pub != parley.VisPublic {
		t.Errorf("a key.encryption event is seen by %q, want public", pub)
	}

	w.must("mediator", parley.KindRevokeActor, parley.RevokeActor{Key: w.pub("verifier"), Reason: "lost"})
	tests := []struct {
		name, by, vis, key, code, want string
	}{
		{"the same key again", "gov", "", next.Public().String(), parley.ECONFLICT, "already the current encryption key"},
		{"another actor's key", "oppA", "", next.Public().String(), parley.ECONFLICT, "published by another actor, Head gov"},
		{"not a key", "oppA", "", "xwing:AAAA", parley.EINVALID, "payload field \"key\""},
		{"an unknown KEM", "oppA", "", "rsa:AAAA", parley.EINVALID, "unknown KEM"},
		{"a stranger", "stranger", "", w.enc["stranger"].Public().String(), parley.EFORBIDDEN, "not on the roster"},
		{"a revoked actor", "verifier", "", w.enc["verifier"].Public().String(), parley.EFORBIDDEN, "revoked"},
		{"narrowed", "oppA", parley.VisMediators, w.enc["oppA"].Public().String(), parley.EINVALID, "always public"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			err := w.actVis(tt.by, parley.KindEncryptionKey, tt.vis, parley.EncryptionKey{Key: tt.key})
			if parley.ErrorCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %s mentioning %q", err, tt.code, tt.want)
			}
		})
	}
	w.t = t
	// An actor may go back to a key of its own.
	w.enc["gov"] = old
	w.publish("gov")
}

func TestSealedCaucus(t *testing.T) {
	w := newSealWorld(t)
	// While oppA has no key, nothing can be sealed to it, and a plain
	// message is still accepted.
	w.publish("mediator")
	err := w.act("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("oppA", "oppA", "early", []string{"mediator"}, nil)})
	if err == nil || !strings.Contains(err.Error(), "Head oppA (head of oppA) published no encryption key") {
		t.Fatalf("sealed while a recipient has no key: got %v, want it refused naming oppA's head", err)
	}
	w.must("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Text: "Plain, for now."})
	w.publish("oppA", "gov", "oppB", "observer", "verifier", "convener")
	if err := w.act("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Text: "Plain again."}); err == nil || !strings.Contains(err.Error(), "send it sealed") {
		t.Fatalf("plain text once every recipient has a key: got %v, want it refused", err)
	}
	good := w.seal("oppA", "oppA", "Our red lines.", caucusOfOppA, nil)
	w.must("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: good})
	m := w.st.Caucus[len(w.st.Caucus)-1]
	if !m.Sealed || m.Text != "" || !w.st.Sealed(m.Index) {
		t.Errorf("the state keeps the sealed message as %+v, want it sealed without text", m)
	}
	if b := dump(t, w.st); bytes.Contains(b, []byte("red lines")) {
		t.Errorf("the state holds the sealed text")
	}
	// Every recipient opens it; nobody else is among its recipients.
	s, err := seal.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	ctx := seal.Context{Origin: sealOrigin, Kind: parley.KindCaucus, Channel: "party:oppA", Sender: w.keys["oppA"].Public().(ed25519.PublicKey)}
	for _, n := range caucusOfOppA {
		pt, err := seal.Open(ctx, s, w.keys[n].Public().(ed25519.PublicKey), w.enc[n])
		if err != nil || !strings.Contains(string(pt), "Our red lines.") {
			t.Errorf("%s opens %q, %v", n, pt, err)
		}
	}
	if _, err := seal.Open(ctx, s, w.keys["gov"].Public().(ed25519.PublicKey), w.enc["gov"]); err == nil {
		t.Errorf("gov opened oppA's caucus")
	}

	other := seal.Context{Origin: "elsewhere.test/talks/t1", Kind: parley.KindCaucus, Channel: "party:oppA", Sender: w.keys["oppA"].Public().(ed25519.PublicKey)}
	asStatement := ctx
	asStatement.Kind = parley.KindStatement
	tampered := bytes.Clone(good)
	at := bytes.Index(tampered, []byte(`"context":"`)) + 12
	tampered[at] = map[bool]byte{true: 'B', false: 'A'}[tampered[at] == 'A']
	tests := []struct {
		name, by, party string
		sealed          json.RawMessage
		text            string
		want            string
	}{
		{"a recipient left out", "oppA", "oppA", w.seal("oppA", "oppA", "x", []string{"oppA"}, nil), "", "it is not sealed to " + w.pub("mediator") + " (Mediator), whom this act requires"},
		{"a recipient too many", "oppA", "oppA", w.seal("oppA", "oppA", "x", []string{"oppA", "mediator", "gov"}, nil), "", "it is sealed to " + w.pub("gov") + " (Head gov), who is not among the recipients"},
		{"the convener is not a recipient", "oppA", "oppA", w.seal("oppA", "oppA", "x", []string{"oppA", "mediator", "convener"}, nil), "", "(Host), who is not among"},
		{"another talks", "oppA", "oppA", w.seal("oppA", "oppA", "x", caucusOfOppA, &other), "", "sealed for another context"},
		{"another kind", "oppA", "oppA", w.seal("oppA", "oppA", "x", caucusOfOppA, &asStatement), "", "sealed for another context"},
		{"another channel", "mediator", "oppA", w.seal("mediator", "oppB", "x", caucusOfOppA, nil), "", "sealed for another context"},
		{"moved into another signer's event", "mediator", "oppA", good, "", "sealed for another context"},
		{"a changed byte", "oppA", "oppA", tampered, "", "sealed for another context"},
		{"not a sealed payload", "oppA", "oppA", json.RawMessage(`{"v":1}`), "", "payload field \"sealed\""},
		{"text and sealed", "oppA", "oppA", good, "both", "leave \"text\" out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			err := w.act(tt.by, parley.KindCaucus, parley.Caucus{Party: tt.party, Text: tt.text, Sealed: tt.sealed})
			if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want it refused mentioning %q", err, tt.want)
			}
		})
	}
	w.t = t

	// A rotated key: what is sealed to the old one is refused.
	stale := w.seal("mediator", "oppA", "x", caucusOfOppA, nil)
	w.enc["oppA"], _ = seal.GenerateKey("")
	w.publish("oppA")
	if err := w.act("mediator", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: stale}); err == nil || !strings.Contains(err.Error(), "not that actor's current key") {
		t.Errorf("sealed to a replaced key: got %v, want it refused", err)
	}
	w.must("mediator", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("mediator", "oppA", "y", caucusOfOppA, nil)})

	// A new delegate joins: the caucus is sealed to it too once it has a
	// key, and a revoked actor receives nothing sealed.
	w.must("oppA", parley.KindAddActor, parley.AddActor{Key: w.pub("oppAdel"), Name: "Delegate oppA", Role: parley.RoleDelegate, Party: "oppA"})
	if err := w.act("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("oppA", "oppA", "z", caucusOfOppA, nil)}); err == nil || !strings.Contains(err.Error(), "Delegate oppA (delegate of oppA) published no encryption key") {
		t.Errorf("sealed while the new delegate has no key: got %v", err)
	}
	w.publish("oppAdel")
	all := []string{"oppA", "oppAdel", "mediator"}
	w.must("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("oppA", "oppA", "z", all, nil)})
	w.must("mediator", parley.KindRevokeActor, parley.RevokeActor{Key: w.pub("oppAdel"), Reason: "left the delegation"})
	if err := w.act("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("oppA", "oppA", "after", all, nil)}); err == nil || !strings.Contains(err.Error(), "(Delegate oppA), who is not among the recipients") {
		t.Errorf("sealed to a revoked delegate: got %v, want it refused", err)
	}
	w.must("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("oppA", "oppA", "after", caucusOfOppA, nil)})

	// The roster alone, as parley verify replays it, checks the same.
	r := state.NewRoster("t1")
	for _, e := range w.events {
		if err := r.Authorize(e, -1); err != nil {
			t.Fatalf("roster replay of %s: %v", e.Kind, err)
		}
		if err := r.CheckSealedAct(sealOrigin, e); err != nil {
			t.Errorf("CheckSealedAct(%s): %v", e.Kind, err)
		}
	}
	e := w.events[len(w.events)-1]
	if err := r.CheckSealedAct("elsewhere.test/talks/t1", e); err == nil {
		t.Errorf("CheckSealedAct accepted a payload for another origin")
	}

	// A replay of the events gives the same state.
	replay := state.New("t1").WithOrigin(sealOrigin)
	for i, e := range w.events {
		if err := replay.Apply(e, int64(i)); err != nil {
			t.Fatalf("replaying event %d (%s): %v", i, e.Kind, err)
		}
	}
	if a, b := dump(t, w.st), dump(t, replay); !bytes.Equal(a, b) {
		t.Errorf("replay differs")
	}
}

func TestRewrap(t *testing.T) {
	w := newSealWorld(t)
	w.publish("oppA", "mediator", "gov", "oppB")
	w.must("oppA", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("oppA", "oppA", "first", caucusOfOppA, nil)})
	first := w.st.Size - 1
	w.must("mediator", parley.KindCaucus, parley.Caucus{Party: "oppA", Sealed: w.seal("mediator", "oppA", "second", caucusOfOppA, nil)})
	second := w.st.Size - 1
	w.must("gov", parley.KindCaucus, parley.Caucus{Party: "gov", Sealed: w.seal("gov", "gov", "gov's", []string{"gov", "mediator"}, nil)})
	govs := w.st.Size - 1
	w.must("oppA", parley.KindAddActor, parley.AddActor{Key: w.pub("oppAdel"), Name: "Delegate oppA", Role: parley.RoleDelegate, Party: "oppA"})
	w.publish("oppAdel")

	payload := func(i int64) (*seal.Sealed, seal.Context) {
		e := w.events[i]
		var p parley.Caucus
		if err := parley.DecodePayload(e, &p); err != nil {
			t.Fatal(err)
		}
		s, err := seal.Parse(p.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		return s, seal.Context{Origin: sealOrigin, Kind: e.Kind, Channel: parley.VisParty(p.Party), Sender: e.ActorKey()}
	}
	rewrap := func(i int64, by, to string, via json.RawMessage) json.RawMessage {
		t.Helper()
		s, c := payload(i)
		var v *seal.Rewrap
		if via != nil {
			var err error
			if v, err = seal.ParseRewrap(via); err != nil {
				t.Fatal(err)
			}
		}
		r, err := seal.NewRewrap(c, s, w.keys[by].Public().(ed25519.PublicKey), w.enc[by], v,
			seal.Recipient{Actor: w.keys[to].Public().(ed25519.PublicKey), Key: w.enc[to].Public()})
		if err != nil {
			t.Fatalf("NewRewrap of %d by %s for %s: %v", i, by, to, err)
		}
		b, _ := json.Marshal(r)
		return b
	}
	forDel := rewrap(first, "oppA", "oppAdel", nil)
	w.must("oppA", parley.KindRewrap, parley.Rewrap{Rewraps: []parley.RewrapOf{{Index: first, Rewrap: forDel}, {Index: second, Rewrap: rewrap(second, "mediator", "oppAdel", nil)}}})
	if vis := w.st.VisibilityAt(w.st.Size - 1); vis != "party:oppA" {
		t.Errorf("a re-wrap of oppA's caucus is seen by %q, want party:oppA", vis)
	}
	if n := len(w.st.Rewraps); n != 2 || w.st.Rewraps[0].Of != first || w.st.Rewraps[0].Actor != w.pub("oppAdel") {
		t.Errorf("rewraps = %+v, want two for oppAdel", w.st.Rewraps)
	}
	// The later delegate opens the first message through its re-wrap.
	s, c := payload(first)
	rw, _ := seal.ParseRewrap(forDel)
	if pt, err := seal.OpenRewrapped(c, s, rw, w.enc["oppAdel"]); err != nil || !strings.Contains(string(pt), "first") {
		t.Errorf("the later delegate opens %q, %v", pt, err)
	}

	w.enc["late"], _ = seal.GenerateKey("")
	late, _ := newKey()
	w.keys["late"] = late
	w.must("oppA", parley.KindAddActor, parley.AddActor{Key: w.pub("late"), Name: "Late delegate", Role: parley.RoleDelegate, Party: "oppA"})
	w.publish("late")
	w.must("mediator", parley.KindRevokeActor, parley.RevokeActor{Key: w.pub("oppB"), Reason: "test"})
	one := func(i int64, rw json.RawMessage) parley.Rewrap {
		return parley.Rewrap{Rewraps: []parley.RewrapOf{{Index: i, Rewrap: rw}}}
	}
	tests := []struct {
		name, by string
		p        parley.Rewrap
		code     string
		want     string
	}{
		{"already given", "oppA", one(first, forDel), parley.ECONFLICT, "already given the key"},
		{"a signer who cannot open it", "gov", one(first, rewrap(first, "oppA", "late", nil)), parley.ENOTFOUND, "no sealed payload at index"},
		{"a non-recipient of the party", "late", one(first, rewrap(first, "oppA", "late", nil)), parley.EFORBIDDEN, "is not a recipient"},
		{"someone not entitled", "oppA", one(first, rewrap(first, "oppA", "gov", nil)), parley.EFORBIDDEN, "is not among those who may read"},
		{"another payload", "oppA", one(second, rewrap(first, "oppA", "late", nil)), parley.EINVALID, "for another sealed payload"},
		{"not an event with a sealed payload", "oppA", one(1, rewrap(first, "oppA", "late", nil)), parley.ENOTFOUND, "no sealed payload at index 1"},
		{"two audiences", "mediator", parley.Rewrap{Rewraps: []parley.RewrapOf{{Index: second, Rewrap: rewrap(second, "mediator", "late", nil)}, {Index: govs, Rewrap: rewrap(govs, "mediator", "late", nil)}}}, parley.EINVALID, "one audience only"},
		{"repeated", "oppA", parley.Rewrap{Rewraps: []parley.RewrapOf{{Index: first, Rewrap: rewrap(first, "oppA", "late", nil)}, {Index: first, Rewrap: rewrap(first, "oppA", "late", nil)}}}, parley.ECONFLICT, "repeats an earlier entry"},
		{"none", "oppA", parley.Rewrap{}, parley.EINVALID, "give 1 to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			err := w.act(tt.by, parley.KindRewrap, tt.p)
			if parley.ErrorCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %s mentioning %q", err, tt.code, tt.want)
			}
		})
	}
	w.t = t
	// The later delegate passes the key on in turn, through its own
	// re-wrap; then the new one rotates its key, and a re-wrap to the old
	// one is refused.
	toLate := rewrap(first, "oppAdel", "late", forDel)
	w.enc["late"], _ = seal.GenerateKey("")
	w.publish("late")
	if err := w.act("oppAdel", parley.KindRewrap, one(first, toLate)); err == nil || !strings.Contains(err.Error(), "not the current key of Late delegate") {
		t.Errorf("re-wrap to a replaced key: got %v", err)
	}
	w.must("oppAdel", parley.KindRewrap, one(first, rewrap(first, "oppAdel", "late", forDel)))
	// A revoked actor is given nothing.
	w.must("mediator", parley.KindRevokeActor, parley.RevokeActor{Key: w.pub("late"), Reason: "left"})
	if err := w.act("oppA", parley.KindRewrap, one(second, rewrap(second, "oppA", "late", nil))); parley.ErrorCode(err) != parley.EFORBIDDEN || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("re-wrap for a revoked actor: got %v", err)
	}
	replay := state.New("t1")
	for i, e := range w.events {
		if err := replay.Apply(e, int64(i)); err != nil {
			t.Fatalf("replaying event %d (%s): %v", i, e.Kind, err)
		}
	}
	if a, b := dump(t, w.st), dump(t, replay); !bytes.Equal(a, b) {
		t.Errorf("replay differs")
	}
}

// BenchmarkApplyCaucus measures the state's checks of a caucus message,
// sealed to a party's head, two delegates and the mediator (X-Wing), and
// in plain text, in the same run: the host's share of an append without
// the store (BenchmarkAppendCaucus in package ledger has it all).
func BenchmarkApplyCaucus(b *testing.B) {
	for _, kind := range []string{"plain", "sealed"} {
		b.Run(kind, func(b *testing.B) {
			w := newWorld(b)
			w.st = state.New("t1").WithOrigin(sealOrigin)
			w.setup()
			enc := map[string]*seal.PrivateKey{}
			to := []string{"oppA", "mediator"}
			for _, n := range []string{"d1", "d2"} {
				k, _ := newKey()
				w.keys[n] = k
				w.must("oppA", parley.KindAddActor, parley.AddActor{Key: w.pub(n), Name: "Delegate " + n, Role: parley.RoleDelegate, Party: "oppA"})
				to = append(to, n)
			}
			if kind == "sealed" {
				for _, n := range to {
					enc[n], _ = seal.GenerateKey(seal.XWing)
					w.must(n, parley.KindEncryptionKey, parley.EncryptionKey{Key: enc[n].Public().String()})
				}
			}
			sw := &sealWorld{world: w, enc: enc}
			text := strings.Repeat("a", 280)
			events := make([]*parley.Event, b.N)
			for i := range events {
				p := parley.Caucus{Party: "oppA", Text: text}
				if kind == "sealed" {
					p = parley.Caucus{Party: "oppA", Sealed: sw.seal("oppA", "oppA", text, to, nil)}
				}
				e, err := parley.NewEvent("t1", parley.KindCaucus, w.keys["oppA"].Public().(ed25519.PublicKey), w.clock, p)
				if err != nil {
					b.Fatal(err)
				}
				raw, _ := json.Marshal(e)
				events[i], _ = parley.DecodeEvent(raw)
			}
			b.ResetTimer()
			for i, e := range events {
				if err := w.st.Apply(e, w.st.Size); err != nil {
					b.Fatalf("event %d: %v", i, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
		})
	}
}

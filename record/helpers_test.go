package record

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// testActor is an actor with a key derived from its name, so that test
// failures name the same keys from run to run.
type testActor struct {
	name string
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newActor(name string) *testActor {
	seed := sha256.Sum256([]byte("parley test actor " + name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return &testActor{name: name, pub: priv.Public().(ed25519.PublicKey), priv: priv}
}

func (a *testActor) key() string { return parley.KeyString(a.pub) }

// testLog is a talks' log kept in memory as a Store keeps it: entries with
// salts and leaves, tlog's stored hashes, checkpoints signed by the log key.
type testLog struct {
	host, talks, origin string
	skey, vkey          string
	sealer              *Sealer
	tree                memTree
	entries             []parley.Entry
	cps                 []parley.Checkpoint
	clock               time.Time
}

func newTestLog(t testing.TB, talks string) *testLog {
	t.Helper()
	l := &testLog{host: "parley.example", talks: talks, clock: time.Date(2015, 4, 6, 9, 0, 0, 0, time.UTC)}
	l.origin = parley.Origin(l.host, talks)
	var err error
	if l.skey, l.vkey, err = GenerateLogKey(l.origin); err != nil {
		t.Fatal(err)
	}
	if l.sealer, err = NewSealer(l.skey); err != nil {
		t.Fatal(err)
	}
	return l
}

// fork returns a copy of l with the first n entries, signed by the same
// key: the log a host could show to some viewers only.
func (l *testLog) fork(n int) *testLog {
	f := *l
	f.entries = append([]parley.Entry(nil), l.entries[:n]...)
	f.tree = memTree{}
	for _, e := range f.entries {
		f.tree.add(e.Leaf)
	}
	f.cps = nil
	for _, c := range l.cps {
		if c.Size <= int64(n) {
			f.cps = append(f.cps, c)
		}
	}
	return &f
}

// event signs an event of the given kind and payload by actor.
func (l *testLog) event(t testing.TB, a *testActor, kind string, payload any, vis string) parley.SignedEvent {
	t.Helper()
	l.clock = l.clock.Add(time.Minute)
	e, err := parley.NewEvent(l.talks, kind, a.pub, l.clock, payload)
	if err != nil {
		t.Fatal(err)
	}
	e.Vis = vis
	se, err := parley.Sign(l.origin, e, a.priv)
	if err != nil {
		t.Fatal(err)
	}
	return se
}

// add appends a signed event as the store would.
func (l *testLog) add(se parley.SignedEvent) parley.Entry {
	e, err := parley.DecodeEvent(se.Bytes)
	if err != nil {
		panic(err)
	}
	salt := NewSalt()
	en := parley.Entry{
		Talks: l.talks, Index: int64(len(l.entries)), Event: se.Bytes, Sig: se.Sig, Salt: salt,
		Leaf: LeafHash(salt, se.Bytes, se.Sig), Kind: e.Kind, Actor: e.Actor, Nonce: e.Nonce, Received: l.clock,
	}
	l.entries = append(l.entries, en)
	l.tree.add(en.Leaf)
	return en
}

// append signs and appends an event.
func (l *testLog) append(t testing.TB, a *testActor, kind string, payload any, vis string) parley.Entry {
	t.Helper()
	return l.add(l.event(t, a, kind, payload, vis))
}

// seal signs a checkpoint of the log at its current size.
func (l *testLog) seal(t testing.TB) parley.Checkpoint {
	t.Helper()
	size := int64(len(l.entries))
	note, err := l.sealer.Seal(size, l.tree.root(size))
	if err != nil {
		t.Fatal(err)
	}
	c := parley.Checkpoint{Talks: l.talks, Size: size, Root: l.tree.root(size), Note: note}
	l.cps = append(l.cps, c)
	return c
}

// statement appends a statement by a.
func (l *testLog) statement(t testing.TB, a *testActor, text string) parley.Entry {
	t.Helper()
	return l.append(t, a, parley.KindStatement, parley.Statement{Text: text}, "")
}

// cast is the people of the test talks.
type cast struct {
	convener, mediator, gov, opp, outsider *testActor
}

func newCast() cast {
	return cast{newActor("convener"), newActor("mediator"), newActor("gov head"), newActor("opp head"), newActor("outsider")}
}

// founded returns a log founded by the cast's convener, with a mediator,
// two parties and their heads on the roster: 7 entries.
func founded(t testing.TB, c cast) *testLog {
	t.Helper()
	l := newTestLog(t, "moscow-2015")
	l.append(t, c.convener, parley.KindFoundTalks, parley.FoundTalks{Title: "Moscow consultations", ConvenerName: "Convener", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic}, "")
	l.append(t, c.convener, parley.KindAddMediator, parley.AddMediator{Key: c.mediator.key(), Name: "Mediator"}, "")
	l.append(t, c.mediator, parley.KindAddParty, parley.AddParty{Party: "gov", Name: "Government"}, "")
	l.append(t, c.mediator, parley.KindAddParty, parley.AddParty{Party: "opp", Name: "Opposition"}, "")
	l.append(t, c.mediator, parley.KindAddActor, parley.AddActor{Key: c.gov.key(), Name: "Gov head", Role: parley.RoleHead, Party: "gov"}, "")
	l.append(t, c.mediator, parley.KindAddActor, parley.AddActor{Key: c.opp.key(), Name: "Opp head", Role: parley.RoleHead, Party: "opp"}, "")
	l.append(t, c.mediator, parley.KindAddItem, parley.AddItem{Item: "d1", Title: "Assessment", Kind: parley.ItemDocument}, "")
	return l
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

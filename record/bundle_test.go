package record

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// fixture is a small talks: seven founding entries, statements, a stance,
// an event only the mediators see, three checkpoints and a witness.
type fixture struct {
	c  cast
	l  *testLog
	w  *testActor
	wk WitnessKey
}

func visibleToPublic(e *parley.Event) bool { return e.Vis != parley.VisMediators }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{c: newCast(), w: newActor("witness")}
	f.wk = WitnessKey{Name: "witness.example", Key: f.w.key()}
	c, l := f.c, founded(t, f.c)
	f.l = l
	l.seal(t)
	l.statement(t, c.gov, "We came in good faith.")
	l.append(t, c.mediator, parley.KindStatement, parley.Statement{Text: "The opposition may walk out."}, parley.VisMediators)
	l.append(t, c.opp, parley.KindSetStance, parley.SetStance{Item: "d1", Version: 1, Party: "opp", Stance: parley.StanceReserve}, "")
	cp := l.seal(t)
	cosigned, err := Cosign(cp.Note, f.wk.Name, f.w.priv, time.Date(2015, 4, 9, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	l.cps[len(l.cps)-1].Note = cosigned
	l.statement(t, c.opp, "Prisoner releases first.")
	l.seal(t)
	return f
}

func (f *fixture) bundle(t testing.TB) *Bundle {
	t.Helper()
	b, err := NewBundle(f.l.origin, f.l.vkey, f.l.entries, f.l.cps, []WitnessKey{f.wk}, visibleToPublic)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyBundle(t *testing.T) {
	f := newFixture(t)
	b := f.bundle(t)
	var calls, last int
	r, err := Verify(b, newRosterAuth(), func(done, total int) {
		calls++
		if done < last || total != 11 {
			t.Errorf("progress(%d, %d) after %d", done, total, last)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Report{Origin: f.l.origin, LogKey: f.l.vkey, Size: 11, Root: f.l.tree.root(11), Events: 10, Signatures: 10, Authorized: 10,
		Hidden: 1, Leaves: 11, Checkpoints: 3, Cosignatures: 1, Witnesses: 1}
	if *r != want {
		t.Errorf("report = %+v\nwant %+v", r, want)
	}
	if calls == 0 || last != 11 {
		t.Errorf("progress called %d times, last with %d", calls, last)
	}
	if len(b.Actors) != 4 || b.Actors[0] != (Actor{f.c.convener.key(), "Convener"}) || b.Actors[1] != (Actor{f.c.mediator.key(), "Mediator"}) {
		t.Errorf("actors = %+v", b.Actors)
	}

	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b2, err := ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(b2, newRosterAuth(), nil); err != nil {
		t.Errorf("the bundle after JSON: %v", err)
	}
	data2, _ := b2.Marshal()
	if string(data2) != string(data) {
		t.Errorf("Marshal(ParseBundle(data)) differs from data")
	}
	if r, err := Verify(b2, nil, nil); err != nil || r.Authorized != 0 {
		t.Errorf("Verify without an Authorizer = %v, %v", r, err)
	}
}

// verifyJSON parses and verifies a bundle's JSON.
func verifyJSON(data []byte) error {
	b, err := ParseBundle(data)
	if err != nil {
		return err
	}
	_, err = Verify(b, newRosterAuth(), nil)
	return err
}

// TestBundleByteFlips changes every byte of a small bundle's JSON: one
// random bit of each, and every fourth byte also to a random other value.
// Each change must fail.
func TestBundleByteFlips(t *testing.T) {
	f := newFixture(t)
	data, err := f.bundle(t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyJSON(data); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bad := make([]byte, len(data))
	for i := range data {
		xs := []byte{1 << rng.IntN(8)}
		if i%4 == 0 {
			xs = append(xs, byte(1+rng.IntN(255)))
		}
		for _, x := range xs {
			copy(bad, data)
			bad[i] ^= x
			if verifyJSON(bad) == nil {
				t.Errorf("the bundle verifies with byte %d changed from %q to %q: …%s…", i, data[i], bad[i], bad[max(0, i-30):min(len(bad), i+30)])
			}
		}
	}
}

// TestLargeBundleSampledFlips changes random bytes of a bundle of a few
// hundred events.
func TestLargeBundleSampledFlips(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	for i := range 300 {
		a := []*testActor{c.gov, c.opp, c.mediator}[i%3]
		l.statement(t, a, strings.Repeat("words ", i%20))
		if i%50 == 0 {
			l.seal(t)
		}
	}
	l.seal(t)
	b, err := NewBundle(l.origin, l.vkey, l.entries, l.cps, nil, func(e *parley.Event) bool { return e.Actor != c.mediator.key() || e.Kind != parley.KindStatement })
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyJSON(data); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	bad := make([]byte, len(data))
	for range 300 {
		i, x := rng.IntN(len(data)), byte(1+rng.IntN(255))
		copy(bad, data)
		bad[i] ^= x
		if verifyJSON(bad) == nil {
			t.Errorf("the bundle verifies with byte %d changed from %q to %q", i, data[i], bad[i])
		}
	}
}

// TestBundleTampering changes a valid bundle in the ways a host or a
// forger might and checks the error Verify gives.
func TestBundleTampering(t *testing.T) {
	f := newFixture(t)
	c, l := f.c, f.l
	key := func(a *testActor) string { return a.key() }
	other := newTestLog(t, "moscow-2015") // same origin, another key
	forked := l.fork(9)
	forked.statement(t, c.gov, "another history")
	forked.statement(t, c.gov, "and more")
	fcp := forked.seal(t)

	for _, tc := range []struct {
		name   string
		change func(b *Bundle)
		want   string
	}{
		{"swapped entries", func(b *Bundle) { b.Entries[7], b.Entries[9] = b.Entries[9], b.Entries[7] },
			"entry 7: its index says 9: entries are out of order, missing or repeated"},
		{"swapped and renumbered", func(b *Bundle) {
			b.Entries[7], b.Entries[9] = b.Entries[9], b.Entries[7]
			b.Entries[7].Index, b.Entries[9].Index = 7, 9
		}, "checkpoint 1 (size 10): root does not match the entries"},
		{"dropped entry", func(b *Bundle) { b.Entries = append(b.Entries[:9], b.Entries[10:]...) },
			"checkpoint 2 (size 11): the bundle has only 10 entries"},
		{"dropped and renumbered", func(b *Bundle) {
			b.Entries = append(b.Entries[:9], b.Entries[10:]...)
			b.Entries[9].Index = 9
			b.Checkpoints = b.Checkpoints[:2]
		}, "checkpoint 1 (size 10): root does not match the entries"},
		{"duplicated entry", func(b *Bundle) {
			b.Entries[10] = b.Entries[9]
			b.Entries[10].Index = 10
		}, "entry 10 (stance.set by " + key(c.opp) + "): its nonce was used by entry 9: the event is recorded twice"},
		{"forged signature", func(b *Bundle) { b.Entries[7].Sig = flip(b.Entries[7].Sig, 10) },
			"entry 7 (statement.publish by " + key(c.gov) + "): signature does not verify"},
		{"changed salt", func(b *Bundle) { b.Entries[9].Salt = flip(b.Entries[9].Salt, 0) },
			"checkpoint 1 (size 10): root does not match the entries"},
		{"changed hidden leaf", func(b *Bundle) { b.Entries[8].Leaf = flip(b.Entries[8].Leaf, 31) },
			"checkpoint 1 (size 10): root does not match the entries"},
		{"checkpoint by another key", func(b *Bundle) { b.Checkpoints[0] = sealAt(t, other, 0) },
			"checkpoint 0: the checkpoint is not signed by the log key " + l.origin},
		{"another log key", func(b *Bundle) { b.LogKey = other.vkey },
			"checkpoint 0: the checkpoint is not signed by the log key " + l.origin},
		{"checkpoint of a fork", func(b *Bundle) {
			b.Entries = b.Entries[:11]
			b.Checkpoints = [][]byte{b.Checkpoints[0], b.Checkpoints[1], fcp.Note}
		}, "checkpoint 2 (size 11): root does not match the entries"},
		{"fork evidence", func(b *Bundle) {
			ev, err := CheckFork(l.cps[2].Note, fcp.Note, l.vkey, nil)
			if err != nil || ev == nil {
				t.Fatal(ev, err)
			}
			b.Forks = []*ForkEvidence{ev}
		}, "fork evidence 0: the log forked: " + l.origin + " signed two checkpoints of size 11 with different roots"},
		{"false fork evidence", func(b *Bundle) {
			b.Forks = []*ForkEvidence{{Origin: l.origin, Reason: ForkSameSize, A: l.cps[2].Note, B: l.cps[2].Note}}
		}, "fork evidence 0: fork evidence: the checkpoints have the same root: it does not show a fork; remove it"},
		{"unlisted witness", func(b *Bundle) { b.Witnesses = nil },
			"checkpoint 1 (size 10): it carries a signature by witness.example+"},
		{"idle witness", func(b *Bundle) {
			b.Witnesses = append(b.Witnesses, WitnessKey{"idle.example", key(c.outsider)})
		}, "witness 1 (idle.example): it cosigned no checkpoint of the bundle: remove it"},
		{"tampered cosignature", func(b *Bundle) {
			s := string(b.Checkpoints[1])
			i := strings.Index(s, "— witness.example ") + len("— witness.example ") + 20
			r := "A"
			if s[i] == 'A' {
				r = "B"
			}
			b.Checkpoints[1] = []byte(s[:i] + r + s[i+1:])
		}, "checkpoint 1: the signature of witness.example+"},
		{"empty actors list", func(b *Bundle) { b.Actors = []Actor{} },
			"actors: the visible events name " + c.convener.key() + ", which the list lacks"},
		{"actors list", func(b *Bundle) { b.Actors[2].Name = "Someone else" },
			"actors: actor 2 is " + key(c.gov) + " \"Someone else\", but the visible events give " + key(c.gov) + " \"Gov head\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := f.bundle(t)
			tc.change(b)
			_, err := Verify(b, newRosterAuth(), nil)
			var ve *VerifyError
			if !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Verify = %v\nwant a *VerifyError starting %q", err, tc.want)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	b = append([]byte(nil), b...)
	b[i] ^= 1
	return b
}

// TestBundleAuthorization records events whose signers lack the role; the
// host accepted them, but verify refuses them.
func TestBundleAuthorization(t *testing.T) {
	c := newCast()
	for _, tc := range []struct {
		name string
		add  func(l *testLog)
		want string
	}{
		{"outsider's statement", func(l *testLog) { l.statement(t, c.outsider, "I am not on the roster") },
			"entry 7 (statement.publish by " + c.outsider.key() + "): not authorized: the signer is not on the roster"},
		{"party head adds a mediator", func(l *testLog) {
			l.append(t, c.gov, parley.KindAddMediator, parley.AddMediator{Key: c.outsider.key(), Name: "Friend"}, "")
		}, "entry 7 (roster.mediator by " + c.gov.key() + "): not authorized: roster.mediator may be signed by the convener or a mediator only"},
		{"second founding", func(l *testLog) {
			l.append(t, c.mediator, parley.KindFoundTalks, parley.FoundTalks{Title: "Mine", ConvenerName: "M", Rule: parley.Rule{Kind: parley.RuleConsensus}}, "")
		}, "entry 7 (talks.found by " + c.mediator.key() + "): not authorized: the talks was already founded"},
		{"revoked actor", func(l *testLog) {
			l.append(t, c.mediator, parley.KindRevokeActor, parley.RevokeActor{Key: c.gov.key(), Reason: "stolen key"}, "")
			l.statement(t, c.gov, "still here")
		}, "entry 8 (statement.publish by " + c.gov.key() + "): not authorized: the signer is not on the roster"},
		{"event of another talks", func(l *testLog) {
			talks := l.talks
			l.talks = "geneva"
			se := l.event(t, c.gov, parley.KindStatement, parley.Statement{Text: "x"}, "")
			l.talks = talks
			l.add(se)
		}, "entry 7 (statement.publish by " + c.gov.key() + "): the event belongs to the talks \"geneva\", not \"moscow-2015\""},
		{"event signed for another log", func(l *testLog) {
			origin := l.origin
			l.origin = parley.Origin("evil.example", l.talks)
			se := l.event(t, c.gov, parley.KindStatement, parley.Statement{Text: "x"}, "")
			l.origin = origin
			l.add(se)
		}, "entry 7 (statement.publish by " + c.gov.key() + "): signature does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := founded(t, c)
			tc.add(l)
			l.seal(t)
			b, err := NewBundle(l.origin, l.vkey, l.entries, l.cps, nil, visibleToPublic)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Verify(b, newRosterAuth(), nil)
			if err == nil || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Verify = %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseBundleMalformed(t *testing.T) {
	f := newFixture(t)
	data, err := f.bundle(t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for name, bad := range map[string]string{
		"not JSON":        "nope",
		"array":           "[]",
		"trailing data":   s + "{}",
		"unknown member":  strings.Replace(s, `"format"`, `"colour":"red","format"`, 1),
		"case variant":    strings.Replace(s, `"origin"`, `"Origin"`, 1),
		"repeated member": strings.Replace(s, `"origin":`, `"origin":"x","origin":`, 1),
		"other format":    strings.Replace(s, BundleFormat, "parley/v2/bundle", 1),
		"no entries":      s[:strings.Index(s, `"entries":[`)+len(`"entries":[`)] + s[strings.Index(s, `],"checkpoints"`):],
		"leaf and event":  strings.Replace(s, `{"index":0,`, `{"index":0,"leaf":"`+b64(make([]byte, 32))+`",`, 1),
		"short salt":      strings.Replace(s, `"salt":"`, `"salt":"AAAA`, 1),
		"entry member":    strings.Replace(s, `{"index":0,`, `{"index":0,"kind":"x",`, 1),
		"bad log key":     strings.Replace(s, `"log_key":"`, `"log_key":"x`, 1),
		"bad origin":      strings.Replace(s, `"origin":"parley.example`, `"origin":"parley example`, 1),
		"invalid UTF-8":   strings.Replace(s, `"name":"Convener"`, "\"name\":\"Conv\xffener\"", 1),
		"log key hash in upper case": func() string {
			i := strings.Index(s, `"log_key":"`) + len(`"log_key":"`)
			j := i + strings.Index(s[i:], "+") + 1
			return s[:j] + strings.ToUpper(s[j:j+8]) + s[j+8:]
		}(),
		"log key broken across lines": func() string {
			i := strings.Index(s, `"log_key":"`) + len(`"log_key":"`)
			k := i + strings.Index(s[i:], `"`)
			return s[:k-8] + `\n` + s[k-8:]
		}(),
	} {
		if bad == s {
			continue // a key hash of digits alone has no upper case
		}
		_, err := ParseBundle([]byte(bad))
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: ParseBundle = %v, want a *FormatError", name, err)
		}
	}
}

func FuzzParseBundle(f *testing.F) {
	fx := newFixture(f)
	data, err := fx.bundle(f).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"format":"parley/v1/bundle","entries":[{"index":0,"leaf":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}`))
	f.Add([]byte(`{"entries":[],"entries":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseBundle error %T is not a *FormatError: %v", err, err)
			}
			return
		}
		again, err := b.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed bundle: %v", err)
		}
		if _, err := ParseBundle(again); err != nil {
			t.Fatalf("ParseBundle(Marshal(b)): %v", err)
		}
		if _, err := Verify(b, newRosterAuth(), nil); err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify error %T is not a *VerifyError: %v", err, err)
			}
		}
	})
}

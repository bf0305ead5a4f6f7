package ledger_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/measure"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/state"
)

// loadEvents is the size of the talks of BenchmarkLoad.
var loadEvents = flag.Int("ledger.events", 200000, "events in the talks of BenchmarkLoad")

// loadTalks is a talks of n events stored in SQLite, written straight
// through the store in batches of 1,000 (appending them one by one would
// take minutes): four parties at an open round whose heads make
// statements and take stances on an item, as in a long negotiation.
type loadTalks struct {
	dir   string
	st    *sqlite.Store
	keys  *ledger.Keys
	pub   ed25519.PublicKey // the signer of event, for the raw Ed25519 rate
	event parley.SignedEvent
}

func newLoadTalks(b *testing.B, n int) *loadTalks {
	ctx := context.Background()
	start := time.Now()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		b.Fatal(err)
	}
	origin := parley.Origin(host, "t1")
	skey, _, err := keys.LogKey("t1", origin)
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := record.NewSealer(skey)
	if err != nil {
		b.Fatal(err)
	}
	actor := map[string]ed25519.PrivateKey{}
	for _, name := range []string{"convener", "mediator", "p0", "p1", "p2", "p3"} {
		_, actor[name], _ = ed25519.GenerateKey(rand.Reader)
	}
	pub := func(name string) string { return parley.KeyString(actor[name].Public().(ed25519.PublicKey)) }
	t0 := time.Now().Add(-time.Duration(n) * time.Second)
	sign := func(i int, by, kind string, payload any) parley.SignedEvent {
		e, err := parley.NewEvent("t1", kind, actor[by].Public().(ed25519.PublicKey), t0.Add(time.Duration(i)*time.Second), payload)
		if err != nil {
			panic(err)
		}
		se, err := parley.Sign(origin, e, actor[by])
		if err != nil {
			panic(err)
		}
		return se
	}
	var signed []parley.SignedEvent
	add := func(by, kind string, payload any) { signed = append(signed, sign(len(signed), by, kind, payload)) }
	add("convener", parley.KindFoundTalks, parley.FoundTalks{Title: "T", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}, Visibility: parley.VisPublic})
	add("convener", parley.KindAddMediator, parley.AddMediator{Key: pub("mediator"), Name: "M"})
	add("mediator", parley.KindPlanRound, parley.PlanRound{Round: "r1", Title: "R", Starts: "2026-01-01", Ends: "2026-01-02"})
	for p := range 4 {
		id := fmt.Sprint("p", p)
		add("mediator", parley.KindAddParty, parley.AddParty{Party: id, Name: "Party " + id})
		add("mediator", parley.KindAddActor, parley.AddActor{Key: pub(id), Name: "Head " + id, Role: parley.RoleHead, Party: id})
		add("mediator", parley.KindInvite, parley.Invitation{Round: "r1", Party: id})
	}
	add("mediator", parley.KindOpenRound, parley.RoundRef{Round: "r1"})
	add("mediator", parley.KindAddItem, parley.AddItem{Item: "d1", Title: "D", Kind: parley.ItemDocument})
	add("mediator", parley.KindTableVersion, parley.TableVersion{Item: "d1", Version: 1, Paragraphs: []string{"Text."}})
	first := len(signed)
	signed = append(signed, make([]parley.SignedEvent, n-first)...)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := first + w; i < n; i += workers {
				p := fmt.Sprint("p", i%4)
				if i%2 == 0 {
					signed[i] = sign(i, p, parley.KindStatement, parley.Statement{Text: fmt.Sprintf("Statement %d on the assessment of the political situation, paragraph by paragraph.", i), Lang: "en"})
				} else {
					signed[i] = sign(i, p, parley.KindSetStance, parley.SetStance{Item: "d1", Version: 1, Party: p, Stance: []string{"support", "oppose", "abstain", "ad_referendum"}[i/4%4], Reason: "Prisoner releases first."})
				}
			}
		})
	}
	wg.Wait()
	// The tree is kept in memory as the ledger keeps it, to give the
	// store the same checkpoints.
	for at := 0; at < n; at += 1000 {
		var entries []parley.Entry
		for i := at; i < min(at+1000, n); i++ {
			e, err := parley.DecodeEvent(signed[i].Bytes)
			if err != nil {
				b.Fatal(err)
			}
			salt := record.NewSalt()
			entries = append(entries, parley.Entry{Talks: "t1", Index: int64(i), Event: signed[i].Bytes, Sig: signed[i].Sig, Salt: salt,
				Leaf: record.LeafHash(salt, signed[i].Bytes, signed[i].Sig), Kind: e.Kind, Actor: e.Actor, Nonce: e.Nonce, Received: time.Now()})
		}
		if _, err := st.Append(ctx, "t1", int64(at), entries, sealer.Seal); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("stored a talks of %d events in %v", n, time.Since(start).Round(time.Millisecond))
	last, err := parley.DecodeEvent(signed[n-1].Bytes)
	if err != nil {
		b.Fatal(err)
	}
	return &loadTalks{dir: dir, st: st, keys: keys, pub: last.ActorKey(), event: signed[n-1]}
}

// BenchmarkLoad measures, on a talks of -ledger.events events (200,000 by
// default) in SQLite, in each iteration and so under the same load:
// loading it with every check of loading (each signature on all cores,
// each leaf, the state's replay, the stored hashes, the checkpoints);
// record.Verify on the public bundle of the same talks, which is what
// "parley verify" does; and a reload of the loaded log, which takes the
// entries it checked before on their leaf. It reports each in events per
// second and CPU time per event, the ratio of the load's rate to the
// verification's ("load/verify"), and the load's rate beside the raw
// Ed25519 rate on all cores measured right after ("load/raw").
func BenchmarkLoad(b *testing.B) {
	n := *loadEvents
	lt := newLoadTalks(b, n)
	ctx := context.Background()
	bundle, err := ledger.New(lt.st, ledger.Config{Host: host, Keys: lt.keys}).Bundle(ctx, "t1", "")
	if err != nil {
		b.Fatal(err)
	}
	type phase struct {
		name      string
		run       func(l **ledger.Ledger)
		wall, cpu time.Duration
	}
	phases := []*phase{
		{name: "load", run: func(l **ledger.Ledger) {
			*l = ledger.New(lt.st, ledger.Config{Host: host, Keys: lt.keys})
			if err := (*l).View(ctx, "t1", func(*state.Talks, parley.Checkpoint) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}},
		{name: "verify", run: func(*(*ledger.Ledger)) {
			if _, err := record.Verify(bundle, state.NewAuthorizer(bundle.Origin), nil); err != nil {
				b.Fatal(err)
			}
		}},
		{name: "reload", run: func(l **ledger.Ledger) {
			if err := (*l).Reload(ctx, "t1"); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for b.Loop() {
		var l *ledger.Ledger
		for _, p := range phases {
			runtime.GC()
			t0, c0 := time.Now(), measure.CPUTime()
			p.run(&l)
			p.wall += time.Since(t0)
			p.cpu += measure.CPUTime() - c0
		}
	}
	events := float64(n) * float64(b.N)
	for _, p := range phases {
		b.ReportMetric(events/p.wall.Seconds(), p.name+"-events/s")
		b.ReportMetric(float64(p.cpu.Nanoseconds())/events, p.name+"-cpu-ns/event")
	}
	b.ReportMetric(phases[1].wall.Seconds()/phases[0].wall.Seconds(), "load/verify")
	raw, _ := measure.VerifyRate(lt.pub, parley.SignedMessage(parley.Origin(host, "t1"), lt.event.Bytes), lt.event.Sig, phases[0].wall/time.Duration(b.N))
	b.ReportMetric(events/phases[0].wall.Seconds()/raw, "load/raw")
	b.ReportMetric(0, "ns/op")
}

package state_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/measure"
	"github.com/parleyhq/parley/state"
)

// replayEvents is the size of the talks of BenchmarkReplay.
var replayEvents = flag.Int("state.events", 200000, "events in the talks of BenchmarkReplay")

// replayTalks returns the bytes of n signed events of one talks: four
// parties at an open round whose heads make statements and take stances
// on an item, as in a long negotiation (the talks of the ledger's
// BenchmarkLoad).
func replayTalks(b *testing.B, n int) [][]byte {
	start := time.Now()
	origin := parley.Origin("parley.example.org", "t1")
	actor := map[string]ed25519.PrivateKey{}
	for _, name := range []string{"convener", "mediator", "p0", "p1", "p2", "p3"} {
		_, actor[name], _ = ed25519.GenerateKey(rand.Reader)
	}
	pub := func(name string) string { return parley.KeyString(actor[name].Public().(ed25519.PublicKey)) }
	t0 := time.Now().Add(-time.Duration(n) * time.Second)
	sign := func(i int, by, kind string, payload any) []byte {
		e, err := parley.NewEvent("t1", kind, actor[by].Public().(ed25519.PublicKey), t0.Add(time.Duration(i)*time.Second), payload)
		if err != nil {
			panic(err)
		}
		se, err := parley.Sign(origin, e, actor[by])
		if err != nil {
			panic(err)
		}
		return se.Bytes
	}
	var out [][]byte
	add := func(by, kind string, payload any) { out = append(out, sign(len(out), by, kind, payload)) }
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
	first := len(out)
	out = append(out, make([][]byte, n-first)...)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := first + w; i < n; i += workers {
				p := fmt.Sprint("p", i%4)
				if i%2 == 0 {
					out[i] = sign(i, p, parley.KindStatement, parley.Statement{Text: fmt.Sprintf("Statement %d on the assessment of the political situation, paragraph by paragraph.", i), Lang: "en"})
				} else {
					out[i] = sign(i, p, parley.KindSetStance, parley.SetStance{Item: "d1", Version: 1, Party: p, Stance: []string{"support", "oppose", "abstain", "ad_referendum"}[i/4%4], Reason: "Prisoner releases first."})
				}
			}
		})
	}
	wg.Wait()
	b.Logf("signed a talks of %d events in %v", n, time.Since(start).Round(time.Millisecond))
	return out
}

// BenchmarkReplay replays a talks of -state.events signed events (200,000
// by default) from their bytes, as a ledger does when it loads a talks,
// less the signatures and the Merkle tree: "apply" decodes each event
// (parley.DecodeEvent) and applies it to a new state (Talks.Apply);
// "history" decodes them all and reads the history of the record back
// (state.Replay, which also tracks the agreement after each event). Each
// reports the CPU time of the process per event, which load from other
// processes disturbs less than wall time, and events per second.
func BenchmarkReplay(b *testing.B) {
	events := replayTalks(b, *replayEvents)
	run := func(b *testing.B, replay func()) {
		runtime.GC()
		cpu0 := measure.CPUTime()
		for b.Loop() {
			replay()
		}
		n := float64(len(events)) * float64(b.N)
		b.ReportMetric(float64((measure.CPUTime()-cpu0).Nanoseconds())/n, "cpu-ns/event")
		b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("apply", func(b *testing.B) {
		run(b, func() {
			st := state.New("t1")
			for i, raw := range events {
				e, err := parley.DecodeEvent(raw)
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Apply(e, int64(i)); err != nil {
					b.Fatalf("event %d: %v", i, err)
				}
			}
		})
	})
	b.Run("history", func(b *testing.B) {
		run(b, func() {
			decoded := make([]*parley.Event, len(events))
			for i, raw := range events {
				e, err := parley.DecodeEvent(raw)
				if err != nil {
					b.Fatal(err)
				}
				decoded[i] = e
			}
			if _, _, err := state.Replay("t1", decoded); err != nil {
				b.Fatal(err)
			}
		})
	})
}

package record

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/measure"
)

// benchEvents is the size of the bundle of BenchmarkVerifyBundle. Set it
// with -record.events=N or PARLEY_BENCH_EVENTS=N; 1000000 takes a few
// minutes and a few GB of memory.
var benchEvents = flag.Int("record.events", envInt("PARLEY_BENCH_EVENTS", 20000), "events in the bundle of BenchmarkVerifyBundle and BenchmarkParseBundle")

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

var benchCache struct {
	sync.Mutex
	n    int
	b    *Bundle
	data []byte
}

// benchBundle returns a bundle of n entries: the founding of a talks, then
// statements and stances by the parties and the mediator, one in a hundred
// hidden, with a checkpoint every 4096 entries. Events are signed on all
// cores.
func benchBundle(b *testing.B, n int) (*Bundle, []byte) {
	benchCache.Lock()
	defer benchCache.Unlock()
	if benchCache.n == n {
		return benchCache.b, benchCache.data
	}
	benchCache.b, benchCache.data = nil, nil
	runtime.GC()
	start := time.Now()
	c := newCast()
	l := founded(b, c)
	first := len(l.entries)
	signed := make([]parley.SignedEvent, n-first)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			t0 := time.Date(2015, 4, 7, 0, 0, 0, 0, time.UTC)
			for i := w; i < len(signed); i += workers {
				a, kind, vis := c.gov, parley.KindStatement, ""
				var payload any = parley.Statement{Text: fmt.Sprintf("Statement %d on the assessment of the political situation, paragraph by paragraph.", i), Lang: "en"}
				switch i % 4 {
				case 1:
					a = c.opp
				case 2:
					a, kind = c.opp, parley.KindSetStance
					payload = parley.SetStance{Item: "d1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(m1)", Reason: "Prisoner releases first."}
				case 3:
					a = c.mediator
				}
				if i%100 == 99 {
					vis = parley.VisMediators
				}
				e, err := parley.NewEvent(l.talks, kind, a.pub, t0.Add(time.Duration(i)*time.Second), payload)
				if err != nil {
					panic(err)
				}
				e.Vis = vis
				if signed[i], err = parley.Sign(l.origin, e, a.priv); err != nil {
					panic(err)
				}
			}
		})
	}
	wg.Wait()
	for i, se := range signed {
		l.add(se)
		if size := first + i + 1; size%4096 == 0 && size != n {
			l.seal(b)
		}
	}
	l.seal(b)
	bundle, err := NewBundle(l.origin, l.vkey, l.entries, l.cps, nil, visibleToPublic)
	if err != nil {
		b.Fatal(err)
	}
	data, err := bundle.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built a bundle of %d entries (%d checkpoints, %d MB of JSON) in %v", n, len(l.cps), len(data)>>20, time.Since(start).Round(time.Millisecond))
	benchCache.n, benchCache.b, benchCache.data = n, bundle, data
	return bundle, data
}

// BenchmarkVerifyBundle verifies a parsed bundle of -record.events events
// with the authorization replay of the tests, on all cores. Right after, it
// measures the raw Ed25519 rate on all cores for as long, and reports the
// ratio of the two rates as "of-raw", so that both see the same load from
// other processes; "of-raw-cpu" is the same ratio in CPU time used, which
// such load disturbs less.
func BenchmarkVerifyBundle(b *testing.B) {
	n := *benchEvents
	bundle, _ := benchBundle(b, n)
	b.ResetTimer()
	cpu0 := measure.CPUTime()
	for b.Loop() {
		if _, err := Verify(bundle, newRosterAuth(), nil); err != nil {
			b.Fatal(err)
		}
	}
	cpu := measure.CPUTime() - cpu0
	events := float64(n) * float64(b.N)
	rate := events / b.Elapsed().Seconds()
	c := newCast()
	l := newTestLog(b, "moscow-2015")
	se := l.event(b, c.opp, parley.KindSetStance, parley.SetStance{Item: "d1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(m1)", Reason: "Prisoner releases first."}, "")
	raw, rawCPU := measure.VerifyRate(c.opp.pub, parley.SignedMessage(l.origin, se.Bytes), se.Sig, b.Elapsed())
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(rate/raw, "of-raw")
	b.ReportMetric(float64(cpu.Nanoseconds())/events, "cpu-ns/event")
	b.ReportMetric(rawCPU/(float64(cpu.Nanoseconds())/events), "of-raw-cpu")
	b.ReportMetric(0, "ns/op")
}

// reportCPU reports the CPU time per operation since cpu0, summed over
// threads.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((measure.CPUTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkParseBundle parses the JSON of the same bundle.
func BenchmarkParseBundle(b *testing.B) {
	n := *benchEvents
	_, data := benchBundle(b, n)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseBundle(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkEd25519Verify is the raw rate of crypto/ed25519 on a message the
// size of a bundle's events, on one core and on all.
func BenchmarkEd25519Verify(b *testing.B) {
	c := newCast()
	l := newTestLog(b, "moscow-2015")
	se := l.event(b, c.opp, parley.KindSetStance, parley.SetStance{Item: "d1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(m1)", Reason: "Prisoner releases first."}, "")
	msg := parley.SignedMessage(l.origin, se.Bytes)
	b.Run("single", func(b *testing.B) {
		cpu0 := measure.CPUTime()
		for b.Loop() {
			if !ed25519.Verify(c.opp.pub, msg, se.Sig) {
				b.Fatal("signature does not verify")
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
		reportCPU(b, cpu0)
	})
	b.Run("parallel", func(b *testing.B) {
		cpu0 := measure.CPUTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !ed25519.Verify(c.opp.pub, msg, se.Sig) {
					panic("signature does not verify")
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
		reportCPU(b, cpu0)
	})
}

// BenchmarkAppendHashes is the cost per appended entry of computing what a
// Store keeps: the leaf commitment and tlog's stored hashes, against
// keeping the leaf alone.
func BenchmarkAppendHashes(b *testing.B) {
	c := newCast()
	l := newTestLog(b, "moscow-2015")
	se := l.event(b, c.gov, parley.KindStatement, parley.Statement{Text: "A statement of ordinary length for the record."}, "")
	salt := NewSalt()
	b.Run("none", func(b *testing.B) {
		var leaves []parley.Hash
		for b.Loop() {
			leaves = append(leaves, parley.Hash{})
		}
	})
	b.Run("StoredHashes", func(b *testing.B) {
		var t memTree
		leaf := LeafHash(salt, se.Bytes, se.Sig)
		for b.Loop() {
			hs, err := tlog.StoredHashesForRecordHash(t.size, tlog.Hash(leaf), t.reader())
			if err != nil {
				b.Fatal(err)
			}
			t.hashes = append(t.hashes, hs...)
			t.size++
		}
	})
	b.Run("LeafHash+StoredHashes", func(b *testing.B) {
		var t memTree
		for b.Loop() {
			hs, err := tlog.StoredHashesForRecordHash(t.size, tlog.Hash(LeafHash(salt, se.Bytes, se.Sig)), t.reader())
			if err != nil {
				b.Fatal(err)
			}
			t.hashes = append(t.hashes, hs...)
			t.size++
		}
	})
}

// BenchmarkEntryChecks splits the per-event cost of Verify on one core:
// decoding (parley.DecodeEvent, of which parley.CheckJSON), the signature,
// and the leaf commitment.
func BenchmarkEntryChecks(b *testing.B) {
	c := newCast()
	l := newTestLog(b, "moscow-2015")
	se := l.event(b, c.opp, parley.KindSetStance, parley.SetStance{Item: "d1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(m1)", Reason: "Prisoner releases first."}, "")
	salt := NewSalt()
	b.Run("DecodeEvent", func(b *testing.B) {
		cpu0 := measure.CPUTime()
		for b.Loop() {
			if _, err := parley.DecodeEvent(se.Bytes); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("CheckJSON", func(b *testing.B) {
		cpu0 := measure.CPUTime()
		for b.Loop() {
			if err := parley.CheckJSON(se.Bytes); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("Ed25519Verify", func(b *testing.B) {
		cpu0 := measure.CPUTime()
		for b.Loop() {
			if !ed25519.Verify(c.opp.pub, parley.SignedMessage(l.origin, se.Bytes), se.Sig) {
				b.Fatal("signature does not verify")
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("LeafHash", func(b *testing.B) {
		cpu0 := measure.CPUTime()
		for b.Loop() {
			LeafHash(salt, se.Bytes, se.Sig)
		}
		reportCPU(b, cpu0)
	})
}

package ledger_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/measure"
)

// The benchmarks use a talks at the scale of DESIGN.md §7: 200 parties and
// 5,000 items, on SQLite with synchronous=FULL. Setting it up takes a few
// seconds, once for each medium.
const (
	benchParties = 200
	benchItems   = 5000
)

// The media the benchmark talks are stored on: the disk of the temporary
// directory, and memory (Linux's /dev/shm, a tmpfs, where a sync returns at
// once), so that the same run shows what waiting for the disk costs.
const (
	onDisk   = "disk"
	inMemory = "memory"
)

// benchFixture sets up the benchmark talks on a medium; it lasts as long
// as b. Where the medium is missing, it skips b.
func benchFixture(b *testing.B, medium string) *fixture {
	var dir string
	switch medium {
	case onDisk:
		dir = b.TempDir()
	case inMemory:
		if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
			b.Skip("no /dev/shm here to keep the talks in memory")
		}
		d, err := os.MkdirTemp("/dev/shm", "parley-bench-")
		if err != nil {
			b.Skipf("cannot keep the talks in /dev/shm: %v", err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	f := newFixtureIn(b, dir, benchParties)
	// Items are added with their first version in large batches.
	ctx := context.Background()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := 0; i < benchItems; i++ {
		id := fmt.Sprintf("I%d", i)
		f.must(b, "mediator", parley.KindAddItem, parley.AddItem{Item: id, Title: "Item " + id, Kind: parley.ItemDocument})
		se := f.sign(b, "mediator", parley.KindTableVersion, parley.TableVersion{Item: id, Version: 1, Paragraphs: []string{"Paragraph of " + id + "."}})
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := f.l.Append(ctx, se); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return f
}

// stances signs n stance events by random parties on random items.
func (f *fixture) stances(b *testing.B, n int) []parley.SignedEvent {
	out := make([]parley.SignedEvent, n)
	for i := range out {
		p := fmt.Sprintf("p%d", mrand.IntN(benchParties))
		it := fmt.Sprintf("I%d", mrand.IntN(benchItems))
		st := []string{"support", "oppose", "abstain", "ad_referendum"}[mrand.IntN(4)]
		out[i] = f.sign(b, p, parley.KindSetStance, parley.SetStance{Item: it, Version: 1, Party: p, Stance: st})
	}
	return out
}

// BenchmarkAppend measures durable appends of signed stances per second by
// 1 and 16 concurrent writers: each append is checked (signature, role,
// state), hashed into the Merkle log, committed with synchronous=FULL and
// acknowledged with a receipt. Right after the appends it measures the raw
// Ed25519 rate on all cores for as long, on one of the stances, and
// reports the ratio of the two rates as "of-raw", so that both see the same
// load from other processes; "cpu-us/append" is the CPU time of the
// process per append. The talks is kept on the disk, where "sync-us" is the
// median time the disk then took to sync a written page, and in memory,
// where a sync costs nothing: the difference is the price of the disk.
func BenchmarkAppend(b *testing.B) {
	for _, medium := range []string{onDisk, inMemory} {
		b.Run("medium="+medium, func(b *testing.B) {
			f := benchFixture(b, medium)
			for _, writers := range []int{1, 16} {
				b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
					benchAppend(b, f, writers)
					if medium == onDisk {
						d, err := measure.SyncTime(f.dir, 200)
						if err != nil {
							b.Fatal(err)
						}
						b.ReportMetric(float64(d.Nanoseconds())/1e3, "sync-us")
					}
				})
			}
		})
	}
}

// benchAppend appends b.N stances to the talks of f with writers
// concurrent writers and reports the rates.
func benchAppend(b *testing.B, f *fixture, writers int) {
	events := f.stances(b, b.N)
	ch := make(chan parley.SignedEvent, len(events))
	for _, se := range events {
		ch <- se
	}
	close(ch)
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := measure.CPUTime()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for se := range ch {
				if _, err := f.l.Append(ctx, se); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu := measure.CPUTime() - cpu0
	rate := float64(b.N) / b.Elapsed().Seconds()
	e, err := parley.DecodeEvent(events[0].Bytes)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := measure.VerifyRate(e.ActorKey(), parley.SignedMessage(f.l.Origin(e.Talks), events[0].Bytes), events[0].Sig, b.Elapsed())
	b.ReportMetric(rate, "appends/s")
	b.ReportMetric(rate/raw, "of-raw")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/append")
}

// BenchmarkEd25519Verify is the raw signature verification rate of
// crypto/ed25519 on messages of the size of a stance event, on one core and
// on all of them, the baseline for BenchmarkAppend.
func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 400)
	sig := ed25519.Sign(priv, msg)
	b.Run("cores=1", func(b *testing.B) {
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("does not verify")
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	})
	b.Run("cores=all", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !ed25519.Verify(pub, msg, sig) {
					b.Error("does not verify")
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	})
}

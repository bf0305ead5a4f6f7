package postgres

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// BenchmarkAppend appends batches of signed events of a few hundred bytes
// to one talks, as a server grouping the acts that arrive together into one
// commit would, with the server's default synchronous_commit. The seal
// formats the checkpoint note but does not sign it, so that the numbers are
// the store's. It reports entries per second, comparable with
// sqlite.BenchmarkAppend.
//
// The parallel variants append from two stores (two pools, as two server
// processes would have), with two appenders each, to the same talks: each
// reads the size, appends, and tries again when stale. They also report the
// stale tries per append.
func BenchmarkAppend(b *testing.B) {
	const talks = "bench"
	// Entries made once; each append gives them fresh nonces.
	templates := storetest.NewEntries(talks, "bench", 0, 256)
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			ctx := b.Context()
			s := openStore(b, newSchema(b, false))
			seal := storetest.Seal(talks)
			entries := make([]parley.Entry, batch)
			var size int64
			for b.Loop() {
				for i := range entries {
					entries[i] = templates[(size+int64(i))%int64(len(templates))]
					entries[i].Nonce = strconv.FormatInt(size+int64(i), 36)
				}
				if _, err := s.Append(ctx, talks, size, entries, seal); err != nil {
					b.Fatal(err)
				}
				size += int64(batch)
			}
			b.ReportMetric(float64(size)/b.Elapsed().Seconds(), "entries/s")
		})
	}
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprint("parallel/stores=2/batch=", batch), func(b *testing.B) {
			const appenders = 2 // per store
			ctx := b.Context()
			schema := newSchema(b, false)
			stores := []*Store{openStore(b, schema), openStore(b, schema)}
			seal := storetest.Seal(talks)
			var (
				next, appended, stale atomic.Int64
				wg                    sync.WaitGroup
				failed                atomic.Pointer[error]
			)
			// b.N appends in all, shared by the appenders.
			var todo atomic.Int64
			b.ResetTimer()
			todo.Store(int64(b.N))
			for _, s := range stores {
				for range appenders {
					wg.Go(func() {
						entries := make([]parley.Entry, batch)
						for todo.Add(-1) >= 0 {
							for i := range entries {
								n := next.Add(1)
								entries[i] = templates[n%int64(len(templates))]
								entries[i].Nonce = strconv.FormatInt(n, 36)
							}
							for {
								at, err := s.Size(ctx, talks)
								if err == nil {
									_, err = s.Append(ctx, talks, at, entries, seal)
								}
								if errors.Is(err, parley.ErrStale) {
									stale.Add(1)
									continue
								}
								if err != nil {
									failed.CompareAndSwap(nil, &err)
									return
								}
								appended.Add(int64(batch))
								break
							}
						}
					})
				}
			}
			wg.Wait()
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			b.ReportMetric(float64(appended.Load())/b.Elapsed().Seconds(), "entries/s")
			b.ReportMetric(float64(stale.Load())/float64(b.N), "stale/op")
		})
	}
}

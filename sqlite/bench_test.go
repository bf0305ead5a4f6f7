package sqlite

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// BenchmarkAppend appends batches of signed events of a few hundred bytes
// to one talks in a database file with synchronous=FULL, as a server
// grouping the acts that arrive together into one commit would. The seal
// formats the checkpoint note but does not sign it, so that the numbers are
// the store's. It reports entries per second.
func BenchmarkAppend(b *testing.B) {
	const talks = "bench"
	// Entries made once; each append gives them fresh nonces.
	templates := storetest.NewEntries(talks, "bench", 0, 256)
	for _, batch := range []int{1, 8, 64} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			ctx := b.Context()
			s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
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
}

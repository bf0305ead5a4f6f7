package postgres

import (
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// neededHashes finds exactly the stored hashes of the log before an
// append that tlog reads to hash the appended entries and the new root.
func TestNeededHashes(t *testing.T) {
	const maxSize = 300
	var hashes []tlog.Hash
	reader := func(read func(int64)) tlog.HashReader {
		return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(indexes))
			for i, k := range indexes {
				read(k)
				out[i] = hashes[k]
			}
			return out, nil
		})
	}
	for n := int64(0); n < maxSize; n++ {
		hs, err := tlog.StoredHashesForRecordHash(n, tlog.RecordHash([]byte{byte(n), byte(n >> 8)}), reader(func(int64) {}))
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}

	sizes := []int64{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 100, 127, 128, 129, 200}
	for _, at := range sizes {
		for _, n := range []int{1, 2, 3, 5, 8, 13, 64} {
			if at+int64(n) > maxSize {
				continue
			}
			first := tlog.StoredHashIndex(0, at)
			var read []int64
			r := reader(func(k int64) {
				if k < first && !slices.Contains(read, k) {
					read = append(read, k)
				}
			})
			// What an append reads, computed as the store does.
			for i := range int64(n) {
				if _, err := tlog.StoredHashesForRecordHash(at+i, tlog.RecordHash([]byte{byte(at + i), byte((at + i) >> 8)}), r); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := tlog.TreeHash(at+int64(n), r); err != nil {
				t.Fatal(err)
			}
			got, err := neededHashes(at, n)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			slices.Sort(read)
			if !slices.Equal(got, read) {
				t.Errorf("neededHashes(%d, %d) = %v, want %v", at, n, got, read)
			}
		}
	}
}

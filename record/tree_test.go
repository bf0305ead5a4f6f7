package record

import (
	"crypto/sha256"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// memTree is a Merkle log in memory: the stored hashes of tlog, by storage
// index, as a Store keeps them.
type memTree struct {
	hashes []tlog.Hash
	size   int64
}

func (t *memTree) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(t.hashes)) {
				return nil, fmt.Errorf("hash %d is not stored (%d hashes)", x, len(t.hashes))
			}
			out[i] = t.hashes[x]
		}
		return out, nil
	})
}

// add appends a leaf hash, storing the hashes tlog.StoredHashes would.
func (t *memTree) add(leaf parley.Hash) {
	hs, err := tlog.StoredHashesForRecordHash(t.size, tlog.Hash(leaf), t.reader())
	if err != nil {
		panic(err)
	}
	t.hashes = append(t.hashes, hs...)
	t.size++
}

// root returns the tree hash at size n.
func (t *memTree) root(n int64) parley.Hash {
	h, err := tlog.TreeHash(n, t.reader())
	if err != nil {
		panic(err)
	}
	return parley.Hash(h)
}

// leafOf returns a distinct leaf hash for a test tree.
func leafOf(tag string, i int) parley.Hash {
	return parley.Hash(tlog.RecordHash(fmt.Appendf(nil, "%s %d", tag, i)))
}

// newTree returns a tree of n leaves derived from tag.
func newTree(tag string, n int) *memTree {
	t := new(memTree)
	for i := range n {
		t.add(leafOf(tag, i))
	}
	return t
}

func sum(s string) parley.Hash { return sha256.Sum256([]byte(s)) }

package record

import (
	"errors"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

func hashBytes[H ~[32]byte](hs []H) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// TestInclusionAllPairs proves every leaf in every tree of up to 64 leaves
// and checks each proof with CheckInclusion and with the independent
// implementation in github.com/transparency-dev/merkle; both must refuse
// the proof once one of its hashes is flipped, or for another leaf.
func TestInclusionAllPairs(t *testing.T) {
	const max = 64
	tree := newTree("incl", max)
	for size := int64(1); size <= max; size++ {
		root := tree.root(size)
		for i := int64(0); i < size; i++ {
			leaf := leafOf("incl", int(i))
			p, err := ProveInclusion(tree.reader(), i, size)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", i, size, err)
			}
			if err := CheckInclusion(p, i, size, leaf, root); err != nil {
				t.Errorf("CheckInclusion(%d, %d): %v", i, size, err)
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(size), leaf[:], hashBytes(p), root[:]); err != nil {
				t.Errorf("merkle VerifyInclusion(%d, %d): %v", i, size, err)
			}
			other := leafOf("other", int(i))
			if CheckInclusion(p, i, size, other, root) == nil {
				t.Errorf("CheckInclusion(%d, %d) accepts another leaf", i, size)
			}
			for j := range p {
				bad := append(tlog.RecordProof(nil), p...)
				bad[j][j%32] ^= 1
				if CheckInclusion(bad, i, size, leaf, root) == nil {
					t.Errorf("CheckInclusion(%d, %d) accepts a proof with hash %d flipped", i, size, j)
				}
				if proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(size), leaf[:], hashBytes(bad), root[:]) == nil {
					t.Errorf("merkle VerifyInclusion(%d, %d) accepts a proof with hash %d flipped", i, size, j)
				}
			}
			if size > 1 && CheckInclusion(p[:len(p)-1], i, size, leaf, root) == nil {
				t.Errorf("CheckInclusion(%d, %d) accepts a shortened proof", i, size)
			}
			if CheckInclusion(append(p, tlog.Hash{}), i, size, leaf, root) == nil {
				t.Errorf("CheckInclusion(%d, %d) accepts a lengthened proof", i, size)
			}
		}
	}
}

// TestConsistencyAllPairs proves every (n, m) pair with 1 ≤ n ≤ m ≤ 64 and
// checks each proof with CheckConsistency, with the merkle package, and
// with impliedRoots; a flipped hash must be refused by both checkers.
func TestConsistencyAllPairs(t *testing.T) {
	const max = 64
	tree := newTree("cons", max)
	for m := int64(1); m <= max; m++ {
		rootM := tree.root(m)
		for n := int64(1); n <= m; n++ {
			rootN := tree.root(n)
			p, err := ProveConsistency(tree.reader(), n, m)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", n, m, err)
			}
			if err := CheckConsistency(p, n, rootN, m, rootM); err != nil {
				t.Errorf("CheckConsistency(%d, %d): %v", n, m, err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(n), uint64(m), hashBytes(p), rootN[:], rootM[:]); err != nil {
				t.Errorf("merkle VerifyConsistency(%d, %d): %v", n, m, err)
			}
			if n < m {
				o, nw, ok := impliedRoots(p, n, m, tlog.Hash(rootN))
				if !ok || o != tlog.Hash(rootN) || nw != tlog.Hash(rootM) {
					t.Errorf("impliedRoots(%d, %d) = %v, %v, %v; want the two roots", n, m, o, nw, ok)
				}
				if CheckConsistency(p, n, sum("x"), m, rootM) == nil {
					t.Errorf("CheckConsistency(%d, %d) accepts another old root", n, m)
				}
			}
			for j := range p {
				bad := append(tlog.TreeProof(nil), p...)
				bad[j][0] ^= 0x80
				if CheckConsistency(bad, n, rootN, m, rootM) == nil {
					t.Errorf("CheckConsistency(%d, %d) accepts a proof with hash %d flipped", n, m, j)
				}
				if proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(n), uint64(m), hashBytes(bad), rootN[:], rootM[:]) == nil {
					t.Errorf("merkle VerifyConsistency(%d, %d) accepts a proof with hash %d flipped", n, m, j)
				}
			}
			if CheckConsistency(append(p, tlog.Hash{}), n, rootN, m, rootM) == nil {
				t.Errorf("CheckConsistency(%d, %d) accepts a lengthened proof", n, m)
			}
		}
	}
}

func TestConsistencyEdges(t *testing.T) {
	tree := newTree("edge", 8)
	if _, err := ProveConsistency(tree.reader(), 0, 8); !errors.Is(err, ErrEmptyTree) {
		t.Errorf("ProveConsistency(0, 8) = %v, want ErrEmptyTree", err)
	}
	if err := CheckConsistency(nil, 0, parley.Hash{}, 8, tree.root(8)); !errors.Is(err, ErrEmptyTree) {
		t.Errorf("CheckConsistency(0, 8) = %v, want ErrEmptyTree", err)
	}
	if _, err := ProveConsistency(tree.reader(), 5, 3); err == nil {
		t.Error("ProveConsistency(5, 3) succeeded")
	}
	if err := CheckConsistency(nil, 5, tree.root(5), 3, tree.root(3)); err == nil {
		t.Error("CheckConsistency(5, 3) succeeded")
	}
	if err := CheckConsistency(nil, 4, tree.root(4), 4, tree.root(4)); err != nil {
		t.Errorf("CheckConsistency(4, 4) of one root: %v", err)
	}
	if err := CheckConsistency(nil, 4, tree.root(4), 4, tree.root(5)); err == nil {
		t.Error("CheckConsistency(4, 4) accepts two roots")
	}
	if _, err := ProveInclusion(tree.reader(), 8, 8); err == nil {
		t.Error("ProveInclusion(8, 8) succeeded")
	}
	if _, err := ProveInclusion(tree.reader(), -1, 8); err == nil {
		t.Error("ProveInclusion(-1, 8) succeeded")
	}
}

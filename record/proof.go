package record

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// ErrEmptyTree is returned for a consistency proof from the empty tree:
// every tree extends it, so such a proof proves nothing, and a witness or
// client that has seen no checkpoint yet has nothing to check against.
var ErrEmptyTree = errors.New("no consistency proof from an empty tree (size 0): start from the first checkpoint you hold")

// ProveInclusion returns the RFC 6962 inclusion proof (audit path) of the
// leaf at index in the tree of the given size, reading stored hashes from
// r.
func ProveInclusion(r tlog.HashReader, index, size int64) (tlog.RecordProof, error) {
	if index < 0 || index >= size {
		return nil, fmt.Errorf("no inclusion proof of leaf %d in a tree of size %d: the index must be in [0, size)", index, size)
	}
	p, err := tlog.ProveRecord(size, index, r)
	if err != nil {
		return nil, fmt.Errorf("proving leaf %d in the tree of size %d: %w", index, size, err)
	}
	return p, nil
}

// CheckInclusion checks that p proves that the tree of the given size and
// root holds leaf at index.
func CheckInclusion(p tlog.RecordProof, index, size int64, leaf, root parley.Hash) error {
	if index < 0 || index >= size {
		return fmt.Errorf("leaf %d cannot be in a tree of size %d", index, size)
	}
	if err := tlog.CheckRecord(p, size, tlog.Hash(root), index, tlog.Hash(leaf)); err != nil {
		return fmt.Errorf("the inclusion proof of leaf %d in the tree of size %d does not verify", index, size)
	}
	return nil
}

// ProveConsistency returns the RFC 6962 consistency proof that the tree of
// size m extends the tree of size n, reading stored hashes from r. For
// n == m the proof is empty. n must be at least 1 (see ErrEmptyTree) and at
// most m.
func ProveConsistency(r tlog.HashReader, n, m int64) (tlog.TreeProof, error) {
	if err := checkSizes(n, m); err != nil {
		return nil, err
	}
	p, err := tlog.ProveTree(m, n, r)
	if err != nil {
		return nil, fmt.Errorf("proving that size %d extends size %d: %w", m, n, err)
	}
	return p, nil
}

// CheckConsistency checks that p proves that the tree of size m with root
// rootM extends the tree of size n with root rootN. For n == m it checks
// that the roots are equal and the proof empty.
func CheckConsistency(p tlog.TreeProof, n int64, rootN parley.Hash, m int64, rootM parley.Hash) error {
	if err := checkSizes(n, m); err != nil {
		return err
	}
	if err := tlog.CheckTree(p, m, tlog.Hash(rootM), n, tlog.Hash(rootN)); err != nil {
		if n == m {
			return fmt.Errorf("two trees of size %d have different roots", n)
		}
		return fmt.Errorf("the consistency proof from size %d to size %d does not verify", n, m)
	}
	return nil
}

func checkSizes(n, m int64) error {
	switch {
	case n == 0:
		return ErrEmptyTree
	case n < 0 || m < 0:
		return fmt.Errorf("tree sizes cannot be negative (%d, %d)", n, m)
	case n > m:
		return fmt.Errorf("a tree of size %d cannot extend one of size %d: give the smaller size first", m, n)
	}
	return nil
}

// impliedRoots runs the consistency proof p from size n to size m,
// 0 < n < m, as RFC 9162 §2.1.4.2 does, and returns the roots it implies
// for both trees. When n is a power of two, p does not hold the old root;
// seed stands in for it. ok is false when p has the wrong length.
//
// CheckConsistency does not use it. It serves to tell a proof that is
// merely wrong from one that shows a fork: a proof whose new root matches a
// signed checkpoint and whose old root does not is evidence that the two
// trees differ.
func impliedRoots(p tlog.TreeProof, n, m int64, seed tlog.Hash) (oldRoot, newRoot tlog.Hash, ok bool) {
	if n <= 0 || n >= m {
		return tlog.Hash{}, tlog.Hash{}, false
	}
	if n&(n-1) == 0 {
		p = append(tlog.TreeProof{seed}, p...)
	}
	if len(p) == 0 {
		return tlog.Hash{}, tlog.Hash{}, false
	}
	fn, sn := n-1, m-1
	for fn&1 == 1 {
		fn, sn = fn>>1, sn>>1
	}
	fr, sr := p[0], p[0]
	for _, c := range p[1:] {
		if sn == 0 {
			return tlog.Hash{}, tlog.Hash{}, false
		}
		if fn&1 == 1 || fn == sn {
			fr, sr = tlog.NodeHash(c, fr), tlog.NodeHash(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			sr = tlog.NodeHash(sr, c)
		}
		fn, sn = fn>>1, sn>>1
	}
	return fr, sr, sn == 0
}

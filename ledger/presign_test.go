package ledger

import (
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/storetest"
)

// TestPresign checks the SealFunc of presign: the checkpoint it signed in
// advance for the expected size and root, and a refusal (code corrupt) of
// anything else a store might ask for: a store that computes another tree
// holds another log than the one the ledger checked.
func TestPresign(t *testing.T) {
	const origin = "parley.test/talks/t1"
	skey, vkey, err := record.GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := record.NewSealer(skey)
	if err != nil {
		t.Fatal(err)
	}
	lg := &talksLog{id: "t1", origin: origin, sealer: sealer, vkey: vkey}
	if err := lg.extend(storetest.NewEntries("t1", "a", 0, 5), parley.Checkpoint{}); err != nil {
		t.Fatal(err)
	}
	before := len(lg.hashes)
	entries := storetest.NewEntries("t1", "a", 5, 3)
	var leaves []tlog.Hash
	for _, e := range storetest.NewEntries("t1", "a", 0, 8) {
		leaves = append(leaves, tlog.Hash(e.Leaf))
	}
	want := merkleRoot(leaves)

	for _, tc := range []struct {
		name string
		size int64
		root parley.Hash
		ok   bool
	}{
		{"the expected size and root", 8, parley.Hash(want), true},
		{"another root", 8, parley.Hash{1}, false},
		{"another size", 7, parley.Hash(want), false},
	} {
		added, root, seal := lg.presign(entries)
		if root != parley.Hash(want) {
			t.Errorf("%s: presign computed root %x, want %x", tc.name, root, parley.Hash(want))
		}
		if len(lg.hashes) != before {
			t.Fatalf("presign changed the tree: %d stored hashes, want %d", len(lg.hashes), before)
		}
		if got := int64(before + len(added)); got != tlog.StoredHashCount(8) {
			t.Errorf("%s: presign added %d hashes to %d, want %d in all", tc.name, len(added), before, tlog.StoredHashCount(8))
		}
		note, err := seal(tc.size, tc.root)
		if !tc.ok {
			if parley.ErrorCode(err) != parley.ECORRUPT || note != nil {
				t.Errorf("%s: sealed %q, %v; want nothing and an error with code %s", tc.name, note, err, parley.ECORRUPT)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		cp, err := record.OpenCheckpoint(note, vkey)
		if err != nil {
			t.Fatalf("%s: the note does not open: %v", tc.name, err)
		}
		if cp.Size != tc.size || cp.Root != tc.root {
			t.Errorf("%s: sealed size %d, root %x; want %d, %x", tc.name, cp.Size, cp.Root, tc.size, tc.root)
		}
		// A store may call the SealFunc again; it must answer again.
		again, err := seal(tc.size, tc.root)
		if err != nil {
			t.Fatalf("%s: sealing a second time: %v", tc.name, err)
		}
		if cp2, err := record.OpenCheckpoint(again, vkey); err != nil || cp2.Size != tc.size || cp2.Root != tc.root {
			t.Errorf("%s: the second seal gave %+v, %v", tc.name, cp2, err)
		}
	}
}

// merkleRoot is the RFC 6962 root of leaf hashes, computed by the
// definition.
func merkleRoot(leaves []tlog.Hash) tlog.Hash {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1
	for 2*k < len(leaves) {
		k *= 2
	}
	return tlog.NodeHash(merkleRoot(leaves[:k]), merkleRoot(leaves[k:]))
}

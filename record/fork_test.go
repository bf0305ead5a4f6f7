package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// forkedLogs returns a log of n entries and a fork of it that shares the
// first k entries and then differs, up to size m.
func forkedLogs(t testing.TB, k, n, m int) (*testLog, *testLog) {
	c := newCast()
	l := newTestLog(t, "moscow-2015")
	for i := range n {
		l.statement(t, c.gov, fmt.Sprint("main ", i))
	}
	f := l.fork(k)
	for i := k; i < m; i++ {
		f.statement(t, c.opp, fmt.Sprint("fork ", i))
	}
	return l, f
}

func sealAt(t testing.TB, l *testLog, n int) []byte {
	t.Helper()
	note, err := l.sealer.Seal(int64(n), l.tree.root(int64(n)))
	if err != nil {
		t.Fatal(err)
	}
	return note
}

// TestProveForkAllPairs forks a log after k entries and compares every
// checkpoint of the main log (size n) with every one of the fork (size m):
// they conflict exactly when both go beyond the common prefix.
func TestProveForkAllPairs(t *testing.T) {
	const k, max = 5, 17
	l, f := forkedLogs(t, k, max, max)
	for n := 1; n <= max; n++ {
		a := sealAt(t, l, n)
		for m := n; m <= max; m++ {
			b := sealAt(t, f, m)
			ev, err := ProveFork(f.tree.reader(), a, b, l.vkey)
			if err != nil {
				t.Fatalf("ProveFork(%d, %d): %v", n, m, err)
			}
			if want := n > k; (ev != nil) != want {
				t.Errorf("ProveFork(%d, %d) = %+v, want evidence: %v", n, m, ev, want)
				continue
			}
			if ev == nil {
				continue
			}
			if err := ev.Verify(l.vkey); err != nil {
				t.Errorf("ProveFork(%d, %d): the evidence does not verify: %v", n, m, err)
			}
			// With the fork's consistency proof, CheckFork finds the
			// same fork unless n is a power of two.
			if n < m {
				p, _ := ProveConsistency(f.tree.reader(), int64(n), int64(m))
				ev2, err := CheckFork(a, b, l.vkey, p)
				if n&(n-1) == 0 {
					if ev2 != nil || err == nil {
						t.Errorf("CheckFork(%d, %d) = %v, %v; want no evidence and an error", n, m, ev2, err)
					}
				} else if ev2 == nil || ev2.Verify(l.vkey) != nil {
					t.Errorf("CheckFork(%d, %d) = %v, %v; want evidence", n, m, ev2, err)
				}
			}
		}
	}
}

func TestCheckFork(t *testing.T) {
	l, f := forkedLogs(t, 3, 10, 10)
	a6, b6, a8 := sealAt(t, l, 6), sealAt(t, f, 6), sealAt(t, l, 8)
	if ev, err := CheckFork(a6, a6, l.vkey, nil); ev != nil || err != nil {
		t.Errorf("one checkpoint twice: %v, %v", ev, err)
	}
	p, _ := ProveConsistency(l.tree.reader(), 6, 8)
	if ev, err := CheckFork(a8, a6, l.vkey, p); ev != nil || err != nil {
		t.Errorf("consistent checkpoints: %v, %v", ev, err)
	}
	ev, err := CheckFork(a6, b6, l.vkey, nil)
	if err != nil || ev == nil || ev.Reason != ForkSameSize {
		t.Fatalf("same size: %v, %v", ev, err)
	}
	if err := ev.Verify(l.vkey); err != nil {
		t.Error(err)
	}
	if err := ev.Verify(newTestLog(t, "moscow-2015").vkey); err == nil {
		t.Error("the evidence verifies with another log's key")
	}
	if _, err := CheckFork(a6, sealAt(t, l, 0), l.vkey, nil); err == nil {
		t.Error("CheckFork with an empty tree succeeded")
	}

	// The JSON form round-trips, and every byte of it matters.
	for _, ev := range []*ForkEvidence{ev, mustProveFork(t, f, a6, sealAt(t, f, 9), l.vkey)} {
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var back ForkEvidence
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("decoding %s: %v", data, err)
		}
		if err := back.Verify(l.vkey); err != nil {
			t.Errorf("the evidence after JSON: %v", err)
		}
		for i := range data {
			bad := []byte(string(data))
			bad[i] ^= 0x01
			var ev ForkEvidence
			if json.Unmarshal(bad, &ev) == nil && ev.Verify(l.vkey) == nil {
				t.Errorf("the evidence verifies with byte %d flipped: %s", i, bad)
			}
		}
	}
	// A swapped pair is not evidence.
	ev = mustProveFork(t, f, a6, sealAt(t, f, 9), l.vkey)
	ev.A, ev.B = ev.B, ev.A
	if err := ev.Verify(l.vkey); err == nil {
		t.Error("evidence with a and b swapped verifies")
	}
	if !strings.Contains((&ForkError{mustProveFork(t, f, a6, sealAt(t, f, 9), l.vkey)}).Error(), "size 9") {
		t.Error("the fork error does not name the sizes")
	}
}

func mustProveFork(t testing.TB, f *testLog, a, b []byte, vkey string) *ForkEvidence {
	t.Helper()
	ev, err := ProveFork(f.tree.reader(), a, b, vkey)
	if err != nil || ev == nil {
		t.Fatalf("ProveFork = %v, %v", ev, err)
	}
	return ev
}

// TestImpliedRootsProperty checks that a proof from another tree that shares
// the new root... never exists: for random trees and sizes, the roots that
// impliedRoots reads from a genuine proof are the two trees' roots.
func TestImpliedRootsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.Int64Range(2, 300).Draw(t, "m")
		n := rapid.Int64Range(1, m-1).Draw(t, "n")
		tree := newTree(rapid.String().Draw(t, "tag"), int(m))
		p, err := ProveConsistency(tree.reader(), n, m)
		if err != nil {
			t.Fatal(err)
		}
		old, root, ok := impliedRoots(p, n, m, [32]byte(tree.root(n)))
		if !ok || old != [32]byte(tree.root(n)) || root != [32]byte(tree.root(m)) {
			t.Fatalf("impliedRoots(%d, %d) = %x, %x, %v", n, m, old, root, ok)
		}
		if _, _, ok := impliedRoots(append(p, p[0]), n, m, [32]byte{}); ok {
			t.Fatalf("impliedRoots(%d, %d) accepts a proof one hash too long", n, m)
		}
	})
}

// TestForkEvidenceMembers: evidence has exactly the members of its
// reason; an empty proof is a proof, refused on same_size evidence.
func TestForkEvidenceMembers(t *testing.T) {
	l, f := forkedLogs(t, 3, 10, 10)
	ev, err := CheckFork(sealAt(t, l, 6), sealAt(t, f, 6), l.vkey, nil)
	if err != nil || ev == nil {
		t.Fatal(ev, err)
	}
	good, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back ForkEvidence
	if err := json.Unmarshal(good, &back); err != nil {
		t.Fatalf("same_size evidence as written: %v", err)
	}
	s := strings.TrimSuffix(string(good), "}")
	for name, bad := range map[string]string{
		"same_size with an empty proof": s + `,"proof":[]}`,
		"same_size with a prefix":       s + `,"prefix":"` + b64(make([]byte, 32)) + `"}`,
		"not_a_prefix without proof":    strings.Replace(s, `"same_size"`, `"not_a_prefix"`, 1) + `,"prefix":"` + b64(make([]byte, 32)) + `"}`,
		"not_a_prefix without prefix":   strings.Replace(s, `"same_size"`, `"not_a_prefix"`, 1) + `,"proof":[]}`,
	} {
		var x ForkEvidence
		if err := json.Unmarshal([]byte(bad), &x); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// TestCheckpointTwoLinesByOneKey: a checkpoint with two signature lines
// by one key, known or not, is refused whatever the signatures say.
func TestCheckpointTwoLinesByOneKey(t *testing.T) {
	l, _ := forkedLogs(t, 3, 10, 10)
	note := sealAt(t, l, 6)
	line := func(b byte) string {
		sig := make([]byte, 4+8+64)
		sig[0], sig[1], sig[2], sig[3] = 0x12, 0x34, 0x56, 0x78
		sig[11] = b // another timestamp
		return "— someone.example " + b64(sig) + "\n"
	}
	for name, bad := range map[string]string{
		"two lines by one unknown key": string(note) + line(1) + line(2),
		"the log's line twice":         string(note) + string(note[bytes.Index(note, []byte("\n\n"))+2:]),
	} {
		if _, err := OpenCheckpoint([]byte(bad), l.vkey); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

package record

import (
	"strings"
	"testing"
)

func TestTLogProof(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	l.statement(t, c.opp, "We reserve our position.")
	l.seal(t)
	for i, e := range l.entries {
		data := receiptOf(t, l, i).MarshalProof()
		if !strings.HasPrefix(string(data), "c2sp.org/tlog-proof@v1\nextra ") {
			t.Fatalf("proof = %q, want the tlog-proof header and extra line", data)
		}
		r, err := VerifyProof(data, l.vkey)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if r.Leaf != e.Leaf || r.Index != int64(i) || r.Origin != l.origin {
			t.Errorf("entry %d: VerifyProof = leaf %x index %d origin %s, want %x %d %s", i, r.Leaf, r.Index, r.Origin, e.Leaf, i, l.origin)
		}
		if err := r.Verify(l.vkey, e.Event, e.Sig, e.Salt); err != nil {
			t.Errorf("entry %d: the proof does not prove the event: %v", i, err)
		}
	}
	data := receiptOf(t, l, 3).MarshalProof()
	for i := range data {
		bad := []byte(string(data))
		bad[i] ^= 0x01
		if r, err := VerifyProof(bad, l.vkey); err == nil {
			t.Errorf("VerifyProof accepts the proof with byte %d flipped, proving leaf %x at %d", i, r.Leaf, r.Index)
		}
	}
	if _, err := VerifyProof(data, newTestLog(t, "moscow-2015").vkey); err == nil {
		t.Error("VerifyProof accepts another log's key")
	}
}

func FuzzVerifyProof(f *testing.F) {
	c := newCast()
	l := founded(f, c)
	l.seal(f)
	for i := range l.entries {
		f.Add(receiptOf(f, l, i).MarshalProof())
	}
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 18446744073709551615\n\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := VerifyProof(data, l.vkey)
		if err != nil {
			return
		}
		// Whatever verifies proves a leaf of the log at its index.
		if r.Index < 0 || r.Index >= int64(len(l.entries)) || r.Leaf != l.entries[r.Index].Leaf {
			t.Errorf("VerifyProof proves leaf %x at %d, which the log does not hold", r.Leaf, r.Index)
		}
	})
}

package record

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/parleyhq/parley"
)

// receiptOf returns the receipt of entry i against the log's latest
// checkpoint.
func receiptOf(t testing.TB, l *testLog, i int) *Receipt {
	t.Helper()
	cp := l.cps[len(l.cps)-1]
	p, err := ProveInclusion(l.tree.reader(), int64(i), cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReceipt(l.origin, int64(i), l.entries[i].Leaf, cp.Note, p)
	r.Salt = l.entries[i].Salt
	return r
}

func TestReceipt(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	l.statement(t, c.gov, "We came in good faith.")
	l.seal(t)
	for i, e := range l.entries {
		r := receiptOf(t, l, i)
		if err := r.Verify(l.vkey, e.Event, e.Sig, nil); err != nil {
			t.Errorf("entry %d: %v", i, err)
		}
		if err := r.Verify(l.vkey, e.Event, e.Sig, e.Salt); err != nil {
			t.Errorf("entry %d with the salt given: %v", i, err)
		}
		other := l.entries[(i+1)%len(l.entries)]
		if err := r.Verify(l.vkey, other.Event, other.Sig, other.Salt); err == nil {
			t.Errorf("entry %d: the receipt verifies for entry %d", i, other.Index)
		}
	}

	r := receiptOf(t, l, 7)
	e := l.entries[7]
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Receipt
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	if err := back.Verify(l.vkey, e.Event, e.Sig, nil); err != nil {
		t.Errorf("the receipt after JSON: %v", err)
	}
	if !strings.Contains(string(data), `"checkpoint":"parley.example/talks/moscow-2015\n8\n`) {
		t.Errorf("JSON = %s, want the checkpoint as text", data)
	}
	// The second implementation agrees with the proof.
	cp, err := back.VerifyLeaf(l.vkey)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, 7, uint64(cp.Size), back.Leaf[:], hashBytes(back.Proof), cp.Root[:]); err != nil {
		t.Errorf("merkle VerifyInclusion: %v", err)
	}

	// Every byte of the JSON matters.
	for i := range data {
		bad := []byte(string(data))
		bad[i] ^= 0x01
		var r Receipt
		if json.Unmarshal(bad, &r) == nil && r.Verify(l.vkey, e.Event, e.Sig, nil) == nil {
			t.Errorf("the receipt verifies with byte %d flipped: %s", i, bad)
		}
	}

	// Wrong inputs.
	tampered := *r
	tampered.Index = 6
	if err := tampered.Verify(l.vkey, e.Event, e.Sig, nil); err == nil {
		t.Error("a receipt with another index verifies")
	}
	if err := r.Verify(newTestLog(t, "moscow-2015").vkey, e.Event, e.Sig, nil); err == nil {
		t.Error("a receipt verifies with another log's key")
	}
	if err := r.Verify(l.vkey, e.Event, e.Sig, []byte("short")); err == nil || !strings.Contains(err.Error(), "salt") {
		t.Errorf("a short salt: %v, want an error about the salt", err)
	}
	forged := append([]byte(nil), e.Sig...)
	forged[0] ^= 1
	if err := r.Verify(l.vkey, e.Event, forged, nil); err == nil {
		t.Error("a receipt verifies with a forged signature")
	}
}

// TestReceiptForgedEvent builds a receipt honestly for an event whose
// signature does not verify: the host logged it, but it is not the actor's.
func TestReceiptForgedEvent(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	se := l.event(t, c.gov, parley.KindStatement, parley.Statement{Text: "x"}, "")
	se.Sig = append([]byte(nil), se.Sig...)
	se.Sig[5] ^= 1
	l.add(se)
	l.seal(t)
	r := receiptOf(t, l, 7)
	if err := r.Verify(l.vkey, se.Bytes, se.Sig, nil); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("Verify = %v, want a signature error", err)
	}
}

func TestReceiptStrictJSON(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	l.seal(t)
	data, err := json.Marshal(receiptOf(t, l, 2))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	leaf := s[strings.Index(s, `"leaf":"`)+8:]
	leaf = leaf[:strings.IndexByte(leaf, '"')]
	proof0 := s[strings.Index(s, `"proof":["`)+10:]
	proof0 = proof0[:strings.IndexByte(proof0, '"')]
	for name, bad := range map[string]string{
		"stray bits in a hash":       strings.Replace(s, leaf, malleate(leaf), 1),
		"stray bits in a proof hash": strings.Replace(s, proof0, malleate(proof0), 1),
		"escape in base64":           strings.Replace(s, `"leaf":"`+leaf[:1], `"leaf":"\u00`+hex.EncodeToString([]byte(leaf[:1])), 1),
		"unknown member":             strings.Replace(s, `"index"`, `"extra":1,"index"`, 1),
		"case variant":               strings.Replace(s, `"index"`, `"Index"`, 1),
		"repeated member":            strings.Replace(s, `"index":2`, `"index":2,"index":2`, 1),
	} {
		var r Receipt
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s: decoding %s succeeded", name, bad)
		}
	}
}

// malleate changes the unused low bits of the last character of a base64
// string that ends in padding: lax decoders read the same bytes.
func malleate(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.TrimRight(s, "=")
	last := strings.IndexByte(alphabet, i[len(i)-1])
	return i[:len(i)-1] + string(alphabet[last^1]) + s[len(i):]
}

func TestMalleate(t *testing.T) {
	a := b64(make([]byte, 32))
	m := malleate(a)
	lax, err := base64.StdEncoding.DecodeString(m)
	if m == a || err != nil || string(lax) != string(make([]byte, 32)) {
		t.Errorf("malleate(%s) = %s, decoding to %x, %v; want another spelling of the same bytes", a, m, lax, err)
	}
}

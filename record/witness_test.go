package record

import (
	"errors"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

func TestCosign(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	cp := l.seal(t)
	w := newActor("ICRC witness")
	now := time.Date(2015, 4, 9, 12, 0, 0, 0, time.UTC)
	cosigned, err := Cosign(cp.Note, "icrc.example/witness", w.priv, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyCosignature(cosigned, "icrc.example/witness", w.pub)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(now) {
		t.Errorf("cosignature time = %v, want %v", got, now)
	}
	// The reference verifier of C2SP cosignature/v1 agrees, and the log's
	// signature is still there.
	vkey, err := CosignerKey("icrc.example/witness", w.pub)
	if err != nil {
		t.Fatal(err)
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(cosigned, note.VerifierList(v)); err != nil {
		t.Errorf("formats/note does not verify the cosignature: %v", err)
	}
	if _, err := OpenCheckpoint(cosigned, l.vkey); err != nil {
		t.Errorf("the cosigned checkpoint: %v", err)
	}
	// Cosigning again replaces the witness's cosignature.
	again, err := Cosign(cosigned, "icrc.example/witness", w.priv, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(again), "— icrc.example/witness "); n != 1 {
		t.Errorf("the note has %d cosignatures by the witness, want 1:\n%s", n, again)
	}
	if got, _ := VerifyCosignature(again, "icrc.example/witness", w.pub); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("cosignature time = %v, want %v", got, now.Add(time.Hour))
	}

	// Another witness's key, a tampered cosignature, no cosignature.
	if _, err := VerifyCosignature(cosigned, "icrc.example/witness", c.outsider.pub); err == nil {
		t.Error("VerifyCosignature accepts another key")
	}
	i := strings.Index(string(cosigned), "— icrc.example/witness ") + len("— icrc.example/witness ") + 12
	bad := []byte(string(cosigned))
	bad[i] ^= 1
	if _, err := VerifyCosignature(bad, "icrc.example/witness", w.pub); err == nil {
		t.Error("VerifyCosignature accepts a tampered cosignature")
	}
	if _, err := VerifyCosignature(cp.Note, "icrc.example/witness", w.pub); err == nil || !strings.Contains(err.Error(), "no cosignature") {
		t.Errorf("VerifyCosignature of an uncosigned note = %v, want no cosignature", err)
	}
	if _, err := Cosign([]byte("not a note"), "w", w.priv, now); err == nil {
		t.Error("Cosign accepts a malformed note")
	}
	if _, err := Cosign(cp.Note, "bad name", w.priv, now); err == nil {
		t.Error("Cosign accepts a name with a space")
	}
}

func TestWitness(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	cp7 := l.seal(t)
	for i := range 5 {
		l.statement(t, c.gov, "statement "+string(rune('a'+i)))
	}
	cp12 := l.seal(t)
	wa := newActor("witness")
	w := &Witness{Name: "witness.example", Key: wa.priv, LogKey: l.vkey}
	now := time.Date(2015, 4, 9, 12, 0, 0, 0, time.UTC)

	if _, err := w.Update(cp7.Note, nil, now); err != nil {
		t.Fatalf("first checkpoint: %v", err)
	}
	p, err := ProveConsistency(l.tree.reader(), 7, 12)
	if err != nil {
		t.Fatal(err)
	}
	bad := append(p[:0:0], p...)
	bad[0][3] ^= 1
	if _, err := w.Update(cp12.Note, bad, now); err == nil || errors.As(err, new(*ForkError)) {
		t.Errorf("a bad proof: %v, want a refusal without fork evidence", err)
	}
	out, err := w.Update(cp12.Note, p, now)
	if err != nil {
		t.Fatalf("consistent checkpoint: %v", err)
	}
	if _, err := VerifyCosignature(out, "witness.example", wa.pub); err != nil {
		t.Error(err)
	}
	if string(w.Last) != string(out) {
		t.Error("Last is not the cosigned checkpoint")
	}
	if _, err := w.Update(cp7.Note, nil, now); err == nil || !strings.Contains(err.Error(), "older") {
		t.Errorf("an older checkpoint: %v, want a refusal", err)
	}
	if _, err := w.Update(cp12.Note, nil, now); err != nil {
		t.Errorf("the same checkpoint again: %v", err)
	}
	if _, err := w.Update(newTestLog(t, "moscow-2015").seal(t).Note, nil, now); err == nil {
		t.Error("a checkpoint by another key is cosigned")
	}

	// The host forks after entry 9: same size, different root.
	f := l.fork(9)
	for i := range 3 {
		f.statement(t, c.opp, "other statement "+string(rune('a'+i)))
	}
	f12 := f.seal(t)
	_, err = w.Update(f12.Note, nil, now)
	var fe *ForkError
	if !errors.As(err, &fe) || fe.Evidence.Reason != ForkSameSize {
		t.Fatalf("a same-size fork: %v, want fork evidence", err)
	}
	if err := fe.Evidence.Verify(l.vkey); err != nil {
		t.Errorf("the evidence does not verify: %v", err)
	}

	// A larger forked checkpoint with the fork's own consistency proof.
	for i := range 3 {
		f.statement(t, c.opp, "more "+string(rune('a'+i)))
	}
	f15 := f.seal(t)
	fp, _ := ProveConsistency(f.tree.reader(), 12, 15)
	_, err = w.Update(f15.Note, fp, now)
	if !errors.As(err, &fe) || fe.Evidence.Reason != ForkNotPrefix {
		t.Fatalf("a larger fork: %v, want fork evidence", err)
	}
	if err := fe.Evidence.Verify(l.vkey); err != nil {
		t.Errorf("the evidence does not verify: %v", err)
	}
	if string(w.Last) != string(out) {
		t.Error("a refused checkpoint changed Last")
	}
}

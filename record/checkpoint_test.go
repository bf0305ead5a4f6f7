package record

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parleyhq/parley"
)

func TestSealOpen(t *testing.T) {
	origin := "parley.example/talks/geneva"
	skey, vkey, err := GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(skey)
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin() != origin {
		t.Errorf("Origin() = %q, want %q", s.Origin(), origin)
	}
	root := sum("root")
	msg, err := s.Seal(42, root)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(msg), origin+"\n42\n") {
		t.Errorf("checkpoint = %q, want the origin and size on the first lines", msg)
	}
	cp, err := OpenCheckpoint(msg, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Origin != origin || cp.Size != 42 || cp.Root != root || string(cp.Note) != string(msg) || len(cp.Others) != 0 {
		t.Errorf("OpenCheckpoint = %+v, want origin %s, size 42, root %x", cp, origin, root)
	}

	// A cosignature is not checked but returned.
	w := newActor("witness")
	cosigned, err := Cosign(msg, "witness.example", w.priv, time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	cp, err = OpenCheckpoint(cosigned, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.Others) != 1 || cp.Others[0].Name != "witness.example" {
		t.Errorf("Others = %+v, want the witness's cosignature", cp.Others)
	}

	// Another log's key with the same name.
	_, other, err := GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(msg, other); err == nil || !strings.Contains(err.Error(), "not signed by the log key") {
		t.Errorf("OpenCheckpoint with another key = %v, want not signed by the log key", err)
	}
}

func TestOpenCheckpointRefuses(t *testing.T) {
	origin := "parley.example/talks/geneva"
	skey, vkey, err := GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	root := sum("root")
	good := "parley.example/talks/geneva\n5\n" + b64(root[:]) + "\n"
	for _, tc := range []struct{ name, text, want string }{
		{"extension line", good + "extra\n", "extension"},
		{"leading zero", strings.Replace(good, "\n5\n", "\n05\n", 1), "canonical"},
		{"short root", "parley.example/talks/geneva\n5\nAAAA\n", "32"},
		{"negative size", "parley.example/talks/geneva\n-5\n" + b64(root[:]) + "\n", "malformed"},
		{"two lines", "parley.example/talks/geneva\n5\n", "malformed"},
	} {
		msg, err := note.Sign(&note.Note{Text: tc.text}, signer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := OpenCheckpoint(msg, vkey); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: OpenCheckpoint = %v, want an error about %q", tc.name, err, tc.want)
		}
	}
	msg, _ := note.Sign(&note.Note{Text: good}, signer)
	if _, err := OpenCheckpoint(msg, vkey); err != nil {
		t.Fatalf("the good checkpoint: %v", err)
	}
	for i := range msg {
		bad := []byte(string(msg))
		bad[i] ^= 0x01
		if _, err := OpenCheckpoint(bad, vkey); err == nil {
			t.Errorf("OpenCheckpoint accepts the checkpoint with byte %d flipped: %q", i, bad)
		}
	}
	if _, err := OpenCheckpoint(msg, "not a key"); err == nil {
		t.Error("OpenCheckpoint accepts a malformed verifier key")
	}
}

func TestGenerateLogKeyOrigins(t *testing.T) {
	for _, o := range []string{"", "example.org", "example.org/talks/", "example.org/talks/Bad", "exa mple/talks/x", "a+b/talks/x", "/talks/x"} {
		if _, _, err := GenerateLogKey(o); err == nil {
			t.Errorf("GenerateLogKey(%q) succeeded", o)
		}
	}
	if _, err := NewSealer("PRIVATE+KEY+nonsense"); err == nil {
		t.Error("NewSealer accepts a malformed key")
	}
	s, _, _ := GenerateLogKey("h.example/talks/t")
	sealer, _ := NewSealer(s)
	if _, err := sealer.Seal(-1, parley.Hash{}); err == nil {
		t.Error("Seal(-1) succeeded")
	}
}

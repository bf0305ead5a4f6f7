package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/parleyhq/parley"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the fixed keys and randomness")

// The known-answer vectors of the sealed format, testdata/vectors.json. Every
// key and every random byte in them is derived from a name with SHAKE256,
// so the file can be made again from this code; docs/RECORD.md tells how to
// check them.

// fixed returns n bytes derived from a name.
func fixed(name string, n int) []byte {
	h := sha3.NewSHAKE256()
	h.Write([]byte("parley seal vectors: " + name))
	b := make([]byte, n)
	h.Read(b)
	return b
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

type vector struct {
	Name       string            `json:"name"`
	Origin     string            `json:"origin"`
	Kind       string            `json:"kind"`
	Channel    string            `json:"channel"`
	Sender     string            `json:"sender"`
	Plaintext  string            `json:"plaintext"`   // base64
	ContentKey string            `json:"content_key"` // base64
	Recipients []vectorRecipient `json:"recipients"`  // in the sealed order
	Context    string            `json:"context"`     // the context digest, base64
	Commit     string            `json:"commit"`
	AAD        string            `json:"aad"`
	Sealed     string            `json:"sealed"` // the exact JSON text
	Digest     string            `json:"sealed_digest"`
	Rewrap     *vectorRewrap     `json:"rewrap,omitempty"`
}

type vectorRecipient struct {
	Actor      string `json:"actor"`
	PrivateKey string `json:"private_key"`
	PublicKey  string `json:"public_key"`
	Eseed      string `json:"eseed"` // the HPKE ephemeral randomness, base64
	Info       string `json:"info"`  // the HPKE info, base64
}

type vectorRewrap struct {
	By     string          `json:"by"` // the recipient who re-wraps
	To     vectorRecipient `json:"to"`
	Rewrap string          `json:"rewrap"` // the exact JSON text
}

type vectorSpec struct {
	name, kind, channel string
	plaintext           string
	kems                []string // one recipient each
	rewrapTo            string   // KEM of a later recipient, or ""
}

var vectorSpecs = []vectorSpec{
	{name: "caucus, two X-Wing recipients", kind: parley.KindCaucus, channel: "party:oppA", plaintext: "Meet at nine; the lists are ready.", kems: []string{XWing, XWing}},
	{name: "one X25519 recipient, empty content", kind: parley.KindCaucus, channel: "party:gov", plaintext: "", kems: []string{X25519}},
	{name: "annex, three recipients of both KEMs, re-wrapped for a fourth", kind: "measure.annex", channel: "annex:m1.step1", plaintext: "Detainees to release in step 1:\n1. Rami K.\n2. Leila S.\n", kems: []string{XWing, X25519, XWing}, rewrapTo: XWing},
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func fixedActor(name string) ed25519.PublicKey {
	return ed25519.NewKeyFromSeed(fixed(name+" actor", 32)).Public().(ed25519.PublicKey)
}

func fixedKey(t *testing.T, name, kem string) *PrivateKey {
	k, err := newPrivateKey(suiteOf(kem), fixed(name+" key", 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func eseedSize(kem string) int {
	if kem == XWing {
		return 64
	}
	return 32
}

// makeVector seals a spec with its fixed keys and randomness.
func makeVector(t *testing.T, sp vectorSpec) vector {
	t.Helper()
	c := Context{Origin: "parley.example.org/talks/moscow-2015", Kind: sp.kind, Channel: sp.channel, Sender: fixedActor(sp.name + " sender")}
	var rs []Recipient
	privs := map[string]*PrivateKey{}
	eseeds := map[string][]byte{}
	for i, kem := range sp.kems {
		name := sp.name + " recipient " + string(rune('A'+i))
		r := Recipient{Actor: fixedActor(name), Key: fixedKey(t, name, kem).Public()}
		privs[b64(r.Actor)] = fixedKey(t, name, kem)
		eseeds[r.Key.String()] = fixed(name+" eseed", eseedSize(kem))
		rs = append(rs, r)
	}
	key := fixed(sp.name+" content key", KeySize)
	derand := func(pk *PublicKey, info, k []byte) ([]byte, error) {
		return hpkeSealDerand(pk, info, k, eseeds[pk.String()])
	}
	s, err := sealWith(c, []byte(sp.plaintext), rs, key, derand)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	d := s.Digest()
	v := vector{
		Name: sp.name, Origin: c.Origin, Kind: c.Kind, Channel: c.Channel, Sender: b64(c.Sender),
		Plaintext: b64([]byte(sp.plaintext)), ContentKey: b64(key),
		Context: b64(s.context[:]), Commit: b64(s.commit[:]), AAD: b64(s.aad()),
		Sealed: string(js), Digest: b64(d[:]),
	}
	for _, e := range s.recipients {
		v.Recipients = append(v.Recipients, vectorRecipient{
			Actor: b64(e.actor), PrivateKey: privs[b64(e.actor)].String(), PublicKey: e.key.String(),
			Eseed: b64(eseeds[e.key.String()]), Info: b64(wrapInfo(s.context, e.actor)),
		})
	}
	if sp.rewrapTo != "" {
		by := s.recipients[0]
		name := sp.name + " later recipient"
		to := Recipient{Actor: fixedActor(name), Key: fixedKey(t, name, sp.rewrapTo).Public()}
		eseed := fixed(name+" eseed", eseedSize(sp.rewrapTo))
		r, err := newRewrap(c, s, by.actor, privs[b64(by.actor)], nil, to, func(pk *PublicKey, info, k []byte) ([]byte, error) {
			return hpkeSealDerand(pk, info, k, eseed)
		})
		if err != nil {
			t.Fatal(err)
		}
		rj, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		v.Rewrap = &vectorRewrap{By: b64(by.actor), Rewrap: string(rj), To: vectorRecipient{
			Actor: b64(to.Actor), PrivateKey: fixedKey(t, name, sp.rewrapTo).String(), PublicKey: to.Key.String(),
			Eseed: b64(eseed), Info: b64(rewrapInfo(d, to.Actor)),
		}}
	}
	return v
}

const vectorsPath = "testdata/vectors.json"

// TestVectors checks the known-answer vectors: every recipient opens each
// payload to its plaintext (the format's contract with other
// implementations), and the same keys and randomness seal it to the same
// bytes (this implementation's). With -update it rewrites the file.
func TestVectors(t *testing.T) {
	var made []vector
	for _, sp := range vectorSpecs {
		made = append(made, makeVector(t, sp))
	}
	if *update {
		f := vectorFile{
			Comment: "Known-answer vectors of Parley's sealed payloads (docs/RECORD.md, Sealed acts). Byte strings are standard base64; sealed and rewrap are the exact JSON texts. Each recipient's private_key opens sealed; its eseed is the HPKE ephemeral randomness that, with content_key, makes sealed again byte for byte.",
			Vectors: made,
		}
		b, err := json.MarshalIndent(f, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var f vectorFile
	readJSON(t, vectorsPath, &f)
	if len(f.Vectors) != len(vectorSpecs) {
		t.Fatalf("%s holds %d vectors, want %d (run go test -run TestVectors -update)", vectorsPath, len(f.Vectors), len(vectorSpecs))
	}
	for i, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			sender, _ := base64.StdEncoding.DecodeString(v.Sender)
			c := Context{Origin: v.Origin, Kind: v.Kind, Channel: v.Channel, Sender: sender}
			want, _ := base64.StdEncoding.DecodeString(v.Plaintext)
			s, err := Parse([]byte(v.Sealed))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range v.Recipients {
				actor, err := parley.ParseKey(r.Actor)
				if err != nil {
					t.Fatal(err)
				}
				priv, err := ParsePrivateKey(r.PrivateKey)
				if err != nil {
					t.Fatal(err)
				}
				if priv.Public().String() != r.PublicKey {
					t.Errorf("%s: the private key's public key is not %s", r.Actor, r.PublicKey)
				}
				got, err := Open(c, s, actor, priv)
				if err != nil {
					t.Fatalf("%s: %v", r.Actor, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: opened %q, want %q", r.Actor, got, want)
				}
			}
			if v.Rewrap != nil {
				r, err := ParseRewrap([]byte(v.Rewrap.Rewrap))
				if err != nil {
					t.Fatal(err)
				}
				priv, err := ParsePrivateKey(v.Rewrap.To.PrivateKey)
				if err != nil {
					t.Fatal(err)
				}
				got, err := OpenRewrapped(c, s, r, priv)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("later recipient: opened %q, %v; want %q", got, err, want)
				}
			}
			if sum := sha256.Sum256([]byte(v.Sealed)); i >= len(made) || made[i].Sealed != v.Sealed {
				t.Errorf("sealing again with the fixed keys and randomness gives other bytes than the file's (SHA-256 %x); if the format changed on purpose, run go test -run TestVectors -update", sum)
			} else if mv, _ := json.Marshal(made[i]); !bytes.Equal(mv, mustJSON(t, v)) {
				t.Errorf("the vector's other values differ from those computed again; run go test -run TestVectors -update if that is meant")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

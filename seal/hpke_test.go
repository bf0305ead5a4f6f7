package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// This file holds a second, derandomized implementation of HPKE's base mode
// for the two KEMs of this package (with HKDF-SHA256), written from RFC 9180
// §4–5 and draft-ietf-hpke-pq, so that known-answer vectors can be made from
// fixed ephemeral randomness (crypto/hpke draws its own). It is checked
// against the published vectors below, and against crypto/hpke, which opens
// what it seals.
//
// The published vectors, in testdata (see testdata/README.md):
//   - rfc9180-x25519.json: RFC 9180 Appendix A.1.1 and A.2.1, DHKEM(X25519,
//     HKDF-SHA256) with HKDF-SHA256 and AES-128-GCM or ChaCha20Poly1305,
//     base mode, from the text of the RFC (cfrg/draft-irtf-cfrg-hpke,
//     draft-irtf-cfrg-hpke.md at d6ec5180357d5606aa19a30af9e930347f179cf7);
//   - hpke-pq-xwing.json: the MLKEM768-X25519 (X-Wing, 0x647a) vectors of
//     draft-ietf-hpke-pq (hpkewg/hpke-pq, test-vectors.json at
//     74dafaa65f79a5eaa210af7ba967e5425a21d05b);
//   - xwing-kem.json: the X-Wing KEM vectors of draft-connolly-cfrg-xwing-kem
//     as the hpke-js project checks them (dajiaji/hpke-js,
//     packages/hybridkem-x-wing/test/testVectors.ts at
//     c8bac1a7abb57b8ceac1f3deba634889ac58b4a6).

const (
	kemXWing  = 0x647a
	kemX25519 = 0x0020
	kdfSHA256 = 0x0001
)

func suiteID(kem, kdf, aead uint16) []byte {
	b := []byte("HPKE")
	b = binary.BigEndian.AppendUint16(b, kem)
	b = binary.BigEndian.AppendUint16(b, kdf)
	return binary.BigEndian.AppendUint16(b, aead)
}

func labeledExtract(suite, salt []byte, label string, ikm []byte) []byte {
	in := append(append(append([]byte("HPKE-v1"), suite...), label...), ikm...)
	prk, err := hkdf.Extract(sha256.New, in, salt)
	if err != nil {
		panic(err)
	}
	return prk
}

func labeledExpand(suite, prk []byte, label string, info []byte, n int) []byte {
	in := binary.BigEndian.AppendUint16(nil, uint16(n))
	in = append(append(append(append(in, "HPKE-v1"...), suite...), label...), info...)
	out, err := hkdf.Expand(sha256.New, prk, string(in), n)
	if err != nil {
		panic(err)
	}
	return out
}

// encapDerand is Encap of the KEM with the ephemeral randomness given: for
// DHKEM(X25519), ikmE of DeriveKeyPair (RFC 9180 §7.1.3); for X-Wing, 64
// bytes, the ML-KEM-768 encapsulation randomness then the X25519 ephemeral
// private key (draft-connolly-cfrg-xwing-kem's eseed).
func encapDerand(kem uint16, pkR, eseed []byte) (ss, enc []byte, err error) {
	switch kem {
	case kemX25519:
		sk, err := hpke.DHKEM(ecdh.X25519()).DeriveKeyPair(eseed)
		if err != nil {
			return nil, nil, err
		}
		skb, err := sk.Bytes()
		if err != nil {
			return nil, nil, err
		}
		skE, err := ecdh.X25519().NewPrivateKey(skb)
		if err != nil {
			return nil, nil, err
		}
		pub, err := ecdh.X25519().NewPublicKey(pkR)
		if err != nil {
			return nil, nil, err
		}
		dh, err := skE.ECDH(pub)
		if err != nil {
			return nil, nil, err
		}
		enc = skE.PublicKey().Bytes()
		kemSuite := binary.BigEndian.AppendUint16([]byte("KEM"), kemX25519)
		prk := labeledExtract(kemSuite, nil, "eae_prk", dh)
		return labeledExpand(kemSuite, prk, "shared_secret", append(bytes.Clone(enc), pkR...), 32), enc, nil
	case kemXWing:
		if len(eseed) != 64 || len(pkR) != 1216 {
			return nil, nil, fmt.Errorf("X-Wing: eseed %d bytes, key %d bytes", len(eseed), len(pkR))
		}
		ek, err := mlkem.NewEncapsulationKey768(pkR[:1184])
		if err != nil {
			return nil, nil, err
		}
		ssM, ctM, err := mlkemtest.Encapsulate768(ek, eseed[:32])
		if err != nil {
			return nil, nil, err
		}
		skE, err := ecdh.X25519().NewPrivateKey(eseed[32:])
		if err != nil {
			return nil, nil, err
		}
		pkX, err := ecdh.X25519().NewPublicKey(pkR[1184:])
		if err != nil {
			return nil, nil, err
		}
		ssX, err := skE.ECDH(pkX)
		if err != nil {
			return nil, nil, err
		}
		ctX := skE.PublicKey().Bytes()
		h := sha3.New256()
		for _, b := range [][]byte{ssM, ssX, ctX, pkR[1184:], []byte(`\./` + `/^\`)} {
			h.Write(b)
		}
		return h.Sum(nil), append(ctM, ctX...), nil
	}
	return nil, nil, fmt.Errorf("KEM %#04x", kem)
}

// keySchedule is KeySchedule of RFC 9180 §5.1 in base mode, with
// HKDF-SHA256.
func keySchedule(kem, aeadID uint16, nk int, ss, info []byte) (key, baseNonce, exporter []byte) {
	suite := suiteID(kem, kdfSHA256, aeadID)
	pskIDHash := labeledExtract(suite, nil, "psk_id_hash", nil)
	infoHash := labeledExtract(suite, nil, "info_hash", info)
	ksc := append(append([]byte{0}, pskIDHash...), infoHash...)
	secret := labeledExtract(suite, ss, "secret", nil)
	return labeledExpand(suite, secret, "key", ksc, nk), labeledExpand(suite, secret, "base_nonce", ksc, 12), labeledExpand(suite, secret, "exp", ksc, 32)
}

// hpkeSealDerand is single-shot HPKE Seal in base mode with the KEMs of this
// package, HKDF-SHA256 and AES-256-GCM, and the ephemeral randomness given:
// enc || AES-256-GCM(key, base_nonce, pt, "").
func hpkeSealDerand(pk *PublicKey, info, pt, eseed []byte) ([]byte, error) {
	kem := pk.suite.kem.ID()
	ss, enc, err := encapDerand(kem, pk.raw, eseed)
	if err != nil {
		return nil, err
	}
	key, nonce, _ := keySchedule(kem, aead.ID(), 32, ss, info)
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return gcm.Seal(enc, nonce, pt, nil), nil
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type hpkeVector struct {
	Mode           int    `json:"mode"`
	KEM            uint16 `json:"kem_id"`
	KDF            uint16 `json:"kdf_id"`
	AEAD           uint16 `json:"aead_id"`
	Info           string `json:"info"`
	IkmE           string `json:"ikmE"`
	SkRm           string `json:"skRm"`
	PkRm           string `json:"pkRm"`
	Enc            string `json:"enc"`
	SharedSecret   string `json:"shared_secret"`
	Key            string `json:"key"`
	BaseNonce      string `json:"base_nonce"`
	ExporterSecret string `json:"exporter_secret"`
	Encryptions    []struct {
		Seq   *int   `json:"sequence_number"` // absent: the encryptions follow each other from 0
		Aad   string `json:"aad"`
		Ct    string `json:"ct"`
		Nonce string `json:"nonce"`
		Pt    string `json:"pt"`
	} `json:"encryptions"`
	Exports []struct {
		Context string `json:"exporter_context"`
		L       int    `json:"L"`
		Value   string `json:"exported_value"`
	} `json:"exports"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestPublishedHPKEVectors checks this file's HPKE, crypto/hpke and this
// package's keys against the published vectors of RFC 9180 and
// draft-ietf-hpke-pq.
func TestPublishedHPKEVectors(t *testing.T) {
	var vs []hpkeVector
	for _, f := range []string{"testdata/rfc9180-x25519.json", "testdata/hpke-pq-xwing.json"} {
		var v []hpkeVector
		readJSON(t, f, &v)
		vs = append(vs, v...)
	}
	if len(vs) != 4 {
		t.Fatalf("%d vectors, want 4", len(vs))
	}
	for _, v := range vs {
		t.Run(fmt.Sprintf("kem %#04x kdf %#04x aead %#04x", v.KEM, v.KDF, v.AEAD), func(t *testing.T) {
			if v.Mode != 0 {
				t.Fatalf("mode %d, want the base mode", v.Mode)
			}
			kem, err := hpke.NewKEM(v.KEM)
			if err != nil {
				t.Fatal(err)
			}
			kdf, err := hpke.NewKDF(v.KDF)
			if err != nil {
				t.Fatal(err)
			}
			aeadV, err := hpke.NewAEAD(v.AEAD)
			if err != nil {
				t.Fatal(err)
			}
			name := map[uint16]string{kemXWing: XWing, kemX25519: X25519}[v.KEM]
			skRm, pkRm, enc, info := unhex(t, v.SkRm), unhex(t, v.PkRm), unhex(t, v.Enc), unhex(t, v.Info)

			// The private key as a key file holds it gives the public key.
			priv, err := ParsePrivateKey(name + ":" + base64.StdEncoding.EncodeToString(skRm))
			if err != nil {
				t.Fatal(err)
			}
			if got := priv.Public().Bytes(); !bytes.Equal(got, pkRm) {
				t.Errorf("public key of skRm: got %x, want %x", got, pkRm)
			}

			// The derandomized encapsulation and key schedule.
			if v.KDF == kdfSHA256 {
				ss, gotEnc, err := encapDerand(v.KEM, pkRm, unhex(t, v.IkmE))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(gotEnc, enc) {
					t.Errorf("enc: got %x, want %x", gotEnc, enc)
				}
				if want := unhex(t, v.SharedSecret); !bytes.Equal(ss, want) {
					t.Errorf("shared secret: got %x, want %x", ss, want)
				}
				nk := len(unhex(t, v.Key))
				key, nonce, exp := keySchedule(v.KEM, v.AEAD, nk, ss, info)
				for _, c := range []struct {
					name      string
					got, want []byte
				}{{"key", key, unhex(t, v.Key)}, {"base_nonce", nonce, unhex(t, v.BaseNonce)}, {"exporter_secret", exp, unhex(t, v.ExporterSecret)}} {
					if !bytes.Equal(c.got, c.want) {
						t.Errorf("%s: got %x, want %x", c.name, c.got, c.want)
					}
				}
				for _, e := range v.Encryptions {
					if e.Seq == nil {
						continue
					}
					n := bytes.Clone(nonce)
					for i := range 8 {
						n[len(n)-1-i] ^= byte(uint64(*e.Seq) >> (8 * i))
					}
					if want := unhex(t, e.Nonce); !bytes.Equal(n, want) {
						t.Errorf("nonce of sequence number %d: got %x, want %x", *e.Seq, n, want)
					}
				}
			}

			// crypto/hpke opens the encryptions in order and exports.
			sk, err := kem.NewPrivateKey(skRm)
			if err != nil {
				t.Fatal(err)
			}
			r, err := hpke.NewRecipient(enc, sk, kdf, aeadV, info)
			if err != nil {
				t.Fatal(err)
			}
			opened := 0
			for i, e := range v.Encryptions {
				if e.Seq != nil && *e.Seq != i {
					break // a gap: the RFC's text lists only some
				}
				pt, err := r.Open(unhex(t, e.Aad), unhex(t, e.Ct))
				if err != nil {
					t.Fatalf("encryption %d: %v", i, err)
				}
				if want := unhex(t, e.Pt); !bytes.Equal(pt, want) {
					t.Errorf("encryption %d: got %x, want %x", i, pt, want)
				}
				opened++
			}
			if opened < 3 {
				t.Errorf("opened %d encryptions, want at least 3", opened)
			}
			for _, x := range v.Exports {
				got, err := r.Export(string(unhex(t, x.Context)), x.L)
				if err != nil {
					t.Fatal(err)
				}
				if want := unhex(t, x.Value); !bytes.Equal(got, want) {
					t.Errorf("export %q: got %x, want %x", x.Context, got, want)
				}
			}
		})
	}
}

// TestXWingKEMVectors checks X-Wing keys and the derandomized encapsulation
// against the vectors of draft-connolly-cfrg-xwing-kem.
func TestXWingKEMVectors(t *testing.T) {
	var vs []struct{ Seed, Sk, Pk, Eseed, Ct, Ss string }
	readJSON(t, "testdata/xwing-kem.json", &vs)
	if len(vs) != 3 {
		t.Fatalf("%d vectors, want 3", len(vs))
	}
	for i, v := range vs {
		priv, err := ParsePrivateKey(XWing + ":" + base64.StdEncoding.EncodeToString(unhex(t, v.Seed)))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := priv.Public().Bytes(), unhex(t, v.Pk); !bytes.Equal(got, want) {
			t.Errorf("vector %d: public key differs", i)
		}
		if got, want := priv.String(), XWing+":"+base64.StdEncoding.EncodeToString(unhex(t, v.Sk)); got != want {
			t.Errorf("vector %d: private key %s, want %s", i, got, want)
		}
		ss, ct, err := encapDerand(kemXWing, unhex(t, v.Pk), unhex(t, v.Eseed))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ct, unhex(t, v.Ct)) || !bytes.Equal(ss, unhex(t, v.Ss)) {
			t.Errorf("vector %d: encapsulation differs", i)
		}
	}
}

// TestDerandomizedHPKE checks that crypto/hpke opens what the derandomized
// HPKE seals, for both KEMs.
func TestDerandomizedHPKE(t *testing.T) {
	for _, kem := range KEMs() {
		k, err := GenerateKey(kem)
		if err != nil {
			t.Fatal(err)
		}
		eseed := bytes.Repeat([]byte{7}, map[string]int{XWing: 64, X25519: 32}[kem])
		ct, err := hpkeSealDerand(k.Public(), []byte("info"), []byte("content key"), eseed)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := hpkeOpen(k, []byte("info"), ct)
		if err != nil || string(pt) != "content key" {
			t.Errorf("%s: crypto/hpke opened %q, %v", kem, pt, err)
		}
	}
}

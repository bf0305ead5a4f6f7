package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/seal"
)

func init() {
	register(&command{
		Name:    "keygen",
		Usage:   "[-o FILE] [--kem xwing|x25519] [--add-encryption | --rotate-encryption]",
		Summary: i18n.Key("create an actor key and print its public key"),
		Help: i18n.Key(`Keygen writes a new actor key file FILE (default parley.key) with
permissions 0600. The file holds two keys: an Ed25519 signing key, with which
you sign every act, and an encryption key, to which others seal what only
you (and the other recipients) may read. Keygen prints the public signing key
on standard output, for the mediator to put on the roster, and the public
encryption key on standard error; your client publishes the encryption key
in an act you sign. Keep the file secret: whoever holds it can act as you and
read what is sealed to you. It refuses to overwrite an existing file.

The encryption key is X-Wing (ML-KEM-768 with X25519, secure against a
future quantum computer) unless --kem x25519 asks for a classical one.

With --add-encryption, keygen adds an encryption key to FILE, a key file
made before encryption keys existed, keeps its signing key, and prints the
public encryption key on standard output.

With --rotate-encryption, keygen replaces the encryption key of FILE with a
new one and keeps the old one in the file, as a
previous-encryption-private-key line, so that what was sealed to it still
opens; it prints the new public key. Publish it with "parley key publish":
from then on everything is sealed to the new key. To stop reading with the
old one, remove its line.`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("o", "parley.key", i18n.Key("the key file to write"))
			fs.String("kem", seal.XWing, i18n.Key("the encryption key's KEM: xwing or x25519"))
			fs.Bool("add-encryption", false, i18n.Key("add an encryption key to an existing key file that has none"))
			fs.Bool("rotate-encryption", false, i18n.Key("replace the encryption key of an existing key file, keeping the old one to read what was sealed to it"))
		},
		Run: runKeygen,
	})
}

func runKeygen(ctx context.Context, e *env, flags *flag.FlagSet) error {
	path := flags.Lookup("o").Value.String()
	enc, err := seal.GenerateKey(flags.Lookup("kem").Value.String())
	if err != nil {
		return err
	}
	if flags.Lookup("rotate-encryption").Value.String() == "true" {
		if flags.Lookup("add-encryption").Value.String() == "true" {
			return &exitError{2, parley.Errorf(parley.EINVALID, "--add-encryption and --rotate-encryption do not go together: add a key to a file that has none, or rotate the key of one that has")}
		}
		if err := rotateEncryptionKey(path, enc); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "%s\n", enc.Public())
		fmt.Fprintln(e.Stderr, e.P.T("replaced the encryption key of %s and kept the old one to read what was sealed to it; publish the new key above with \"parley key publish\"", path))
		return nil
	}
	if flags.Lookup("add-encryption").Value.String() == "true" {
		if err := addEncryptionKey(path, enc); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "%s\n", enc.Public())
		fmt.Fprintln(e.Stderr, e.P.T("added an encryption key to %s; the public key above is published with an act you sign", path))
		return nil
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := writeKeys(path, priv, enc); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s\n", parley.KeyString(priv.Public().(ed25519.PublicKey)))
	fmt.Fprintf(e.Stderr, "%s\n%s\n%s\n", e.P.T("wrote %s; give the public key above to the mediator.", path),
		e.P.T("Your public encryption key, which your client publishes with an act you sign:"), enc.Public())
	return nil
}

// The lines of a key file. A file may hold comments (#) and blank lines;
// every other line is one of these, each at most once.
const (
	lineSign       = "private-key"
	lineSignPub    = "public-key"
	lineEncrypt    = "encryption-private-key"
	lineEncryptPub = "encryption-public-key"
	// linePrevious holds an encryption key the actor replaced, kept to
	// open what was sealed to it; it may appear several times.
	linePrevious = "previous-encryption-private-key"
)

const keyFileHeader = "# Parley actor key. Keep this file secret: whoever holds it can act as you and read what is sealed to you.\n"

// formatKeyFile returns the text of a key file.
func formatKeyFile(priv ed25519.PrivateKey, enc *seal.PrivateKey) []byte {
	var b bytes.Buffer
	b.WriteString(keyFileHeader)
	fmt.Fprintf(&b, "%s: %s\n%s: %s\n", lineSign, base64.StdEncoding.EncodeToString(priv.Seed()), lineSignPub, parley.KeyString(priv.Public().(ed25519.PublicKey)))
	if enc != nil {
		fmt.Fprintf(&b, "%s: %s\n%s: %s\n", lineEncrypt, enc, lineEncryptPub, enc.Public())
	}
	return b.Bytes()
}

// writeKeyFile writes an actor key file with the signing key only, mode
// 0600, refusing to overwrite an existing file.
func writeKeyFile(path string, priv ed25519.PrivateKey) error {
	return writeKeys(path, priv, nil)
}

// writeKeys writes an actor key file with a signing key and, unless enc is
// nil, an encryption key, mode 0600, refusing to overwrite an existing file.
func writeKeys(path string, priv ed25519.PrivateKey, enc *seal.PrivateKey) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return parley.Errorf(parley.EINVALID, "%s already exists; choose another file, or remove it if you mean to replace that key", path)
	}
	if err != nil {
		return parley.Errorf(parley.EINVALID, "creating the key file: %v", err)
	}
	_, err = f.Write(formatKeyFile(priv, enc))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return parley.Errorf(parley.EINVALID, "writing the key file: %v", err)
	}
	return nil
}

// addEncryptionKey adds enc to the key file at path, which must have no
// encryption key. The file is replaced whole, by a rename.
func addEncryptionKey(path string, enc *seal.PrivateKey) error {
	k, err := readKeyFile(path)
	if err != nil {
		return err
	}
	if k.enc != nil {
		return parley.Errorf(parley.EINVALID, "%s already holds an encryption key (%s); to replace it, run \"parley keygen --rotate-encryption -o %s\" and publish the new key", path, clipKey(k.enc.Public().String()), path)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "reading the actor key: %v", err)
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s: %s\n%s: %s\n", lineEncrypt, enc, lineEncryptPub, enc.Public())
	return replaceKeyFile(path, b.Bytes())
}

// rotateEncryptionKey makes enc the encryption key of the key file at
// path and keeps its current one as a previous key. The file is replaced
// whole, by a rename.
func rotateEncryptionKey(path string, enc *seal.PrivateKey) error {
	k, err := readKeyFile(path)
	if err != nil {
		return err
	}
	if k.enc == nil {
		return parley.Errorf(parley.EINVALID, "%s holds no encryption key to replace; add one with \"parley keygen --add-encryption -o %s\"", path, path)
	}
	var b bytes.Buffer
	b.Write(formatKeyFile(k.sign, enc))
	for _, p := range append([]*seal.PrivateKey{k.enc}, k.previous...) {
		fmt.Fprintf(&b, "%s: %s\n", linePrevious, p)
	}
	return replaceKeyFile(path, b.Bytes())
}

// replaceKeyFile replaces the key file at path with text, mode 0600, by a
// rename, so that it is never half written.
func replaceKeyFile(path string, text []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".parley-key-*")
	if err != nil {
		return parley.Errorf(parley.EINVALID, "writing the key file: %v", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return parley.Errorf(parley.EINVALID, "writing the key file: %v", err)
	}
	_, err = tmp.Write(text)
	if serr := tmp.Sync(); err == nil {
		err = serr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return parley.Errorf(parley.EINVALID, "writing the key file: %v", err)
	}
	return nil
}

// A keyFile is what an actor key file holds: the signing key, and the
// encryption key if the file has one.
type keyFile struct {
	sign     ed25519.PrivateKey
	enc      *seal.PrivateKey   // nil in a file made before encryption keys
	previous []*seal.PrivateKey // encryption keys replaced since, newest first
}

// encryptionKeys returns every encryption key of the file, the current
// one first: what was sealed to any of them opens.
func (k *keyFile) encryptionKeys() []*seal.PrivateKey {
	if k.enc == nil {
		return k.previous
	}
	return append([]*seal.PrivateKey{k.enc}, k.previous...)
}

// readKeyFile reads an actor key file written by keygen. The public lines,
// when present, must match the private keys.
func readKeyFile(path string) (*keyFile, error) {
	if path == "" {
		return nil, parley.Errorf(parley.EINVALID, "no actor key: pass --key FILE or set PARLEY_KEY (create one with \"parley keygen\")")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "reading the actor key: %v", err)
	}
	lines := map[string]string{}
	var previous []string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, v, ok := strings.Cut(line, ":")
		switch name = strings.TrimSpace(name); {
		case !ok:
			return nil, parley.Errorf(parley.EINVALID, "%s, line %d: not a line of a Parley key file (want NAME: VALUE as written by \"parley keygen\")", path, i+1)
		case name == linePrevious:
			previous = append(previous, strings.TrimSpace(v))
			continue
		case name != lineSign && name != lineSignPub && name != lineEncrypt && name != lineEncryptPub:
			return nil, parley.Errorf(parley.EINVALID, "%s, line %d: unknown line %q; a Parley key file holds %s, %s, %s, %s and %s", path, i+1, name, lineSign, lineSignPub, lineEncrypt, lineEncryptPub, linePrevious)
		case lines[name] != "":
			return nil, parley.Errorf(parley.EINVALID, "%s, line %d: a second %q line; a key file holds one of each", path, i+1, name)
		}
		lines[name] = strings.TrimSpace(v)
	}
	seed, err := base64.StdEncoding.DecodeString(lines[lineSign])
	if lines[lineSign] == "" || err != nil || len(seed) != ed25519.SeedSize {
		return nil, parley.Errorf(parley.EINVALID, "%s is not a Parley key file (want a line \"private-key: BASE64\" as written by \"parley keygen\")", path)
	}
	k := &keyFile{sign: ed25519.NewKeyFromSeed(seed)}
	if p := lines[lineSignPub]; p != "" && p != parley.KeyString(k.sign.Public().(ed25519.PublicKey)) {
		return nil, parley.Errorf(parley.EINVALID, "%s: its public-key line does not match its private key; the file is damaged", path)
	}
	if s := lines[lineEncrypt]; s != "" {
		if k.enc, err = seal.ParsePrivateKey(s); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "%s: %s", path, parley.ErrorMessage(err))
		}
		if p := lines[lineEncryptPub]; p != "" && p != k.enc.Public().String() {
			return nil, parley.Errorf(parley.EINVALID, "%s: its encryption-public-key line does not match its encryption-private-key; the file is damaged", path)
		}
	} else if lines[lineEncryptPub] != "" {
		return nil, parley.Errorf(parley.EINVALID, "%s has an encryption-public-key line but no encryption-private-key; the file is damaged", path)
	}
	for _, p := range previous {
		pk, err := seal.ParsePrivateKey(p)
		if err != nil {
			return nil, parley.Errorf(parley.EINVALID, "%s: a %s line: %s", path, linePrevious, parley.ErrorMessage(err))
		}
		k.previous = append(k.previous, pk)
	}
	return k, nil
}

// readKey reads the signing key of an actor key file written by keygen.
func readKey(path string) (ed25519.PrivateKey, error) {
	k, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	return k.sign, nil
}

// readEncryptionKey reads the encryption key of an actor key file, with a
// message that says how to add one to a file that has none.
func readEncryptionKey(path string) (*seal.PrivateKey, error) {
	k, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	if k.enc == nil {
		return nil, parley.Errorf(parley.EINVALID, "%s holds no encryption key (it was made before sealed acts); add one with \"parley keygen --add-encryption -o %s\", then publish it", path, path)
	}
	return k.enc, nil
}

func clipKey(s string) string {
	if len(s) <= 24 {
		return s
	}
	return s[:24] + "…"
}

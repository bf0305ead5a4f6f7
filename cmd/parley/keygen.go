package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/parleyhq/parley"
)

func init() {
	register(&command{
		Name:    "keygen",
		Usage:   "[-o FILE]",
		Summary: "create an actor key and print its public key",
		Help: `Keygen writes a new Ed25519 actor key to FILE (default parley.key) with
permissions 0600 and prints the public key, which a mediator puts on the
roster. Keep the file secret: whoever holds it can act as you. It refuses to
overwrite an existing file.`,
		Flags: func(fs *flag.FlagSet) { fs.String("o", "parley.key", "the key file to write") },
		Run:   runKeygen,
	})
}

func runKeygen(ctx context.Context, e *env, flags *flag.FlagSet) error {
	path := flags.Lookup("o").Value.String()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := writeKeyFile(path, priv); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s\n", parley.KeyString(pub))
	fmt.Fprintf(e.Stderr, "wrote %s; give the public key above to the mediator\n", path)
	return nil
}

// writeKeyFile writes an actor key file with mode 0600, refusing to
// overwrite an existing file.
func writeKeyFile(path string, priv ed25519.PrivateKey) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; choose another file, or remove it if you mean to replace that key", path)
	}
	if err != nil {
		return fmt.Errorf("creating the key file: %w", err)
	}
	_, err = fmt.Fprintf(f, "# Parley actor key. Keep this file secret: whoever holds it can act as you.\nprivate-key: %s\npublic-key: %s\n",
		base64.StdEncoding.EncodeToString(priv.Seed()), parley.KeyString(priv.Public().(ed25519.PublicKey)))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing the key file: %w", err)
	}
	return nil
}

// readKey reads an actor key file written by keygen.
func readKey(path string) (ed25519.PrivateKey, error) {
	if path == "" {
		return nil, errors.New("no actor key: pass --key FILE or set PARLEY_KEY (create one with \"parley keygen\")")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the actor key: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "private-key:"); ok {
			seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
			if err != nil || len(seed) != ed25519.SeedSize {
				break
			}
			return ed25519.NewKeyFromSeed(seed), nil
		}
	}
	return nil, fmt.Errorf("%s is not a Parley key file (want a line \"private-key: BASE64\" as written by \"parley keygen\")", path)
}

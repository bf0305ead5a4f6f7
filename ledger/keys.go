package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
)

// Keys keeps the log signing key of each talks in a directory, one file per
// talks readable by the server's user only (mode 0600, directory 0700). The
// file holds the signed-note private key and verifier key, one per line.
type Keys struct {
	dir string
}

// NewKeys returns the keys kept in dir, creating it if needed.
func NewKeys(dir string) (*Keys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the log key directory: %w", err)
	}
	return &Keys{dir: dir}, nil
}

// LogKey returns the signing and verifier keys of a talks' log, creating
// them the first time. Two processes that race to create a key agree on
// the one that was written first.
func (k *Keys) LogKey(talks, origin string) (skey, vkey string, err error) {
	if !parley.ValidTalksID(talks) {
		return "", "", parley.Errorf(parley.EINVALID, "%q is not a talks id", talks)
	}
	path := filepath.Join(k.dir, talks+".logkey")
	if b, err := os.ReadFile(path); err == nil {
		return parseKeyFile(path, b)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("reading the log key: %w", err)
	}
	skey, vkey, err = record.GenerateLogKey(origin)
	if err != nil {
		return "", "", err
	}
	tmp, err := os.CreateTemp(k.dir, talks+".*.tmp")
	if err != nil {
		return "", "", fmt.Errorf("writing the log key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.WriteString(skey + "\n" + vkey + "\n")
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("writing the log key: %w", err)
	}
	// Link fails if another process created the key first; then use theirs.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", "", fmt.Errorf("writing the log key: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("reading the log key: %w", err)
	}
	return parseKeyFile(path, b)
}

// Origin returns the log origin that the key of a talks names, or "" if the
// talks has no log key yet. A log's checkpoints and its events' signatures
// hold for that origin only.
func (k *Keys) Origin(talks string) (string, error) {
	if !parley.ValidTalksID(talks) {
		return "", parley.Errorf(parley.EINVALID, "%q is not a talks id", talks)
	}
	path := filepath.Join(k.dir, talks+".logkey")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("reading the log key: %w", err)
	}
	skey, _, err := parseKeyFile(path, b)
	if err != nil {
		return "", err
	}
	s, err := record.NewSealer(skey)
	if err != nil {
		return "", parley.Errorf(parley.EINTERNAL, "the log key file %s is damaged: %v", path, err)
	}
	return s.Origin(), nil
}

func parseKeyFile(path string, b []byte) (skey, vkey string, err error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "PRIVATE+KEY+") {
		return "", "", parley.Errorf(parley.EINTERNAL, "the log key file %s is damaged: want the private key and the verifier key on two lines", path)
	}
	return lines[0], lines[1], nil
}

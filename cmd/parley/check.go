package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
)

func init() {
	register(&command{
		Name:    "check",
		Usage:   "[--dir DIR] [--db URL] [--progress] [TALKS...]",
		Summary: i18n.Key("check a stored record without a server: signatures, roles, leaves, tree, checkpoints"),
		Help: i18n.Key(`Check runs on the record stored in --dir (and --db: a SQLite file or a
postgres:// URL) the checks a server runs when it loads a talks: every
entry's signature for the log's origin, its leaf commitment, the replay of
who may do what, the Merkle hashes the database holds, the checkpoint the
log signed at its size, and the checkpoint kept outside the database in
DIR/logkeys, which a database rolled back or cut short falls short of.

It checks the talks named, or else every talks of the database and of the
data directory, and prints one line for each: "ok" with its size and root,
or "FAILED" with the first entry that fails and why. It changes nothing
and needs no server; the origin of each talks is the one its log key
names. It exits 0 if every talks passes, 1 if one fails. On a terminal, or
with --progress, it reports its progress on standard error.`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("dir", "", i18n.Key("data directory holding the database and log keys (env PARLEY_DIR; default .parley)"))
			fs.String("db", "", i18n.Key("the SQLite database file or a postgres:// URL (env PARLEY_DB; default DIR/parley.db)"))
			fs.Bool("progress", false, i18n.Key("report progress on standard error even when it is not a terminal"))
		},
		Run: runCheck,
	})
}

func runCheck(ctx context.Context, e *env, fs *flag.FlagSet) error {
	c := dataConfigOf(e, fs)
	keyDir := filepath.Join(c.Dir, "logkeys")
	if _, err := os.Stat(keyDir); err != nil {
		return &exitError{2, parley.Errorf(parley.EINVALID, "no log keys in %s (%v): give the data directory of the record with --dir", c.Dir, err)}
	}
	keys, err := ledger.NewKeys(keyDir)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		if _, err := os.Stat(c.DB); err != nil {
			return &exitError{2, parley.Errorf(parley.EINVALID, "no database %s (%v): give it with --db", c.DB, err)}
		}
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	talks := e.Args
	if len(talks) == 0 {
		if talks, err = allTalks(ctx, store, keyDir); err != nil {
			return err
		}
		if len(talks) == 0 {
			fmt.Fprintln(e.Stdout, e.P.T("no talks in %s", c.Dir))
			return nil
		}
	}
	progress := str(fs, "progress") == "true" || isTerminal(e.Stderr)
	failed := 0
	for _, id := range talks {
		line, err := checkTalks(ctx, e, c, store, keys, id, progress)
		if err != nil {
			failed++
			fmt.Fprintln(e.Stdout, e.P.T("FAILED %[1]s: %[2]s", id, e.P.Error(err)))
			continue
		}
		fmt.Fprintln(e.Stdout, e.P.T("ok %[1]s: %[2]s", id, line))
	}
	if failed > 0 {
		return &exitError{1, parley.Errorf(parley.ECORRUPT, "%[1]d of %[2]d talks failed the check", failed, len(talks))}
	}
	return nil
}

// checkTalks checks one talks and says what it found.
func checkTalks(ctx context.Context, e *env, c dataConfig, store parley.Store, keys *ledger.Keys, talks string, progress bool) (string, error) {
	host, err := recordHost(c, talks)
	if err != nil {
		var xe *exitError
		if errors.As(err, &xe) {
			err = xe.err
		}
		return "", err
	}
	l := ledger.New(store, ledger.Config{Host: host, Keys: keys})
	var report func(done, total int64)
	var last time.Time
	if progress {
		report = func(done, total int64) {
			if now := time.Now(); now.Sub(last) >= 200*time.Millisecond || done == total {
				last = now
				fmt.Fprint(e.Stderr, "\r"+e.P.T("checking %[1]s: %[2]d of %[3]d entries (%[4]s)", talks, done, total, e.P.Percent(float64(done)/float64(max(total, 1)))))
			}
		}
	}
	r, err := l.Check(ctx, talks, report)
	if progress && !last.IsZero() {
		fmt.Fprintln(e.Stderr)
	}
	if err != nil {
		return "", err
	}
	rate := float64(r.Size) / max(r.Elapsed.Seconds(), 1e-9)
	p := e.P
	kept := p.T("no checkpoint kept outside the database")
	if r.Kept > 0 {
		kept = p.T("the checkpoint kept outside the database (size %s) agrees", p.Digits(r.Kept))
	}
	found := p.T("%[1]d entries, root %[2]s; %[3]s", r.Size, base64.StdEncoding.EncodeToString(r.Root[:]), kept)
	return p.T("%[1]s (%[2]s s, %[3]s entries/s)", found, p.Decimal(r.Elapsed.Seconds(), 3), p.Decimal(rate, 0)), nil
}

// allTalks lists the talks of a store and those whose checkpoint is kept
// in the data directory: a talks the database lost is one to report.
func allTalks(ctx context.Context, store parley.Store, keyDir string) ([]string, error) {
	ids, err := store.ListTalks(ctx)
	if err != nil {
		return nil, err
	}
	kept, err := filepath.Glob(filepath.Join(keyDir, "*.checkpoint"))
	if err != nil {
		return nil, err
	}
	for _, p := range kept {
		if id := strings.TrimSuffix(filepath.Base(p), ".checkpoint"); parley.ValidTalksID(id) && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

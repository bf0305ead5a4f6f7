package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"

	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/sqlite"
)

// opt returns the value of a flag if it was set on the command line, else
// the environment variable, else the default.
func opt(e *env, fs *flag.FlagSet, name, envVar, def string) string {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	if set {
		return fs.Lookup(name).Value.String()
	}
	if v := e.Getenv(envVar); envVar != "" && v != "" {
		return v
	}
	return def
}

// dataFlags defines the flags that locate the local record.
func dataFlags(fs *flag.FlagSet) {
	fs.String("dir", "", "data directory holding the database and log keys (env PARLEY_DIR; default .parley)")
	fs.String("db", "", "the SQLite database file (env PARLEY_DB; default DIR/parley.db)")
	fs.String("host", "", "host name in log origins <host>/talks/<id> (env PARLEY_HOST; default localhost)")
}

// dataConfig is where the local record lives.
type dataConfig struct {
	Dir, DB, Host string
}

func dataConfigOf(e *env, fs *flag.FlagSet) dataConfig {
	c := dataConfig{
		Dir:  opt(e, fs, "dir", "PARLEY_DIR", ".parley"),
		Host: opt(e, fs, "host", "PARLEY_HOST", "localhost"),
	}
	c.DB = opt(e, fs, "db", "PARLEY_DB", filepath.Join(c.Dir, "parley.db"))
	return c
}

// openLedger opens the local record. The caller closes the returned store.
func openLedger(ctx context.Context, c dataConfig) (*ledger.Ledger, func() error, error) {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, nil, err
	}
	keys, err := ledger.NewKeys(filepath.Join(c.Dir, "logkeys"))
	if err != nil {
		return nil, nil, err
	}
	st, err := sqlite.Open(ctx, c.DB)
	if err != nil {
		return nil, nil, err
	}
	return ledger.New(st, ledger.Config{Host: c.Host, Keys: keys}), st.Close, nil
}

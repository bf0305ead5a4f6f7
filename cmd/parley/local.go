package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/sqlite"
)

// opt returns the value of a flag if it was set on the command line, else
// the environment variable, else the default.
func opt(e *env, fs *flag.FlagSet, name, envVar, def string) string {
	if isSet(fs, name) {
		return fs.Lookup(name).Value.String()
	}
	if v := e.Getenv(envVar); envVar != "" && v != "" {
		return v
	}
	return def
}

// dataFlags defines the flags that locate the local record, and the host
// of log origins.
func dataFlags(fs *flag.FlagSet) {
	fs.String("dir", "", i18n.Key("data directory holding the database and log keys (env PARLEY_DIR; default .parley)"))
	fs.String("db", "", i18n.Key("the SQLite database file (env PARLEY_DB; default DIR/parley.db)"))
	fs.String("host", "", i18n.Key("the host in log origins <host>/talks/<id> (env PARLEY_HOST; default localhost): a talks founded here gets it, and a talks already in the record keeps the one its log key names; a host that disagrees is refused"))
}

// dataConfig is where the local record lives.
type dataConfig struct {
	Dir, DB, Host string
	// HostFrom says where Host came from: "--host", "PARLEY_HOST", or ""
	// for the default.
	HostFrom string
}

func dataConfigOf(e *env, fs *flag.FlagSet) dataConfig {
	c := dataConfig{
		Dir:  opt(e, fs, "dir", "PARLEY_DIR", ".parley"),
		Host: opt(e, fs, "host", "PARLEY_HOST", ""),
	}
	switch {
	case c.Host == "":
		c.Host = "localhost"
	case isSet(fs, "host"):
		c.HostFrom = "--host"
	default:
		c.HostFrom = "PARLEY_HOST"
	}
	c.DB = opt(e, fs, "db", "PARLEY_DB", filepath.Join(c.Dir, "parley.db"))
	return c
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// openLedger opens the local record with the host of c. The caller closes
// the returned store. Commands that act on or read one talks use
// openTalks, which takes the host from the talks' log key.
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
	l := ledger.New(st, ledger.Config{Host: c.Host, Keys: keys, KeepCheckpoints: true})
	return l, func() error { l.Close(); return st.Close() }, nil
}

// openTalks opens the local record to act on or read one talks. Its log
// origin, <host>/talks/<id>, is the one the talks' log key names: every
// event of the log is signed for it and verifies for it only. A host given
// with --host or PARLEY_HOST that disagrees is refused before anything is
// read or stored. A talks with no log key yet (one that init founds) takes
// the given host, by default localhost.
func openTalks(ctx context.Context, e *env, fs *flag.FlagSet, talks string) (*ledger.Ledger, func() error, error) {
	c := dataConfigOf(e, fs)
	host, err := recordHost(c, talks)
	if err != nil {
		return nil, nil, err
	}
	c.Host = host
	return openLedger(ctx, c)
}

// recordHost returns the host of a talks' log origin in the local record c:
// the one its log key names, else c.Host for a talks not founded yet.
func recordHost(c dataConfig, talks string) (string, error) {
	if !parley.ValidTalksID(talks) {
		return "", &exitError{2, parley.Errorf(parley.EINVALID, "%q is not a talks id: want lowercase letters, digits and hyphens", talks)}
	}
	keyDir := filepath.Join(c.Dir, "logkeys")
	if _, err := os.Stat(keyDir); err != nil {
		return c.Host, nil // a new record: nothing to agree with
	}
	keys, err := ledger.NewKeys(keyDir)
	if err != nil {
		return "", err
	}
	origin, err := keys.Origin(talks)
	if err != nil || origin == "" {
		return c.Host, err
	}
	host, ok := strings.CutSuffix(origin, "/talks/"+talks)
	if !ok || host == "" {
		return "", parley.Errorf(parley.EINVALID, "the log key of talks %q in %s names the origin %s, not one of talks %q: the key file is damaged or was copied from another talks", talks, keyDir, origin, talks)
	}
	if c.HostFrom != "" && c.Host != host {
		return "", &exitError{2, parley.Errorf(parley.EINVALID, "talks %q in %s is recorded for the origin %s, but %s %s asks for %s: a local record keeps the origin its log key names, so drop %s, or give %s",
			talks, c.Dir, origin, c.HostFrom, c.Host, parley.Origin(c.Host, talks), c.HostFrom, hostSetting(c.HostFrom, host))}
	}
	return host, nil
}

// hostSetting spells a host as the setting it came from.
func hostSetting(from, host string) string {
	if from == "PARLEY_HOST" {
		return "PARLEY_HOST=" + host
	}
	return "--host " + host
}

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/scenario"
)

func init() {
	register(&command{
		Name:    "demo",
		Usage:   "[--dir DIR]",
		Summary: "replay the Moscow consultations of April 2015 into a local record",
		Help: `Demo replays the scenario of the Moscow consultations on Syria (second
round, April 2015), an illustrative reconstruction of a real round of talks,
through the same append path as any act: each step is signed by a demo
actor whose key is generated for this run. It leaves in DIR the record
(parley.db and the log keys), the demo actors' keys (keys/) and the round-2
briefing (briefing.md).`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("dir", "", "where to write the demo (default: a new temporary directory)")
			fs.String("host", "demo.parley.localhost", "host name in the log origin")
		},
		Run: runDemo,
	})
}

func runDemo(ctx context.Context, e *env, fs *flag.FlagSet) error {
	dir := str(fs, "dir")
	if dir == "" {
		d, err := os.MkdirTemp("", "parley-demo-")
		if err != nil {
			return err
		}
		dir = d
	} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; the demo writes a fresh record: give an empty or new directory", dir)
	}
	cfg := dataConfig{Dir: dir, DB: filepath.Join(dir, "parley.db"), Host: str(fs, "host")}
	l, closeStore, err := openLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "replaying %q (%d steps)…\n", s.Title, len(s.Steps))
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, err := l.Append(ctx, se)
		return err
	})
	if err := s.Replay(ctx, app, ks, l.Origin(s.Talks), nil); err != nil {
		return err
	}
	if err := writeDemoKeys(filepath.Join(dir, "keys"), s, ks); err != nil {
		return err
	}
	md, err := roundBriefing(ctx, l, s.Talks, "r2")
	if err != nil {
		return err
	}
	brief := filepath.Join(dir, "briefing.md")
	if err := os.WriteFile(brief, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, `%s

Note: %s

The record is in %s. Look at it with:
  parley show --dir %s --talks %s
The round-2 briefing is in %s.
The demo actors' keys are in %s; act as one of them with, e.g.:
  parley stance D1 support --version 2 --party oppA --dir %s --talks %s --key %s
`, s.Title, s.Notice, dir, dir, s.Talks, brief, filepath.Join(dir, "keys"), dir, s.Talks, filepath.Join(dir, "keys", "oppA.key"))
	return nil
}

// writeDemoKeys writes each demo actor's key as a key file.
func writeDemoKeys(dir string, s *scenario.Script, ks scenario.Keys) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, m := range s.Cast {
		if err := writeKeyFile(filepath.Join(dir, m.ID+".key"), ks[m.ID]); err != nil {
			return err
		}
	}
	return nil
}

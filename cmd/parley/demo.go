package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/server"
)

func init() {
	register(&command{
		Name:    "demo",
		Usage:   "[--addr ADDR] [--dir DIR]",
		Summary: "serve the Moscow consultations of April 2015 at a local URL",
		Help: `Demo replays the scenario of the Moscow consultations on Syria (second
round, April 2015), an illustrative reconstruction of a real round of talks,
through the same append path as any act: each step is signed by a demo
actor whose key is generated for this run. It leaves in DIR the record
(parley.db and the log keys), the demo actors' keys (keys/), the round-2
briefing (briefing.md) and the public bundle of the record
(public.bundle, which "parley verify" checks), then serves the talks at the
URL it prints, where a visitor can act as each demo actor.`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("dir", "", "where to write the demo (default: a new temporary directory)")
			fs.String("addr", "127.0.0.1:8080", "address to serve on")
			fs.String("host", "demo.parley.localhost", "host name in the log origin")
			fs.Bool("serve", true, "serve the demo after replaying it")
			fs.String("log-level", "warn", "debug, info, warn or error")
			fs.String("public-url", "", "the URL visitors open, when it is not http://ADDR (behind a proxy); the demo answers only to its own addresses and this URL's host")
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
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		return err
	}
	demo := &server.Demo{Talks: s.Talks, Notice: s.Notice}
	for _, m := range s.Cast {
		demo.Actors = append(demo.Actors, server.DemoActor{ID: m.ID, Name: m.Name, Role: m.Role, Party: m.Party, Key: ks[m.ID]})
	}
	c := serveConfig{
		data:     dataConfig{Dir: dir, DB: filepath.Join(dir, "parley.db"), Host: str(fs, "host")},
		addr:     str(fs, "addr"),
		logLevel: str(fs, "log-level"),
	}
	c.publicURL = str(fs, "public-url") // serve adds its host to the demo's own
	prepare := func(ctx context.Context, l *ledger.Ledger) error {
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
		if err := os.WriteFile(filepath.Join(dir, "briefing.md"), []byte(md), 0o644); err != nil {
			return err
		}
		b, err := l.Bundle(ctx, s.Talks, "")
		if err != nil {
			return err
		}
		data, err := b.Marshal()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "public.bundle"), data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, `%s

Note: %s

In %s:
  parley.db, logkeys/  the record
  briefing.md          the round-2 briefing, generated from the record
  public.bundle        the public record; check it offline with: parley verify %s
  keys/                the demo actors' keys: act as one with --key %s
Look at the record from the command line with:
  parley show --dir %s --host %s --talks %s
`, s.Title, s.Notice, dir, filepath.Join(dir, "public.bundle"), filepath.Join(dir, "keys", "oppA.key"), dir, c.data.Host, s.Talks)
		return nil
	}
	if str(fs, "serve") != "true" {
		l, closeStore, err := openLedger(ctx, c.data)
		if err != nil {
			return err
		}
		defer closeStore()
		return prepare(ctx, l)
	}
	return serve(ctx, e, c, demo, prepare)
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

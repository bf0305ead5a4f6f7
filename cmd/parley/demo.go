package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/server"
)

func init() {
	register(&command{
		Name:    "demo",
		Usage:   "[--addr ADDR] [--dir DIR]",
		Summary: i18n.Key("serve the Moscow consultations of April 2015, and an illustrative detainee exchange, at a local URL"),
		Help: i18n.Key(`Demo replays the scenario of the Moscow consultations on Syria (second
round, April 2015), an illustrative reconstruction of a real round of talks,
through the same append path as any act: each step is signed by a demo
actor whose key is generated for this run. It leaves in DIR the record
(parley.db and the log keys), the demo actors' keys (keys/), the round-2
briefing (briefing.md, and briefing.ar.md and briefing.ru.md in Arabic and
Russian) and the public bundle of the record
(public.bundle, which "parley verify" checks), then serves the talks at the
URL it prints, where a visitor can act as each demo actor. After the
record it opens a sandbox round (marked as such in the record, which the
briefings of the real rounds do not count), so that a visitor acting as a
delegation can change a stance or propose an amendment at once. The real people
of the round say only what the press quoted them saying; the demo lists
each quotation with its source, on the command line and on its first page.

Beside it, the demo serves a second talks, labelled illustrative: an
invented exchange of detainees in three tranches between two invented
parties, verified by a neutral (no real names, no real lists: the lists
sealed in its record are placeholders). Tranche 1 is done, tranche 2
disputed (43 of 50 verified), tranche 3 waits on it, and a party's support
of a follow-up text is conditional on done(X.t2.gov). Its implementation
page is /talks/detainee-exchange/measures/X.

It takes the address before replaying: if the port is busy it stops at once
and says so; --addr 127.0.0.1:0 takes any free port. It ends by printing
commands that act as a demo actor, show the record, export it and verify
it, spelled so that they work as printed (with "go run ./cmd/parley" after
"go run").`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("dir", "", i18n.Key("where to write the demo (default: a new temporary directory)"))
			fs.String("addr", "127.0.0.1:8080", i18n.Key("address to serve on; 127.0.0.1:0 takes any free port"))
			fs.String("host", "demo.parley.localhost", i18n.Key("the host in the record's log origin <host>/talks/<id>"))
			fs.Bool("serve", true, i18n.Key("serve the demo after replaying it"))
			fs.String("log-level", "warn", i18n.Key("debug, info, warn or error"))
			fs.String("public-url", "", i18n.Key("the URL visitors open, when it is not http://ADDR (behind a proxy); the demo answers only to its own addresses and this URL's host"))
		},
		Run: runDemo,
	})
}

func runDemo(ctx context.Context, e *env, fs *flag.FlagSet) error {
	dir := str(fs, "dir")
	if dir != "" {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return &exitError{2, parley.Errorf(parley.EINVALID, "%s is not empty; the demo writes a fresh record: give an empty or new directory", dir)}
		}
	}
	serving := str(fs, "serve") == "true"
	c := serveConfig{addr: str(fs, "addr"), logLevel: str(fs, "log-level")}
	c.publicURL = str(fs, "public-url") // serve adds its host to the demo's own
	// Once handed to serve, the listener is closed there.
	handed := false
	if serving {
		// Take the address before replaying, and keep it: the server
		// serves on this very listener.
		ln, err := listen(c.addr)
		if err != nil {
			return err
		}
		c.ln = ln
		defer func() {
			if !handed {
				ln.Close()
			}
		}()
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "parley-demo-")
		if err != nil {
			return err
		}
		dir = d
	}
	c.data = dataConfig{Dir: dir, DB: filepath.Join(dir, "parley.db"), Host: str(fs, "host")}
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		return err
	}
	demo := &server.Demo{Talks: s.Talks, Notice: s.DemoNotice()}
	for _, m := range s.Cast {
		demo.Actors = append(demo.Actors, server.DemoActor{ID: m.ID, Name: m.Name, Role: m.Role, Party: m.Party, Key: ks[m.ID], Encryption: ks.Encryption(m.ID)})
	}
	for _, q := range s.Quotations() {
		demo.Quotations = append(demo.Quotations, server.DemoQuotation{Actor: q.By.ID, Text: q.Text, Source: q.Occasion + ", as quoted in " + q.Source})
	}
	// Beside the Moscow round, the illustrative exchange of detainees in
	// three tranches: a measure carried out, with invented parties and
	// placeholder lists. Its cast's ids are its own (xgov, xverifier, …).
	x := scenario.Exchange()
	xks, err := x.NewKeys()
	if err != nil {
		return err
	}
	for _, m := range x.Cast {
		demo.Actors = append(demo.Actors, server.DemoActor{ID: m.ID, Name: m.Name, Role: m.Role, Party: m.Party, Key: xks[m.ID], Encryption: xks.Encryption(m.ID)})
	}
	h := demoHints{
		p: e.P, prog: selfCommand(e.Getenv), dir: dir, talks: s.Talks,
		origin: parley.Origin(c.data.Host, s.Talks), actor: "oppC",
	}
	if c.ln != nil {
		h.url = "http://" + c.ln.Addr().String()
	}
	prepare := func(ctx context.Context, l *ledger.Ledger) error {
		fmt.Fprintln(e.Stderr, e.P.T("replaying %[2]q (%[1]d steps)…", len(s.Steps), s.Title))
		app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
			_, err := l.Append(ctx, se)
			return err
		})
		if err := s.Replay(ctx, app, ks, l.Origin(s.Talks), nil); err != nil {
			return err
		}
		// Then a round for a visitor to act in at once, marked in the
		// record as a sandbox: the round-2 briefing does not count it.
		if err := s.ReplaySandbox(ctx, app, ks, l.Origin(s.Talks), time.Now()); err != nil {
			return err
		}
		fmt.Fprintln(e.Stderr, e.P.T("replaying %[2]q (%[1]d steps)…", len(x.Steps), x.Title))
		if err := x.Replay(ctx, app, xks, l.Origin(x.Talks), nil); err != nil {
			return err
		}
		if err := writeDemoKeys(filepath.Join(dir, "keys"), s, ks); err != nil {
			return err
		}
		if err := writeDemoKeys(filepath.Join(dir, "keys"), x, xks); err != nil {
			return err
		}
		// The round-2 briefing in each language of the interface:
		// briefing.md in English, briefing.ar.md and briefing.ru.md.
		for _, tag := range i18n.Tags {
			md, err := roundBriefing(ctx, i18n.For(tag), l, s.Talks, "r2")
			if err != nil {
				return err
			}
			name := "briefing.md"
			if tag != i18n.English {
				name = "briefing." + i18n.Code(tag) + ".md"
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(md), 0o644); err != nil {
				return err
			}
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
		fmt.Fprintf(e.Stdout, "%s\n\n%s\n\n", s.Title, e.P.T("Note: %s", s.Notice))
		if qs := s.Quotations(); len(qs) > 0 {
			fmt.Fprintln(e.Stdout, e.P.T("Quoted in the press, word for word, and signed here by the demo actors who stand for them:"))
			for _, q := range qs {
				fmt.Fprintf(e.Stdout, "  %s, %s (%s): “%s”\n", q.By.Name, q.Occasion, q.Source, q.Text)
			}
			fmt.Fprintln(e.Stdout)
		}
		fmt.Fprintf(e.Stdout, "%s\n\n", e.P.T("After the record, the demo opened a sandbox round (%q), marked as such in the record: act as any delegation to change a stance or propose an amendment at once.", scenario.SandboxRound))
		fmt.Fprintln(e.Stdout, e.P.T("Beside it, the demo serves %[1]s (talks %[2]q). Note: %[3]s", x.Title, x.Talks, x.Notice))
		if h.url != "" {
			fmt.Fprintln(e.Stdout, e.P.T("Its implementation page: %s", h.url+"/talks/"+x.Talks+"/measures/X"))
			fmt.Fprintln(e.Stdout, e.P.T("Its packages of D2, for its mediator (act as xmediator), computed in the browser from the preferences the demo server opens: %s", h.url+"/talks/"+x.Talks+"/packages?item=D2"))
		}
		fmt.Fprintln(e.Stdout)
		h.write(e.Stdout)
		return nil
	}
	if !serving {
		l, closeStore, err := openLedger(ctx, c.data)
		if err != nil {
			return err
		}
		defer closeStore()
		return prepare(ctx, l)
	}
	handed = true
	return serve(ctx, e, c, demo, prepare)
}

// demoHints are the commands the demo suggests, each printed so that it
// works when pasted into a shell.
type demoHints struct {
	p          *i18n.Printer
	prog       string // how to run parley: "go run ./cmd/parley", a path, or "parley"
	dir, talks string
	origin     string
	actor      string // the demo actor the examples act as
	url        string // the demo server's URL, if it serves
}

// demoStatement is what the examples have the demo actor say.
const demoStatement = "We ask the mediator to set a date for the next round."

func (h demoHints) write(w io.Writer) {
	key := filepath.Join(h.dir, "keys", h.actor+".key")
	cmd := func(args ...string) string { return "  " + h.prog + " " + shellJoin(args) + "\n" }
	p := h.p
	if p == nil {
		p = i18n.For(i18n.English)
	}
	fmt.Fprintln(w, p.T("In %s:", h.dir))
	fmt.Fprintln(w, "  parley.db, logkeys/  "+p.T("the record, whose log origin is %s", h.origin))
	fmt.Fprintln(w, "  briefing.md          "+p.T("the round-2 briefing, generated from the record"))
	fmt.Fprintln(w, "  briefing.ar.md       "+p.T("the same briefing in Arabic; briefing.ru.md in Russian"))
	fmt.Fprintln(w, "  public.bundle        "+p.T("the public record, to check offline"))
	fmt.Fprintf(w, "  keys/                %s\n\n", p.T("the demo actors' keys, one file per actor (gov.key, oppA.key, ...)"))
	if h.url != "" {
		fmt.Fprintln(w, p.T("While the demo serves, act as a demo actor through it from another terminal, here as %s:", h.actor))
		fmt.Fprint(w, cmd("statement", "--server", h.url, "--talks", h.talks, "--key", key, demoStatement))
		fmt.Fprint(w, cmd("show", "--server", h.url, "--talks", h.talks))
		fmt.Fprintf(w, "\n%s\n", p.T("Once you stop it (Ctrl-C), work on the record itself, which only one program may write at a time:"))
	} else {
		fmt.Fprintln(w, p.T("Work on the record from the command line, acting here as %s:", h.actor))
	}
	bundle := filepath.Join(h.dir, "public.bundle")
	again := filepath.Join(h.dir, "public-again.bundle")
	fmt.Fprint(w, cmd("verify", bundle))
	fmt.Fprint(w, cmd("statement", "--dir", h.dir, "--talks", h.talks, "--key", key, demoStatement))
	fmt.Fprint(w, cmd("show", "--dir", h.dir, "--talks", h.talks))
	fmt.Fprint(w, cmd("caucus", "read", h.actor, "--dir", h.dir, "--talks", h.talks, "--key", key))
	fmt.Fprint(w, cmd("export", "--dir", h.dir, "--talks", h.talks, "-o", again))
	fmt.Fprint(w, cmd("verify", again))
}

// selfCommand returns how to run this program again from a shell: "parley"
// if that is the parley on the PATH; "go run ./cmd/parley" (or the package
// path, outside the module's root) if this is a temporary build of "go
// run" or of a test; else the executable's path.
func selfCommand(getenv func(string) string) string {
	exe, err := os.Executable()
	if err != nil {
		return "parley"
	}
	wd, _ := os.Getwd()
	return commandFor(exe, wd, getenv("GOCACHE"), exec.LookPath)
}

func commandFor(exe, wd, gocache string, lookPath func(string) (string, error)) string {
	if goBuild(exe, gocache) {
		if _, err := os.Stat(filepath.Join(wd, "cmd", "parley", "main.go")); err == nil {
			return "go run ./cmd/parley"
		}
		return "go run github.com/parleyhq/parley/cmd/parley"
	}
	if p, err := lookPath("parley"); err == nil && sameFile(p, exe) {
		return "parley"
	}
	return shellQuote(exe)
}

// goBuild reports whether exe was built by "go run" or "go test": in a
// go-build directory under the temporary directory, or in the build cache.
func goBuild(exe, gocache string) bool {
	if gocache != "" {
		if rel, err := filepath.Rel(gocache, exe); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(exe)), "/") {
		if strings.HasPrefix(part, "go-build") {
			return true
		}
	}
	return false
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// shellJoin quotes each argument for a POSIX shell and joins them.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeDemoKeys writes each demo actor's keys, signing and encryption, as
// a key file.
func writeDemoKeys(dir string, s *scenario.Script, ks scenario.Keys) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, m := range s.Cast {
		if err := writeKeys(filepath.Join(dir, m.ID+".key"), ks[m.ID], ks.Encryption(m.ID)); err != nil {
			return err
		}
	}
	return nil
}

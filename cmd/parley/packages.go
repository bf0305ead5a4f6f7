package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
	"github.com/parleyhq/parley/frontier"
	"github.com/parleyhq/parley/i18n"
)

func init() {
	register(&command{
		Name:    "packages",
		Usage:   "[-current PACKAGE] [-proposal PACKAGE] [-max-ties N] [-max-points N] [-timeout D] [-compact] [-svg FILE [-lang LANG]] {< PREFERENCES | --talks T --item ITEM --key MEDIATORKEY [--server URL]}",
		Summary: i18n.Key("compute the exact Pareto frontier and the Nash, Kalai-Smorodinsky and maximin packages"),
		Help: i18n.Key(`Packages reads the issues of an item and the parties' preferences over
their options, in the interchange format of docs/PACKAGES.md, on standard
input, and writes as JSON the exact Pareto frontier over all packages (every
package no other makes someone better off without making someone worse
off, with every party's utility), the Nash, Kalai-Smorodinsky and maximin
packages (ties all listed), the values they reach, and each party's worst,
best and ideal utilities. Utilities are exact decimals; nothing is rounded.

A PACKAGE chooses one option for every issue. Give it as a JSON object,
such as '{"detainees": "250", "tranches": "2"}', or as the name of a file
holding one. With -current, the result assesses the package on the table:
every party's utility and gain over its reservation, whether it is Pareto
optimal, and the frontier packages that make every party strictly better
off. -proposal assesses a package the same way; both say how far each
party is from its best package.

Packages achieving the same utilities are all counted, and at most
-max-ties of them are listed per utility vector; "truncated" says when
some were left out. When the frontier of the first issues grows past
-max-points points, or the computation outlasts -timeout, the command
fails rather than answer inexactly.

For two parties, -svg also draws the result as a picture (SVG): one
party's utility against the other's, the reservations, the frontier, the
current package and the proposal, and the three solutions, each marked
with its own shape; its description says all of it in words, in the
language of -lang (else PARLEY_LANG, else the locale, else English).

From the record: with --item, packages reads the instance from the talks
of --talks instead of standard input: the issues of ITEM as a mediator
defined them ("parley issues") and every party's latest preferences
("parley preferences"), which are sealed. They are read as the actor of
--key may read them (a mediator), from the server of --server or else the
local record, each event's signature checked, and opened here, on this
device, with that key: the host never sees them in the clear. The current
package of the definition, if it gives one, is assessed as with -current
(which, if given, takes its place). Preferences given over an earlier
definition of the issues are refused, naming the party, which gives them
again.

Malformed input exits with status 1 and a message naming the field, such
as parties[1].values.tranches.`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("current", "", i18n.Key("assess the current `PACKAGE` (JSON or a file)"))
			fs.String("proposal", "", i18n.Key("assess a proposed `PACKAGE` (JSON or a file)"))
			fs.Int("max-ties", bargain.DefaultMaxTies, i18n.Key("list at most `N` packages with the same utilities"))
			fs.Int("max-points", bargain.DefaultMaxPoints, i18n.Key("fail when the frontier of the first issues exceeds `N` points"))
			fs.Duration("timeout", 0, i18n.Key("fail when the computation takes longer than `D` (0: no limit)"))
			fs.Bool("compact", false, i18n.Key("write the JSON on one line"))
			fs.String("svg", "", i18n.Key("also draw the frontier of two parties as SVG into `FILE`"))
			fs.String("lang", "", langHelp)
			readFlags(fs)
			fs.String("item", "", i18n.Key("read the issues of `ITEM` and the parties' sealed preferences from the record of --talks"))
			fs.String("key", "", i18n.Key("with --item: the key file of a mediator, which opens the preferences (env PARLEY_KEY)"))
		},
		Run: runPackages,
	})
}

func runPackages(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) > 0 {
		return parley.Errorf(parley.EINVALID, "packages takes no arguments, but got %q: give the preferences on standard input", e.Args[0])
	}
	get := func(name string) any { return fs.Lookup(name).Value.(flag.Getter).Get() }
	maxTies, maxPoints := get("max-ties").(int), get("max-points").(int)
	if maxTies < 1 {
		return parley.Errorf(parley.EINVALID, "-max-ties must be at least 1")
	}
	if maxPoints < 1 {
		return parley.Errorf(parley.EINVALID, "-max-points must be at least 1")
	}
	if d := get("timeout").(time.Duration); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var inst *bargain.Instance
	var current map[string]string
	var err error
	if item := get("item").(string); item != "" {
		if inst, current, err = instanceFromRecord(ctx, e, fs, item); err != nil {
			return err
		}
	} else {
		for _, f := range []string{"talks", "key", "server"} {
			if isSet(fs, f) {
				return &exitError{2, parley.Errorf(parley.EINVALID, "--%s reads from the record, with --item ITEM; without --item the preferences are read on standard input", f)}
			}
		}
		if inst, err = bargain.ReadInstance(e.Stdin); err != nil {
			return err
		}
	}
	pb, err := bargain.NewProblem(inst)
	if err != nil {
		return err
	}
	opts := bargain.ResultOptions{MaxTies: maxTies}
	for _, p := range []struct {
		flag string
		to   *bargain.Package
	}{{"current", &opts.Current}, {"proposal", &opts.Proposal}} {
		v := get(p.flag).(string)
		if v == "" {
			continue
		}
		if *p.to, err = readPackage(v, pb.Issues(), "-"+p.flag); err != nil {
			return err
		}
	}
	if opts.Current == nil && current != nil {
		if opts.Current, err = bargain.PackageOf(pb.Issues(), current, "the current package of the definition"); err != nil {
			return err
		}
	}
	f, err := pb.Frontier(ctx, bargain.Limits{MaxPoints: maxPoints})
	if errors.Is(err, context.DeadlineExceeded) {
		return parley.Errorf(parley.EINVALID, "the frontier took longer than -timeout %v; nothing was computed: raise -timeout, or settle some issues first (docs/PACKAGES.md says how the cost grows)", get("timeout"))
	}
	if err != nil {
		return err
	}
	res, err := f.Result(opts)
	if err != nil {
		return err
	}
	if path := get("svg").(string); path != "" {
		if err := writeFrontier(e, fs, res, path); err != nil {
			return err
		}
	}
	if err := res.Write(e.Stdout, get("compact").(bool)); err != nil {
		return parley.Errorf(parley.EINVALID, "writing the result: %v", err)
	}
	return nil
}

// writeFrontier draws the result of two parties into the SVG file path.
func writeFrontier(e *env, fs *flag.FlagSet, res *bargain.Result, path string) error {
	p, err := outputLanguage(e, fs)
	if err != nil {
		return err
	}
	c, err := frontier.New(res, nil)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "-svg: %v", err)
	}
	var b bytes.Buffer
	if err := frontier.Write(&b, c, p, frontier.Options{Dir: p.Dir()}); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return parley.Errorf(parley.EINVALID, "-svg: %v", err)
	}
	return nil
}

// readPackage reads a package given to flag as JSON or in a file.
func readPackage(v string, issues []bargain.Issue, flag string) (bargain.Package, error) {
	b := []byte(v)
	if !strings.HasPrefix(strings.TrimSpace(v), "{") {
		var err error
		if b, err = os.ReadFile(v); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "%s: %q is neither a JSON object nor a file that can be read: %v", flag, v, errors.Unwrap(err))
		}
	}
	return bargain.DecodePackage(b, issues, flag)
}

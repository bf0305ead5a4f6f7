// Command parley runs mediated negotiations with a verifiable record: it
// serves the API and web UI, signs acts, computes what is agreed and checks
// records offline. Run "parley help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// env is what every command gets: its arguments, standard streams and the
// environment. Commands read configuration from flags with environment
// fallbacks through env.Getenv, never from globals.
type env struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// P says what the command writes for people in their language:
	// -lang where the command has it, else PARLEY_LANG, else the locale,
	// else English (outputLanguage).
	P *i18n.Printer
}

// A command is one subcommand of parley.
type command struct {
	Name    string
	Usage   string // the argument synopsis, after "parley NAME"
	Summary string // one line, a key of the catalogs (i18n.Key)
	Help    string // more, shown by "parley help NAME" and -h; said translated where a catalog has it
	// HelpTail follows Help, a paragraph that several commands share.
	HelpTail string
	Run      func(ctx context.Context, e *env, fs *flag.FlagSet) error
	Flags    func(fs *flag.FlagSet) // defines the flags, before parsing
}

var commands = map[string]*command{}

func register(c *command) { commands[c.Name] = c }

// exitError carries an exit status other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// spokenError carries, with an error run returns, the language of the run,
// in which exitCode says it.
type spokenError struct {
	err error
	p   *i18n.Printer
}

func (e *spokenError) Error() string { return e.err.Error() }
func (e *spokenError) Unwrap() error { return e.err }

// sayError says an error to a person in the language of p. A
// parley.Error is said from its format, translated; any other error (of
// the system, such as a file that cannot be read) as its own text, which
// is English: on the command line its details belong to the person who
// runs it.
func sayError(p *i18n.Printer, err error) string {
	if p == nil || p.Code() == i18n.Code(i18n.English) {
		return err.Error()
	}
	var e *parley.Error
	if errors.As(err, &e) {
		return p.Error(e)
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.say(p)
	}
	return err.Error()
}

// errUsage marks a usage error already reported by the flag package.
var errUsage = errors.New("usage")

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	code := 1
	var xe *exitError
	if errors.As(err, &xe) {
		code = xe.code
	}
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var se *spokenError
	var p *i18n.Printer
	if errors.As(err, &se) {
		p = se.p
	}
	fmt.Fprintf(stderr, "parley: %s\n", sayError(p, err))
	return code
}

// run runs the command args name. What it writes for people, and the
// error it returns, are in the language outputLanguage picks from the
// environment (and the command's -lang, where it has one).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	e := &env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr, P: i18n.For(i18n.English)}
	defer func() {
		if err != nil {
			err = &spokenError{err, e.P}
		}
	}()
	p, err := outputLanguage(e, nil)
	if err != nil {
		return err
	}
	e.P = p
	if len(args) == 0 {
		usage(stderr, p)
		return errUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(args) > 1 {
			if c, _ := lookup(args[1:]); c != nil {
				commandUsage(stdout, p, c)
				return nil
			}
			return &exitError{2, parley.Errorf(parley.EINVALID, "no command %q; run \"parley help\" for the list", strings.Join(args[1:], " "))}
		}
		usage(stdout, p)
		return nil
	}
	c, rest := lookup(args)
	if c == nil {
		if g := group(name); g != "" {
			return &exitError{2, parley.Errorf(parley.EINVALID, "%q needs a subcommand: %s", name, g)}
		}
		return &exitError{2, parley.Errorf(parley.EINVALID, "no command %q; run \"parley help\" for the list", name)}
	}
	args = rest
	fs := flag.NewFlagSet("parley "+c.Name, flag.ContinueOnError)
	// The flag package's messages are English: say them here instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if c.Flags != nil {
		c.Flags(fs)
	}
	pos, err := parseInterleaved(fs, args[1:])
	if ownLangFlag(fs) {
		// The command's -lang, if given, names the language.
		if p, lerr := outputLanguage(e, fs); lerr == nil {
			e.P = p
		} else if err == nil {
			return lerr
		}
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(stderr, e.P, c)
			return flag.ErrHelp
		}
		fmt.Fprintln(stderr, flagError(e.P, err))
		commandUsage(stderr, e.P, c)
		return errUsage
	}
	e.Args = pos
	return c.Run(ctx, e, fs)
}

// flagErrors are the messages of the flag package, as patterns and as
// keys of the catalogs.
var flagErrors = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^flag provided but not defined: (.*)$`), i18n.Key("flag provided but not defined: %s")},
	{regexp.MustCompile(`^flag needs an argument: (.*)$`), i18n.Key("flag needs an argument: %s")},
	{regexp.MustCompile(`^bad flag syntax: (.*)$`), i18n.Key("bad flag syntax: %s")},
	{regexp.MustCompile(`^invalid boolean value (".*") for (-[^:]*): (.*)$`), i18n.Key("invalid boolean value %[1]s for %[2]s: %[3]s")},
	{regexp.MustCompile(`^invalid value (".*") for flag (-[^:]*): (.*)$`), i18n.Key("invalid value %[1]s for flag %[2]s: %[3]s")},
}

// flagError says an error of the flag package in the language of p.
func flagError(p *i18n.Printer, err error) string {
	msg := err.Error()
	for _, f := range flagErrors {
		if m := f.re.FindStringSubmatch(msg); m != nil {
			args := make([]any, len(m)-1)
			for i, s := range m[1:] {
				args[i] = s
			}
			return p.T(f.key, args...)
		}
	}
	return msg
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments, and returns the positional arguments. After
// "--" everything is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i, a := range args {
		if a == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// lookup finds the command named by the first one or two words of args
// ("round open") and returns it with the arguments that follow its name.
func lookup(args []string) (*command, []string) {
	if len(args) > 1 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[1:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args
	}
	return nil, nil
}

// group lists the subcommands of a command group such as "round".
func group(name string) string {
	var subs []string
	for n := range commands {
		if g, sub, ok := strings.Cut(n, " "); ok && g == name {
			subs = append(subs, sub)
		}
	}
	sort.Strings(subs)
	return strings.Join(subs, ", ")
}

func usage(w io.Writer, p *i18n.Printer) {
	fmt.Fprintf(w, "%s\n\n%s\n\n%s\n", p.T("Parley runs mediated negotiations with a verifiable record."),
		p.T("Usage: %s", "parley COMMAND [flags] [args]"), p.T("Commands:"))
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s %s\n", width, n, p.T(commands[n].Summary))
	}
	fmt.Fprintf(w, "\n%s\n", p.T("Run \"parley help COMMAND\" or \"parley COMMAND -h\" for a command's flags."))
}

func commandUsage(w io.Writer, p *i18n.Printer, c *command) {
	fmt.Fprintf(w, "%s\n\n%s\n", p.T("Usage: %s", "parley "+c.Name+" "+c.Usage), p.T(c.Summary))
	for _, h := range []string{c.Help, c.HelpTail} {
		if h != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(p.T(h)))
		}
	}
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	if c.Flags != nil {
		c.Flags(fs)
	}
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintf(w, "\n%s\n", p.T("Flags:"))
		printDefaults(w, p, fs)
	}
}

// printDefaults writes the flags of fs as flag.PrintDefaults does, each
// usage said in the language of p.
func printDefaults(w io.Writer, p *i18n.Printer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		said := *f
		said.Usage = p.T(f.Usage)
		var b strings.Builder
		fmt.Fprintf(&b, "  -%s", f.Name)
		name, usage := flag.UnquoteUsage(&said)
		if name != "" {
			b.WriteString(" " + name)
		}
		if b.Len() <= 4 {
			b.WriteString("\t")
		} else {
			b.WriteString("\n    \t")
		}
		b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
		if !isZeroValue(f) {
			if fmt.Sprintf("%T", f.Value) == "*flag.stringValue" {
				b.WriteString(" " + p.T("(default %q)", f.DefValue))
			} else {
				b.WriteString(" " + p.T("(default %s)", f.DefValue))
			}
		}
		fmt.Fprintln(w, b.String())
	})
}

// isZeroValue reports whether a flag's default is the zero value of its
// type, which PrintDefaults leaves unsaid.
func isZeroValue(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s", "[]", "<nil>":
		return true
	}
	return false
}

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
	"sort"
	"strings"
	"syscall"
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
}

// A command is one subcommand of parley.
type command struct {
	Name    string
	Usage   string // the argument synopsis, after "parley NAME"
	Summary string // one line
	Help    string // more, shown by "parley help NAME" and -h
	Run     func(ctx context.Context, e *env, fs *flag.FlagSet) error
	Flags   func(fs *flag.FlagSet) // defines the flags, before parsing
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
	fmt.Fprintf(stderr, "parley: %s\n", err)
	return code
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return errUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(args) > 1 {
			if c, _ := lookup(args[1:]); c != nil {
				commandUsage(stdout, c)
				return nil
			}
			return fmt.Errorf("no command %q; run \"parley help\" for the list", strings.Join(args[1:], " "))
		}
		usage(stdout)
		return nil
	}
	c, rest := lookup(args)
	if c == nil {
		if g := group(name); g != "" {
			return &exitError{2, fmt.Errorf("%q needs a subcommand: %s", name, g)}
		}
		return &exitError{2, fmt.Errorf("no command %q; run \"parley help\" for the list", name)}
	}
	args = rest
	fs := flag.NewFlagSet("parley "+c.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { commandUsage(stderr, c) }
	if c.Flags != nil {
		c.Flags(fs)
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return errUsage
	}
	e.Args = pos
	return c.Run(ctx, e, fs)
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

func usage(w io.Writer) {
	fmt.Fprintf(w, "Parley runs mediated negotiations with a verifiable record.\n\nUsage: parley COMMAND [flags] [args]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintf(w, "\nRun \"parley help COMMAND\" or \"parley COMMAND -h\" for a command's flags.\n")
}

func commandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: parley %s %s\n\n%s\n", c.Name, c.Usage, c.Summary)
	if c.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Help))
	}
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	if c.Flags != nil {
		c.Flags(fs)
	}
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// Command parley-load puts a Parley server under the load of a large talks
// and prints a Markdown report of what it measured: signed writes per
// second with their latency, the delay of live updates to many server-sent
// event subscribers, and read throughput beside a bare net/http handler
// measured in the same run.
//
// By default it starts its own server in the process, on 127.0.0.1 over a
// fresh SQLite record in a temporary directory, with rate limits off. With
// -server it loads a running server instead; it then founds a talks of its
// own with keys it generates, so the server must accept new talks and its
// rate limits apply. It only ever talks to loopback addresses.
//
// Run "parley-load -h" for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "parley-load: %v\n", err)
	os.Exit(1)
}

// errUsage marks a usage error already reported on stderr.
var errUsage = errors.New("usage")

// errFailures is returned after the report when requests failed, events
// were missed or streams were dropped.
var errFailures = errors.New("the run had failures; see the report")

// Phases, in the order they run.
const (
	phaseWrites = "writes"
	phaseFanout = "fanout"
	phaseReads  = "reads"
	phaseKeys   = "keys"
)

var allPhases = []string{phaseWrites, phaseFanout, phaseReads, phaseKeys}

// Who the fan-out's subscribers are.
const (
	viewersPublic  = "public"  // anonymous: the public
	viewersParties = "parties" // each signed in as its own actor of a party
)

var allViewers = []string{viewersPublic, viewersParties}

// defaultPhases are the phases run when -phases is not given.
var defaultPhases = []string{phaseWrites, phaseFanout, phaseReads}

// config is what one run does. Every count and duration is bounded by
// check.
type config struct {
	server  string   // the -server flag as given; "" starts a server in the process
	servers []string // the base URLs of -server, in order, before they are checked
	dir     string   // where the in-process server's temporary record goes

	parties    int
	items      int
	versions   int
	paragraphs int
	setupConc  int

	writers   int
	duration  time.Duration // of the write phase and of each read target
	maxWrites int
	presign   bool

	subscribers int
	events      int
	rate        float64 // fan-out events per second
	drain       time.Duration

	readers  int
	maxReads int

	keys int // keys from one address in the keys phase

	viewers   []string // who the fan-out's subscribers are, one fan-out run each: viewersPublic, viewersParties
	private   float64  // share of the fan-out's events that are caucus messages to one party
	proximity bool     // found the talks as proximity talks

	act        string // actStance or actStatement
	phases     []string
	timeout    time.Duration
	cpuprofile string
	jsonOut    string
}

func (c *config) has(phase string) bool { return slices.Contains(c.phases, phase) }

// signedIn reports whether the run signs actors in: when -viewers names
// the parties, whichever phases run, so that the write phase too acts in
// the talks with every actor on its roster.
func (c *config) signedIn() bool { return slices.Contains(c.viewers, viewersParties) }

// actors returns how many actors of the parties the talks has: a head per
// party and, when the run signs actors in, enough delegates that every
// subscriber is an actor of its own.
func (c *config) actors() int {
	if !c.signedIn() {
		return c.parties
	}
	return max(c.parties, c.subscribers)
}

const help = `Usage: parley-load [flags]

parley-load measures a Parley server under the load of a talks at the
scale of DESIGN.md §7 and prints a Markdown report on stdout.

It sets up a public talks (proximity talks with -proximity) with -parties
delegations, each with a head of delegation (and delegates, see
-viewers) invited to an open round, and -items items with -versions
versions of -paragraphs paragraphs, posting the events concurrently. Then
it runs three phases:

  writes  -writers delegations each POST signed stance events (or public
          statements, with -act statement) over keep-alive connections,
          one request at a time, for -duration or -max-writes requests;
          it reports writes/s, latency percentiles and errors by status.
  fanout  -subscribers clients open the talks' live stream, as the
          viewers of -viewers; -events acts are posted on a fixed
          schedule of -rate per second, and the delay from just before
          each POST to each subscriber's receipt of the event is
          reported, with missed events, dropped streams and visibility
          violations. With -viewers public,parties it runs once for each,
          in that order, on the same talks, so that the cost of filtering
          by viewer shows in one report.
  reads   -readers clients GET one path over and over for -duration per
          target: a bare net/http handler on another loopback port serving
          the bytes of a checkpoint response, GET /api/v1/talks/{id}/checkpoint,
          a bare handler serving the bytes of the talks overview, and
          GET /api/v1/talks/{id}; rates are compared within the run. When
          -viewers names parties, GET /api/v1/talks/{id} once more with
          reader i signed in as actor i, each reader its own viewer.

Viewers (-viewers, comma-separated):

  public   the subscribers listen without signing in, as the public.
  parties  subscriber i signs in as an actor of its own: actor i, of party
           i mod -parties, that party's head of delegation for i below
           -parties and one of its delegates beyond (with 1,000
           subscribers and 200 parties, a head and 4 delegates a party).
           The set-up puts the delegates on the roster; after it, every
           actor signs in with its own key (a challenge from the server,
           signed here, then a session), and each subscriber opens its
           stream with its own session.

-private F makes that share of the fan-out's events caucus messages from
the mediator to one party (chosen at random), which only that party's
actors (and the mediators) may see; -proximity founds the talks as
proximity talks, where each party's stances are seen only by its own
actors. Every subscriber checks that it receives each event it may see
(a missed delivery otherwise) and none that it may not (a visibility
violation), by what this tool posted, not by the server's rules; the
public may see neither kind.

A fourth phase runs only when -phases names it:

  keys    -keys keys, all from this one address, each sign in and then
          read (GET the checkpoint) and write (POST a signed stance of
          their party) with their session as fast as they can for
          -duration, retrying refused sign-ins at once. It reports the
          requests accepted and refused, by the limit named, beside the
          most that the server's per-address limits let through. It runs
          against a server of its own in this process, over a talks of
          -keys parties, with the default limits of parley serve (or
          against -server, the first one listed, with its own limits).

Before each phase the tool waits for the server to finish what the last
one left (it re-evaluates the agreement after stances), so that each phase
measures its own load.

By default the server runs in this process on 127.0.0.1 over a fresh SQLite
record (synchronous=FULL) in a temporary directory under -dir, with rate
limits off (every rate and per-address limit of server.Config at -1, so
that a thousand sign-ins and streams from this one address pass); the
directory is removed at the end. With -server URL it loads a running
server on a loopback address instead. It needs no account or
key there: it founds a public talks of its own (named load-XXXXXXXX) with
keys it generates, so the server must accept new talks, and that talks
stays in its record. The server's own rate limits apply, per client
address, and every request comes from the loopback address: expect 429s,
reported as errors, unless its limits are raised. For this load, start it
with

  parley serve --read-rate -1 --write-rate -1 --sign-in-rate -1 \
      --streams-per-addr -1 --anon-streams-per-addr -1 ...

(the sign-in rate and the per-address stream limits matter as soon as
subscribers sign in or listen anonymously by the dozen); a sign-in still
refused after a few tries ends the run with a message naming them.
Non-loopback addresses are refused, and every connection the tool makes
is checked to be to a loopback address.

-server may list several base URLs, comma-separated: the processes of one
deployment that share a PostgreSQL database (and a data directory), which
must all name the same host in GET /api/v1/info. The talks is set up
through the first. In the write phase writer i posts to server i mod n; in
the fan-out phase every event is posted to the first server and subscriber
i listens on server i mod n, so the subscribers of the other servers
receive events appended through another process, and the delay is reported
per server as well as in all; in the read phase reader i reads from server
i mod n (the bare handlers are in this process, as ever). The script
compare-stores.sh beside this tool's source runs the write and fan-out
phases over SQLite and over PostgreSQL with one process and with two, in
one run, and prints a table comparing them.

Every loop is bounded in count and in time, and the whole run by -timeout.
The exit status is 1 when a request failed, an event was missed, a stream
was dropped or a subscriber received an event it may not see (the report
is printed first), 2 on a usage error.

Flags:
`

// parseFlags parses args into a config.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("parley-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.server, "server", "", "base URL of a running server on a loopback address, e.g. http://127.0.0.1:8080, or a comma-separated list of the servers of one deployment (default: start one in this process)")
	fs.StringVar(&c.dir, "dir", "", "directory for the in-process server's temporary record (default: the system's temporary directory)")
	fs.IntVar(&c.parties, "parties", 200, "delegations (parties, each with a head) in the talks, 1 to 5000")
	fs.IntVar(&c.items, "items", 1000, "items on the agenda, 1 to 20000")
	fs.IntVar(&c.versions, "versions", 2, "versions tabled of each item, 1 to 10")
	fs.IntVar(&c.paragraphs, "paragraphs", 3, "paragraphs in each version, 1 to 100")
	fs.IntVar(&c.setupConc, "setup-concurrency", 64, "concurrent requests while setting up, 1 to 512")
	fs.IntVar(&c.writers, "writers", 64, "concurrent delegations writing in the write phase, 1 to 2048")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of the write phase and of each read target, 100ms to 10m")
	fs.IntVar(&c.maxWrites, "max-writes", 50000, "requests in the write phase at most, 1 to 1000000")
	fs.BoolVar(&c.presign, "presign", true, "sign the write phase's events before its clock starts (false: each writer signs before each request)")
	fs.IntVar(&c.subscribers, "subscribers", 1000, "live-stream subscribers in the fan-out phase, 1 to 20000")
	fs.IntVar(&c.events, "events", 200, "events posted in the fan-out phase, 1 to 10000")
	fs.Float64Var(&c.rate, "rate", 20, "fan-out events per second, 0.1 to 1000")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "how long the fan-out phase waits for the last event to reach every subscriber, 100ms to 2m")
	fs.IntVar(&c.readers, "readers", 32, "concurrent readers in the read phase, 1 to 2048")
	fs.IntVar(&c.maxReads, "max-reads", 2000000, "requests per read target at most, 1 to 10000000")
	fs.IntVar(&c.keys, "keys", 100, "keys from one address in the keys phase, 1 to 2000")
	viewers := fs.String("viewers", viewersPublic, "who the fan-out's subscribers are, comma-separated, one fan-out run each: public (anonymous) or parties (each signed in as an actor of its own)")
	fs.Float64Var(&c.private, "private", 0, "share of the fan-out's events that are caucus messages to one party, 0 to 1")
	fs.BoolVar(&c.proximity, "proximity", false, "found the talks as proximity talks: each party's stances are seen by its own actors only (and the mediators)")
	fs.StringVar(&c.act, "act", actStance, "what the writes and fan-out events are: stance (each changes what is agreed, so the server re-evaluates the agreement) or statement (public statements, which do not)")
	phases := fs.String("phases", strings.Join(defaultPhases, ","), "phases to run, comma-separated: writes, fanout, reads, keys")
	fs.DurationVar(&c.timeout, "timeout", 15*time.Minute, "limit on the whole run, 1s to 2h")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the phases (not the set-up) to this file")
	fs.StringVar(&c.jsonOut, "json", "", "also write the figures as JSON to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "parley-load takes no arguments, only flags (got %q); see parley-load -h\n", fs.Arg(0))
		return nil, errUsage
	}
	for _, p := range strings.Split(*phases, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(allPhases, p) {
			fmt.Fprintf(stderr, "-phases: %q is not a phase; want some of %s\n", p, strings.Join(allPhases, ", "))
			return nil, errUsage
		}
		if !slices.Contains(c.phases, p) {
			c.phases = append(c.phases, p)
		}
	}
	for _, v := range strings.Split(*viewers, ",") {
		v = strings.TrimSpace(v)
		if !slices.Contains(allViewers, v) {
			fmt.Fprintf(stderr, "-viewers: %q is not a kind of viewer; want some of %s\n", v, strings.Join(allViewers, ", "))
			return nil, errUsage
		}
		if !slices.Contains(c.viewers, v) {
			c.viewers = append(c.viewers, v)
		}
	}
	if c.server != "" {
		servers, err := splitServers(c.server)
		if err != nil {
			fmt.Fprintf(stderr, "%v; see parley-load -h\n", err)
			return nil, errUsage
		}
		c.servers = servers
	}
	if err := c.check(); err != nil {
		fmt.Fprintf(stderr, "%v; see parley-load -h\n", err)
		return nil, errUsage
	}
	return c, nil
}

// check returns an error naming the first flag out of its bounds.
func (c *config) check() error {
	ints := []struct {
		name     string
		v        int
		min, max int
	}{
		{"parties", c.parties, 1, 5000},
		{"items", c.items, 1, 20000},
		{"versions", c.versions, 1, 10},
		{"paragraphs", c.paragraphs, 1, 100},
		{"setup-concurrency", c.setupConc, 1, 512},
		{"writers", c.writers, 1, 2048},
		{"max-writes", c.maxWrites, 1, 1000000},
		{"subscribers", c.subscribers, 1, 20000},
		{"events", c.events, 1, 10000},
		{"readers", c.readers, 1, 2048},
		{"max-reads", c.maxReads, 1, 10000000},
		{"keys", c.keys, 1, 2000},
	}
	for _, f := range ints {
		if f.v < f.min || f.v > f.max {
			return fmt.Errorf("-%s %d is out of bounds: want %d to %d", f.name, f.v, f.min, f.max)
		}
	}
	durs := []struct {
		name     string
		v        time.Duration
		min, max time.Duration
	}{
		{"duration", c.duration, 100 * time.Millisecond, 10 * time.Minute},
		{"drain", c.drain, 100 * time.Millisecond, 2 * time.Minute},
		{"timeout", c.timeout, time.Second, 2 * time.Hour},
	}
	for _, f := range durs {
		if f.v < f.min || f.v > f.max {
			return fmt.Errorf("-%s %v is out of bounds: want %v to %v", f.name, f.v, f.min, f.max)
		}
	}
	if c.act != actStance && c.act != actStatement {
		return fmt.Errorf("-act %q: want %s or %s", c.act, actStance, actStatement)
	}
	if !(c.private >= 0 && c.private <= 1) {
		return fmt.Errorf("-private %g is out of bounds: want a share from 0 to 1", c.private)
	}
	if !(c.rate >= 0.1 && c.rate <= 1000) {
		return fmt.Errorf("-rate %g is out of bounds: want 0.1 to 1000 events per second", c.rate)
	}
	return nil
}

// maxServers bounds the base URLs of -server.
const maxServers = 16

// splitServers splits the comma-separated base URLs of -server. It refuses
// an empty entry, the same URL twice and more than maxServers; each URL is
// checked later, by checkServerURL.
func splitServers(raw string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			return nil, fmt.Errorf("-server %q: an empty entry; want base URLs separated by commas", raw)
		case slices.Contains(out, s):
			return nil, fmt.Errorf("-server %q: %s is listed twice", raw, s)
		}
		out = append(out, s)
	}
	if len(out) > maxServers {
		return nil, fmt.Errorf("-server: %d servers; want at most %d", len(out), maxServers)
	}
	return out, nil
}

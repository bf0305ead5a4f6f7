package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"time"
)

// run runs the tool with the given arguments: it sets up the talks, runs
// the phases and writes the report to stdout. Progress goes to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	progress := func(format string, a ...any) {
		fmt.Fprintf(stderr, "parley-load: "+format+"\n", a...)
	}

	rep := &report{args: args, cfg: cfg, started: time.Now(), machine: machineOf()}
	// Each connection is a file on the client's side and, in the process,
	// one more on the server's.
	conns := uint64(cfg.subscribers + cfg.writers + cfg.readers + cfg.setupConc)
	if cfg.server == "" {
		conns *= 2
	}
	rep.filesNeed = conns + 256
	rep.filesBefore, rep.filesAfter, err = fileLimit(rep.filesNeed)
	if err != nil {
		return err
	}

	// Measure signing first, while nothing else runs.
	if rep.signEach, err = signCost(inProcessHost, 2000); err != nil {
		return err
	}

	api := &http.Client{Transport: newTransport(max(cfg.writers, cfg.readers, cfg.setupConc) + 16), Timeout: time.Minute}
	st := newTransport(2)
	st.ResponseHeaderTimeout = 30 * time.Second
	streams := &http.Client{Transport: st}

	if cfg.has(phaseWrites) || cfg.has(phaseFanout) || cfg.has(phaseReads) {
		if err := mainPhases(ctx, cfg, rep, api, streams, stderr, progress); err != nil {
			return err
		}
	}
	if cfg.has(phaseKeys) {
		// Its own server, or the first of -server, over a talks of its own.
		if rep.keys, err = keysPhase(ctx, cfg, api, stderr, progress); err != nil {
			return err
		}
		api.CloseIdleConnections()
	}
	rep.ended = time.Now()
	rep.loadEnd = loadAverage()

	if err := rep.write(stdout); err != nil {
		return err
	}
	if cfg.jsonOut != "" {
		b, err := json.MarshalIndent(rep.summary(), "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing the figures: %w", err)
		}
	}
	if rep.failures() > 0 {
		return errFailures
	}
	return nil
}

// mainPhases sets up the talks on the target and runs the write, fan-out
// and read phases that cfg names.
func mainPhases(ctx context.Context, cfg *config, rep *report, api, streams *http.Client, stderr io.Writer, progress func(string, ...any)) error {
	var err error
	var tgt *target
	if cfg.server != "" {
		tgt, err = external(ctx, cfg.servers, api)
	} else {
		tgt, err = inProcess(ctx, cfg.dir, cfg.subscribers+256, false, stderr)
	}
	if err != nil {
		return err
	}
	defer func() {
		// Close the client's side first: a server shutting down waits
		// seconds for connections that never carried a request.
		api.CloseIdleConnections()
		streams.CloseIdleConnections()
		tgt.close()
	}()
	rep.target = tgt
	// One client per server; the first is the one the set-up and the
	// fan-out's posts go through.
	cs := make([]*client, len(tgt.bases))
	for i, b := range tgt.bases {
		cs[i] = &client{base: b, hc: api}
	}
	c := cs[0]

	progress("setting up a talks of %d parties and %d items on %s", cfg.parties, cfg.items, tgt.base)
	t, stats, err := setUp(ctx, c, tgt.host, cfg)
	if err != nil {
		return err
	}
	rep.talks, rep.setup = t, stats
	progress("set up %s: %d events in %.1f s", t.id, stats.events, stats.elapsed.Seconds())
	if cfg.signedIn() {
		if !tgt.inproc {
			progress("signing in %d actors from this one address: the server must let them through; start it with %s", len(t.actors), serveFlags)
		} else {
			progress("signing in %d actors, each with its own key", len(t.actors))
		}
		si, err := signInActors(ctx, c, t, tgt.host, len(t.actors), cfg.setupConc)
		rep.signIn = &si
		if err != nil {
			return err
		}
		progress("signed in %d actors in %.1f s", si.actors, si.elapsed.Seconds())
	}
	// The server may still be working on what was just posted (it
	// evaluates the agreement after appends); let it finish before each
	// phase, so that each measures its own load.
	quiet := func(before string) error {
		s := pause{before: before}
		if tgt.inproc {
			s.took, s.idle = settle(ctx, time.Minute)
		} else {
			start := time.Now()
			_ = sleep(ctx, 2*time.Second)
			s.took = time.Since(start)
		}
		rep.pauses = append(rep.pauses, s)
		return ctx.Err()
	}

	var pools [][][]byte
	if cfg.has(phaseWrites) && cfg.presign {
		progress("signing %d events for the write phase", cfg.maxWrites)
		if pools, err = presign(ctx, t, cfg); err != nil {
			return err
		}
	}

	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return fmt.Errorf("creating the CPU profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("starting the CPU profile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}

	if cfg.has(phaseWrites) {
		if err := quiet(phaseWrites); err != nil {
			return err
		}
		progress("writes: %d delegations for %v", cfg.writers, cfg.duration)
		if rep.writes, err = writes(ctx, cs, t, cfg, pools); err != nil {
			return err
		}
	}
	if cfg.has(phaseFanout) {
		for run, viewers := range cfg.viewers {
			if err := quiet(phaseFanout + " (" + viewers + ")"); err != nil {
				return err
			}
			progress("fan-out: %d subscribers as %s, %d events at %g/s", cfg.subscribers, viewers, cfg.events, cfg.rate)
			f, err := fanout(ctx, cs, streams, t, cfg, viewers, run)
			if err != nil {
				return err
			}
			rep.fanouts = append(rep.fanouts, f)
		}
	}
	if cfg.has(phaseReads) {
		if err := quiet(phaseReads); err != nil {
			return err
		}
		if rep.reads, err = readPhase(ctx, cs, api, t, cfg, progress); err != nil {
			return err
		}
	}
	return nil
}

// idleShare is the share of one core under which the process counts as
// idle.
const idleShare = 0.15

// settle waits until the process has used less than idleShare of a core
// in each of two quarters of a second in a row, for at most limit. It
// returns how long it waited and whether the process went idle.
func settle(ctx context.Context, limit time.Duration) (time.Duration, bool) {
	const window = 250 * time.Millisecond
	start := time.Now()
	prev, ok := processCPU()
	if !ok {
		_ = sleep(ctx, 2*time.Second)
		return time.Since(start), false
	}
	quiet := 0
	for time.Since(start) < limit {
		if sleep(ctx, window) != nil {
			break
		}
		cur, _ := processCPU()
		if cur-prev < time.Duration(idleShare*float64(window)) {
			quiet++
		} else {
			quiet = 0
		}
		if quiet == 2 {
			return time.Since(start), true
		}
		prev = cur
	}
	return time.Since(start), false
}

// overviewSignedIn names the read target of the talks overview read by
// signed-in actors, each its own viewer.
const overviewSignedIn = "talks overview, signed in"

// readPhase measures four targets one after the other with the same
// readers and HTTP client: a bare handler serving the bytes of a checkpoint
// response, the checkpoint, a bare handler serving the bytes of the talks
// overview, and the talks overview; when actors are signed in, the talks
// overview again, reader i as actor i. Reader i of the API targets reads
// from server i mod len(cs).
func readPhase(ctx context.Context, cs []*client, hc *http.Client, t *talks, cfg *config, progress func(string, ...any)) ([]*readResult, error) {
	c := cs[0]
	cpPath := "/api/v1/talks/" + t.id + "/checkpoint"
	ovPath := "/api/v1/talks/" + t.id
	var bodies [2][]byte
	for i, path := range []string{cpPath, ovPath} {
		status, body, err := c.get(ctx, path, true)
		if err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("reading %s for a bare handler's body: status %d: %v", path, status, err)
		}
		bodies[i] = body
	}
	var bare [2]*client
	for i, body := range bodies {
		base, stop, err := listen(bareHandler(body), nil, nil)
		if err != nil {
			return nil, err
		}
		defer func() {
			hc.CloseIdleConnections()
			stop()
		}()
		bare[i] = &client{base: base, hc: hc}
	}
	targets := []struct {
		name string
		cs   []*client
		path string
		same int // index of the bare target with the same body
	}{
		{"bare handler", []*client{bare[0]}, "/", 0},
		{"checkpoint", cs, cpPath, 0},
		{"bare handler, overview's bytes", []*client{bare[1]}, "/", 2},
		{"talks overview", cs, ovPath, 2},
	}
	if len(t.tokens) > 0 {
		targets = append(targets, struct {
			name string
			cs   []*client
			path string
			same int
		}{overviewSignedIn, cs, ovPath, 2})
	}
	var out []*readResult
	for _, tg := range targets {
		progress("reads: %d readers on the %s for %v", cfg.readers, tg.name, cfg.duration)
		var tokens []string
		if tg.name == overviewSignedIn {
			tokens = t.tokens
		}
		r, err := reads(ctx, tg.cs, tg.name, tg.path, tokens, cfg)
		if err != nil {
			return nil, err
		}
		r.Bare = tg.cs[0] != c
		out = append(out, r)
		r.Same = out[tg.same]
	}
	return out, nil
}

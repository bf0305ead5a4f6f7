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

	api := &http.Client{Transport: newTransport(max(cfg.writers, cfg.readers, cfg.setupConc) + 16), Timeout: time.Minute}
	st := newTransport(2)
	st.ResponseHeaderTimeout = 30 * time.Second
	streams := &http.Client{Transport: st}

	var tgt *target
	if cfg.server != "" {
		tgt, err = external(ctx, cfg.server, api)
	} else {
		tgt, err = inProcess(ctx, cfg.dir, cfg.subscribers+256, stderr)
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
	c := &client{base: tgt.base, hc: api}

	progress("setting up a talks of %d parties and %d items on %s", cfg.parties, cfg.items, tgt.base)
	t, stats, err := setUp(ctx, c, tgt.host, cfg)
	if err != nil {
		return err
	}
	rep.talks, rep.setup = t, stats
	progress("set up %s: %d events in %.1f s", t.id, stats.events, stats.elapsed.Seconds())

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
		progress("writes: %d delegations for %v", cfg.writers, cfg.duration)
		if rep.writes, err = writes(ctx, c, t, cfg); err != nil {
			return err
		}
	}
	if cfg.has(phaseFanout) {
		progress("fan-out: %d subscribers, %d events at %g/s", cfg.subscribers, cfg.events, cfg.rate)
		if rep.fanout, err = fanout(ctx, c, streams, t, cfg); err != nil {
			return err
		}
	}
	if cfg.has(phaseReads) {
		if rep.reads, err = readPhase(ctx, c, api, t, cfg, progress); err != nil {
			return err
		}
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

// readPhase measures the bare handler, then the checkpoint, then the talks
// overview, with the same readers and client.
func readPhase(ctx context.Context, c *client, hc *http.Client, t *talks, cfg *config, progress func(string, ...any)) ([]*readResult, error) {
	// The bare handler serves the bytes of a checkpoint response, so that
	// both move bodies of the same size.
	cpPath := "/api/v1/talks/" + t.id + "/checkpoint"
	status, body, err := c.get(ctx, cpPath, true)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("reading the checkpoint for the bare handler's body: status %d: %v", status, err)
	}
	bare, stopBare, err := listen(bareHandler(body), nil, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		hc.CloseIdleConnections()
		stopBare()
	}()
	targets := []struct {
		name string
		c    *client
		path string
	}{
		{"bare net/http handler", &client{base: bare, hc: hc}, "/"},
		{"checkpoint", c, cpPath},
		{"talks overview", c, "/api/v1/talks/" + t.id},
	}
	var out []*readResult
	for _, tg := range targets {
		progress("reads: %d readers on the %s for %v", cfg.readers, tg.name, cfg.duration)
		r, err := reads(ctx, tg.c, tg.name, tg.path, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

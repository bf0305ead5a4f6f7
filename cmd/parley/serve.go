package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/web"
)

func init() {
	register(&command{
		Name:    "serve",
		Usage:   "[flags]",
		Summary: "serve the API, live updates and web UI",
		Help: `Serve runs a Parley server over the record in --dir (or --db). Actors sign
their acts on their own devices and send them to it; it checks and records
them, and serves what each viewer may see. It stops gracefully on SIGINT or
SIGTERM, finishing appends in flight.

Every flag falls back to an environment variable: PARLEY_ADDR, PARLEY_DIR,
PARLEY_DB, PARLEY_HOST, PARLEY_LOG_LEVEL, PARLEY_READ_RATE,
PARLEY_WRITE_RATE.`,
		Flags: serveFlags,
		Run:   runServe,
	})
}

func serveFlags(fs *flag.FlagSet) {
	dataFlags(fs)
	fs.String("addr", "", "address to listen on (env PARLEY_ADDR; default 127.0.0.1:8080)")
	fs.String("log-level", "", "debug, info, warn or error (env PARLEY_LOG_LEVEL; default info)")
	fs.String("read-rate", "", "reads per second per actor or client address, -1 for no limit (env PARLEY_READ_RATE; default 200)")
	fs.String("write-rate", "", "writes per second per actor or client address, -1 for no limit (env PARLEY_WRITE_RATE; default 100)")
}

// serveConfig is the configuration of a server process.
type serveConfig struct {
	data                dataConfig
	addr                string
	logLevel            string
	readRate, writeRate float64 // 0: the server's defaults
}

func serveConfigOf(e *env, fs *flag.FlagSet) (serveConfig, error) {
	c := serveConfig{
		data:     dataConfigOf(e, fs),
		addr:     opt(e, fs, "addr", "PARLEY_ADDR", "127.0.0.1:8080"),
		logLevel: opt(e, fs, "log-level", "PARLEY_LOG_LEVEL", "info"),
	}
	for _, r := range []struct {
		flag, env string
		v         *float64
	}{{"read-rate", "PARLEY_READ_RATE", &c.readRate}, {"write-rate", "PARLEY_WRITE_RATE", &c.writeRate}} {
		if s := opt(e, fs, r.flag, r.env, ""); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || (v <= 0 && v != -1) {
				return c, &exitError{2, fmt.Errorf("--%s %q: want requests per second, or -1 for no limit", r.flag, s)}
			}
			*r.v = v
		}
	}
	return c, nil
}

func runServe(ctx context.Context, e *env, fs *flag.FlagSet) error {
	c, err := serveConfigOf(e, fs)
	if err != nil {
		return err
	}
	return serve(ctx, e, c, nil, nil)
}

func newLogger(e *env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &exitError{2, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)}
	}
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: l})), nil
}

// openStore opens the store named by the data configuration.
func openStore(ctx context.Context, c dataConfig) (parley.Store, error) {
	if strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://") {
		return openPostgres(ctx, c.DB)
	}
	return sqlite.Open(ctx, c.DB)
}

// serverSecret returns the HMAC secret of sessions, kept in DIR/session.key
// with mode 0600 and created on first use. Processes that share the
// directory share the secret.
func serverSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, "session.key")
	b, err := os.ReadFile(path)
	if err == nil && len(b) == 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path) // another process made it first
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(secret); err != nil {
		f.Close()
		return nil, err
	}
	return secret, f.Close()
}

// serve runs the server until ctx is done. prepare, if set, runs once the
// ledger exists and before the server listens (the demo replays then).
func serve(ctx context.Context, e *env, c serveConfig, demo *server.Demo, prepare func(context.Context, *ledger.Ledger) error) error {
	log, err := newLogger(e, c.logLevel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.data.Dir, 0o700); err != nil {
		return err
	}
	store, err := openStore(ctx, c.data)
	if err != nil {
		return err
	}
	defer store.Close()
	keys, err := ledger.NewKeys(filepath.Join(c.data.Dir, "logkeys"))
	if err != nil {
		return err
	}
	secret, err := serverSecret(c.data.Dir)
	if err != nil {
		return fmt.Errorf("the session secret: %w", err)
	}
	var srv *server.Server
	// A store that other processes share tells of their appends.
	notifier, shared := store.(ledger.Notifier)
	l := ledger.New(store, ledger.Config{Host: c.data.Host, Keys: keys, Shared: shared, OnAppend: func(a ledger.Appended) { srv.Published(a) }})
	if shared {
		fctx, stop := context.WithCancel(ctx)
		defer stop()
		go l.Follow(fctx, notifier)
	}
	ui, err := web.New(l, web.Config{Host: c.data.Host, Demo: demo, Logger: log})
	if err != nil {
		return err
	}
	srv = server.New(l, server.Config{Host: c.data.Host, Secret: secret, Logger: log, Demo: demo, UI: ui, ReadRate: c.readRate, WriteRate: c.writeRate})
	if prepare != nil {
		if err := prepare(ctx, l); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", c.addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.Close)
	url := "http://" + ln.Addr().String()
	log.Info("serving", "url", url, "db", c.data.DB, "host", c.data.Host)
	fmt.Fprintf(e.Stdout, "Parley is serving at %s/\n", url)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}
